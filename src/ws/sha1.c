/* sha1.c -- SHA-1 as FIPS 180-4 §6.1.2 writes it: a message schedule of
 * 80 words, four rounds of 20 steps, big-endian everywhere.
 *
 * The code follows the standard's notation (W, a..e, f, K) so it can be
 * read beside the text.  The 80-word schedule is computed in a 16-word
 * ring (FIPS 180-4 §6.1.3 describes the same alternative): it is a little
 * smaller and no slower.  Speed barely matters here: one handshake hashes
 * 60 bytes.
 */
#include <string.h>
#include "ws/sha1.h"

static uint32_t rotl(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One 512-bit block into the chaining value (FIPS 180-4 §6.1.2 step 1-4). */
static void sha1_compress(uint32_t h[5], const uint8_t block[SHA1_BLOCK_LEN])
{
	uint32_t w[16];
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

	for (int t = 0; t < 16; t++)
		w[t] = load_be32(block + 4 * t);

	for (int t = 0; t < 80; t++) {
		uint32_t f, k;
		if (t >= 16) {  /* W[t] = ROTL1(W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16]) */
			w[t & 15] = rotl(w[(t - 3) & 15] ^ w[(t - 8) & 15] ^
					 w[(t - 14) & 15] ^ w[t & 15], 1);
		}
		if (t < 20) {           /* §4.1.1: Ch */
			f = (b & c) | (~b & d);
			k = 0x5A827999u;
		} else if (t < 40) {    /* Parity */
			f = b ^ c ^ d;
			k = 0x6ED9EBA1u;
		} else if (t < 60) {    /* Maj */
			f = (b & c) | (b & d) | (c & d);
			k = 0x8F1BBCDCu;
		} else {                /* Parity */
			f = b ^ c ^ d;
			k = 0xCA62C1D6u;
		}
		uint32_t tmp = rotl(a, 5) + f + e + k + w[t & 15];
		e = d;
		d = c;
		c = rotl(b, 30);
		b = a;
		a = tmp;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void sha1_init(struct sha1_ctx *c)
{
	/* FIPS 180-4 §5.3.1: the initial hash value */
	c->h[0] = 0x67452301u;
	c->h[1] = 0xEFCDAB89u;
	c->h[2] = 0x98BADCFEu;
	c->h[3] = 0x10325476u;
	c->h[4] = 0xC3D2E1F0u;
	c->total = 0;
}

void sha1_update(struct sha1_ctx *c, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t have = (size_t)(c->total % SHA1_BLOCK_LEN);  /* bytes in c->block */

	if (n == 0)
		return;                 /* also keeps a NULL 'data' away from memcpy */
	c->total += n;
	if (have > 0) {                 /* top up the partial block first */
		size_t take = SHA1_BLOCK_LEN - have;
		if (take > n)
			take = n;
		memcpy(c->block + have, p, take);
		p += take;
		n -= take;
		if (have + take < SHA1_BLOCK_LEN)
			return;
		sha1_compress(c->h, c->block);
	}
	for (; n >= SHA1_BLOCK_LEN; p += SHA1_BLOCK_LEN, n -= SHA1_BLOCK_LEN)
		sha1_compress(c->h, p);     /* whole blocks straight from the input */
	if (n > 0)
		memcpy(c->block, p, n);
}

void sha1_final(struct sha1_ctx *c, uint8_t digest[SHA1_DIGEST_LEN])
{
	/* FIPS 180-4 §5.1.1: append 1 bit, zeros to 448 mod 512, then the
	 * message length in bits as a 64-bit big-endian number. */
	uint64_t bits = c->total * 8;
	size_t have = (size_t)(c->total % SHA1_BLOCK_LEN);

	c->block[have++] = 0x80;
	if (have > SHA1_BLOCK_LEN - 8) {        /* no room for the length */
		memset(c->block + have, 0, SHA1_BLOCK_LEN - have);
		sha1_compress(c->h, c->block);
		have = 0;
	}
	memset(c->block + have, 0, SHA1_BLOCK_LEN - 8 - have);
	store_be32(c->block + 56, (uint32_t)(bits >> 32));
	store_be32(c->block + 60, (uint32_t)bits);
	sha1_compress(c->h, c->block);

	for (int i = 0; i < 5; i++)
		store_be32(digest + 4 * i, c->h[i]);
}

void sha1_digest(const void *data, size_t n, uint8_t digest[SHA1_DIGEST_LEN])
{
	struct sha1_ctx c;
	sha1_init(&c);
	sha1_update(&c, data, n);
	sha1_final(&c, digest);
}
