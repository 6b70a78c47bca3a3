/* http_server.c -- HTTP/1.1 server connections on src/net: reading
 * requests, routing them, the queue of answers, timers.
 *
 * http_server.h says what a connection does; this is how.  The answers
 * themselves are written by http_exchange.c; http_server_private.h holds
 * the structs both files share and explains the queue.
 *
 *   on_data --read_head, read_body--> dispatch --route--> handler
 *     --http_respond--> (http_exchange.c) write now, or hold -->
 *     http__conn_advance (pop, flush the next, resume reading, restart
 *     the timer)
 *
 * The parsing loop in on_data stops when: the bytes run out (a partial
 * request waits for more, under the request timer); HTTP_PIPELINE_MAX
 * requests are in flight or the output queue is past its high-water
 * mark (reading pauses until answers drain); a request said "close" or
 * was refused (nothing after it is read: RFC 9112 §9.6, §11.2); an
 * upgrade request is being handled (the bytes after it may be WebSocket
 * frames, not HTTP).
 *
 * Read next: http_exchange.c.
 */
#include "http/http_server_private.h"
#include "net/limits.h"
#include "http/http_target.h"
#include "http/http_writer.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct net_conn_ops conn_ops;
static void update_timer(struct http_conn *hc);

/* --- the queue of exchanges --------------------------------------------- */

static void resume(struct http_conn *hc)
{
	if (hc->paused && hc->state == HC_READING && !hc->barrier &&
	    hc->inflight < HTTP_PIPELINE_MAX && !net_conn_backlogged(hc->nc)) {
		hc->paused = false;
		net_conn_resume_read(hc->nc);   /* held bytes come back to on_data */
	}
}

/* No more requests: flush what is queued, then close (gracefully). */
static void close_conn(struct http_conn *hc)
{
	hc->state = HC_STOPPED;
	net_timer_stop(net_conn_loop(hc->nc), &hc->timer);
	net_conn_close(hc->nc);
}

/* Tells every exchange not yet answered that it never will be, and
 * frees the queue.  An exchange is marked done before its on_abort runs,
 * so an answer attempted from inside the callback is refused. */
static void abort_exchanges(struct http_conn *hc)
{
	while (hc->first) {
		struct http_exchange *x = hc->first;
		hc->first = x->next;
		bool pending = x->state != X_DONE;
		x->state = X_DONE;
		if (pending && x->on_abort)
			x->on_abort(x, x->abort_ud);
		http__exchange_free(hc->srv, x);
	}
	hc->last = NULL;
	hc->inflight = 0;
}

/* "Expect: 100-continue" (RFC 9110 §10.1.1): the interim answer is an
 * answer too, so it waits until every earlier exchange is out. */
static void send_continue(struct http_conn *hc)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	if (hc->owe_continue && !hc->first) {
		hc->owe_continue = false;
		net_conn_write(hc->nc, cont, sizeof cont - 1);
	}
}

/* Pops finished exchanges off the front; the next one in line writes
 * what it held.  Closes the connection after an answer that said so. */
void http__conn_advance(struct http_conn *hc)
{
	while (hc->first && hc->first->state == X_DONE) {
		struct http_exchange *x = hc->first;
		hc->first = x->next;
		if (!hc->first)
			hc->last = NULL;
		assert(hc->inflight > 0);       /* it counts the exchanges in the queue */
		hc->inflight--;
		bool close_after = x->close_after;
		http__exchange_free(hc->srv, x);
		if (close_after) {
			close_conn(hc);
			return;
		}
		struct http_exchange *next = hc->first;
		if (next && next->held_len > 0) {
			/* Taken out first: a failed write frees 'next' (on_close). */
			uint8_t *held = next->held;
			size_t n = next->held_len;
			next->held = NULL;
			next->held_len = next->held_cap = 0;
			int r = net_conn_write(hc->nc, held, n);
			free(held);
			if (r < 0)
				return;         /* closed: on_close has cleaned up */
		}
	}
	if (!hc->first)
		hc->barrier = false;            /* resume() hands back the held bytes */
	send_continue(hc);
	resume(hc);
	update_timer(hc);
}

/* --- timers ------------------------------------------------------------- */

static void on_timer(struct net_loop *loop, struct net_timer *t, void *ud);

