/* http_server.c -- HTTP/1.1 server connections on src/net.
 *
 * http_server.h says what a connection does; this is how.  Each
 * connection ('struct http_conn') owns a queue of exchanges, one per
 * request read and not yet fully answered, in request order.  Only the
 * first exchange writes to the socket; the others keep their answer bytes
 * ('held') until every exchange before them is done (RFC 9112 §9.3.2:
 * responses in the order of the requests).  advance() pops finished
 * exchanges off the front and lets the next one write.
 *
 *   on_data --parse--> dispatch --route--> handler --http_respond-->
 *            x_write (now, or held) --> advance (pop, flush the next)
 *
 * The parsing loop stops when: the bytes run out (a partial request
 * waits for more, under the request timer); HTTP_PIPELINE_MAX requests
 * are in flight or the output queue is backlogged (reading pauses until
 * answers drain); a request said "close" or was refused (nothing after it
 * is read); an upgrade request is being handled (the bytes after it may
 * be WebSocket frames, not HTTP).
 */
#include "http/http_server.h"
#include "http/http_body.h"
#include "http/http_target.h"
#include "http/http_writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct route {
	const char *method, *path;
	http_handler_fn *fn;
	void *ud;
};

struct http_server {
	struct net_loop *loop;
	struct net_listener *listener;
	struct http_limits limits;
	uint32_t request_timeout_ms, idle_timeout_ms;
	struct route routes[HTTP_ROUTES_MAX];
	size_t nroutes;
	struct http_conn *conns;        /* every live connection, for http_server_free */
	size_t nconns;
	struct http_exchange *spare;    /* freed exchanges, reused: no malloc per request */
	size_t nspare;
	time_t date_at;                 /* the Date field, remade once a second */
	char date[40];
};

enum { HC_READING, HC_STOPPED, HC_UPGRADED };

struct http_conn {
	struct http_server *srv;
	struct net_conn *nc;
	struct http_conn *prev, *next;
	struct http_exchange *first, *last;
	struct http_parser parser;
	struct http_body body;
	struct net_timer timer;
	uint32_t head_len;              /* head of the request whose body is being read */
	uint8_t state;
	uint8_t inflight;
	bool in_body;                   /* head parsed, body incomplete */
	bool partial;                   /* bytes of an incomplete request are held */
	bool timer_is_request;          /* the timer is the request timer, not idle */
	bool barrier;                   /* an upgrade request awaits its answer */
	bool paused;                    /* we paused reading (pipeline full, backlog, barrier) */
	bool peer_eof;
	bool in_on_data;                /* on_data is on the stack: it frees an upgraded conn */
};

enum { X_WAITING, X_STREAMING, X_DONE };

struct http_exchange {
	struct http_conn *hc;
	struct http_exchange *next;
	http_abort_fn *on_abort;
	void *abort_ud;
	uint8_t *held;                  /* answer bytes waiting for earlier exchanges */
	size_t held_len, held_cap;
	uint8_t state;
	bool head;                      /* HEAD: no body in the answer */
	bool keep_alive;
	bool close_after;               /* close the connection once this is sent */
	bool upgrade;
	uint8_t minor;
};

#define SPARE_MAX 256

static const struct net_conn_ops conn_ops;
static void advance(struct http_conn *hc);
static void update_timer(struct http_conn *hc);

/* --- small helpers ------------------------------------------------------ */

static const char *date_field(struct http_server *s)
{
	time_t now = time(NULL);        /* vDSO: no syscall */
	if (now != s->date_at) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(s->date, sizeof s->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		s->date_at = now;
	}
	return s->date;
}

static struct http_exchange *x_new(struct http_conn *hc)
{
	struct http_server *s = hc->srv;
	struct http_exchange *x = s->spare;
	if (x) {
		s->spare = x->next;
		s->nspare--;
	} else if (!(x = malloc(sizeof *x))) {
		return NULL;
	}
	memset(x, 0, sizeof *x);
	x->hc = hc;
	if (hc->last)
		hc->last->next = x;
	else
		hc->first = x;
	hc->last = x;
	hc->inflight++;
	return x;
}

