/* test_http_body.c -- Content-Length and chunked bodies (src/http/http_body.h).
 *
 * Each chunked vector is decoded two ways, each fed whole, one byte at a
 * time and split in two at every position:
 *   - in place, as a server does: every call gets all bytes from the body
 *     start, copied (with what earlier calls wrote into them) to a fresh
 *     buffer of exactly that size;
 *   - streaming, as a client does: every call gets only the bytes after
 *     what was consumed, and the data runs handed out are concatenated.
 * Both must give the same decoded body, the same length on the wire, and
 * the same error for bad input.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_body.h"

#define OUT_CAP 4096

struct result {
	ssize_t wire;           /* bytes the body took, or HTTP_INCOMPLETE / HTTP_INVALID */
	enum http_error error;
	char body[OUT_CAP];
	size_t body_len;
	char trailers[OUT_CAP]; /* "name=value;" for each trailer field (in place only) */
};

/* In place, delivering in[0..len) in pieces: first 'first' bytes, then
 * 'piece' bytes at a time. */
static void run_in_place(const char *in, size_t len, size_t first, size_t piece,
			 const struct http_limits *lim, uint64_t max_body,
			 struct result *r)
{
	struct http_body b;
	char *held = NULL;      /* the bytes so far, as the last call left them */
	size_t have = 0;

	http_body_init(&b, HTTP_FRAMING_CHUNKED, 0, max_body, lim);
	memset(r, 0, sizeof *r);
	r->wire = HTTP_INCOMPLETE;
	while (have < len) {
		size_t n = have == 0 && first ? first : piece;
		if (n > len - have)
			n = len - have;
		char *buf = malloc(have + n);
		if (have)
			memcpy(buf, held, have);
		memcpy(buf + have, in + have, n);
		have += n;
		free(held);
		held = buf;
		size_t body_len;
		r->wire = http_body_decode_in_place(&b, buf, have, &body_len);
		if (r->wire >= 0) {
			ck_assert_uint_le(body_len, OUT_CAP);
			memcpy(r->body, buf, body_len);
			r->body_len = body_len;
			struct http_header h[8];
			size_t nt = http_body_trailers(&b, buf, h, 8);
			for (size_t i = 0; i < nt; i++) {
				size_t at = strlen(r->trailers);
				snprintf(r->trailers + at, OUT_CAP - at, "%.*s=%.*s;",
					 (int)h[i].name_len, h[i].name, (int)h[i].value_len, h[i].value);
			}
			break;
		}
		if (r->wire == HTTP_INVALID) {
			r->error = (enum http_error)b.error;
			break;
		}
		ck_assert_uint_eq(b.raw + b.scan, have);   /* searched each byte once */
	}
	free(held);
}

/* Streaming: the caller keeps only what was not consumed. */
static void run_streaming(const char *in, size_t len, size_t first, size_t piece,
			  const struct http_limits *lim, uint64_t max_body,
			  struct result *r)
{
	struct http_body b;
	char *pending = NULL;
	size_t have = 0, given = 0, consumed = 0;

	http_body_init(&b, HTTP_FRAMING_CHUNKED, 0, max_body, lim);
	memset(r, 0, sizeof *r);
	r->wire = HTTP_INCOMPLETE;
	while (given < len && r->wire == HTTP_INCOMPLETE) {
		size_t n = given == 0 && first ? first : piece;
		if (n > len - given)
			n = len - given;
		char *buf = malloc(have + n);
		if (have)
			memcpy(buf, pending, have);
		memcpy(buf + have, in + given, n);
		given += n;
		have += n;
		free(pending);

		size_t used = 0;
		for (;;) {
			const char *d;
			size_t dn;
			ssize_t m = http_body_read(&b, buf + used, have - used, &d, &dn);
			if (m < 0) {
				r->wire = HTTP_INVALID;
				r->error = (enum http_error)b.error;
				break;
			}
			ck_assert_uint_le(r->body_len + dn, OUT_CAP);
			memcpy(r->body + r->body_len, d, dn);
			r->body_len += dn;
			used += (size_t)m;
			if (http_body_done(&b)) {
				r->wire = (ssize_t)(consumed + used);
				break;
			}
			if (m == 0)
				break;
		}
		consumed += used;
		pending = malloc(have - used + 1);
		memcpy(pending, buf + used, have - used);
		have -= used;
		free(buf);
	}
	free(pending);
}

