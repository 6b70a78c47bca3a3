/* fuzz_ws_frame.c -- libFuzzer harness for the frame decoder
 * (ws_frame_decode, ws_frame_header_parse) and encoder (ws_frame_encode,
 * ws_frame_mask).
 *
 * The input is a stream of frames, read in both roles: as a server reads
 * a client's frames (every one must be masked) and as a client reads a
 * server's (none may be).  In each role it is fed whole, split in two, a
 * byte at a time and in random pieces (fuzz.h), and each run logs every
 * frame -- its header, its whole payload however many pieces it came in
 * -- and the refusal that ended the stream, if any: the four logs must be
 * the same.  Beyond that it aborts when a piece breaks the contract in
 * ws_frame.h: a piece outside the bytes given, offsets that do not follow
 * on, a control frame not handed out whole, a frame accepted that breaks
 * a rule (the mask for the role, RSV, a reserved opcode, control frames
 * fragmented or over 125 bytes), a header that ws_frame_header_parse()
 * reads otherwise, a refusal without code 1002 and a reason.
 *
 * Every frame that came in one piece is encoded again from what was
 * decoded (ws_frame_encode, RSV bits put back): since lengths must be in
 * their shortest form, that gives back the very bytes received, and they
 * decode to the same header and payload.  The word-at-a-time mask is
 * checked against the byte-at-a-time one on each such payload.
 *
 * One bit of the input's hash allows RSV1 (as permessage-deflate would),
 * so frames with it reach the payload paths too. */
#include "fuzz.h"
#include "ws/ws_frame.h"

struct reader {
	struct ws_frame_decoder d;
	enum ws_role role;
	unsigned rsv_allowed;
	uint64_t key_offset;    /* for the mask oracle */
	bool in_payload;        /* a frame's header came, not all its payload */
	bool refused;
	struct fuzz_log log;
};

static void check_header(const struct reader *rd, const struct ws_frame_header *h)
{
	FUZZ_CHECK(h->masked == (rd->role == WS_ROLE_SERVER));
	FUZZ_CHECK((h->rsv & ~rd->rsv_allowed) == 0 && h->fin <= 1);
	FUZZ_CHECK(strcmp(ws_opcode_name(h->opcode), "reserved") != 0);
	FUZZ_CHECK(h->length <= WS_FRAME_LENGTH_MAX);
	if (ws_opcode_is_control(h->opcode))
		FUZZ_CHECK(h->fin && h->length <= WS_CONTROL_PAYLOAD_MAX);
}

static bool same_header(const struct ws_frame_header *a, const struct ws_frame_header *b)
{
	return a->length == b->length && a->fin == b->fin && a->rsv == b->rsv &&
	       a->opcode == b->opcode && a->masked == b->masked &&
	       (!a->masked || !memcmp(a->mask, b->mask, 4));
}

/* A frame that came whole: 'wire' is how it came, 'pc' what was decoded. */
static void reencode(const struct reader *rd, const uint8_t *wire, size_t n,
		     const struct ws_frame_piece *pc)
{
	const struct ws_frame_header *h = pc->hdr;
	uint8_t *out = malloc(n), *copy = malloc(pc->len + 1), *oracle = malloc(pc->len + 1);
	FUZZ_CHECK(out && copy && oracle);

	size_t k = ws_frame_encode(out, n, h->fin, (enum ws_opcode)h->opcode, pc->data, pc->len,
				   h->masked ? h->mask : NULL);
	FUZZ_CHECK(k == n && ws_frame_encode(out, n - 1, h->fin, (enum ws_opcode)h->opcode,
					     pc->data, pc->len, h->masked ? h->mask : NULL) == 0);
	out[0] |= (uint8_t)(h->rsv << 4);
	FUZZ_CHECK(memcmp(out, wire, n) == 0);

	struct ws_frame_decoder d;
	struct ws_frame_piece again;
	struct ws_error err;
	ws_frame_decoder_init(&d, rd->role, rd->rsv_allowed);
	FUZZ_CHECK(ws_frame_decode(&d, out, n, &again, &err) == (ssize_t)n);
	FUZZ_CHECK(again.first && again.last && same_header(again.hdr, h));
	FUZZ_CHECK(again.len == pc->len && (pc->len == 0 || !memcmp(again.data, pc->data, pc->len)));

	if (pc->len > 0) {
		memcpy(copy, pc->data, pc->len);
		memcpy(oracle, pc->data, pc->len);
		static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
		ws_frame_mask(copy, pc->len, key, rd->key_offset);
		ws_frame_mask_bytewise(oracle, pc->len, key, rd->key_offset);
		FUZZ_CHECK(memcmp(copy, oracle, pc->len) == 0);
	}
	free(out);
	free(copy);
	free(oracle);
}

