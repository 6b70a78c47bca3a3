/* ws_session.c -- messages, control frames and the closing handshake on
 * top of the frame decoder (RFC 6455 §5.4, §5.5, §7, §8.1).
 *
 * ws_session_feed() is a loop over frame pieces (ws_frame.h) that stops at
 * the first piece worth an event.  Data pieces go to on_data(): sequence
 * checks at a frame's first piece, UTF-8 on every piece, then either a
 * zero-copy delivery (a whole message in one piece) or an append to the
 * reassembly buffer, which msg_done() keeps for the next message when it
 * is small enough ('keep_max').  Control frames always arrive whole and go to
 * on_control().  Everything that ends the connection funnels through
 * fail() or the Close branch, which move the state on so that no later
 * byte is looked at.  ws_session.h has the contract.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "ws/ws_session.h"

static const struct ws_config default_config = {
	.max_message = WS_MESSAGE_MAX_DEFAULT,
};

void ws_session_init(struct ws_session *s, enum ws_role role,
		     const struct ws_config *cfg)
{
	memset(s, 0, sizeof *s);
	s->cfg = cfg ? cfg : &default_config;
	s->role = (uint8_t)role;
	s->state = WS_STATE_OPEN;
	ws_frame_decoder_init(&s->dec, role, s->cfg->rsv_allowed);
	utf8_init(&s->utf8);
}

static void msg_release(struct ws_session *s)
{
	free(s->msg);
	s->msg = NULL;
	s->msg_len = s->msg_cap = 0;
	s->msg_handed = 0;
}

static size_t keep_max(const struct ws_session *s)
{
	return s->cfg->keep_max;
}

/* The message delivered from the buffer has been used: the buffer starts
 * the next one, if it is small enough to keep (ws_session.h, "Memory"). */
static void msg_done(struct ws_session *s)
{
	if (s->msg_cap > keep_max(s)) {
		msg_release(s);
		return;
	}
	s->msg_len = 0;
	s->msg_handed = 0;
}

size_t ws_session_trim(struct ws_session *s)
{
	size_t cap = s->msg_cap;

	if (s->msg_op != 0)
		return 0;               /* a message is being gathered in it */
	msg_release(s);
	return cap;
}

void ws_session_free(struct ws_session *s)
{
	msg_release(s);
}

enum ws_state ws_session_state(const struct ws_session *s)
{
	return (enum ws_state)s->state;
}

size_t ws_session_buffered(const struct ws_session *s)
{
	return s->msg_cap;
}

bool ws_session_receiving(const struct ws_session *s)
{
	return s->msg_op != 0 || s->dec.in_frame;
}

uint8_t *ws_session_payload_room(struct ws_session *s, size_t *room)
{
	const struct ws_frame_decoder *d = &s->dec;

	*room = 0;
	/* A data frame's payload under way, with its room reserved at the
	 * frame's first piece (on_data); a message delivered whole from the
	 * caller's buffer never got here. */
	if (!d->in_frame || ws_opcode_is_control(d->hdr.opcode) || !s->msg ||
	    s->state == WS_STATE_CLOSED || s->state == WS_STATE_FAILED)
		return NULL;
	uint64_t left = d->hdr.length - d->done;
	if (left == 0 || s->msg_len + left > s->msg_cap)
		return NULL;
	*room = (size_t)left;
	return s->msg + s->msg_len;
}

static size_t max_message(const struct ws_session *s)
{
	return s->cfg->max_message ? s->cfg->max_message : WS_MESSAGE_MAX_DEFAULT;
}

bool ws_close_code_valid(unsigned code)
{
	if (code >= 3000 && code <= 4999)
		return true;            /* §7.4.2: registered and private use */
	if (code < 1000 || code > 1014)
		return false;           /* 0-999 unused; 1015-2999 reserved or local */
	return code != 1004 && code != 1005 && code != 1006;   /* §7.4.1 */
}

/* --- building our own control frames ------------------------------------ */

/* The masking key for a frame the session builds by itself: none for a
 * server, a fresh one from the caller's callback for a client. */
static const uint8_t *reply_key(const struct ws_session *s, uint8_t key[4])
{
	if (s->role == WS_ROLE_SERVER)
		return NULL;
	memset(key, 0, 4);
	if (s->cfg->mask_key)
		s->cfg->mask_key(s->cfg->mask_ud, key);
	return key;
}

/* A Close payload: the code in network order, then the reason cut to fit
 * (at a UTF-8 character boundary).  'code' 0 means an empty payload. */
