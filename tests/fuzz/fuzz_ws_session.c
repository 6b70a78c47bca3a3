/* fuzz_ws_session.c -- libFuzzer harness for ws_session_feed: messages,
 * control frames and the closing handshake.
 *
 * The input is what the peer sent after the handshake.  A session reads
 * it in both roles (a server reading a client, a client reading a
 * server), the way the read loop in ws_session.h does: feed until
 * WS_EV_NONE, keep what was not consumed in front of the next read.  In
 * each role it is fed whole, split in two, a byte at a time and in random
 * pieces (fuzz.h), and each run logs every event with the reply it asks
 * to send, and at the end the state and the buffer held: the four logs
 * must be the same.  Beyond that it aborts when an event breaks the
 * contract in ws_session.h:
 *   - any event after the peer's Close or a failure, or bytes left
 *     unconsumed then;
 *   - a text message that is not UTF-8, a message over the limit, an
 *     opcode that is no message's;
 *   - a Close whose code may not be on the wire, or whose reason is not
 *     UTF-8; a failure with a code no failure earns, or no reason;
 *   - a reply that is not one frame the peer accepts (masked by a client
 *     and only by a client): a Pong with the Ping's payload, a Close
 *     echoing the code, a Close with the failure's code;
 *   - after WS_EV_NONE, more bytes left than a control frame (131), or a
 *     state that does not follow the events.
 *
 * One bit of the input's hash sets a small message limit (1..256 bytes),
 * so that reassembly reaches its limit with short inputs; another has the
 * session send its Close first (ws_session_close), so that the peer's
 * frames are read in WS_STATE_CLOSING too. */
#include "fuzz.h"
#include "util/utf8.h"
#include "ws/ws_session.h"

struct reader {
	struct ws_session s;
	struct ws_config cfg;
	enum ws_role role;
	uint8_t keys;           /* masking keys drawn so far (client role) */
	bool ended;             /* the peer's Close came, or the session failed */
	struct fuzz_log log;
};

/* Deterministic keys: every run of one input draws the same. */
static void next_key(void *ud, uint8_t key[4])
{
	struct reader *rd = ud;
	rd->keys++;
	for (int i = 0; i < 4; i++)
		key[i] = (uint8_t)(rd->keys * 37 + i * 101);
}

/* The reply must be one frame of 'op', as the peer reads it; returns its
 * payload (unmasked, in 'body') and length. */
static size_t check_reply(const struct reader *rd, const struct ws_event *ev,
			  enum ws_opcode op, uint8_t *body)
{
	enum ws_role peer = rd->role == WS_ROLE_SERVER ? WS_ROLE_CLIENT : WS_ROLE_SERVER;
	struct ws_frame_decoder d;
	struct ws_frame_piece pc;
	struct ws_error err;
	uint8_t frame[WS_CONTROL_FRAME_MAX];

	FUZZ_CHECK(ev->reply_len <= sizeof frame);
	memcpy(frame, ev->reply, ev->reply_len);
	ws_frame_decoder_init(&d, peer, 0);
	FUZZ_CHECK(ws_frame_decode(&d, frame, ev->reply_len, &pc, &err) == (ssize_t)ev->reply_len);
	FUZZ_CHECK(pc.first && pc.last && pc.hdr->opcode == op);
	memcpy(body, pc.data, pc.len);
	return pc.len;
}

static void check_event(struct reader *rd, const struct ws_event *ev, enum ws_state before)
{
	uint8_t body[WS_CONTROL_PAYLOAD_MAX];
	size_t max = rd->cfg.max_message ? rd->cfg.max_message : WS_MESSAGE_MAX_DEFAULT;
	enum ws_state st = ws_session_state(&rd->s);

	FUZZ_CHECK(!rd->ended);
	FUZZ_CHECK(ws_session_buffered(&rd->s) <= max);
	switch (ev->type) {
	case WS_EV_NONE:
		FUZZ_CHECK(ev->reply_len == 0 && st == before);
		break;
	case WS_EV_MESSAGE:
		FUZZ_CHECK(ev->opcode == WS_OP_TEXT || ev->opcode == WS_OP_BINARY);
		FUZZ_CHECK(ev->len <= max && ev->reply_len == 0 && st == before);
		if (ev->opcode == WS_OP_TEXT)
			FUZZ_CHECK(utf8_is_valid(ev->data, ev->len));
		break;
	case WS_EV_PING:
		FUZZ_CHECK(ev->len <= WS_CONTROL_PAYLOAD_MAX && ev->reply_len > 0);
		FUZZ_CHECK(check_reply(rd, ev, WS_OP_PONG, body) == ev->len &&
			   (ev->len == 0 || !memcmp(body, ev->data, ev->len)));
		break;
	case WS_EV_PONG:
		FUZZ_CHECK(ev->len <= WS_CONTROL_PAYLOAD_MAX && ev->reply_len == 0);
		break;
	case WS_EV_CLOSE:
		FUZZ_CHECK(st == WS_STATE_CLOSED && ev->len <= WS_CLOSE_REASON_MAX);
		FUZZ_CHECK(ev->code == WS_CLOSE_NO_STATUS ? ev->len == 0 : ws_close_code_valid(ev->code));
		FUZZ_CHECK(utf8_is_valid(ev->data, ev->len));
		if (before == WS_STATE_CLOSING) {       /* ours went first */
			FUZZ_CHECK(ev->reply_len == 0);
		} else {
			size_t n = check_reply(rd, ev, WS_OP_CLOSE, body);
			FUZZ_CHECK(ev->code == WS_CLOSE_NO_STATUS ? n == 0 :
				   n == 2 && (unsigned)(body[0] << 8 | body[1]) == ev->code);
		}
		rd->ended = true;
		break;
	case WS_EV_FAIL:
		FUZZ_CHECK(st == WS_STATE_FAILED && ev->reason != NULL);
		FUZZ_CHECK(ev->code == WS_CLOSE_PROTOCOL || ev->code == WS_CLOSE_INVALID_DATA ||
			   ev->code == WS_CLOSE_TOO_BIG || ev->code == WS_CLOSE_INTERNAL);
		if (before == WS_STATE_CLOSING)
			FUZZ_CHECK(ev->reply_len == 0);
		else
			FUZZ_CHECK(check_reply(rd, ev, WS_OP_CLOSE, body) >= 2 &&
				   (unsigned)(body[0] << 8 | body[1]) == ev->code);
		rd->ended = true;
		break;
	}
}