struct cvec {
	const char *name;
	const char *in;         /* from the body start; may run past the body */
	const char *body;       /* decoded; NULL for an error */
	size_t wire;            /* length of the chunked body on the wire */
	const char *trailers;
	enum http_error error;
};

static const struct cvec chunked[] = {
	/* RFC 9112 §7.1 grammar, piece by piece */
	{ "one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello", 15, "", 0 },
	{ "empty body", "0\r\n\r\n", "", 5, "", 0 },
	{ "several chunks, hex sizes", "1\r\na\r\nA\r\n0123456789\r\nf\r\nabcdefghijklmno\r\n0\r\n\r\n",
	  "a0123456789abcdefghijklmno", 46, "", 0 },
	{ "upper and lower hex, leading zeros", "00000B\r\nhello world\r\n000\r\n\r\n",
	  "hello world", 28, "", 0 },
	{ "extensions, with BWS and quoted values",
	  "3;a\r\nabc\r\n3 ;b=1\r\ndef\r\n3\t; c = \"x;\\\"y\" ; d=tok\r\nghi\r\n0;last=\"\"\r\n\r\n",
	  "abcdefghi", 66, "", 0 },
	{ "trailers", "2\r\nhi\r\n0\r\nX-Sum: abc\r\nY:\r\n\r\n", "hi", 28, "X-Sum=abc;Y=;", 0 },
	{ "next message after the body", "2\r\nhi\r\n0\r\n\r\nGET / HTTP/1.1\r\n", "hi", 12, "", 0 },
	{ "data holding CRLF and 0", "7\r\n\r\n0\r\n\r\n\r\n0\r\n\r\n", "\r\n0\r\n\r\n", 17, "", 0 },
	/* rejections */
	{ "no size", "\r\nx\r\n0\r\n\r\n", NULL, 0, "", HTTP_E_CHUNK_SIZE },
	{ "not hex", "g\r\n", NULL, 0, "", HTTP_E_CHUNK_SIZE },
	{ "0x prefix", "0x5\r\nhello\r\n", NULL, 0, "", HTTP_E_CHUNK_SIZE },
	{ "negative", "-5\r\n", NULL, 0, "", HTTP_E_CHUNK_SIZE },
	{ "size then space then nothing", "5 \r\nhello\r\n", NULL, 0, "", HTTP_E_CHUNK_EXT },
	{ "lone semicolon", "5;\r\nhello\r\n", NULL, 0, "", HTTP_E_CHUNK_EXT },
	{ "ext without value", "5;a=\r\nhello\r\n", NULL, 0, "", HTTP_E_CHUNK_EXT },
	{ "ext unclosed quote", "5;a=\"x\r\nhello\r\n", NULL, 0, "", HTTP_E_CHUNK_EXT },
	{ "ext bad name", "5;(a)\r\nhello\r\n", NULL, 0, "", HTTP_E_CHUNK_EXT },
	{ "ext NUL in quoted", "5;a=\"\x01\"\r\nhello\r\n", NULL, 0, "", HTTP_E_CHUNK_EXT },
	{ "size overflows 64 bits", "10000000000000000\r\n", NULL, 0, "", HTTP_E_CHUNK_SIZE_OVERFLOW },
	{ "largest size is only too large", "ffffffffffffffff\r\n", NULL, 0, "", HTTP_E_BODY_TOO_LARGE },
	{ "data longer than size", "3\r\nabcd\r\n0\r\n\r\n", NULL, 0, "", HTTP_E_CHUNK_DATA_CRLF },
	{ "data shorter than size", "5\r\nabc\r\n0\r\n\r\n", NULL, 0, "", HTTP_E_CHUNK_DATA_CRLF },
	{ "LF only after data", "3\r\nabc\n0\r\n\r\n", NULL, 0, "", HTTP_E_CHUNK_DATA_CRLF },
	{ "bare LF after size", "3\nabc\r\n0\r\n\r\n", NULL, 0, "", HTTP_E_BARE_LF },
	{ "bare CR in size line", "3\rx\r\nabc\r\n", NULL, 0, "", HTTP_E_CHUNK_SIZE },
	{ "trailer space before colon", "0\r\nX : y\r\n\r\n", NULL, 0, "", HTTP_E_SPACE_BEFORE_COLON },
	{ "trailer obs-fold", "0\r\nX: y\r\n z\r\n\r\n", NULL, 0, "", HTTP_E_OBS_FOLD },
	{ "trailer without colon", "0\r\nXy\r\n\r\n", NULL, 0, "", HTTP_E_NO_COLON },
	{ "bare LF ends trailers", "0\r\nX: y\r\n\n", NULL, 0, "", HTTP_E_BARE_LF },
};