/* One timer per connection, two deadlines.  The request deadline runs
 * from the first byte of a request until it is complete, and later bytes
 * of the same request do not move it: a client that sends one byte a
 * second still runs out of time.  (dispatch() clears it, so the next
 * request gets a deadline of its own.)  The idle deadline runs while
 * nothing is in flight.  Handlers time what they hold themselves.
 *
 * The timer is kept lazily: a deadline that moves later does not move the
 * timer -- it fires at the old time, finds the new deadline, and sleeps
 * again -- so a keep-alive request costs no heap operation at all. */
static void update_timer(struct http_conn *hc)
{
	struct net_loop *loop = net_conn_loop(hc->nc);
	struct http_server *s = hc->srv;
	uint64_t now = net_loop_now(loop);
	if (hc->state != HC_READING) {
		hc->deadline = 0;
		net_timer_stop(loop, &hc->timer);
		return;
	}
	if (hc->partial) {
		if (!hc->timer_is_request) {
			hc->timer_is_request = true;
			hc->deadline = now + s->request_timeout_ms;
		}
	} else if (hc->inflight == 0) {
		hc->timer_is_request = false;
		hc->deadline = now + s->idle_timeout_ms;
	} else {
		hc->timer_is_request = false;
		hc->deadline = 0;               /* if the timer fires, it does nothing */
		return;
	}
	if (!net_timer_armed(&hc->timer) || net_timer_due(&hc->timer) > hc->deadline)
		net_timer_start(loop, &hc->timer, hc->deadline - now, 0);
}

/* Whether the request in p[0..n) -- incomplete or invalid, perhaps --
 * names the method HEAD, after the empty lines a request may follow
 * (RFC 9112 §2.2).  Its answer has no body then, a refusal's neither
 * (RFC 9110 §9.3.2). */
static bool asks_head(const char *p, size_t n)
{
	while (n >= 2 && p[0] == '\r' && p[1] == '\n') {
		p += 2;
		n -= 2;
	}
	static const char head[] = "HEAD ";
	return n >= sizeof head - 1 && memcmp(p, head, sizeof head - 1) == 0;
}

/* Refuses what arrived with 'status': the answer goes in line after the
 * earlier ones, and then the connection closes.  Nothing more is read.
 * 'head': the request asked for HEAD, so the head goes alone. */
static void refuse(struct http_conn *hc, int status, const char *reason, bool head)
{
	char buf[512], date[64];
	/* Date: a 4xx from a server with a clock must carry one (RFC 9110 §6.6.1). */
	snprintf(date, sizeof date, "Date: %s\r\n", http__server_date(hc->srv));
	ssize_t n = head ? http_write_error_head(buf, sizeof buf, status, reason, date)
			 : http_write_error(buf, sizeof buf, status, reason, date);
	hc->state = HC_STOPPED;
	hc->partial = false;
	struct http_exchange *x = http__exchange_new(hc);
	if (!x || n < 0) {
		net_conn_abort(hc->nc, ENOMEM);
		return;
	}
	x->close_after = true;
	struct iovec v = { buf, (size_t)n };
	http__exchange_finish(x, &v, 1);
}

static void on_timer(struct net_loop *loop, struct net_timer *t, void *ud)
{
	struct http_conn *hc = ud;
	uint64_t now = net_loop_now(loop);
	if (hc->deadline == 0 || hc->state != HC_READING)
		return;                         /* nothing is due any more */
	if (now < hc->deadline) {
		net_timer_start(loop, t, hc->deadline - now, 0);        /* it moved later */
		return;
	}
	if (hc->timer_is_request)
		refuse(hc, 408, "request timeout", hc->partial_head);   /* RFC 9110 §15.5.9 */
	else
		close_conn(hc);
}

/* --- routing ------------------------------------------------------------ */

/* The path of a target: origin-form "/p?q" or absolute-form
 * "http://host/p?q" (RFC 9112 §3.2.2: a server must accept it), whose
 * empty path -- "http://host" or "http://host?q" -- means "/" (RFC 9110
 * §4.2.3). */
static void target_path(const struct http_request *req, const char **p, size_t *n)
{
	const char *t = req->target, *q;
	size_t len = req->target_len, qn;
	if (req->target_form == HTTP_TARGET_ABSOLUTE) {
		const char *authority;
		size_t alen;
		http_target_absolute_split(t, len, &authority, &alen, &t, &len);
		if (len == 0 || t[0] == '?') {
			*p = "/";
			*n = 1;
			return;
		}
	}
	http_target_split(t, len, p, n, &q, &qn);
}

