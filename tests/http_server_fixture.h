/* http_server_fixture.h -- a test helper, not a test: the real HTTP
 * server (src/http/http_server.h) on 127.0.0.1, on a free port, on a loop
 * the test drives, with one handler of every kind the server supports:
 *
 *   GET  /hello           at once: 200 "hello\n"
 *   POST /echo            at once: 200, the request body back
 *   GET  /big?n=N         at once: 200, N bytes 'a'..'z' repeated
 *   GET  /later?ms=M&tag=T  deferred: 200 "later T\n" from a timer, M ms on
 *   GET  /held            deferred until the test answers it (fixture_answer)
 *   GET  /stream          streamed at once: "one\n", "two\n", end
 *   GET  /ticks           streamed from a timer: "tick 1\n" .. "tick 3\n", end
 *   GET  /upgrade         101, then the socket speaks "echo": bytes come back
 *   GET  /upgrade-later   the same, upgraded from a timer
 *
 * Every deferred handler counts the on_abort it receives (F.aborts), so
 * a test can tell "answered", "aborted once" and "leaked" apart.
 *
 * Included by tests/test_http_server_*.c.
 */
#ifndef PUSHPULL_TESTS_HTTP_SERVER_FIXTURE_H
#define PUSHPULL_TESTS_HTTP_SERVER_FIXTURE_H

#include "http_wire.h"
#include "http/http_server.h"
#include "http/http_target.h"

#define FIX_HELD_MAX 64
#define FIX_UPGRADED_MAX 8

struct fixture {
	struct net_loop *loop;
	struct net_ledger ledger;       /* every server connection pays here */
	struct http_server *srv;
	uint16_t port;
	struct http_exchange *held[FIX_HELD_MAX];
	size_t nheld;
	int aborts;                     /* on_abort calls, all handlers */
	size_t handled;                 /* handler calls, all handlers */
	struct net_conn *upgraded[FIX_UPGRADED_MAX];
	size_t nupgraded;
	size_t echoed;                  /* bytes the echo protocol sent back */
	char last_body[256];            /* what /echo last received (truncated) */
	size_t last_body_len;
};

static struct fixture F;               /* Check runs each test in its own process */

/* --- deferred answers --------------------------------------------------- */

enum { LATER_ANSWER, LATER_TICKS, LATER_UPGRADE };

struct later {
	struct net_timer timer;
	struct http_exchange *x;
	int kind, ticks;
	char tag[16];
};

WIRE_FN void later_abort(struct http_exchange *x, void *ud)
{
	(void)x;
	struct later *l = ud;
	net_timer_stop(F.loop, &l->timer);
	free(l);
	F.aborts++;
}

WIRE_FN size_t echo_data(struct net_conn *c, uint8_t *data, size_t len)
{
	net_conn_write(c, data, len);
	F.echoed += len;
	return len;
}

WIRE_FN void echo_close(struct net_conn *c, int err)
{
	(void)err;
	for (size_t i = 0; i < F.nupgraded; i++)
		if (F.upgraded[i] == c)
			F.upgraded[i] = NULL;
}

static const struct net_conn_ops echo_ops = { .on_data = echo_data, .on_close = echo_close };

static const char UPGRADE_101[] =
	"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n";

