/* test_sse_parser.c -- the event-stream parser against the WHATWG rules.
 *
 * Each vector is a stream and the events it must produce.  Both sides are
 * printed into one log format (an event per line, bytes escaped) and the
 * logs compared, so a failure shows what came out beside what should
 * have.  Every vector is fed whole, a byte at a time, and cut in two at
 * every position (the loop test's _i).  Sections named "whatwg" quote
 * the HTML Standard, §9.2 "Server-sent events".
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse/sse_parser.h"
#include "support/sse_log.h"

/* --- vectors ------------------------------------------------------------ */

struct want {
	char kind;                      /* 'e' an event, 'r' a retry, 0 the end */
	const char *type, *data, *id;
	size_t data_len;
	uint64_t retry;
};
#define EV(t, d, i)  { 'e', t, d, i, sizeof(d) - 1, 0 }
#define RETRY(ms)    { 'r', NULL, NULL, NULL, 0, ms }
#define WANT_MAX 6

struct vec {
	const char *name;
	const char *in;
	size_t len;
	struct want out[WANT_MAX];      /* ends at the first zeroed entry */
};
#define IN(s) s, sizeof(s) - 1

static const struct vec vecs[] = {
	/* whatwg §9.2.1: the first example of the introduction */
	{ "whatwg intro: three messages",
	  IN("data: This is the first message.\n\n"
	     "data: This is the second message, it\n"
	     "data: has two lines.\n\n"
	     "data: This is the third message.\n\n"),
	  { EV("message", "This is the first message.", ""),
	    EV("message", "This is the second message, it\nhas two lines.", ""),
	    EV("message", "This is the third message.", "") } },
	/* whatwg §9.2.1: two event types */
	{ "whatwg intro: add and remove",
	  IN("event: add\ndata: 73857293\n\n"
	     "event: remove\ndata: 2153\n\n"
	     "event: add\ndata: 113411\n\n"),
	  { EV("add", "73857293", ""), EV("remove", "2153", ""),
	    EV("add", "113411", "") } },
	/* whatwg §9.2.6: the stock ticker, "once followed by a blank line" */
	{ "whatwg: stock ticker",
	  IN("data: YHOO\ndata: +2\ndata: 10\n\n"),
	  { EV("message", "YHOO\n+2\n10", "") } },
	/* whatwg §9.2.6: four blocks, the last event ID kept and reset */
	{ "whatwg: four blocks, id persistence",
	  IN(": test stream\n\ndata: first event\nid: 1\n\n"
	     "data:second event\nid\n\ndata:  third event\n\n"),
	  { EV("message", "first event", "1"),
	    EV("message", "second event", ""),
	    EV("message", " third event", "") } },
	/* whatwg §9.2.6: "The following stream fires two events" */
	{ "whatwg: data, data data, data: unfinished",
	  IN("data\n\ndata\ndata\n\ndata:"),
	  { EV("message", "", ""), EV("message", "\n", "") } },
	/* whatwg §9.2.6: "two identical events" */
	{ "whatwg: test with and without space",
	  IN("data:test\n\ndata: test\n\n"),
	  { EV("message", "test", ""), EV("message", "test", "") } },

	/* line ends (§9.2.5 end-of-line, §9.2.6) */
	{ "CRLF", IN("data: a\r\ndata: b\r\n\r\n"), { EV("message", "a\nb", "") } },
	{ "CR", IN("data: a\rdata: b\r\r"), { EV("message", "a\nb", "") } },
	{ "mixed", IN("data: a\r\ndata: b\rdata: c\n\r\n"), { EV("message", "a\nb\nc", "") } },
	{ "LF then CR is two ends", IN("data: a\n\rdata: b\n\n"),
	  { EV("message", "a", ""), EV("message", "b", "") } },
	{ "CR LF LF", IN("data: a\r\n\ndata: b\r\n\n"),
	  { EV("message", "a", ""), EV("message", "b", "") } },
	{ "CR CR LF", IN("data: a\r\r\n"), { EV("message", "a", "") } },
	{ "blank lines only", IN("\n\r\n\r\r\n\n"), { { 0 } } },

	/* comments */
	{ "comments", IN(": hi\n\n:\ndata: x\n: inside\n\n"), { EV("message", "x", "") } },
	{ "colon only", IN(":\n:\r:\r\n"), { { 0 } } },

	/* field names and values */
	{ "no colon: name only", IN("data\ndata\n\n"), { EV("message", "\n", "") } },
	{ "one space dropped", IN("data:  two\n\n"), { EV("message", " two", "") } },
	{ "tab kept", IN("data:\tx\n\n"), { EV("message", "\tx", "") } },
	{ "space only value", IN("data: \n\n"), { EV("message", "", "") } },
	{ "colon in value", IN("data: a:b\ndata::c\n\n"), { EV("message", "a:b\n:c", "") } },
	{ "names are case-sensitive", IN("Data: x\nDATA: y\n\n"), { { 0 } } },
	{ "space before colon", IN("data : x\n\n"), { { 0 } } },
	{ "space before name", IN(" data: x\n\n"), { { 0 } } },
	{ "longer names", IN("datas: x\ndat: y\nevents: z\nretryy: 5\n\n"), { { 0 } } },
	{ "unknown field ignored", IN("foo: bar\ndata: x\nfoo\n\n"), { EV("message", "x", "") } },
	{ "NUL in data", IN("data: a\0b\n\n"), { EV("message", "a\0b", "") } },
	{ "NUL in name", IN("da\0ta: x\n\n"), { { 0 } } },

	/* event type */
	{ "event type", IN("event: foo\ndata: x\n\n"), { EV("foo", "x", "") } },
	{ "type reset after dispatch", IN("event: foo\ndata: x\n\ndata: y\n\n"),
	  { EV("foo", "x", ""), EV("message", "y", "") } },
	{ "type reset without dispatch", IN("event: foo\n\ndata: y\n\n"),
	  { EV("message", "y", "") } },
	{ "last type wins", IN("event: a\nevent: b\ndata: x\n\n"), { EV("b", "x", "") } },
	{ "empty type is message", IN("event: a\nevent:\ndata: x\n\n"),
	  { EV("message", "x", "") } },
	{ "type with no colon", IN("event: a\nevent\ndata: x\n\n"), { EV("message", "x", "") } },
	{ "type kept as given", IN("event:  Message \ndata: x\n\n"), { EV(" Message ", "x", "") } },

	/* last event ID */
	{ "id persists", IN("id: 1\ndata: a\n\ndata: b\n\n"),
	  { EV("message", "a", "1"), EV("message", "b", "1") } },
	{ "id without data", IN("id: 7\n\ndata: x\n\n"), { EV("message", "x", "7") } },
	{ "id after data", IN("data: x\nid: 9\n\n"), { EV("message", "x", "9") } },
	{ "id with NUL ignored", IN("id: 1\n\nid: a\0b\ndata: x\n\n"), { EV("message", "x", "1") } },
	{ "id with NUL keeps an earlier id", IN("id: 2\nid: \0\ndata: x\n\n"),
	  { EV("message", "x", "2") } },
	{ "id emptied", IN("id: 1\ndata: a\n\nid:\ndata: b\n\n"),
	  { EV("message", "a", "1"), EV("message", "b", "") } },
	{ "id spaces", IN("id:  x \ndata: y\n\n"), { EV("message", "y", " x ") } },
	{ "id not set by an unfinished line", IN("id: 1\ndata: a\n\nid: 2"),
	  { EV("message", "a", "1") } },

	/* retry (§9.2.6: only ASCII digits) */
	{ "retry", IN("retry: 1000\n"), { RETRY(1000) } },
	{ "retry zero, leading zeros", IN("retry: 0\nretry:007\n"), { RETRY(0), RETRY(7) } },
	{ "retry not digits", IN("retry: 10a\nretry: -1\nretry: 1.5\nretry: +3\n"), { { 0 } } },
	{ "retry empty", IN("retry:\nretry\nretry: \n"), { { 0 } } },
	{ "retry two spaces", IN("retry:  5\nretry: 5 \n"), { { 0 } } },
	{ "retry fullwidth digit", IN("retry: \xef\xbc\x91\n"), { { 0 } } },
	{ "retry saturates", IN("retry: 99999999999999999999999\n"), { RETRY(UINT64_MAX) } },
	{ "retry then event", IN("retry: 5\ndata: x\n\n"), { RETRY(5), EV("message", "x", "") } },
	{ "retry in an unfinished event", IN("data: x\nretry: 5\n"), { RETRY(5) } },
	{ "retry line unfinished", IN("retry: 5"), { { 0 } } },

	/* end of stream (§9.2.6: pending data is discarded) */
	{ "unfinished event", IN("data: x\n"), { { 0 } } },
	{ "unfinished line", IN("data: x"), { { 0 } } },
	{ "second unfinished", IN("data: x\n\ndata: y\n"), { EV("message", "x", "") } },
	{ "empty stream", IN(""), { { 0 } } },

	/* the byte order mark: stripped once, only at the very start */
	{ "BOM", IN("\xef\xbb\xbf" "data: x\n\n"), { EV("message", "x", "") } },
	{ "two BOMs", IN("\xef\xbb\xbf\xef\xbb\xbf" "data: x\n\n"), { { 0 } } },
	{ "BOM later", IN("data: x\n\n\xef\xbb\xbf" "data: y\n\n"), { EV("message", "x", "") } },
	{ "BOM in value", IN("data: \xef\xbb\xbfx\n\n"), { EV("message", "\xef\xbb\xbfx", "") } },
	{ "half a BOM", IN("\xef\xbb\n\ndata: x\n\n"), { EV("message", "x", "") } },
	{ "half a BOM before data", IN("\xef\xbb" "data: x\n\n"), { { 0 } } },
	{ "BOM only", IN("\xef\xbb\xbf"), { { 0 } } },
	{ "BOM then blank", IN("\xef\xbb\xbf\ndata: x\n\n"), { EV("message", "x", "") } },

	/* UTF-8 decoding with replacement (WHATWG Encoding "UTF-8 decoder") */
	{ "multi-byte", IN("data: \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n\n"),
	  { EV("message", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "") } },
	{ "invalid byte", IN("data: a\xffz\n\n"), { EV("message", "a\xef\xbf\xbdz", "") } },
	{ "cut by LF", IN("data: \xc3\n\n"), { EV("message", "\xef\xbf\xbd", "") } },
	{ "cut by CR", IN("data: \xe2\x82\r\n\n"), { EV("message", "\xef\xbf\xbd", "") } },
	{ "cut by ASCII", IN("data: \xe2\x82z\n\n"), { EV("message", "\xef\xbf\xbdz", "") } },
	{ "overlong", IN("data: \xc0\xaf\n\n"), { EV("message", "\xef\xbf\xbd\xef\xbf\xbd", "") } },
	{ "surrogate", IN("data: \xed\xa0\x80\n\n"),
	  { EV("message", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "") } },
	{ "above U+10FFFF", IN("data: \xf4\x90\x80\x80\n\n"),
	  { EV("message", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "") } },
	{ "lead byte then lead byte", IN("data: \xe2\xc3\xa9\n\n"),
	  { EV("message", "\xef\xbf\xbd\xc3\xa9", "") } },
	{ "invalid in name", IN("dat\xff: x\n\n"), { { 0 } } },
	{ "invalid in type", IN("event: \xff\ndata: x\n\n"), { EV("\xef\xbf\xbd", "x", "") } },
	{ "invalid in id", IN("id: \xff\ndata: x\n\n"), { EV("message", "x", "\xef\xbf\xbd") } },
	{ "colon as replacement", IN("data\xc3: x\n\n"), { { 0 } } },
};
#define NVECS (sizeof vecs / sizeof vecs[0])

