/* test_http_server_basic.c -- the HTTP server on 127.0.0.1, one answer at
 * a time: keep-alive and close (RFC 9112 §9.3, §9.6), HEAD (RFC 9110
 * §9.3.2), routing (404, 405 with Allow), request bodies whole, split and
 * chunked, Expect: 100-continue (RFC 9110 §10.1.1), streamed answers
 * (chunked, and the HTTP/1.0 close-delimited stream), and upgrades with
 * the bytes that follow the request handed to the new protocol.
 *
 * A raw socket sends exact bytes and checks exact bytes back (Date lines
 * taken out, see support/http_wire.h).  Pipelining is in
 * test_http_server_pipeline.c, limits and timeouts in
 * test_http_server_limits.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/http_server_fixture.h"
#include "support/looptest.h"

static const char HELLO_200[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n";
static const char GET_HELLO[] = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";

/* --- keep-alive and close ----------------------------------------------- */

START_TEST(test_keep_alive_two_requests)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, GET_HELLO);
	wire_expect(&w, HELLO_200);
	wire_sends(&w, GET_HELLO);
	wire_expect(&w, HELLO_200);
	ck_assert_int_eq(w.dates, 2);                   /* RFC 9110 §6.6.1 */
	ck_assert_uint_eq(F.ledger.c.handshakes, 1);    /* one connection, two answers */
	ck_assert_uint_eq(http_server_connections(F.srv), 1);
	wire_close(&w);
	ck_assert(fixture_wait_idle(WIRE_WAIT_MS));
	fixture_stop();
}
END_TEST

