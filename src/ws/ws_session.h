/* ws_session.h -- one end of a WebSocket connection, sans-IO: frames in,
 * messages and replies out (RFC 6455 §5.4-5.5 messages and control
 * frames, §7 closing, §8 errors).
 *
 * The caller owns the socket.  It hands the session the bytes it read and
 * gets back, one call at a time, an event: a whole message, a ping (with
 * the pong to send), a pong, the peer's Close (with the Close to send
 * back), or a failure (with the Close that reports it).  Replies are
 * encoded frames inside the event, at most 131 bytes, so they live on the
 * caller's stack; the caller writes them out.  To send, the caller asks
 * for encoded frames too (ws_session_send and friends).
 *
 * The read loop, e.g. in a net_conn on_data() callback:
 *
 *     size_t off = 0;
 *     for (;;) {
 *         struct ws_event ev;
 *         off += ws_session_feed(s, data + off, len - off, &ev);
 *         if (ev.reply_len) write(ev.reply, ev.reply_len);
 *         if (ev.type == WS_EV_NONE) break;           // need more bytes
 *         ...handle ev...
 *     }
 *     return off;     // the rest is a partial frame header: keep it
 *
 * Call until WS_EV_NONE, even with no bytes left: that call also ends
 * the use of a reassembly buffer the last message was delivered from.
 *
 * Memory.  The session is 80 bytes and holds no buffer while idle.  A
 * message that arrives as one frame wholly inside the caller's buffer is
 * delivered as a slice of that buffer, unmasked in place: no copy, no
 * allocation.  A message in several frames, or one whose frame straddles
 * two reads -- every message larger than one read, so every large one --
 * is gathered in the session's reassembly buffer, grown to the size the
 * frame headers announce.  The limit, 'max_message', is checked against
 * the announced lengths before a byte is stored, so an oversized message
 * fails at its header (1009).
 *
 * The reassembly buffer is kept for the next message when it is at most
 * 'keep_max' bytes (ws_config), and freed after its message otherwise.
 * Why keep it: a connection that sends large messages one after another
 * would otherwise allocate and free one per message, and a large block
 * freed is often given back to the system (glibc returns the top of its
 * heap with brk once more than M_TRIM_THRESHOLD, 128 KiB by default, is
 * free there, and serves blocks of its mmap threshold and up with mmap
 * and munmap), so the next message's buffer is new memory again: a page
 * fault and a page of zeroes from the kernel for every 4 KiB, on every
 * message.  Kept, the buffer is warm, and a message costs one copy into
 * it -- or none, for a caller that reads the payload straight into the
 * buffer (ws_session_payload_room).  The owner gives it back with ws_session_trim() when the connection
 * has gone quiet, so that an idle connection holds none; how long "quiet"
 * is, is the owner's choice (it has the clock).  'keep_max' 0, the
 * default, keeps nothing: every buffer is freed after its message.
 *
 * Text is checked as UTF-8 as it arrives (util/utf8.h), across frames and
 * across reads, and the connection fails (1007) at the first byte that
 * cannot be valid, not at the end of the message (§8.1).
 *
 * Failing (§7.1.7).  Any violation -- a framing fault (ws_frame.h), a
 * continuation with nothing to continue or a new message inside a
 * fragmented one (§5.4), a message too big, bad UTF-8, a bad Close
 * payload -- gives WS_EV_FAIL with the close code, and the Close frame
 * carrying it.  From then on nothing is delivered or answered: the bytes
 * after the fault, even in the same buffer, are consumed and dropped.
 *
 * Closing (§7.1).  The states, and what the caller does in each:
 *
 *   WS_STATE_OPEN     messages flow both ways.
 *   WS_STATE_CLOSING  we sent a Close (ws_session_close) and wait for the
 *                     peer's.  Arm a closing timeout; when it fires, close
 *                     TCP.  Incoming messages are still delivered, and
 *                     pings still answered (§5.5.2).
 *   WS_STATE_CLOSED   both Close frames have been exchanged (ours may be
 *                     the reply in the last event: send it first).  A
 *                     server closes TCP now: §7.1.1 has the server close
 *                     first, so the client's side does not sit in
 *                     TIME_WAIT.  A client waits for the server to close,
 *                     with a timeout, then closes itself.
 *   WS_STATE_FAILED   send the event's reply, if any, then close TCP.
 *
 * Close codes received (§7.4).  Accepted on the wire: 1000-1003,
 * 1007-1014 and 3000-4999.  Refused with 1002: 0-999; 1004 (reserved);
 * 1005, 1006 and 1015 (§7.4.1: MUST NOT be sent); 1016-2999 (reserved for
 * future revisions of the protocol); 5000 and up (no range defined).
 * 1012, 1013 and 1014 came after RFC 6455, in the IANA registry (service
 * restart, try again later, bad gateway); they are in use, so we accept
 * them.  The Autobahn testsuite agrees: its case 7.7.x sends 1000-1003,
 * 1007-1011, 3000, 3999, 4000 and 4999 expecting an echo, and 7.9.x sends
 * 0, 999, 1004, 1005, 1006, 1016, 1100, 2000 and 2999 expecting 1002.
 * (Older releases also counted some of 1012-1015 as invalid; current ones
 * test none of them.  We refuse 1015 all the same: §7.4.1 says no
 * endpoint may send it.)
 *
 * Read next: src/sse/sse_text.h, where the next protocol, SSE, begins.
 * (See also tools/wsframe/wsframe.c, the frame codec seen from the
 * shell.)
 */
