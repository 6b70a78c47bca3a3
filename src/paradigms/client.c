/* client.c -- what every paradigm's client shares: starting, counting
 * events and gaps, stopping after 'count', failing and giving up (the
 * retry budget and its backoff: pp__client_fail); and, for the three that
 * only ask (rpc, short polling, long polling), the request loop they have
 * in common.  See client.h; each paradigm's own part is in client_*.c,
 * and each decides which of its failures are worth another try. */
#include "paradigms/client_private.h"
#include "paradigms/hub.h"
#include "http/http_fields.h"
#include "http/http_target.h"
#include "util/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int start(struct pp_client *c)
{
	switch (c->o.paradigm) {
	case PP_RPC:        return pp__rpc_start(c);
	case PP_SHORT_POLL: return pp__short_poll_start(c);
	case PP_LONG_POLL:  return pp__long_poll_start(c);
	case PP_SSE:        return pp__sse_start(c);
	case PP_WEBSOCKET:  return pp__websocket_start(c);
	default:            return EINVAL;
	}
}

struct pp_client *pp_client_start(struct net_loop *loop, const struct pp_client_opts *o)
{
	if (strlen(o->path) >= PP_PATH_MAX) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	struct pp_client *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->loop = loop;
	c->o = *o;
	snprintf(c->path, sizeof c->path, "%s", o->path);
	c->o.path = c->path;
	uint64_t epoch, seq;
	if (o->since && !feed_id_parse(o->since, strlen(o->since), 0, &epoch, &seq)) {
		free(c);
		errno = EINVAL;                 /* not an event id: it would not fit a URL either */
		return NULL;
	}
	if (o->since) {                         /* where we start */
		snprintf(c->cursor, sizeof c->cursor, "%s", o->since);
		c->last_seq = seq;
		c->synced = true;               /* a gap after it is a loss */
	}
	c->o.since = NULL;
	c->interval_given = o->interval_ms != 0;
	if (!c->o.interval_ms)
		c->o.interval_ms = 1000;
	c->retries = o->retries == 0 ? PP_CLIENT_RETRIES : o->retries < 0 ? 0 : (uint32_t)o->retries;
	if (!c->o.lp_timeout_ms)
		c->o.lp_timeout_ms = PP_LP_TIMEOUT_MS;
	if (!c->o.method)
		c->o.method = o->body ? "POST" : "GET";         /* as curl's --data does */
	int err = start(c);
	if (err) {
		pp_client_free(c);
		errno = err;
		return NULL;
	}
	return c;
}

void pp_client_free(struct pp_client *c)
{
	if (!c)
		return;
	net_timer_stop(c->loop, &c->timer);
	if (c->o.paradigm == PP_SSE)
		pp__sse_stop(c);
	if (c->o.paradigm == PP_WEBSOCKET)
		pp__websocket_stop(c);
	http_client_free(c->http);
	free(c);
}

void pp__client_emit(struct pp_client *c, uint64_t seq, const char *json, size_t len)
{
	if (c->finished)
		return;
	char id[FEED_ID_MAX];
	size_t il = pp__json_id(json, len, id);
	if (il)
		pp__client_at(c, id, il);
	if (seq && (c->synced || c->last_seq) && seq > c->last_seq + 1)
		c->missed += seq - c->last_seq - 1;     /* events we never saw */
	if (seq > c->last_seq)
		c->last_seq = seq;
	c->synced = true;
	c->events++;
	if (c->o.count && c->events >= c->o.count)
		c->finished = true;
	if (c->o.on_event) {
		struct pp_client_event ev = { seq, json, len };
		c->o.on_event(c, &ev, c->o.ud);
	}
}

/* The epoch part of an id, or 0 for a plain seq (any epoch). */
static uint64_t id_epoch(const char *id, size_t len)
{
	uint64_t epoch = 0, seq;
	return feed_id_parse(id, len, 0, &epoch, &seq) ? epoch : 0;
}