START_TEST(test_http10_closes)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /hello HTTP/1.0\r\n\r\n");          /* no Host: fine in 1.0 */
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
			"Connection: close\r\n\r\nhello\n");
	wire_expect_close(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

START_TEST(test_http10_keep_alive)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	const char *req = "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
	const char *ans = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
			  "Connection: keep-alive\r\n\r\nhello\n";
	wire_sends(&w, req);
	wire_expect(&w, ans);
	wire_sends(&w, req);
	wire_expect(&w, ans);
	ck_assert_uint_eq(F.ledger.c.handshakes, 1);
	expect_open(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

START_TEST(test_connection_close)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	/* "close" among other options, any case (RFC 9110 §7.6.1); the
	 * request glued behind it is never read (RFC 9112 §9.6). */
	wire_sends(&w, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: foo, Close\r\n\r\n"
		       "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
			"Connection: close\r\n\r\nhello\n");
	wire_expect_close(&w);
	ck_assert_uint_eq(F.handled, 1);
	wire_close(&w);
	ck_assert(fixture_wait_idle(WIRE_WAIT_MS));
	fixture_stop();
}
END_TEST

/* A deferred answer to a "close" request still says close and closes. */
START_TEST(test_connection_close_deferred)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /later?ms=10&tag=c HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n"
			"Connection: close\r\n\r\nlater c\n");
	wire_expect_close(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* A streamed answer to a "close" request: chunked, then the close. */
START_TEST(test_connection_close_stream)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /stream HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
			"4\r\none\n\r\n4\r\ntwo\n\r\n0\r\n\r\n");
	wire_expect_close(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* The client half-closes after its request: the answer still comes. */
START_TEST(test_half_close_after_request)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, GET_HELLO);
	wire_shutdown(&w);
	wire_expect(&w, HELLO_200);
	wire_expect_close(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* --- HEAD --------------------------------------------------------------- */

START_TEST(test_head)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	/* The GET head, Content-Length included, and no body (RFC 9110
	 * §9.3.2): the next answer starts right after the empty line. */
	wire_sends(&w, "HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\n");
	expect_open(&w);
	wire_sends(&w, "HEAD /stream HTTP/1.1\r\nHost: t\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			"Transfer-Encoding: chunked\r\n\r\n");
	expect_open(&w);
	wire_sends(&w, "HEAD /big?n=100000 HTTP/1.1\r\nHost: t\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n");
	expect_open(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* --- routing ------------------------------------------------------------ */

struct route_vec {
	const char *name, *request, *answer;
};

static const struct route_vec route_vecs[] = {
	{ "unknown path", "GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Length: 10\r\n\r\nnot found\n" },
	{ "path is exact", "GET /hello/ HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Length: 10\r\n\r\nnot found\n" },
	{ "methods are case-sensitive (RFC 9110 §9.1): 501", "get /hello HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Length: 15\r\n\r\nunknown method\n" },
	{ "unknown method, unknown path: 501", "BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Length: 15\r\n\r\nunknown method\n" },
	{ "CONNECT, which no route serves (RFC 9110 §9.3.6): 501",
	  "CONNECT t:443 HTTP/1.1\r\nHost: t:443\r\n\r\n",
	  "HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Length: 16\r\n\r\nno tunnels here\n" },
	{ "DELETE on a GET route (RFC 9110 §15.5.6)", "DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Length: 19\r\nAllow: GET, HEAD, OPTIONS\r\n\r\nmethod not allowed\n" },
	{ "GET on a POST route", "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Length: 19\r\nAllow: POST, OPTIONS\r\n\r\nmethod not allowed\n" },
	{ "HEAD on a POST route", "HEAD /echo HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Length: 19\r\nAllow: POST, OPTIONS\r\n\r\n" },
	{ "OPTIONS on a path (RFC 9110 §9.3.7)", "OPTIONS /hello HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 204 No Content\r\nAllow: GET, HEAD, OPTIONS\r\n\r\n" },
	{ "OPTIONS on no path", "OPTIONS /nowhere HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Length: 10\r\n\r\nnot found\n" },
	{ "query is not the path", "GET /hello?x=1&y HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n" },
	{ "absolute-form target (RFC 9112 §3.2.2)",
	  "GET http://t:8080/hello?x HTTP/1.1\r\nHost: t:8080\r\n\r\n",
	  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n" },
	{ "absolute-form, empty path", "GET http://t HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Length: 10\r\n\r\nnot found\n" },
	{ "absolute-form, empty path before a query: \"/\" (RFC 3986 §3.3)",
	  "GET http://t?a=/hello HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Length: 10\r\n\r\nnot found\n" },
	{ "absolute-form, scheme in capitals (RFC 3986 §3.1)",
	  "GET HTTP://t/hello HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n" },
	{ "absolute-form, https over cleartext (RFC 9110 §7.4): 421",
	  "GET https://t/hello HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 421 Misdirected Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Length: 35\r\n\r\nthis server serves http: URIs only\n" },
	{ "absolute-form, a URI without an authority: 421",
	  "GET urn:x:/hello HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 421 Misdirected Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Length: 35\r\n\r\nthis server serves http: URIs only\n" },
	{ "OPTIONS * (RFC 9112 §3.2.4)", "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 204 No Content\r\nAllow: GET, HEAD, POST, OPTIONS\r\n\r\n" },
	{ "empty lines before the request (RFC 9112 §2.2)",
	  "\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n" },
};

START_TEST(test_routes)
{
	const struct route_vec *v = &route_vecs[_i];
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, v->request);
	wire_expect(&w, v->answer);
	expect_open(&w);                        /* a 404 or 405 keeps the connection */
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* --- request bodies ----------------------------------------------------- */

static const char POST_LENGTH[] =
	"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world";
static const char POST_CHUNKED[] =   /* chunk extensions and a trailer field (RFC 9112 §7.1) */
	"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
	"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Check: 1\r\n\r\n";
static const char ECHO_200[] =
	"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
	"Content-Length: 11\r\n\r\nhello world";

/* Sends 'req' in two writes split at 'at', a loop turn between them. */
static void post_split(const char *req, size_t at)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_send(&w, req, at);
	net_loop_run_once(F.loop, 5);
	wire_sends(&w, req + at);
	wire_expect(&w, ECHO_200);
	ck_assert_uint_eq(F.handled, 1);
	expect_open(&w);
	wire_close(&w);
	fixture_stop();
}

START_TEST(test_body_length_split) { post_split(POST_LENGTH, (size_t)_i); }
END_TEST

START_TEST(test_body_chunked_split) { post_split(POST_CHUNKED, (size_t)_i); }
END_TEST

START_TEST(test_body_bytewise)
{
	const char *reqs[] = { POST_LENGTH, POST_CHUNKED };
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	for (size_t r = 0; r < 2; r++) {
		for (const char *p = reqs[r]; *p; p++) {
			wire_send(&w, p, 1);
			net_loop_run_once(F.loop, 0);
		}
		wire_expect(&w, ECHO_200);
	}
	ck_assert_uint_eq(F.handled, 2);
	wire_close(&w);
	fixture_stop();
}
END_TEST

START_TEST(test_body_empty)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
			"Content-Length: 0\r\n\r\n");
	wire_sends(&w, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
			"Content-Length: 0\r\n\r\n");
	expect_open(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* A body of the largest size allowed (HTTP_MAX_BODY), chunked in 64 KiB
 * pieces: it arrives over many reads and is decoded in place. */
START_TEST(test_body_largest)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
	char *piece = malloc(65536);
	ck_assert_ptr_nonnull(piece);
	memset(piece, 'x', 65536);
	for (int i = 0; i < HTTP_MAX_BODY / 65536; i++) {
		wire_sends(&w, "10000\r\n");
		wire_send(&w, piece, 65536);
		wire_sends(&w, "\r\n");
	}
	wire_sends(&w, "0\r\n\r\n");
	free(piece);
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
			"Content-Length: 1048576\r\n\r\n");
	ck_assert(wire_wait_len(&w, HTTP_MAX_BODY, WIRE_WAIT_MS));
	ck_assert_uint_eq(w.in.len, HTTP_MAX_BODY);
	ck_assert_uint_eq(F.last_body_len, HTTP_MAX_BODY);
	wire_consume(&w, w.in.len);
	expect_open(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* --- the heads of 200 answers --------------------------------------------- */

/* The server keeps the head of its last 200 up to the length (status,
 * Date, Content-Type): answers of other types, and a type the writer
 * refuses, must each get a head of their own and leave the kept one
 * intact. */
static int bad_type_result = 1;

static void h_bad_type(struct http_exchange *x, const struct http_request *req,
		       const char *body, size_t body_len, void *ud)
{
	(void)req; (void)body; (void)body_len; (void)ud;
	/* A CR LF in a field value would let it write fields of its own. */
	bad_type_result = http_respond(x, 200, "text/plain\r\nX-Injected: 1", NULL, "no\n", 3);
	http_respond(x, 500, "text/plain", NULL, "bad type\n", 9);
}

START_TEST(test_heads_of_several_types)
{
	fixture_start(NULL);
	ck_assert_int_eq(http_server_route(F.srv, "GET", "/bad-type", h_bad_type, NULL), 0);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, GET_HELLO);
	wire_expect(&w, HELLO_200);
	wire_sends(&w, POST_LENGTH);
	wire_expect(&w, ECHO_200);
	wire_sends(&w, GET_HELLO);
	wire_expect(&w, HELLO_200);
	wire_sends(&w, "GET /bad-type HTTP/1.1\r\nHost: t\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
			"Content-Length: 9\r\n\r\nbad type\n");
	ck_assert_int_eq(bad_type_result, -1);
	wire_sends(&w, GET_HELLO);
	wire_expect(&w, HELLO_200);
	ck_assert_int_eq(w.dates, 5);
	expect_open(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* --- Expect: 100-continue ----------------------------------------------- */

static const char CONTINUE_100[] = "HTTP/1.1 100 Continue\r\n\r\n";

START_TEST(test_continue)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
		       "Content-Length: 11\r\n\r\n");
	wire_expect(&w, CONTINUE_100);          /* the interim answer, before any body */
	ck_assert_uint_eq(F.handled, 0);
	wire_sends(&w, "hello world");
	wire_expect(&w, ECHO_200);
	/* Chunked too. */
	wire_sends(&w, "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
		       "Transfer-Encoding: chunked\r\n\r\n");
	wire_expect(&w, CONTINUE_100);
	wire_sends(&w, "b\r\nhello world\r\n0\r\n\r\n");
	wire_expect(&w, ECHO_200);
	expect_open(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* Nothing to invite: the body came with the head, or there is none. */
START_TEST(test_continue_not_needed)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
		       "Content-Length: 11\r\n\r\nhello world");
	wire_expect(&w, ECHO_200);
	wire_sends(&w, "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
		       "Content-Length: 0\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
			"Content-Length: 0\r\n\r\n");
	/* HTTP/1.0 does not know 100 (RFC 9110 §10.1.1): no interim answer. */
	wire_sends(&w, "POST /echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 11\r\n"
		       "Connection: keep-alive\r\n\r\n");
	looptest_run_for(F.loop, 20);
	ck_assert_uint_eq(w.in.len, 0);
	wire_sends(&w, "hello world");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
			"Content-Length: 11\r\nConnection: keep-alive\r\n\r\nhello world");
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* Too large: 413 at once, without the 100 and without reading the body. */
START_TEST(test_continue_too_large)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
		       "Content-Length: 1048577\r\n\r\n");
	expect_refusal(&w, "413 Content Too Large", "body too large");
	ck_assert_uint_eq(F.handled, 0);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* The 100 is an answer too: behind a held request it waits its turn. */
START_TEST(test_continue_in_line)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /held HTTP/1.1\r\nHost: t\r\n\r\n"
		       "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
		       "Content-Length: 11\r\n\r\n");
	ck_assert(fixture_wait_held(1));
	looptest_run_for(F.loop, 20);
	ck_assert_uint_eq(w.in.len, 0);         /* no 100 before the held answer */
	fixture_answer(0, "first\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\n"
			"first\n");
	wire_expect(&w, CONTINUE_100);
	wire_sends(&w, "hello world");
	wire_expect(&w, ECHO_200);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* --- streamed answers --------------------------------------------------- */

