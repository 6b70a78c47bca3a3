/* hub.c -- what the server side of every paradigm shares: settings,
 * rendered events, ledgers, and the one route both request-response and
 * long polling answer, GET /score.  See hub.h. */
#include "paradigms/server_private.h"
#include "http/http_target.h"

#include <stdlib.h>

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

int pp__render_reserve(struct pp_render *r, size_t len)
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

void pp__hub_charge(struct pp_hub *hub, struct http_exchange *x, enum pp_paradigm p)
{
	if (hub->ledger[p])
		http_exchange_set_ledger(x, hub->ledger[p]);
	if (hub->on_charge)
		hub->on_charge(hub->on_charge_ud, http_exchange_conn(x), p);
}

int pp__query_u64(const char *query, size_t qlen, const char *name, uint64_t *v)
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

bool pp__resume(const struct pp_hub *hub, const char *s, size_t n, struct feed_resume *r)
{
	uint64_t epoch, seq;
	if (!feed_id_parse(s, n, feed_epoch(hub->feed), &epoch, &seq))
		return false;
	*r = feed_resume_from(hub->feed, epoch, seq);
	return true;
}

int pp__query_resume(const struct pp_hub *hub, const char *query, size_t qlen,
		     struct feed_resume *r)
{
	size_t n;
	char buf[FEED_ID_MAX];
	if (!query)
		return 0;
	switch (http_query_get(query, qlen, "since", buf, sizeof buf, &n)) {
	case HTTP_QUERY_MISSING:
		return 0;
	case HTTP_QUERY_FOUND:
		return pp__resume(hub, buf, n, r) ? 1 : -1;
	default:
		return -1;
	}
}

/* GET /score is two paradigms: asked plainly it is request-response (and
 * short polling, which is the same request on a timer); with since= it is
 * long polling. */
static void on_score(struct http_exchange *x, const struct http_request *req,
		     const char *body, size_t body_len, void *ud)
{
	(void)body; (void)body_len;
	struct pp_hub *hub = ud;
	const char *path, *query;
	size_t plen, qlen;
	struct feed_resume from;
	if (!pp__admit(hub, x, req))
		return;
	http_target_split(req->target, req->target_len, &path, &plen, &query, &qlen);
	switch (pp__query_resume(hub, query, qlen, &from)) {
	case 0:
		pp__rpc_score(x, hub);
		break;
	case 1:
		pp__long_poll(x, hub, &from, query, qlen);
		break;
	default:
		http_respond_text(x, 400, NULL, "since must be an event id (or a decimal event number)\n");
		break;
	}
}

int pp_hub_routes(struct http_server *s, struct pp_hub *hub)
{
	if (http_server_route(s, "GET", "/score", on_score, hub) < 0 ||
	    pp__rpc_routes(s, hub) < 0 || pp__sse_routes(s, hub) < 0 ||
	    pp__websocket_routes(s, hub) < 0 || pp__guard_routes(s, hub) < 0)
		return -1;
	return 0;
}