static size_t close_payload(uint8_t *p, unsigned code, const char *reason,
			    size_t len)
{
	if (code == 0)
		return 0;
	p[0] = (uint8_t)(code >> 8);
	p[1] = (uint8_t)code;
	if (len > WS_CLOSE_REASON_MAX) {
		len = WS_CLOSE_REASON_MAX;
		while (len > 0 && ((uint8_t)reason[len] & 0xC0) == 0x80)
			len--;          /* do not split a character */
	}
	if (len > 0)
		memcpy(p + 2, reason, len);
	return 2 + len;
}

static size_t reply_close(const struct ws_session *s, uint8_t *out, unsigned code,
			  const char *reason, size_t len)
{
	uint8_t body[WS_CONTROL_PAYLOAD_MAX], key[4];
	size_t n = close_payload(body, code, reason, len);
	return ws_frame_encode(out, WS_CONTROL_FRAME_MAX, true, WS_OP_CLOSE,
			       body, n, reply_key(s, key));
}

/* --- receiving ------------------------------------------------------------ */

static void event_clear(struct ws_event *ev)
{
	ev->type = WS_EV_NONE;
	ev->opcode = WS_OP_CONT;
	ev->data = NULL;
	ev->len = 0;
	ev->code = 0;
	ev->reason = NULL;
	ev->reply_len = 0;
}

/* §7.1.7 Fail the WebSocket Connection: report, send a Close with the code
 * (unless ours is already out), and stop reading.  Returns 'len' so the
 * caller's remaining bytes are consumed unseen. */
static size_t fail(struct ws_session *s, struct ws_event *ev,
		   const struct ws_error *err, size_t len)
{
	/* A connection fails once: after a failure or the peer's Close,
	 * ws_session_feed() looks at no byte. */
	assert(s->state == WS_STATE_OPEN || s->state == WS_STATE_CLOSING);
	ev->type = WS_EV_FAIL;
	ev->code = err->close_code;
	ev->reason = err->reason;
	if (s->state == WS_STATE_OPEN)
		ev->reply_len = reply_close(s, ev->reply, err->close_code,
					    err->reason, strlen(err->reason));
	s->state = WS_STATE_FAILED;
	msg_release(s);
	return len;
}

static int reject(struct ws_error *err, unsigned code, const char *reason)
{
	err->close_code = (uint16_t)code;
	err->reason = reason;
	return -1;
}

/* Makes room for 'more' bytes after msg_len, within the limit already
 * checked.  Grows to at least double, so a message in many small frames
 * costs O(log n) reallocations, but never past the limit. */
static int msg_reserve(struct ws_session *s, size_t more, struct ws_error *err)
{
	size_t need = s->msg_len + more, cap;

	if (need <= s->msg_cap)
		return 0;
	cap = s->msg_cap * 2 > need ? s->msg_cap * 2 : need;
	if (cap > max_message(s))
		cap = max_message(s);
	uint8_t *p = realloc(s->msg, cap);
	if (!p)
		return reject(err, WS_CLOSE_INTERNAL, "out of memory for a message");
	s->msg = p;
	s->msg_cap = cap;
	return 0;
}

/* A piece of a text or binary frame.  Returns 0 (with *ev filled if a
 * message is complete) or -1 with *err set. */
static int on_data(struct ws_session *s, const struct ws_frame_piece *pc,
		   struct ws_event *ev, struct ws_error *err)
{
	const struct ws_frame_header *h = pc->hdr;

	if (pc->first) {
		if (h->opcode == WS_OP_CONT && !s->msg_op)
			return reject(err, WS_CLOSE_PROTOCOL,
				      "continuation frame with nothing to continue (RFC 6455 §5.4)");
		if (h->opcode != WS_OP_CONT && s->msg_op)
			return reject(err, WS_CLOSE_PROTOCOL,
				      "new message inside a fragmented one (RFC 6455 §5.4)");
		if (h->length > max_message(s) - s->msg_len)
			return reject(err, WS_CLOSE_TOO_BIG,
				      "message over the size limit (RFC 6455 §7.4.1)");
		if (h->opcode != WS_OP_CONT) {
			s->msg_op = h->opcode;
			utf8_init(&s->utf8);
		}
	}
	/* Every data piece belongs to a message: its frame's first piece
	 * began one, or was checked to continue one. */
	assert(s->msg_op == WS_OP_TEXT || s->msg_op == WS_OP_BINARY);

