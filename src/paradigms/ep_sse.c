/* ep_sse.c -- Server-Sent Events: GET /events.
 *
 * One streamed HTTP answer per client (chunked in HTTP/1.1; for HTTP/1.0
 * the raw stream, ended by a close), headed
 *     Content-Type: text/event-stream
 *     Cache-Control: no-cache
 * and carrying, in order:
 *   1. "retry: <ms>", once: how long the client waits before reconnecting;
 *   2. on a resume -- a Last-Event-ID field, or ?lastEventId=N for clients
 *      that cannot set fields -- every event after N still in the ring,
 *      exactly once and in order; if some are gone (N is older than the
 *      ring, or newer than the feed: the server restarted), first
 *          event: reset
 *          data: {"missed":M,"oldest":O,"latest":L}
 *      so the client knows it has a gap (M is how many it missed, or -1
 *      when it cannot be known);
 *   3. every new event as it is published:
 *          id: <seq>
 *          event: <type>
 *          data: <one line per line of the payload>
 *   4. ":" every heartbeat interval while nothing else was sent, which
 *      keeps idle streams alive through proxies (WHATWG HTML §9.2.7).
 *
 * A client that cannot keep up: its output queue is capped at
 * 'sse_queue_cap' bytes; past it the connection is dropped (src/net
 * aborts it) rather than the server's memory growing.  It comes back with
 * Last-Event-ID and loses nothing the ring still holds.
 *
 * Fan-out: the bytes of one event are formatted once, for the first
 * stream that sends it, and reused for every other stream.
 */
#include "paradigms/hub.h"
#include "http/http_fields.h"
#include "http/http_target.h"
#include "net/conn.h"
#include "sse/sse_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sse_stream {
	struct feed_sub sub;            /* first: the feed hands us &sub */
	struct net_timer heartbeat;
	struct http_exchange *x;
	struct pp_hub *hub;
	uint64_t last_sent_ms;
};

/* The bytes of 'ev' as an event-stream event, formatted once per seq. */
static const char *event_bytes(struct pp_render *r, const struct feed_event *ev, size_t *len)
{
	if (r->seq != ev->seq) {
		size_t tlen = strlen(ev->type);
		ssize_t need = sse_feed_event_size(ev->seq, ev->type, tlen, ev->data, ev->len);
		if (need < 0 || pp_render_reserve(r, (size_t)need) < 0)
			return NULL;            /* not encodable: the feed holds only UTF-8 */
		r->len = (size_t)sse_write_feed_event(r->buf, r->cap, ev->seq, ev->type, tlen,
						      ev->data, ev->len);
		r->seq = ev->seq;
	}
	*len = r->len;
	return r->buf;
}

static void stream_release(struct sse_stream *s)
{
	struct pp_hub *hub = s->hub;
	feed_unsubscribe(hub->feed, &s->sub);
	net_timer_stop(hub->loop, &s->heartbeat);
	free(s);
}

static void on_abort(struct http_exchange *x, void *ud)
{
	(void)x;
	stream_release(ud);
}

/* Sends bytes; -1 means the connection is gone and 's' with it. */
static int stream_send(struct sse_stream *s, const void *data, size_t len)
{
	s->last_sent_ms = net_loop_now(s->hub->loop);
	return http_stream_send(s->x, data, len);
}

static void on_event(struct feed_sub *sub, const struct feed_event *ev)
{
	struct sse_stream *s = (struct sse_stream *)sub;
	size_t len;
	const char *bytes = event_bytes(&s->hub->sse_bytes, ev, &len);
	if (bytes)
		stream_send(s, bytes, len);     /* on failure 's' is already released */
}

static void on_heartbeat(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)t;
	struct sse_stream *s = ud;
	if (net_loop_now(loop) - s->last_sent_ms + 5 >= s->hub->cfg.sse_heartbeat_ms)
		stream_send(s, ":\n", 2);
}

/* Where a resuming client left off: the Last-Event-ID field, else the
 * lastEventId query parameter.  0: not resuming (or an id we never sent). */
