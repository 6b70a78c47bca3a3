/* ladder_describe.c -- what each packet carries: the describer of
 * ladder.h, which holds the contract.  ladder.c draws the results.
 *
 * The describer is the only part of the ladder with state.  Each direction of a
 * connection is in one mode:
 *
 *   M_HTTP      a message with a head: request or response
 *   M_WS        WebSocket frames (after a 101)
 *   M_STREAM    a chunked or close-delimited body, read as it comes: an
 *               event stream, or a body nobody needs to see whole
 *   M_LOST      the bytes cannot be followed any more: counted only
 *
 * M_HTTP and M_WS share one loop, msg_feed(): keep the message's bytes in
 * the direction's buffer until its header says how long it is ('need'),
 * then count bytes until 'seen' reaches 'need'; keep them too while they
 * fit.  When the message is complete it is parsed again from the buffer
 * (head and start of the body, all in one place) and named.  Bytes past
 * its end that arrived in the same call are handed back to the loop, not
 * copied: they start the next message, perhaps of another mode (the WS
 * frames after a 101).
 *
 * A segment's label is built in a 'struct ladder_seg' while its bytes are
 * fed: ladder__emit() adds each message, merging runs of numbered events;
 * the label and the names of HTTP messages are made in ladder_label.c.
 *
 * Read next: ladder_label.c, the names.
 */
#include "paradigms/ladder_private.h"
#include "paradigms/feed.h"
#include "http/http_body.h"
#include "http/http_fields.h"
#include "http/http_target.h"
#include "util/svg.h"
#include "ws/ws_frame.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum mode { M_HTTP, M_WS, M_STREAM, M_LOST };


#define FIELDS_MAX 64           /* header fields read per head; more: "? head" */

/* --- the direction's buffer ----------------------------------------------- */

static struct ladder_dir *dir_of(struct ladder_describer *d, bool to_server)
{
	return &d->dir[to_server ? 1 : 0];
}

/* Ready for the next message in mode 'm'. */
static void dir_reset(struct ladder_dir *dd, enum mode m)
{
	dd->len = 0;
	dd->need = dd->seen = 0;
	dd->cut = false;
	dd->mode = (uint8_t)m;
	http_parser_init(&dd->hp);
}

/* The bytes cannot be followed any more; says why, once. */
static void dir_lose(struct ladder_describer *d, bool to_server, const char *why)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	ladder__emit(d, to_server, false, "? %s", why);
	dd->lost_http = dd->mode != M_WS;       /* a start line may come again */
	dir_reset(dd, M_LOST);
}

/* Whether s[0..n) looks like the start of an HTTP message going that way:
 * a status line to the client, "METHOD /" to the server. */
static bool looks_like_http(bool to_server, const uint8_t *s, size_t n)
{
	if (!to_server)
		return n >= 7 && memcmp(s, "HTTP/1.", 7) == 0;
	size_t i = 0;
	while (i < n && i < 8 && s[i] >= 'A' && s[i] <= 'Z')
		i++;
	return i > 0 && i + 1 < n && s[i] == ' ' && s[i + 1] == '/';
}

/* --- requests and answers ------------------------------------------------- */

static void req_push(struct ladder_describer *d, enum req_kind k)
{
	if (d->req_count == LADDER_REQUESTS_MAX)
		return;                 /* its answer will say "?" about what was asked */
	d->req_kind[(d->req_head + d->req_count) % LADDER_REQUESTS_MAX] = (uint8_t)k;
	d->req_count++;
}

static enum req_kind req_front(const struct ladder_describer *d)
{
	return d->req_count ? (enum req_kind)d->req_kind[d->req_head] : RQ_UNKNOWN;
}

static void req_pop(struct ladder_describer *d)
{
	if (d->req_count) {
		d->req_head = (uint8_t)((d->req_head + 1) % LADDER_REQUESTS_MAX);
		d->req_count--;
	}
}

/* --- HTTP messages -------------------------------------------------------- */

/* Parses the head at the start of the buffer.  Returns its length, 0 if
 * incomplete, -1 if invalid; fills 'req' or 'res' by direction.  An
 * answer to HEAD has no body whatever its fields say: 'was_head'. */