static void x_free(struct http_server *s, struct http_exchange *x)
{
	free(x->held);
	if (s->nspare < SPARE_MAX) {
		x->next = s->spare;
		s->spare = x;
		s->nspare++;
	} else {
		free(x);
	}
}

/* Writes answer bytes for 'x': to the socket if it is first in line,
 * else into its held buffer (bounded like an output queue). */
static int x_write(struct http_exchange *x, const struct iovec *iov, int n)
{
	struct http_conn *hc = x->hc;
	if (x == hc->first)
		return net_conn_writev(hc->nc, iov, n);
	for (int i = 0; i < n; i++) {
		size_t need = x->held_len + iov[i].iov_len;
		if (need > NET_OUT_CAP) {
			net_conn_abort(hc->nc, ENOBUFS);
			return -1;
		}
		if (need > x->held_cap) {
			size_t cap = x->held_cap ? x->held_cap * 2 : 1024;
			while (cap < need)
				cap *= 2;
			uint8_t *p = realloc(x->held, cap);
			if (!p) {
				net_conn_abort(hc->nc, ENOMEM);
				return -1;
			}
			x->held = p;
			x->held_cap = cap;
		}
		memcpy(x->held + x->held_len, iov[i].iov_base, iov[i].iov_len);
		x->held_len += iov[i].iov_len;
	}
	return 0;
}

/* --- the queue of exchanges --------------------------------------------- */

static void resume(struct http_conn *hc)
{
	if (hc->paused && hc->state == HC_READING && !hc->barrier &&
	    hc->inflight < HTTP_PIPELINE_MAX && !net_conn_backlogged(hc->nc)) {
		hc->paused = false;
		net_conn_resume_read(hc->nc);   /* held bytes come back to on_data */
	}
}

/* Pops finished exchanges off the front; the next one in line writes
 * what it held.  Closes the connection after an answer that said so. */
static void advance(struct http_conn *hc)
{
	while (hc->first && hc->first->state == X_DONE) {
		struct http_exchange *x = hc->first;
		hc->first = x->next;
		if (!hc->first)
			hc->last = NULL;
		hc->inflight--;
		bool close_after = x->close_after;
		x_free(hc->srv, x);
		if (close_after) {
			hc->state = HC_STOPPED;
			net_conn_close(hc->nc);
			return;
		}
		struct http_exchange *next = hc->first;
		if (next && next->held_len > 0) {
			int r = net_conn_write(hc->nc, next->held, next->held_len);
			free(next->held);
			next->held = NULL;
			next->held_len = next->held_cap = 0;
			if (r < 0)
				return;         /* closed: on_close has cleaned up */
		}
	}
	if (!hc->first)
		hc->barrier = false;            /* resume() hands back the held bytes */
	if (!hc->first && hc->peer_eof) {
		hc->state = HC_STOPPED;
		net_conn_close(hc->nc);
		return;
	}
	resume(hc);
	update_timer(hc);
}

/* --- timers ------------------------------------------------------------- */

static void on_timer(struct net_loop *loop, struct net_timer *t, void *ud);

/* The request timer runs from the first byte of a request until it is
 * complete, and is not restarted by later bytes: a client that sends one
 * byte a second still runs out of time.  The idle timer runs while
 * nothing is in flight. */
static void update_timer(struct http_conn *hc)
{
	struct net_loop *loop = net_conn_loop(hc->nc);
	struct http_server *s = hc->srv;
	if (hc->state != HC_READING) {
		net_timer_stop(loop, &hc->timer);
	} else if (hc->partial) {
		if (!hc->timer_is_request || !net_timer_armed(&hc->timer)) {
			hc->timer_is_request = true;
			net_timer_start(loop, &hc->timer, s->request_timeout_ms, 0);
		}
	} else if (hc->inflight == 0) {
		hc->timer_is_request = false;
		net_timer_start(loop, &hc->timer, s->idle_timeout_ms, 0);
	} else {
		net_timer_stop(loop, &hc->timer);       /* handlers time themselves */
	}
}

