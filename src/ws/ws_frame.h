/* ws_frame.h -- RFC 6455 §5 framing: frame headers in and out, payload
 * handed out piece by piece, masking.
 *
 * A WebSocket frame on the wire (§5.2):
 *
 *     byte 0   FIN | RSV1 RSV2 RSV3 | opcode (4 bits)
 *     byte 1   MASK | payload length (7 bits: 0..125, or 126, or 127)
 *     then     16-bit length if 126, 64-bit length if 127 (network order)
 *     then     4-byte masking key if MASK
 *     then     the payload, XORed with the key when masked (§5.3)
 *
 * Sans-IO.  Nothing here reads or writes a socket or allocates.  The
 * decoder takes the bytes the caller has and says one of three things,
 * as picohttpparser does:
 *
 *     n > 0              n bytes consumed, described in a 'ws_frame_piece';
 *     WS_INCOMPLETE      nothing consumed: call again with the same bytes
 *                        and more after them (a header is at most 14 bytes);
 *     WS_INVALID         the frame breaks a rule: 'struct ws_error' names
 *                        the rule and the close code it earns (§7.4.1).
 *
 * Pieces.  A frame header is consumed only when it is complete, but the
 * payload is handed out as it arrives: each call gives the bytes present,
 * unmasked in place in the caller's buffer, with their offset in the
 * payload, so a 16 MiB frame never has to sit whole in an input buffer.
 * When a whole frame is present it comes out in one piece (first and last
 * both set): that is the fast path.  Control frames (§5.5) are always
 * handed out whole -- they are at most 131 bytes, and a Close or Ping can
 * only be acted on whole -- so until one has fully arrived nothing of it
 * is consumed.
 *
 * Checks, all failing with 1002 (protocol error):
 *   - RSV1-3 set that no extension negotiated (§5.2);
 *   - opcodes 3-7 and B-F, which are reserved (§5.2);
 *   - a control frame with FIN clear or more than 125 bytes (§5.5);
 *   - a frame from a client that is not masked, a frame from a server that
 *     is (§5.1; which one applies is the decoder's 'role');
 *   - a 64-bit length with its top bit set (§5.2);
 *   - a length not in its shortest form.  §5.2 says "the minimal number
 *     of bytes MUST be used to encode the length"; the text does not spell
 *     out what a receiver does otherwise, and Autobahn does not test it,
 *     but a frame that breaks a MUST of the framing is not a valid frame,
 *     and browsers (Chromium) refuse it too.  So do we.
 * Rules about sequences of frames (a continuation with nothing to
 * continue, message size, UTF-8) belong to the message layer: ws_session.h.
 *
 * Read next: ws_session.h (messages, control frames, the close handshake).
 */
#ifndef PUSHPULL_WS_FRAME_H
#define PUSHPULL_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum {
	WS_INVALID    = -1,     /* refused: see the 'struct ws_error' */
	WS_INCOMPLETE = -2      /* nothing wrong so far: need more bytes */
};

/* Opcodes (§5.2, §11.8).  Bit 3 set means a control frame. */
enum ws_opcode {
	WS_OP_CONT   = 0x0,
	WS_OP_TEXT   = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE  = 0x8,
	WS_OP_PING   = 0x9,
	WS_OP_PONG   = 0xA
};

static inline bool ws_opcode_is_control(unsigned op) { return (op & 0x8) != 0; }
/* "text", "binary", "close"..., or "reserved" */
const char *ws_opcode_name(unsigned op);

/* Close codes (§7.4.1 and the IANA "WebSocket Close Code Number
 * Registry", §11.7), grouped by who may send them. */
enum ws_close_code {
	/* sent in Close frames */
	WS_CLOSE_NORMAL          = 1000,
	WS_CLOSE_GOING_AWAY      = 1001,
	WS_CLOSE_PROTOCOL        = 1002,  /* the peer broke a framing rule */
	WS_CLOSE_UNSUPPORTED     = 1003,  /* a data type we cannot accept */
	WS_CLOSE_INVALID_DATA    = 1007,  /* e.g. a text message not UTF-8 */
	WS_CLOSE_POLICY          = 1008,
	WS_CLOSE_TOO_BIG         = 1009,  /* message over our limit */
	WS_CLOSE_EXTENSION       = 1010,  /* client: an extension it needs is missing */
	WS_CLOSE_INTERNAL        = 1011,  /* server: unexpected condition */
	WS_CLOSE_RESTART         = 1012,  /* registry: service restart */
	WS_CLOSE_TRY_AGAIN       = 1013,  /* registry: try again later */
	WS_CLOSE_BAD_GATEWAY     = 1014,  /* registry: bad gateway */
	/* never on the wire: only reported to the application (§7.4.1) */
	WS_CLOSE_NO_STATUS       = 1005,  /* the Close frame carried no code */
	WS_CLOSE_ABNORMAL        = 1006,  /* the connection ended without a Close */
	WS_CLOSE_TLS             = 1015   /* TLS handshake failure */
};

/* Why a frame or message was refused: the rule, and the close code the
 * violation earns.  'reason' is static text naming the RFC section. */
struct ws_error {
	uint16_t close_code;
	const char *reason;
};

/* Which end of the connection this code runs at.  A decoder's role says
 * who the frames come *from*: a server reads a client's frames (masked),
 * a client reads a server's (unmasked). */
