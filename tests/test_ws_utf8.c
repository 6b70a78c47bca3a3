/* test_ws_utf8.c -- the UTF-8 state machine of src/util/utf8.h, as the
 * WebSocket layer uses it (RFC 6455 §8.1: validate text, fail fast) and as
 * the event-stream layer uses it (WHATWG Encoding "UTF-8 decoder": replace
 * each maximal invalid subpart with one U+FFFD).
 *
 * Topics: valid text of every length class; invalid text with the offset of
 * the first byte that cannot belong to valid UTF-8, fed whole, a byte at a
 * time and split at every position; an exhaustive comparison with an
 * oracle written straight from the RFC 3629 §4 ABNF; every code point
 * through utf8_encode and back; the replacement behaviour. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/utf8.h"

#define MAX_CPS 16

/* --- valid text ---------------------------------------------------------- */

static const struct {
	const char *name;
	const char *in;
	size_t len;                     /* 0: strlen */
	uint32_t cps[MAX_CPS];          /* the code points it decodes to */
	size_t ncps;
} valid[] = {
	{ "empty", "", 0, { 0 }, 0 },
	{ "NUL", "\0", 1, { 0 }, 1 },
	{ "ASCII", "Hello", 0, { 'H', 'e', 'l', 'l', 'o' }, 5 },
	{ "1 byte, last U+007F", "\x7F", 0, { 0x7F }, 1 },
	{ "2 bytes, first U+0080", "\xC2\x80", 0, { 0x80 }, 1 },
	{ "2 bytes, last U+07FF", "\xDF\xBF", 0, { 0x7FF }, 1 },
	{ "3 bytes, first U+0800", "\xE0\xA0\x80", 0, { 0x800 }, 1 },
	{ "3 bytes, before surrogates U+D7FF", "\xED\x9F\xBF", 0, { 0xD7FF }, 1 },
	{ "3 bytes, after surrogates U+E000", "\xEE\x80\x80", 0, { 0xE000 }, 1 },
	{ "3 bytes, U+FFFD", "\xEF\xBF\xBD", 0, { 0xFFFD }, 1 },
	{ "3 bytes, last U+FFFF", "\xEF\xBF\xBF", 0, { 0xFFFF }, 1 },
	{ "4 bytes, first U+10000", "\xF0\x90\x80\x80", 0, { 0x10000 }, 1 },
	{ "4 bytes, U+1F600", "\xF0\x9F\x98\x80", 0, { 0x1F600 }, 1 },
	{ "4 bytes, F1 lead U+40000", "\xF1\x80\x80\x80", 0, { 0x40000 }, 1 },
	{ "4 bytes, last U+10FFFF", "\xF4\x8F\xBF\xBF", 0, { 0x10FFFF }, 1 },
	/* "kosme" in Greek, from Markus Kuhn's UTF-8 stress test, §1 */
	{ "Greek kosme", "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5", 0,
	  { 0x3BA, 0x1F79, 0x3C3, 0x3BC, 0x3B5 }, 5 },
	{ "every class mixed", "a\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E" "z", 0,
	  { 'a', 0xE9, 0x20AC, 0x1D11E, 'z' }, 5 },
};
#define N_VALID (sizeof valid / sizeof valid[0])

static size_t vlen(size_t i)
{
	return valid[i].len ? valid[i].len : strlen(valid[i].in);
}

START_TEST(valid_whole)
{
	const uint8_t *s = (const uint8_t *)valid[_i].in;
	ck_assert_msg(utf8_is_valid(s, vlen(_i)), "%s rejected", valid[_i].name);
}
END_TEST