static int resume_point(const struct http_request *req, uint64_t *last)
{
	const struct http_header *h = http_header_find(req->headers, req->num_headers,
							 "Last-Event-ID");
	if (h)
		return http_parse_u64(h->value, h->value_len, last);
	const char *path, *query;
	size_t plen, qlen, n;
	char buf[32];
	http_target_split(req->target, req->target_len, &path, &plen, &query, &qlen);
	if (query && http_query_get(query, qlen, "lastEventId", buf, sizeof buf, &n) ==
	    HTTP_QUERY_FOUND)
		return http_parse_u64(buf, n, last);
	return 0;
}

/* The first chunk: retry, then (on a resume) the reset notice and the
 * missed events, all in one send. */
static int send_opening(struct sse_stream *s, const struct http_request *req)
{
	struct pp_hub *hub = s->hub;
	struct feed *f = hub->feed;
	uint64_t last = 0;
	bool resuming = resume_point(req, &last);
	uint64_t latest = feed_latest(f), oldest = feed_oldest(f);
	uint64_t from = latest + 1;             /* live only */
	char head[256];
	size_t hl = (size_t)sse_write_retry(head, sizeof head, hub->cfg.sse_retry_ms);
	if (resuming) {
		from = last + 1;
		long long missed = 0;
		if (last > latest) {
			missed = -1;            /* ids from before a restart */
			from = oldest;
		} else if (from < oldest) {
			missed = (long long)(oldest - from);
			from = oldest;
		}
		if (missed != 0) {
			char data[128];
			int n = snprintf(data, sizeof data, "{\"missed\":%lld,\"oldest\":%llu,\"latest\":%llu}",
					 missed, (unsigned long long)oldest, (unsigned long long)latest);
			struct sse_msg m = { NULL, 0, "reset", 5, data, (size_t)n };
			ssize_t w = sse_write_event(head + hl, sizeof head - hl, &m);
			if (w > 0)
				hl += (size_t)w;
		}
	}
	size_t total = hl;
	for (uint64_t q = from; q <= latest; q++) {
		const struct feed_event *ev = feed_get(f, q);
		ssize_t n = sse_feed_event_size(ev->seq, ev->type, strlen(ev->type), ev->data, ev->len);
		total += n > 0 ? (size_t)n : 0;
	}
	if (total == hl)
		return stream_send(s, head, hl);
	char *buf = malloc(total);
	if (!buf)
		return stream_send(s, head, hl);
	memcpy(buf, head, hl);
	size_t len = hl;
	for (uint64_t q = from; q <= latest; q++) {
		const struct feed_event *ev = feed_get(f, q);
		ssize_t n = sse_write_feed_event(buf + len, total - len, ev->seq, ev->type,
						 strlen(ev->type), ev->data, ev->len);
		if (n > 0)
			len += (size_t)n;
	}
	int r = stream_send(s, buf, len);
	free(buf);
	return r;
}

static void on_events(struct http_exchange *x, const struct http_request *req,
		      const char *body, size_t body_len, void *ud)
{
	(void)body; (void)body_len;
	struct pp_hub *hub = ud;
	pp_hub_charge(hub, x, PP_SSE);
	struct net_conn *nc = http_exchange_conn(x);
	net_conn_set_limits(nc, NET_HIGH_WATER < hub->cfg.sse_queue_cap ? NET_HIGH_WATER
				: hub->cfg.sse_queue_cap / 2,
			    hub->cfg.sse_queue_cap, NET_IN_CAP);
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
	net_timer_init(&s->heartbeat, on_heartbeat, s);
	net_timer_start(hub->loop, &s->heartbeat, hub->cfg.sse_heartbeat_ms,
			hub->cfg.sse_heartbeat_ms);
	if (send_opening(s, req) < 0)
		return;                         /* 's' was released by on_abort */
	feed_subscribe(hub->feed, &s->sub, on_event);
}

int pp_sse_routes(struct http_server *s, struct pp_hub *hub)
{
	return http_server_route(s, "GET", "/events", on_events, hub);
}