/* Refuses what arrived with 'status': the answer goes in line after the
 * earlier ones, and then the connection closes.  Nothing more is read. */
static void refuse(struct http_conn *hc, int status, const char *reason)
{
	char buf[512];
	ssize_t n = http_write_error(buf, sizeof buf, status, reason, NULL);
	hc->state = HC_STOPPED;
	hc->partial = false;
	struct http_exchange *x = x_new(hc);
	if (!x || n < 0) {
		net_conn_abort(hc->nc, ENOMEM);
		return;
	}
	x->close_after = true;
	x->state = X_DONE;
	struct iovec v = { buf, (size_t)n };
	if (x_write(x, &v, 1) == 0)
		advance(hc);
}

static void on_timer(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct http_conn *hc = ud;
	if (hc->timer_is_request)
		refuse(hc, 408, "request timeout");
	else
		net_conn_close(hc->nc);
}

/* --- routing ------------------------------------------------------------ */

/* The path of a target: origin-form "/p?q" or absolute-form
 * "http://host/p?q" (RFC 9112 §3.2.2: a server must accept it). */
static void target_path(const struct http_request *req, const char **p, size_t *n)
{
	const char *t = req->target;
	size_t len = req->target_len;
	const char *q;
	size_t qn;
	if (req->target_form == HTTP_TARGET_ABSOLUTE) {
		const char *slashes = memchr(t, '/', len);      /* scheme "://" */
		size_t skip = slashes ? (size_t)(slashes - t) + 2 : len;
		const char *path = skip < len ? memchr(t + skip, '/', len - skip) : NULL;
		if (!path) {
			*p = "/";
			*n = 1;
			return;
		}
		len -= (size_t)(path - t);
		t = path;
	}
	http_target_split(t, len, p, n, &q, &qn);
}

static bool method_is(const struct http_request *req, const char *m)
{
	size_t n = strlen(m);
	return req->method_len == n && memcmp(req->method, m, n) == 0;  /* case-sensitive, RFC 9110 §9.1 */
}

static void route(struct http_exchange *x, const struct http_request *req,
		  const char *body, size_t body_len)
{
	struct http_server *s = x->hc->srv;
	if (req->target_form == HTTP_TARGET_ASTERISK) {         /* OPTIONS * */
		http_respond(x, 204, NULL, "Allow: GET, HEAD, POST, OPTIONS\r\n", NULL, 0);
		return;
	}
	const char *path;
	size_t plen;
	target_path(req, &path, &plen);
	char allow[256] = "Allow: ";
	size_t alen = strlen(allow);
	bool path_known = false;
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct route *r = &s->routes[i];
		if (strlen(r->path) != plen || memcmp(r->path, path, plen) != 0)
			continue;
		path_known = true;
		if (method_is(req, r->method) ||
		    (method_is(req, "HEAD") && strcmp(r->method, "GET") == 0)) {
			r->fn(x, req, body, body_len, r->ud);
			return;
		}
		const char *extra = strcmp(r->method, "GET") == 0 ? ", HEAD" : "";
		int w = snprintf(allow + alen, sizeof allow - alen, "%s%s%s",
				 alen > 7 ? ", " : "", r->method, extra);
		if (w > 0 && (size_t)w < sizeof allow - alen)
			alen += (size_t)w;
	}
	if (!path_known) {
		http_respond(x, 404, "text/plain; charset=utf-8", NULL, "not found\n", 10);
		return;
	}
	snprintf(allow + alen, sizeof allow - alen, "\r\n");
	http_respond(x, 405, "text/plain; charset=utf-8", allow, "method not allowed\n", 19);
}