static ssize_t head_parse(struct ladder_describer *d, bool to_server, bool was_head,
			  struct http_parser *p, struct http_request *req,
			  struct http_response *res, struct http_header *h)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	struct http_limits lim = http_limits_default;
	lim.max_fields = FIELDS_MAX;
	ssize_t r;
	if (to_server) {
		*req = (struct http_request){ .headers = h, .header_cap = FIELDS_MAX };
		r = http_request_parse(p, (const char *)dd->buf, dd->len, req, &lim);
	} else {
		*res = (struct http_response){ .headers = h, .header_cap = FIELDS_MAX,
					       .request_was_head = was_head };
		r = http_response_parse(p, (char *)dd->buf, dd->len, res, &lim);
	}
	return r == HTTP_INCOMPLETE ? 0 : r < 0 ? -1 : r;
}

/* The head just parsed: how long is the message, and who is it for. */
static void head_measure(struct ladder_describer *d, bool to_server, size_t head_len,
			 const struct http_request *req, const struct http_response *res)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	enum http_framing f = to_server ? req->framing : res->framing;
	uint64_t length = to_server ? req->content_length : res->content_length;
	dd->need = head_len;
	if (to_server) {
		dd->req = (uint8_t)ladder__request_kind(req);
		req_push(d, (enum req_kind)dd->req);
	} else {
		dd->req = (uint8_t)req_front(d);
		if (res->status >= 200 || res->status == 101)
			req_pop(d);     /* final: 100 Continue is not the answer */
	}
	if (f == HTTP_FRAMING_LENGTH && length <= UINT64_MAX - head_len)
		dd->need = head_len + length;
}

/* Looks for the head; sets 'need' once it is there.  0: wait, -1: lost. */
static int http_head(struct ladder_describer *d, bool to_server)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	struct http_request req;
	struct http_response res;
	struct http_header h[FIELDS_MAX];
	ssize_t r = head_parse(d, to_server, req_front(d) == RQ_HEAD, &dd->hp, &req, &res, h);
	if (r < 0) {
		char why[LADDER_WHAT_MAX];
		snprintf(why, sizeof why, "bad head: %s",
			 http_error_reason(http_parser_error(&dd->hp)));
		dir_lose(d, to_server, why);
		return -1;
	}
	if (r > 0)
		head_measure(d, to_server, (size_t)r, &req, &res);
	return 0;
}

/* After a head whose body is streamed (chunked or to the close). */
static void stream_begin(struct ladder_describer *d, bool to_server, const struct http_response *res,
			 const struct http_request *req)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	dir_reset(dd, M_STREAM);
	dd->sse = !to_server && ladder__is_event_stream(res);
	if (to_server)                          /* no body limit: we only watch */
		http_body_init(&dd->body, req->framing, req->content_length, 0, NULL);
	else
		http_body_init_response(&dd->body, res, NULL);
	dd->sse_fed = 0;
	if (dd->sse)
		d->sse_comments = sse_parser_comments(&d->sse);
}

/* The whole message is in (or passed): name it, then set the mode the
 * next bytes are read in. */
static void http_done(struct ladder_describer *d, bool to_server)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	struct http_request req;
	struct http_response res;
	struct http_header h[FIELDS_MAX];
	struct http_parser p;
	char label[LADDER_WHAT_MAX];
	http_parser_init(&p);
	ssize_t hl = head_parse(d, to_server, dd->req == RQ_HEAD, &p, &req, &res, h);
	if (hl <= 0) {                          /* it parsed once: cannot happen */
		dir_lose(d, to_server, "head");
		return;
	}
	size_t kept = dd->len < dd->need ? dd->len : (size_t)dd->need;
	bool whole = !dd->cut && kept == dd->need;
	enum req_kind k = (enum req_kind)dd->req;
	if (to_server)
		ladder__request_label(label, sizeof label, &req, k);
	else
		ladder__response_label(d, label, sizeof label, &res, k, (const char *)dd->buf + hl,
			       kept - (size_t)hl, whole);
	ladder__emit(d, to_server, false, "%s", label);
	enum http_framing f = to_server ? req.framing : res.framing;
	if (f == HTTP_FRAMING_CHUNKED || f == HTTP_FRAMING_CLOSE)
		stream_begin(d, to_server, &res, &req);
	else
		dir_reset(dd, to_server && k == RQ_UPGRADE ? M_WS : M_HTTP);
	if (to_server)
		return;
	/* The client's side turned to frames when it asked for the upgrade;
	 * it stays so only if the answer is 101 (RFC 6455 §4.1).  After a 101
	 * both ways are frames, even when the request went unseen. */
	struct ladder_dir *up = dir_of(d, true);
	if (res.status == 101) {
		dir_reset(dd, M_WS);
		if (up->mode != M_WS)
			dir_reset(up, M_WS);
	} else if (k == RQ_UPGRADE && up->mode == M_WS) {
		dir_reset(up, M_HTTP);
	}
}