static void check_result(const struct cvec *v, const struct result *r, const char *how, size_t at)
{
	if (v->body == NULL) {
		ck_assert_msg(r->wire == HTTP_INVALID && r->error == v->error,
			      "%s (%s %zu): got %zd/%s, want %s", v->name, how, at, r->wire,
			      http_error_reason(r->error), http_error_reason(v->error));
		return;
	}
	ck_assert_msg(r->wire == (ssize_t)v->wire, "%s (%s %zu): wire %zd, want %zu (%s)",
		      v->name, how, at, r->wire, v->wire, http_error_reason(r->error));
	ck_assert_msg(r->body_len == strlen(v->body) && memcmp(r->body, v->body, r->body_len) == 0,
		      "%s (%s %zu): body differs", v->name, how, at);
}

START_TEST(test_chunked)
{
	const struct cvec *v = &chunked[_i];
	size_t len = strlen(v->in);
	static struct result r;

	run_in_place(v->in, len, 0, len, NULL, HTTP_MAX_BODY, &r);
	check_result(v, &r, "in place whole", 0);
	if (v->body)
		ck_assert_str_eq(r.trailers, v->trailers);
	run_in_place(v->in, len, 0, 1, NULL, HTTP_MAX_BODY, &r);
	check_result(v, &r, "in place bytewise", 0);
	run_streaming(v->in, len, 0, len, NULL, HTTP_MAX_BODY, &r);
	check_result(v, &r, "streaming whole", 0);
	run_streaming(v->in, len, 0, 1, NULL, HTTP_MAX_BODY, &r);
	check_result(v, &r, "streaming bytewise", 0);
	for (size_t i = 1; i < len; i++) {
		run_in_place(v->in, len, i, len, NULL, HTTP_MAX_BODY, &r);
		check_result(v, &r, "in place split", i);
		if (v->body)
			ck_assert_str_eq(r.trailers, v->trailers);
		run_streaming(v->in, len, i, len, NULL, HTTP_MAX_BODY, &r);
		check_result(v, &r, "streaming split", i);
	}
}
END_TEST

/* --- limits ------------------------------------------------------------------ */

static const struct http_limits small = {
	.max_request_line = 64, .max_head = 256, .max_fields = 2, .max_body = 10,
	.max_chunk_line = 8, .max_trailer = 16,
};

struct lvec {
	const char *name;
	const char *in;
	enum http_error error;      /* HTTP_OK: must decode */
};

static const struct lvec limited[] = {
	{ "body of 10", "4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n", HTTP_OK },
	{ "body of 11, refused at the size line", "4\r\n0123\r\n7\r\n", HTTP_E_BODY_TOO_LARGE },
	{ "size line of 8", "1;abcdef\r\nx\r\n0\r\n\r\n", HTTP_OK },
	{ "size line of 9", "1;abcdefg\r\nx\r\n0\r\n\r\n", HTTP_E_CHUNK_LINE_TOO_LONG },
	{ "size line never ending", "0000000000", HTTP_E_CHUNK_LINE_TOO_LONG },
	{ "trailers of 16", "0\r\nX: 123456789\r\n\r\n", HTTP_OK },
	{ "trailers of 17", "0\r\nX: 1234567890\r\n\r\n", HTTP_E_TRAILERS_TOO_LARGE },
	{ "2 trailer fields", "0\r\nA: 1\r\nB: 2\r\n\r\n", HTTP_OK },
	{ "3 trailer fields", "0\r\nA:\r\nB:\r\nC:\r\n\r\n", HTTP_E_TOO_MANY_FIELDS },
};

START_TEST(test_limits)
{
	const struct lvec *v = &limited[_i];
	size_t len = strlen(v->in);
	static struct result r;

	for (size_t i = 0; i < len; i++) {
		/* i == 0: whole; then split at i; then byte by byte */
		for (int mode = 0; mode < 4; mode++) {
			size_t first = i, piece = mode >= 2 ? 1 : len;
			if (mode % 2 == 0)
				run_in_place(v->in, len, first, piece, &small, small.max_body, &r);
			else
				run_streaming(v->in, len, first, piece, &small, small.max_body, &r);
			if (v->error == HTTP_OK)
				ck_assert_msg(r.wire == (ssize_t)len, "%s (mode %d, split %zu): %zd %s",
					      v->name, mode, i, r.wire, http_error_reason(r.error));
			else
				ck_assert_msg(r.wire == HTTP_INVALID && r.error == v->error,
					      "%s (mode %d, split %zu): %zd %s", v->name, mode, i,
					      r.wire, http_error_reason(r.error));
		}
	}
}
END_TEST