#ifndef PUSHPULL_WS_SESSION_H
#define PUSHPULL_WS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/utf8.h"
#include "ws/ws_frame.h"

#define WS_MESSAGE_MAX_DEFAULT (16u * 1024 * 1024)  /* bytes, inclusive */
#define WS_KEEP_MAX_DEFAULT    (1024u * 1024)       /* a server's 'keep_max' */
#define WS_CLOSE_REASON_MAX    (WS_CONTROL_PAYLOAD_MAX - 2)   /* 123 */

/* Settings shared by many sessions; must outlive them.  NULL in
 * ws_session_init means all defaults (a server's). */
struct ws_config {
	size_t max_message;     /* largest message accepted; 0: the default */
	/* Largest reassembly buffer kept from one message to the next (see
	 * "Memory" above); 0: none.  A server that takes large messages sets
	 * WS_KEEP_MAX_DEFAULT and calls ws_session_trim() when quiet. */
	size_t keep_max;
	unsigned rsv_allowed;   /* RSV bits of negotiated extensions: 0 */
	/* Client role only: writes a fresh masking key for each frame the
	 * session builds by itself (a pong, a Close).  §5.3 wants keys from
	 * a strong source of entropy; the session stays pure by asking for
	 * them.  NULL: an all-zero key, acceptable for tests only. */
	void (*mask_key)(void *ud, uint8_t key[4]);
	void *mask_ud;
};

enum ws_state {
	WS_STATE_OPEN,
	WS_STATE_CLOSING,
	WS_STATE_CLOSED,
	WS_STATE_FAILED
};

enum ws_event_type {
	WS_EV_NONE,     /* need more bytes: everything usable was consumed */
	WS_EV_MESSAGE,  /* a whole text or binary message */
	WS_EV_PING,     /* a ping: 'reply' holds the pong (none once we closed) */
	WS_EV_PONG,     /* a pong, asked for or not: the peer is alive */
	WS_EV_CLOSE,    /* the peer's Close: 'reply' holds ours, unless we sent
	                   ours first */
	WS_EV_FAIL      /* the peer broke a rule: 'reply' holds our Close */
};

struct ws_event {
	enum ws_event_type type;
	enum ws_opcode opcode;  /* MESSAGE: WS_OP_TEXT or WS_OP_BINARY */
	/* MESSAGE: the payload; PING, PONG: the payload; CLOSE: the reason
	 * (valid UTF-8, not NUL-terminated).  Valid until the next call on
	 * this session, and only while the bytes fed stay where they are. */
	uint8_t *data;
	size_t len;
	uint16_t code;          /* CLOSE: the peer's code (1005 if none);
	                           FAIL: the code we close with */
	const char *reason;     /* FAIL: the rule broken (static text) */
	size_t reply_len;       /* 0: nothing to send */
	uint8_t reply[WS_CONTROL_FRAME_MAX];
};

/* One per connection.  Fields are private. */
struct ws_session {
	struct ws_frame_decoder dec;
	const struct ws_config *cfg;
	uint8_t *msg;           /* reassembly buffer; NULL when none */
	size_t msg_len, msg_cap;
	struct utf8_decoder utf8;       /* across the frames of a text message */
	uint8_t role;           /* enum ws_role */
	uint8_t state;          /* enum ws_state */
	uint8_t msg_op;         /* opcode of the message being received, 0: none */
	uint8_t msg_handed;     /* 'msg' was delivered: reuse or free it on the next call */
	uint8_t send_op;        /* we are sending a fragmented message */
};

