/* server_rpc.c -- request-response: GET /score and POST /publish.
 *
 *   GET /score                  the current state, at once:
 *                               {"seq":N,"id":"...","type":"...","data":"..."}
 *                               ({"seq":0,"id":"<epoch>-0"} before the first
 *                               event).  Asked once, it is
 *                               request-response; asked every few seconds, it
 *                               is short polling -- the server cannot tell,
 *                               and a poller sees only the latest state, not
 *                               the events in between.  (With since= the same
 *                               path is long polling: server_long_poll.c.)
 *   POST /publish[?type=T]      appends the body (UTF-8 text) as an event of
 *                               type T ("message" by default; not "reset",
 *                               the notice of a gap) and answers
 *                               {"seq":N,"id":"<epoch>-N"} -- after the
 *                               journal, if any, has it and every subscriber
 *                               has been told.  At most FEED_EVENT_MAX
 *                               bytes (413 over it); 503 when the journal
 *                               cannot be written.  On a feed shared
 *                               through Redis (redis_feed.h) the answer
 *                               comes once Redis has given the event its
 *                               seq -- the subscribers of every server,
 *                               this one's too, get it as each reads the
 *                               stream -- and 503 when Redis is away.
 *
 * What it costs: one request and one answer per call, whatever happened
 * in between -- and, without keep-alive, a TCP handshake and a close too.
 *
 * Read next: client_rpc.c (the other end).
 */
#include "paradigms/server_private.h"
#include "http/http_target.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The answer to GET /score: the latest event as JSON, made once per seq
 * (a poller asks for the same state many times).  NULL when memory ran
 * out. */
static const char *score_json(struct pp_hub *hub, size_t *len)
{
	struct pp_render *r = &hub->score_json;
	const struct feed_event *ev = feed_get(hub->feed, feed_latest(hub->feed));
	if (!ev) {                              /* nothing yet: where the epoch starts */
		char id[FEED_ID_MAX];
		feed_id_format(id, feed_epoch(hub->feed), 0);
		if (pp__render_reserve(r, 32 + FEED_ID_MAX) < 0)
			return NULL;
		r->len = (size_t)snprintf(r->buf, r->cap, "{\"seq\":0,\"id\":\"%s\"}", id);
		r->seq = 0;
		*len = r->len;
		return r->buf;
	}
	if (r->seq != ev->seq) {
		size_t need = feed_event_json(ev, NULL, 0);
		if (pp__render_reserve(r, need + 1) < 0)
			return NULL;
		r->len = feed_event_json(ev, r->buf, need + 1);
		r->seq = ev->seq;
	}
	*len = r->len;
	return r->buf;
}

void pp__rpc_score(struct http_exchange *x, struct pp_hub *hub)
{
	pp__hub_charge(hub, x, PP_RPC);
	size_t len;
	const char *json = score_json(hub, &len);
	if (!json)
		http_respond_text(x, 503, NULL, "out of memory\n");
	else if (http_respond(x, 200, HTTP_TYPE_JSON, NULL, json, len) == 0 &&
		 hub->score_json.seq > 0)
		pp__hub_delivered(hub, PP_RPC, 1);      /* an event, not "none yet" */
}

static void respond_published(struct http_exchange *x, uint64_t epoch, uint64_t seq)
{
	char json[48 + FEED_ID_MAX], id[FEED_ID_MAX];
	feed_id_format(id, epoch, seq);
	int len = snprintf(json, sizeof json, "{\"seq\":%llu,\"id\":\"%s\"}",
			   (unsigned long long)seq, id);
	http_respond(x, 200, HTTP_TYPE_JSON, NULL, json, (size_t)len);
}

/* --- a shared feed (redis_feed.h): answered when Redis has answered ------ */

struct shared_publish {
	struct http_exchange *x;        /* NULL once the client has gone */
};

static void shared_on_abort(struct http_exchange *x, void *ud)
{
	(void)x;
	((struct shared_publish *)ud)->x = NULL;
}