/* utf8_decode_byte, one byte at a time, yields exactly the code points. */
START_TEST(valid_code_points)
{
	const uint8_t *s = (const uint8_t *)valid[_i].in;
	struct utf8_decoder d;
	size_t got = 0;

	utf8_init(&d);
	for (size_t k = 0; k < vlen(_i); k++) {
		int32_t r = utf8_decode_byte(&d, s[k]);
		ck_assert_msg(r >= UTF8_MORE, "%s: error at %zu", valid[_i].name, k);
		if (r >= 0) {
			ck_assert_uint_lt(got, valid[_i].ncps);
			ck_assert_msg((uint32_t)r == valid[_i].cps[got],
				      "%s: cp %zu is %x", valid[_i].name, got, (unsigned)r);
			got++;
		}
	}
	ck_assert_uint_eq(got, valid[_i].ncps);
	ck_assert(utf8_at_boundary(&d));
}
END_TEST

/* Split in two at every position: the state carries across. */
START_TEST(valid_split)
{
	const uint8_t *s = (const uint8_t *)valid[_i].in;
	size_t n = vlen(_i);

	for (size_t cut = 0; cut <= n; cut++) {
		struct utf8_decoder d;
		utf8_init(&d);
		ck_assert_uint_eq(utf8_validate(&d, s, cut), cut);
		ck_assert_uint_eq(utf8_validate(&d, s + cut, n - cut), n - cut);
		ck_assert_msg(utf8_at_boundary(&d), "%s cut %zu", valid[_i].name, cut);
	}
}
END_TEST

/* --- invalid text -------------------------------------------------------- */

#define TRUNCATED ((size_t)-1)  /* every byte acceptable, the end comes too soon */

static const struct {
	const char *name;
	const char *in;
	size_t len;             /* 0: strlen */
	size_t bad;             /* offset of the first invalid byte, or TRUNCATED */
} invalid[] = {
	/* lone and stray continuation bytes */
	{ "lone 80", "\x80", 0, 0 },
	{ "lone BF", "\xBF", 0, 0 },
	{ "continuation after ASCII", "ab\x80", 0, 2 },
	{ "continuation after a full sequence", "\xC3\xA9\xA9", 0, 2 },
	/* overlong forms: refused at the earliest byte that proves it */
	{ "overlong C0 80 (U+0000)", "\xC0\x80", 0, 0 },
	{ "overlong C1 BF (U+007F)", "\xC1\xBF", 0, 0 },
	{ "overlong C0 AF ('/')", "\xC0\xAF", 0, 0 },
	{ "overlong E0 80 80", "\xE0\x80\x80", 0, 1 },
	{ "overlong E0 9F BF (U+07FF)", "\xE0\x9F\xBF", 0, 1 },
	{ "overlong F0 80 80 80", "\xF0\x80\x80\x80", 0, 1 },
	{ "overlong F0 8F BF BF (U+FFFF)", "\xF0\x8F\xBF\xBF", 0, 1 },
	{ "five-byte form F8", "\xF8\x88\x80\x80\x80", 0, 0 },
	{ "six-byte form FC", "\xFC\x84\x80\x80\x80\x80", 0, 0 },
	/* surrogates U+D800..U+DFFF */
	{ "surrogate ED A0 80 (U+D800)", "\xED\xA0\x80", 0, 1 },
	{ "surrogate ED AD BF (U+DB7F)", "\xED\xAD\xBF", 0, 1 },
	{ "surrogate ED B0 80 (U+DC00)", "\xED\xB0\x80", 0, 1 },
	{ "surrogate ED BF BF (U+DFFF)", "\xED\xBF\xBF", 0, 1 },
	{ "surrogate pair as CESU-8", "\xED\xA0\xBD\xED\xB8\x80", 0, 1 },
	{ "fail fast: ab ED A0", "ab\xED\xA0", 0, 3 },
	/* above U+10FFFF */
	{ "F4 90 80 80 (U+110000)", "\xF4\x90\x80\x80", 0, 1 },
	{ "F4 BF BF BF", "\xF4\xBF\xBF\xBF", 0, 1 },
	{ "F5 lead", "\xF5\x80\x80\x80", 0, 0 },
	{ "F7 BF BF BF", "\xF7\xBF\xBF\xBF", 0, 0 },
	{ "FE", "\xFE", 0, 0 },
	{ "FF", "\xFF", 0, 0 },
	{ "FE FE FF FF", "\xFE\xFE\xFF\xFF", 0, 0 },
	/* a sequence interrupted by a byte that is not a continuation */
	{ "C2 then ASCII", "\xC2" "A", 0, 1 },
	{ "E2 82 then ASCII", "\xE2\x82" "A", 0, 2 },
	{ "F0 9F 98 then ASCII", "\xF0\x9F\x98" "A", 0, 3 },
	{ "C2 then C2 80", "a\xC2\xC2\x80", 0, 2 },
	{ "E1 then NUL", "\xE1\0", 2, 1 },
	{ "valid text, then invalid", "Hello-\xC3\xA9-\xE2\x82\xAC-\xF0\x9F\x98\x80-\xC0", 0, 18 },
	/* truncated at the end: nothing is wrong yet, but the text is incomplete */
	{ "truncated C2", "\xC2", 0, TRUNCATED },
	{ "truncated E2 82", "a\xE2\x82", 0, TRUNCATED },
	{ "truncated E0 A0", "\xE0\xA0", 0, TRUNCATED },
	{ "truncated F0 9F 98", "\xF0\x9F\x98", 0, TRUNCATED },
	{ "truncated F4 8F BF", "\xF4\x8F\xBF", 0, TRUNCATED },
	{ "truncated F1", "xyz\xF1", 0, TRUNCATED },
};
#define N_INVALID (sizeof invalid / sizeof invalid[0])