START_TEST(test_stream_chunked)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			"Transfer-Encoding: chunked\r\n\r\n"
			"4\r\none\n\r\n4\r\ntwo\n\r\n0\r\n\r\n");
	/* From a timer, piece by piece. */
	wire_sends(&w, "GET /ticks HTTP/1.1\r\nHost: t\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			"Transfer-Encoding: chunked\r\n\r\n");
	wire_expect(&w, "7\r\ntick 1\n\r\n");
	wire_expect(&w, "7\r\ntick 2\n\r\n");
	wire_expect(&w, "7\r\ntick 3\n\r\n0\r\n\r\n");
	expect_open(&w);
	ck_assert_int_eq(F.aborts, 0);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* HTTP/1.0 has no chunks: the body is every byte until the close. */
START_TEST(test_stream_http10)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /ticks HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
			"tick 1\ntick 2\ntick 3\n");
	wire_expect_close(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* --- upgrade ------------------------------------------------------------ */

/* The bytes behind the upgrade request, sent in the same write, belong
 * to the new protocol and reach it without another byte from the peer. */
START_TEST(test_upgrade_leftover)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /upgrade HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\n"
		       "Upgrade: echo\r\n\r\nping GET /hello HTTP/1.1\r\n\r\n");
	wire_expect(&w, UPGRADE_101);
	wire_expect(&w, "ping GET /hello HTTP/1.1\r\n\r\n");   /* echoed, not parsed */
	ck_assert_uint_eq(http_server_connections(F.srv), 0);   /* no longer HTTP */
	wire_sends(&w, "pong");
	wire_expect(&w, "pong");
	ck_assert_uint_eq(F.handled, 1);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* Upgraded from a timer: the bytes that waited (reading was paused
 * behind the upgrade request) go to the new protocol. */
