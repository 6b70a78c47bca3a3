/* test_http_client.c -- the non-blocking HTTP client (http_client.h):
 * against the real server (support/http_server_fixture.h) for GET, POST,
 * HEAD, keep-alive versus a connection per request (counted in the
 * ledgers), Content-Length and chunked answers, streaming pieces and the
 * retry of a request whose kept-alive connection the server closed; and
 * against a raw scripted server socket for what our own server never
 * sends: bodies delimited by the close (RFC 9112 §6.3 rule 8), interim
 * 100 answers, malformed and truncated answers, silence (ETIMEDOUT), and
 * a port nobody listens on (ECONNREFUSED). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http_client.h"
#include "support/http_server_fixture.h"
#include "support/looptest.h"

/* --- what came back ------------------------------------------------------ */

struct result {
	bool done;
	int err;
	int status;
	bool keep_alive;
	char body[4096];
	size_t body_len;
	char error[160];
	/* streaming */
	bool head;
	int pieces;
	char streamed[4096];
	size_t streamed_len;
};

static void on_done(struct http_client *cl, int err, const struct http_client_result *r, void *ud)
{
	struct result *res = ud;
	ck_assert(!res->done);                  /* exactly once */
	res->done = true;
	res->err = err;
	snprintf(res->error, sizeof res->error, "%s", http_client_error(cl));
	if (r) {
		res->status = r->res->status;
		res->keep_alive = r->res->keep_alive;
		ck_assert_uint_lt(r->body_len, sizeof res->body);
		if (r->body_len)
			memcpy(res->body, r->body, r->body_len);
		res->body_len = r->body_len;
	}
}

static void on_head(struct http_client *cl, const struct http_client_result *r, void *ud)
{
	(void)cl;
	struct result *res = ud;
	res->head = true;
	res->status = r->res->status;
}

static void on_piece(struct http_client *cl, const char *data, size_t len, void *ud)
{
	(void)cl;
	struct result *res = ud;
	ck_assert(res->head);
	ck_assert_uint_lt(res->streamed_len + len, sizeof res->streamed);
	memcpy(res->streamed + res->streamed_len, data, len);
	res->streamed_len += len;
	res->pieces++;
}

static struct http_client *client_new(uint16_t port, bool keep_alive, uint32_t timeout_ms,
				      struct net_ledger *ledger)
{
	struct http_client_config cfg = {
		.host = "127.0.0.1", .port = port, .keep_alive = keep_alive,
		.timeout_ms = timeout_ms, .ledger = ledger,
	};
	struct http_client *cl = http_client_new(F.loop, &cfg);
	ck_assert_ptr_nonnull(cl);
	return cl;
}

/* Starts one request and runs the loop until it is done. */
static void run_request(struct http_client *cl, const char *method, const char *target,
			const char *body, struct result *res)
{
	memset(res, 0, sizeof *res);
	ck_assert_int_eq(http_client_request(cl, method, target, NULL, body,
					     body ? strlen(body) : 0, on_done, res), 0);
	ck_assert(!res->done);                  /* never from inside the call */
	ck_assert(looptest_run_until(F.loop, &res->done, WIRE_WAIT_MS));
}

/* The same for a streamed answer, to its end. */
static void run_stream(struct http_client *cl, const char *target, struct result *res)
{
	memset(res, 0, sizeof *res);
	ck_assert_int_eq(http_client_stream(cl, target, NULL, on_head, on_piece, on_done, res), 0);
	ck_assert(looptest_run_until(F.loop, &res->done, WIRE_WAIT_MS));
}

static void expect_streamed(const struct result *res, const char *bytes)
{
	ck_assert_uint_eq(res->streamed_len, strlen(bytes));
	ck_assert(memcmp(res->streamed, bytes, res->streamed_len) == 0);
}

