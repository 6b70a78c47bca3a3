/* test_ws_base64.c -- base64 (src/ws/base64.h): RFC 4648 §10 vectors both
 * ways, strict rejection of everything that is not canonical, round trips. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "ws/base64.h"

/* RFC 4648 §10 "Test Vectors", plus the RFC 6455 §1.3 handshake nonce. */
static const struct {
	const char *name;
	const char *raw;
	const char *b64;
} good[] = {
	{ "empty (RFC 4648 §10)", "", "" },
	{ "f (RFC 4648 §10)", "f", "Zg==" },
	{ "fo (RFC 4648 §10)", "fo", "Zm8=" },
	{ "foo (RFC 4648 §10)", "foo", "Zm9v" },
	{ "foob (RFC 4648 §10)", "foob", "Zm9vYg==" },
	{ "fooba (RFC 4648 §10)", "fooba", "Zm9vYmE=" },
	{ "foobar (RFC 4648 §10)", "foobar", "Zm9vYmFy" },
	{ "nonce (RFC 6455 §1.3)", "the sample nonce", "dGhlIHNhbXBsZSBub25jZQ==" },
	{ "last sextets +/", "\xfb\xff\xbf", "+/+/" },
};
#define N_GOOD (sizeof good / sizeof good[0])

START_TEST(encode_vectors)
{
	char out[64];
	size_t n = base64_encode(out, good[_i].raw, strlen(good[_i].raw));
	ck_assert_uint_eq(n, BASE64_ENCODED_LEN(strlen(good[_i].raw)));
	ck_assert_uint_eq(n, strlen(good[_i].b64));
	ck_assert_msg(memcmp(out, good[_i].b64, n) == 0, "%s", good[_i].name);
}
END_TEST

START_TEST(decode_vectors)
{
	uint8_t out[64];
	const char *in = good[_i].b64;
	size_t n = base64_decode(out, sizeof out, in, strlen(in));
	ck_assert_msg(n == strlen(good[_i].raw), "%s: length %zu", good[_i].name, n);
	ck_assert_msg(memcmp(out, good[_i].raw, n) == 0, "%s", good[_i].name);
}
END_TEST

/* Exactly enough room decodes; one byte less is refused. */
START_TEST(decode_capacity)
{
	uint8_t out[64];
	const char *in = good[_i].b64;
	size_t want = strlen(good[_i].raw);
	ck_assert_uint_eq(base64_decode(out, want, in, strlen(in)), want);
	if (want > 0)
		ck_assert_uint_eq(base64_decode(out, want - 1, in, strlen(in)),
				  BASE64_INVALID);
}
END_TEST

static const struct {
	const char *name;
	const char *b64;
	size_t len;             /* 0: strlen */
} bad[] = {
	{ "no padding", "Zg", 0 },
	{ "length 3", "Zg=", 0 },
	{ "length 5", "Zm9vY", 0 },
	{ "too much padding", "Zg===", 0 },
	{ "three pads", "Z===", 0 },
	{ "all padding", "====", 0 },
	{ "pad in the middle", "Zm=v", 0 },
	{ "pad then data", "Zg==Zm9v", 0 },
	{ "pad bits set, one pad (RFC 4648 §3.5)", "Zm9=", 0 },
	{ "pad bits set, two pads (RFC 4648 §3.5)", "Zh==", 0 },
	{ "space", "Zm9v YmFy", 0 },
	{ "trailing space", "Zm9v ", 0 },
	{ "line break", "Zm9v\nYmFy", 0 },
	{ "CRLF", "Zm9v\r\n", 0 },
	{ "url-safe minus (RFC 4648 §5)", "Zm-v", 0 },
	{ "url-safe underscore (RFC 4648 §5)", "Zm_v", 0 },
	{ "high byte", "Zm9\x80", 0 },
	{ "NUL inside", "Zm\0v", 4 },
	{ "dot", "Zm.v", 0 },
};
#define N_BAD (sizeof bad / sizeof bad[0])

START_TEST(decode_rejects)
{
	uint8_t out[64];
	size_t len = bad[_i].len ? bad[_i].len : strlen(bad[_i].b64);
	ck_assert_msg(base64_decode(out, sizeof out, bad[_i].b64, len) == BASE64_INVALID,
		      "%s accepted", bad[_i].name);
}
END_TEST

/* Every byte value in every position of lengths 0..40 survives a round
 * trip, and the encoding's length is the macro's. */
START_TEST(round_trip)
{
	uint8_t raw[40], back[40];
	char text[BASE64_ENCODED_LEN(40)];
	size_t n = (size_t)_i;

	for (unsigned seed = 0; seed < 256; seed++) {
		for (size_t k = 0; k < n; k++)
			raw[k] = (uint8_t)(seed + k * 97);
		size_t t = base64_encode(text, raw, n);
		ck_assert_uint_eq(t, BASE64_ENCODED_LEN(n));
		ck_assert_uint_eq(base64_decode(back, sizeof back, text, t), n);
		ck_assert(n == 0 || memcmp(raw, back, n) == 0);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ws_base64");
	TCase *tc;

	tc = tcase_create("vectors");
	tcase_add_loop_test(tc, encode_vectors, 0, N_GOOD);
	tcase_add_loop_test(tc, decode_vectors, 0, N_GOOD);
	tcase_add_loop_test(tc, decode_capacity, 0, N_GOOD);
	suite_add_tcase(s, tc);

	tc = tcase_create("strict");
	tcase_add_loop_test(tc, decode_rejects, 0, N_BAD);
	suite_add_tcase(s, tc);

	tc = tcase_create("round_trip");
	tcase_add_loop_test(tc, round_trip, 0, 41);
	suite_add_tcase(s, tc);
	return s;
}
