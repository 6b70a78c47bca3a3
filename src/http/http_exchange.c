/* http_exchange.c -- the answers of the HTTP server: heads, whole bodies,
 * streams, upgrades.
 *
 * http_server.h is the contract; http_server.c reads the requests and
 * keeps the queue.  This file writes what a handler answers, through
 * x_write(): straight to the socket for the exchange first in line, into
 * its 'held' buffer for one behind it (RFC 9112 §9.3.2: answers in the
 * order of the requests).  http_server_private.h shows the structs.
 *
 * Every head carries Date (RFC 9110 §6.6.1), and Connection: close when
 * the connection ends after it, or keep-alive to an HTTP/1.0 client that
 * asked to keep it (RFC 9112 §9.3, Appendix C.2.2).
 *
 * Read next: src/paradigms/hub.h, whose handlers answer in all these ways.
 */
#include "http/http_server_private.h"
#include "http/http_writer.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPARE_MAX 256           /* freed exchanges kept for reuse */

/* Bytes written as they are, their lengths counted by the compiler. */
static const char crlf[] = "\r\n";
static const char last_chunk[] = "0\r\n\r\n";     /* no trailer (RFC 9112 §7.1) */
static const char content_length[] = "Content-Length: ";

/* --- Date ---------------------------------------------------------------- */

/* IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7), with
 * the English names the RFC requires whatever the process's locale. */
const char *http__server_date(struct http_server *s)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	time_t now = time(NULL);        /* vDSO: no syscall */
	if (now != s->date_at) {
		struct tm tm;
		gmtime_r(&now, &tm);
		snprintf(s->date, sizeof s->date, "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT",
			 days + 3 * tm.tm_wday, tm.tm_mday, months + 3 * tm.tm_mon,
			 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
		s->date_at = now;
	}
	return s->date;
}

/* The head of most answers up to the length's digits -- "HTTP/1.1 200
 * OK", Date, Content-Type: 'ctype', "Content-Length: " -- remade when the
 * second or the content type changes rather than for every answer: a
 * server answers mostly 200s of one type.  Checked by the writer when it
 * is made, like any head.  NULL when 'ctype' is too long to keep or
 * invalid: then the caller writes the head field by field (and its
 * writer refuses the same invalid type). */
static const char *head_200(struct http_server *s, const char *ctype, size_t *len)
{
	const char *date = http__server_date(s);
	if (s->head_at != s->date_at || strcmp(ctype, s->head_ctype) != 0) {
		size_t n = strlen(ctype);
		struct http_writer w;
		http_writer_init(&w, s->head_200, sizeof s->head_200);
		http_writer_status(&w, 200);
		http_writer_header(&w, "Date", date);
		http_writer_header(&w, "Content-Type", ctype);
		http_writer_bytes(&w, content_length, sizeof content_length - 1);
		ssize_t made = http_writer_finish(&w);
		if (made < 0 || n >= sizeof s->head_ctype) {
			s->head_at = 0;
			return NULL;
		}
		memcpy(s->head_ctype, ctype, n + 1);
		s->head_len = (size_t)made;
		s->head_at = s->date_at;
	}
	*len = s->head_len;
	return s->head_200;
}

/* --- the queue's entries ------------------------------------------------- */

struct http_exchange *http__exchange_new(struct http_conn *hc)
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

