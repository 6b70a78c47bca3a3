/* sha1.h -- SHA-1 (FIPS 180-4 §6.1), streaming and one-shot.
 *
 * The WebSocket opening handshake proves that a server understood the
 * request by hashing the client's key with a fixed GUID (RFC 6455 §4.2.2,
 * step 5.4).  That is SHA-1's only job in pushpull: it is not used for
 * anything that needs collision resistance.
 *
 * Streaming: sha1_init, then sha1_update any number of times with any
 * split of the input, then sha1_final.  The context is plain memory the
 * caller owns (92 bytes); nothing is allocated.
 *
 * Read next: base64.h (ws_handshake.h uses both).
 */
#ifndef PUSHPULL_WS_SHA1_H
#define PUSHPULL_WS_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_LEN 20      /* bytes in a digest */
#define SHA1_BLOCK_LEN  64      /* bytes in one compression block */

struct sha1_ctx {
	uint32_t h[5];                  /* chaining value H0..H4 */
	uint64_t total;                 /* message bytes seen so far */
	uint8_t block[SHA1_BLOCK_LEN];  /* a partial block waiting for more */
};

void sha1_init(struct sha1_ctx *c);
/* Adds 'n' bytes of message; 'data' may be NULL when n == 0. */
void sha1_update(struct sha1_ctx *c, const void *data, size_t n);
/* Pads, finishes and writes the digest.  The context must be
 * re-initialised before it is used again. */
void sha1_final(struct sha1_ctx *c, uint8_t digest[SHA1_DIGEST_LEN]);

/* init + update + final in one call. */
void sha1_digest(const void *data, size_t n, uint8_t digest[SHA1_DIGEST_LEN]);

#endif
