/* test_http_writer.c -- writing messages (src/http/http_writer.h).
 * Every output is compared byte for byte; every message is also written
 * into each smaller capacity, which must fail cleanly. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "http/http_parser.h"
#include "http/http_writer.h"

static char buf[1024];

/* Writes with 'fn' into capacity 'cap' and returns the result. */
typedef void write_fn(struct http_writer *w);

static ssize_t write_with(write_fn *fn, size_t cap)
{
	struct http_writer w;
	memset(buf, '#', sizeof buf);
	http_writer_init(&w, buf, cap);
	fn(&w);
	ck_assert_uint_le(w.len, cap);
	return http_writer_finish(&w);
}

/* Checks the exact output, and that every smaller capacity fails. */
static void check_exact(write_fn *fn, const char *expect)
{
	size_t n = strlen(expect);
	for (size_t cap = 0; cap < n; cap++)
		ck_assert_int_eq(write_with(fn, cap), -1);
	ck_assert_int_eq(write_with(fn, n), (ssize_t)n);
	ck_assert_int_eq(memcmp(buf, expect, n), 0);
	ck_assert_int_eq(write_with(fn, sizeof buf), (ssize_t)n);
	ck_assert_int_eq(memcmp(buf, expect, n), 0);
}

static void w_response(struct http_writer *w)
{
	http_writer_status(w, 200);
	http_writer_header(w, "Content-Type", "text/plain");
	http_writer_header_u64(w, "Content-Length", 5);
	http_writer_end_head(w);
	http_writer_bytes(w, "hello", 5);
}

static void w_request(struct http_writer *w)
{
	http_writer_request_line(w, "POST", "/publish?topic=a%20b");
	http_writer_header(w, "Host", "127.0.0.1:8080");
	http_writer_header_u64(w, "Content-Length", 18446744073709551615u);
	http_writer_end_head(w);
}

static void w_chunks(struct http_writer *w)
{
	char big[255];
	memset(big, 'x', sizeof big);
	http_writer_status(w, 200);
	http_writer_header(w, "Transfer-Encoding", "chunked");
	http_writer_end_head(w);
	http_writer_chunk(w, "hello", 5);
	http_writer_chunk(w, big, sizeof big);
	http_writer_last_chunk(w);
}

/* A field written in parts, as the server writes Content-Length after a
 * head it keeps (http_exchange.c): the name, then the number. */
static void w_number_alone(struct http_writer *w)
{
	http_writer_bytes(w, "Content-Length: ", 16);
	http_writer_u64(w, 0);
	http_writer_bytes(w, "\r\nX: ", 5);
	http_writer_u64(w, 18446744073709551615u);
	http_writer_end_head(w);
}

static void w_unknown_status(struct http_writer *w)
{
	http_writer_status(w, 299);
	http_writer_raw_fields(w, "Allow: GET, POST\r\nX-Empty:\r\n");
	http_writer_end_head(w);
}

START_TEST(test_exact_output)
{
	check_exact(w_response,
		    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
	check_exact(w_request,
		    "POST /publish?topic=a%20b HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
		    "Content-Length: 18446744073709551615\r\n\r\n");
	char expect[512];
	int n = snprintf(expect, sizeof expect,
			 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			 "5\r\nhello\r\nff\r\n%0255d\r\n0\r\n\r\n", 0);
	ck_assert_int_lt(n, (int)sizeof expect);
	memset(strstr(expect, "ff\r\n") + 4, 'x', 255);
	check_exact(w_chunks, expect);
	check_exact(w_number_alone, "Content-Length: 0\r\nX: 18446744073709551615\r\n");
	/* RFC 9112 §4: the reason phrase may be empty, the SP before it may not. */
	check_exact(w_unknown_status, "HTTP/1.1 299 \r\nAllow: GET, POST\r\nX-Empty:\r\n\r\n");
}
END_TEST

static void w_split_value(struct http_writer *w)
{
	http_writer_status(w, 200);
	http_writer_header(w, "X", "a\r\nSet-Cookie: evil");
}

static void w_bad_name(struct http_writer *w) { http_writer_header(w, "X Y", "v"); }
static void w_empty_name(struct http_writer *w) { http_writer_header(w, "", "v"); }
static void w_nul_value(struct http_writer *w) { http_writer_header_n(w, "X", "a\0b", 3); }
static void w_bad_method(struct http_writer *w) { http_writer_request_line(w, "G T", "/"); }
static void w_bad_target(struct http_writer *w) { http_writer_request_line(w, "GET", "/a b"); }
static void w_empty_target(struct http_writer *w) { http_writer_request_line(w, "GET", ""); }
static void w_bad_status(struct http_writer *w) { http_writer_status(w, 42); }
static void w_empty_chunk(struct http_writer *w) { http_writer_chunk(w, "", 0); }
static void w_raw_no_cr(struct http_writer *w) { http_writer_raw_fields(w, "Allow: GET\n"); }
static void w_raw_bad(struct http_writer *w) { http_writer_raw_fields(w, "Allow GET\r\n"); }
static void w_raw_unended(struct http_writer *w) { http_writer_raw_fields(w, "Allow: GET"); }

/* After a failure nothing more is written. */
static void w_after_failure(struct http_writer *w)
{
	http_writer_header(w, "X", "\n");
	http_writer_bytes(w, "more", 4);
}

START_TEST(test_refusals)
{
	write_fn *bad[] = { w_split_value, w_bad_name, w_empty_name, w_nul_value, w_bad_method,
			    w_bad_target, w_empty_target, w_bad_status, w_empty_chunk, w_raw_no_cr,
			    w_raw_bad, w_raw_unended, w_after_failure };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(write_with(bad[i], sizeof buf) == -1, "case %zu", i);
	}
	struct http_writer w;
	http_writer_init(&w, buf, sizeof buf);
	w_after_failure(&w);
	ck_assert_uint_eq(w.len, 0);

	/* HTAB and obs-text are fine in a value */
	http_writer_init(&w, buf, sizeof buf);
	http_writer_header(&w, "X", "a\tb \xc3\xa9");
	ck_assert_int_eq(http_writer_finish(&w), 11);   /* "X: a<TAB>b \xc3\xa9" CRLF */
}
END_TEST

