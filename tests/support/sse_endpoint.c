/* sse_endpoint.c -- see sse_endpoint.h. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/sse_endpoint.h"

/* --- digests ------------------------------------------------------------- */

static uint64_t fnv1a(const void *s, size_t n)
{
	const unsigned char *p = s;
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

/* One digest line: an event as the parser reports it. */
static void digest_line(struct tbuf *log, const char *id, size_t idlen,
			const char *type, size_t tlen, const char *data, size_t dlen)
{
	char line[160];
	int n = snprintf(line, sizeof line, "%.*s %.*s %zu %016llx\n", (int)idlen, id,
			 (int)tlen, type, dlen, (unsigned long long)fnv1a(data, dlen));
	tbuf_append(log, line, (size_t)n);
}

/* The line event 'seq' of 'type' with 'data' (as the parser will hand it
 * out: line breaks already LF) earns. */
void digest_event(struct tbuf *log, uint64_t seq, const char *type,
		  const char *data, size_t dlen)
{
	char id[48];
	int n = snprintf(id, sizeof id, SSE_TEST_EP "-%llu", (unsigned long long)seq);
	digest_line(log, id, (size_t)n, type, strlen(type), data, dlen);
}

/* The lines of every event the feed holds from 'from' to its latest. */
void digest_feed(struct tbuf *log, const struct feed *f, uint64_t from)
{
	for (uint64_t q = from; q <= feed_latest(f); q++) {
		const struct feed_event *ev = feed_get(f, q);
		ck_assert_ptr_nonnull(ev);
		digest_event(log, ev->seq, ev->type, (const char *)ev->data, ev->len);
	}
}

/* The reset notice the endpoint sends before a gap (server_sse.c). */
void digest_reset(struct tbuf *log, const char *reason, uint64_t at, long long missed)
{
	char data[192], ids[48], m[24] = "null";
	if (missed >= 0)
		snprintf(m, sizeof m, "%lld", missed);
	int il = snprintf(ids, sizeof ids, SSE_TEST_EP "-%llu", (unsigned long long)at);
	int n = snprintf(data, sizeof data, "{\"type\":\"reset\",\"reason\":\"%s\",\"missed\":%s,"
			 "\"seq\":%llu,\"id\":\"%s\"}", reason, m, (unsigned long long)at, ids);
	digest_line(log, ids, (size_t)il, "reset", 5, data, (size_t)n);
}

void digest_retry(struct tbuf *log, uint64_t ms)
{
	char line[40];
	int n = snprintf(line, sizeof line, "retry %llu\n", (unsigned long long)ms);
	tbuf_append(log, line, (size_t)n);
}

/* --- the server ------------------------------------------------------------ */

/* Listens on 'port' (0: any) with the routes of `pushpull serve`. */
void srv_listen(struct srv *s, uint16_t port)
{
	struct http_server_config cfg = { .port = port, .backlog = 2048 };
	s->http = http_server_new(s->loop, &cfg);
	ck_assert_msg(s->http != NULL, "listen: %s", strerror(errno));
	s->port = http_server_port(s->http);
	ck_assert_int_eq(pp_hub_routes(s->http, &s->hub), 0);
}

/* A loop, a feed of 'ring' events (0: the default) and the server.
 * 'cfg' NULL: every default; else its zero fields take the defaults. */
void srv_start(struct srv *s, size_t ring, const struct pp_config *cfg)
{
	*s = (struct srv){ 0 };
	s->loop = net_loop_new(NULL);
	ck_assert_ptr_nonnull(s->loop);
	s->hub.loop = s->loop;
	s->hub.feed = feed_new(ring, 0);
	ck_assert_ptr_nonnull(s->hub.feed);
	feed_set_epoch(s->hub.feed, SSE_TEST_EPOCH);
	feed_set_event_max(s->hub.feed, SIZE_MAX);     /* the stream's own limits are tested */
	if (cfg)
		s->hub.cfg = *cfg;
	pp_config_defaults(&s->hub.cfg);
	srv_listen(s, 0);
}

/* Closes the listener and every connection (a crash, as the clients see it). */
void srv_close(struct srv *s)
{
	http_server_free(s->http);
	s->http = NULL;
	net_loop_run_once(s->loop, 0);          /* the deferred frees */
}

void srv_stop(struct srv *s)
{
	if (s->http)
		srv_close(s);
	pp_hub_cleanup(&s->hub);
	feed_free(s->hub.feed);
	net_loop_free(s->loop);
}

uint64_t srv_publish(struct srv *s, const char *type, const char *data, size_t len)
{
	uint64_t seq = feed_publish(s->hub.feed, type, data, len);
	ck_assert_uint_gt(seq, 0);
	return seq;
}

uint64_t srv_publish_str(struct srv *s, const char *data)
{
	return srv_publish(s, "message", data, strlen(data));
}

/* --- a raw client ---------------------------------------------------------- */


/* Feeds the parser a piece of the event stream; logs what it reports. */
static void peer_parse(struct peer *p, const char *s, size_t n)
{
	size_t off = 0;
	while (off < n && p->sse_err == 0) {
		size_t used;
		struct sse_event ev;
		int r = sse_parser_feed(&p->sse, s + off, n - off, &used, &ev);
		off += used;
		if (r < 0) {
			p->sse_err = r;
		} else if (r == SSE_EVENT) {
			digest_line(&p->log, ev.id, ev.id_len, ev.type, ev.type_len,
				    ev.data, ev.data_len);
			p->events++;
		} else if (r == SSE_RETRY) {
			digest_retry(&p->log, ev.retry_ms);
		}
	}
}

/* Decodes what has arrived and not been decoded yet. */
static void peer_advance(struct peer *p)
{
	if (!p->head_done) {
		struct http_header fields[64];
		struct http_response res = { .headers = fields, .header_cap = 64,
					     .request_was_head = p->head_request };
		ssize_t r = http_response_parse(&p->hp, p->raw.p, p->raw.len, &res, NULL);
		if (r == HTTP_INCOMPLETE)
			return;
		ck_assert_msg(r > 0, "the answer's head does not parse: %s", tbuf_str(&p->raw));
		p->head_done = true;
		p->head_len = (size_t)r;
		p->status = res.status;
		p->framing = (int)res.framing;
		p->consumed = (size_t)r;
		http_body_init_response(&p->body, &res, NULL);
		p->body_done = http_body_done(&p->body);
	}
	while (!p->body_done && p->body_err == 0) {
		const char *piece;
		size_t plen;
		ssize_t r = http_body_read(&p->body, p->raw.p + p->consumed,
					   p->raw.len - p->consumed, &piece, &plen);
		if (r < 0) {
			p->body_err = (int)p->body.error;
			break;
		}
		p->consumed += (size_t)r;
		if (plen) {
			tbuf_append(&p->data, piece, plen);
			peer_parse(p, piece, plen);
		}
		p->body_done = http_body_done(&p->body);
		if (r == 0)
			break;
	}
}

static void peer_unwatch(struct peer *p)
{
	if (p->watched)
		net_loop_unwatch(p->srv->loop, p->fd);
	p->watched = false;
}

static void peer_io(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)loop; (void)events;
	struct peer *p = ud;
	char buf[65536];
	ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n > 0) {
		tbuf_append(&p->raw, buf, (size_t)n);
		peer_advance(p);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0)
		p->err = errno;
	p->eof = true;
	peer_unwatch(p);
	if (p->head_done && !p->body_done && p->body_err == 0) {
		if (http_body_eof(&p->body) < 0)
			p->body_err = (int)p->body.error;
		else
			p->body_done = true;
	}
}