static void want_log(const struct vec *v, struct tbuf *l)
{
	for (size_t i = 0; i < WANT_MAX && v->out[i].kind; i++) {
		const struct want *w = &v->out[i];
		if (w->kind == 'e')
			sse_log_event(l, w->type, strlen(w->type), w->data, w->data_len,
				      w->id, strlen(w->id));
		else
			sse_log_retry(l, w->retry);
	}
}

static void check_vec(const struct vec *v, const size_t *cuts, size_t ncuts,
		      const char *how)
{
	struct tbuf got, want;
	tbuf_init(&got);
	tbuf_init(&want);
	sse_log_feed_cut(NULL, v->in, v->len, cuts, ncuts, &got);
	want_log(v, &want);
	ck_assert_msg(strcmp(got.p, want.p) == 0, "%s (%s):\n got:\n%s want:\n%s",
		      v->name, how, got.p, want.p);
	tbuf_free(&got);
	tbuf_free(&want);
}

START_TEST(test_vectors_whole)
{
	for (size_t i = 0; i < NVECS; i++)
		check_vec(&vecs[i], NULL, 0, "whole");
}
END_TEST

START_TEST(test_vectors_bytewise)
{
	static const size_t one = 1;
	for (size_t i = 0; i < NVECS; i++)
		check_vec(&vecs[i], &one, 1, "a byte at a time");
}
END_TEST