/* One complete request: queue an exchange, then route it. */
static void dispatch(struct http_conn *hc, const struct http_request *req,
		     const char *body, size_t body_len)
{
	struct http_exchange *x = x_new(hc);
	if (!x) {
		net_conn_abort(hc->nc, ENOMEM);
		return;
	}
	x->head = method_is(req, "HEAD");
	x->keep_alive = req->keep_alive;
	x->minor = (uint8_t)req->minor_version;
	x->upgrade = req->upgrade != NULL && req->connection_upgrade;
	if (!req->keep_alive)
		hc->state = HC_STOPPED;         /* "close": read no further request */
	if (x->upgrade)
		hc->barrier = true;             /* until it is answered, or upgraded */
	route(x, req, body, body_len);          /* 'x' may be gone after this */
}

/* --- reading ------------------------------------------------------------ */

static size_t on_data(struct net_conn *nc, uint8_t *bytes, size_t len)
{
	struct http_conn *hc = net_conn_ud(nc);
	struct http_server *s = hc->srv;
	char *data = (char *)bytes;
	size_t off = 0;
	struct http_header fields[HTTP_MAX_FIELDS];
	struct http_request req;
	hc->partial = false;
	hc->in_on_data = true;
	while (off < len && hc->state == HC_READING && !hc->barrier && !net_conn_closing(nc)) {
		if (hc->inflight >= HTTP_PIPELINE_MAX || net_conn_backlogged(nc)) {
			hc->paused = true;              /* on_drain or advance resumes */
			net_conn_pause_read(nc);
			break;
		}
		memset(&req, 0, sizeof req);
		req.headers = fields;
		req.header_cap = s->limits.max_fields < HTTP_MAX_FIELDS
				 ? s->limits.max_fields : HTTP_MAX_FIELDS;
		if (!hc->in_body) {
			ssize_t r = http_request_parse(&hc->parser, data + off, len - off,
						       &req, &s->limits);
			if (r == HTTP_INCOMPLETE) {
				hc->partial = true;
				break;
			}
			if (r == HTTP_INVALID) {
				enum http_error e = http_parser_error(&hc->parser);
				refuse(hc, http_error_status(e), http_error_reason(e));
				break;
			}
			if (req.upgrade && req.connection_upgrade && hc->inflight > 0) {
				/* An upgrade takes the whole connection: wait until
				 * every earlier answer is out, then read it again. */
				http_parser_init(&hc->parser);
				hc->barrier = true;
				break;
			}
			if (req.framing == HTTP_FRAMING_NONE) {
				off += (size_t)r;
				dispatch(hc, &req, NULL, 0);
				continue;
			}
			http_body_init_request(&hc->body, &req, &s->limits);
			hc->head_len = (uint32_t)r;
			hc->in_body = true;
			if (req.expect_continue && hc->inflight == 0 &&
			    len - off == (size_t)r) {
				/* Nothing of the body yet: invite it (RFC 9110 §10.1.1). */
				static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
				net_conn_write(nc, cont, sizeof cont - 1);
			}
		}
		size_t body_len = 0;
		ssize_t r = http_body_decode_in_place(&hc->body, data + off + hc->head_len,
						      len - off - hc->head_len, &body_len);
		if (r == HTTP_INCOMPLETE) {
			hc->partial = true;
			break;
		}
		if (r == HTTP_INVALID) {
			enum http_error e = (enum http_error)hc->body.error;
			refuse(hc, http_error_status(e), http_error_reason(e));
			break;
		}
		/* The head's slices may point at bytes that have moved since it
		 * was parsed: parse it again, here (http_body.h). */
		http_parser_init(&hc->parser);
		http_request_parse(&hc->parser, data + off, hc->head_len, &req, &s->limits);
		hc->in_body = false;
		size_t whole = hc->head_len + (size_t)r;
		const char *body = data + off + hc->head_len;
		off += whole;
		dispatch(hc, &req, body, body_len);
	}
	hc->in_on_data = false;
	if (hc->state == HC_UPGRADED) {
		/* http_upgrade() handed the socket on; this conn is ours to free. */
		free(hc);
		return off;
	}
	if (net_conn_closing(nc))
		return off;
	if (hc->barrier && off < len && !hc->paused) {
		hc->paused = true;              /* advance() resumes when the line is clear */
		net_conn_pause_read(nc);
	}
	update_timer(hc);
	return off;
}

