/* base64.c -- RFC 4648 §4 base64, every 3 bytes as 4 characters.
 * See base64.h for why decoding is strict. */
#include <stdbool.h>
#include "ws/base64.h"

static const char alphabet[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The 6-bit value of one character of the alphabet, or -1. */
static int sextet(char ch)
{
	if (ch >= 'A' && ch <= 'Z') return ch - 'A';
	if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9') return ch - '0' + 52;
	if (ch == '+') return 62;
	if (ch == '/') return 63;
	return -1;
}

size_t base64_encode(char *dst, const void *src, size_t n)
{
	const uint8_t *s = src;
	char *d = dst;

	for (; n >= 3; s += 3, n -= 3) {
		uint32_t v = (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2];
		*d++ = alphabet[(v >> 18) & 63];
		*d++ = alphabet[(v >> 12) & 63];
		*d++ = alphabet[(v >> 6) & 63];
		*d++ = alphabet[v & 63];
	}
	if (n > 0) {                    /* §4: one or two bytes left, then '=' */
		uint32_t v = (uint32_t)s[0] << 16 | (n == 2 ? (uint32_t)s[1] << 8 : 0);
		*d++ = alphabet[(v >> 18) & 63];
		*d++ = alphabet[(v >> 12) & 63];
		*d++ = n == 2 ? alphabet[(v >> 6) & 63] : '=';
		*d++ = '=';
	}
	return (size_t)(d - dst);
}

size_t base64_decode(uint8_t *dst, size_t cap, const char *src, size_t n)
{
	size_t out = 0;

	if (n % 4 != 0)
		return BASE64_INVALID;          /* §3.2: padding is required */
	for (size_t i = 0; i < n; i += 4) {
		bool last = i + 4 == n;
		size_t pad = 0;                 /* '=' at the end of this quantum */
		if (last && src[i + 3] == '=')
			pad = src[i + 2] == '=' ? 2 : 1;

		uint32_t v = 0;
		for (size_t j = 0; j < 4 - pad; j++) {
			int x = sextet(src[i + j]);
			if (x < 0)
				return BASE64_INVALID;  /* a stray '=' lands here too */
			v = v << 6 | (uint32_t)x;
		}
		v <<= 6 * pad;
		if (pad > 0 && (v & (pad == 1 ? 0xFFu : 0xFFFFu)) != 0)
			return BASE64_INVALID;  /* §3.5: non-zero pad bits */

		size_t got = 3 - pad;
		if (cap - out < got)
			return BASE64_INVALID;
		dst[out++] = (uint8_t)(v >> 16);
		if (got > 1) dst[out++] = (uint8_t)(v >> 8);
		if (got > 2) dst[out++] = (uint8_t)v;
	}
	return out;
}