/* Starts or stops reading (a client that stops reading fills its
 * kernel buffers, then the server's output queue). */
void peer_read(struct peer *p, bool on)
{
	if (on && !p->watched && !p->eof) {
		ck_assert_int_eq(net_loop_watch(p->srv->loop, p->fd, NET_READ, peer_io, p, NULL), 0);
		p->watched = true;
	} else if (!on) {
		peer_unwatch(p);
	}
}

/* Connects to the server and sends 'request' (whole, at once).
 * 'rcvbuf' > 0 shrinks the socket's receive buffer first. */
void peer_open_buf(struct peer *p, struct srv *s, const char *request, int rcvbuf)
{
	*p = (struct peer){ .srv = s, .head_request = strncmp(request, "HEAD ", 5) == 0 };
	sse_parser_init(&p->sse, NULL);
	p->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(p->fd, 0);
	if (rcvbuf > 0)
		ck_assert_int_eq(setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(s->port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Blocking: on 127.0.0.1 the kernel completes the handshake from
	 * its accept queue, before the loop ever accepts. */
	ck_assert_msg(connect(p->fd, (struct sockaddr *)&a, sizeof a) == 0, "connect: %s",
		      strerror(errno));
	size_t len = strlen(request);
	ck_assert_int_eq(send(p->fd, request, len, MSG_NOSIGNAL), (ssize_t)len);
	ck_assert_int_eq(fcntl(p->fd, F_SETFL, O_NONBLOCK), 0);
	peer_read(p, true);
}

void peer_open(struct peer *p, struct srv *s, const char *request)
{
	peer_open_buf(p, s, request, 0);
}

/* GET /events with 'fields' (raw lines ending in CRLF, or "") added. */
void peer_get(struct peer *p, struct srv *s, const char *target, const char *fields)
{
	char req[1024];
	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", target, fields);
	peer_open(p, s, req);
}

void peer_close(struct peer *p)
{
	peer_unwatch(p);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	sse_parser_free(&p->sse);
	tbuf_free(&p->raw);
	tbuf_free(&p->data);
	tbuf_free(&p->log);
}

/* The value of field 'name' in the answer's head (NUL-terminated copy in
 * 'out'), or NULL when absent. */
const char *peer_field(struct peer *p, const char *name, char *out, size_t cap)
{
	ck_assert(p->head_done);
	char *head = malloc(p->head_len);
	ck_assert_ptr_nonnull(head);
	memcpy(head, p->raw.p, p->head_len);
	struct http_header fields[64];
	struct http_response res = { .headers = fields, .header_cap = 64 };
	struct http_parser hp;
	http_parser_init(&hp);
	ck_assert_int_eq(http_response_parse(&hp, head, p->head_len, &res, NULL),
			 (ssize_t)p->head_len);
	const struct http_header *h = http_header_find(fields, res.num_headers, name);
	const char *r = NULL;
	if (h) {
		snprintf(out, cap, "%.*s", (int)h->value_len, h->value);
		r = out;
	}
	free(head);
	return r;
}

/* --- waiting ------------------------------------------------------------- */

struct wait_events { struct peer *p; size_t n; };

static bool peer_has_events(void *arg)
{
	struct wait_events *w = arg;
	return w->p->events >= w->n || w->p->eof;
}

/* Runs the loop until 'p' has parsed 'n' events (or the stream ended). */
void peer_wait_events(struct peer *p, size_t n)
{
	struct wait_events w = { p, n };
	ck_assert_msg(net_loop_run_until(p->srv->loop, peer_has_events, &w, WAIT_MS),
		      "waited in vain for %zu events (have %zu): %s", n, p->events,
		      tbuf_str(&p->log));
	ck_assert_msg(p->events >= n, "the stream ended after %zu of %zu events: %s",
		      p->events, n, tbuf_str(&p->log));
}

static bool peer_has_head(void *arg) { return ((struct peer *)arg)->head_done; }
static bool peer_has_eof(void *arg) { return ((struct peer *)arg)->eof; }

void peer_wait_head(struct peer *p)
{
	ck_assert_msg(net_loop_run_until(p->srv->loop, peer_has_head, p, WAIT_MS),
		      "no answer head: %s", tbuf_str(&p->raw));
}

void peer_wait_eof(struct peer *p)
{
	ck_assert_msg(net_loop_run_until(p->srv->loop, peer_has_eof, p, WAIT_MS),
		      "the connection stayed open");
}

struct sub_wait { struct srv *s; size_t n; };

static bool srv_has_subscribers(void *arg)
{
	struct sub_wait *w = arg;
	return feed_subscribers(w->s->hub.feed) == w->n;
}

/* Runs the loop until the feed has exactly 'n' subscribers: a stream is
 * subscribed once its request has been read and answered. */
void srv_wait_subscribers(struct srv *s, size_t n)
{
	struct sub_wait w = { s, n };
	ck_assert_msg(net_loop_run_until(s->loop, srv_has_subscribers, &w, WAIT_MS),
		      "the feed has %zu subscribers, not %zu", feed_subscribers(s->hub.feed), n);
}
