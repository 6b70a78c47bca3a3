/* server_sse.c -- Server-Sent Events: GET /events.
 *
 * One streamed HTTP answer per client (chunked in HTTP/1.1; for HTTP/1.0
 * the raw stream, ended by a close), headed
 *     Content-Type: text/event-stream
 *     Cache-Control: no-cache
 * and carrying, in order:
 *   1. "retry: <ms>", once: how long the client waits before reconnecting;
 *   2. on a resume -- a Last-Event-ID field, or ?lastEventId=ID for
 *      clients that cannot set fields -- every event after ID still in
 *      the history, exactly once and in order; if the client cannot go on
 *      where it left off (its id is from another epoch, or not one of
 *      ours; older than the history; ahead of the latest event), first
 *          id: <epoch>-<O-1>
 *          event: reset
 *          data: {"type":"reset","reason":"...","missed":M,"seq":O-1,"id":"..."}
 *      the notice every paradigm sends for a gap (feed_reset_json): M
 *      events lost, or null when that cannot be known, and the events
 *      from the oldest kept (O) follow.  The id matters: each stream
 *      starts with an empty "last event ID buffer", copied to the
 *      client's last event ID at every dispatch (WHATWG HTML §9.2.6), so
 *      a notice without an id would leave the client with none, and a
 *      reconnection before the next event would ask for live events only;
 *   3. every new event as it is published:
 *          id: <epoch>-<seq>
 *          event: <type>
 *          data: <one line per line of the payload>
 *   4. ":" after every heartbeat interval without a byte sent, which
 *      keeps idle streams alive through proxies (WHATWG HTML §9.2.7).
 *
 * Two speeds.  A stream that is caught up is sent each event as it is
 * published; fan-out formats the event once, for the first stream that
 * sends it, and reuses the bytes for every other stream.  A stream that
 * is behind -- a resume with a replay to send -- is fed from the ring
 * itself, a batch at a time, only while its output queue is below the
 * high-water mark: the ring may hold megabytes, and copying all of it
 * into every resuming connection's queue at once is how a server runs
 * out of memory.  When the queue has drained (http_exchange_on_drain),
 * the next batch goes.
 *
 * A client that cannot keep up: its output queue is capped at
 * 'sse_queue_cap' bytes; past it the connection is dropped (src/net
 * aborts it) rather than the server's memory growing.  One that is still
 * catching up when the ring drops the next event it needs is dropped
 * too.  Either comes back with Last-Event-ID and loses nothing the ring
 * still holds, and learns what it did lose from the reset notice.
 *
 * Read next: client_sse.c (the other end; src/sse/sse_writer.h has the bytes).
 */
#include "paradigms/server_private.h"
#include "http/http_fields.h"
#include "http/http_target.h"
#include "net/conn.h"
#include "sse/sse_writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a live event reads (sub, next, x, hub) fits one cache line: a
 * publish visits every stream, and finds each one cold. */
struct sse_stream {
	struct feed_sub sub;            /* first: the feed hands us &sub */
	uint64_t next;                  /* the next event this stream is owed */
	struct http_exchange *x;
	struct pp_hub *hub;
	uint64_t last_sent_ms;
	bool catching_up;               /* stream_catch_up is on the stack */
	struct net_timer timer;         /* the heartbeat */
};

/* The bytes of 'ev' as an event-stream event, formatted once per seq and
 * framed once as a chunk (http_stream_prepare), for every stream. */
static const struct http_prepared *event_bytes(struct pp_hub *hub, const struct feed_event *ev)
{
	struct pp_render *r = &hub->sse_bytes;
	if (r->seq != ev->seq) {
		size_t tlen = strlen(ev->type);
		char id[FEED_ID_MAX];
		size_t il = feed_id_format(id, ev->epoch, ev->seq);
		ssize_t need = sse_feed_event_size(id, il, ev->type, tlen, ev->data, ev->len);
		if (need < 0 || pp__render_reserve(r, HTTP_STREAM_PAD + (size_t)need + 2) < 0)
			return NULL;            /* not encodable: the feed holds only UTF-8 */
		r->len = (size_t)sse_write_feed_event(r->buf + HTTP_STREAM_PAD, (size_t)need,
						      id, il, ev->type, tlen, ev->data, ev->len);
		http_stream_prepare(r->buf, r->len, &hub->sse_ready);
		r->seq = ev->seq;
	}
	return &hub->sse_ready;
}

static void stream_release(struct sse_stream *s)
{
	struct pp_hub *hub = s->hub;
	feed_unsubscribe(hub->feed, &s->sub);
	net_timer_stop(hub->loop, &s->timer);
	free(s);
}

static void on_abort(struct http_exchange *x, void *ud)
{
	(void)x;
	stream_release(ud);
}

/* Sends bytes; -1 means the connection is gone, or going, and with it
 * 's' (if not yet, then at its close: on_abort). */
