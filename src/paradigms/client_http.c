/* client_http.c -- the clients that only ask: request-response, short
 * polling, long polling.  All three are loops of http_client requests;
 * what differs is when the next request goes out and what an answer
 * means:
 *
 *   request-response  'count' requests back to back; every answer is
 *                     reported as it is.
 *   short polling     one request per 'interval_ms', whatever happened;
 *                     a state newer than the last one seen is reported.
 *                     Events published between two polls are never seen:
 *                     pp_client_emit counts them as missed.
 *   long polling      a request that the server holds until there is
 *                     news; the next goes out as soon as the answer is in,
 *                     asking for everything after the last event received.
 */
#include "paradigms/client_private.h"
#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void next_request(struct pp_client *c);

static void on_timer(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	next_request(ud);
}

/* Waits 'ms', then asks again. */
static void later(struct pp_client *c, uint32_t ms)
{
	net_timer_start(c->loop, &c->timer, ms, 0);
}

/* {"seq":N,...}: the state as GET /score renders it. */
static void got_state(struct pp_client *c, const char *body, size_t len)
{
	size_t vl;
	uint64_t seq = 0;
	const char *v = json_get(body, len, "seq", &vl);
	if (v)
		json_u64(v, vl, &seq);
	if (c->o.kind == PP_RPC || seq > c->last_seq)
		pp_client_emit(c, seq, body, len);
	else
		c->synced = true;       /* "nothing yet" is a position too: later gaps count */
}

/* {"latest":L,"missed":M,"events":[...]}: a long poll's answer. */
static void got_events(struct pp_client *c, const char *body, size_t len)
{
	size_t vl, al, pos = 0;
	uint64_t latest = 0, missed = 0;
	const char *v = json_get(body, len, "latest", &vl);
	if (!v || !json_u64(v, vl, &latest)) {
		pp_client_note(c, "long poll: an answer without \"latest\"");
		return;
	}
	/* Events evicted before we asked: pp_client_emit counts the gap. */
	v = json_get(body, len, "missed", &vl);
	if (v && json_u64(v, vl, &missed) && missed > 0)
		pp_client_note(c, "long poll: %llu events were gone from the server's ring",
			       (unsigned long long)missed);
	const char *arr = json_get(body, len, "events", &al);
	const char *el;
	size_t elen;
	if (latest < c->o.since) {
		/* The server's numbering is behind ours: it restarted, and its
		 * events 1..latest are new to us.  Ask for all of them, and
		 * count anew from there (the SSE stream does the same). */
		pp_client_note(c, "long poll: the server's latest event is %llu, ours %llu: "
			       "it restarted; asking from its first",
			       (unsigned long long)latest, (unsigned long long)c->o.since);
		c->o.since = 0;
		c->last_seq = 0;
		c->synced = false;
		return;
	}
	while (arr && json_array_next(arr, al, &pos, &el, &elen) == 1 && !c->finished) {
		uint64_t seq = 0;
		v = json_get(el, elen, "seq", &vl);
		if (v)
			json_u64(v, vl, &seq);
		if (seq && seq <= c->o.since)
			continue;               /* had it already: never twice */
		pp_client_emit(c, seq, el, elen);
		if (seq > c->o.since)
			c->o.since = seq;
	}
}

static void on_answer(struct http_client *cl, int err, const struct http_client_result *r, void *ud)
{
	struct pp_client *c = ud;
	if (err) {
		pp_client_note(c, "%s: %s", pp_kind_name(c->o.kind), http_client_error(cl));
		if (c->o.kind == PP_RPC && strcmp(c->o.method, "GET") != 0 && http_client_sent(cl)) {
			/* Sent, so it may have taken effect: not again by itself
			 * (RFC 9110 §9.2.2).  One that never left is tried again. */
			pp_client_note(c, "rpc: a %s is not sent twice: giving up", c->o.method);
			c->finished = c->gave_up = true;
		}
		if (!c->finished)
			later(c, c->o.interval_ms);
		return;
	}
	int status = r->res->status;
	if (status == 200 && c->o.kind == PP_LONG)
		got_events(c, r->body, r->body_len);
	else if (status == 200)
		got_state(c, r->body, r->body_len);
	else if (status != 204 || c->o.kind != PP_LONG) {
		/* With the server's reason, when it gave one: its first line. */
		const char *nl = r->body_len ? memchr(r->body, '\n', r->body_len) : NULL;
		size_t n = nl ? (size_t)(nl - r->body) : r->body_len;
		pp_client_note(c, "%s: status %d%s%.*s", pp_kind_name(c->o.kind), status,
			       n ? ": " : "", (int)(n < 200 ? n : 200), n ? r->body : "");
	}
	if (c->o.kind == PP_RPC && ++c->requests >= (c->o.count ? c->o.count : 1))
		c->finished = true;
	if (c->finished)
		return;
	if (c->o.kind == PP_SHORT)
		later(c, c->o.interval_ms);
	else if ((status < 200 || status >= 400) && c->o.kind == PP_LONG)
		later(c, c->o.interval_ms);     /* do not hammer a server that refuses (or
						   answers a code outside 100..599) */
	else
		next_request(c);
}

static void next_request(struct pp_client *c)
{
	char target[PP_PATH_MAX + 64];
	const char *t = c->path;
	if (c->o.kind == PP_LONG) {
		snprintf(target, sizeof target, "%s%csince=%llu&timeout=%u", c->path,
			 strchr(c->path, '?') ? '&' : '?', (unsigned long long)c->o.since,
			 (unsigned)c->o.lp_timeout_ms);
		t = target;
	}
	const char *body = c->o.body ? c->o.body : "";
	if (http_client_request(c->http, c->o.method, t, NULL, body, strlen(body),
				on_answer, c) < 0) {
		pp_client_note(c, "%s: cannot send: %s", pp_kind_name(c->o.kind), strerror(errno));
		later(c, c->o.interval_ms);
	}
}

int pp_client_http_start(struct pp_client *c)
{
	struct http_client_config cfg = {
		.host = c->o.host, .port = c->o.port, .keep_alive = c->o.keep_alive,
		.ledger = c->o.ledger,
		/* A held long poll may take its whole timeout, and then some. */
		.timeout_ms = c->o.kind == PP_LONG ? c->o.lp_timeout_ms + 10000 : 0,
	};
	c->http = http_client_new(c->loop, &cfg);
	if (!c->http)
		return ENOMEM;
	net_timer_init(&c->timer, on_timer, c);
	if (c->o.kind == PP_LONG) {
		c->last_seq = c->o.since;       /* we ask from here: a gap after it is a loss */
		c->synced = true;
	}
	later(c, 0);                            /* the first request goes out from the loop */
	return 0;
}