/* An absolute-form target of the scheme "http", in any case (RFC 3986
 * §3.1: schemes are case-insensitive). */
static bool scheme_is_http(const struct http_request *req)
{
	const char *colon = memchr(req->target, ':', req->target_len);
	return colon && http_slice_equals(req->target, (size_t)(colon - req->target), "http");
}

static bool method_is(const struct http_request *req, const char *m)
{
	return http_slice_is(req->method, req->method_len, m);  /* case-sensitive, RFC 9110 §9.1 */
}

/* A method we know: one of RFC 9110 §9 or one some route serves.  Any
 * other earns 501, whatever the path (RFC 9110 §9.1). */
static bool method_known(const struct http_server *s, const struct http_request *req)
{
	static const char *const standard[] = {
		"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
	};
	for (size_t i = 0; i < sizeof standard / sizeof standard[0]; i++)
		if (method_is(req, standard[i]))
			return true;
	for (size_t i = 0; i < s->nroutes; i++)
		if (method_is(req, s->routes[i].method))
			return true;
	return false;
}

/* Appends 'm' to the list of methods in 'a' unless it is there already. */
static void allow_add(char *a, size_t cap, const char *m)
{
	size_t n = strlen(m), len = strlen(a);
	for (const char *p = a; (p = strstr(p, m)) != NULL; p += n)
		if ((p == a || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return;
	snprintf(a + len, cap - len, "%s%s", len ? ", " : "", m);
}

/* Finds the handler of a request by exact path and method ("GET" serves
 * HEAD too); else answers 501 for an unknown method, 404, 405 with Allow
 * (RFC 9110 §15.5.6), or -- for OPTIONS -- 204 with Allow (§9.3.7),
 * "OPTIONS *" listing every method of the server.  A method that some
 * route serves is known, so the search for the handler comes first. */
static void route(struct http_exchange *x, const struct http_request *req,
		  const char *body, size_t body_len)
{
	struct http_server *s = x->hc->srv;
	bool any_path = req->target_form == HTTP_TARGET_ASTERISK;
	const char *path = NULL;
	size_t plen = 0;
	if (req->target_form == HTTP_TARGET_ABSOLUTE && !scheme_is_http(req)) {
		/* "https://h/x" over this cleartext connection, or "ftp://h/x":
		 * a URI that does not match the connection it came on (RFC 9110
		 * §7.4, §15.5.20). */
		http_respond_text(x, 421, NULL, "this server serves http: URIs only\n");
		return;
	}
	if (!any_path) {
		target_path(req, &path, &plen);
		bool head = method_is(req, "HEAD");
		for (size_t i = 0; i < s->nroutes; i++) {
			const struct http_route *r = &s->routes[i];
			if (r->path_len == plen && memcmp(r->path, path, plen) == 0 &&
			    (method_is(req, r->method) || (head && strcmp(r->method, "GET") == 0))) {
				r->fn(x, req, body, body_len, r->ud);
				return;
			}
		}
	}
	if (!method_known(s, req)) {
		http_respond_text(x, 501, NULL, "unknown method\n");
		return;
	}
	if (req->target_form == HTTP_TARGET_AUTHORITY) {
		/* CONNECT asks for a tunnel (RFC 9110 §9.3.6), and no route
		 * here opens one: 501, as for a method we do not carry out
		 * (§9.1), rather than 404 for a "path" that is a host. */
		http_respond_text(x, 501, NULL, "no tunnels here\n");
		return;
	}
	char allow[192] = "";
	bool path_known = false;
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct http_route *r = &s->routes[i];
		if (!any_path && (r->path_len != plen || memcmp(r->path, path, plen) != 0))
			continue;
		path_known = true;
		allow_add(allow, sizeof allow, r->method);
		if (strcmp(r->method, "GET") == 0)
			allow_add(allow, sizeof allow, "HEAD");
	}
	if (!path_known && !any_path) {
		http_respond_text(x, 404, NULL, "not found\n");
		return;
	}
	allow_add(allow, sizeof allow, "OPTIONS");
	char field[sizeof allow + 16];
	snprintf(field, sizeof field, "Allow: %s\r\n", allow);
	if (method_is(req, "OPTIONS"))
		http_respond(x, 204, NULL, field, NULL, 0);
	else
		http_respond_text(x, 405, field, "method not allowed\n");
}

/* One complete request: queue an exchange, then route it. */
static void dispatch(struct http_conn *hc, const struct http_request *req,
		     const char *body, size_t body_len)
{
	struct http_exchange *x = http__exchange_new(hc);
	if (!x) {
		net_conn_abort(hc->nc, ENOMEM);
		return;
	}
	x->head = method_is(req, "HEAD");
	x->close_after = !req->keep_alive;      /* RFC 9112 §9.3 */
	x->minor = (uint8_t)req->minor_version;
	x->upgrade = req->upgrade != NULL && req->connection_upgrade;
	if (!req->keep_alive)
		hc->state = HC_STOPPED;         /* "close": read no further request */
	if (x->upgrade)
		hc->barrier = true;             /* until it is answered, or upgraded */
	hc->owe_continue = false;
	hc->timer_is_request = false;           /* the next request times anew */
	hc->deadline = 0;
	/* A second request: this connection keeps talking, so its small
	 * answers must not wait behind Nagle for the peer's delayed ACK.  (A
	 * connection that asks once and goes never pays the setsockopt.) */
	if (hc->requests++ > 0)
		net_conn_set_nodelay(hc->nc, true);
	route(x, req, body, body_len);          /* 'x' may be gone after this */
}

/* --- reading ------------------------------------------------------------ */

/* Reading may go on: there is room in the pipeline and in the output
 * queue.  If not, reading pauses; http__conn_advance (an answer left the
 * line) or on_drain (the queue emptied) resumes it, and src/net hands the
 * unread requests back. */
static bool room_to_read(struct http_conn *hc)
{
	if (hc->inflight >= HTTP_PIPELINE_MAX || net_conn_backlogged(hc->nc)) {
		hc->paused = true;
		net_conn_pause_read(hc->nc);
		return false;
	}
	return true;
}

/* Stage 1: the head of the next request, at data + *off.  A request
 * without a body is dispatched at once.  Returns true to read on -- the
 * next request, or this one's body (hc->in_body) -- and false to stop:
 * the head is incomplete or refused, or it asks for an upgrade that must
 * wait its turn. */
static bool read_head(struct http_conn *hc, char *data, size_t len, size_t *off,
		      struct http_request *req)
{
	struct http_server *s = hc->srv;
	size_t n = len - *off;
	ssize_t r = http_request_parse(&hc->parser, data + *off, n, req, &s->limits);
	if (r == HTTP_INCOMPLETE) {
		/* Empty lines alone are no request begun (RFC 9112 §2.2): they
		 * start no request deadline, and are not kept. */
		*off += http_parser_drop_empty_lines(&hc->parser);
		hc->partial = *off < len;
		hc->partial_head = asks_head(data + *off, len - *off);
		return false;
	}
	if (r == HTTP_INVALID) {
		enum http_error e = http_parser_error(&hc->parser);
		refuse(hc, http_error_status(e), http_error_reason(e), asks_head(data + *off, n));
		return false;
	}
	if (req->upgrade && req->connection_upgrade && hc->inflight > 0) {
		/* An upgrade takes the whole connection: wait until every
		 * earlier answer is out, then read it again. */
		http_parser_init(&hc->parser);
		hc->barrier = true;
		return false;
	}
	if (req->framing == HTTP_FRAMING_NONE) {
		*off += (size_t)r;
		dispatch(hc, req, NULL, 0);
		return true;
	}
	http_body_init_request(&hc->body, req, &s->limits);
	hc->head_len = (uint32_t)r;
	hc->in_body = true;
	/* Nothing of a non-empty body yet: invite it, once the answers
	 * before it are out (RFC 9110 §10.1.1). */
	hc->owe_continue = req->expect_continue && n == (size_t)r &&
			   (req->framing == HTTP_FRAMING_CHUNKED || req->content_length > 0);
	send_continue(hc);
	return true;
}

/* Stage 2: the body of the request whose head -- hc->head_len bytes,
 * parsed already -- is at data + *off.  Once the body is whole the
 * request is dispatched.  Returns true to read on, false to stop: the
 * body is incomplete, or refused. */
static bool read_body(struct http_conn *hc, char *data, size_t len, size_t *off,
		      struct http_request *req)
{
	char *p = data + *off;
	size_t n = len - *off, body_len = 0;
	/* The head is not consumed until its body is whole: src/net holds
	 * it, and hands it back in front of the body's bytes. */
	assert(hc->head_len <= n);
	ssize_t r = http_body_decode_in_place(&hc->body, p + hc->head_len, n - hc->head_len,
					      &body_len);
	if (r == HTTP_INCOMPLETE) {
		if (n > hc->head_len)
			hc->owe_continue = false;       /* the body is coming anyway */
		if (n >= NET_IN_CAP) {
			/* Chunk framing can make a body far longer on the wire
			 * than decoded: it must still fit src/net's input cap,
			 * or the connection would be cut without an answer. */
			refuse(hc, 413, "request too large on the wire", asks_head(p, n));
			return false;
		}
		hc->partial = true;
		hc->partial_head = asks_head(p, n);
		return false;
	}
	if (r == HTTP_INVALID) {
		enum http_error e = (enum http_error)hc->body.error;
		refuse(hc, http_error_status(e), http_error_reason(e), asks_head(p, n));
		return false;
	}
	/* The head's slices may point at bytes that have moved since it was
	 * parsed: parse it again, here (http_body.h). */
	http_parser_init(&hc->parser);
	http_request_parse(&hc->parser, p, hc->head_len, req, &hc->srv->limits);
	hc->in_body = false;
	*off += hc->head_len + (size_t)r;
	dispatch(hc, req, p + hc->head_len, body_len);
	return true;
}

/* After the reading: 'off' of the 'len' bytes were consumed. */
static size_t done_reading(struct http_conn *hc, struct net_conn *nc, size_t off, size_t len)
{
	if (hc->state == HC_UPGRADED) {
		/* http_upgrade() handed the socket on; this conn is ours to free. */
		free(hc);
		return off;
	}
	/* Bytes after a refused or "close" request stay unconsumed: then a
	 * graceful close lingers and reads them, and the peer gets our answer
	 * rather than a reset (net/conn.h, "Closing"). */
	if (net_conn_closing(nc))
		return off;
	if (hc->barrier && off < len && !hc->paused) {
		hc->paused = true;              /* http__conn_advance() resumes when the line is clear */
		net_conn_pause_read(nc);
	}
	update_timer(hc);
	return off;
}

/* Reads requests, one stage at a time -- a head, then its body if it has
 * one -- for as long as the loop at the top of this file allows. */
static size_t on_data(struct net_conn *nc, uint8_t *bytes, size_t len)
{
	struct http_conn *hc = net_conn_ud(nc);
	struct http_server *s = hc->srv;
	char *data = (char *)bytes;
	size_t off = 0;
	struct http_header fields[HTTP_MAX_FIELDS];
	struct http_request req;
	/* The queue's invariant between callbacks (http_server_private.h):
	 * a done exchange at the front would have been popped. */
	assert(!hc->first || hc->first->state != X_DONE);
	hc->partial = false;
	hc->in_on_data = true;
	while (off < len && hc->state == HC_READING && !hc->barrier && !net_conn_closing(nc)) {
		if (!room_to_read(hc))
			break;
		memset(&req, 0, sizeof req);
		req.headers = fields;
		req.header_cap = s->limits.max_fields < HTTP_MAX_FIELDS
				 ? s->limits.max_fields : HTTP_MAX_FIELDS;
		if (!hc->in_body && !read_head(hc, data, len, &off, &req))
			break;
		if (hc->in_body && !read_body(hc, data, len, &off, &req))
			break;
	}
	hc->in_on_data = false;
	return done_reading(hc, nc, off, len);
}

/* The peer sent FIN.  With nothing pending we close.  With an answer
 * still owed (a held long poll, a stream) the client has left -- a
 * half-closed HTTP client that still waits is too rare to hold state for,
 * and without this a vanished long poller would be noticed only when its
 * answer is written: the exchanges are aborted, and what is already
 * queued is flushed before the close. */
static void on_eof(struct net_conn *nc)
{
	struct http_conn *hc = net_conn_ud(nc);
	abort_exchanges(hc);
	close_conn(hc);
}

static void on_drain(struct net_conn *nc)
{
	struct http_conn *hc = net_conn_ud(nc);
	resume(hc);
	struct http_exchange *x = hc->first;
	if (x && x->state == X_STREAMING && x->on_drain && !net_conn_closing(nc))
		x->on_drain(x, x->drain_ud);
}

void http__conn_unlink(struct http_conn *hc)
{
	struct http_server *s = hc->srv;
	if (hc->prev)
		hc->prev->next = hc->next;
	else
		s->conns = hc->next;
	if (hc->next)
		hc->next->prev = hc->prev;
	hc->prev = hc->next = NULL;
	s->nconns--;
}

static void free_conn(struct net_loop *loop, void *ud)
{
	(void)loop;
	free(ud);
}

static void on_close(struct net_conn *nc, int err)
{
	(void)err;
	struct http_conn *hc = net_conn_ud(nc);
	net_timer_stop(net_conn_loop(nc), &hc->timer);
	abort_exchanges(hc);
	http__conn_unlink(hc);
	hc->state = HC_STOPPED;
	/* Freed after this turn: on_data may be below us on the stack. */
	if (net_loop_defer(net_conn_loop(nc), free_conn, hc) < 0 && !hc->in_on_data)
		free(hc);
}

static const struct net_conn_ops conn_ops = {
	.on_data = on_data, .on_eof = on_eof, .on_drain = on_drain, .on_close = on_close,
};

static void on_accept(struct net_listener *l, struct net_conn *nc, void *ud)
{
	(void)l;
	struct http_server *s = ud;
	struct http_conn *hc = calloc(1, sizeof *hc);
	if (!hc) {
		net_conn_abort(nc, ENOMEM);
		return;
	}
	hc->srv = s;
	hc->nc = nc;
	net_timer_init(&hc->timer, on_timer, hc);
	hc->next = s->conns;
	if (s->conns)
		s->conns->prev = hc;
	s->conns = hc;
	s->nconns++;
	net_conn_set_ops(nc, &conn_ops, hc);
	update_timer(hc);
}

/* --- the server --------------------------------------------------------- */

struct http_server *http_server_new(struct net_loop *loop,
				    const struct http_server_config *cfg)
{
	struct http_server *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->loop = loop;
	s->limits = cfg->limits.max_head ? cfg->limits : http_limits_default;
	s->request_timeout_ms = cfg->request_timeout_ms ? cfg->request_timeout_ms
							: HTTP_REQUEST_TIMEOUT_MS;
	s->idle_timeout_ms = cfg->idle_timeout_ms ? cfg->idle_timeout_ms : HTTP_IDLE_TIMEOUT_MS;
	s->listener = (cfg->shared_port ? net_listen_shared : net_listen)(
		loop, cfg->host, cfg->port, cfg->backlog, on_accept, s, cfg->ledger);
	if (!s->listener) {
		int err = errno;
		free(s);
		errno = err;
		return NULL;
	}
	/* An HTTP client speaks first: meet it when its request has come.
	 * (Not fatal if refused: connections are then met at once.) */
	(void)net_listener_wait_for_data(s->listener, HTTP_ACCEPT_WAIT_S);
	/* A connection over the loop's limits (net/limits.h) is refused
	 * before any of this file sees it; it is told why.  (A 5xx may go
	 * without Date, RFC 9110 §6.6.1.) */
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
		"Retry-After: 1\r\nContent-Type: text/plain\r\nContent-Length: 21\r\n"
		"Connection: close\r\n\r\ntoo many connections\n";
	(void)net_listener_set_refusal(s->listener, busy, sizeof busy - 1);
	return s;
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	net_listener_close(s->listener);
	while (s->conns)
		net_conn_abort(s->conns->nc, 0);        /* on_close unlinks it */
	while (s->spare) {
		struct http_exchange *x = s->spare;
		s->spare = x->next;
		free(x);
	}
	free(s);
}

uint16_t http_server_port(const struct http_server *s) { return net_listener_port(s->listener); }
size_t http_server_connections(const struct http_server *s) { return s->nconns; }

void http_server_each_conn(const struct http_server *s,
			   void (*fn)(struct net_conn *nc, void *ud), void *ud)
{
	for (const struct http_conn *hc = s->conns; hc; hc = hc->next)
		fn(hc->nc, ud);
}

int http_server_route(struct http_server *s, const char *method, const char *path,
		      http_handler_fn *fn, void *ud)
{
	if (s->nroutes == HTTP_ROUTES_MAX)
		return -1;
	s->routes[s->nroutes++] = (struct http_route){ method, path, strlen(path), fn, ud };
	return 0;
}
