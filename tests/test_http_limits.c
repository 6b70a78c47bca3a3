/* test_http_limits.c -- every limit of src/http/http_parser.h and
 * http_body.h: just under passes, just over earns its status, and an
 * incomplete message past a limit is refused rather than awaited.  Also
 * the promise that feeding one byte per call costs O(n) in total.
 *
 * Small custom limits let "just under" and "just over" be fed at every
 * split point through the simulation in support/byte_feed.h; the
 * defaults are checked whole and one byte per call.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/byte_feed.h"

/* The vector types, as in test_http_parser.c. */
struct vec {
	const char *name;
	const char *in;
	size_t len;             /* 0: strlen(in) */
	const char *expect;     /* the log */
	size_t left;            /* bytes that must stay unconsumed */
};

struct bad {
	const char *name;
	const char *in;
	size_t len;             /* 0: strlen(in) */
	enum http_error error;
	int status;             /* what it earns */
};

static size_t vec_len(const struct vec *v) { return v->len ? v->len : strlen(v->in); }

/* Small limits, so that "just under" and "just over" can be fed at every
 * split point. */
static const struct http_limits small = {
	.max_request_line = 20, .max_head = 64, .max_fields = 3, .max_body = 10,
	.max_chunk_line = 8, .max_trailer = 16,
};

static const struct vec small_ok[] = {
	{ "request line of exactly 20", "GET /aaaaaa HTTP/1.1\r\nHost: h\r\n\r\n", 0,
	  "GET /aaaaaa HTTP/1.1 keep-alive\nHost: h\nbody[0] \n", 0 },
	/* 22 + 9 + 31 + 2 = 64 bytes */
	{ "head of exactly 64", "GET /aaaaaa HTTP/1.1\r\nHost: h\r\nX: 01234567890123456789012345\r\n\r\n", 0,
	  "GET /aaaaaa HTTP/1.1 keep-alive\nHost: h\nX: 01234567890123456789012345\nbody[0] \n", 0 },
	{ "3 fields", "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", 0,
	  "GET / HTTP/1.1 keep-alive\nHost: h\nA: 1\nB: 2\nbody[0] \n", 0 },
	{ "body of 10", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", 0,
	  "POST / HTTP/1.1 keep-alive\nHost: h\nContent-Length: 10\nbody[10] 0123456789\n", 0 },
	{ "chunked body of 10", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n", 0,
	  "POST / HTTP/1.1 keep-alive\nHost: h\nTransfer-Encoding: chunked\nbody[10] 0123456789\n", 0 },
	{ "chunk line of 8", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "1;abcdef\r\nx\r\n0\r\n\r\n", 0,
	  "POST / HTTP/1.1 keep-alive\nHost: h\nTransfer-Encoding: chunked\nbody[1] x\n", 0 },
	{ "trailer section of 16", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "0\r\nX: 123456789\r\n\r\n", 0,
	  "POST / HTTP/1.1 keep-alive\nHost: h\nTransfer-Encoding: chunked\nbody[0] \n", 0 },
};

