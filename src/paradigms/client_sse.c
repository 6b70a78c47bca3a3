/* client_sse.c -- an EventSource in C: the client of GET /events.
 *
 * It does what a browser's EventSource does (WHATWG HTML §9.2):
 *   - GET with "Accept: text/event-stream" and, when reconnecting,
 *     "Last-Event-ID: <the last id seen>", so the server can replay what
 *     was missed (§9.2.4);
 *   - read the body as it arrives (http_client_stream) and parse it with
 *     sse_parser, whatever pieces the bytes come in;
 *   - when the stream ends or breaks, wait the reconnection time (3 s,
 *     or --interval if one was given, until the server's "retry:" says
 *     otherwise) and connect again;
 *   - an answer that is not "200" with a Content-Type whose MIME type is
 *     text/event-stream fails the connection for good (no reconnect), as
 *     §9.2.3 says.
 * Cases of our own:
 *   - an attempt that fails before a stream opens -- refused, reset,
 *     no head in time -- waits the reconnection time doubled for each
 *     failure in a row (the backoff §9.2.3 allows: "if the previous
 *     attempt failed"), and after the client's retries it gives up
 *     (client.h); a stream that opened starts the count again;
 *   - 5xx, 408 and 429 are such failures, not the end: a server
 *     restarting behind a proxy answers 502 or 503 for a moment, and a
 *     browser that gives up on it needs a reload;
 *   - a stream the parser refuses (an event over its data limit) ends it
 *     for good -- a reconnection would replay the same event and be
 *     refused again, forever.
 *
 * Each event is reported as {"seq":N,"id":"<id>","type":"...","data":"..."}.
 * An "event: reset" from the server (a gap: events it no longer holds, a
 * restart without its journal, server_sse.c) is counted and noted, and
 * the count goes on from the notice's id, where the stream resumes; the
 * parser keeps that id as the last event ID, so a reconnection asks from
 * there.
 *
 * Read next: server_websocket.c.
 */
#include "paradigms/client_private.h"
#include "paradigms/feed.h"
#include "http/http_fields.h"
#include "http/http_target.h"
#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void connect_stream(struct pp_client *c);

static void on_timer(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	connect_stream(ud);
}

static void report(struct pp_client *c, const struct sse_event *ev)
{
	if (feed_type_is_reset(ev->type, ev->type_len)) {
		pp__client_reset(c, ev->data, ev->data_len);
		return;
	}
	uint64_t epoch, seq = 0;
	if (!feed_id_parse(ev->id, ev->id_len, 0, &epoch, &seq))
		seq = 0;
	size_t need = 56 + json_quote(NULL, 0, ev->id, ev->id_len) +
		      json_quote(NULL, 0, ev->type, ev->type_len) +
		      json_quote(NULL, 0, ev->data, ev->data_len);
	char small[512];
	char *buf = need <= sizeof small ? small : malloc(need);
	if (!buf)
		return;
	size_t n = (size_t)snprintf(buf, need, "{\"seq\":%llu,\"id\":", (unsigned long long)seq);
	n += json_quote(buf + n, need - n, ev->id, ev->id_len);
	n += (size_t)snprintf(buf + n, need - n, ",\"type\":");
	n += json_quote(buf + n, need - n, ev->type, ev->type_len);
	n += (size_t)snprintf(buf + n, need - n, ",\"data\":");
	n += json_quote(buf + n, need - n, ev->data, ev->data_len);
	n += (size_t)snprintf(buf + n, need - n, "}");
	pp__client_emit(c, seq, buf, n);
	if (buf != small)
		free(buf);
}

/* The wait before reconnecting: the server's retry field, once it sent
 * one; before that --interval if given, else the parser's default. */
static uint32_t reconnection_ms(const struct pp_client *c)
{
	uint64_t ms = c->sse_retry_set || !c->interval_given ? sse_parser_retry_ms(&c->sse)
							      : c->o.interval_ms;
	return ms < UINT32_MAX ? (uint32_t)ms : UINT32_MAX;
}