/* --- WebSocket frames ------------------------------------------------------- */

static int ws_header(struct ladder_dir *dd, bool to_server, struct ws_frame_header *h,
		     struct ws_error *err)
{
	/* who reads: a server reads the client's (masked) frames */
	enum ws_role role = to_server ? WS_ROLE_SERVER : WS_ROLE_CLIENT;
	return ws_frame_header_parse(dd->buf, dd->len, role, 0, h, err);
}

/* Looks for a frame header; sets 'need' once it is there. */
static int ws_head(struct ladder_describer *d, bool to_server)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	struct ws_frame_header h;
	struct ws_error err;
	int r = ws_header(dd, to_server, &h, &err);
	if (r == WS_INVALID) {
		char why[LADDER_WHAT_MAX];
		const char *rfc = strstr(err.reason, " (RFC");   /* the rule, not its section */
		snprintf(why, sizeof why, "bad frame: %.*s",
			 (int)(rfc ? (size_t)(rfc - err.reason) : strlen(err.reason)), err.reason);
		dir_lose(d, to_server, why);
		return -1;
	}
	if (r > 0)
		dd->need = (uint64_t)r + h.length;     /* length < 2^63: no overflow */
	return 0;
}

/* "WS event 3" for a feed event's JSON, "WS reset" for the gap notice
 * (feed_reset_json), else "WS text 'excerpt'". */
static void ws_text(struct ladder_describer *d, bool to_server, const uint8_t *p, size_t n,
		    const struct ws_frame_header *h)
{
	uint64_t seq;
	char ex[LADDER_EXCERPT_MAX + 1];
	if (h->fin && ladder__number_after((const char *)p, n, "{\"seq\":", &seq)) {
		ladder__emit_num(d, to_server, LADDER_G_WS, seq);
		return;
	}
	static const char reset[] = "{\"type\":\"" FEED_TYPE_RESET "\"";
	if (n >= sizeof reset - 1 && memcmp(p, reset, sizeof reset - 1) == 0) {
		ladder__emit(d, to_server, false, "WS reset");
		return;
	}
	size_t show = n < LADDER_EXCERPT_MAX ? n : LADDER_EXCERPT_MAX;
	bool more = h->length > show;           /* longer, or not all seen */
	if (more && show > LADDER_EXCERPT_MAX - 3)
		show = LADDER_EXCERPT_MAX - 3;
	ladder__printable(ex, sizeof ex, (const char *)p, show);
	if (more)
		strcat(ex, "...");
	ladder__emit(d, to_server, false, "WS text '%s'%s", ex, h->fin ? "" : " (frag)");
}

/* The frame is complete: name it from its first bytes. */
static void ws_done(struct ladder_describer *d, bool to_server)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	struct ws_frame_header h;
	struct ws_error err;
	int hl = ws_header(dd, to_server, &h, &err);
	if (hl <= 0) {
		dir_lose(d, to_server, "frame");
		return;
	}
	size_t kept = (dd->len < dd->need ? dd->len : (size_t)dd->need) - (size_t)hl;
	uint8_t *p = dd->buf + hl;
	if (h.masked)
		ws_frame_mask(p, kept, h.mask, 0);      /* §5.3 */
	switch (h.opcode) {
	case WS_OP_TEXT:
		ws_text(d, to_server, p, kept, &h);
		break;
	case WS_OP_CLOSE:
		if (kept >= 2)
			ladder__emit(d, to_server, false, "WS close %u", (unsigned)(p[0] << 8 | p[1]));
		else
			ladder__emit(d, to_server, false, "WS close");
		break;
	case WS_OP_PING:
	case WS_OP_PONG:
		ladder__emit(d, to_server, false, "WS %s", ws_opcode_name(h.opcode));
		break;
	default:                                /* binary, continuation */
		ladder__emit(d, to_server, false, "WS %s %llu B%s", h.opcode == WS_OP_CONT ? "cont" : "binary",
		     (unsigned long long)h.length, h.fin ? "" : " (frag)");
	}
	dir_reset(dd, M_WS);
}

