/* ws_frame.c -- RFC 6455 §5.2 framing: bytes in, frame pieces out; frame
 * headers and masking out.
 *
 * The header parser is a pure function of the bytes in front of it, so
 * the streaming decoder needs to remember nothing about a header that has
 * not fully arrived: it just answers WS_INCOMPLETE and is handed the same
 * bytes again, longer.  Once a header is whole the decoder keeps it, with
 * a count of payload bytes handed out, which is all it needs to unmask
 * the rest as it arrives.  ws_frame.h has the contract.
 */
#include <assert.h>
#include <string.h>
#include "ws/ws_frame.h"

const char *ws_opcode_name(unsigned op)
{
	switch (op) {
	case WS_OP_CONT:   return "continuation";
	case WS_OP_TEXT:   return "text";
	case WS_OP_BINARY: return "binary";
	case WS_OP_CLOSE:  return "close";
	case WS_OP_PING:   return "ping";
	case WS_OP_PONG:   return "pong";
	default:           return "reserved";
	}
}

static bool opcode_defined(unsigned op)
{
	return op <= WS_OP_BINARY || (op >= WS_OP_CLOSE && op <= WS_OP_PONG);
}

static int refuse(struct ws_error *err, const char *reason)
{
	err->close_code = WS_CLOSE_PROTOCOL;   /* every framing fault is 1002 */
	err->reason = reason;
	return WS_INVALID;
}

int ws_frame_header_parse(const uint8_t *p, size_t n, enum ws_role role,
			  unsigned rsv_allowed, struct ws_frame_header *h,
			  struct ws_error *err)
{
	if (n < 1)
		return WS_INCOMPLETE;
	h->fin = p[0] >> 7;
	h->rsv = (p[0] >> 4) & 0x7;
	h->opcode = p[0] & 0xF;
	if (h->rsv & ~rsv_allowed)
		return refuse(err, "RSV bit set without a negotiated extension (RFC 6455 §5.2)");
	if (!opcode_defined(h->opcode))
		return refuse(err, "reserved opcode (RFC 6455 §5.2)");
	if (ws_opcode_is_control(h->opcode) && !h->fin)
		return refuse(err, "fragmented control frame (RFC 6455 §5.5)");

	if (n < 2)
		return WS_INCOMPLETE;
	h->masked = p[1] >> 7;
	unsigned len7 = p[1] & 0x7F;
	if (role == WS_ROLE_SERVER && !h->masked)
		return refuse(err, "unmasked frame from a client (RFC 6455 §5.1)");
	if (role == WS_ROLE_CLIENT && h->masked)
		return refuse(err, "masked frame from a server (RFC 6455 §5.1)");
	if (ws_opcode_is_control(h->opcode) && len7 > WS_CONTROL_PAYLOAD_MAX)
		return refuse(err, "control frame length over 125, or in an extended form (RFC 6455 §5.5)");

	size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
	if (n < 2 + ext)
		return WS_INCOMPLETE;
	if (ext == 0) {
		h->length = len7;
	} else {
		h->length = 0;
		for (size_t i = 0; i < ext; i++)        /* network byte order */
			h->length = h->length << 8 | p[2 + i];
		if (h->length > WS_FRAME_LENGTH_MAX)
			return refuse(err, "64-bit length with its top bit set (RFC 6455 §5.2)");
		if (h->length < (ext == 2 ? 126u : 0x10000u))
			return refuse(err, "length not in its shortest form (RFC 6455 §5.2)");
	}

	size_t hlen = 2 + ext + (h->masked ? 4 : 0);
	if (n < hlen)
		return WS_INCOMPLETE;
	if (h->masked)
		memcpy(h->mask, p + 2 + ext, 4);
	else
		memset(h->mask, 0, 4);
	return (int)hlen;
}

void ws_frame_decoder_init(struct ws_frame_decoder *d, enum ws_role role,
			   unsigned rsv_allowed)
{
	memset(d, 0, sizeof *d);
	d->role = (uint8_t)role;
	d->rsv_allowed = (uint8_t)rsv_allowed;
}

ssize_t ws_frame_decode(struct ws_frame_decoder *d, uint8_t *buf, size_t len,
			struct ws_frame_piece *out, struct ws_error *err)
{
	size_t used = 0;
	bool first = false;