static int stream_send(struct sse_stream *s, const void *data, size_t len)
{
	s->last_sent_ms = net_loop_now(s->hub->loop);
	return http_stream_send(s->x, data, len);
}

/* Sends one event's prepared bytes; as stream_send(). */
static int stream_send_event(struct sse_stream *s, const struct http_prepared *p)
{
	struct pp_hub *hub = s->hub;            /* on failure 's' is gone */
	s->last_sent_ms = net_loop_now(hub->loop);
	if (http_stream_send_prepared(s->x, p) < 0)
		return -1;
	pp__hub_delivered(hub, PP_SSE, 1);
	return 0;
}

/* The output queue's high-water mark on a stream: half the cap, at most
 * src/net's default. */
static size_t queue_mark(const struct pp_hub *hub)
{
	size_t half = hub->cfg.sse_queue_cap / 2;
	return half < NET_HIGH_WATER ? half : NET_HIGH_WATER;
}

/* Flushes what this stream has corked (one send() for the batch).
 * False if the connection is gone. */
static bool batch_flush(struct net_conn *nc)
{
	net_conn_uncork(nc);
	return !net_conn_closing(nc);
}

/* Sends the ring's events from 'next' on, in batches of at most the
 * high-water mark (corked: one send() per batch), until the stream is
 * caught up or its queue is full.  An event larger than the mark goes
 * alone, uncorked, once the queue is empty: the kernel takes what it can
 * straight from the ring's render and only the rest is queued.  Replayed
 * events go through the same one-event render buffer as live ones: a
 * live event formatted after a replay is formatted again, once -- cheap
 * next to the send.  Returns 0, or -1 if the connection is gone (then 's'
 * must not be touched: it may be freed). */
static int catch_up(struct sse_stream *s)
{
	struct feed *f = s->hub->feed;
	struct net_conn *nc = http_exchange_conn(s->x);    /* valid this turn, even closed */
	size_t high = queue_mark(s->hub);
	if (s->next < feed_oldest(f)) {
		net_conn_abort(nc, ENOBUFS);    /* fell out of the ring: see the top */
		return -1;
	}
	net_conn_cork(nc);
	while (s->next <= feed_latest(f)) {
		const struct http_prepared *ev = event_bytes(s->hub, feed_get(f, s->next));
		if (!ev) {
			s->next++;              /* not encodable: skipped, as live */
			continue;
		}
		size_t len = ev->framed_len;
		if (net_conn_pending(nc) > 0 && net_conn_pending(nc) + len > high) {
			if (!batch_flush(nc))
				return -1;
			net_conn_cork(nc);
			if (net_conn_pending(nc) > 0 && net_conn_pending(nc) + len > high) {
				net_conn_want_drain(nc);        /* on_drain sends the next batch */
				break;
			}
		}
		bool alone = len > high;
		if (alone && !batch_flush(nc))
			return -1;
		s->next++;
		if (stream_send_event(s, ev) < 0) {
			if (!alone)
				net_conn_uncork(nc);
			return -1;
		}
		if (alone)
			net_conn_cork(nc);
	}
	return batch_flush(nc) ? 0 : -1;
}

/* catch_up(), marked as running: its own flushes may call on_drain. */
static int stream_catch_up(struct sse_stream *s)
{
	s->catching_up = true;
	int r = catch_up(s);
	if (r == 0)
		s->catching_up = false;         /* on failure 's' may be gone */
	return r;
}

/* The queue drained: a stream still behind sends its next batch. */
static void on_drain(struct http_exchange *x, void *ud)
{
	(void)x;
	struct sse_stream *s = ud;
	/* Not from inside stream_catch_up's own flush: it goes on by itself,
	 * and the event bytes it holds would be formatted over. */
	if (!s->catching_up && s->next <= feed_latest(s->hub->feed))
		stream_catch_up(s);
}

/* Writes the reset notice of 'from', with the id where the client now
 * stands (see the top), into 'dst'; returns its length (0 if it does not
 * fit 'cap', RESET_EVENT_MAX is enough). */
#define RESET_EVENT_MAX (FEED_ID_MAX + FEED_RESET_JSON_MAX + 32)
static size_t reset_event(const struct feed *f, const struct feed_resume *from, char *dst,
			  size_t cap)
{
	char data[FEED_RESET_JSON_MAX], id[FEED_ID_MAX];
	size_t n = feed_reset_json(f, from, data, sizeof data);
	size_t il = feed_id_format(id, feed_epoch(f), from->next - 1);
	struct sse_msg m = { id, il, FEED_TYPE_RESET, strlen(FEED_TYPE_RESET), data, n };
	ssize_t w = sse_write_event(dst, cap, &m);
	return w > 0 ? (size_t)w : 0;
}

