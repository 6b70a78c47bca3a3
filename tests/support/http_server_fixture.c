/* http_server_fixture.c -- see http_server_fixture.h. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_target.h"
#include "support/http_server_fixture.h"

struct fixture F;                       /* the one fixture: see the header */

/* --- deferred answers --------------------------------------------------- */

enum { LATER_ANSWER, LATER_TICKS, LATER_UPGRADE };

struct later {
	struct net_timer timer;
	struct http_exchange *x;
	int kind, ticks;
	char tag[16];
};

static void later_abort(struct http_exchange *x, void *ud)
{
	(void)x;
	struct later *l = ud;
	net_timer_stop(F.loop, &l->timer);
	free(l);
	F.aborts++;
}

static size_t echo_data(struct net_conn *c, uint8_t *data, size_t len)
{
	net_conn_write(c, data, len);
	F.echoed += len;
	return len;
}

static void echo_close(struct net_conn *c, int err)
{
	(void)err;
	for (size_t i = 0; i < F.nupgraded; i++)
		if (F.upgraded[i] == c)
			F.upgraded[i] = NULL;
}

static const struct net_conn_ops echo_ops = { .on_data = echo_data, .on_close = echo_close };

static void do_upgrade(struct http_exchange *x)
{
	struct net_conn *c = http_upgrade(x, UPGRADE_101, strlen(UPGRADE_101), &echo_ops, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_lt(F.nupgraded, FIX_UPGRADED_MAX);
	F.upgraded[F.nupgraded++] = c;
}

static void later_fire(struct net_loop *loop, struct net_timer *t, void *ud)
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

static struct later *later_new(struct http_exchange *x, int kind, uint64_t ms, uint64_t every)
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

static bool query_str(const struct http_request *req, const char *name, char *out, size_t cap)
{
	const char *path, *query;
	size_t plen, qlen, n;
	http_target_split(req->target, req->target_len, &path, &plen, &query, &qlen);
	if (!query || http_query_get(query, qlen, name, out, cap - 1, &n) != HTTP_QUERY_FOUND)
		return false;
	out[n] = '\0';
	return true;
}

static uint64_t query_num(const struct http_request *req, const char *name, uint64_t dflt)
{
	char buf[24];
	uint64_t v;
	if (query_str(req, name, buf, sizeof buf) && http_parse_u64(buf, strlen(buf), &v))
		return v;
	return dflt;
}

static void h_hello(struct http_exchange *x, const struct http_request *req,
		    const char *body, size_t len, void *ud)
{
	(void)req; (void)body; (void)len; (void)ud;
	F.handled++;
	http_respond(x, 200, "text/plain", NULL, "hello\n", 6);
}

static void h_echo(struct http_exchange *x, const struct http_request *req,
		   const char *body, size_t len, void *ud)
{
	(void)req; (void)ud;
	F.handled++;
	F.last_body_len = len;
	memcpy(F.last_body, body, len < sizeof F.last_body ? len : sizeof F.last_body);
	http_respond(x, 200, "application/octet-stream", NULL, body, len);
}

static void h_big(struct http_exchange *x, const struct http_request *req,
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

static void h_later(struct http_exchange *x, const struct http_request *req,
		    const char *body, size_t len, void *ud)
{
	(void)body; (void)len; (void)ud;
	F.handled++;
	struct later *l = later_new(x, LATER_ANSWER, query_num(req, "ms", 30), 0);
	if (!query_str(req, "tag", l->tag, sizeof l->tag))
		strcpy(l->tag, "-");
}

static void held_abort(struct http_exchange *x, void *ud)
{
	(void)ud;
	for (size_t i = 0; i < F.nheld; i++)
		if (F.held[i] == x)
			F.held[i] = NULL;
	F.aborts++;
}

static void h_held(struct http_exchange *x, const struct http_request *req,
		   const char *body, size_t len, void *ud)
{
	(void)req; (void)body; (void)len; (void)ud;
	F.handled++;
	ck_assert_uint_lt(F.nheld, FIX_HELD_MAX);
	F.held[F.nheld++] = x;
	http_exchange_on_abort(x, held_abort, NULL);
}

/* Answers the i-th held request with 200 'body'. */
void fixture_answer(size_t i, const char *body)
{
	ck_assert_ptr_nonnull(F.held[i]);
	struct http_exchange *x = F.held[i];
	F.held[i] = NULL;
	http_respond(x, 200, "text/plain", NULL, body, strlen(body));
}

static void h_stream(struct http_exchange *x, const struct http_request *req,
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

static void h_ticks(struct http_exchange *x, const struct http_request *req,
		    const char *body, size_t len, void *ud)
{
	(void)req; (void)body; (void)len; (void)ud;
	F.handled++;
	if (http_stream_start(x, 200, "text/plain", NULL) != 0)
		return;
	later_new(x, LATER_TICKS, 5, 5);
}

static void h_upgrade(struct http_exchange *x, const struct http_request *req,
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
void fixture_start(const struct http_server_config *cfg)
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
void fixture_stop(void)
{
	for (size_t i = 0; i < F.nupgraded; i++)
		if (F.upgraded[i])
			net_conn_abort(F.upgraded[i], 0);
	http_server_free(F.srv);
	net_loop_run_once(F.loop, 0);
	net_loop_run_once(F.loop, 0);
	net_loop_free(F.loop);
}

static bool no_connections(void *arg)
{
	(void)arg;
	return http_server_connections(F.srv) == 0;
}

/* Runs the loop until the server holds no connection. */
bool fixture_wait_idle(int ms)
{
	return net_loop_run_until(F.loop, no_connections, NULL, ms);
}

bool fixture_count_reached(void *arg)
{
	struct fixture_count *c = arg;
	return *c->n >= c->want;
}

/* Runs the loop until 'n' requests are held by /held. */
bool fixture_wait_held(size_t n)
{
	struct fixture_count c = { &F.nheld, n };
	return net_loop_run_until(F.loop, fixture_count_reached, &c, WIRE_WAIT_MS);
}

/* --- expectations on a wire --------------------------------------------- */

void expect_open_at(struct wire *w, int line)
{
	static const char ans[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
				  "Content-Length: 6\r\n\r\nhello\n";
	wire_sends(w, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	wire_expect_n(w, ans, sizeof ans - 1, line);
}

void expect_refusal_at(struct wire *w, const char *status, const char *reason, int line)
{
	char want[512];
	snprintf(want, sizeof want,
		 "HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
		 status, strlen(reason) + 1, reason);
	wire_expect_n(w, want, strlen(want), line);
	wire_expect_close_at(w, line);
}
