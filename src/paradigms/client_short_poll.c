/* client_short_poll.c -- short polling: GET 'path' every 'interval_ms',
 * whatever happened.
 *
 * Each answer is the state at that moment.  One newer than the last seen
 * is reported; the events published between two polls are never seen at
 * all, and pp__client_emit counts them as missed.  A state from a new
 * epoch (the server restarted without its journal) is a gap of unknown
 * size: short polling has no notice to tell it more.  A poll that finds
 * nothing new still costs a request and an answer (and, without
 * keep-alive, a handshake and a close): that is the price of asking
 * instead of being told, and an event waits on average half an interval
 * before anyone sees it.
 *
 * A poll that fails -- refused, timed out, 5xx -- is asked again later,
 * each wait twice the last, within the client's retries (client.h); an
 * answer that is no state of the feed (a JSON object with a "seq"), or a
 * 4xx, means the wrong endpoint, and ends the client.
 *
 * Compare client_rpc.c (the same request, asked once) and
 * client_long_poll.c (asked again as soon as the server has news).
 *
 * Read next: server_long_poll.c.
 */
#include "paradigms/client_private.h"
#include "util/json.h"

#include <string.h>

static void ask(struct pp_client *c);

/* A state of the feed: a JSON object with a "seq" (0: nothing yet). */
static bool is_state(const char *body, size_t len)
{
	size_t vl;
	uint64_t seq;
	const char *v = len ? json_get(body, len, "seq", &vl) : NULL;
	return v && json_u64(v, vl, &seq);
}

static void on_answer(struct http_client *cl, int err, const struct http_client_result *r, void *ud)
{
	struct pp_client *c = ud;
	if (err) {
		pp__client_fail(c, PP_FAIL_RETRY, c->o.interval_ms, "%s", http_client_error(cl));
		return;
	}
	if (pp__client_status_fail(r->res->status) != PP_FAIL_NONE) {
		pp__client_fail_status(c, r);
		return;
	}
	if (!is_state(r->body, r->body_len)) {
		char st[80];
		pp__client_status_text(r->res, st, sizeof st);
		pp__client_fail(c, PP_FAIL_FINAL, 0, "the server answered %s with no state "
				"(a JSON object with a \"seq\"): not a short-poll endpoint", st);
		return;
	}
	pp__client_ok(c);
	uint64_t seq = pp__json_seq(r->body, r->body_len);
	char id[FEED_ID_MAX];
	size_t il = pp__json_id(r->body, r->body_len, id);
	bool news = il ? seq > 0 && strcmp(id, c->cursor) != 0 : seq > c->last_seq;
	if (news) {
		pp__client_emit(c, seq, r->body, r->body_len);
	} else {
		if (il)
			pp__client_at(c, id, il);       /* "nothing yet", maybe in a new epoch */
		c->empty++;
		c->synced = true;       /* "nothing yet" is a position too: later gaps count */
	}
	if (!c->finished)
		pp__client_later(c, c->o.interval_ms);  /* the next poll, whatever happened */
}

static void ask(struct pp_client *c)
{
	pp__client_request(c, c->path, on_answer);
}

int pp__short_poll_start(struct pp_client *c)
{
	return pp__client_http_start(c, 0, ask);
}