/* --- messages of known length: HTTP and WebSocket --------------------------- */

static void msg_done(struct ladder_describer *d, bool to_server)
{
	if (dir_of(d, to_server)->mode == M_WS)
		ws_done(d, to_server);
	else
		http_done(d, to_server);
}

/* Takes bytes for the current message.  Returns how many it consumed
 * (all of 'n' when it went lost). */
static size_t msg_feed(struct ladder_describer *d, bool to_server, const uint8_t *in, size_t n)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	if (dd->need == 0) {                    /* its head is still coming */
		size_t k = n < LADDER_BUF_MAX - dd->len ? n : LADDER_BUF_MAX - dd->len;
		memcpy(dd->buf + dd->len, in, k);
		dd->len += (uint32_t)k;
		dd->seen += k;
		int r = dd->mode == M_WS ? ws_head(d, to_server) : http_head(d, to_server);
		if (r < 0)
			return n;
		if (dd->need == 0) {
			if (dd->len == LADDER_BUF_MAX) {
				dir_lose(d, to_server, "head over 4 KiB");
				return n;
			}
			return k;
		}
		if (dd->seen < dd->need)
			return k;
		size_t excess = (size_t)(dd->seen - dd->need);  /* the next message's: hand back */
		dd->seen = dd->need;
		msg_done(d, to_server);
		return k - excess;
	}
	uint64_t want = dd->need - dd->seen;
	size_t k = n < want ? n : (size_t)want;
	if (!dd->cut && dd->len < LADDER_BUF_MAX) {
		size_t keep = k < LADDER_BUF_MAX - dd->len ? k : LADDER_BUF_MAX - dd->len;
		memcpy(dd->buf + dd->len, in, keep);
		dd->len += (uint32_t)keep;
	}
	dd->seen += k;
	if (dd->seen == dd->need)
		msg_done(d, to_server);
	return k;
}

/* --- streamed bodies: event streams ------------------------------------------ */

/* Heartbeats the SSE parser counted since we last looked. */
static void sse_heartbeats(struct ladder_describer *d)
{
	uint64_t c = sse_parser_comments(&d->sse);
	for (; d->sse_comments < c; d->sse_comments++) {
		ladder__emit(d, false, false, "SSE heartbeat");
		dir_of(d, false)->sse_fed = 0;
	}
}

/* Counts the bytes of s[0..n) that are not line ends: what an event
 * still open holds. */
static uint32_t non_eol(const char *s, size_t n)
{
	uint32_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] != '\n' && s[i] != '\r';
	return k;
}

/* One run of event-stream text through the client's own parser. */
static int sse_feed(struct ladder_describer *d, const char *s, size_t n)
{
	struct ladder_dir *dd = dir_of(d, false);
	for (size_t off = 0; off < n;) {
		struct sse_event ev;
		size_t used;
		int r = sse_parser_feed(&d->sse, s + off, n - off, &used, &ev);
		dd->sse_fed += non_eol(s + off, used);
		off += used;
		sse_heartbeats(d);
		uint64_t epoch, id;
		if (r < 0)
			return -1;
		if (r == SSE_RETRY)
			ladder__emit(d, false, false, "SSE retry %llu", (unsigned long long)ev.retry_ms);
		else if (r == SSE_EVENT && ev.type_len == strlen(FEED_TYPE_RESET) &&
			 memcmp(ev.type, FEED_TYPE_RESET, ev.type_len) == 0)
			ladder__emit(d, false, false, "SSE reset");
		else if (r == SSE_EVENT && feed_id_parse(ev.id, ev.id_len, 0, &epoch, &id))
			ladder__emit_num(d, false, LADDER_G_SSE, id);
		else if (r == SSE_EVENT)
			ladder__emit(d, false, false, "SSE event");
		if (r != SSE_MORE)
			dd->sse_fed = 0;
	}
	return 0;
}

/* Reads the framing kept in the buffer.  Returns the bytes consumed from
 * the buffer's start, or -1 when the direction went lost. */