static size_t ilen(size_t i)
{
	return invalid[i].len ? invalid[i].len : strlen(invalid[i].in);
}

/* What utf8_validate over the whole input must say: the offset and, when
 * every byte was acceptable, that the text is not complete. */
static void check_outcome(size_t i, size_t off, bool boundary, const char *how)
{
	if (invalid[i].bad == TRUNCATED) {
		ck_assert_msg(off == ilen(i), "%s (%s): stopped at %zu", invalid[i].name, how, off);
		ck_assert_msg(!boundary, "%s (%s): looks complete", invalid[i].name, how);
	} else {
		ck_assert_msg(off == invalid[i].bad, "%s (%s): stopped at %zu, want %zu",
			      invalid[i].name, how, off, invalid[i].bad);
	}
}

START_TEST(invalid_whole)
{
	const uint8_t *s = (const uint8_t *)invalid[_i].in;
	struct utf8_decoder d;
	utf8_init(&d);
	size_t off = utf8_validate(&d, s, ilen(_i));
	check_outcome(_i, off, utf8_at_boundary(&d), "whole");
	ck_assert(!utf8_is_valid(s, ilen(_i)));
}
END_TEST

START_TEST(invalid_bytewise)
{
	const uint8_t *s = (const uint8_t *)invalid[_i].in;
	size_t n = ilen(_i), k;
	struct utf8_decoder d;

	utf8_init(&d);
	for (k = 0; k < n; k++)
		if (utf8_validate(&d, s + k, 1) == 0)
			break;
	check_outcome(_i, k, utf8_at_boundary(&d), "bytewise");
}
END_TEST

START_TEST(invalid_split)
{
	const uint8_t *s = (const uint8_t *)invalid[_i].in;
	size_t n = ilen(_i);

	for (size_t cut = 0; cut <= n; cut++) {
		struct utf8_decoder d;
		char how[32];
		utf8_init(&d);
		size_t off = utf8_validate(&d, s, cut);
		if (off == cut)
			off = cut + utf8_validate(&d, s + cut, n - cut);
		snprintf(how, sizeof how, "cut at %zu", cut);
		check_outcome(_i, off, utf8_at_boundary(&d), how);
	}
}
END_TEST

/* --- an oracle from the RFC 3629 §4 ABNF --------------------------------- */