WIRE_FN void do_upgrade(struct http_exchange *x)
{
	struct net_conn *c = http_upgrade(x, UPGRADE_101, sizeof UPGRADE_101 - 1, &echo_ops, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_lt(F.nupgraded, FIX_UPGRADED_MAX);
	F.upgraded[F.nupgraded++] = c;
}

WIRE_FN void later_fire(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct later *l = ud;
	if (l->kind == LATER_ANSWER) {
		char body[32];
		int n = snprintf(body, sizeof body, "later %s\n", l->tag);
		struct http_exchange *x = l->x;
		free(l);
		http_respond(x, 200, "text/plain", NULL, body, (size_t)n);
	} else if (l->kind == LATER_UPGRADE) {
		struct http_exchange *x = l->x;
		free(l);
		do_upgrade(x);
	} else if (l->ticks < 3) {
		char line[16];
		int n = snprintf(line, sizeof line, "tick %d\n", ++l->ticks);
		http_stream_send(l->x, line, (size_t)n);
	} else {
		struct http_exchange *x = l->x;
		net_timer_stop(F.loop, &l->timer);
		free(l);
		http_stream_end(x);
	}
}

WIRE_FN struct later *later_new(struct http_exchange *x, int kind, uint64_t ms, uint64_t every)
{
	struct later *l = calloc(1, sizeof *l);
	ck_assert_ptr_nonnull(l);
	l->x = x;
	l->kind = kind;
	net_timer_init(&l->timer, later_fire, l);
	net_timer_start(F.loop, &l->timer, ms, every);
	http_exchange_on_abort(x, later_abort, l);
	return l;
}

/* --- handlers ----------------------------------------------------------- */

WIRE_FN bool query_str(const struct http_request *req, const char *name, char *out, size_t cap)
{
	const char *path, *query;
	size_t plen, qlen, n;
	http_target_split(req->target, req->target_len, &path, &plen, &query, &qlen);
	if (!query || http_query_get(query, qlen, name, out, cap - 1, &n) != HTTP_QUERY_FOUND)
		return false;
	out[n] = '\0';
	return true;
}

WIRE_FN uint64_t query_num(const struct http_request *req, const char *name, uint64_t dflt)
{
	char buf[24];
	uint64_t v;
	if (query_str(req, name, buf, sizeof buf) && http_parse_u64(buf, strlen(buf), &v))
		return v;
	return dflt;
}

WIRE_FN void h_hello(struct http_exchange *x, const struct http_request *req,
		    const char *body, size_t len, void *ud)
{
	(void)req; (void)body; (void)len; (void)ud;
	F.handled++;
	http_respond(x, 200, "text/plain", NULL, "hello\n", 6);
}

WIRE_FN void h_echo(struct http_exchange *x, const struct http_request *req,
		   const char *body, size_t len, void *ud)
{
	(void)req; (void)ud;
	F.handled++;
	F.last_body_len = len;
	memcpy(F.last_body, body, len < sizeof F.last_body ? len : sizeof F.last_body);
	http_respond(x, 200, "application/octet-stream", NULL, body, len);
}

WIRE_FN void h_big(struct http_exchange *x, const struct http_request *req,
		  const char *body, size_t len, void *ud)
{
	(void)body; (void)len; (void)ud;
	F.handled++;
	size_t n = query_num(req, "n", 1000);
	char *buf = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)('a' + i % 26);
	http_respond(x, 200, "text/plain", NULL, buf, n);
	free(buf);
}

WIRE_FN void h_later(struct http_exchange *x, const struct http_request *req,
		    const char *body, size_t len, void *ud)
{
	(void)body; (void)len; (void)ud;
	F.handled++;
	struct later *l = later_new(x, LATER_ANSWER, query_num(req, "ms", 30), 0);
	if (!query_str(req, "tag", l->tag, sizeof l->tag))
		strcpy(l->tag, "-");
}

WIRE_FN void held_abort(struct http_exchange *x, void *ud)
{
	(void)ud;
	for (size_t i = 0; i < F.nheld; i++)
		if (F.held[i] == x)
			F.held[i] = NULL;
	F.aborts++;
}

WIRE_FN void h_held(struct http_exchange *x, const struct http_request *req,
		   const char *body, size_t len, void *ud)
{
	(void)req; (void)body; (void)len; (void)ud;
	F.handled++;
	ck_assert_uint_lt(F.nheld, FIX_HELD_MAX);
	F.held[F.nheld++] = x;
	http_exchange_on_abort(x, held_abort, NULL);
}

/* Answers the i-th held request with 200 'body'. */
WIRE_FN void fixture_answer(size_t i, const char *body)
{
	ck_assert_ptr_nonnull(F.held[i]);
	struct http_exchange *x = F.held[i];
	F.held[i] = NULL;
	http_respond(x, 200, "text/plain", NULL, body, strlen(body));
}

WIRE_FN void h_stream(struct http_exchange *x, const struct http_request *req,
		     const char *body, size_t len, void *ud)
{
	(void)req; (void)body; (void)len; (void)ud;
	F.handled++;
	if (http_stream_start(x, 200, "text/plain", NULL) != 0)
		return;                 /* HEAD: the head was the whole answer */
	http_stream_send(x, "one\n", 4);
	http_stream_send(x, "two\n", 4);
	http_stream_end(x);
}

WIRE_FN void h_ticks(struct http_exchange *x, const struct http_request *req,
		    const char *body, size_t len, void *ud)
{
	(void)req; (void)body; (void)len; (void)ud;
	F.handled++;
	if (http_stream_start(x, 200, "text/plain", NULL) != 0)
		return;
	later_new(x, LATER_TICKS, 5, 5);
}