static void on_eof(struct net_conn *nc)
{
	struct http_conn *hc = net_conn_ud(nc);
	hc->peer_eof = true;
	if (!hc->first) {
		hc->state = HC_STOPPED;
		net_conn_close(nc);
	}
}

static void on_drain(struct net_conn *nc)
{
	resume(net_conn_ud(nc));
}

static void unlink_conn(struct http_conn *hc)
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
	struct http_server *s = hc->srv;
	net_timer_stop(net_conn_loop(nc), &hc->timer);
	while (hc->first) {
		struct http_exchange *x = hc->first;
		hc->first = x->next;
		if (x->on_abort && x->state != X_DONE)
			x->on_abort(x, x->abort_ud);
		x_free(s, x);
	}
	unlink_conn(hc);
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
	/* Small answers must not wait for the peer's delayed ACK (Nagle). */
	net_conn_set_nodelay(nc, true);
	update_timer(hc);
}

/* --- answering ---------------------------------------------------------- */

/* The head of an answer, into 'buf'.  'length' < 0: no Content-Length. */
static ssize_t write_head(struct http_exchange *x, char *buf, size_t cap, int status,
			  const char *ctype, const char *extra, int64_t length, bool chunked)
{
	struct http_writer w;
	http_writer_init(&w, buf, cap);
	http_writer_status(&w, status);
	http_writer_header(&w, "Date", date_field(x->hc->srv));
	if (ctype)
		http_writer_header(&w, "Content-Type", ctype);
	if (length >= 0)
		http_writer_header_u64(&w, "Content-Length", (uint64_t)length);
	if (chunked)
		http_writer_header(&w, "Transfer-Encoding", "chunked");
	if (x->close_after)
		http_writer_header(&w, "Connection", "close");
	else if (x->minor == 0)
		http_writer_header(&w, "Connection", "keep-alive");
	if (extra)
		http_writer_raw_fields(&w, extra);
	http_writer_end_head(&w);
	return http_writer_finish(&w);
}

int http_respond(struct http_exchange *x, int status, const char *content_type,
		 const char *extra_fields, const void *body, size_t len)
{
	if (!x || x->state != X_WAITING)
		return -1;
	struct http_conn *hc = x->hc;
	x->close_after = !x->keep_alive || x->close_after;
	/* 1xx, 204 and 304 carry no body and 204 no Content-Length (RFC 9110 §8.6). */
	bool no_body = status == 204 || status == 304 || status < 200;
	char head[HTTP_HEAD_MAX];
	ssize_t n = write_head(x, head, sizeof head, status, no_body ? NULL : content_type,
			       extra_fields, status == 204 || status < 200 ? -1 : (int64_t)len, false);
	if (n < 0)
		return -1;
	struct iovec v[2] = { { head, (size_t)n }, { (void *)body, len } };
	int iovcnt = (x->head || no_body || len == 0) ? 1 : 2;
	x->state = X_DONE;
	if (x_write(x, v, iovcnt) < 0)
		return -1;
	if (x->upgrade)
		hc->barrier = false;            /* answered without upgrading: HTTP goes on */
	advance(hc);
	return 0;
}

int http_stream_start(struct http_exchange *x, int status, const char *content_type,
		      const char *extra_fields)
{
	if (!x || x->state != X_WAITING)
		return -1;
	if (x->minor == 0)
		x->close_after = true;          /* HTTP/1.0: the close ends the body */
	char head[HTTP_HEAD_MAX];
	ssize_t n = write_head(x, head, sizeof head, status, content_type, extra_fields,
			       -1, x->minor >= 1);
	if (n < 0)
		return -1;
	struct iovec v = { head, (size_t)n };
	if (x->head) {
		x->state = X_DONE;
		if (x_write(x, &v, 1) < 0)
			return -1;
		advance(x->hc);
		return 1;
	}
	x->state = X_STREAMING;
	return x_write(x, &v, 1);
}