/* Each alternative of UTF8-char: the lead byte range, the range of the
 * second byte, and the sequence length; bytes after the second are
 * UTF8-tail (80..BF). */
static const struct {
	uint8_t lo0, hi0, lo1, hi1, len;
} abnf[] = {
	{ 0x00, 0x7F, 0, 0, 1 },                /* UTF8-1 */
	{ 0xC2, 0xDF, 0x80, 0xBF, 2 },          /* UTF8-2 */
	{ 0xE0, 0xE0, 0xA0, 0xBF, 3 },          /* UTF8-3 */
	{ 0xE1, 0xEC, 0x80, 0xBF, 3 },
	{ 0xED, 0xED, 0x80, 0x9F, 3 },
	{ 0xEE, 0xEF, 0x80, 0xBF, 3 },
	{ 0xF0, 0xF0, 0x90, 0xBF, 4 },          /* UTF8-4 */
	{ 0xF1, 0xF3, 0x80, 0xBF, 4 },
	{ 0xF4, 0xF4, 0x80, 0x8F, 4 },
};

/* The offset of the first byte that no valid UTF-8 text can have there,
 * or n; '*complete' says whether the text ends on a character boundary. */
static size_t oracle(const uint8_t *s, size_t n, bool *complete)
{
	size_t p = 0;
	*complete = true;
	while (p < n) {
		size_t a;
		for (a = 0; a < sizeof abnf / sizeof abnf[0]; a++)
			if (s[p] >= abnf[a].lo0 && s[p] <= abnf[a].hi0)
				break;
		if (a == sizeof abnf / sizeof abnf[0])
			return p;
		for (size_t k = 1; k < abnf[a].len; k++) {
			uint8_t lo = k == 1 ? abnf[a].lo1 : 0x80;
			uint8_t hi = k == 1 ? abnf[a].hi1 : 0xBF;
			if (p + k == n) {
				*complete = false;
				return n;
			}
			if (s[p + k] < lo || s[p + k] > hi)
				return p + k;
		}
		p += abnf[a].len;
	}
	return n;
}

/* Check's assertions cost a write to the runner each, so the loops below
 * test plainly and assert only on a mismatch. */
static void compare_with_oracle(const uint8_t *s, size_t n)
{
	struct utf8_decoder d;
	bool complete;
	size_t want = oracle(s, n, &complete);

	utf8_init(&d);
	size_t got = utf8_validate(&d, s, n);
	bool same = got == want &&
		    (got != n || utf8_at_boundary(&d) == complete) &&
		    utf8_is_valid(s, n) == (want == n && complete);
	if (!same)
		ck_abort_msg("%02x %02x %02x %02x (n=%zu): stopped at %zu, oracle %zu",
			     s[0], n > 1 ? s[1] : 0, n > 2 ? s[2] : 0,
			     n > 3 ? s[3] : 0, n, got, want);
}

/* Bytes that sit on or next to a boundary of some range above. */
static const uint8_t edge[] = {
	0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
	0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
};
#define N_EDGE (sizeof edge / sizeof edge[0])

/* All strings of one and two bytes; three bytes with the last from 'edge'. */
START_TEST(oracle_short)
{
	uint8_t s[3];
	for (unsigned b0 = 0; b0 < 256; b0++) {
		s[0] = (uint8_t)b0;
		compare_with_oracle(s, 1);
		for (unsigned b1 = 0; b1 < 256; b1++) {
			s[1] = (uint8_t)b1;
			compare_with_oracle(s, 2);
			for (size_t e = 0; e < N_EDGE; e++) {
				s[2] = edge[e];
				compare_with_oracle(s, 3);
			}
		}
	}
}
END_TEST

/* Four bytes: the lead from 'edge' or F0..F4, every second byte, and the
 * last two from 'edge'. */