/* --- other framings ------------------------------------------------------------ */

START_TEST(test_content_length)
{
	struct http_body b;
	char buf[] = "hello, worldNEXT";
	size_t blen;
	const char *d;
	size_t dn;

	/* in place: nothing moves, the body is the first 12 bytes */
	http_body_init(&b, HTTP_FRAMING_LENGTH, 12, HTTP_MAX_BODY, NULL);
	ck_assert_int_eq(http_body_decode_in_place(&b, buf, 5, &blen), HTTP_INCOMPLETE);
	ck_assert_int_eq(http_body_decode_in_place(&b, buf, 16, &blen), 12);
	ck_assert_uint_eq(blen, 12);
	ck_assert_int_eq(memcmp(buf, "hello, world", 12), 0);

	/* streaming: two runs, then done; the rest is not touched */
	http_body_init(&b, HTTP_FRAMING_LENGTH, 12, 0, NULL);
	ck_assert_int_eq(http_body_read(&b, buf, 7, &d, &dn), 7);
	ck_assert(d == buf && dn == 7);
	ck_assert(!http_body_done(&b));
	ck_assert_int_eq(http_body_read(&b, buf + 7, 9, &d, &dn), 5);
	ck_assert(d == buf + 7 && dn == 5);
	ck_assert(http_body_done(&b));
	ck_assert_int_eq(http_body_read(&b, buf + 12, 4, &d, &dn), 0);
	ck_assert_uint_eq(dn, 0);
	ck_assert_uint_eq(b.total, 12);

	/* EOF inside the body is an error; after it, fine */
	http_body_init(&b, HTTP_FRAMING_LENGTH, 12, 0, NULL);
	ck_assert_int_eq(http_body_read(&b, buf, 3, &d, &dn), 3);
	ck_assert_int_eq(http_body_eof(&b), HTTP_INVALID);
	ck_assert_int_eq(b.error, HTTP_E_TRUNCATED);

	/* length 0 and no body are done from the start */
	http_body_init(&b, HTTP_FRAMING_LENGTH, 0, 0, NULL);
	ck_assert(http_body_done(&b));
	ck_assert_int_eq(http_body_decode_in_place(&b, buf, 16, &blen), 0);
	ck_assert_uint_eq(blen, 0);
	http_body_init(&b, HTTP_FRAMING_NONE, 99, 0, NULL);
	ck_assert(http_body_done(&b));
	ck_assert_int_eq(http_body_eof(&b), 0);
}
END_TEST

START_TEST(test_until_close)
{
	struct http_body b;
	const char *d;
	size_t dn;

	http_body_init(&b, HTTP_FRAMING_CLOSE, 0, 0, NULL);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(http_body_read(&b, "abcd", 4, &d, &dn), 4);
		ck_assert_uint_eq(dn, 4);
		ck_assert(!http_body_done(&b));
	}
	ck_assert_uint_eq(b.total, 12);
	ck_assert_int_eq(http_body_eof(&b), 0);
	ck_assert(http_body_done(&b));
}
END_TEST

START_TEST(test_chunked_eof_and_sticky_error)
{
	struct http_body b;
	const char *d;
	size_t dn;

	http_body_init(&b, HTTP_FRAMING_CHUNKED, 0, 0, NULL);
	ck_assert_int_eq(http_body_read(&b, "5\r\nhel", 6, &d, &dn), 6);
	ck_assert_uint_eq(dn, 3);
	ck_assert_int_eq(http_body_eof(&b), HTTP_INVALID);
	ck_assert_int_eq(b.error, HTTP_E_TRUNCATED);

	http_body_init(&b, HTTP_FRAMING_CHUNKED, 0, 0, NULL);
	ck_assert_int_eq(http_body_read(&b, "z\r\n", 3, &d, &dn), HTTP_INVALID);
	ck_assert_int_eq(http_body_read(&b, "0\r\n\r\n", 5, &d, &dn), HTTP_INVALID);
	ck_assert_int_eq(b.error, HTTP_E_CHUNK_SIZE);
	ck_assert_uint_le(sizeof(struct http_body), 64);
}
END_TEST

