/* test_sse_text.c -- the word-at-a-time scan against its byte-at-a-time
 * definition (sse_text.h).
 *
 * The word trick can only go wrong at a particular byte value in a
 * particular lane of the word, so the first test is exhaustive over both:
 * every byte value, at every position of a 24-byte run of plain bytes,
 * read from every alignment.  Then random buffers thick with the values
 * that matter (CR, LF, 0x7F, 0x80, their neighbours) at every length.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "sse/sse_text.h"

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* _i is the byte value planted. */
START_TEST(test_every_byte_every_lane)
{
	uint8_t buf[8 + 24];
	for (size_t align = 0; align < 8; align++) {
		uint8_t *s = buf + align;
		for (size_t pos = 0; pos < 24; pos++) {
			memset(buf, 'x', sizeof buf);
			s[pos] = (uint8_t)_i;
			for (size_t n = 0; n <= 24; n++)    /* plain if: fast when passing */
				if (sse_text_plain(s, n) != sse_text_plain_bytewise(s, n))
					ck_abort_msg("byte %02x at %zu of %zu, alignment %zu",
						     _i, pos, n, align);
		}
	}
}
END_TEST

START_TEST(test_definition)
{
	ck_assert_uint_eq(sse_text_plain_bytewise((const uint8_t *)"ab\rc", 4), 2);
	ck_assert_uint_eq(sse_text_plain_bytewise((const uint8_t *)"ab\nc", 4), 2);
	ck_assert_uint_eq(sse_text_plain_bytewise((const uint8_t *)"ab\x80", 3), 2);
	ck_assert_uint_eq(sse_text_plain_bytewise((const uint8_t *)"\x7f\t\0 :", 5), 5);
	ck_assert_uint_eq(sse_text_plain_bytewise(NULL, 0), 0);
	ck_assert_uint_eq(sse_text_plain(NULL, 0), 0);
}
END_TEST

START_TEST(test_random_buffers)
{
	static const uint8_t hot[] = {
		'\r', '\n', 0x0B, 0x0C, 0x0E, 0x09, 0x00, 0x01, 0x7F, 0x80, 0x81,
		0x8A, 0x8D, 0xFF, 0xFE, 0x0D ^ 0x80, 0x0A ^ 0x80,
	};
	uint64_t x = 0xA0761D6478BD642Fu;
	uint8_t buf[80];
	for (int round = 0; round < 200000; round++) {
		size_t n = rng_next(&x) % 72, off = rng_next(&x) % 8;
		for (size_t i = 0; i < n; i++) {
			uint64_t r = rng_next(&x);
			/* mostly plain, so the runs are long enough to matter */
			buf[off + i] = r % 16 ? (uint8_t)(0x20 + r % 0x5F)
					      : r % 32 < 24 ? hot[(r >> 8) % sizeof hot]
							    : (uint8_t)(r >> 16);
		}
		if (sse_text_plain(buf + off, n) != sse_text_plain_bytewise(buf + off, n))
			ck_abort_msg("round %d", round);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("sse_text");
	TCase *tc = tcase_create("word scan equals byte scan");
	tcase_add_test(tc, test_definition);
	tcase_add_loop_test(tc, test_every_byte_every_lane, 0, 256);
	tcase_add_test(tc, test_random_buffers);
	suite_add_tcase(s, tc);
	return s;
}