START_TEST(oracle_four)
{
	uint8_t s[4];
	s[0] = _i < (int)N_EDGE ? edge[_i] : (uint8_t)(0xF0 + (_i - (int)N_EDGE));
	for (unsigned b1 = 0; b1 < 256; b1++)
		for (size_t e2 = 0; e2 < N_EDGE; e2++)
			for (size_t e3 = 0; e3 < N_EDGE; e3++) {
				s[1] = (uint8_t)b1;
				s[2] = edge[e2];
				s[3] = edge[e3];
				compare_with_oracle(s, 4);
			}
}
END_TEST

/* Every scalar value encodes with utf8_encode and decodes back; every
 * surrogate, encoded the same way, is refused at its second byte. */
START_TEST(every_code_point)
{
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		uint8_t b[4];
		size_t n = utf8_encode(cp, b);
		size_t want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		if (n != want)
			ck_abort_msg("%x encodes in %zu bytes", (unsigned)cp, n);

		struct utf8_decoder d;
		int32_t r = UTF8_MORE;
		size_t k;
		utf8_init(&d);
		for (k = 0; k < n && r == UTF8_MORE; k++)
			r = utf8_decode_byte(&d, b[k]);
		if (cp >= 0xD800 && cp <= 0xDFFF) {
			if (r != UTF8_INVALID_AGAIN || k != 2)
				ck_abort_msg("surrogate %x accepted", (unsigned)cp);
		} else if (r < 0 || (uint32_t)r != cp || k != n) {
			ck_abort_msg("%x came back as %d", (unsigned)cp, (int)r);
		}
	}
}
END_TEST

/* --- replacement (WHATWG Encoding, "UTF-8 decoder") ------------------------ */

/* Decodes as the WHATWG "decode" algorithm does with error mode
 * "replacement": UTF8_INVALID is one U+FFFD and the byte is gone;
 * UTF8_INVALID_AGAIN is one U+FFFD for the broken sequence and the byte is
 * processed again; an unfinished sequence at the end is one U+FFFD. */
static size_t decode_replacing(const uint8_t *s, size_t n, uint32_t *out, size_t cap)
{
	struct utf8_decoder d;
	size_t got = 0, k = 0, steps = 0;

	utf8_init(&d);
	while (k < n && got < cap && steps++ < 2 * n + 2) {
		int32_t r = utf8_decode_byte(&d, s[k]);
		if (r == UTF8_INVALID_AGAIN) {
			out[got++] = UTF8_REPLACEMENT;  /* k stays: same byte again */
			continue;
		}
		k++;
		if (r == UTF8_INVALID)
			out[got++] = UTF8_REPLACEMENT;
		else if (r >= 0)
			out[got++] = (uint32_t)r;
	}
	if (!utf8_at_boundary(&d) && got < cap)
		out[got++] = UTF8_REPLACEMENT;  /* end of queue inside a sequence */
	return got;
}

#define R UTF8_REPLACEMENT
static const struct {
	const char *name;
	const char *in;
	uint32_t cps[MAX_CPS];
	size_t ncps;
} replace[] = {
	{ "lone continuation", "a\x80z", { 'a', R, 'z' }, 3 },
	{ "two lone continuations", "\xBF\xBF", { R, R }, 2 },
	{ "truncated at the end", "a\xE2\x82", { 'a', R }, 2 },
	{ "truncated, then ASCII", "\xE2\x82" "Z", { R, 'Z' }, 2 },
	{ "truncated 4-byte, then ASCII", "\xF0\x9F\x92" "Z", { R, 'Z' }, 2 },
	{ "overlong C0 80: two errors", "\xC0\x80", { R, R }, 2 },
	{ "overlong E0 80 80: three errors", "\xE0\x80\x80", { R, R, R }, 3 },
	{ "surrogate ED A0 80: three errors", "\xED\xA0\x80", { R, R, R }, 3 },
	{ "above U+10FFFF: four errors", "\xF4\x90\x80\x80", { R, R, R, R }, 4 },
	{ "F5..FF: one error each", "\xF5\xFE\xFF", { R, R, R }, 3 },
	{ "broken by a new lead", "\xE2\xF0\x9F\x98\x80", { R, 0x1F600 }, 2 },
	{ "valid after error", "\xC3" "\xC3\xA9", { R, 0xE9 }, 2 },
	/* The example of the Unicode Standard §3.9, "U+FFFD Substitution of
	 * Maximal Subparts": 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64. */
	{ "Unicode §3.9 maximal subparts",
	  "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",
	  { 'a', R, R, R, 'b', R, 'c', R, R, 'd' }, 10 },
};
#undef R
#define N_REPLACE (sizeof replace / sizeof replace[0])