static void expect_body(const struct result *res, int status, const char *body)
{
	ck_assert_msg(res->err == 0, "error %d: %s", res->err, res->error);
	ck_assert_int_eq(res->status, status);
	ck_assert_uint_eq(res->body_len, strlen(body));
	ck_assert(memcmp(res->body, body, res->body_len) == 0);
}

/* Frees the client and lets the closed connections go. */
static void client_free(struct http_client *cl)
{
	http_client_free(cl);
	net_loop_run_once(F.loop, 0);
	net_loop_run_once(F.loop, 0);
}

/* --- against the real server --------------------------------------------- */

START_TEST(test_get_post_head)
{
	fixture_start(NULL);
	struct http_client *cl = client_new(F.port, true, 0, NULL);
	struct result res;
	run_request(cl, "GET", "/hello", NULL, &res);
	expect_body(&res, 200, "hello\n");
	ck_assert(res.keep_alive);
	ck_assert_str_eq(http_client_error(cl), "");
	run_request(cl, "POST", "/echo", "some body", &res);
	expect_body(&res, 200, "some body");
	ck_assert_str_eq(F.last_body, "some body");
	run_request(cl, "POST", "/echo", NULL, &res);           /* Content-Length: 0 */
	expect_body(&res, 200, "");
	run_request(cl, "HEAD", "/big?n=5000", NULL, &res);     /* no body, whatever the length */
	expect_body(&res, 200, "");
	run_request(cl, "GET", "/stream", NULL, &res);          /* chunked */
	expect_body(&res, 200, "one\ntwo\n");
	run_request(cl, "GET", "/nowhere", NULL, &res);
	expect_body(&res, 404, "not found\n");
	run_request(cl, "GET", "/later?ms=10&tag=z", NULL, &res);
	expect_body(&res, 200, "later z\n");
	ck_assert_uint_eq(http_client_connections(cl), 1);
	client_free(cl);
	fixture_stop();
}
END_TEST

/* A body of 1 MB: it arrives over many reads and stays whole. */
struct big { bool done; int err; size_t len; bool ok; };

static void on_big(struct http_client *cl, int err, const struct http_client_result *r, void *ud)
{
	(void)cl;
	struct big *b = ud;
	b->done = true;
	b->err = err;
	if (!r)
		return;
	b->len = r->body_len;
	b->ok = true;
	for (size_t i = 0; i < r->body_len; i++)
		if (r->body[i] != (char)('a' + i % 26))
			b->ok = false;
}

START_TEST(test_large_body)
{
	fixture_start(NULL);
	struct http_client *cl = client_new(F.port, true, 0, NULL);
	struct big big = { 0 };
	ck_assert_int_eq(http_client_request(cl, "GET", "/big?n=1000000", NULL, NULL, 0,
					     on_big, &big), 0);
	ck_assert(looptest_run_until(F.loop, &big.done, WIRE_WAIT_MS));
	ck_assert_int_eq(big.err, 0);
	ck_assert_uint_eq(big.len, 1000000);
	ck_assert(big.ok);
	client_free(cl);
	fixture_stop();
}
END_TEST

static bool aborted_once(void *arg)
{
	(void)arg;
	return F.aborts == 1 && http_server_connections(F.srv) == 0;
}

/* A request the client gives up on: its connection goes (the server sees
 * the client leave), and 'done' never runs. */
START_TEST(test_cancel)
{
	fixture_start(NULL);
	struct http_client *cl = client_new(F.port, true, 0, NULL);
	struct result res = { 0 };
	ck_assert_int_eq(http_client_request(cl, "GET", "/held", NULL, NULL, 0, on_done, &res), 0);
	ck_assert(fixture_wait_held(1));
	http_client_cancel(cl);
	ck_assert(!http_client_busy(cl));
	ck_assert(net_loop_run_until(F.loop, aborted_once, NULL, WIRE_WAIT_MS));
	ck_assert(!res.done);
	/* And it is ready for the next request. */
	run_request(cl, "GET", "/hello", NULL, &res);
	expect_body(&res, 200, "hello\n");
	client_free(cl);
	fixture_stop();
}
END_TEST

