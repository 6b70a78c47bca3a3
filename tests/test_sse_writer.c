/* test_sse_writer.c -- the event-stream writer: exact bytes, refusals, and
 * what the parser reads back.
 *
 * The round-trip promise of sse_writer.h is checked as written there: for
 * every message the writer accepts, the parser dispatches the payload
 * with each CRLF, then each lone CR, turned into LF, and the type and id
 * as given.  Streams are fed whole, a byte at a time, and cut at every
 * position (the loop test's _i) or in random pieces.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse/sse_parser.h"
#include "sse/sse_writer.h"
#include "util/utf8.h"
#include "support/sse_log.h"

#define S(x) x, sizeof(x) - 1   /* a literal and its length, NULs included */

/* --- exact bytes -------------------------------------------------------- */

struct wvec {
	const char *name;
	struct sse_msg m;       /* id, id_len, type, type_len, data, data_len */
	const char *want;
	size_t want_len;
};

static const struct wvec wvecs[] = {
	{ "data only", { NULL, 0, NULL, 0, S("hello") }, S("data: hello\n\n") },
	{ "id, type, data", { S("7"), S("tick"), S("x") }, S("id: 7\nevent: tick\ndata: x\n\n") },
	{ "empty payload", { NULL, 0, NULL, 0, NULL, 0 }, S("data:\n\n") },
	{ "ending in LF", { NULL, 0, NULL, 0, S("a\n") }, S("data: a\ndata:\n\n") },
	{ "only newlines", { NULL, 0, NULL, 0, S("\n\n") }, S("data:\ndata:\ndata:\n\n") },
	{ "CRLF, CR, LF", { NULL, 0, NULL, 0, S("a\r\nb\rc\nd") },
	  S("data: a\ndata: b\ndata: c\ndata: d\n\n") },
	{ "LF CR is two breaks", { NULL, 0, NULL, 0, S("a\n\rb") }, S("data: a\ndata:\ndata: b\n\n") },
	{ "CR at the end", { NULL, 0, NULL, 0, S("a\r") }, S("data: a\ndata:\n\n") },
	{ "leading space", { NULL, 0, NULL, 0, S(" x") }, S("data:  x\n\n") },
	{ "colon in payload", { NULL, 0, NULL, 0, S("a: b") }, S("data: a: b\n\n") },
	{ "empty id", { S(""), NULL, 0, S("x") }, S("id:\ndata: x\n\n") },
	{ "empty type", { NULL, 0, S(""), S("x") }, S("event:\ndata: x\n\n") },
	{ "id with a space", { S(" 1"), NULL, 0, S("x") }, S("id:  1\ndata: x\n\n") },
	{ "NUL in type and data", { NULL, 0, S("a\0b"), S("\0") }, S("event: a\0b\ndata: \0\n\n") },
	{ "multi-byte", { S("\xc3\xa9"), S("\xe2\x82\xac"), S("\xf0\x9f\x98\x80") },
	  S("id: \xc3\xa9\nevent: \xe2\x82\xac\ndata: \xf0\x9f\x98\x80\n\n") },
};
#define NWVECS (sizeof wvecs / sizeof wvecs[0])

START_TEST(test_event_bytes)
{
	char buf[256];
	for (size_t i = 0; i < NWVECS; i++) {
		const struct wvec *v = &wvecs[i];
		ssize_t need = sse_event_size(&v->m);
		ck_assert_msg(need == (ssize_t)v->want_len, "%s: size %zd", v->name, need);
		/* every capacity short of the need is refused ... */
		for (size_t cap = 0; cap < v->want_len; cap++)
			ck_assert_int_eq(sse_write_event(buf, cap, &v->m), SSE_WRITE_NOSPACE);
		/* ... and with room to spare nothing is written past the end */
		memset(buf, '#', sizeof buf);
		ssize_t n = sse_write_event(buf, sizeof buf, &v->m);
		ck_assert_msg(n == (ssize_t)v->want_len, "%s: wrote %zd", v->name, n);
		ck_assert_msg(memcmp(buf, v->want, v->want_len) == 0, "%s: bytes", v->name);
		ck_assert_int_eq(buf[v->want_len], '#');
		ck_assert_int_eq(sse_write_event(buf, v->want_len, &v->m), (ssize_t)v->want_len);
	}
	ck_assert_int_eq(sse_write_event(NULL, 0, &wvecs[0].m), SSE_WRITE_NOSPACE);
}
END_TEST