static const struct bad small_bad[] = {
	{ "request line of 21", "GET /aaaaaaa HTTP/1.1\r\nHost: h\r\n\r\n", 0, HTTP_E_TARGET_TOO_LONG, 414 },
	{ "target never ends", "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0, HTTP_E_TARGET_TOO_LONG, 414 },
	{ "method never ends", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0, HTTP_E_METHOD_TOO_LONG, 501 },
	{ "version too long", "GET / HTTP/1.1111111111111111111111\r\n", 0, HTTP_E_REQUEST_LINE_TOO_LONG, 400 },
	{ "head of 65", "GET /aaaaaa HTTP/1.1\r\nHost: h\r\nX: 012345678901234567890123456\r\n\r\n", 0,
	  HTTP_E_HEADERS_TOO_LARGE, 431 },
	{ "head never ends", "GET / HTTP/1.1\r\nHost: h\r\nX: 0123456789012345678901234567890123456789",
	  0, HTTP_E_HEADERS_TOO_LARGE, 431 },
	{ "4 fields", "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 0, HTTP_E_TOO_MANY_FIELDS, 431 },
	{ "body of 11", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", 0, HTTP_E_BODY_TOO_LARGE, 413 },
	{ "chunked body of 11", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "5\r\n01234\r\n6\r\n", 0, HTTP_E_BODY_TOO_LARGE, 413 },
	{ "chunk line of 9", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "1;abcdefg\r\nx\r\n0\r\n\r\n", 0, HTTP_E_CHUNK_LINE_TOO_LONG, 400 },
	{ "trailer section of 17", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "0\r\nX: 1234567890\r\n\r\n", 0, HTTP_E_TRAILERS_TOO_LARGE, 431 },
};

START_TEST(test_small_limits_ok)
{
	const struct vec *v = &small_ok[_i];
	byte_feed_check_splits(v->name, v->in, vec_len(v), v->expect, 0, &small);
}
END_TEST

START_TEST(test_small_limits_bad)
{
	const struct bad *v = &small_bad[_i];
	char expect[256];

	ck_assert_int_eq(http_error_status(v->error), v->status);
	snprintf(expect, sizeof expect, "error %d %s\n", v->status, http_error_reason(v->error));
	byte_feed_check_splits(v->name, v->in, strlen(v->in), expect, 0, &small);
}
END_TEST

/* Feeds buf[0..len) one more byte per call, on the same buffer, and
 * checks the no-rescan invariant on the way: after each HTTP_INCOMPLETE
 * the parser has searched exactly the bytes it was given, so the next
 * call starts where this one stopped.  Returns the final result. */
static ssize_t parse_bytewise(const char *buf, size_t len, struct http_request *req,
			      struct http_parser *p, const struct http_limits *lim)
{
	http_parser_init(p);
	for (size_t k = 1; k <= len; k++) {
		ssize_t n = http_request_parse(p, buf, k, req, lim);
		if (n != HTTP_INCOMPLETE)
			return n;
		ck_assert_uint_eq(p->scan, k);
	}
	return HTTP_INCOMPLETE;
}

/* A request whose request line is 'line_len' bytes and whose head,
 * padded with one field, is 'head_len' bytes (head_len 0: no padding). */
static char *big_request(size_t line_len, size_t head_len, size_t *len)
{
	size_t cap = line_len + head_len + 64;
	char *b = malloc(cap);
	size_t n = 0;

	ck_assert_ptr_nonnull(b);
	memcpy(b, "GET /", 5);
	n = 5;
	memset(b + n, 'a', line_len - 14);     /* "GET " + target + " HTTP/1.1" */
	n += line_len - 14;
	memcpy(b + n, " HTTP/1.1\r\nHost: h\r\n", 20);
	n += 20;
	if (head_len) {
		size_t pad = head_len - n - 2 - 5;  /* "X: " + pad + CRLF, then CRLF */
		memcpy(b + n, "X: ", 3);
		memset(b + n + 3, 'x', pad);
		memcpy(b + n + 3 + pad, "\r\n", 2);
		n += 3 + pad + 2;
	}
	memcpy(b + n, "\r\n", 2);
	*len = n + 2;
	return b;
}

START_TEST(test_default_limits)
{
	struct http_header h[BYTE_FEED_NHDR];
	struct http_request req = { .headers = h, .header_cap = BYTE_FEED_NHDR };
	struct http_parser p;
	size_t len;
	char *b;

	/* request line: 8192 passes, 8193 earns 414 */
	b = big_request(HTTP_MAX_REQUEST_LINE, 0, &len);
	http_parser_init(&p);
	ck_assert_int_eq(http_request_parse(&p, b, len, &req, NULL), (ssize_t)len);
	ck_assert_uint_eq(req.target_len, HTTP_MAX_REQUEST_LINE - 13);
	ck_assert_int_eq(parse_bytewise(b, len, &req, &p, NULL), (ssize_t)len);
	free(b);
	b = big_request(HTTP_MAX_REQUEST_LINE + 1, 0, &len);
	http_parser_init(&p);
	ck_assert_int_eq(http_request_parse(&p, b, len, &req, NULL), HTTP_INVALID);
	ck_assert_int_eq(http_parser_error(&p), HTTP_E_TARGET_TOO_LONG);
	ck_assert_int_eq(parse_bytewise(b, len, &req, &p, NULL), HTTP_INVALID);
	ck_assert_int_eq(http_parser_error(&p), HTTP_E_TARGET_TOO_LONG);
	free(b);

	/* head: 64 KiB passes, one byte more earns 431 */
	b = big_request(100, HTTP_MAX_HEAD, &len);
	ck_assert_uint_eq(len, HTTP_MAX_HEAD);
	http_parser_init(&p);
	ck_assert_int_eq(http_request_parse(&p, b, len, &req, NULL), (ssize_t)len);
	ck_assert_int_eq(parse_bytewise(b, len, &req, &p, NULL), (ssize_t)len);
	free(b);
	b = big_request(100, HTTP_MAX_HEAD + 1, &len);
	http_parser_init(&p);
	ck_assert_int_eq(http_request_parse(&p, b, len, &req, NULL), HTTP_INVALID);
	ck_assert_int_eq(http_parser_error(&p), HTTP_E_HEADERS_TOO_LARGE);
	ck_assert_int_eq(parse_bytewise(b, len, &req, &p, NULL), HTTP_INVALID);
	ck_assert_int_eq(http_parser_error(&p), HTTP_E_HEADERS_TOO_LARGE);
	/* ... and an incomplete head that can no longer fit is refused at
	 * once, not awaited: 64 KiB without the final LF is already too big */
	http_parser_init(&p);
	ck_assert_int_eq(http_request_parse(&p, b, HTTP_MAX_HEAD - 1, &req, NULL), HTTP_INCOMPLETE);
	ck_assert_int_eq(http_request_parse(&p, b, HTTP_MAX_HEAD, &req, NULL), HTTP_INVALID);
	ck_assert_int_eq(http_parser_error(&p), HTTP_E_HEADERS_TOO_LARGE);
	free(b);
}
END_TEST

/* n fields: Host and n-1 others. */
static char *many_fields(size_t n, size_t *len)
{
	char *b = malloc(32 + n * 16);
	size_t at = (size_t)sprintf(b, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (size_t i = 1; i < n; i++)
		at += (size_t)sprintf(b + at, "F%zu: %zu\r\n", i, i);
	at += (size_t)sprintf(b + at, "\r\n");
	*len = at;
	return b;
}

START_TEST(test_field_count)
{
	struct http_header h[BYTE_FEED_NHDR];
	struct http_request req = { .headers = h, .header_cap = BYTE_FEED_NHDR };
	struct http_parser p;
	size_t len;
	char *b;

	b = many_fields(HTTP_MAX_FIELDS, &len);
	http_parser_init(&p);
	ck_assert_int_eq(http_request_parse(&p, b, len, &req, NULL), (ssize_t)len);
	ck_assert_uint_eq(req.num_headers, HTTP_MAX_FIELDS);
	ck_assert_int_eq(parse_bytewise(b, len, &req, &p, NULL), (ssize_t)len);
	free(b);

	b = many_fields(HTTP_MAX_FIELDS + 1, &len);
	http_parser_init(&p);
	ck_assert_int_eq(http_request_parse(&p, b, len, &req, NULL), HTTP_INVALID);
	ck_assert_int_eq(http_parser_error(&p), HTTP_E_TOO_MANY_FIELDS);
	free(b);

	/* The caller's array is a limit too. */
	b = many_fields(5, &len);
	req.header_cap = 4;
	http_parser_init(&p);
	ck_assert_int_eq(http_request_parse(&p, b, len, &req, NULL), HTTP_INVALID);
	ck_assert_int_eq(http_parser_error(&p), HTTP_E_TOO_MANY_FIELDS);
	req.header_cap = 5;
	http_parser_init(&p);
	ck_assert_int_eq(http_request_parse(&p, b, len, &req, NULL), (ssize_t)len);
	free(b);
}
END_TEST

/* A slowloris: a 60 KiB header section, one byte per call.  The parser
 * must never search a byte twice (p.scan == bytes given, checked at every
 * call by parse_bytewise) and must check each line once: p.fields counts
 * the field lines completed so far, exactly. */
START_TEST(test_bytewise_is_linear)
{
	struct http_header h[BYTE_FEED_NHDR];
	struct http_request req = { .headers = h, .header_cap = BYTE_FEED_NHDR };
	struct http_parser p;
	size_t len;
	char *b = big_request(200, 60 * 1024, &len);

	ck_assert_int_eq(parse_bytewise(b, len, &req, &p, NULL), (ssize_t)len);
	ck_assert_uint_eq(req.num_headers, 2);

	/* fields counted once each, as their lines complete */
	char *m = many_fields(50, &len);
	size_t lines_done = 0;
	http_parser_init(&p);
	for (size_t k = 1; k < len; k++) {
		ck_assert_int_eq(http_request_parse(&p, m, k, &req, NULL), HTTP_INCOMPLETE);
		if (m[k - 1] == '\n')
			lines_done++;
		/* lines_done counts the request line too */
		ck_assert_uint_eq(p.fields, lines_done > 0 ? lines_done - 1 : 0);
	}
	ck_assert_int_eq(http_request_parse(&p, m, len, &req, NULL), (ssize_t)len);
	free(m);
	free(b);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *test_suite(void)
{
	Suite *s = suite_create("http_limits");
	TCase *tc;

	tc = tcase_create("small limits");
	tcase_add_loop_test(tc, test_small_limits_ok, 0, N(small_ok));
	tcase_add_loop_test(tc, test_small_limits_bad, 0, N(small_bad));
	suite_add_tcase(s, tc);

	tc = tcase_create("default limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_default_limits);
	tcase_add_test(tc, test_field_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("resumption");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_bytewise_is_linear);
	suite_add_tcase(s, tc);
	return s;
}