static void expect_ledgers(bool keep_alive, uint64_t conns)
{
	enum { N = 5 };
	struct http_server_config scfg = { 0 };
	fixture_start(&scfg);
	struct net_ledger cl_ledger;
	net_ledger_init(&cl_ledger, "client");
	struct http_client *cl = client_new(F.port, keep_alive, 0, &cl_ledger);
	struct result res;
	for (int i = 0; i < N; i++) {
		run_request(cl, "GET", "/hello", NULL, &res);
		expect_body(&res, 200, "hello\n");
		ck_assert(res.keep_alive == keep_alive);
	}
	ck_assert_uint_eq(http_client_connections(cl), conns);
	ck_assert_uint_eq(cl_ledger.c.handshakes, conns);
	ck_assert_uint_eq(F.ledger.c.handshakes, conns);
	client_free(cl);
	ck_assert(fixture_wait_idle(WIRE_WAIT_MS));
	fixture_stop();
}

START_TEST(test_keep_alive_one_connection) { expect_ledgers(true, 1); }
END_TEST

START_TEST(test_no_keep_alive_connection_each) { expect_ledgers(false, 5); }
END_TEST

START_TEST(test_stream_pieces)
{
	fixture_start(NULL);
	struct http_client *cl = client_new(F.port, true, 0, NULL);
	struct result res;
	run_stream(cl, "/ticks", &res);
	ck_assert_msg(res.err == 0, "%s", res.error);
	ck_assert(res.head);
	ck_assert_int_eq(res.status, 200);
	ck_assert_int_ge(res.pieces, 3);        /* one per chunk, at least */
	expect_streamed(&res, "tick 1\ntick 2\ntick 3\n");
	/* The connection is reused after the stream's last chunk. */
	run_request(cl, "GET", "/hello", NULL, &res);
	expect_body(&res, 200, "hello\n");
	ck_assert_uint_eq(http_client_connections(cl), 1);
	client_free(cl);
	fixture_stop();
}
END_TEST

/* A stream the client ends itself: its connection goes, 'done' never runs. */
START_TEST(test_stream_cancel)
{
	fixture_start(NULL);
	struct http_client *cl = client_new(F.port, true, 0, NULL);
	struct result res = { 0 };
	ck_assert_int_eq(http_client_stream(cl, "/ticks", NULL, on_head, on_piece, on_done, &res), 0);
	ck_assert(looptest_run_until(F.loop, &res.head, WIRE_WAIT_MS));
	http_client_cancel(cl);
	ck_assert(!http_client_busy(cl));
	ck_assert(net_loop_run_until(F.loop, aborted_once, NULL, WIRE_WAIT_MS));
	ck_assert(!res.done);
	client_free(cl);
	fixture_stop();
}
END_TEST

/* The server closed the kept-alive connection (its idle timeout) just
 * before the next request went out on it: the request is sent again on
 * a new connection, once, and succeeds. */
START_TEST(test_retry_after_idle_close)
{
	struct http_server_config scfg = { .idle_timeout_ms = 50 };
	fixture_start(&scfg);
	struct http_client *cl = client_new(F.port, true, 0, NULL);
	struct result res;
	run_request(cl, "GET", "/hello", NULL, &res);
	expect_body(&res, 200, "hello\n");
	/* Run until the server has closed, and not one turn more: the
	 * client has not read the FIN yet and still trusts the connection. */
	ck_assert(fixture_wait_idle(WIRE_WAIT_MS));
	run_request(cl, "GET", "/hello", NULL, &res);
	expect_body(&res, 200, "hello\n");
	ck_assert_uint_eq(http_client_connections(cl), 2);
	client_free(cl);
	fixture_stop();
}
END_TEST

/* --- a scripted server -------------------------------------------------- */

/* A listening socket on the loop that answers each request head it reads
 * with the next scripted answer, then does what the script says. */