static void shared_done(void *ud, uint64_t epoch, uint64_t seq, int err)
{
	struct shared_publish *p = ud;
	struct http_exchange *x = p->x;
	free(p);
	if (!x)
		return;
	if (seq) {
		respond_published(x, epoch, seq);
		return;
	}
	char why[160];
	snprintf(why, sizeof why, "%s\n", err == ESTALE ?
		 "the shared feed began again (a new epoch) before the event was kept" :
		 err == ECONNRESET ? "the shared feed was lost before it answered: the event "
		 "may or may not have been kept" : "the shared feed refused the event");
	http_respond_text(x, 503, NULL, why);
}

static void publish_shared(struct http_exchange *x, struct pp_hub *hub, const char *type,
			   const char *body, size_t len)
{
	struct shared_publish *p = malloc(sizeof *p);
	if (!p) {
		http_respond_text(x, 503, NULL, "out of memory\n");
		return;
	}
	p->x = x;
	if (hub->backplane.publish(hub->backplane.bp, type, body, len, shared_done, p) == 0) {
		http_exchange_on_abort(x, shared_on_abort, p);
		return;
	}
	int err = errno;
	free(p);
	char why[96];
	if (err == EMSGSIZE)
		snprintf(why, sizeof why, "an event holds at most %u bytes\n",
			 (unsigned)FEED_EVENT_MAX);
	else if (err == ENOTCONN)
		snprintf(why, sizeof why, "the shared feed (Redis) is unreachable: try again\n");
	else
		snprintf(why, sizeof why, "the event could not be kept: %s\n", strerror(err));
	http_respond_text(x, err == EMSGSIZE ? 413 : 503, NULL, why);
}

static void on_publish(struct http_exchange *x, const struct http_request *req,
		       const char *body, size_t body_len, void *ud)
{
	struct pp_hub *hub = ud;
	pp__hub_charge(hub, x, PP_RPC);
	if (!pp__admit(hub, x, req) || !pp__may_publish(hub, x, req))
		return;
	char type[FEED_TYPE_MAX + 1] = "message";
	const char *path, *query;
	size_t plen, qlen, n = 0;
	http_target_split(req->target, req->target_len, &path, &plen, &query, &qlen);
	if (query) {
		enum http_query_result r = http_query_get(query, qlen, "type", type, FEED_TYPE_MAX, &n);
		if (r == HTTP_QUERY_FOUND)
			type[n] = '\0';
		if (r == HTTP_QUERY_FOUND && feed_type_is_reset(type, n)) {
			http_respond_text(x, 400, NULL, "type reset is the server's own (SSE: events were missed)\n");
			return;
		}
		if ((r == HTTP_QUERY_FOUND && !feed_type_valid(type, n)) ||
		    r == HTTP_QUERY_BAD_ESCAPE || r == HTTP_QUERY_TOO_LONG) {
			http_respond_text(x, 400, NULL, "type must be a token of at most 32 characters\n");
			return;
		}
	}
	if (!utf8_is_valid((const uint8_t *)body, body_len)) {
		http_respond_text(x, 400, NULL, "the event must be UTF-8 text\n");
		return;
	}
	if (hub->backplane.publish) {
		publish_shared(x, hub, type, body, body_len);
		return;
	}
	uint64_t seq = pp_hub_publish(hub, type, body, body_len);
	if (seq == 0) {
		char why[96];
		if (errno == EMSGSIZE)
			snprintf(why, sizeof why, "an event holds at most %u bytes\n",
				 (unsigned)FEED_EVENT_MAX);
		else
			snprintf(why, sizeof why, "the event could not be kept: %s\n", strerror(errno));
		http_respond_text(x, errno == EMSGSIZE ? 413 : 503, NULL, why);
		return;
	}
	respond_published(x, feed_epoch(hub->feed), seq);
}

int pp__rpc_routes(struct http_server *s, struct pp_hub *hub)
{
	return http_server_route(s, "POST", "/publish", on_publish, hub);
}