/* _i is the cut: every vector longer than that is fed in two pieces. */
START_TEST(test_vectors_split)
{
	char how[32];
	snprintf(how, sizeof how, "cut at %d", _i);
	for (size_t i = 0; i < NVECS; i++) {
		size_t cuts[2] = { (size_t)_i, vecs[i].len };
		if ((size_t)_i < vecs[i].len)
			check_vec(&vecs[i], cuts, 2, how);
	}
}
END_TEST

/* --- the rest of the contract ------------------------------------------- */

/* Feeds all of 's' to 'p' expecting at most one event; returns the last
 * status that reported something (or SSE_MORE). */
static int feed_one(struct sse_parser *p, const char *s, struct sse_event *ev)
{
	size_t n = strlen(s), off = 0;
	int last = SSE_MORE;
	while (off < n) {
		size_t used;
		int r = sse_parser_feed(p, s + off, n - off, &used, ev);
		ck_assert_int_ge(r, 0);
		off += used;
		if (r != SSE_MORE) {
			ck_assert_int_eq(last, SSE_MORE);
			last = r;
		}
	}
	return last;
}

static void assert_last_id(const struct sse_parser *p, const char *want)
{
	size_t len;
	const char *id = sse_parser_last_id(p, &len);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert(memcmp(id, want, len) == 0);
}