static void on_head(struct http_client *cl, const struct http_client_result *r, void *ud)
{
	struct pp_client *c = ud;
	const struct http_response *res = r->res;
	const struct http_header *ct = http_header_find(res->headers, res->num_headers,
							  "Content-Type");
	if (res->status == 200 && pp__is_event_stream(ct)) {
		c->sse_open = true;
		pp__client_ok(c);
		return;
	}
	char st[80], type[80] = "none";
	pp__client_status_text(res, st, sizeof st);
	if (ct)
		snprintf(type, sizeof type, "%.*s", (int)(ct->value_len < 60 ? ct->value_len : 60),
			 ct->value);
	enum pp_fail kind = pp__client_status_fail(res->status);
	http_client_cancel(cl);                 /* 'on_done' is not called */
	sse_parser_finish(&c->sse);
	if (kind == PP_FAIL_RETRY)
		pp__client_fail(c, kind, reconnection_ms(c), "the server answered %s", st);
	else if (res->status == 200)
		pp__client_fail(c, PP_FAIL_FINAL, 0, "the server answered %s with Content-Type %s: "
				"not an event stream", st, type);
	else
		pp__client_fail(c, PP_FAIL_FINAL, 0, "the server answered %s: not an event stream",
				st);
}

static void on_piece(struct http_client *cl, const char *data, size_t len, void *ud)
{
	struct pp_client *c = ud;
	size_t off = 0;
	int refused = 0;
	while (off < len && !c->finished) {
		size_t used;
		struct sse_event ev;
		int r = sse_parser_feed(&c->sse, data + off, len - off, &used, &ev);
		off += used;
		if (r < 0) {
			refused = r;
			break;
		}
		if (r == SSE_EVENT)
			report(c, &ev);
		else if (r == SSE_RETRY)
			c->sse_retry_set = true;
	}
	if (c->finished || refused)
		http_client_cancel(cl);
	if (refused)                            /* see the top: a replay would fail again */
		pp__client_fail(c, PP_FAIL_FINAL, 0, "%s: giving up", sse_parser_reason(refused));
}

static void on_done(struct http_client *cl, int err, const struct http_client_result *r, void *ud)
{
	(void)r;
	struct pp_client *c = ud;
	sse_parser_finish(&c->sse);             /* an unfinished event is dropped */
	if (c->finished)
		return;
	uint32_t wait = reconnection_ms(c);
	if (!c->sse_open) {                     /* no stream: a failure, counted */
		pp__client_fail(c, PP_FAIL_RETRY, wait, "%s", http_client_error(cl));
		return;
	}
	c->sse_open = false;                    /* a stream that was open ended: no failure */
	net_timer_start(c->loop, &c->timer, wait, 0);
	if (err)
		pp__client_note(c, "sse: %s: reconnecting in %u ms", http_client_error(cl),
			       (unsigned)wait);
	else
		pp__client_note(c, "sse: the stream ended: reconnecting in %u ms", (unsigned)wait);
}

/* Can 'id' go out as a field value (RFC 9110 §5.5: visible characters,
 * SP, HTAB, and bytes above 0x7F)?  An id from some other server might
 * hold a control character; sending it would make our request invalid,
 * so such an id is not sent (the reconnection then asks for live events). */
static bool id_is_field_value(const char *id, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)id[i];
		if ((b < 0x20 && b != '\t') || b == 0x7F)
			return false;
	}
	return true;
}

static void connect_stream(struct pp_client *c)
{
	char fields[SSE_ID_MAX + 128];
	size_t idlen;
	const char *id = sse_parser_last_id(&c->sse, &idlen);
	if (idlen == 0) {                       /* nothing seen yet: from --since, if any */
		id = c->cursor;
		idlen = strlen(c->cursor);
	}
	int n = snprintf(fields, sizeof fields, "Accept: text/event-stream\r\n"
			 "Cache-Control: no-cache\r\n");
	if (idlen > 0 && id_is_field_value(id, idlen))
		snprintf(fields + n, sizeof fields - (size_t)n, "Last-Event-ID: %.*s\r\n",
			 (int)idlen, id);
	c->sse_open = false;
	if (http_client_stream(c->http, c->path, fields, on_head, on_piece, on_done, c) < 0)
		pp__client_fail(c, PP_FAIL_RETRY, reconnection_ms(c), "cannot connect: %s",
				strerror(errno));
}

int pp__sse_start(struct pp_client *c)
{
	struct http_client_config cfg = {
		.host = c->o.host, .port = c->o.port, .keep_alive = false, .ledger = c->o.ledger,
	};
	c->http = http_client_new(c->loop, &cfg);
	if (!c->http)
		return ENOMEM;
	sse_parser_init(&c->sse, NULL);
	c->sse_live = true;
	net_timer_init(&c->timer, on_timer, c);
	net_timer_start(c->loop, &c->timer, 0, 0);
	return 0;
}

void pp__sse_stop(struct pp_client *c)
{
	if (c->http)
		http_client_cancel(c->http);
	if (c->sse_live)
		sse_parser_free(&c->sse);
	c->sse_live = false;
}