START_TEST(test_feed_event_bytes)
{
	char buf[128];
	static const char want1[] = "id: 42\nevent: tick\ndata: a\ndata: b\n\n";
	ssize_t n = sse_write_feed_event(buf, sizeof buf, S("42"), S("tick"), S("a\nb"));
	ck_assert_int_eq(n, sizeof want1 - 1);
	ck_assert(memcmp(buf, want1, (size_t)n) == 0);
	ck_assert_int_eq(sse_feed_event_size(S("42"), S("tick"), S("a\nb")), n);

	static const char want2[] = "id: 0\ndata: x\n\n";     /* no type: no event line */
	n = sse_write_feed_event(buf, sizeof buf, S("0"), NULL, 0, S("x"));
	ck_assert_int_eq(n, sizeof want2 - 1);
	ck_assert(memcmp(buf, want2, (size_t)n) == 0);

	static const char want3[] = "id: 3f09c1d2a4b7-18446744073709551615\ndata:\n\n";
	n = sse_write_feed_event(buf, sizeof buf, S("3f09c1d2a4b7-18446744073709551615"), NULL, 0,
				 NULL, 0);
	ck_assert_int_eq(n, sizeof want3 - 1);
	ck_assert(memcmp(buf, want3, (size_t)n) == 0);
	ck_assert_int_eq(sse_write_feed_event(buf, (size_t)n - 1,
					      S("3f09c1d2a4b7-18446744073709551615"), NULL, 0, NULL, 0),
			 SSE_WRITE_NOSPACE);
	ck_assert_int_eq(sse_feed_event_size(S("1"), S("a\nb"), S("x")), SSE_WRITE_BAD_TYPE);
}
END_TEST

START_TEST(test_retry_and_comment_bytes)
{
	char buf[64];
	ck_assert_int_eq(sse_write_retry(buf, sizeof buf, 0), 9);
	ck_assert(memcmp(buf, "retry: 0\n", 9) == 0);
	ck_assert_int_eq(sse_write_retry(buf, sizeof buf, 1000), 12);
	ck_assert(memcmp(buf, "retry: 1000\n", 12) == 0);
	ck_assert_int_eq(sse_write_retry(buf, sizeof buf, UINT64_MAX), SSE_RETRY_LINE_MAX);
	ck_assert(memcmp(buf, "retry: 18446744073709551615\n", SSE_RETRY_LINE_MAX) == 0);
	ck_assert_int_eq(sse_write_retry(buf, 11, 1000), SSE_WRITE_NOSPACE);

	ck_assert_int_eq(sse_write_comment(buf, sizeof buf, NULL, 0), 2);
	ck_assert(memcmp(buf, ":\n", 2) == 0);
	ck_assert_int_eq(sse_write_comment(buf, sizeof buf, S("hi")), 5);
	ck_assert(memcmp(buf, ": hi\n", 5) == 0);
	ck_assert_int_eq(sse_write_comment(buf, sizeof buf, S(" x\0")), 6);
	ck_assert(memcmp(buf, ":  x\0\n", 6) == 0);
	ck_assert_int_eq(sse_write_comment(buf, 4, S("hi")), SSE_WRITE_NOSPACE);
}
END_TEST

/* --- refusals ----------------------------------------------------------- */

struct rvec {
	const char *name;
	struct sse_msg m;
	int want;
};

