/* ep_http.c -- the plain-HTTP paradigms: request-response, short polling,
 * long polling, and publishing.
 *
 *   GET /score                  the current state, at once:
 *                               {"seq":N,"type":"...","data":"..."}  ({"seq":0}
 *                               before the first event).  Asked once, it is
 *                               request-response; asked every few seconds, it
 *                               is short polling -- the server cannot tell,
 *                               and a poller sees only the latest state, not
 *                               the events in between.
 *   GET /score?since=N[&timeout=MS]
 *                               long polling: every event after N that the ring
 *                               still holds, at once if there is one:
 *                               {"latest":L,"missed":M,"events":[{...},...]}
 *                               where M counts events after N already evicted.
 *                               Otherwise the request is held -- a feed
 *                               subscription and a timer, no thread, no
 *                               polling -- until the next event (then every
 *                               held request is answered) or the timeout
 *                               (204 No Content).  One answer carries at most
 *                               PP_LP_MAX_BODY bytes of events; the client
 *                               asks again from the last seq it received, so
 *                               nothing is lost.
 *   POST /publish[?type=T]      appends the body (UTF-8 text) as an event of
 *                               type T ("message" by default; not "reset",
 *                               the SSE stream's own notice) and answers
 *                               {"seq":N} -- after every subscriber has been
 *                               told.
 */
#include "paradigms/hub.h"
#include "http/http_target.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_TYPE "application/json"
#define TEXT_TYPE "text/plain; charset=utf-8"

/* --- shared by the hub ---------------------------------------------------- */

const char *pp_kind_name(enum pp_kind k)
{
	static const char *const names[PP_KINDS] = {
		"request-response", "short-poll", "long-poll", "sse", "websocket",
	};
	return k < PP_KINDS ? names[k] : "?";
}

void pp_config_defaults(struct pp_config *c)
{
	if (!c->lp_timeout_ms) c->lp_timeout_ms = PP_LP_TIMEOUT_MS;
	if (!c->lp_max_timeout_ms) c->lp_max_timeout_ms = PP_LP_MAX_TIMEOUT_MS;
	if (!c->sse_heartbeat_ms) c->sse_heartbeat_ms = PP_SSE_HEARTBEAT_MS;
	if (!c->sse_retry_ms) c->sse_retry_ms = PP_SSE_RETRY_MS;
	if (!c->sse_queue_cap) c->sse_queue_cap = PP_SSE_QUEUE_CAP;
	if (!c->ws_ping_ms) c->ws_ping_ms = PP_WS_PING_MS;
}

void pp_hub_cleanup(struct pp_hub *hub)
{
	free(hub->score_json.buf);
	free(hub->sse_bytes.buf);
	free(hub->ws_bytes.buf);
	hub->score_json = hub->sse_bytes = hub->ws_bytes = (struct pp_render){ 0 };
}

int pp_render_reserve(struct pp_render *r, size_t len)
{
	if (len <= r->cap)
		return 0;
	char *p = realloc(r->buf, len);
	if (!p)
		return -1;
	r->buf = p;
	r->cap = len;
	r->seq = 0;
	return 0;
}

void pp_hub_charge(struct pp_hub *hub, struct http_exchange *x, enum pp_kind k)
{
	if (hub->ledger[k])
		http_exchange_set_ledger(x, hub->ledger[k]);
}

static void bad_request(struct http_exchange *x, const char *why)
{
	http_respond(x, 400, TEXT_TYPE, NULL, why, strlen(why));
}

/* --- rendering events as JSON ------------------------------------------ */

/* The answer to a long poll: events (since, latest], at most PP_LP_MAX_BODY
 * bytes of them (at least one).  Returns a malloc'd buffer. */
static char *render_events(const struct feed *f, uint64_t since, size_t *out_len)
{
	uint64_t latest = feed_latest(f), oldest = feed_oldest(f);
	uint64_t first = since + 1 > oldest ? since + 1 : oldest;
	uint64_t missed = first > since + 1 ? first - since - 1 : 0;
	/* Size first, so the buffer is allocated once. */
	size_t need = 64, count = 0;
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
	size_t len = (size_t)snprintf(buf, need, "{\"latest\":%llu,\"missed\":%llu,\"events\":[",
				      (unsigned long long)latest, (unsigned long long)missed);
	for (size_t i = 0; i < count; i++) {
		if (i)
			buf[len++] = ',';
		len += feed_event_json(feed_get(f, first + i), buf + len, need - len);
	}
	len += (size_t)snprintf(buf + len, need - len, "]}");
	*out_len = len;
	return buf;
}

static void answer_events(struct http_exchange *x, const struct feed *f, uint64_t since)
{
	size_t len;
	char *body = render_events(f, since, &len);
	if (!body) {
		http_respond(x, 503, TEXT_TYPE, NULL, "out of memory\n", 14);
		return;
	}
	http_respond(x, 200, JSON_TYPE, NULL, body, len);
	free(body);
}

/* The answer to GET /score: the latest event as JSON, made once per seq
 * (a poller asks for the same state many times).  NULL when memory ran
 * out. */
static const char *score_json(struct pp_hub *hub, size_t *len)
{
	struct pp_render *r = &hub->score_json;
	const struct feed_event *ev = feed_get(hub->feed, feed_latest(hub->feed));
	if (!ev) {
		*len = 9;
		return "{\"seq\":0}";
	}
	if (r->seq != ev->seq) {
		size_t need = feed_event_json(ev, NULL, 0);
		if (pp_render_reserve(r, need + 1) < 0)
			return NULL;
		r->len = feed_event_json(ev, r->buf, need + 1);
		r->seq = ev->seq;
	}
	*len = r->len;
	return r->buf;
}

/* --- long polling: a held request ------------------------------------------ */