	/* §8.1: fail at the first byte that cannot be UTF-8, not at the end */
	if (s->msg_op == WS_OP_TEXT &&
	    utf8_validate(&s->utf8, pc->data, pc->len) != pc->len)
		return reject(err, WS_CLOSE_INVALID_DATA,
			      "text message is not UTF-8 (RFC 6455 §8.1)");

	bool ends = h->fin && pc->last;
	if (ends && s->msg_op == WS_OP_TEXT && !utf8_at_boundary(&s->utf8))
		return reject(err, WS_CLOSE_INVALID_DATA,
			      "text message ends inside a character (RFC 6455 §8.1)");

	if (ends && pc->first && h->opcode != WS_OP_CONT) {
		ev->data = pc->data;    /* the whole message in one piece: no copy */
		ev->len = pc->len;
	} else {
		if (pc->first && msg_reserve(s, (size_t)h->length, err) < 0)
			return -1;      /* room for the whole frame, reserved once */
		assert(s->msg_len + pc->len <= s->msg_cap);
		/* Bytes read straight into place (ws_session_payload_room)
		 * are already where they belong. */
		if (pc->len > 0 && pc->data != s->msg + s->msg_len)
			memcpy(s->msg + s->msg_len, pc->data, pc->len);
		s->msg_len += pc->len;
		if (!ends)
			return 0;
		ev->data = s->msg ? s->msg : pc->data;  /* all fragments empty: no buffer */
		ev->len = s->msg_len;
		s->msg_handed = 1;      /* reused or freed at the next call */
	}
	ev->type = WS_EV_MESSAGE;
	ev->opcode = (enum ws_opcode)s->msg_op;
	s->msg_op = 0;
	return 0;
}

/* A whole control frame (§5.5).  Returns 0 or -1 with *err set. */
static int on_control(struct ws_session *s, const struct ws_frame_piece *pc,
		      struct ws_event *ev, struct ws_error *err)
{
	uint8_t key[4];

	assert(pc->first && pc->last);  /* control frames come whole (ws_frame.h) */
	ev->data = pc->data;
	ev->len = pc->len;
	switch (pc->hdr->opcode) {
	case WS_OP_PING:        /* §5.5.2: answer with the same payload */
		ev->type = WS_EV_PING;
		/* ... unless the peer's Close came already.  Once ours went we
		 * still answer: a Pong is no data frame (§5.5.1). */
		if (s->state == WS_STATE_OPEN || s->state == WS_STATE_CLOSING)
			ev->reply_len = ws_frame_encode(ev->reply, sizeof ev->reply,
							true, WS_OP_PONG, pc->data,
							pc->len, reply_key(s, key));
		return 0;
	case WS_OP_PONG:        /* §5.5.3: unsolicited pongs need no answer */
		ev->type = WS_EV_PONG;
		return 0;
	default:
		break;
	}

	/* WS_OP_CLOSE, §5.5.1: empty, or a 2-byte code and a UTF-8 reason. */
	unsigned code = WS_CLOSE_NO_STATUS;
	if (pc->len == 1)
		return reject(err, WS_CLOSE_PROTOCOL,
			      "close payload of one byte (RFC 6455 §5.5.1)");
	if (pc->len >= 2) {
		code = (unsigned)pc->data[0] << 8 | pc->data[1];
		if (!ws_close_code_valid(code))
			return reject(err, WS_CLOSE_PROTOCOL,
				      "invalid close code (RFC 6455 §7.4)");
		if (!utf8_is_valid(pc->data + 2, pc->len - 2))
			return reject(err, WS_CLOSE_INVALID_DATA,
				      "close reason is not UTF-8 (RFC 6455 §5.5.1)");
		ev->data = pc->data + 2;
		ev->len = pc->len - 2;
	}
	assert(s->state == WS_STATE_OPEN || s->state == WS_STATE_CLOSING);  /* one Close read */
	ev->type = WS_EV_CLOSE;
	ev->code = (uint16_t)code;
	/* §5.5.1: answer a Close with a Close, echoing the code (an empty
	 * Close gets an empty one), unless ours was sent already. */
	if (s->state == WS_STATE_OPEN)
		ev->reply_len = reply_close(s, ev->reply,
					    code == WS_CLOSE_NO_STATUS ? 0 : code,
					    NULL, 0);
	s->state = WS_STATE_CLOSED;
	msg_release(s);         /* a message cut short by the Close is dropped */
	return 0;
}

size_t ws_session_feed(struct ws_session *s, uint8_t *data, size_t len,
		       struct ws_event *ev)
{
	size_t off = 0;

