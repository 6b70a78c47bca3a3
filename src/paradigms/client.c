/* client.c -- what every paradigm's client shares: starting, counting
 * events and gaps, stopping after 'count'; and, for the three that only
 * ask (rpc, short polling, long polling), the request loop they have in
 * common.  See client.h; each paradigm's own part is in client_*.c. */
#include "paradigms/client_private.h"
#include "paradigms/hub.h"
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
	if (!c->o.interval_ms)
		c->o.interval_ms = 1000;
	if (!c->o.lp_timeout_ms)
		c->o.lp_timeout_ms = PP_LP_TIMEOUT_MS;
	if (!c->o.method)
		c->o.method = "GET";
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

void pp__client_note(struct pp_client *c, const char *fmt, ...)
{
	if (!c->o.on_note)
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->o.on_note(c, msg, c->o.ud);
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
uint64_t pp_client_events(const struct pp_client *c) { return c->events; }
uint64_t pp_client_missed(const struct pp_client *c) { return c->missed; }
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

int pp__client_http_start(struct pp_client *c, uint32_t timeout_ms,
			  void (*ask)(struct pp_client *c))
{
	struct http_client_config cfg = {
		.host = c->o.host, .port = c->o.port, .keep_alive = c->o.keep_alive,
		.ledger = c->o.ledger, .timeout_ms = timeout_ms,
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
				done, c) < 0) {
		pp__client_note(c, "%s: cannot send: %s", pp_paradigm_name(c->o.paradigm),
				strerror(errno));
		pp__client_later(c, c->o.interval_ms);
	}
}

void pp__client_note_status(struct pp_client *c, const struct http_client_result *r)
{
	const char *nl = r->body_len ? memchr(r->body, '\n', r->body_len) : NULL;
	size_t n = nl ? (size_t)(nl - r->body) : r->body_len;
	pp__client_note(c, "%s: status %d%s%.*s", pp_paradigm_name(c->o.paradigm), r->res->status,
			n ? ": " : "", (int)(n < 200 ? n : 200), n ? r->body : "");
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