struct lp_wait {
	struct feed_sub sub;            /* first: the feed hands us &sub */
	struct net_timer timer;
	struct http_exchange *x;
	struct pp_hub *hub;
	uint64_t since;
};

static void lp_release(struct lp_wait *w)
{
	feed_unsubscribe(w->hub->feed, &w->sub);
	net_timer_stop(w->hub->loop, &w->timer);
	free(w);
}

static void lp_on_event(struct feed_sub *sub, const struct feed_event *ev)
{
	(void)ev;
	struct lp_wait *w = (struct lp_wait *)sub;
	struct http_exchange *x = w->x;
	struct pp_hub *hub = w->hub;
	uint64_t since = w->since;
	lp_release(w);                  /* before answering: the answer may close */
	answer_events(x, hub->feed, since);
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

/* --- the handlers ------------------------------------------------------- */

/* Reads an unsigned parameter of 'query' (NULL: the target has none).
 * 0: absent, 1: read, -1: malformed. */
static int query_u64(const char *query, size_t qlen, const char *name, uint64_t *v)
{
	size_t n;
	char buf[32];
	if (!query)
		return 0;
	switch (http_query_get(query, qlen, name, buf, sizeof buf, &n)) {
	case HTTP_QUERY_MISSING:
		return 0;
	case HTTP_QUERY_FOUND:
		return http_parse_u64(buf, n, v) ? 1 : -1;
	default:
		return -1;
	}
}

static void on_score(struct http_exchange *x, const struct http_request *req,
		     const char *body, size_t body_len, void *ud)
{
	(void)body; (void)body_len;
	struct pp_hub *hub = ud;
	uint64_t since, timeout = hub->cfg.lp_timeout_ms;
	const char *path, *query;
	size_t plen, qlen;
	http_target_split(req->target, req->target_len, &path, &plen, &query, &qlen);
	int has_since = query_u64(query, qlen, "since", &since);
	int has_timeout = query_u64(query, qlen, "timeout", &timeout);
	if (has_since < 0) {
		bad_request(x, "since must be a decimal event number\n");
		return;
	}
	if (has_since == 0) {
		/* Request-response: the state now. */
		pp_hub_charge(hub, x, PP_RPC);
		size_t len;
		const char *json = score_json(hub, &len);
		if (!json)
			http_respond(x, 503, TEXT_TYPE, NULL, "out of memory\n", 14);
		else
			http_respond(x, 200, JSON_TYPE, NULL, json, len);
		return;
	}
	pp_hub_charge(hub, x, PP_LONG);
	if (has_timeout < 0 || timeout == 0 || timeout > hub->cfg.lp_max_timeout_ms) {
		char why[96];
		int n = snprintf(why, sizeof why, "timeout must be 1..%u milliseconds\n",
				 (unsigned)hub->cfg.lp_max_timeout_ms);
		http_respond(x, 400, TEXT_TYPE, NULL, why, (size_t)n);
		return;
	}
	/* Something to say already (or the client is ahead of us: a restarted
	 * server): answer now.  Otherwise hold the request. */
	if (feed_latest(hub->feed) != since) {
		answer_events(x, hub->feed, since < feed_latest(hub->feed) ? since : feed_latest(hub->feed));
		return;
	}
	struct lp_wait *w = calloc(1, sizeof *w);
	if (!w) {
		http_respond(x, 503, TEXT_TYPE, NULL, "out of memory\n", 14);
		return;
	}
	w->x = x;
	w->hub = hub;
	w->since = since;
	feed_subscribe(hub->feed, &w->sub, lp_on_event);
	net_timer_init(&w->timer, lp_on_timeout, w);
	net_timer_start(hub->loop, &w->timer, timeout, 0);
	http_exchange_on_abort(x, lp_on_abort, w);
}

static void on_publish(struct http_exchange *x, const struct http_request *req,
		       const char *body, size_t body_len, void *ud)
{
	struct pp_hub *hub = ud;
	pp_hub_charge(hub, x, PP_RPC);
	char type[FEED_TYPE_MAX + 1] = "message";
	const char *path, *query;
	size_t plen, qlen, n = 0;
	http_target_split(req->target, req->target_len, &path, &plen, &query, &qlen);
	if (query) {
		enum http_query_result r = http_query_get(query, qlen, "type", type, FEED_TYPE_MAX, &n);
		if (r == HTTP_QUERY_FOUND)
			type[n] = '\0';
		if (r == HTTP_QUERY_FOUND && feed_type_is_reset(type, n)) {
			bad_request(x, "type reset is the server's own (SSE: events were missed)\n");
			return;
		}
		if ((r == HTTP_QUERY_FOUND && !feed_type_valid(type, n)) ||
		    r == HTTP_QUERY_BAD_ESCAPE || r == HTTP_QUERY_TOO_LONG) {
			bad_request(x, "type must be a token of at most 32 characters\n");
			return;
		}
	}
	if (!utf8_is_valid((const uint8_t *)body, body_len)) {
		bad_request(x, "the event must be UTF-8 text\n");
		return;
	}
	uint64_t seq = feed_publish(hub->feed, type, body, body_len);
	if (seq == 0) {
		http_respond(x, 413, TEXT_TYPE, NULL, "event too large for the feed\n", 29);
		return;
	}
	char json[48];
	int len = snprintf(json, sizeof json, "{\"seq\":%llu}", (unsigned long long)seq);
	http_respond(x, 200, JSON_TYPE, NULL, json, (size_t)len);
}

int pp_http_routes(struct http_server *s, struct pp_hub *hub)
{
	if (http_server_route(s, "GET", "/score", on_score, hub) < 0 ||
	    http_server_route(s, "POST", "/publish", on_publish, hub) < 0)
		return -1;
	return 0;
}