static const struct rvec rvecs[] = {
	{ "LF in id", { S("a\nb"), NULL, 0, S("x") }, SSE_WRITE_BAD_ID },
	{ "CR in id", { S("a\rb"), NULL, 0, S("x") }, SSE_WRITE_BAD_ID },
	{ "NUL in id", { S("a\0b"), NULL, 0, S("x") }, SSE_WRITE_BAD_ID },
	{ "LF in type", { NULL, 0, S("a\n"), S("x") }, SSE_WRITE_BAD_TYPE },
	{ "CR in type", { NULL, 0, S("\r"), S("x") }, SSE_WRITE_BAD_TYPE },
	{ "bad byte in payload", { NULL, 0, NULL, 0, S("a\xff") }, SSE_WRITE_BAD_UTF8 },
	{ "payload cut short", { NULL, 0, NULL, 0, S("a\xc3") }, SSE_WRITE_BAD_UTF8 },
	{ "LF inside a sequence", { NULL, 0, NULL, 0, S("\xc3\n\xa9") }, SSE_WRITE_BAD_UTF8 },
	{ "CRLF inside a sequence", { NULL, 0, NULL, 0, S("\xe2\x82\r\n") }, SSE_WRITE_BAD_UTF8 },
	{ "ASCII inside a sequence", { NULL, 0, NULL, 0, S("\xc3z") }, SSE_WRITE_BAD_UTF8 },
	{ "surrogate in payload", { NULL, 0, NULL, 0, S("\xed\xa0\x80") }, SSE_WRITE_BAD_UTF8 },
	{ "bad id", { S("\xff"), NULL, 0, S("x") }, SSE_WRITE_BAD_UTF8 },
	{ "overlong type", { NULL, 0, S("\xc0\xaf"), S("x") }, SSE_WRITE_BAD_UTF8 },
};
#define NRVECS (sizeof rvecs / sizeof rvecs[0])

START_TEST(test_refusals)
{
	char buf[64];
	for (size_t i = 0; i < NRVECS; i++) {
		const struct rvec *v = &rvecs[i];
		ck_assert_msg(sse_event_size(&v->m) == v->want, "%s: size", v->name);
		ck_assert_msg(sse_write_event(buf, sizeof buf, &v->m) == v->want, "%s", v->name);
		ck_assert_msg(sse_write_event(buf, 0, &v->m) == v->want, "%s: cap 0", v->name);
		ck_assert_str_ne(sse_write_reason(v->want), "unknown code");
	}
	ck_assert_int_eq(sse_write_comment(buf, sizeof buf, S("a\nb")), SSE_WRITE_BAD_TEXT);
	ck_assert_int_eq(sse_write_comment(buf, sizeof buf, S("a\r")), SSE_WRITE_BAD_TEXT);
	ck_assert_int_eq(sse_write_comment(buf, sizeof buf, S("\xff")), SSE_WRITE_BAD_UTF8);
}
END_TEST

/* The writer takes a payload exactly when it is UTF-8. */
START_TEST(test_random_bytes_refused_iff_not_utf8)
{
	uint64_t x = 0xD1B54A32D192ED03u;
	uint8_t p[16];
	for (int round = 0; round < 20000; round++) {
		size_t n = sse_log_rng_next(&x) % sizeof p;
		for (size_t i = 0; i < n; i++) {
			uint64_t r = sse_log_rng_next(&x); /* favour bytes near the edges */
			p[i] = r % 4 == 0 ? '\n' : r % 4 == 1 ? (uint8_t)(0x7F + r % 0x50)
							      : (uint8_t)(r >> 8);
		}
		struct sse_msg m = { .data = p, .data_len = n };
		ssize_t got = sse_event_size(&m);
		ck_assert_msg((got > 0) == utf8_is_valid(p, n), "round %d: %zd", round, got);
		if (got < 0)
			ck_assert_int_eq(got, SSE_WRITE_BAD_UTF8);
	}
}
END_TEST

/* --- round trips -------------------------------------------------------- */

/* What the parser must give back: CRLF, then lone CR, become LF. */
static size_t normalise(const char *s, size_t n, char *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			out[k++] = '\n';
			if (i + 1 < n && s[i + 1] == '\n')
				i++;
		} else {
			out[k++] = s[i];
		}
	}
	return k;
}

/* Writes 'm' into a fresh buffer; returns it and its length. */
static char *write_msg(const struct sse_msg *m, size_t *len)
{
	ssize_t need = sse_event_size(m);
	ck_assert_int_gt(need, 0);
	char *buf = malloc((size_t)need);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(sse_write_event(buf, (size_t)need, m), need);
	*len = (size_t)need;
	return buf;
}