START_TEST(test_last_id_string)
{
	struct sse_parser p;
	struct sse_event ev;
	sse_parser_init(&p, NULL);
	assert_last_id(&p, "");
	ck_assert_int_eq(feed_one(&p, "id: 5\ndata: x\n", &ev), SSE_MORE);
	assert_last_id(&p, "");                 /* set at dispatch, not before */
	ck_assert_int_eq(feed_one(&p, "\n", &ev), SSE_EVENT);
	assert_last_id(&p, "5");
	ck_assert_int_eq(feed_one(&p, "id: 6\n", &ev), SSE_MORE);
	assert_last_id(&p, "5");
	ck_assert_int_eq(feed_one(&p, "\n", &ev), SSE_MORE);   /* no data: no event */
	assert_last_id(&p, "6");                /* ... but the string is set */
	sse_parser_free(&p);
}
END_TEST

START_TEST(test_finish_starts_a_new_stream)
{
	struct sse_parser p;
	struct sse_event ev;
	sse_parser_init(&p, NULL);
	ck_assert_int_eq(feed_one(&p, "retry: 10\nid: 5\n\nevent: t\ndata: lost\nid: 6\n", &ev),
			 SSE_RETRY);
	ck_assert_int_eq(sse_parser_finish(&p), SSE_MORE);
	assert_last_id(&p, "5");                /* the unfinished block is gone */
	ck_assert_uint_eq(sse_parser_retry_ms(&p), 10);
	/* The next stream: a BOM is allowed again, and its own last event ID
	 * buffer starts empty (§9.2.6), which the first dispatch makes the
	 * string. */
	ck_assert_int_eq(feed_one(&p, "\xef\xbb\xbf" "data: y\n\n", &ev), SSE_EVENT);
	ck_assert_uint_eq(ev.type_len, 7);
	ck_assert(memcmp(ev.type, "message", 7) == 0);
	ck_assert_uint_eq(ev.data_len, 1);
	ck_assert_int_eq(ev.data[0], 'y');
	ck_assert_uint_eq(ev.id_len, 0);
	assert_last_id(&p, "");
	/* A CR ending one stream does not swallow an LF starting the next. */
	ck_assert_int_eq(feed_one(&p, "data: z\r", &ev), SSE_MORE);
	ck_assert_int_eq(sse_parser_finish(&p), SSE_MORE);
	ck_assert_int_eq(feed_one(&p, "\n", &ev), SSE_MORE);
	ck_assert_int_eq(feed_one(&p, "data: w\n\n", &ev), SSE_EVENT);
	ck_assert_int_eq(ev.data[0], 'w');
	sse_parser_free(&p);
}
END_TEST