START_TEST(test_upgrade_later_leftover)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /upgrade-later HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\n"
		       "Upgrade: echo\r\n\r\nearly bytes");
	wire_expect(&w, UPGRADE_101);
	wire_expect(&w, "early bytes");
	wire_sends(&w, "late");
	wire_expect(&w, "late");
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* Behind an earlier request, an upgrade waits until that is answered. */
START_TEST(test_upgrade_in_line)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /later?ms=20&tag=u HTTP/1.1\r\nHost: t\r\n\r\n"
		       "GET /upgrade HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\n"
		       "Upgrade: echo\r\n\r\nafter");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\n"
			"later u\n");
	wire_expect(&w, UPGRADE_101);
	wire_expect(&w, "after");
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* Refused upgrade: an ordinary answer, and HTTP goes on. */
START_TEST(test_upgrade_refused)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /upgrade HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\n"
		       "Upgrade: h2c\r\n\r\n" "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 426 Upgrade Required\r\nContent-Type: text/plain\r\n"
			"Content-Length: 16\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
			"upgrade to echo\n");
	wire_expect(&w, HELLO_200);
	wire_close(&w);
	fixture_stop();
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("http_server_basic");
	TCase *tc;

	tc = tcase_create("keep-alive");
	tcase_add_test(tc, test_keep_alive_two_requests);
	tcase_add_test(tc, test_http10_closes);
	tcase_add_test(tc, test_http10_keep_alive);
	tcase_add_test(tc, test_connection_close);
	tcase_add_test(tc, test_connection_close_deferred);
	tcase_add_test(tc, test_connection_close_stream);
	tcase_add_test(tc, test_half_close_after_request);
	suite_add_tcase(s, tc);

	tc = tcase_create("head");
	tcase_add_test(tc, test_head);
	tcase_add_test(tc, test_heads_of_several_types);
	suite_add_tcase(s, tc);

	tc = tcase_create("routing");
	tcase_add_loop_test(tc, test_routes, 0, (int)(sizeof route_vecs / sizeof route_vecs[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("bodies");
	tcase_add_loop_test(tc, test_body_length_split, 0, (int)sizeof POST_LENGTH - 1);
	tcase_add_loop_test(tc, test_body_chunked_split, 0, (int)sizeof POST_CHUNKED - 1);
	tcase_add_test(tc, test_body_bytewise);
	tcase_add_test(tc, test_body_empty);
	tcase_add_test(tc, test_body_largest);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("continue");
	tcase_add_test(tc, test_continue);
	tcase_add_test(tc, test_continue_not_needed);
	tcase_add_test(tc, test_continue_too_large);
	tcase_add_test(tc, test_continue_in_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("streams");
	tcase_add_test(tc, test_stream_chunked);
	tcase_add_test(tc, test_stream_http10);
	suite_add_tcase(s, tc);

	tc = tcase_create("upgrade");
	tcase_add_test(tc, test_upgrade_leftover);
	tcase_add_test(tc, test_upgrade_later_leftover);
	tcase_add_test(tc, test_upgrade_in_line);
	tcase_add_test(tc, test_upgrade_refused);
	suite_add_tcase(s, tc);
	return s;
}
