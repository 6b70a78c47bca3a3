/* server_long_poll.c -- long polling: GET /score?since=ID[&timeout=MS].
 *
 * ID is the id of the last event the client holds (feed.h: "<epoch>-<seq>",
 * or a plain seq of the current epoch).  Every event after it that the
 * history still holds, at once if there is one:
 *     {"latest":L,"events":[{...},...]}
 * Otherwise the request is held -- a feed subscription and a timer, no
 * thread, no polling -- until the next event (then every held request is
 * answered) or the timeout (204 No Content).  One answer carries at most
 * PP_LP_MAX_BODY bytes of events; the client asks again from the id of
 * the last event it received, so nothing is lost.
 *
 * When the client cannot go on where it left off -- its id is from
 * another epoch (a restart without a journal), older than the history, or
 * ahead of the latest event -- the answer says so at once, before the
 * events it can still have:
 *     {"latest":L,"reset":{"type":"reset","reason":"evicted","missed":3,
 *      "seq":6,"id":"<epoch>-6"},"events":[...]}
 * the same notice SSE sends as "event: reset" and WebSocket as a message
 * (feed_reset_json): how many events were lost (null: unknown) and the id
 * the client now stands at.
 *
 * What it costs: a request and an answer per event (or per batch of
 * events that arrive while the client is asking again), and, in between,
 * one 'struct lp_wait' per held request.  An event that is published
 * while the client's next request is on its way waits for it: up to one
 * round trip.
 *
 * Read next: client_long_poll.c (the other end), then server_sse.c.
 */
#include "paradigms/server_private.h"

#include <stdio.h>
#include <stdlib.h>

/* --- the answer --------------------------------------------------------- */

/* Events from->next..latest, at most PP_LP_MAX_BODY bytes of them (at
 * least one; how many in *out_count), after the reset notice if 'from'
 * has a gap.  Returns a malloc'd buffer. */
static char *render_events(const struct feed *f, const struct feed_resume *from, size_t *out_len,
			   size_t *out_count)
{
	uint64_t latest = feed_latest(f), first = from->next;
	/* Size first, so the buffer is allocated once. */
	size_t need = 64 + FEED_RESET_JSON_MAX, count = 0;
	for (uint64_t s = first; s <= latest; s++) {
		size_t n = feed_event_json(feed_get(f, s), NULL, 0) + 1;
		if (count > 0 && need + n > PP_LP_MAX_BODY)
			break;
		need += n;
		count++;
	}
	char *buf = malloc(need);
	if (!buf)
		return NULL;
	size_t len = (size_t)snprintf(buf, need, "{\"latest\":%llu,", (unsigned long long)latest);
	if (from->gap != FEED_GAP_NONE) {
		len += (size_t)snprintf(buf + len, need - len, "\"reset\":");
		len += feed_reset_json(f, from, buf + len, need - len);
		buf[len++] = ',';
	}
	len += (size_t)snprintf(buf + len, need - len, "\"events\":[");
	for (size_t i = 0; i < count; i++) {
		if (i)
			buf[len++] = ',';
		len += feed_event_json(feed_get(f, first + i), buf + len, need - len);
	}
	len += (size_t)snprintf(buf + len, need - len, "]}");
	*out_len = len;
	*out_count = count;
	return buf;
}

static void answer_events(struct http_exchange *x, struct pp_hub *hub,
			  const struct feed_resume *from)
{
	size_t len, count;
	char *body = render_events(hub->feed, from, &len, &count);
	if (!body) {
		http_respond_text(x, 503, NULL, "out of memory\n");
		return;
	}
	if (http_respond(x, 200, HTTP_TYPE_JSON, NULL, body, len) == 0)
		pp__hub_delivered(hub, PP_LONG_POLL, count);
	free(body);
}

/* --- a held request ------------------------------------------------------- */

struct lp_wait {
	struct feed_sub sub;            /* first: the feed hands us &sub */
	struct net_timer timer;
	struct http_exchange *x;
	struct pp_hub *hub;
	uint64_t next;                  /* the first event this client is owed */
};

static void lp_release(struct lp_wait *w)
{
	feed_unsubscribe(w->hub->feed, &w->sub);
	net_timer_stop(w->hub->loop, &w->timer);
	free(w);
}

/* An event, or the history beginning again (ev NULL: feed.h).  On a
 * shared feed (redis_feed.h) the events may come with a hole, or before
 * the one this client waits for (its cursor came from another server
 * ahead of this one): the first is reported as a gap, the second waited
 * out. */
static void lp_on_event(struct feed_sub *sub, const struct feed_event *ev)
{
	struct lp_wait *w = (struct lp_wait *)sub;
	struct http_exchange *x = w->x;
	struct pp_hub *hub = w->hub;
	struct feed *f = hub->feed;
	if (ev && ev->seq < w->next)
		return;                 /* not yet the one it waits for */
	struct feed_resume from = !ev ? feed_resume_unknown(f)
				: feed_resume_from(f, feed_epoch(f), w->next - 1);
	lp_release(w);                  /* before answering: the answer may close */
	answer_events(x, hub, &from);
}

static void lp_on_timeout(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct lp_wait *w = ud;
	struct http_exchange *x = w->x;
	lp_release(w);
	http_respond(x, 204, NULL, NULL, NULL, 0);
}

static void lp_on_abort(struct http_exchange *x, void *ud)
{
	(void)x;
	lp_release(ud);                 /* the client went away: forget it */
}

static void hold(struct http_exchange *x, struct pp_hub *hub, uint64_t next, uint64_t timeout)
{
	struct lp_wait *w = calloc(1, sizeof *w);
	if (!w) {
		http_respond_text(x, 503, NULL, "out of memory\n");
		return;
	}
	w->x = x;
	w->hub = hub;
	w->next = next;
	feed_subscribe(hub->feed, &w->sub, lp_on_event);
	net_timer_init(&w->timer, lp_on_timeout, w);
	net_timer_start(hub->loop, &w->timer, timeout, 0);
	http_exchange_on_abort(x, lp_on_abort, w);
}

void pp__long_poll(struct http_exchange *x, struct pp_hub *hub, const struct feed_resume *from,
		   const char *query, size_t qlen)
{
	uint64_t timeout = hub->cfg.lp_timeout_ms;
	pp__hub_charge(hub, x, PP_LONG_POLL);
	int has_timeout = pp__query_u64(query, qlen, "timeout", &timeout);
	if (has_timeout < 0 || timeout == 0 || timeout > hub->cfg.lp_max_timeout_ms) {
		char why[96];
		snprintf(why, sizeof why, "timeout must be 1..%u milliseconds\n",
			 (unsigned)hub->cfg.lp_max_timeout_ms);
		http_respond_text(x, 400, NULL, why);
		return;
	}
	/* Something to say already -- events, or a gap: answer now.
	 * Otherwise hold the request. */
	if (from->gap != FEED_GAP_NONE || from->next <= feed_latest(hub->feed))
		answer_events(x, hub, from);
	else
		hold(x, hub, from->next, timeout);
}