START_TEST(replacement)
{
	uint32_t out[MAX_CPS + 1];
	size_t n = decode_replacing((const uint8_t *)replace[_i].in,
				    strlen(replace[_i].in), out, MAX_CPS + 1);
	ck_assert_msg(n == replace[_i].ncps, "%s: %zu code points", replace[_i].name, n);
	for (size_t k = 0; k < n; k++)
		ck_assert_msg(out[k] == replace[_i].cps[k], "%s: [%zu] = %x",
			      replace[_i].name, k, (unsigned)out[k]);
}
END_TEST

/* UTF8_INVALID leaves the decoder ready for a new sequence, and
 * UTF8_INVALID_AGAIN resets it so the same byte can start one. */
START_TEST(error_leaves_clean_state)
{
	struct utf8_decoder d;
	utf8_init(&d);
	ck_assert_int_eq(utf8_decode_byte(&d, 0xFF), UTF8_INVALID);
	ck_assert(utf8_at_boundary(&d));
	ck_assert_int_eq(utf8_decode_byte(&d, 0xE2), UTF8_MORE);
	ck_assert_int_eq(utf8_decode_byte(&d, 0xC3), UTF8_INVALID_AGAIN);
	ck_assert(utf8_at_boundary(&d));
	ck_assert_int_eq(utf8_decode_byte(&d, 0xC3), UTF8_MORE);
	ck_assert_int_eq(utf8_decode_byte(&d, 0xA9), 0xE9);
	/* E0 narrowed the range; an error must widen it again */
	ck_assert_int_eq(utf8_decode_byte(&d, 0xE0), UTF8_MORE);
	ck_assert_int_eq(utf8_decode_byte(&d, 0x41), UTF8_INVALID_AGAIN);
	ck_assert_int_eq(utf8_decode_byte(&d, 0xE1), UTF8_MORE);
	ck_assert_int_eq(utf8_decode_byte(&d, 0x80), UTF8_MORE);
	ck_assert_int_eq(utf8_decode_byte(&d, 0x80), 0x1000);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ws_utf8");
	TCase *tc;

	tc = tcase_create("valid");
	tcase_add_loop_test(tc, valid_whole, 0, N_VALID);
	tcase_add_loop_test(tc, valid_code_points, 0, N_VALID);
	tcase_add_loop_test(tc, valid_split, 0, N_VALID);
	suite_add_tcase(s, tc);

	tc = tcase_create("invalid");
	tcase_add_loop_test(tc, invalid_whole, 0, N_INVALID);
	tcase_add_loop_test(tc, invalid_bytewise, 0, N_INVALID);
	tcase_add_loop_test(tc, invalid_split, 0, N_INVALID);
	suite_add_tcase(s, tc);

	tc = tcase_create("oracle");
	tcase_add_test(tc, oracle_short);
	tcase_add_loop_test(tc, oracle_four, 0, (int)N_EDGE + 5);
	tcase_add_test(tc, every_code_point);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("replacement");
	tcase_add_loop_test(tc, replacement, 0, N_REPLACE);
	tcase_add_test(tc, error_leaves_clean_state);
	suite_add_tcase(s, tc);
	return s;
}