enum raw_then { RAW_KEEP, RAW_CLOSE, RAW_RESET, RAW_SILENCE };

struct raw_step {
	const char *answer;             /* NULL: send nothing */
	enum raw_then then;
};

#define RAW_CONNS 4

struct rawsrv {
	int lfd;
	uint16_t port;
	int fd[RAW_CONNS];
	char in[RAW_CONNS][2048];
	size_t in_len[RAW_CONNS];
	size_t nconns;
	const struct raw_step *script;
	size_t steps, next;
	char last_request[2048];
};

static struct rawsrv R;

static void raw_drop(int i, bool reset)
{
	if (reset) {
		struct linger lg = { 1, 0 };
		setsockopt(R.fd[i], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	net_loop_unwatch(F.loop, R.fd[i]);
	close(R.fd[i]);
	R.fd[i] = -1;
}

static void raw_on_conn(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)loop; (void)events;
	int i = (int)(intptr_t)ud;
	ssize_t r = recv(fd, R.in[i] + R.in_len[i], sizeof R.in[i] - 1 - R.in_len[i], 0);
	if (r <= 0) {
		if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			raw_drop(i, false);
		return;
	}
	R.in_len[i] += (size_t)r;
	R.in[i][R.in_len[i]] = '\0';
	char *end;
	while ((end = strstr(R.in[i], "\r\n\r\n")) != NULL) {
		size_t head = (size_t)(end + 4 - R.in[i]);
		memcpy(R.last_request, R.in[i], head);
		R.last_request[head] = '\0';
		memmove(R.in[i], R.in[i] + head, R.in_len[i] - head + 1);
		R.in_len[i] -= head;
		ck_assert_uint_lt(R.next, R.steps);
		const struct raw_step *st = &R.script[R.next++];
		if (st->answer)
			ck_assert_int_eq(send(fd, st->answer, strlen(st->answer), MSG_NOSIGNAL),
					 (ssize_t)strlen(st->answer));
		if (st->then == RAW_CLOSE || st->then == RAW_RESET) {
			raw_drop(i, st->then == RAW_RESET);
			return;
		}
	}
}

static void raw_on_accept(struct net_loop *loop, int lfd, unsigned events, void *ud)
{
	(void)events; (void)ud;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	ck_assert_uint_lt(R.nconns, RAW_CONNS);
	size_t i = R.nconns++;
	R.fd[i] = fd;
	ck_assert_int_eq(net_loop_watch(loop, fd, NET_READ, raw_on_conn, (void *)(intptr_t)i, NULL), 0);
}

static void raw_start(const struct raw_step *script, size_t steps)
{
	fixture_start(NULL);                    /* for the loop; its server is unused */
	memset(&R, 0, sizeof R);
	R.script = script;
	R.steps = steps;
	R.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t n = sizeof sa;
	ck_assert_int_eq(bind(R.lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(R.lfd, 8), 0);
	ck_assert_int_eq(getsockname(R.lfd, (struct sockaddr *)&sa, &n), 0);
	R.port = ntohs(sa.sin_port);
	ck_assert_int_eq(net_loop_watch(F.loop, R.lfd, NET_READ, raw_on_accept, NULL, NULL), 0);
}

static void raw_stop(void)
{
	for (size_t i = 0; i < R.nconns; i++)
		if (R.fd[i] >= 0)
			raw_drop((int)i, false);
	net_loop_unwatch(F.loop, R.lfd);
	close(R.lfd);
	fixture_stop();
}

#define STEPS(s) (s), (sizeof (s) / sizeof (s)[0])

/* RFC 9112 §6.3 rule 8: no Content-Length, no chunked: the body is
 * everything until the server closes. */
START_TEST(test_close_delimited)
{
	static const struct raw_step script[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close", RAW_CLOSE },
	};
	raw_start(STEPS(script));
	struct http_client *cl = client_new(R.port, true, 0, NULL);
	struct result res;
	run_request(cl, "GET", "/x", NULL, &res);
	expect_body(&res, 200, "until the close");
	ck_assert(!res.keep_alive);
	ck_assert(strstr(R.last_request, "GET /x HTTP/1.1\r\nHost: 127.0.0.1:") == R.last_request);
	client_free(cl);
	raw_stop();
}
END_TEST

START_TEST(test_close_delimited_stream)
{
	static const struct raw_step script[] = {
		{ "HTTP/1.0 200 OK\r\n\r\nall of it", RAW_CLOSE },
	};
	raw_start(STEPS(script));
	struct http_client *cl = client_new(R.port, true, 0, NULL);
	struct result res;
	run_stream(cl, "/s", &res);
	ck_assert_msg(res.err == 0, "%s", res.error);
	expect_streamed(&res, "all of it");
	client_free(cl);
	raw_stop();
}
END_TEST

/* Interim answers are skipped (RFC 9110 §15.2); the final one counts. */
START_TEST(test_interim_answers)
{
	static const struct raw_step script[] = {
		{ "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
		  "HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone", RAW_KEEP },
	};
	raw_start(STEPS(script));
	struct http_client *cl = client_new(R.port, true, 0, NULL);
	struct result res;
	run_request(cl, "POST", "/p", "x", &res);
	expect_body(&res, 201, "done");
	client_free(cl);
	raw_stop();
}
END_TEST

/* Bytes after the answer, in the same send, are no answer to the next
 * request (RFC 9112 §6.3): they are dropped with the connection, and the
 * next request goes on a new one and gets its own answer. */
START_TEST(test_extra_bytes_after_answer)
{
	static const struct raw_step script[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"
		  "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED", RAW_KEEP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb", RAW_KEEP },
	};
	raw_start(STEPS(script));
	struct http_client *cl = client_new(R.port, true, 0, NULL);
	struct result res;
	run_request(cl, "GET", "/1", NULL, &res);
	expect_body(&res, 200, "a");
	run_request(cl, "GET", "/2", NULL, &res);
	expect_body(&res, 200, "b");
	ck_assert_uint_eq(R.nconns, 2);
	client_free(cl);
	raw_stop();
}
END_TEST

/* The same for a streamed answer: what follows it is dropped with the
 * connection.  And a stream holds no body, so no length is too large
 * for it. */
START_TEST(test_extra_bytes_after_stream)
{
	static const struct raw_step script[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
		  "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED", RAW_KEEP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb", RAW_KEEP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\nxyz", RAW_CLOSE },
	};
	raw_start(STEPS(script));
	struct http_client *cl = client_new(R.port, true, 0, NULL);
	struct result res;
	run_stream(cl, "/s", &res);
	ck_assert_msg(res.err == 0, "%s", res.error);
	expect_streamed(&res, "abc");
	run_request(cl, "GET", "/2", NULL, &res);
	expect_body(&res, 200, "b");
	ck_assert_uint_eq(R.nconns, 2);
	run_stream(cl, "/big", &res);
	ck_assert(res.head);
	expect_streamed(&res, "xyz");           /* then the close cut it short */
	client_free(cl);
	raw_stop();
}
END_TEST

/* A length past the client's limit is refused as the head says it, not
 * after the body was read; a 101 ends the connection's HTTP, so the next
 * request goes on a new one; a transfer coding other than chunked is
 * refused. */
START_TEST(test_answers_that_end_the_connection)
{
	static const struct raw_step script[] = {
		{ "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n",
		  RAW_KEEP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n", RAW_KEEP },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz", RAW_CLOSE },
	};
	raw_start(STEPS(script));
	struct http_client *cl = client_new(R.port, true, 0, NULL);
	struct result res;
	run_request(cl, "GET", "/up", NULL, &res);
	expect_body(&res, 101, "");
	run_request(cl, "GET", "/big", NULL, &res);
	ck_assert_int_eq(res.err, EMSGSIZE);
	ck_assert_str_eq(res.error, "answer body too large");
	ck_assert_uint_eq(R.nconns, 2);
	/* A coding we never asked for (no TE field) and cannot undo. */
	run_request(cl, "GET", "/gz", NULL, &res);
	ck_assert_int_eq(res.err, EPROTO);
	ck_assert_str_eq(res.error, "answer in a transfer coding other than chunked");
	client_free(cl);
	raw_stop();
}
END_TEST

/* A kept-alive connection the server closes on the next request with no
 * answer: a GET goes again on a new connection; a POST does not (it may
 * have taken effect, RFC 9110 §9.2.2). */
START_TEST(test_retry_safe_only)
{
	static const struct raw_step script[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", RAW_KEEP },
		{ NULL, RAW_CLOSE },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb", RAW_KEEP },
		{ NULL, RAW_RESET },
	};
	raw_start(STEPS(script));
	struct http_client *cl = client_new(R.port, true, 0, NULL);
	struct result res;
	run_request(cl, "GET", "/1", NULL, &res);
	expect_body(&res, 200, "a");
	run_request(cl, "GET", "/2", NULL, &res);       /* closed, then retried */
	expect_body(&res, 200, "b");
	ck_assert_uint_eq(http_client_connections(cl), 2);
	ck_assert_uint_eq(R.nconns, 2);
	run_request(cl, "POST", "/3", "x", &res);       /* reset, not retried */
	ck_assert_int_ne(res.err, 0);
	ck_assert_uint_eq(http_client_connections(cl), 2);
	client_free(cl);
	raw_stop();
}
END_TEST

struct bad_answer {
	const char *name, *answer;
	enum raw_then then;
	int err;
	const char *reason;
};

static const struct bad_answer bad_answers[] = {
	{ "status line", "HTTP/1.1 2x0 OK\r\n\r\n", RAW_KEEP, EPROTO, "malformed status line" },
	{ "not HTTP", "SSH-2.0-OpenSSH\r\n\r\n", RAW_KEEP, EPROTO, "malformed status line" },
	{ "bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", RAW_KEEP, EPROTO,
	  "line ends in LF without CR" },
	{ "chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", RAW_KEEP,
	  EPROTO, "invalid chunk size" },
	{ "two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
	  RAW_KEEP, EPROTO, "conflicting Content-Length values" },
	{ "truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", RAW_CLOSE,
	  EPROTO, "connection closed inside the answer" },
	{ "truncated chunks", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
	  RAW_CLOSE, EPROTO, "connection closed inside the answer" },
	{ "truncated head", "HTTP/1.1 200 OK\r\nContent-Le", RAW_CLOSE,
	  EPROTO, "connection closed inside the answer" },
	{ "closed, no answer", NULL, RAW_CLOSE, ECONNRESET,
	  "connection closed before any answer" },
	{ "reset, no answer", NULL, RAW_RESET, ECONNRESET, NULL },
};

START_TEST(test_bad_answer)
{
	const struct bad_answer *v = &bad_answers[_i];
	const struct raw_step script[] = { { v->answer, v->then } };
	raw_start(script, 1);
	struct http_client *cl = client_new(R.port, true, 0, NULL);
	struct result res;
	run_request(cl, "GET", "/bad", NULL, &res);
	ck_assert_msg(res.err == v->err, "%s: err %d (%s), want %d", v->name, res.err,
		      res.error, v->err);
	if (v->reason)
		ck_assert_str_eq(res.error, v->reason);
	/* The client works again afterwards, on a new connection. */
	client_free(cl);
	raw_stop();
}
END_TEST

/* Silence: ETIMEDOUT after the request's timeout. */
START_TEST(test_timeout)
{
	static const struct raw_step script[] = { { NULL, RAW_SILENCE } };
	raw_start(STEPS(script));
	struct http_client *cl = client_new(R.port, true, 100, NULL);
	struct result res;
	uint64_t t0 = looptest_now_ms();
	run_request(cl, "GET", "/slow", NULL, &res);
	uint64_t took = looptest_now_ms() - t0;
	ck_assert_int_eq(res.err, ETIMEDOUT);
	ck_assert_str_eq(res.error, "no answer in time");
	ck_assert_uint_ge(took, 100 - 50);      /* timers count from the turn's clock reading */
	ck_assert_uint_lt(took, 1000);
	client_free(cl);
	raw_stop();
}
END_TEST

/* Nobody listens: ECONNREFUSED, reported from the loop. */
START_TEST(test_refused)
{
	fixture_start(NULL);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t n = sizeof sa;
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &n), 0);
	uint16_t port = ntohs(sa.sin_port);     /* bound, not listening: refused */
	struct http_client *cl = client_new(port, true, 0, NULL);
	struct result res;
	run_request(cl, "GET", "/", NULL, &res);
	ck_assert_int_eq(res.err, ECONNREFUSED);
	ck_assert_str_eq(res.error, strerror(ECONNREFUSED));
	close(fd);
	client_free(cl);
	fixture_stop();
}
END_TEST