int http_stream_send(struct http_exchange *x, const void *data, size_t len)
{
	if (!x || x->state != X_STREAMING)
		return -1;
	if (len == 0)
		return 0;                       /* an empty chunk would end the body */
	if (x->minor == 0) {
		struct iovec v = { (void *)data, len };
		return x_write(x, &v, 1);
	}
	char size[HTTP_CHUNK_HEAD_MAX];
	struct iovec v[3] = {
		{ size, http_chunk_head(size, len) }, { (void *)data, len }, { "\r\n", 2 },
	};
	return x_write(x, v, 3);
}

void http_stream_end(struct http_exchange *x)
{
	if (!x || x->state != X_STREAMING)
		return;
	x->state = X_DONE;
	if (x->minor >= 1) {
		struct iovec v = { "0\r\n\r\n", 5 };
		if (x_write(x, &v, 1) < 0)
			return;
	}
	advance(x->hc);
}

struct net_conn *http_upgrade(struct http_exchange *x, const void *response, size_t len,
			      const struct net_conn_ops *ops, void *ud)
{
	if (!x || x->state != X_WAITING || x != x->hc->first)
		return NULL;
	struct http_conn *hc = x->hc;
	struct net_conn *nc = hc->nc;
	if (net_conn_write(nc, response, len) < 0)
		return NULL;
	/* The HTTP side lets go: no more callbacks, no timer, no exchange. */
	net_timer_stop(net_conn_loop(nc), &hc->timer);
	struct http_server *s = hc->srv;
	unlink_conn(hc);
	hc->first = hc->last = NULL;
	hc->inflight = 0;
	hc->state = HC_UPGRADED;
	x_free(s, x);
	net_conn_set_ops(nc, ops, ud);
	if (!hc->in_on_data)
		free(hc);                       /* else on_data frees it on its way out */
	return nc;
}

void http_exchange_on_abort(struct http_exchange *x, http_abort_fn *fn, void *ud)
{
	x->on_abort = fn;
	x->abort_ud = ud;
}

bool http_exchange_is_head(const struct http_exchange *x) { return x->head; }
int  http_exchange_minor_version(const struct http_exchange *x) { return x->minor; }
struct net_conn *http_exchange_conn(const struct http_exchange *x) { return x->hc->nc; }

void http_exchange_set_ledger(struct http_exchange *x, struct net_ledger *ledger)
{
	net_conn_set_ledger(x->hc->nc, ledger);
}

/* --- the server --------------------------------------------------------- */

struct http_server *http_server_new(struct net_loop *loop,
				    const struct http_server_config *cfg, int *err)
{
	struct http_server *s = calloc(1, sizeof *s);
	if (!s) {
		*err = ENOMEM;
		return NULL;
	}
	s->loop = loop;
	s->limits = cfg->limits.max_head ? cfg->limits : http_limits_default;
	s->request_timeout_ms = cfg->request_timeout_ms ? cfg->request_timeout_ms
							: HTTP_REQUEST_TIMEOUT_MS;
	s->idle_timeout_ms = cfg->idle_timeout_ms ? cfg->idle_timeout_ms : HTTP_IDLE_TIMEOUT_MS;
	s->listener = net_listen(loop, cfg->host, cfg->port, cfg->backlog, on_accept, s,
				 cfg->ledger, err);
	if (!s->listener) {
		free(s);
		return NULL;
	}
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

int http_server_route(struct http_server *s, const char *method, const char *path,
		      http_handler_fn *fn, void *ud)
{
	if (s->nroutes == HTTP_ROUTES_MAX)
		return -1;
	s->routes[s->nroutes++] = (struct route){ method, path, fn, ud };
	return 0;
}
