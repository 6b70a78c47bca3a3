/* http_client.c -- one HTTP/1.1 request at a time over src/net: the
 * answer's length as RFC 9112 §6.3 decides it, a kept-alive connection
 * reused (§9.3), and a safe request that one closed unanswered retried
 * once on a fresh connection (§9.3.1).
 *
 * http_client.h says what it does.  The shape: a request is written into
 * one buffer (kept until its answer has begun, in case it must be sent
 * again on a fresh connection), sent when the connection is ready, and
 * its answer is read the way the server reads requests -- resumable head
 * parse, then the body decoder -- with the bytes left in src/net's input
 * buffer until a whole answer is there (or, streaming, consumed piece by
 * piece).
 */
#include "http/http_client.h"
#include "http/http_body.h"
#include "http/http_writer.h"
#include "net/conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct http_client {
	struct net_loop *loop;
	struct http_client_config cfg;
	struct net_conn *nc;
	bool connected;
	uint64_t connections;

	/* the request in flight */
	bool busy, streaming, sent, head_done, got_bytes, retried, safe, was_head;
	bool reused;                    /* sent on a kept-alive connection */
	char *req;
	size_t req_len;
	http_client_done_fn *done;
	http_client_head_fn *on_head;
	http_client_piece_fn *on_piece;
	void *ud;
	struct http_parser parser;
	struct http_body body;
	size_t head_len;
	bool keep_after;                /* the answer allows reuse */
	struct net_timer timer;
	int deferred_err;               /* a failure to report from the loop */
	char error[160];
};

static const struct net_conn_ops client_ops;

static void set_error(struct http_client *cl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cl->error, sizeof cl->error, fmt, ap);
	va_end(ap);
}

const char *http_client_error(const struct http_client *cl) { return cl->error; }
bool http_client_busy(const struct http_client *cl) { return cl->busy; }
bool http_client_sent(const struct http_client *cl) { return cl->sent; }
uint64_t http_client_connections(const struct http_client *cl) { return cl->connections; }

/* Lets go of the connection: closed (gracefully, or at once after an
 * error), and no longer ours, so its on_close is not taken for a failure. */
static void drop_conn(struct http_client *cl, int err)
{
	struct net_conn *nc = cl->nc;
	if (!nc)
		return;
	cl->nc = NULL;
	net_conn_set_ud(nc, NULL);
	if (err)
		net_conn_abort(nc, 0);
	else
		net_conn_close(nc);
}

/* Ends the request in flight: the state is clean before 'done' runs, so
 * 'done' may start the next request. */
static void finish(struct http_client *cl, int err, const struct http_client_result *r)
{
	http_client_done_fn *done = cl->done;
	void *ud = cl->ud;
	cl->busy = false;
	cl->done = NULL;
	free(cl->req);
	cl->req = NULL;
	net_timer_stop(cl->loop, &cl->timer);
	if (err || !cl->keep_after || !cl->cfg.keep_alive)
		drop_conn(cl, err);
	if (done)
		done(cl, err, r, ud);
}

static void fail(struct http_client *cl, int err, const char *what)
{
	if (what)
		set_error(cl, "%s", what);
	else
		set_error(cl, "%s", strerror(err));
	finish(cl, err, NULL);
}

static void send_request(struct http_client *cl)
{
	cl->sent = true;
	if (net_conn_write(cl->nc, cl->req, cl->req_len) < 0)
		return;                         /* on_close reports it */
}

static int open_conn(struct http_client *cl)
{
	cl->connected = false;
	cl->nc = net_connect(cl->loop, cl->cfg.host, cl->cfg.port, &client_ops, cl,
			     cl->cfg.ledger);
	if (!cl->nc)
		return errno ? errno : EINVAL;
	cl->connections++;
	return 0;
}

/* --- reading the answer ------------------------------------------------- */

static size_t read_stream_body(struct http_client *cl, char *data, size_t len)
{
	size_t off = 0;
	while (cl->busy) {
		const char *piece;
		size_t plen;
		ssize_t r = http_body_read(&cl->body, data + off, len - off, &piece, &plen);
		if (r < 0) {
			fail(cl, EPROTO, http_error_reason((enum http_error)cl->body.error));
			return off;
		}
		off += (size_t)r;
		if (plen > 0 && cl->on_piece) {
			cl->on_piece(cl, piece, plen, cl->ud);
			if (!cl->busy)
				return off;     /* cancelled from inside on_piece */
		}
		if (http_body_done(&cl->body)) {
			/* More than the answer: never the next one (read_whole). */
			if (off < len)
				cl->keep_after = false;
			finish(cl, 0, NULL);
			return len;
		}
		if (r == 0)
			break;
	}
	return off;
}