static ssize_t stream_read(struct ladder_describer *d, bool to_server)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	size_t off = 0;
	while (off < dd->len && !http_body_done(&dd->body)) {
		const char *data;
		size_t dlen;
		ssize_t r = http_body_read(&dd->body, (const char *)dd->buf + off, dd->len - off,
					   &data, &dlen);
		if (r < 0) {
			dir_lose(d, to_server, "bad chunk");
			return -1;
		}
		if (dlen > 0 && !dd->sse)
			dd->sse_fed = 1;        /* body bytes: something is open */
		if (dlen > 0 && dd->sse && sse_feed(d, data, dlen) < 0) {
			dir_lose(d, to_server, "not an event stream");
			return -1;
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	return (ssize_t)off;
}

/* Takes bytes of a streamed body.  Returns how many it consumed. */
static size_t stream_feed(struct ladder_describer *d, bool to_server, const uint8_t *in, size_t n)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	size_t k = n < LADDER_BUF_MAX - dd->len ? n : LADDER_BUF_MAX - dd->len;
	memcpy(dd->buf + dd->len, in, k);
	dd->len += (uint32_t)k;
	ssize_t off = stream_read(d, to_server);
	if (off < 0)
		return n;
	if (http_body_done(&dd->body)) {
		size_t excess = dd->len - (size_t)off;  /* the next message's: hand back */
		if (dd->sse)
			sse_parser_finish(&d->sse);
		ladder__emit(d, to_server, false, dd->sse ? "SSE end" : "body end");
		dir_reset(dd, M_HTTP);
		return k - excess;
	}
	memmove(dd->buf, dd->buf + off, dd->len - (size_t)off);
	dd->len -= (uint32_t)off;
	if (dd->len == LADDER_BUF_MAX) {
		dir_lose(d, to_server, "chunk line over 4 KiB");
		return n;
	}
	return k;
}

/* --- one segment -------------------------------------------------------------- */

static void dir_feed(struct ladder_describer *d, bool to_server, const uint8_t *in, size_t n)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	while (n > 0 && dd->mode != M_LOST) {
		size_t used = dd->mode == M_STREAM ? stream_feed(d, to_server, in, n)
						   : msg_feed(d, to_server, in, n);
		in += used;
		n -= used;
	}
}

/* 'missing' bytes were on the wire but not captured.  Inside a message of
 * known length they are passed over; anywhere else the stream is lost. */
static void dir_hole(struct ladder_describer *d, bool to_server, uint64_t missing)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	if (dd->mode == M_LOST)
		return;
	if (dd->mode == M_STREAM || dd->need == 0 || dd->need - dd->seen < missing) {
		dir_lose(d, to_server, "bytes not captured");
		return;
	}
	dd->cut = true;
	dd->seen += missing;
	if (dd->seen == dd->need)
		msg_done(d, to_server);
}

/* The label of the message the segment ends inside, if any. */
static bool open_label(struct ladder_describer *d, bool to_server, char *label, size_t cap)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	struct ws_frame_header wh;
	struct ws_error err;
	struct http_request req;
	struct http_response res;
	struct http_header h[FIELDS_MAX];
	struct http_parser p;
	switch (dd->mode) {
	case M_STREAM:
		snprintf(label, cap, "%s", dd->sse ? "SSE" : "body");
		return dd->len > 0 || dd->sse_fed > 0;
	case M_WS:
		snprintf(label, cap, "WS");
		if (ws_header(dd, to_server, &wh, &err) > 0)
			snprintf(label, cap, "WS %s", ws_opcode_name(wh.opcode));
		return dd->len > 0 || dd->seen > 0;
	case M_HTTP:
		snprintf(label, cap, "HTTP");
		http_parser_init(&p);
		if (dd->need > 0 &&
		    head_parse(d, to_server, dd->req == RQ_HEAD, &p, &req, &res, h) > 0) {
			if (to_server)
				ladder__request_label(label, cap, &req, (enum req_kind)dd->req);
			else
				snprintf(label, cap, "%d", res.status);
		}
		return dd->len > 0 || dd->seen > 0;
	default:
		return false;
	}
}

/* The segment ends inside a message: say what continues.  'force': the
 * segment named nothing else (its bytes were all framing of a message
 * still open), so it says so even where that is not visible. */
static void dir_cont(struct ladder_describer *d, bool to_server, bool force)
{
	char label[LADDER_WHAT_MAX];
	if (open_label(d, to_server, label, sizeof label) || (force && dir_of(d, to_server)->mode != M_LOST))
		ladder__emit(d, to_server, true, "%s (cont.)", label);
}

void ladder_describer_init(struct ladder_describer *d, enum pp_paradigm p)
{
	memset(d, 0, sizeof *d);
	d->paradigm = p;
	for (int i = 0; i < 2; i++)
		dir_reset(&d->dir[i], M_HTTP);
	sse_parser_init(&d->sse, NULL);
}