/* One request at a time. */
START_TEST(test_busy)
{
	fixture_start(NULL);
	struct http_client *cl = client_new(F.port, true, 0, NULL);
	struct result res = { 0 }, res2 = { 0 };
	ck_assert_int_eq(http_client_request(cl, "GET", "/hello", NULL, NULL, 0, on_done, &res), 0);
	ck_assert(http_client_busy(cl));
	ck_assert_int_eq(http_client_request(cl, "GET", "/hello", NULL, NULL, 0, on_done, &res2), -1);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert(looptest_run_until(F.loop, &res.done, WIRE_WAIT_MS));
	expect_body(&res, 200, "hello\n");
	ck_assert(!res2.done);
	client_free(cl);
	fixture_stop();
}
END_TEST

/* Freeing a client with a request in flight: no callback, no leak. */
START_TEST(test_free_in_flight)
{
	fixture_start(NULL);
	struct http_client *cl = client_new(F.port, true, 0, NULL);
	struct result res = { 0 };
	ck_assert_int_eq(http_client_request(cl, "GET", "/held", NULL, NULL, 0, on_done, &res), 0);
	ck_assert(fixture_wait_held(1));
	client_free(cl);
	ck_assert(fixture_wait_idle(WIRE_WAIT_MS));
	ck_assert(!res.done);
	/* Refused at once, freed before the loop could report it. */
	struct http_client *cl2 = client_new(1, true, 0, NULL);
	ck_assert_int_eq(http_client_request(cl2, "GET", "/", NULL, NULL, 0, on_done, &res), 0);
	client_free(cl2);
	looptest_run_for(F.loop, 20);
	ck_assert(!res.done);
	fixture_stop();
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("http_client");
	TCase *tc;

	tc = tcase_create("server");
	tcase_add_test(tc, test_get_post_head);
	tcase_add_test(tc, test_large_body);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_keep_alive_one_connection);
	tcase_add_test(tc, test_no_keep_alive_connection_each);
	tcase_add_test(tc, test_stream_pieces);
	tcase_add_test(tc, test_stream_cancel);
	tcase_add_test(tc, test_retry_after_idle_close);
	tcase_add_test(tc, test_busy);
	tcase_add_test(tc, test_free_in_flight);
	suite_add_tcase(s, tc);

	tc = tcase_create("scripted");
	tcase_add_test(tc, test_close_delimited);
	tcase_add_test(tc, test_close_delimited_stream);
	tcase_add_test(tc, test_interim_answers);
	tcase_add_test(tc, test_extra_bytes_after_answer);
	tcase_add_test(tc, test_extra_bytes_after_stream);
	tcase_add_test(tc, test_answers_that_end_the_connection);
	tcase_add_test(tc, test_retry_safe_only);
	tcase_add_loop_test(tc, test_bad_answer, 0, (int)(sizeof bad_answers / sizeof bad_answers[0]));
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}