START_TEST(test_comments_counted)
{
	static const char s[] = ": a\n:\n: b\r\n:c\r" "data: x\n: in\n\n:unfinished";
	for (size_t cut = 0; cut <= sizeof s - 1; cut++) {
		struct sse_parser p;
		struct tbuf l;
		tbuf_init(&l);
		sse_parser_init(&p, NULL);
		ck_assert_int_eq(sse_log_feed(&p, s, cut, &l), 0);
		ck_assert_int_eq(sse_log_feed(&p, s + cut, sizeof s - 1 - cut, &l), 0);
		ck_assert_uint_eq(sse_parser_comments(&p), 5);
		sse_parser_free(&p);
		tbuf_free(&l);
	}
}
END_TEST

START_TEST(test_retry_default)
{
	struct sse_parser p;
	sse_parser_init(&p, NULL);
	ck_assert_uint_eq(sse_parser_retry_ms(&p), SSE_RETRY_DEFAULT_MS);
	sse_parser_free(&p);
}
END_TEST

/* The event's slices are the parser's: the caller may reuse its buffer. */
START_TEST(test_slices_are_the_parsers)
{
	struct sse_parser p;
	struct sse_event ev;
	char buf[] = "event: t\nid: 1\ndata: hello\n\n";
	size_t used;
	sse_parser_init(&p, NULL);
	ck_assert_int_eq(sse_parser_feed(&p, buf, sizeof buf - 1, &used, &ev), SSE_EVENT);
	ck_assert_uint_eq(used, sizeof buf - 1);
	memset(buf, '#', sizeof buf - 1);
	ck_assert(ev.type_len == 1 && ev.type[0] == 't');
	ck_assert(ev.id_len == 1 && ev.id[0] == '1');
	ck_assert(ev.data_len == 5 && memcmp(ev.data, "hello", 5) == 0);
	sse_parser_free(&p);
}
END_TEST

/* --- limits ------------------------------------------------------------- */

struct limit_vec {
	const char *name;
	struct sse_limits lim;
	const char *in;
	size_t len;
	int want;               /* SSE_MORE: accepted; else the refusal */
};