void pp__client_at(struct pp_client *c, const char *id, size_t len)
{
	uint64_t was = id_epoch(c->cursor, strlen(c->cursor)), now = id_epoch(id, len);
	if (len >= sizeof c->cursor)
		return;                         /* not one of ours */
	memcpy(c->cursor, id, len);
	c->cursor[len] = '\0';
	if (was && now && was != now) {
		/* The server's numbering started again and no notice said so
		 * (short polling gets none): whatever happened in between is
		 * lost, and the old seqs mean nothing now.  Told as the notice
		 * the server would have sent. */
		char json[FEED_RESET_JSON_MAX];
		int n = snprintf(json, sizeof json, "{\"type\":\"%s\",\"reason\":\"epoch\","
				 "\"missed\":null,\"seq\":0,\"id\":\"%s\"}", FEED_TYPE_RESET, c->cursor);
		pp__client_reset(c, json, (size_t)n);
	}
}

void pp__client_reset(struct pp_client *c, const char *json, size_t len)
{
	size_t vl;
	uint64_t missed = 0;
	const char *v = json_get(json, len, "missed", &vl);
	bool known = v && json_u64(v, vl, &missed);
	const char *why = json_get(json, len, "reason", &vl);
	size_t wl = why ? vl : 0;
	char id[FEED_ID_MAX];
	size_t il = pp__json_id(json, len, id);
	c->gaps++;
	if (known)
		c->missed += missed;
	else
		c->gaps_unknown++;
	c->last_seq = pp__json_seq(json, len);  /* the next event is the one after it */
	c->synced = true;
	if (il)
		memcpy(c->cursor, id, il + 1);
	if (c->o.stop_on_gap)
		c->finished = true;
	if (c->o.on_reset) {
		struct pp_client_event ev = { c->last_seq, json, len };
		c->o.on_reset(c, &ev, c->o.ud);
	}
	char lost[48] = "an unknown number of events";
	if (known)
		snprintf(lost, sizeof lost, "%llu event%s", (unsigned long long)missed,
			 missed == 1 ? "" : "s");
	pp__client_note(c, "%s: reset (%.*s): %s lost; resuming after %s",
			pp_paradigm_name(c->o.paradigm), (int)(wl > 2 ? wl - 2 : 0),
			why ? why + 1 : "", lost, il ? id : "?");
}

int pp__client_take_since(struct pp_client *c)
{
	char *q = strchr(c->path, '?'), v[FEED_ID_MAX];
	size_t n;
	uint64_t epoch, seq;
	if (!q || http_query_get(q + 1, strlen(q + 1), "since", v, sizeof v, &n) == HTTP_QUERY_MISSING)
		return 0;
	if (http_query_get(q + 1, strlen(q + 1), "since", v, sizeof v, &n) != HTTP_QUERY_FOUND ||
	    !feed_id_parse(v, n, 0, &epoch, &seq))
		return -1;
	if (!c->cursor[0]) {
		memcpy(c->cursor, v, n);
		c->cursor[n] = '\0';
		c->last_seq = seq;
		c->synced = true;
	}
	/* Cut "since=..." (and the '&' or '?' that joins it) out of the path. */
	for (char *p = q; p; p = strchr(p + 1, '&')) {
		if (strncmp(p + 1, "since=", 6) != 0)
			continue;
		char *end = strchr(p + 1, '&');
		if (end)
			memmove(p + 1, end + 1, strlen(end + 1) + 1);   /* keep our '?' or '&' */
		else
			*p = '\0';
		break;
	}
	return 0;
}

