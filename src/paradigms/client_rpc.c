/* client_rpc.c -- request-response: 'count' requests of 'method' on
 * 'path', back to back, every answer reported as it is.
 *
 * The caller asks and waits; the answer is whatever was true when the
 * server read the request.  Nothing arrives unasked.  With keep-alive the
 * requests share one connection; without it each one pays a TCP
 * handshake and a close (`pushpull demo` shows both).
 *
 * A POST that reached the socket is never sent again by itself: it may
 * have taken effect (RFC 9110 §9.2.2, POST is not idempotent).
 *
 * Compare client_short_poll.c and client_long_poll.c, the same request
 * loop with a different rule for when to ask again.
 *
 * Read next: client_short_poll.c.
 */
#include "paradigms/client_private.h"

#include <string.h>

static void ask(struct pp_client *c);

static void on_answer(struct http_client *cl, int err, const struct http_client_result *r, void *ud)
{
	struct pp_client *c = ud;
	if (err) {
		pp__client_note(c, "rpc: %s", http_client_error(cl));
		if (strcmp(c->o.method, "GET") != 0 && http_client_sent(cl)) {
			pp__client_note(c, "rpc: a %s is not sent twice: giving up", c->o.method);
			c->finished = c->gave_up = true;
		} else {
			pp__client_later(c, c->o.interval_ms);
		}
		return;
	}
	if (r->res->status == 200)
		pp__client_emit(c, pp__json_seq(r->body, r->body_len), r->body, r->body_len);
	else
		pp__client_note_status(c, r);
	if (++c->requests >= (c->o.count ? c->o.count : 1))
		c->finished = true;
	if (!c->finished)
		ask(c);                         /* the next call, at once */
}

static void ask(struct pp_client *c)
{
	pp__client_request(c, c->path, on_answer);
}

int pp__rpc_start(struct pp_client *c)
{
	return pp__client_http_start(c, 0, ask);
}