static const struct limit_vec limit_vecs[] = {
	{ "data at the limit", { .data_max = 5 }, IN("data: 12345\n\n"), SSE_MORE },
	{ "data past the limit", { .data_max = 5 }, IN("data: 123456\n\n"), SSE_ERR_DATA_LIMIT },
	{ "data lines at the limit", { .data_max = 5 }, IN("data: 12\ndata: 34\n\n"), SSE_MORE },
	{ "data lines past it", { .data_max = 5 }, IN("data: 12\ndata: 345\n\n"), SSE_ERR_DATA_LIMIT },
	{ "LFs at the limit", { .data_max = 5 }, IN("data\ndata\ndata\ndata\ndata\ndata\n\n"), SSE_MORE },
	{ "LFs past it", { .data_max = 5 }, IN("data\ndata\ndata\ndata\ndata\ndata\ndata\n\n"),
	  SSE_ERR_DATA_LIMIT },
	/* A line that fills the limit leaves max + 1 bytes with its LF: any
	 * byte of another data line is past it (this once looped for ever). */
	{ "a value after a full line", { .data_max = 5 }, IN("data: 12345\ndata: x\n\n"),
	  SSE_ERR_DATA_LIMIT },
	{ "an empty line after a full one", { .data_max = 5 }, IN("data: 12345\ndata\n\n"),
	  SSE_ERR_DATA_LIMIT },
	{ "limit per event", { .data_max = 5 }, IN("data: 12345\n\ndata: 12345\n\n"), SSE_MORE },
	{ "bytes, not characters", { .data_max = 5 }, IN("data: \xc3\xa9\xe2\x82\xac\n\n"), SSE_MORE },
	{ "replacement is 3 bytes", { .data_max = 5 }, IN("data: \xff\xff\n\n"), SSE_ERR_DATA_LIMIT },
	{ "type at the limit", { .type_max = 3 }, IN("event: abc\ndata: x\n\n"), SSE_MORE },
	{ "type past the limit", { .type_max = 3 }, IN("event: abcd\ndata: x\n\n"), SSE_ERR_TYPE_LIMIT },
	/* A type or id past its limit is an error only when it is used (§9.2.6). */
	{ "long type never used", { .type_max = 3 }, IN("event: abcd\n"), SSE_MORE },
	{ "long type replaced", { .type_max = 3 }, IN("event: abcd\nevent: ab\ndata: x\n\n"), SSE_MORE },
	{ "long type, no data", { .type_max = 3 }, IN("event: abcd\n\ndata: x\n\n"), SSE_MORE },
	{ "type reset per field", { .type_max = 3 }, IN("event: abc\nevent: abc\ndata: x\n\n"), SSE_MORE },
	{ "id at the limit", { .id_max = 3 }, IN("id: abc\ndata: x\n\n"), SSE_MORE },
	{ "id past the limit", { .id_max = 3 }, IN("id: abcd\n\n"), SSE_ERR_ID_LIMIT },
	{ "long id never used", { .id_max = 3 }, IN("id: abcd\n"), SSE_MORE },
	{ "long id replaced", { .id_max = 3 }, IN("id: abcd\nid: ab\ndata: x\n\n"), SSE_MORE },
	{ "long id, then an ignored one", { .id_max = 3 }, IN("id: abcd\nid: a\0b\n\n"),
	  SSE_ERR_ID_LIMIT },
	{ "long id with NUL is ignored", { .id_max = 3 }, IN("id: abcdef\0g\ndata: x\n\n"), SSE_MORE },
	{ "long id unfinished", { .id_max = 3 }, IN("id: abcdef"), SSE_MORE },
	{ "comments have no limit", { 4, 4, 4, 16 },
	  IN(": 0123456789012345678901234567890123456789\n\n"), SSE_MORE },
	{ "unknown fields have no limit", { 4, 4, 4, 16 },
	  IN("x: 0123456789012345678901234567890123456789\n\n"), SSE_MORE },
	{ "retry has no limit", { 4, 4, 4, 16 },
	  IN("retry: 0123456789012345678901234567890123456789\n\n"), SSE_MORE },
};
#define NLIMIT (sizeof limit_vecs / sizeof limit_vecs[0])

/* _i is the cut, as in test_vectors_split. */
START_TEST(test_limits)
{
	for (size_t i = 0; i < NLIMIT; i++) {
		const struct limit_vec *v = &limit_vecs[i];
		size_t n = v->len;
		if ((size_t)_i > n)
			continue;
		struct sse_parser p;
		struct tbuf l;
		tbuf_init(&l);
		sse_parser_init(&p, &v->lim);
		int r = sse_log_feed(&p, v->in, (size_t)_i, &l);
		if (r == 0)
			r = sse_log_feed(&p, v->in + _i, n - (size_t)_i, &l);
		if (r == 0)
			r = sse_parser_finish(&p);
		ck_assert_msg(r == v->want, "%s, cut at %d: %d (%s)", v->name, _i,
			      r, sse_parser_reason(r));
		if (r < 0) {            /* refusals stick */
			size_t used = 1;
			struct sse_event ev;
			ck_assert_int_eq(sse_parser_feed(&p, "\n\n", 2, &used, &ev), r);
			ck_assert_uint_eq(used, 0);
			ck_assert_int_eq(sse_parser_finish(&p), r);
		}
		sse_parser_free(&p);
		tbuf_free(&l);
	}
}
END_TEST

/* Lines nobody keeps cost no memory however long they are; an event's
 * buffers larger than 'keep' are given back once it has been handed out.
 * (White-box: reads the private capacities.) */