WIRE_FN void h_upgrade(struct http_exchange *x, const struct http_request *req,
		      const char *body, size_t len, void *ud)
{
	(void)body; (void)len;
	F.handled++;
	if (!req->upgrade || !http_slice_equals(req->upgrade, req->upgrade_len, "echo")) {
		http_respond(x, 426, "text/plain", "Upgrade: echo\r\nConnection: Upgrade\r\n",
			     "upgrade to echo\n", 16);
		return;
	}
	if (ud)
		later_new(x, LATER_UPGRADE, 20, 0);
	else
		do_upgrade(x);
}

/* --- the fixture -------------------------------------------------------- */

/* Starts the server; 'cfg' may be NULL (defaults). */
WIRE_FN void fixture_start(const struct http_server_config *cfg)
{
	memset(&F, 0, sizeof F);
	F.loop = net_loop_new(NULL);
	ck_assert_ptr_nonnull(F.loop);
	net_ledger_init(&F.ledger, "server");
	struct http_server_config c = { 0 };
	if (cfg)
		c = *cfg;
	c.ledger = &F.ledger;
	F.srv = http_server_new(F.loop, &c);
	ck_assert_msg(F.srv != NULL, "http_server_new: %s", strerror(errno));
	F.port = http_server_port(F.srv);
	static int marker;                      /* any non-NULL 'ud': upgrade later */
	ck_assert_int_eq(http_server_route(F.srv, "GET", "/hello", h_hello, NULL), 0);
	ck_assert_int_eq(http_server_route(F.srv, "POST", "/echo", h_echo, NULL), 0);
	ck_assert_int_eq(http_server_route(F.srv, "GET", "/big", h_big, NULL), 0);
	ck_assert_int_eq(http_server_route(F.srv, "GET", "/later", h_later, NULL), 0);
	ck_assert_int_eq(http_server_route(F.srv, "GET", "/held", h_held, NULL), 0);
	ck_assert_int_eq(http_server_route(F.srv, "GET", "/stream", h_stream, NULL), 0);
	ck_assert_int_eq(http_server_route(F.srv, "GET", "/ticks", h_ticks, NULL), 0);
	ck_assert_int_eq(http_server_route(F.srv, "GET", "/upgrade", h_upgrade, NULL), 0);
	ck_assert_int_eq(http_server_route(F.srv, "GET", "/upgrade-later", h_upgrade, &marker), 0);
}

/* Frees everything, running the turns that free closed connections. */
WIRE_FN void fixture_stop(void)
{
	for (size_t i = 0; i < F.nupgraded; i++)
		if (F.upgraded[i])
			net_conn_abort(F.upgraded[i], 0);
	http_server_free(F.srv);
	net_loop_run_once(F.loop, 0);
	net_loop_run_once(F.loop, 0);
	net_loop_free(F.loop);
}

WIRE_FN bool no_connections(void *arg)
{
	(void)arg;
	return http_server_connections(F.srv) == 0;
}

/* Runs the loop until the server holds no connection. */
WIRE_FN bool fixture_wait_idle(int ms)
{
	return net_loop_run_until(F.loop, no_connections, NULL, ms);
}

struct fix_count { size_t *n; size_t want; };

WIRE_FN bool count_reached(void *arg)
{
	struct fix_count *c = arg;
	return *c->n >= c->want;
}

/* Runs the loop until 'n' requests are held by /held. */
WIRE_FN bool fixture_wait_held(size_t n)
{
	struct fix_count c = { &F.nheld, n };
	return net_loop_run_until(F.loop, count_reached, &c, WIRE_WAIT_MS);
}

/* Proof that a connection is still open: the server answers on it. */
#define expect_open(w) expect_open_at((w), __LINE__)
WIRE_FN void expect_open_at(struct wire *w, int line)
{
	static const char ans[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
				  "Content-Length: 6\r\n\r\nhello\n";
	wire_sends(w, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	wire_expect_n(w, ans, sizeof ans - 1, line);
}

/* A refusal: the error answer (RFC 9110 §15 phrase, reason as body),
 * then the close. */
#define expect_refusal(w, status, reason) expect_refusal_at((w), (status), (reason), __LINE__)
WIRE_FN void expect_refusal_at(struct wire *w, const char *status, const char *reason, int line)
{
	char want[512];
	snprintf(want, sizeof want,
		 "HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
		 status, strlen(reason) + 1, reason);
	wire_expect_n(w, want, strlen(want), line);
	wire_expect_close_at(w, line);
}

#endif
