/* client_rpc.c -- request-response: 'count' requests of 'method' on
 * 'path', back to back, every answer reported as it is.
 *
 * The caller asks and waits; the answer is whatever was true when the
 * server read the request.  Nothing arrives unasked.  With keep-alive the
 * requests share one connection; without it each one pays a TCP
 * handshake and a close (`pushpull demo` shows both).
 *
 * A POST that reached the socket is never sent again by itself: it may
 * have taken effect (RFC 9110 §9.2.2, POST is not idempotent).  Any
 * other failure to get an answer -- refused, reset, timed out -- is tried
 * again within the client's retries (client.h).  An answer, though, is
 * the result, whatever it says: a 4xx or 5xx is not asked again but
 * ends the client, with its status and body in the note, as the end of
 * a call that failed.
 *
 * Compare client_short_poll.c and client_long_poll.c, the same request
 * loop with a different rule for when to ask again.
 *
 * Read next: client_short_poll.c.
 */
#include "paradigms/client_private.h"

#include <string.h>

static void ask(struct pp_client *c);

#define RPC_BODY_NOTE_MAX 1000            /* of an error answer's body, in the note */

/* An error answer: its status and its body (the server's words), as
 * text, and the end of the client. */
static void failed(struct pp_client *c, const struct http_client_result *r)
{
	size_t n = r->body_len;
	while (n > 0 && (r->body[n - 1] == '\n' || r->body[n - 1] == '\r'))
		n--;
	size_t shown = n < RPC_BODY_NOTE_MAX ? n : RPC_BODY_NOTE_MAX;
	char st[80], more[48] = "";
	pp__client_status_text(r->res, st, sizeof st);
	if (shown < n)
		snprintf(more, sizeof more, " ... (%zu bytes more)", n - shown);
	pp__client_fail(c, PP_FAIL_FINAL, 0, "the server answered %s%s%.*s%s", st,
			shown ? ": " : "", (int)shown, shown ? r->body : "", more);
}

static void on_answer(struct http_client *cl, int err, const struct http_client_result *r, void *ud)
{
	struct pp_client *c = ud;
	if (err) {
		if (strcmp(c->o.method, "GET") != 0 && http_client_sent(cl))
			pp__client_fail(c, PP_FAIL_FINAL, 0, "%s; a %s is not sent twice",
					http_client_error(cl), c->o.method);
		else
			pp__client_fail(c, PP_FAIL_RETRY, c->o.interval_ms, "%s",
					http_client_error(cl));
		return;
	}
	pp__client_ok(c);
	int status = r->res->status;
	if (status < 100 || status >= 400) {
		failed(c, r);
		return;
	}
	if (status == 200)
		pp__client_emit(c, pp__json_seq(r->body, r->body_len), r->body, r->body_len);
	else
		pp__client_note(c, "rpc: the server answered %03d", status);   /* 204, 3xx */
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
