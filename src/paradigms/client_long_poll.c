/* client_long_poll.c -- long polling: GET 'path'?since=ID&timeout=T, and
 * again as soon as the answer is in.
 *
 * The server holds the request until it has an event after ID (or the
 * timeout passes: 204), so an event reaches the client about when it is
 * published -- unless it is published while the next request is on its
 * way, when it waits for it.  Each answer carries every event after ID
 * that the server still holds, so nothing is lost between two requests;
 * when the server cannot go on from ID (its history lost some, or it
 * restarted without its journal) the answer starts with a "reset" notice,
 * counted as a gap, and the next request asks from the notice's id.
 *
 * A request that fails -- refused, timed out, 5xx -- is asked again after
 * a wait that doubles with each failure in a row, within the client's
 * retries (client.h): never in a loop.  An answer that is not long
 * polling's JSON ({"latest":...}), or a 4xx, means the wrong endpoint:
 * asking again would only get it again, so the client ends.
 *
 * Compare client_short_poll.c (asks on a timer, sees only the latest
 * state) and client_sse.c (one request, every event pushed down it).
 *
 * Read next: server_sse.c.
 */
#include "paradigms/client_private.h"
#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void ask(struct pp_client *c);

/* Is it {"latest":L,...}, long polling's answer? */
static bool is_long_poll(const char *body, size_t len)
{
	size_t vl;
	uint64_t latest;
	const char *v = len ? json_get(body, len, "latest", &vl) : NULL;
	return v && json_u64(v, vl, &latest);
}

/* {"latest":L,["reset":{...},]"events":[...]}: the events after our id. */
static void got_events(struct pp_client *c, const char *body, size_t len)
{
	size_t vl, al, pos = 0;
	const char *v = json_get(body, len, "reset", &vl);
	if (v)
		pp__client_reset(c, v, vl);     /* the cursor moves to where the events resume */
	const char *arr = json_get(body, len, "events", &al);
	const char *el;
	size_t elen;
	while (arr && json_array_next(arr, al, &pos, &el, &elen) == 1 && !c->finished) {
		uint64_t seq = pp__json_seq(el, elen);
		if (seq && c->synced && seq <= c->last_seq)
			continue;               /* had it already: never twice */
		pp__client_emit(c, seq, el, elen);
	}
}

static void on_answer(struct http_client *cl, int err, const struct http_client_result *r, void *ud)
{
	struct pp_client *c = ud;
	if (err) {
		pp__client_fail(c, PP_FAIL_RETRY, c->o.interval_ms, "%s", http_client_error(cl));
		return;
	}
	int status = r->res->status;
	if (pp__client_status_fail(status) != PP_FAIL_NONE) {
		pp__client_fail_status(c, r);   /* a wait, or the end: never asked in a loop */
		return;
	}
	if (status != 204 && !is_long_poll(r->body, r->body_len)) {   /* 204: the hold timed out */
		char st[80];
		pp__client_status_text(r->res, st, sizeof st);
		pp__client_fail(c, PP_FAIL_FINAL, 0, "the server answered %s without long "
				"polling's JSON ({\"latest\":...}): not a long-poll endpoint", st);
		return;
	}
	pp__client_ok(c);
	uint64_t before = c->events;
	if (status != 204)
		got_events(c, r->body, r->body_len);
	if (c->events == before)
		c->empty++;
	if (!c->finished)
		ask(c);                         /* at once: the next event may be coming */
}

static void ask(struct pp_client *c)
{
	char target[PP_PATH_MAX + 64];
	snprintf(target, sizeof target, "%s%csince=%s&timeout=%u", c->path,
		 strchr(c->path, '?') ? '&' : '?', c->cursor[0] ? c->cursor : "0",
		 (unsigned)c->o.lp_timeout_ms);
	pp__client_request(c, target, on_answer);
}

int pp__long_poll_start(struct pp_client *c)
{
	c->synced = true;                       /* we ask from here: a gap after it is a loss */
	if (pp__client_take_since(c) < 0)
		return EINVAL;
	/* A held poll may take its whole timeout, and then some. */
	return pp__client_http_start(c, c->o.lp_timeout_ms + 10000, ask);
}