/* Ready for a parse: 'res' empty but for what the parser reads. */
static void response_init(struct http_client *cl, struct http_response *res,
			  struct http_header *fields)
{
	memset(res, 0, sizeof *res);
	res->headers = fields;
	res->header_cap = HTTP_CLIENT_MAX_FIELDS;
	res->request_was_head = cl->was_head;
}

/* Stage 1: the head of the answer, at data + *off, past any interim 1xx
 * answers (each moves *off on).  Returns true once the head is in and the
 * body decoder set up; false when on_data is to return *off: the head is
 * incomplete, or the answer failed. */
static bool read_head(struct http_client *cl, char *data, size_t len, size_t *off,
		      struct http_response *res)
{
	struct http_header *fields = res->headers;
	for (;;) {
		response_init(cl, res, fields);
		ssize_t r = http_response_parse(&cl->parser, data + *off, len - *off, res, NULL);
		if (r == HTTP_INCOMPLETE)
			return false;
		if (r == HTTP_INVALID) {
			fail(cl, EPROTO, http_error_reason(http_parser_error(&cl->parser)));
			return false;
		}
		if (res->status >= 100 && res->status < 200 && res->status != 101) {
			*off += (size_t)r;      /* 100 Continue: the real answer follows */
			continue;
		}
		cl->head_done = true;
		cl->head_len = (size_t)r;
		/* After a 101 the connection speaks another protocol. */
		cl->keep_after = res->keep_alive && res->status != 101;
		if (res->coded) {               /* we asked for none (no TE field) */
			fail(cl, EPROTO, "answer in a transfer coding other than chunked");
			return false;
		}
		if (!cl->streaming && res->framing == HTTP_FRAMING_LENGTH &&
		    res->content_length > HTTP_CLIENT_MAX_BODY) {
			fail(cl, EMSGSIZE, "answer body too large");  /* said up front */
			return false;
		}
		http_body_init_response(&cl->body, res, NULL);
		return true;
	}
}

/* Stage 2, streaming: the head goes to on_head at once, then the body
 * piece by piece as it comes.  Returns what on_data consumes. */
static size_t start_stream(struct http_client *cl, struct http_response *res,
			   char *data, size_t len, size_t off)
{
	net_timer_stop(cl->loop, &cl->timer);
	struct http_client_result hr = { res, NULL, 0 };
	if (cl->on_head)
		cl->on_head(cl, &hr, cl->ud);
	off += cl->head_len;
	if (!cl->busy)
		return off;
	return off + read_stream_body(cl, data + off, len - off);
}

/* Stage 2, a whole answer: wait until all of it is here, then hand it to
 * 'done'.  The head is at data + off.  Returns what on_data consumes. */
static size_t read_whole(struct http_client *cl, struct http_response *res,
			 char *data, size_t len, size_t off)
{
	if (cl->body.framing == HTTP_FRAMING_CLOSE)
		return off;                     /* on_eof delivers it */
	if (len - off - cl->head_len > HTTP_CLIENT_MAX_BODY * 2) {
		fail(cl, EMSGSIZE, "answer too large");
		return off;
	}
	size_t body_len = 0;
	ssize_t r = http_body_decode_in_place(&cl->body, data + off + cl->head_len,
					      len - off - cl->head_len, &body_len);
	if (r == HTTP_INCOMPLETE)
		return off;
	if (r < 0) {
		fail(cl, EPROTO, http_error_reason((enum http_error)cl->body.error));
		return off;
	}
	if (body_len > HTTP_CLIENT_MAX_BODY) {
		fail(cl, EMSGSIZE, "answer body too large");
		return off;
	}
	/* Fresh slices for the head (the bytes may have moved). */
	http_parser_init(&cl->parser);
	http_response_parse(&cl->parser, data + off, cl->head_len, res, NULL);
	struct http_client_result result = { res, data + off + cl->head_len, body_len };
	size_t used = off + cl->head_len + (size_t)r;
	if (used < len)
		cl->keep_after = false;         /* more than the answer: never the next one */
	finish(cl, 0, &result);
	return len;
}