static void log_event(struct reader *rd, const struct ws_event *ev)
{
	static const char *const names[] = { "none", "message", "ping", "pong", "close", "fail" };
	fuzz_log_printf(&rd->log, "%s %s code %u len %zu reply %zu: ", names[ev->type],
			ws_opcode_name(ev->opcode), ev->code, ev->len, ev->reply_len);
	fuzz_log_add(&rd->log, ev->data, ev->len);
	if (ev->reason)
		fuzz_log_printf(&rd->log, " (%s)", ev->reason);
	fuzz_log_add(&rd->log, "\n", 1);
	fuzz_log_add(&rd->log, ev->reply, ev->reply_len);
}

static size_t on_data(void *ud, uint8_t *buf, size_t len, bool eof)
{
	static const char *const states[] = { "open", "closing", "closed", "failed" };
	struct reader *rd = ud;
	size_t off = 0;

	if (eof) {
		fuzz_log_printf(&rd->log, "eof %s, %zu bytes held, %zu left\n",
				states[ws_session_state(&rd->s)], ws_session_buffered(&rd->s), len);
		return 0;
	}
	/* Every event consumes at least a byte; the last pass finds none. */
	for (size_t guard = 0; guard <= len + 1; guard++) {
		struct ws_event ev;
		enum ws_state before = ws_session_state(&rd->s);
		bool ended = rd->ended;
		size_t r = ws_session_feed(&rd->s, buf + off, len - off, &ev);
		FUZZ_CHECK(r <= len - off);
		off += r;
		if (ended) {
			/* Nothing counts after a Close or a failure: all consumed. */
			FUZZ_CHECK(ev.type == WS_EV_NONE && off == len);
			return off;
		}
		check_event(rd, &ev, before);
		if (ev.type == WS_EV_CLOSE || ev.type == WS_EV_FAIL)
			FUZZ_CHECK(off == len);
		if (ev.type == WS_EV_NONE) {
			FUZZ_CHECK(len - off < WS_CONTROL_FRAME_MAX);
			return off;
		}
		log_event(rd, &ev);
	}
	FUZZ_CHECK(!"an event that consumed nothing");
	return off;
}

static void run(enum ws_role role, size_t max_message, bool we_close, const uint8_t *data,
		size_t size, enum fuzz_cut_how how, struct fuzz_log *log)
{
	struct reader rd = { .role = role };
	rd.cfg = (struct ws_config){ .max_message = max_message, .mask_key = next_key,
				     .mask_ud = &rd };
	ws_session_init(&rd.s, role, &rd.cfg);
	if (we_close) {
		static const uint8_t key[4] = { 1, 2, 3, 4 };
		uint8_t out[WS_CONTROL_FRAME_MAX];
		FUZZ_CHECK(ws_session_close(&rd.s, WS_CLOSE_GOING_AWAY, "bye", 3,
					    role == WS_ROLE_CLIENT ? key : NULL, out) == (role == WS_ROLE_CLIENT ? 11u : 7u));
		FUZZ_CHECK(ws_session_state(&rd.s) == WS_STATE_CLOSING);
	}
	fuzz_feed(data, size, fuzz_cut_of(how, data, size), on_data, &rd, NULL);
	ws_session_free(&rd.s);
	FUZZ_CHECK(ws_session_buffered(&rd.s) == 0);
	*log = rd.log;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t h = fuzz_hash(data, size);
	size_t max_message = h & 0x100 ? 1 + (size_t)(h >> 32) % 256 : 0;
	bool we_close = h & 0x200;

	for (int role = WS_ROLE_SERVER; role <= WS_ROLE_CLIENT; role++) {
		struct fuzz_log want, got;
		run((enum ws_role)role, max_message, we_close, data, size, FUZZ_WHOLE, &want);
		for (enum fuzz_cut_how how = FUZZ_SPLIT; how <= FUZZ_PIECES; how++) {
			run((enum ws_role)role, max_message, we_close, data, size, how, &got);
			fuzz_log_same(&want, &got, fuzz_cut_name(how));
			fuzz_log_free(&got);
		}
		fuzz_log_free(&want);
	}
	return 0;
}