enum ws_role {
	WS_ROLE_SERVER,
	WS_ROLE_CLIENT
};

#define WS_FRAME_HEADER_MAX     14   /* 2 + 8 (64-bit length) + 4 (key) */
#define WS_CONTROL_PAYLOAD_MAX  125  /* §5.5 */
#define WS_CONTROL_FRAME_MAX    (2 + 4 + WS_CONTROL_PAYLOAD_MAX)   /* 131 */
#define WS_FRAME_LENGTH_MAX     0x7FFFFFFFFFFFFFFFull  /* 63 bits (§5.2) */

#define WS_RSV1 0x4     /* the RSV bits as 'struct ws_frame_header' keeps them */
#define WS_RSV2 0x2
#define WS_RSV3 0x1

struct ws_frame_header {
	uint64_t length;        /* payload length */
	uint8_t fin;            /* 1: the last frame of its message */
	uint8_t rsv;            /* RSV1..RSV3 as WS_RSV1 | WS_RSV2 | WS_RSV3 */
	uint8_t opcode;         /* enum ws_opcode */
	uint8_t masked;         /* 1: the payload is masked with 'mask' */
	uint8_t mask[4];        /* masking key (§5.3), when 'masked' */
};

/* Parses the header at the start of 'p' ('n' bytes available).  'role' is
 * this endpoint's (see enum ws_role); 'rsv_allowed' holds the RSV bits
 * negotiated extensions use, 0 when there are none.  Returns the header's
 * length (2..14), WS_INCOMPLETE, or WS_INVALID with *err set.  A rule is
 * enforced as soon as the bytes that break it are present: a reserved
 * opcode is refused on the first byte alone.  A pure function of its
 * input; '*h' is scratch until a length is returned. */
int ws_frame_header_parse(const uint8_t *p, size_t n, enum ws_role role,
			  unsigned rsv_allowed, struct ws_frame_header *h,
			  struct ws_error *err);

/* --- streaming decoder -------------------------------------------------- */

/* One per connection; 32 bytes, no pointers.  Fields are private. */
struct ws_frame_decoder {
	struct ws_frame_header hdr;     /* the frame being read */
	uint64_t done;                  /* its payload bytes handed out so far */
	uint8_t in_frame;               /* 1: header consumed, payload pending */
	uint8_t role;                   /* enum ws_role */
	uint8_t rsv_allowed;
};

void ws_frame_decoder_init(struct ws_frame_decoder *d, enum ws_role role,
			   unsigned rsv_allowed);

/* What one successful ws_frame_decode call consumed. */
struct ws_frame_piece {
	const struct ws_frame_header *hdr;  /* the frame (inside the decoder;
	                                       valid until the next call) */
	uint8_t *data;          /* payload bytes, unmasked, in the caller's buffer */
	size_t len;             /* may be 0 (an empty frame, or a header alone) */
	uint64_t offset;        /* where 'data' starts within the payload */
	bool first;             /* this call consumed the frame's header */
	bool last;              /* the payload ends with this piece */
};

/* Consumes the next header and/or payload bytes from 'buf' ('len' bytes,
 * writable: payload is unmasked in place).  Returns bytes consumed (> 0)
 * with *out filled, WS_INCOMPLETE (nothing consumed), or WS_INVALID with
 * *err set; after WS_INVALID the connection is to be failed and the
 * decoder must not be fed again.  Bytes not consumed must be offered again
 * at the start of the next call. */
ssize_t ws_frame_decode(struct ws_frame_decoder *d, uint8_t *buf, size_t len,
			struct ws_frame_piece *out, struct ws_error *err);

/* --- encoding ----------------------------------------------------------- */

/* Bytes the header of such a frame takes (2..14). */
size_t ws_frame_header_size(uint64_t length, bool masked);

/* Writes a header with RSV bits clear and the shortest length form into
 * 'out' (room for WS_FRAME_HEADER_MAX bytes).  'mask' is the 4-byte key,
 * or NULL for an unmasked frame.  Returns the header's length, or 0 if
 * 'length' exceeds WS_FRAME_LENGTH_MAX.  The caller masks the payload. */
size_t ws_frame_header_encode(uint8_t *out, bool fin, enum ws_opcode op,
			      uint64_t length, const uint8_t *mask);

/* Writes a whole frame: header, then 'payload' copied and, when 'mask' is
 * not NULL, masked.  Returns the bytes written, or 0 if they do not fit
 * in 'cap'. */
size_t ws_frame_encode(uint8_t *out, size_t cap, bool fin, enum ws_opcode op,
		       const void *payload, size_t len, const uint8_t *mask);

/* --- masking (§5.3) ----------------------------------------------------- */

/* XORs 'n' bytes with the key, buf[0] being byte 'offset' of the payload
 * (so the key starts at key[offset % 4]).  Masking and unmasking are the
 * same operation.  Works a 64-bit word at a time. */
void ws_frame_mask(uint8_t *buf, size_t n, const uint8_t key[4], uint64_t offset);

/* The same, a byte at a time: §5.3's formula as written, kept as the
 * oracle the fast version is tested against. */
void ws_frame_mask_bytewise(uint8_t *buf, size_t n, const uint8_t key[4],
			    uint64_t offset);

#endif