/* Reads the answer by stage: its head, then its body -- streamed, or
 * whole. */
static size_t on_data(struct net_conn *nc, uint8_t *bytes, size_t len)
{
	struct http_client *cl = net_conn_ud(nc);
	if (!cl || !cl->busy) {
		/* Bytes nobody asked for are no answer, now or later (RFC 9112
		 * §6.3): drop them, and the connection that sent them. */
		if (cl)
			drop_conn(cl, 0);
		return len;
	}
	char *data = (char *)bytes;
	cl->got_bytes = true;
	if (cl->streaming && cl->head_done)
		return read_stream_body(cl, data, len);

	struct http_header fields[HTTP_CLIENT_MAX_FIELDS];
	struct http_response res;
	size_t off = 0;
	response_init(cl, &res, fields);
	if (!cl->head_done) {
		if (!read_head(cl, data, len, &off, &res))
			return off;
		if (cl->streaming)
			return start_stream(cl, &res, data, len, off);
		if (cl->cfg.on_head) {
			struct http_client_result hr = { &res, NULL, 0 };
			cl->cfg.on_head(cl, &hr, cl->ud);
			if (!cl->busy)
				return off + cl->head_len;      /* cancelled: the body is not wanted */
		}
	}
	return read_whole(cl, &res, data, len, off);
}

static void on_eof(struct net_conn *nc)
{
	struct http_client *cl = net_conn_ud(nc);
	if (cl && cl->busy && cl->head_done && cl->body.framing == HTTP_FRAMING_CLOSE) {
		if (cl->streaming) {
			finish(cl, 0, NULL);
			return;
		}
		/* The body was everything until the close (RFC 9112 §6.3, rule 8);
		 * it is all still held in the input buffer. */
		size_t len;
		char *data = (char *)net_conn_held(nc, &len);
		struct http_header fields[HTTP_CLIENT_MAX_FIELDS];
		struct http_response res = { .headers = fields, .header_cap = HTTP_CLIENT_MAX_FIELDS };
		http_parser_init(&cl->parser);
		if (http_response_parse(&cl->parser, data, len, &res, NULL) == (ssize_t)cl->head_len &&
		    len - cl->head_len <= HTTP_CLIENT_MAX_BODY) {
			struct http_client_result r = { &res, data + cl->head_len, len - cl->head_len };
			cl->keep_after = false;
			finish(cl, 0, &r);
			return;
		}
		fail(cl, EMSGSIZE, "answer body too large");
		return;
	}
	net_conn_close(nc);
}

static void on_connect(struct net_conn *nc, int err)
{
	struct http_client *cl = net_conn_ud(nc);
	if (!cl || err)
		return;                         /* on_close follows with 'err' */
	cl->connected = true;
	/* Room for a whole answer: it stays in the input buffer until done. */
	net_conn_set_limits(nc, NET_HIGH_WATER, NET_OUT_CAP,
			    HTTP_CLIENT_MAX_BODY * 2 + HTTP_MAX_HEAD);
	if (cl->busy && !cl->sent)
		send_request(cl);
}

static void on_close(struct net_conn *nc, int err)
{
	struct http_client *cl = net_conn_ud(nc);
	if (!cl || cl->nc != nc)
		return;
	cl->nc = NULL;
	cl->connected = false;
	if (!cl->busy)
		return;
	/* A kept-alive connection closed by the server before any answer:
	 * send the request once more on a fresh one, if it is safe to. */
	if (!cl->got_bytes && cl->reused && !cl->retried && cl->safe) {
		cl->retried = true;
		cl->sent = false;
		int e = open_conn(cl);
		if (e == 0)
			return;
		err = e;
	}
	if (err) {
		fail(cl, err, NULL);
		return;
	}
	/* An orderly close.  It ends a stream delimited by the close (on_eof
	 * finished those); anywhere else inside an answer it cuts the message
	 * short, which is a framing error, not a network one (RFC 9112 §8). */
	if (cl->got_bytes)
		fail(cl, EPROTO, "connection closed inside the answer");
	else
		fail(cl, ECONNRESET, "connection closed before any answer");
}

static const struct net_conn_ops client_ops = {
	.on_data = on_data, .on_eof = on_eof, .on_connect = on_connect, .on_close = on_close,
};

/* --- starting a request ------------------------------------------------- */

/* The request's timer: its timeout, or, armed at 0 ms, the way a failure
 * found inside http_client_request() is reported from the loop (a timer,
 * unlike a deferred call, is stopped if the client is freed first). */