static void log_piece(struct reader *rd, const struct ws_frame_piece *pc)
{
	const struct ws_frame_header *h = pc->hdr;
	if (pc->first)
		fuzz_log_printf(&rd->log, "frame fin %u rsv %u %s length %llu mask %02x%02x%02x%02x\n",
				h->fin, h->rsv, ws_opcode_name(h->opcode),
				(unsigned long long)h->length, h->mask[0] * h->masked,
				h->mask[1] * h->masked, h->mask[2] * h->masked, h->mask[3] * h->masked);
	fuzz_log_add(&rd->log, pc->data, pc->len);
	if (pc->last)
		fuzz_log_add(&rd->log, "\nend of frame\n", 14);
}

static size_t on_data(void *ud, uint8_t *buf, size_t len, bool eof)
{
	struct reader *rd = ud;
	uint8_t *wire = malloc(len ? len : 1);  /* the bytes as they came */
	size_t off = 0;

	FUZZ_CHECK(wire != NULL);
	if (len)
		memcpy(wire, buf, len);
	if (eof)
		fuzz_log_printf(&rd->log, "eof %s\n", len ? "inside a header or control frame" :
				rd->in_payload ? "inside a payload" : "between frames");
	/* Each pass consumes at least a header byte or a payload byte. */
	for (size_t guard = 0; !eof && guard <= len; guard++) {
		struct ws_frame_piece pc;
		struct ws_error err;
		uint64_t done = rd->d.done;
		ssize_t r = ws_frame_decode(&rd->d, buf + off, len - off, &pc, &err);
		if (r == WS_INCOMPLETE)
			break;
		if (r == WS_INVALID) {
			FUZZ_CHECK(err.close_code == WS_CLOSE_PROTOCOL && err.reason != NULL);
			fuzz_log_printf(&rd->log, "refused %u %s\n", err.close_code, err.reason);
			rd->refused = true;
			break;
		}
		FUZZ_CHECK(r > 0 && (size_t)r <= len - off);
		size_t head = (size_t)r - pc.len;
		FUZZ_CHECK(pc.data == buf + off + head && (pc.first ? head >= 2 : head == 0));
		FUZZ_CHECK(pc.offset == (pc.first ? 0 : done) && pc.len <= pc.hdr->length - pc.offset);
		FUZZ_CHECK(pc.last == (pc.offset + pc.len == pc.hdr->length));
		if (ws_opcode_is_control(pc.hdr->opcode))
			FUZZ_CHECK(pc.first && pc.last);
		if (pc.first) {
			struct ws_frame_header h;
			check_header(rd, pc.hdr);
			FUZZ_CHECK(ws_frame_header_parse(wire + off, len - off, rd->role, rd->rsv_allowed,
							 &h, &err) == (int)head);
			FUZZ_CHECK(same_header(&h, pc.hdr) && head == ws_frame_header_size(h.length, h.masked));
		}
		log_piece(rd, &pc);
		rd->in_payload = !pc.last;
		if (pc.first && pc.last)
			reencode(rd, wire + off, (size_t)r, &pc);
		off += (size_t)r;
	}
	free(wire);
	return off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t h = fuzz_hash(data, size);
	unsigned rsv_allowed = h & 0x100 ? WS_RSV1 : 0;

	for (int role = WS_ROLE_SERVER; role <= WS_ROLE_CLIENT; role++) {
		struct reader want = { .role = (enum ws_role)role, .rsv_allowed = rsv_allowed,
				       .key_offset = h >> 32 };
		ws_frame_decoder_init(&want.d, want.role, rsv_allowed);
		fuzz_feed(data, size, fuzz_cut_of(FUZZ_WHOLE, data, size), on_data, &want,
			  &want.refused);
		for (enum fuzz_cut_how how = FUZZ_SPLIT; how <= FUZZ_PIECES; how++) {
			struct reader got = { .role = want.role, .rsv_allowed = rsv_allowed,
					      .key_offset = want.key_offset };
			ws_frame_decoder_init(&got.d, got.role, rsv_allowed);
			fuzz_feed(data, size, fuzz_cut_of(how, data, size), on_data, &got, &got.refused);
			fuzz_log_same(&want.log, &got.log, fuzz_cut_name(how));
			fuzz_log_free(&got.log);
		}
		fuzz_log_free(&want.log);
	}
	return 0;
}