void http__exchange_free(struct http_server *s, struct http_exchange *x)
{
	if (x->held) {                  /* rarely: only an answer that waited in line */
		free(x->held);
		x->held = NULL;
	}
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

int http__exchange_finish(struct http_exchange *x, const struct iovec *iov, int n)
{
	struct http_conn *hc = x->hc;
	struct net_conn *nc = hc->nc;   /* valid until the end of the turn, even closed */
	assert(x->state != X_DONE);     /* an exchange is answered once */
	x->state = X_DONE;
	net_conn_cork(nc);
	int r = n > 0 ? x_write(x, iov, n) : 0;
	if (r == 0) {
		if (x->upgrade)
			hc->barrier = false;    /* answered without upgrading: HTTP goes on */
		http__conn_advance(hc);
	}
	net_conn_uncork(nc);
	return r;
}

/* --- answering ---------------------------------------------------------- */

/* The head of an answer, into 'buf'.  'length' < 0: no Content-Length. */
static ssize_t write_head(struct http_exchange *x, char *buf, size_t cap, int status,
			  const char *ctype, const char *extra, int64_t length, bool chunked)
{
	struct http_writer w;
	http_writer_init(&w, buf, cap);
	size_t n;
	const char *head = status == 200 && ctype && length >= 0
			   ? head_200(x->hc->srv, ctype, &n) : NULL;
	if (head) {
		http_writer_bytes(&w, head, n);
		http_writer_u64(&w, (uint64_t)length);
		http_writer_bytes(&w, crlf, sizeof crlf - 1);
	} else {
		http_writer_status(&w, status);
		http_writer_header(&w, "Date", http__server_date(x->hc->srv));
		if (ctype)
			http_writer_header(&w, "Content-Type", ctype);
		if (length >= 0)
			http_writer_header_u64(&w, "Content-Length", (uint64_t)length);
	}
	if (chunked)
		http_writer_header(&w, "Transfer-Encoding", "chunked");
	if (x->close_after)
		http_writer_header(&w, "Connection", "close");
	else if (x->minor == 0)
		http_writer_header(&w, "Connection", "keep-alive");
	if (x->allow_origin) {
		http_writer_header(&w, "Access-Control-Allow-Origin", x->allow_origin);
		http_writer_header(&w, "Vary", "Origin");
	}
	if (extra)
		http_writer_raw_fields(&w, extra);
	http_writer_end_head(&w);
	return http_writer_finish(&w);
}

int http_respond(struct http_exchange *x, int status, const char *content_type,
		 const char *extra_fields, const void *body, size_t len)
{
	if (!x || x->state != X_WAITING || status < 200)
		return -1;              /* 1xx are interim: not a way to end an exchange */
	/* 204 and 304 carry no body (RFC 9110 §15.3.5, §15.4.5).  204 must
	 * not have a Content-Length, and a 304's would have to be the
	 * length of a 200 we do not know (§8.6): neither gets one.  HEAD
	 * gets the GET head alone (§9.3.2). */
	bool no_body = status == 204 || status == 304;
	char head[HTTP_HEAD_MAX];
	ssize_t n = write_head(x, head, sizeof head, status, no_body ? NULL : content_type,
			       extra_fields, no_body ? -1 : (int64_t)len, false);
	if (n < 0)
		return -1;
	struct iovec v[2] = { { head, (size_t)n }, { (void *)body, len } };
	int iovcnt = (x->head || no_body || len == 0) ? 1 : 2;
	return http__exchange_finish(x, v, iovcnt);
}

int http_respond_text(struct http_exchange *x, int status, const char *extra_fields,
		      const char *text)
{
	return http_respond(x, status, HTTP_TYPE_TEXT, extra_fields, text, strlen(text));
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
	if (x->head)
		return http__exchange_finish(x, &v, 1) < 0 ? -1 : 1;
	x->state = X_STREAMING;
	net_conn_set_nodelay(x->hc->nc, true);  /* a stream's small sends must not wait (Nagle) */
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
	char size[HTTP_CHUNK_HEAD_MAX];         /* RFC 9112 §7.1 */
	struct iovec v[3] = {
		{ size, http_chunk_head(size, len) }, { (void *)data, len },
		{ (void *)crlf, sizeof crlf - 1 },
	};
	return x_write(x, v, 3);
}

void http_stream_prepare(char *buf, size_t len, struct http_prepared *p)
{
	char head[HTTP_CHUNK_HEAD_MAX];
	size_t h = http_chunk_head(head, len);  /* RFC 9112 §7.1 */
	char *data = buf + HTTP_STREAM_PAD;
	memcpy(data - h, head, h);
	memcpy(data + len, crlf, sizeof crlf - 1);
	p->framed = data - h;
	p->framed_len = h + len + sizeof crlf - 1;
	p->bare = data;
	p->bare_len = len;
}

int http_stream_send_prepared(struct http_exchange *x, const struct http_prepared *p)
{
	if (!x || x->state != X_STREAMING)
		return -1;
	if (p->bare_len == 0)
		return 0;                       /* an empty chunk would end the body */
	struct iovec v = x->minor >= 1 ? (struct iovec){ (void *)p->framed, p->framed_len }
				       : (struct iovec){ (void *)p->bare, p->bare_len };
	return x_write(x, &v, 1);
}

void http_stream_end(struct http_exchange *x)
{
	if (!x || x->state != X_STREAMING)
		return;
	struct iovec v = { (void *)last_chunk, sizeof last_chunk - 1 };
	http__exchange_finish(x, &v, x->minor >= 1 ? 1 : 0);  /* 1.0: close_after ends it */
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
	net_conn_set_nodelay(nc, true);         /* the new protocol keeps talking (Nagle) */
	/* The HTTP side lets go: no more callbacks, no timer, no exchange. */
	net_timer_stop(net_conn_loop(nc), &hc->timer);
	struct http_server *s = hc->srv;
	http__conn_unlink(hc);
	hc->first = hc->last = NULL;
	hc->inflight = 0;
	hc->state = HC_UPGRADED;
	http__exchange_free(s, x);
	net_conn_set_ops(nc, ops, ud);
	/* Answered later than the request came: the bytes behind it wait
	 * in a paused reader, and resuming hands them to the new owner. */
	if (hc->paused)
		net_conn_resume_read(nc);
	if (!hc->in_on_data)
		free(hc);                       /* else on_data frees it on its way out */
	return nc;
}

void http_exchange_on_abort(struct http_exchange *x, http_abort_fn *fn, void *ud)
{
	x->on_abort = fn;
	x->abort_ud = ud;
}

void http_exchange_on_drain(struct http_exchange *x, http_drain_fn *fn, void *ud)
{
	x->on_drain = fn;
	x->drain_ud = ud;
}

struct net_conn *http_exchange_conn(const struct http_exchange *x) { return x->hc->nc; }

void http_exchange_allow_origin(struct http_exchange *x, const char *origin)
{
	x->allow_origin = origin;
}

void http_exchange_set_ledger(struct http_exchange *x, struct net_ledger *ledger)
{
	net_conn_set_ledger(x->hc->nc, ledger);
}