START_TEST(test_memory_stays_small)
{
	const struct sse_limits lim = { .data_max = 1 << 20, .keep = 64 };
	struct sse_parser p;
	struct sse_event ev;
	size_t used, big = 1 << 20;
	char *s = malloc(big);
	ck_assert_ptr_nonnull(s);
	sse_parser_init(&p, &lim);

	memset(s, 'x', big);
	s[0] = ':';                             /* one 1 MiB comment line */
	ck_assert_int_eq(sse_parser_feed(&p, s, big, &used, &ev), SSE_MORE);
	ck_assert_int_eq(sse_parser_feed(&p, "\nfoo: ", 6, &used, &ev), SSE_MORE);
	ck_assert_int_eq(sse_parser_feed(&p, s, big, &used, &ev), SSE_MORE);
	ck_assert_int_eq(sse_parser_feed(&p, "\n", 1, &used, &ev), SSE_MORE);
	ck_assert_uint_eq(p.data.cap + p.type.cap + p.id_val.cap, 0);

	memcpy(s, "data: ", 6);                 /* one event of almost 1 MiB */
	s[big - 2] = '\n';
	s[big - 1] = '\n';
	ck_assert_int_eq(sse_parser_feed(&p, s, big, &used, &ev), SSE_EVENT);
	ck_assert_uint_eq(ev.data_len, big - 8);
	ck_assert_uint_le(p.data.cap, big);     /* grown no further than needed */
	ck_assert_int_eq(sse_parser_feed(&p, "data: a\n\n", 9, &used, &ev), SSE_EVENT);
	ck_assert_uint_le(p.data.cap, 64);      /* the big buffer was freed */
	sse_parser_free(&p);
	free(s);
}
END_TEST

/* --- any cut gives the same result -------------------------------------- */

START_TEST(test_random_cuts)
{
	static const size_t one = 1;
	uint64_t x = 0x9E3779B97F4A7C15u;
	char buf[64 * 8 + 1];
	size_t cuts[61];                /* a prime, so the pattern drifts */
	for (int round = 0; round < 2000; round++) {
		size_t n = sse_log_random_stream(&x, buf);
		for (size_t i = 0; i < 61; i++)
			cuts[i] = 1 + sse_log_rng_next(&x) % 9;
		struct tbuf whole, bytes, cut;
		tbuf_init(&whole);
		tbuf_init(&bytes);
		tbuf_init(&cut);
		sse_log_feed_cut(NULL, buf, n, NULL, 0, &whole);
		sse_log_feed_cut(NULL, buf, n, &one, 1, &bytes);
		sse_log_feed_cut(NULL, buf, n, cuts, 61, &cut);
		ck_assert_msg(strcmp(whole.p, bytes.p) == 0, "round %d: bytewise differs", round);
		ck_assert_msg(strcmp(whole.p, cut.p) == 0, "round %d: cut differs", round);
		tbuf_free(&whole);
		tbuf_free(&bytes);
		tbuf_free(&cut);
	}
}
END_TEST

/* --- the suite ---------------------------------------------------------- */

static size_t longest_vec(void)
{
	size_t m = 0;
	for (size_t i = 0; i < NVECS; i++)
		if (vecs[i].len > m)
			m = vecs[i].len;
	return m;
}

Suite *test_suite(void)
{
	Suite *s = suite_create("sse_parser");
	TCase *tc = tcase_create("vectors");
	tcase_add_test(tc, test_vectors_whole);
	tcase_add_test(tc, test_vectors_bytewise);
	tcase_add_loop_test(tc, test_vectors_split, 1, (int)longest_vec());
	suite_add_tcase(s, tc);

	tc = tcase_create("contract");
	tcase_add_test(tc, test_last_id_string);
	tcase_add_test(tc, test_finish_starts_a_new_stream);
	tcase_add_test(tc, test_comments_counted);
	tcase_add_test(tc, test_retry_default);
	tcase_add_test(tc, test_slices_are_the_parsers);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_limits, 0, 64);
	tcase_add_test(tc, test_memory_stays_small);
	suite_add_tcase(s, tc);

	tc = tcase_create("cuts");
	tcase_add_test(tc, test_random_cuts);
	suite_add_tcase(s, tc);
	return s;
}