	/* Inside a frame, payload is still to come: the piece that hands
	 * out a frame's last byte leaves the frame. */
	assert(!d->in_frame || d->done < d->hdr.length);
	if (!d->in_frame) {
		int h = ws_frame_header_parse(buf, len, (enum ws_role)d->role,
					      d->rsv_allowed, &d->hdr, err);
		if (h < 0)
			return h;
		/* A control frame goes out whole: wait until all of it is here. */
		if (ws_opcode_is_control(d->hdr.opcode) &&
		    len - (size_t)h < d->hdr.length)
			return WS_INCOMPLETE;
		used = (size_t)h;
		d->done = 0;
		d->in_frame = 1;
		first = true;
	} else if (len == 0) {
		return WS_INCOMPLETE;
	}

	uint64_t left = d->hdr.length - d->done;
	size_t take = len - used < left ? len - used : (size_t)left;
	uint8_t *data = buf + used;

	/* A control frame goes out in one piece (see above). */
	assert(!ws_opcode_is_control(d->hdr.opcode) || (first && take == d->hdr.length));
	if (d->hdr.masked)
		ws_frame_mask(data, take, d->hdr.mask, d->done);
	out->hdr = &d->hdr;
	out->data = data;
	out->len = take;
	out->offset = d->done;
	out->first = first;
	d->done += take;
	out->last = d->done == d->hdr.length;
	if (out->last)
		d->in_frame = 0;
	return (ssize_t)(used + take);
}

size_t ws_frame_header_size(uint64_t length, bool masked)
{
	size_t ext = length <= 125 ? 0 : length <= 0xFFFF ? 2 : 8;
	return 2 + ext + (masked ? 4 : 0);
}

size_t ws_frame_header_encode(uint8_t *out, bool fin, enum ws_opcode op,
			      uint64_t length, const uint8_t *mask)
{
	size_t n = 2;

	if (length > WS_FRAME_LENGTH_MAX)
		return 0;
	out[0] = (uint8_t)((fin ? 0x80 : 0) | (op & 0xF));
	out[1] = mask ? 0x80 : 0;
	if (length <= 125) {            /* §5.2: always the shortest form */
		out[1] |= (uint8_t)length;
	} else if (length <= 0xFFFF) {
		out[1] |= 126;
		out[2] = (uint8_t)(length >> 8);
		out[3] = (uint8_t)length;
		n = 4;
	} else {
		out[1] |= 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)(length >> (56 - 8 * i));
		n = 10;
	}
	if (mask) {
		memcpy(out + n, mask, 4);
		n += 4;
	}
	return n;
}

size_t ws_frame_encode(uint8_t *out, size_t cap, bool fin, enum ws_opcode op,
		       const void *payload, size_t len, const uint8_t *mask)
{
	size_t h = ws_frame_header_size(len, mask != NULL);

	if (cap < h || cap - h < len)
		return 0;
	ws_frame_header_encode(out, fin, op, len, mask);
	if (len > 0) {
		memcpy(out + h, payload, len);
		if (mask)
			ws_frame_mask(out + h, len, mask, 0);
	}
	return h + len;
}

void ws_frame_mask_bytewise(uint8_t *buf, size_t n, const uint8_t key[4],
			    uint64_t offset)
{
	for (size_t i = 0; i < n; i++)  /* §5.3: j = i MOD 4, octet ^ key[j] */
		buf[i] ^= key[(offset + i) & 3];
}

void ws_frame_mask(uint8_t *buf, size_t n, const uint8_t key[4], uint64_t offset)
{
	/* Eight key bytes in the order they meet buf[0..7].  Every step below
	 * moves by 8, a multiple of 4, so the same word fits every block.
	 * memcpy is how C reads a word from an address of any alignment; the
	 * compiler turns it into a single load. */
	uint8_t pattern[8];
	uint64_t word;
	size_t i = 0;

	for (int j = 0; j < 8; j++)
		pattern[j] = key[(offset + (uint64_t)j) & 3];
	memcpy(&word, pattern, 8);
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, buf + i, 8);
		x ^= word;
		memcpy(buf + i, &x, 8);
	}
	ws_frame_mask_bytewise(buf + i, n - i, key, offset + i);  /* the tail */
}