	event_clear(ev);
	if (s->msg_handed)
		msg_done(s);
	if (s->state == WS_STATE_CLOSED || s->state == WS_STATE_FAILED)
		return len;     /* nothing after a Close or a failure counts */

	for (;;) {
		struct ws_frame_piece pc;
		struct ws_error err;
		ssize_t r = ws_frame_decode(&s->dec, data + off, len - off, &pc, &err);

		if (r == WS_INCOMPLETE)
			return off;
		if (r == WS_INVALID)
			return fail(s, ev, &err, len);
		off += (size_t)r;
		if (ws_opcode_is_control(pc.hdr->opcode)) {
			if (on_control(s, &pc, ev, &err) < 0)
				return fail(s, ev, &err, len);
			return ev->type == WS_EV_CLOSE ? len : off;
		}
		if (on_data(s, &pc, ev, &err) < 0)
			return fail(s, ev, &err, len);
		if (ev->type != WS_EV_NONE)
			return off;
	}
}

/* --- sending --------------------------------------------------------------- */

/* §5.1: a client masks every frame, a server none. */
static bool mask_ok(const struct ws_session *s, const uint8_t *mask)
{
	return (s->role == WS_ROLE_CLIENT) == (mask != NULL);
}

/* Checks 'op'/'fin' against the message we are sending and advances. */
static bool send_sequence(struct ws_session *s, enum ws_opcode op, bool fin)
{
	if (s->state != WS_STATE_OPEN)
		return false;
	if (s->send_op ? op != WS_OP_CONT
		       : op != WS_OP_TEXT && op != WS_OP_BINARY)
		return false;
	s->send_op = !fin;
	return true;
}

size_t ws_session_send(struct ws_session *s, enum ws_opcode op, bool fin,
		       const void *payload, size_t len, const uint8_t *mask,
		       uint8_t *out, size_t cap)
{
	size_t h = ws_frame_header_size(len, mask != NULL);

	if (!mask_ok(s, mask) || cap < h || cap - h < len ||
	    !send_sequence(s, op, fin))
		return 0;
	return ws_frame_encode(out, cap, fin, op, payload, len, mask);
}

size_t ws_session_send_header(struct ws_session *s, enum ws_opcode op, bool fin,
			      uint64_t len, const uint8_t *mask,
			      uint8_t out[WS_FRAME_HEADER_MAX])
{
	if (!mask_ok(s, mask) || len > WS_FRAME_LENGTH_MAX ||
	    !send_sequence(s, op, fin))
		return 0;
	return ws_frame_header_encode(out, fin, op, len, mask);
}

static size_t send_control(struct ws_session *s, enum ws_opcode op,
			   const void *payload, size_t len, const uint8_t *mask,
			   uint8_t out[WS_CONTROL_FRAME_MAX])
{
	if (s->state != WS_STATE_OPEN || !mask_ok(s, mask) ||
	    len > WS_CONTROL_PAYLOAD_MAX)
		return 0;
	return ws_frame_encode(out, WS_CONTROL_FRAME_MAX, true, op, payload,
			       len, mask);
}

size_t ws_session_ping(struct ws_session *s, const void *payload, size_t len,
		       const uint8_t *mask, uint8_t out[WS_CONTROL_FRAME_MAX])
{
	return send_control(s, WS_OP_PING, payload, len, mask, out);
}

size_t ws_session_pong(struct ws_session *s, const void *payload, size_t len,
		       const uint8_t *mask, uint8_t out[WS_CONTROL_FRAME_MAX])
{
	return send_control(s, WS_OP_PONG, payload, len, mask, out);
}

size_t ws_session_close(struct ws_session *s, unsigned code, const char *reason,
			size_t reason_len, const uint8_t *mask,
			uint8_t out[WS_CONTROL_FRAME_MAX])
{
	uint8_t body[WS_CONTROL_PAYLOAD_MAX];

	if (code != 0 && !ws_close_code_valid(code))
		return 0;
	if (reason_len > (code ? WS_CLOSE_REASON_MAX : 0) ||
	    (reason_len > 0 && !utf8_is_valid((const uint8_t *)reason, reason_len)))
		return 0;       /* a reason needs a code in front of it (§5.5.1) */
	size_t n = close_payload(body, code, reason, reason_len);
	n = send_control(s, WS_OP_CLOSE, body, n, mask, out);
	if (n > 0)
		s->state = WS_STATE_CLOSING;
	return n;
}
