/* client.c -- what every paradigm's client shares: starting, counting
 * events and gaps, stopping after 'count'.  See client.h. */
#include "paradigms/client_private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pp_client *pp_client_start(struct net_loop *loop, const struct pp_client_opts *o,
				  int *err)
{
	if (strlen(o->path) >= PP_PATH_MAX) {
		*err = ENAMETOOLONG;
		return NULL;
	}
	struct pp_client *c = calloc(1, sizeof *c);
	if (!c) {
		*err = ENOMEM;
		return NULL;
	}
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
	int r;
	switch (o->kind) {
	case PP_RPC: case PP_SHORT: case PP_LONG: r = pp_client_http_start(c); break;
	case PP_SSE: r = pp_client_sse_start(c); break;
	case PP_WS:  r = pp_client_ws_start(c); break;
	default:     r = EINVAL; break;
	}
	if (r) {
		*err = r;
		pp_client_free(c);
		return NULL;
	}
	return c;
}

void pp_client_free(struct pp_client *c)
{
	if (!c)
		return;
	net_timer_stop(c->loop, &c->timer);
	if (c->o.kind == PP_SSE)
		pp_client_sse_stop(c);
	if (c->o.kind == PP_WS)
		pp_client_ws_stop(c);
	http_client_free(c->http);
	free(c);
}

void pp_client_emit(struct pp_client *c, uint64_t seq, const char *json, size_t len)
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

void pp_client_note(struct pp_client *c, const char *fmt, ...)
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
	return c->o.kind == PP_WS ? pp_client_ws_send(c, text, len) : -1;
}

bool pp_client_ready(const struct pp_client *c)
{
	return c->o.kind == PP_WS && pp_client_ws_ready(c);
}

bool pp_client_finished(const struct pp_client *c) { return c->finished; }
bool pp_client_gave_up(const struct pp_client *c) { return c->gave_up; }
uint64_t pp_client_events(const struct pp_client *c) { return c->events; }
uint64_t pp_client_missed(const struct pp_client *c) { return c->missed; }
uint64_t pp_client_last_seq(const struct pp_client *c) { return c->last_seq; }
enum pp_kind pp_client_kind(const struct pp_client *c) { return c->o.kind; }
