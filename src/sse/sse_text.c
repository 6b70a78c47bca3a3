/* sse_text.c -- the plain-text scan, a byte and a word at a time.
 * See sse_text.h for what "plain" means and who asks. */
#include "sse/sse_text.h"

#include <stdbool.h>
#include <string.h>

static bool byte_plain(uint8_t b)
{
	return b < 0x80 && b != '\r' && b != '\n';
}

size_t sse_text_plain_bytewise(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n && byte_plain(s[i]))
		i++;
	return i;
}

/* True when all eight bytes of 'w' are plain.
 *
 * For a word 'x', (x - 0x01..01) & ~x & 0x80..80 is non-zero exactly when
 * some byte of x is zero (a byte can only borrow past a zero byte, so a
 * set bit never appears without one).  XOR with CR in every byte turns CR
 * bytes into zeros, and likewise for LF; a byte of 0x80 or more has its
 * own high bit set.  Only whether any high bit is set is used, never
 * which one, so byte order does not matter. */
static bool word_plain(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t cr = w ^ (ones * '\r');
	uint64_t lf = w ^ (ones * '\n');
	uint64_t special = ((cr - ones) & ~cr) | ((lf - ones) & ~lf) | w;
	return (special & highs) == 0;
}

size_t sse_text_plain(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (n - i >= 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);   /* an unaligned load, done portably */
		if (!word_plain(w))
			break;          /* the loop below finds which byte */
		i += 8;
	}
	while (i < n && byte_plain(s[i]))      /* the last few bytes */
		i++;
	return i;
}