void pp__client_note(struct pp_client *c, const char *fmt, ...)
{
	if (!c->o.on_note)
		return;
	char msg[PP_CLIENT_WHY_MAX + 128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->o.on_note(c, msg, c->o.ud);
}

/* --- failing and giving up ------------------------------------------------- */

enum pp_fail pp__client_status_fail(int status)
{
	if (status >= 200 && status <= 299)
		return PP_FAIL_NONE;
	if (status < 100 || status >= 500 || status == 408 || status == 429)
		return PP_FAIL_RETRY;           /* the server's trouble, or "not now" */
	return PP_FAIL_FINAL;                   /* 1xx, 3xx (not followed), 4xx */
}

void pp__client_ok(struct pp_client *c)
{
	c->failures = 0;
}

/* The wait before retry 'n' (1, 2, ...): 'base' doubled n - 1 times, up
 * to PP_CLIENT_BACKOFF_MAX_MS -- or 'base' itself, if that is longer. */
static uint32_t backoff(uint32_t base, uint32_t n)
{
	uint64_t cap = base > PP_CLIENT_BACKOFF_MAX_MS ? base : PP_CLIENT_BACKOFF_MAX_MS;
	uint64_t wait = base;
	for (uint32_t i = 1; i < n && wait < cap; i++)
		wait *= 2;
	return (uint32_t)(wait < cap ? wait : cap);
}

void pp__client_fail(struct pp_client *c, enum pp_fail kind, uint32_t base_ms,
		     const char *fmt, ...)
{
	char reason[PP_CLIENT_WHY_MAX - 80];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	const char *name = pp_paradigm_name(c->o.paradigm);
	if (c->failures < UINT32_MAX)
		c->failures++;
	if (kind != PP_FAIL_FINAL && c->failures <= c->retries) {
		uint32_t wait = backoff(base_ms, c->failures);
		net_timer_start(c->loop, &c->timer, wait, 0);
		pp__client_note(c, "%s: %s; retry %u of %u in %u ms", name, reason,
				(unsigned)c->failures, (unsigned)c->retries, (unsigned)wait);
		return;
	}
	int n;
	if (kind == PP_FAIL_FINAL)
		n = snprintf(c->why, sizeof c->why, "%s: %s", name, reason);
	else
		n = snprintf(c->why, sizeof c->why, "%s: gave up after %u attempt%s: %s", name,
			     (unsigned)c->failures, c->failures == 1 ? "" : "s", reason);
	(void)n;                                /* a longer reason is cut short */
	c->finished = c->gave_up = true;
	net_timer_stop(c->loop, &c->timer);
	pp__client_note(c, "%s", c->why);
}

void pp__client_status_text(const struct http_response *res, char *dst, size_t cap)
{
	size_t rl = res->reason_len < 60 ? res->reason_len : 60;
	snprintf(dst, cap, "%03d%s%.*s", res->status, rl ? " " : "", (int)rl,
		 rl ? res->reason : "");
}

/* Type and subtype compare ignoring case, and parameters may follow (RFC
 * 9110 §8.3.1): "text/event-stream; charset=utf-8" is one,
 * "text/event-streams" not. */
bool pp__is_event_stream(const struct http_header *ct)
{
	static const char type[] = "text/event-stream";
	size_t tl = sizeof type - 1;
	if (!ct || ct->value_len < tl || !http_slice_equals(ct->value, tl, type))
		return false;
	if (ct->value_len == tl)
		return true;
	char next = ct->value[tl];
	return next == ';' || next == ' ' || next == '\t';
}

int pp_client_send(struct pp_client *c, const char *text, size_t len)
{
	return c->o.paradigm == PP_WEBSOCKET ? pp__websocket_send(c, text, len) : -1;
}

bool pp_client_ready(const struct pp_client *c)
{
	return c->o.paradigm == PP_WEBSOCKET && pp__websocket_ready(c);
}

bool pp_client_finished(const struct pp_client *c) { return c->finished; }
bool pp_client_gave_up(const struct pp_client *c) { return c->gave_up; }
const char *pp_client_why(const struct pp_client *c) { return c->why; }
uint64_t pp_client_events(const struct pp_client *c) { return c->events; }
uint64_t pp_client_missed(const struct pp_client *c) { return c->missed; }
uint64_t pp_client_gaps(const struct pp_client *c) { return c->gaps; }
uint64_t pp_client_gaps_unknown(const struct pp_client *c) { return c->gaps_unknown; }
const char *pp_client_cursor(const struct pp_client *c) { return c->cursor; }
uint64_t pp_client_empty_answers(const struct pp_client *c) { return c->empty; }
uint64_t pp_client_last_seq(const struct pp_client *c) { return c->last_seq; }
enum pp_paradigm pp_client_paradigm(const struct pp_client *c) { return c->o.paradigm; }

/* --- the request loop of rpc, short polling and long polling ------------- */

static void on_timer(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct pp_client *c = ud;
	c->ask(c);
}

/* Every answer's head, before its body: an event stream never ends, so
 * a client that needs the whole answer would wait for it until its
 * timeout, and then again.  It is the wrong endpoint: said at once. */
static void on_head(struct http_client *cl, const struct http_client_result *r, void *ud)
{
	struct pp_client *c = ud;
	const struct http_response *res = r->res;
	if (!pp__is_event_stream(http_header_find(res->headers, res->num_headers, "Content-Type")))
		return;
	char st[80];
	pp__client_status_text(res, st, sizeof st);
	http_client_cancel(cl);
	pp__client_fail(c, PP_FAIL_FINAL, 0, "the server answered %s with an event stream, "
			"which never ends: %s needs a whole answer", st,
			pp_paradigm_name(c->o.paradigm));
}

int pp__client_http_start(struct pp_client *c, uint32_t timeout_ms,
			  void (*ask)(struct pp_client *c))
{
	struct http_client_config cfg = {
		.host = c->o.host, .port = c->o.port, .keep_alive = c->o.keep_alive,
		.ledger = c->o.ledger, .timeout_ms = timeout_ms, .on_head = on_head,
	};
	c->http = http_client_new(c->loop, &cfg);
	if (!c->http)
		return ENOMEM;
	c->ask = ask;
	net_timer_init(&c->timer, on_timer, c);
	pp__client_later(c, 0);                 /* the first request goes out from the loop */
	return 0;
}

void pp__client_later(struct pp_client *c, uint32_t ms)
{
	net_timer_start(c->loop, &c->timer, ms, 0);
}

void pp__client_request(struct pp_client *c, const char *target, http_client_done_fn *done)
{
	const char *body = c->o.body ? c->o.body : "";
	if (http_client_request(c->http, c->o.method, target, NULL, body, strlen(body),
				done, c) < 0)
		pp__client_fail(c, PP_FAIL_RETRY, c->o.interval_ms, "cannot send: %s",
				strerror(errno));
}

void pp__client_fail_status(struct pp_client *c, const struct http_client_result *r)
{
	const char *nl = r->body_len ? memchr(r->body, '\n', r->body_len) : NULL;
	size_t n = nl ? (size_t)(nl - r->body) : r->body_len;
	enum pp_fail kind = pp__client_status_fail(r->res->status);
	char st[80];
	pp__client_status_text(r->res, st, sizeof st);
	pp__client_fail(c, kind == PP_FAIL_NONE ? PP_FAIL_FINAL : kind, c->o.interval_ms,
			"the server answered %s%s%.*s", st, n ? ": " : "", (int)(n < 200 ? n : 200),
			n ? r->body : "");
}

uint64_t pp__json_seq(const char *json, size_t len)
{
	size_t vl;
	uint64_t seq = 0;
	const char *v = json_get(json, len, "seq", &vl);
	if (v)
		json_u64(v, vl, &seq);
	return seq;
}

size_t pp__json_id(const char *json, size_t len, char *dst)
{
	size_t vl;
	const char *v = json_get(json, len, "id", &vl);
	/* Our ids need no escapes: a quoted run of hex digits, '-' and digits. */
	if (!v || vl < 3 || vl - 2 >= FEED_ID_MAX || v[0] != '"' || v[vl - 1] != '"' ||
	    memchr(v + 1, '\\', vl - 2))
		return 0;
	memcpy(dst, v + 1, vl - 2);
	dst[vl - 2] = '\0';
	return vl - 2;
}