/* RFC 9112 §5.2: a user agent replaces obs-fold with SP rather than
 * refusing it -- in a response's trailer section too (a request's is
 * refused: the "trailer obs-fold" vector above). */
START_TEST(test_response_trailer_fold)
{
	static const char in[] = "3\r\nabc\r\n0\r\nX: y\r\n\tz\r\nW: v\r\n\r\n";
	struct http_response res = { .framing = HTTP_FRAMING_CHUNKED };
	struct http_body b;
	char buf[sizeof in];
	size_t body_len;

	memcpy(buf, in, sizeof in);
	http_body_init_response(&b, &res, NULL);
	ck_assert_int_eq(http_body_decode_in_place(&b, buf, sizeof in - 1, &body_len),
			 (ssize_t)sizeof in - 1);
	ck_assert_uint_eq(body_len, 3);
	struct http_header h[4];
	ck_assert_uint_eq(http_body_trailers(&b, buf, h, 4), 2);
	ck_assert_uint_eq(h[0].value_len, 5);
	ck_assert_int_eq(memcmp(h[0].value, "y  \tz", 5), 0);
	ck_assert_uint_eq(h[1].name_len, 1);
	ck_assert_int_eq(h[1].name[0], 'W');

	/* Streaming, as the client reads: accepted, one byte at a time. */
	http_body_init_response(&b, &res, NULL);
	size_t at = 0;
	for (size_t have = 1; at < sizeof in - 1 && have <= sizeof in; have++) {
		const char *d;
		size_t dn;
		ssize_t m = http_body_read(&b, in + at, have - at, &d, &dn);
		ck_assert_int_ge(m, 0);
		at += (size_t)m;
	}
	ck_assert(http_body_done(&b));

	/* A fold needs a field before it; its bytes must be value bytes. */
	static const char *const bad[] = { "0\r\n z\r\n\r\n", "0\r\nX: y\r\n z\x01\r\n\r\n" };
	static const enum http_error why[] = { HTTP_E_WS_BEFORE_FIELDS, HTTP_E_FIELD_VALUE };
	for (size_t i = 0; i < 2; i++) {
		http_body_init_response(&b, &res, NULL);
		const char *d;
		size_t dn;
		ck_assert_int_eq(http_body_read(&b, bad[i], strlen(bad[i]), &d, &dn), HTTP_INVALID);
		ck_assert_int_eq(b.error, why[i]);
	}
}
END_TEST

/* A stream that never ends, read in pieces of 7 bytes: the decoder must
 * keep handing out data with bounded state, for as long as it lasts. */
START_TEST(test_endless_stream)
{
	static const char unit[] = "c\r\ndata: tick\n\n\r\n";     /* 12 bytes of data */
	char wire[sizeof unit * 64];
	size_t len = 0, out = 0;
	struct http_body b;

	for (int i = 0; i < 64; i++) {
		memcpy(wire + len, unit, sizeof unit - 1);
		len += sizeof unit - 1;
	}
	http_body_init(&b, HTTP_FRAMING_CHUNKED, 0, 0, NULL);
	size_t at = 0, have = 0;
	while (at < len) {
		have = have + 7 < len - at ? have + 7 : len - at;
		const char *d;
		size_t dn;
		ssize_t m = http_body_read(&b, wire + at, have, &d, &dn);
		ck_assert_int_ge(m, 0);
		for (size_t k = 0; k < dn; k++)
			ck_assert_int_eq(d[k], "data: tick\n\n"[(out + k) % 12]);
		out += dn;
		at += (size_t)m;
		have -= (size_t)m;
		if (at == len)
			break;
		ck_assert(!http_body_done(&b));
	}
	ck_assert_uint_eq(out, 64 * 12);
	ck_assert_uint_eq(b.total, 64 * 12);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("http_body");
	TCase *tc;

	tc = tcase_create("chunked");
	tcase_add_loop_test(tc, test_chunked, 0, (int)(sizeof chunked / sizeof chunked[0]));
	tcase_add_test(tc, test_chunked_eof_and_sticky_error);
	tcase_add_test(tc, test_endless_stream);
	tcase_add_test(tc, test_response_trailer_fold);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_limits, 0, (int)(sizeof limited / sizeof limited[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("length and close");
	tcase_add_test(tc, test_content_length);
	tcase_add_test(tc, test_until_close);
	suite_add_tcase(s, tc);
	return s;
}
