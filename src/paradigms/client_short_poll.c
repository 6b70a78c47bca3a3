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
 * Compare client_rpc.c (the same request, asked once) and
 * client_long_poll.c (asked again as soon as the server has news).
 *
 * Read next: server_long_poll.c.
 */
#include "paradigms/client_private.h"

#include <string.h>

static void ask(struct pp_client *c);

static void on_answer(struct http_client *cl, int err, const struct http_client_result *r, void *ud)
{
	struct pp_client *c = ud;
	if (err) {
		pp__client_note(c, "short-poll: %s", http_client_error(cl));
	} else if (r->res->status != 200) {
		pp__client_note_status(c, r);
	} else {
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