static void on_event(struct feed_sub *sub, const struct feed_event *ev)
{
	struct sse_stream *s = (struct sse_stream *)sub;
	if (!ev) {                              /* a new epoch (feed.h): say so, go on */
		struct feed_resume from = feed_resume_unknown(s->hub->feed);
		char notice[RESET_EVENT_MAX];
		s->next = from.next;
		stream_send(s, notice, reset_event(s->hub->feed, &from, notice, sizeof notice));
		return;                         /* on failure 's' is released */
	}
	if (s->next == ev->seq) {
		/* Caught up: send it whatever the queue holds -- the queue's
		 * cap is what stops a client that does not read. */
		s->next++;
		const struct http_prepared *bytes = event_bytes(s->hub, ev);
		if (bytes)
			stream_send_event(s, bytes);    /* on failure 's' is released */
		return;
	}
	stream_catch_up(s);                     /* behind: the next batch, if there is room */
}

static void on_timer(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)t;
	struct sse_stream *s = ud;
	struct pp_hub *hub = s->hub;
	/* The heartbeat: due one interval after the last byte sent (the
	 * 5 ms slack keeps a timer that fires a little early from waiting
	 * a whole interval more). */
	uint64_t now = net_loop_now(loop), due = s->last_sent_ms + hub->cfg.sse_heartbeat_ms;
	if (now + 5 < due) {
		net_timer_start(loop, &s->timer, due - now, 0);
		return;
	}
	if (stream_send(s, ":\n", 2) == 0)
		net_timer_start(loop, &s->timer, hub->cfg.sse_heartbeat_ms, 0);
}

/* Where a resuming client left off: the Last-Event-ID field, else the
 * lastEventId query parameter.  False: not resuming (live only; an empty
 * value too).  An id that is not one of ours is a resume with a gap of
 * unknown size. */
static bool resume_point(const struct pp_hub *hub, const struct http_request *req,
			 struct feed_resume *r)
{
	const struct http_header *h = http_header_find(req->headers, req->num_headers,
							 "Last-Event-ID");
	const char *path, *query, *id = NULL;
	size_t plen, qlen, n = 0;
	char buf[FEED_ID_MAX];
	if (h) {
		id = h->value;
		n = h->value_len;
	} else {
		http_target_split(req->target, req->target_len, &path, &plen, &query, &qlen);
		if (query && http_query_get(query, qlen, "lastEventId", buf, sizeof buf, &n) ==
		    HTTP_QUERY_FOUND)
			id = buf;
	}
	if (!id || n == 0)
		return false;                   /* none, or empty: the client has no id */
	if (!pp__resume(hub, id, n, r))
		*r = feed_resume_unknown(hub->feed);
	return true;
}

/* The first chunk: retry, then (on a resume with a gap) the reset
 * notice.  Sets 'next', where the stream starts in the feed. */
static int send_opening(struct sse_stream *s, const struct http_request *req)
{
	struct pp_hub *hub = s->hub;
	struct feed *f = hub->feed;
	struct feed_resume from;
	char head[SSE_RETRY_LINE_MAX + RESET_EVENT_MAX];
	size_t hl = (size_t)sse_write_retry(head, sizeof head, hub->cfg.sse_retry_ms);
	s->next = feed_latest(f) + 1;           /* live only */
	if (resume_point(hub, req, &from)) {
		s->next = from.next;
		if (from.gap != FEED_GAP_NONE)
			hl += reset_event(f, &from, head + hl, sizeof head - hl);
	}
	return stream_send(s, head, hl);
}

static void on_events(struct http_exchange *x, const struct http_request *req,
		      const char *body, size_t body_len, void *ud)
{
	(void)body; (void)body_len;
	struct pp_hub *hub = ud;
	pp__hub_charge(hub, x, PP_SSE);
	if (!pp__admit(hub, x, req))
		return;
	struct net_conn *nc = http_exchange_conn(x);
	net_conn_set_limits(nc, queue_mark(hub), hub->cfg.sse_queue_cap, NET_IN_CAP);
	int r = http_stream_start(x, 200, SSE_CONTENT_TYPE, "Cache-Control: no-cache\r\n");
	if (r != 0)
		return;                         /* HEAD (answered) or gone */
	struct sse_stream *s = calloc(1, sizeof *s);
	if (!s) {
		http_stream_end(x);
		return;
	}
	s->x = x;
	s->hub = hub;
	http_exchange_on_abort(x, on_abort, s);
	http_exchange_on_drain(x, on_drain, s);
	net_timer_init(&s->timer, on_timer, s);
	if (send_opening(s, req) < 0)
		return;                         /* 's' is released by on_abort */
	feed_subscribe(hub->feed, &s->sub, on_event);
	if (stream_catch_up(s) == 0)
		net_timer_start(hub->loop, &s->timer, hub->cfg.sse_heartbeat_ms, 0);
}

int pp__sse_routes(struct http_server *s, struct pp_hub *hub)
{
	return http_server_route(s, "GET", "/events", on_events, hub);
}