START_TEST(test_chunk_head)
{
	char out[HTTP_CHUNK_HEAD_MAX];
	ck_assert_uint_eq(http_chunk_head(out, 0), 3);
	ck_assert_int_eq(memcmp(out, "0\r\n", 3), 0);
	ck_assert_uint_eq(http_chunk_head(out, 0x1234abcd), 10);
	ck_assert_int_eq(memcmp(out, "1234abcd\r\n", 10), 0);
	ck_assert_uint_eq(http_chunk_head(out, UINT64_MAX), HTTP_CHUNK_HEAD_MAX);
	ck_assert_int_eq(memcmp(out, "ffffffffffffffff\r\n", 18), 0);
}
END_TEST

START_TEST(test_status_reasons)
{
	ck_assert_str_eq(http_status_reason(101), "Switching Protocols");
	ck_assert_str_eq(http_status_reason(204), "No Content");
	ck_assert_str_eq(http_status_reason(405), "Method Not Allowed");
	ck_assert_str_eq(http_status_reason(413), "Content Too Large");
	ck_assert_str_eq(http_status_reason(414), "URI Too Long");
	ck_assert_str_eq(http_status_reason(426), "Upgrade Required");
	ck_assert_str_eq(http_status_reason(431), "Request Header Fields Too Large");
	ck_assert_str_eq(http_status_reason(505), "HTTP Version Not Supported");
	ck_assert_str_eq(http_status_reason(299), "");
	/* every parser error has a status with a phrase and a reason */
	for (int e = 0; e < HTTP_E_COUNT; e++) {
		ck_assert_str_ne(http_status_reason(http_error_status((enum http_error)e)), "");
		ck_assert_str_ne(http_error_reason((enum http_error)e), "");
	}
}
END_TEST

START_TEST(test_error_responses)
{
	char out[512];
	const char *want404 =
		"HTTP/1.1 404 Not Found\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 14\r\n"
		"Connection: close\r\n"
		"\r\n"
		"no such route\n";
	ssize_t n = http_write_error(out, sizeof out, 404, "no such route", NULL);
	ck_assert_int_eq(n, (ssize_t)strlen(want404));
	ck_assert_int_eq(memcmp(out, want404, (size_t)n), 0);
	for (size_t cap = 0; cap < strlen(want404); cap++)
		ck_assert_int_eq(http_write_error(out, cap, 404, "no such route", NULL), -1);
	/* The head alone, for HEAD: the same but the body. */
	n = http_write_error_head(out, sizeof out, 404, "no such route", NULL);
	ck_assert_int_eq(n, (ssize_t)strlen(want404) - 14);
	ck_assert_int_eq(memcmp(out, want404, (size_t)n), 0);

	const char *want405 =
		"HTTP/1.1 405 Method Not Allowed\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 19\r\n"
		"Connection: close\r\n"
		"Allow: GET, POST\r\n"
		"\r\n"
		"method not allowed\n";
	n = http_write_error(out, sizeof out, 405, "method not allowed", "Allow: GET, POST\r\n");
	ck_assert_int_eq(n, (ssize_t)strlen(want405));
	ck_assert_int_eq(memcmp(out, want405, (size_t)n), 0);

	/* RFC 6455 §4.4: a 426 says which version the server speaks */
	n = http_write_error(out, sizeof out, 426, "upgrade required",
			     "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n");
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(strstr(out, "\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n"));

	const char *want414 =
		"HTTP/1.1 414 URI Too Long\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 24\r\n"
		"Connection: close\r\n"
		"\r\n"
		"request target too long\n";
	n = http_write_rejection(out, sizeof out, HTTP_E_TARGET_TOO_LONG);
	ck_assert_int_eq(n, (ssize_t)strlen(want414));
	ck_assert_int_eq(memcmp(out, want414, (size_t)n), 0);

	/* a bad extra line spoils the response rather than the framing */
	ck_assert_int_eq(http_write_error(out, sizeof out, 405, "x", "Allow: GET\r\nEvil\r\n"), -1);
}
END_TEST

/* What the writer writes, the parser reads back. */
START_TEST(test_round_trip)
{
	char out[512];
	struct http_header h[8];
	struct http_response res = { .headers = h, .header_cap = 8 };
	struct http_parser p = { 0 };

	ssize_t n = http_write_error(out, sizeof out, 400, "bad chunk", "X-A: 1\r\n");
	ck_assert_int_gt(n, 0);
	ssize_t head = http_response_parse(&p, out, (size_t)n, &res, NULL);
	ck_assert_int_gt(head, 0);
	ck_assert_int_eq(res.status, 400);
	ck_assert_int_eq(res.framing, HTTP_FRAMING_LENGTH);
	ck_assert_uint_eq(res.content_length, (uint64_t)(n - head));
	ck_assert(!res.keep_alive);
	ck_assert_uint_eq(res.num_headers, 4);
	ck_assert_int_eq(memcmp(out + head, "bad chunk\n", 10), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("http_writer");
	TCase *tc = tcase_create("writer");
	tcase_add_test(tc, test_exact_output);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_chunk_head);
	tcase_add_test(tc, test_status_reasons);
	tcase_add_test(tc, test_error_responses);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