void ladder_describer_free(struct ladder_describer *d)
{
	sse_parser_free(&d->sse);
}

/* Before a segment: a WebSocket connection caught after its upgrade
 * starts in frames (a frame's first byte, FIN and opcode, is never the
 * letter an HTTP message starts with); a lost HTTP direction comes back
 * at a start line. */
static void dir_start(struct ladder_describer *d, bool to_server, const uint8_t *b, size_t n)
{
	struct ladder_dir *dd = dir_of(d, to_server);
	bool letter = n > 0 && ((b[0] >= 'A' && b[0] <= 'Z') || (b[0] >= 'a' && b[0] <= 'z'));
	if (!dd->started && n > 0 && !letter && d->paradigm == PP_WEBSOCKET)
		dir_reset(dd, M_WS);
	else if (dd->mode == M_LOST && dd->lost_http && looks_like_http(to_server, b, n))
		dir_reset(dd, M_HTTP);
	if (n > 0)
		dd->started = true;
}

size_t ladder_describe(struct ladder_describer *d, bool to_server, const void *bytes,
		       size_t captured, size_t wire_len, char *what, size_t cap)
{
	struct ladder_seg seg = { .n = 0 };
	struct ladder_dir *dd = dir_of(d, to_server);
	if (wire_len < captured)
		wire_len = captured;
	d->seg = &seg;
	if (wire_len > 0) {
		dir_start(d, to_server, bytes, captured);
		if (!dd->sse)
			dd->sse_fed = 0;        /* a plain body: "open" is per segment */
		if (dd->mode == M_LOST)
			ladder__emit(d, to_server, false, "? %zu B", wire_len);
		dir_feed(d, to_server, bytes, captured);
		if (wire_len > captured)
			dir_hole(d, to_server, wire_len - captured);
		if (captured > 0 || seg.n == 0)
			dir_cont(d, to_server, seg.n == 0);
	}
	d->seg = NULL;
	return ladder__seg_format(&seg, what, cap);
}

void ladder_arrow_describe(struct ladder_describer *d, struct ladder_arrow *a,
			   const void *captured_bytes, size_t captured)
{
	a->what[0] = '\0';
	if (!a->retransmit)
		ladder_describe(d, a->to_server, captured_bytes, captured, a->bytes, a->what,
				sizeof a->what);
}

/* --- many connections ---------------------------------------------------------- */

void ladder_namer_init(struct ladder_namer *nm, enum pp_paradigm p)
{
	memset(nm, 0, sizeof *nm);
	nm->paradigm = p;
}

void ladder_namer_name(struct ladder_namer *nm, struct ladder_arrow *a, const void *captured_bytes,
		       size_t captured)
{
	if (a->bytes == 0)
		return;
	size_t i = 0;
	while (i < nm->n && nm->conn[i] != a->conn)
		i++;
	if (i == nm->n) {
		if (nm->n == LADDER_NAMER_CONNS || !(nm->d[i] = malloc(sizeof *nm->d[i])))
			return;                 /* no room: the arrow goes unnamed */
		ladder_describer_init(nm->d[i], nm->paradigm);
		nm->conn[i] = a->conn;
		nm->n++;
	}
	ladder_arrow_describe(nm->d[i], a, captured_bytes, captured);
}

void ladder_namer_free(struct ladder_namer *nm)
{
	for (size_t i = 0; i < nm->n; i++) {
		ladder_describer_free(nm->d[i]);
		free(nm->d[i]);
	}
	nm->n = 0;
}

size_t ladder_packet_arrows(const struct net_wire_record *rec, size_t n, enum pp_paradigm p,
			    struct ladder_arrow *out)
{
	struct ladder_namer nm;
	ladder_namer_init(&nm, p);
	for (size_t k = 0; k < n; k++) {
		struct ladder_arrow *a = &out[k];
		memset(a, 0, sizeof *a);
		a->t_us = rec[k].t_us - rec[0].t_us;
		a->to_server = rec[k].to_server;
		a->tcp_flags = rec[k].flags;
		a->bytes = rec[k].payload_len;
		a->conn = rec[k].conn;
		a->retransmit = rec[k].retransmit;
		ladder_namer_name(&nm, a, rec[k].snap, rec[k].snap_len);
	}
	ladder_namer_free(&nm);
	return n;
}