/* The log the parser must print for 'm' (its id NULL: 'last_id' stays). */
static void expect_msg(struct tbuf *l, const struct sse_msg *m,
		       const char *last_id, size_t last_len)
{
	char *norm = malloc(m->data_len + 1);
	ck_assert_ptr_nonnull(norm);
	size_t k = normalise(m->data, m->data_len, norm);
	const char *type = m->type && m->type_len ? m->type : "message";
	size_t tl = m->type && m->type_len ? m->type_len : 7;
	if (m->id)
		sse_log_event(l, type, tl, norm, k, m->id, m->id_len);
	else
		sse_log_event(l, type, tl, norm, k, last_id, last_len);
	free(norm);
}

static const struct { const char *p; size_t n; } payloads[] = {
	{ S("") }, { S("x") }, { S("\n") }, { S("\r") }, { S("\r\n") },
	{ S("\n\n\n") }, { S("\r\r") }, { S("\r\n\r\n") }, { S("\n\r") },
	{ S(" lead") }, { S("  two") }, { S(" ") }, { S("trail \n") },
	{ S("a\r\nb\rc\nd") }, { S(":colon") }, { S("data: nested\n\nid: 9") },
	{ S("\0nul\0") }, { S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n\xf0\x9d\x84\x9e") },
	{ S("\xef\xbb\xbf" "BOM first") }, { S("\n lead after break\r\n  two") },
	{ S("retry: 5") }, { S("\r\n\n\r\r\n") },
};
#define NPAYLOADS (sizeof payloads / sizeof payloads[0])

/* Each payload, in an event with an id and a type and in a bare one, fed
 * whole, a byte at a time, and cut at _i. */
START_TEST(test_round_trip_payloads)
{
	static const size_t one = 1;
	for (size_t i = 0; i < NPAYLOADS; i++) {
		for (int bare = 0; bare < 2; bare++) {
			struct sse_msg m = { .data = payloads[i].p, .data_len = payloads[i].n };
			if (!bare) {
				m.id = " id 1";
				m.id_len = 5;
				m.type = "t\xc3\xa9";
				m.type_len = 3;
			}
			size_t len;
			char *s = write_msg(&m, &len);
			ck_assert_uint_lt(len, 128);
			struct tbuf want, whole, bytes, cut;
			tbuf_init(&want);
			tbuf_init(&whole);
			tbuf_init(&bytes);
			tbuf_init(&cut);
			expect_msg(&want, &m, "", 0);
			size_t cuts[2] = { (size_t)_i, len };
			sse_log_feed_cut(NULL, s, len, NULL, 0, &whole);
			sse_log_feed_cut(NULL, s, len, &one, 1, &bytes);
			sse_log_feed_cut(NULL, s, len, cuts, 2, &cut);
			ck_assert_msg(strcmp(whole.p, want.p) == 0, "payload %zu:\n%s%s",
				      i, whole.p, want.p);
			ck_assert_str_eq(bytes.p, want.p);
			ck_assert_str_eq(cut.p, want.p);
			tbuf_free(&want);
			tbuf_free(&whole);
			tbuf_free(&bytes);
			tbuf_free(&cut);
			free(s);
		}
	}
}
END_TEST

/* Lines longer than 64 KiB, and many of them. */
START_TEST(test_round_trip_long_lines)
{
	const size_t n = 3 * 70 * 1024 + 4;
	char *p = malloc(n);
	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('a' + i % 26);
	memcpy(p + 70 * 1024, "\r\n", 2);
	memcpy(p + 140 * 1024, "\r\n", 2);
	struct sse_msg m = { .id = "big", .id_len = 3, .data = p, .data_len = n };
	size_t len;
	char *s = write_msg(&m, &len);
	struct tbuf want, got;
	tbuf_init(&want);
	expect_msg(&want, &m, "", 0);
	for (size_t step = 1; step <= 4096; step *= 8) {   /* 1, 8, 64, 512, 4096 */
		tbuf_init(&got);
		sse_log_feed_cut(NULL, s, len, &step, 1, &got);
		ck_assert_msg(strcmp(got.p, want.p) == 0, "pieces of %zu", step);
		tbuf_free(&got);
	}
	tbuf_free(&want);
	free(s);
	free(p);
}
END_TEST

/* Builds a random UTF-8 payload into 'p' (cap 8 * 64); returns its length. */
static size_t random_payload(uint64_t *x, char *p)
{
	static const char *const pieces[] = {
		"a", "bc", " ", "  ", "\r", "\n", "\r\n", ":", "data: ", "id: ",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbb\xbf", "\t",
	};
	const size_t npieces = sizeof pieces / sizeof pieces[0];
	size_t n = 0, count = sse_log_rng_next(x) % 64;
	for (size_t i = 0; i < count; i++) {
		uint64_t r = sse_log_rng_next(x);
		if (r % 11 == 0) {
			p[n++] = '\0';
			continue;
		}
		const char *t = pieces[r % npieces];
		memcpy(p + n, t, strlen(t));
		n += strlen(t);
	}
	return n;
}

/* Streams of random events, retries and heartbeats, cut at random. */
START_TEST(test_round_trip_random)
{
	uint64_t x = 0x8CB92BA72F3D8DD7u;
	enum { EVENTS = 8 };
	static char payload[EVENTS][8 * 64], stream[EVENTS * (8 * 64 * 3 + 128)];
	size_t cuts[61];
	for (int round = 0; round < 1500; round++) {
		struct tbuf want, got;
		tbuf_init(&want);
		size_t len = 0, comments = 0;
		char last_id[24] = "";
		for (int e = 0; e < EVENTS; e++) {
			uint64_t r = sse_log_rng_next(&x);
			ssize_t k;
			if (r % 5 == 0) {
				k = sse_write_retry(stream + len, sizeof stream - len, r >> 40);
				sse_log_retry(&want, r >> 40);
			} else if (r % 5 == 1) {
				k = sse_write_comment(stream + len, sizeof stream - len,
						      "hb", (r >> 8) % 3);
				comments++;
			} else {
				char id[24];
				int idn = snprintf(id, sizeof id, "%u", (unsigned)(r >> 32));
				struct sse_msg m = {
					.id = r % 3 ? id : NULL, .id_len = (size_t)idn,
					.type = r % 4 ? NULL : "tick", .type_len = 4,
					.data = payload[e],
					.data_len = random_payload(&x, payload[e]),
				};
				expect_msg(&want, &m, last_id, strlen(last_id));
				if (m.id)
					memcpy(last_id, id, (size_t)idn + 1);
				k = sse_write_event(stream + len, sizeof stream - len, &m);
			}
			ck_assert_int_gt(k, 0);
			len += (size_t)k;
		}
		for (size_t i = 0; i < 61; i++)
			cuts[i] = 1 + sse_log_rng_next(&x) % 40;
		tbuf_init(&got);
		sse_log_feed_cut(NULL, stream, len, cuts, 61, &got);
		ck_assert_msg(strcmp(got.p, want.p) == 0, "round %d:\n got:\n%s want:\n%s",
			      round, got.p, want.p);
		tbuf_free(&got);
		tbuf_free(&want);

		struct sse_parser p;    /* every heartbeat is seen */
		struct tbuf quiet;
		tbuf_init(&quiet);
		sse_parser_init(&p, NULL);
		ck_assert_int_eq(sse_log_feed(&p, stream, len, &quiet), 0);
		ck_assert_uint_eq(sse_parser_comments(&p), comments);
		sse_parser_free(&p);
		tbuf_free(&quiet);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("sse_writer");
	TCase *tc = tcase_create("bytes");
	tcase_add_test(tc, test_event_bytes);
	tcase_add_test(tc, test_feed_event_bytes);
	tcase_add_test(tc, test_retry_and_comment_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_random_bytes_refused_iff_not_utf8);
	suite_add_tcase(s, tc);

	tc = tcase_create("round trips");
	tcase_add_loop_test(tc, test_round_trip_payloads, 1, 100);
	tcase_add_test(tc, test_round_trip_long_lines);
	tcase_add_test(tc, test_round_trip_random);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