static void on_timeout(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct http_client *cl = ud;
	if (cl->deferred_err)
		fail(cl, cl->deferred_err, NULL);
	else
		fail(cl, ETIMEDOUT, "no answer in time");
}

static int start(struct http_client *cl, const char *method, const char *target,
		 const char *extra, const void *body, size_t len)
{
	if (cl->busy) {
		errno = EBUSY;
		return -1;
	}
	size_t cap = 512 + strlen(target) + (extra ? strlen(extra) : 0) + len;
	cl->req = malloc(cap);
	if (!cl->req) {
		errno = ENOMEM;
		return -1;
	}
	char host[64];
	snprintf(host, sizeof host, "%s:%u", cl->cfg.host, (unsigned)cl->cfg.port);
	struct http_writer w;
	http_writer_init(&w, cl->req, cap);
	http_writer_request_line(&w, method, target);
	http_writer_header(&w, "Host", host);
	if (!cl->cfg.keep_alive)
		http_writer_header(&w, "Connection", "close");
	if (extra)
		http_writer_raw_fields(&w, extra);
	bool has_body = len > 0 || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
	if (has_body)
		http_writer_header_u64(&w, "Content-Length", len);
	http_writer_end_head(&w);
	if (len)
		http_writer_bytes(&w, body, len);
	ssize_t n = http_writer_finish(&w);
	if (n < 0) {
		free(cl->req);
		cl->req = NULL;
		errno = EINVAL;
		return -1;
	}
	cl->req_len = (size_t)n;
	cl->busy = true;
	cl->sent = cl->head_done = cl->got_bytes = cl->retried = false;
	cl->keep_after = false;
	cl->deferred_err = 0;
	cl->was_head = strcmp(method, "HEAD") == 0;
	cl->safe = cl->was_head || strcmp(method, "GET") == 0;
	cl->error[0] = '\0';
	http_parser_init(&cl->parser);
	net_timer_start(cl->loop, &cl->timer, cl->cfg.timeout_ms, 0);
	cl->reused = cl->nc && cl->connected && cl->cfg.keep_alive;
	if (cl->reused) {
		send_request(cl);
		return 0;
	}
	int err = open_conn(cl);
	if (err) {
		cl->deferred_err = err;         /* 'done' never runs inside this call */
		set_error(cl, "%s", strerror(err));
		net_timer_start(cl->loop, &cl->timer, 0, 0);
	}
	return 0;
}

int http_client_request(struct http_client *cl, const char *method, const char *target,
			const char *extra_fields, const void *body, size_t len,
			http_client_done_fn *done, void *ud)
{
	if (start(cl, method, target, extra_fields, body, len) < 0)
		return -1;
	cl->streaming = false;
	cl->done = done;
	cl->ud = ud;
	return 0;
}

int http_client_stream(struct http_client *cl, const char *target, const char *extra_fields,
		       http_client_head_fn *head, http_client_piece_fn *piece,
		       http_client_done_fn *done, void *ud)
{
	if (start(cl, "GET", target, extra_fields, NULL, 0) < 0)
		return -1;
	cl->streaming = true;
	cl->on_head = head;
	cl->on_piece = piece;
	cl->done = done;
	cl->ud = ud;
	return 0;
}

void http_client_cancel(struct http_client *cl)
{
	if (!cl->busy)
		return;
	cl->done = NULL;
	cl->keep_after = false;
	finish(cl, ECANCELED, NULL);
}

struct http_client *http_client_new(struct net_loop *loop, const struct http_client_config *cfg)
{
	struct http_client *cl = calloc(1, sizeof *cl);
	if (!cl)
		return NULL;
	cl->loop = loop;
	cl->cfg = *cfg;
	if (!cl->cfg.host)
		cl->cfg.host = "127.0.0.1";
	if (!cl->cfg.timeout_ms)
		cl->cfg.timeout_ms = HTTP_CLIENT_TIMEOUT_MS;
	net_timer_init(&cl->timer, on_timeout, cl);
	return cl;
}

void http_client_free(struct http_client *cl)
{
	if (!cl)
		return;
	if (cl->busy) {
		cl->done = NULL;
		finish(cl, ECANCELED, NULL);
	}
	if (cl->nc) {
		net_conn_set_ud(cl->nc, NULL);
		net_conn_abort(cl->nc, 0);
	}
	free(cl);
}