void ws_session_init(struct ws_session *s, enum ws_role role,
		     const struct ws_config *cfg);
/* Frees the reassembly buffer, if any.  The session may be re-initialised. */
void ws_session_free(struct ws_session *s);

enum ws_state ws_session_state(const struct ws_session *s);
/* Bytes of reassembly buffer held right now (0 when none). */
size_t ws_session_buffered(const struct ws_session *s);
/* A message is partway in: a frame whose payload has not all come, or a
 * fragmented message not yet ended (§5.4).  A caller may give the peer a
 * deadline for finishing it. */
bool ws_session_receiving(const struct ws_session *s);
/* Frees the reassembly buffer unless a message is being gathered in it
 * (a fragmented message, or a frame still arriving): for the owner to
 * call when the connection has gone quiet.  Returns the bytes freed.  The
 * last event's data may point into the buffer: it is invalid after. */
size_t ws_session_trim(struct ws_session *s);

/* Where the rest of the frame being gathered goes, for a caller that can
 * read it straight there (net_conn_ops.read_into) instead of copying it
 * in from its own buffer: the place in the reassembly buffer after the
 * bytes already in, with '*room' set to the payload bytes still to come.
 * NULL (and '*room' 0) unless a data frame's header has been consumed
 * and its payload is being gathered.  The bytes read there are then fed
 * with ws_session_feed() like any others -- unmasked in place, checked,
 * and not copied, since they already are where they belong.  Valid until
 * the next call on this session. */
uint8_t *ws_session_payload_room(struct ws_session *s, size_t *room);

/* Consumes bytes from 'data' (writable: payload is unmasked in place) up
 * to and including the next event, and fills '*ev'.  Returns the bytes
 * consumed.  WS_EV_NONE: all was consumed except an incomplete frame
 * header or control frame, which must be offered again with more bytes
 * after it.  After WS_EV_CLOSE or WS_EV_FAIL all 'len' bytes are
 * consumed, and every later call consumes and drops what it is given. */
size_t ws_session_feed(struct ws_session *s, uint8_t *data, size_t len,
		       struct ws_event *ev);

/* True for the codes a Close frame may carry on the wire (see above). */
bool ws_close_code_valid(unsigned code);

/* --- sending -------------------------------------------------------------
 * Each function below returns the bytes written into 'out', or 0 when it
 * refuses: the session is not open (after our Close, §5.5.1 allows no more
 * frames), the opcode breaks the message sequence, 'mask' is missing for a
 * client or present for a server (§5.1: a client masks every frame with a
 * fresh key; a server masks none), or 'out' is too small. */

/* A data frame.  A whole message: op WS_OP_TEXT or WS_OP_BINARY, fin
 * true.  A fragmented one: the first frame carries the message's opcode
 * with fin false, the others WS_OP_CONT, the last one fin true (§5.4).
 * The payload is copied into 'out' (masked for a client). */
size_t ws_session_send(struct ws_session *s, enum ws_opcode op, bool fin,
		       const void *payload, size_t len, const uint8_t *mask,
		       uint8_t *out, size_t cap);

/* The same rules, but only the header goes into 'out'
 * (WS_FRAME_HEADER_MAX bytes); the caller sends the 'len' payload bytes
 * after it -- a server straight from its own buffer with writev(), a
 * client after masking them with ws_frame_mask(p, len, mask, 0). */
size_t ws_session_send_header(struct ws_session *s, enum ws_opcode op, bool fin,
			      uint64_t len, const uint8_t *mask,
			      uint8_t out[WS_FRAME_HEADER_MAX]);

/* A ping or an unsolicited pong (§5.5.2, §5.5.3) with up to 125 bytes. */
size_t ws_session_ping(struct ws_session *s, const void *payload, size_t len,
		       const uint8_t *mask, uint8_t out[WS_CONTROL_FRAME_MAX]);
size_t ws_session_pong(struct ws_session *s, const void *payload, size_t len,
		       const uint8_t *mask, uint8_t out[WS_CONTROL_FRAME_MAX]);

/* Starts the closing handshake: our Close with 'code' (0: no code at all)
 * and a UTF-8 'reason' of up to WS_CLOSE_REASON_MAX bytes.  Refuses a code
 * ws_close_code_valid() refuses.  The state becomes WS_STATE_CLOSING. */
size_t ws_session_close(struct ws_session *s, unsigned code, const char *reason,
			size_t reason_len, const uint8_t *mask,
			uint8_t out[WS_CONTROL_FRAME_MAX]);

#endif
