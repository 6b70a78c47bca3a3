/* test_ws_frame.c -- the frame codec (src/ws/ws_frame.h).
 *
 * Topics: the RFC 6455 §5.7 example frames and a few more, decoded whole,
 * a byte at a time and split at every position, each run printing a log
 * compared with the expected one; every framing rule, with the exact
 * prefix at which it is detected; payload handed out in pieces; encoding;
 * masking, the word-at-a-time version against the plain one. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "ws/ws_frame.h"
#include "support/ws_log.h"

/* Feeds 'in' to a fresh decoder cut as 'how'/'at' says, keeping the bytes
 * not consumed in front of the next chunk as src/net does, and logs one
 * line per frame: opcode, FIN, RSV, key, length and the payload gathered
 * from its pieces.  Piece bookkeeping (offsets, first/last) is checked on
 * the way; a fault is logged, so the expected log catches it. */
static void run_frames(const uint8_t *in, size_t n, enum ws_role role,
		       unsigned rsv_allowed, enum ws_cut how, size_t at,
		       struct tbuf *log)
{
	struct ws_frame_decoder d;
	uint8_t *buf = malloc(n + 1), *payload = malloc(n + 1);
	size_t have = 0, plen = 0, pos = 0;

	ws_frame_decoder_init(&d, role, rsv_allowed);
	while (pos < n) {
		size_t end = ws_chunk_end(how, at, pos, n), off = 0;
		memcpy(buf + have, in + pos, end - pos);
		have += end - pos;
		pos = end;
		for (;;) {
			struct ws_frame_piece pc;
			struct ws_error err;
			ssize_t r = ws_frame_decode(&d, buf + off, have - off, &pc, &err);
			if (r == WS_INCOMPLETE)
				break;
			if (r == WS_INVALID) {
				tbuf_printf(log, "error %u\n", err.close_code);
				goto out;
			}
			if (r <= 0 || (size_t)r > have - off)
				tbuf_printf(log, "bad return %zd\n", r);
			if (pc.first)
				plen = 0;
			if (pc.offset != plen)
				tbuf_printf(log, "piece at %llu, expected %zu\n",
					    (unsigned long long)pc.offset, plen);
			memcpy(payload + plen, pc.data, pc.len);
			plen += pc.len;
			off += (size_t)r;
			if (!pc.last)
				continue;
			const struct ws_frame_header *h = pc.hdr;
			tbuf_printf(log, "%s fin=%u", ws_opcode_name(h->opcode), h->fin);
			if (h->rsv)
				tbuf_printf(log, " rsv=%u", h->rsv);
			if (h->masked)
				tbuf_printf(log, " key=%02x%02x%02x%02x", h->mask[0],
					    h->mask[1], h->mask[2], h->mask[3]);
			tbuf_printf(log, " len=%llu ", (unsigned long long)h->length);
			ws_log_payload(log, payload, plen);
			tbuf_printf(log, "\n");
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	if (have > 0)
		tbuf_printf(log, "%zu bytes left over\n", have);
out:
	free(buf);
	free(payload);
}

/* --- decoding vectors ---------------------------------------------------- */

static const struct {
	const char *name;
	const char *hex;
	enum ws_role role;      /* of the receiver */
	unsigned rsv_allowed;
	const char *log;
} vec[] = {
	/* RFC 6455 §5.7: "A single-frame unmasked text message" */
	{ "RFC 6455 §5.7 unmasked Hello", "81 05 48 65 6c 6c 6f", WS_ROLE_CLIENT, 0,
	  "text fin=1 len=5 \"Hello\"\n" },
	/* RFC 6455 §5.7: "A single-frame masked text message" */
	{ "RFC 6455 §5.7 masked Hello", "81 85 37 fa 21 3d 7f 9f 4d 51 58",
	  WS_ROLE_SERVER, 0,
	  "text fin=1 key=37fa213d len=5 \"Hello\"\n" },
	/* RFC 6455 §5.7: "A fragmented unmasked text message" */
	{ "RFC 6455 §5.7 fragmented Hel+lo", "01 03 48 65 6c  80 02 6c 6f",
	  WS_ROLE_CLIENT, 0,
	  "text fin=0 len=3 \"Hel\"\ncontinuation fin=1 len=2 \"lo\"\n" },
	/* RFC 6455 §5.7: "Unmasked Ping request and masked Ping response"
	 * (the response is a Pong) */
	{ "RFC 6455 §5.7 unmasked ping", "89 05 48 65 6c 6c 6f", WS_ROLE_CLIENT, 0,
	  "ping fin=1 len=5 \"Hello\"\n" },
	{ "RFC 6455 §5.7 masked pong", "8a 85 37 fa 21 3d 7f 9f 4d 51 58",
	  WS_ROLE_SERVER, 0,
	  "pong fin=1 key=37fa213d len=5 \"Hello\"\n" },
	{ "empty text frame", "81 00", WS_ROLE_CLIENT, 0,
	  "text fin=1 len=0 \"\"\n" },
	{ "empty masked binary frame", "82 80 01 02 03 04", WS_ROLE_SERVER, 0,
	  "binary fin=1 key=01020304 len=0 \"\"\n" },
	{ "masked close 1000", "88 82 00 00 00 00 03 e8", WS_ROLE_SERVER, 0,
	  "close fin=1 key=00000000 len=2 2 bytes 03e8\n" },
	{ "RSV1 with an extension that uses it", "c1 02 68 69", WS_ROLE_CLIENT, WS_RSV1,
	  "text fin=1 rsv=4 len=2 \"hi\"\n" },
	{ "fragments with a ping between",
	  "01 01 61  89 01 70  00 01 62  80 01 63", WS_ROLE_CLIENT, 0,
	  "text fin=0 len=1 \"a\"\nping fin=1 len=1 \"p\"\n"
	  "continuation fin=0 len=1 \"b\"\ncontinuation fin=1 len=1 \"c\"\n" },
	{ "masked fragments, different keys",
	  "02 82 11 22 33 44 10 20  80 83 aa bb cc dd ab b9 cf", WS_ROLE_SERVER, 0,
	  "binary fin=0 key=11223344 len=2 2 bytes 0102\n"
	  "continuation fin=1 key=aabbccdd len=3 3 bytes 010203\n" },
	{ "16-bit length, shortest use (126)",
	  "82 7e 00 7e"
	  " 00000000000000000000000000000000 00000000000000000000000000000000"
	  " 00000000000000000000000000000000 00000000000000000000000000000000"
	  " 00000000000000000000000000000000 00000000000000000000000000000000"
	  " 00000000000000000000000000000000 0000000000000000000000000000",
	  WS_ROLE_CLIENT, 0,
	  "binary fin=1 len=126 126 bytes 0000000000000000..\n" },
	{ "control frame of 125 bytes",
	  "89 7d"
	  " 41414141414141414141414141414141 41414141414141414141414141414141"
	  " 41414141414141414141414141414141 41414141414141414141414141414141"
	  " 41414141414141414141414141414141 41414141414141414141414141414141"
	  " 41414141414141414141414141414141 41414141414141414141414141",
	  WS_ROLE_CLIENT, 0,
	  "ping fin=1 len=125 125 bytes 4141414141414141..\n" },
	{ "stops at the first bad frame", "81 01 61  83 00  81 01 62", WS_ROLE_CLIENT, 0,
	  "text fin=1 len=1 \"a\"\nerror 1002\n" },
};
#define N_VEC (sizeof vec / sizeof vec[0])

static size_t vec_bytes(size_t i, uint8_t *out, size_t cap)
{
	size_t n = ws_hex(vec[i].hex, out, cap);
	ck_assert_msg(n != (size_t)-1, "%s: bad hex", vec[i].name);
	return n;
}

static void check_run(size_t i, enum ws_cut how, size_t at)
{
	uint8_t in[256];
	struct tbuf log = { 0 };
	size_t n = vec_bytes(i, in, sizeof in);

	run_frames(in, n, vec[i].role, vec[i].rsv_allowed, how, at, &log);
	if (strcmp(tbuf_str(&log), vec[i].log) != 0)
		ck_abort_msg("%s (cut %d at %zu):\n%s\nwant:\n%s", vec[i].name,
			     (int)how, at, tbuf_str(&log), vec[i].log);
	tbuf_free(&log);
}

START_TEST(decode_whole)
{
	check_run((size_t)_i, WS_CUT_WHOLE, 0);
}
END_TEST

START_TEST(decode_bytewise)
{
	check_run((size_t)_i, WS_CUT_BYTES, 0);
}
END_TEST

START_TEST(decode_split)
{
	uint8_t in[256];
	size_t n = vec_bytes((size_t)_i, in, sizeof in);
	for (size_t at = 0; at <= n; at++)
		check_run((size_t)_i, WS_CUT_AT, at);
}
END_TEST

/* --- the framing rules, and how early each is caught --------------------- */

static const struct {
	const char *name;
	const char *hex;
	enum ws_role role;
	size_t fail_at;         /* the shortest prefix that is refused */
} bad[] = {
	{ "RSV1 without extension (§5.2)", "c1 85 00 00 00 00 48 65 6c 6c 6f", WS_ROLE_SERVER, 1 },
	{ "RSV2 (§5.2)", "a1 85 00 00 00 00 48 65 6c 6c 6f", WS_ROLE_SERVER, 1 },
	{ "RSV3 (§5.2)", "91 85 00 00 00 00 48 65 6c 6c 6f", WS_ROLE_SERVER, 1 },
	{ "RSV3 on a ping (§5.2)", "99 00", WS_ROLE_CLIENT, 1 },
	{ "opcode 3 (§5.2)", "83 80 00 00 00 00", WS_ROLE_SERVER, 1 },
	{ "opcode 4", "84 00", WS_ROLE_CLIENT, 1 },
	{ "opcode 5", "85 00", WS_ROLE_CLIENT, 1 },
	{ "opcode 6", "86 00", WS_ROLE_CLIENT, 1 },
	{ "opcode 7", "07 00", WS_ROLE_CLIENT, 1 },
	{ "opcode B", "8b 00", WS_ROLE_CLIENT, 1 },
	{ "opcode C", "8c 00", WS_ROLE_CLIENT, 1 },
	{ "opcode D", "8d 00", WS_ROLE_CLIENT, 1 },
	{ "opcode E", "8e 00", WS_ROLE_CLIENT, 1 },
	{ "opcode F", "8f 80 00 00 00 00", WS_ROLE_SERVER, 1 },
	{ "ping with FIN=0 (§5.5)", "09 00", WS_ROLE_CLIENT, 1 },
	{ "close with FIN=0 (§5.5)", "08 80 00 00 00 00", WS_ROLE_SERVER, 1 },
	{ "pong with FIN=0 (§5.5)", "0a 00", WS_ROLE_CLIENT, 1 },
	{ "ping of 126 bytes (§5.5)", "89 fe 00 7e 00 00 00 00", WS_ROLE_SERVER, 2 },
	{ "close of 126 bytes (§5.5)", "88 7e 00 7e", WS_ROLE_CLIENT, 2 },
	{ "pong with a 64-bit length (§5.5)", "8a 7f 00 00 00 00 00 00 00 05", WS_ROLE_CLIENT, 2 },
	{ "unmasked frame from a client (§5.1)", "81 05 48 65 6c 6c 6f", WS_ROLE_SERVER, 2 },
	{ "unmasked ping from a client (§5.1)", "89 00", WS_ROLE_SERVER, 2 },
	{ "masked frame from a server (§5.1)", "81 85 37 fa 21 3d 7f 9f 4d 51 58", WS_ROLE_CLIENT, 2 },
	{ "16-bit length 125 (§5.2 shortest form)", "82 7e 00 7d", WS_ROLE_CLIENT, 4 },
	{ "16-bit length 0", "82 fe 00 00 01 02 03 04", WS_ROLE_SERVER, 4 },
	{ "64-bit length 65535 (§5.2 shortest form)", "82 7f 00 00 00 00 00 00 ff ff", WS_ROLE_CLIENT, 10 },
	{ "64-bit length 125", "82 ff 00 00 00 00 00 00 00 7d 00 00 00 00", WS_ROLE_SERVER, 10 },
	{ "64-bit length, top bit set (§5.2)", "82 ff 80 00 00 00 00 00 00 00 00 00 00 00", WS_ROLE_SERVER, 10 },
	{ "64-bit length, all ones (§5.2)", "82 7f ff ff ff ff ff ff ff ff", WS_ROLE_CLIENT, 10 },
};
#define N_BAD (sizeof bad / sizeof bad[0])

/* Every prefix shorter than 'fail_at' is merely incomplete; the prefix of
 * 'fail_at' bytes and every longer one is refused with 1002. */
START_TEST(rule_fail_fast)
{
	uint8_t in[64];
	size_t n = ws_hex(bad[_i].hex, in, sizeof in);
	ck_assert(n != (size_t)-1 && n >= bad[_i].fail_at);

	for (size_t k = 0; k <= n; k++) {
		struct ws_frame_header h;
		struct ws_error err = { 0, NULL };
		int r = ws_frame_header_parse(in, k, bad[_i].role, 0, &h, &err);
		if (k < bad[_i].fail_at) {
			ck_assert_msg(r == WS_INCOMPLETE, "%s: prefix %zu gave %d",
				      bad[_i].name, k, r);
		} else {
			ck_assert_msg(r == WS_INVALID, "%s: prefix %zu gave %d",
				      bad[_i].name, k, r);
			ck_assert_uint_eq(err.close_code, WS_CLOSE_PROTOCOL);
			ck_assert(err.reason != NULL && strstr(err.reason, "RFC 6455 §") != NULL);
		}
	}
}
END_TEST

/* The streaming decoder refuses the same, however the bytes arrive. */
START_TEST(rule_streamed)
{
	uint8_t in[64];
	size_t n = ws_hex(bad[_i].hex, in, sizeof in);

	for (size_t at = 0; at <= n + 1; at++) {
		struct tbuf log = { 0 };
		enum ws_cut how = at == n + 1 ? WS_CUT_BYTES : WS_CUT_AT;
		run_frames(in, n, bad[_i].role, 0, how, at, &log);
		if (strcmp(tbuf_str(&log), "error 1002\n") != 0)
			ck_abort_msg("%s (cut at %zu): %s", bad[_i].name, at, tbuf_str(&log));
		tbuf_free(&log);
	}
}
END_TEST

/* The decoder stays out of payload: nothing after a refused header is
 * touched, and a refused header is not consumed. */
START_TEST(rule_nothing_consumed)
{
	uint8_t in[64];
	size_t n = ws_hex(bad[_i].hex, in, sizeof in);
	uint8_t copy[64];
	struct ws_frame_decoder d;
	struct ws_frame_piece pc;
	struct ws_error err;

	memcpy(copy, in, n);
	ws_frame_decoder_init(&d, bad[_i].role, 0);
	ck_assert_int_eq(ws_frame_decode(&d, in, n, &pc, &err), WS_INVALID);
	ck_assert(memcmp(copy, in, n) == 0);
}
END_TEST

/* --- RFC 6455 §5.7: 256 bytes and 64 KiB in one unmasked frame ------------ */

#define BIG (64 * 1024)
static uint8_t big_frame[10 + BIG];

static size_t make_big(size_t len)
{
	/* RFC 6455 §5.7: "256 bytes binary message in a single unmasked
	 * frame: 0x82 0x7E 0x0100 [256 bytes of binary data]" and "64KiB
	 * binary message in a single unmasked frame: 0x82 0x7F
	 * 0x0000000000010000 [65536 bytes of binary data]". */
	static const uint8_t h256[] = { 0x82, 0x7E, 0x01, 0x00 };
	static const uint8_t h64k[] = { 0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0, 0 };
	size_t h = len == 256 ? sizeof h256 : sizeof h64k;

	memcpy(big_frame, len == 256 ? h256 : h64k, h);
	for (size_t i = 0; i < len; i++)
		big_frame[h + i] = (uint8_t)(i * 7 + 1);
	return h + len;
}

static void check_big(size_t len, enum ws_cut how, size_t at)
{
	struct ws_frame_decoder d;
	struct ws_frame_piece pc;
	struct ws_error err;
	size_t n = make_big(len), pos = 0, have = 0, got = 0, pieces = 0;
	static uint8_t buf[10 + BIG];

	ws_frame_decoder_init(&d, WS_ROLE_CLIENT, 0);
	while (pos < n) {
		size_t end = ws_chunk_end(how, at, pos, n), off = 0;
		memcpy(buf + have, big_frame + pos, end - pos);
		have += end - pos;
		pos = end;
		ssize_t r;
		while ((r = ws_frame_decode(&d, buf + off, have - off, &pc, &err)) > 0) {
			if (pc.offset != got || pc.hdr->length != len ||
			    pc.hdr->opcode != WS_OP_BINARY || !pc.hdr->fin)
				ck_abort_msg("len %zu: piece at %llu after %zu", len,
					     (unsigned long long)pc.offset, got);
			for (size_t k = 0; k < pc.len; k++)
				if (pc.data[k] != (uint8_t)((got + k) * 7 + 1))
					ck_abort_msg("len %zu: byte %zu", len, got + k);
			got += pc.len;
			pieces++;
			off += (size_t)r;
		}
		ck_assert_int_eq(r, WS_INCOMPLETE);
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	ck_assert_uint_eq(got, len);
	ck_assert_uint_eq(have, 0);
	if (how == WS_CUT_WHOLE)
		ck_assert_uint_eq(pieces, 1);   /* the fast path: one piece */
}

START_TEST(rfc_256)
{
	check_big(256, WS_CUT_WHOLE, 0);
	check_big(256, WS_CUT_BYTES, 0);
	for (size_t at = 0; at <= 4 + 256; at++)
		check_big(256, WS_CUT_AT, at);
}
END_TEST

START_TEST(rfc_64k)
{
	check_big(BIG, WS_CUT_WHOLE, 0);
	check_big(BIG, WS_CUT_BYTES, 0);
	for (size_t at = 0; at <= 12; at++)     /* every cut inside the header */
		check_big(BIG, WS_CUT_AT, at);
	check_big(BIG, WS_CUT_AT, 10 + BIG / 2);
	check_big(BIG, WS_CUT_AT, 10 + BIG - 1);
}
END_TEST

/* --- pieces ----------------------------------------------------------------- */

/* A masked frame of 1000 bytes, fed in chunks of _i bytes: every piece is
 * unmasked at the right key offset. */
START_TEST(pieces_any_chunk)
{
	static const uint8_t key[4] = { 0xA1, 0xB2, 0xC3, 0xD4 };
	uint8_t frame[1014], buf[1014], plain[1000];
	size_t chunk = (size_t)_i, n, pos = 0, have = 0, got = 0, pieces = 0;
	struct ws_frame_decoder d;

	for (size_t i = 0; i < sizeof plain; i++)
		plain[i] = (uint8_t)(i ^ (i >> 3));
	n = ws_frame_encode(frame, sizeof frame, true, WS_OP_BINARY, plain,
			    sizeof plain, key);
	ck_assert_uint_eq(n, 8 + sizeof plain);

	ws_frame_decoder_init(&d, WS_ROLE_SERVER, 0);
	while (pos < n) {
		size_t take = n - pos < chunk ? n - pos : chunk, off = 0;
		memcpy(buf + have, frame + pos, take);
		have += take;
		pos += take;
		struct ws_frame_piece pc;
		struct ws_error err;
		ssize_t r;
		while ((r = ws_frame_decode(&d, buf + off, have - off, &pc, &err)) > 0) {
			if (pc.offset != got || memcmp(pc.data, plain + got, pc.len) != 0)
				ck_abort_msg("chunk %zu: bad piece at %zu", chunk, got);
			if (pc.first != (pieces == 0) || pc.last != (got + pc.len == 1000))
				ck_abort_msg("chunk %zu: first/last wrong at %zu", chunk, got);
			got += pc.len;
			pieces++;
			off += (size_t)r;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	ck_assert_uint_eq(got, sizeof plain);
}
END_TEST

/* A header alone is consumed and announced; payload follows as it comes. */
START_TEST(pieces_header_first)
{
	uint8_t in[] = { 0x82, 0x04, 1, 2, 3, 4 };
	struct ws_frame_decoder d;
	struct ws_frame_piece pc;
	struct ws_error err;

	ws_frame_decoder_init(&d, WS_ROLE_CLIENT, 0);
	ck_assert_int_eq(ws_frame_decode(&d, in, 1, &pc, &err), WS_INCOMPLETE);
	ck_assert_int_eq(ws_frame_decode(&d, in, 2, &pc, &err), 2);
	ck_assert(pc.first && !pc.last && pc.len == 0);
	ck_assert_int_eq(ws_frame_decode(&d, in + 2, 0, &pc, &err), WS_INCOMPLETE);
	ck_assert_int_eq(ws_frame_decode(&d, in + 2, 3, &pc, &err), 3);
	ck_assert(!pc.first && !pc.last && pc.len == 3 && pc.offset == 0);
	ck_assert_int_eq(ws_frame_decode(&d, in + 5, 1, &pc, &err), 1);
	ck_assert(!pc.first && pc.last && pc.len == 1 && pc.offset == 3 && pc.data[0] == 4);
}
END_TEST

/* Control frames come out whole: nothing is consumed until all is here. */
START_TEST(pieces_control_whole)
{
	uint8_t in[] = { 0x89, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	struct ws_frame_decoder d;
	struct ws_frame_piece pc;
	struct ws_error err;

	ws_frame_decoder_init(&d, WS_ROLE_SERVER, 0);
	for (size_t k = 0; k < sizeof in; k++)
		ck_assert_int_eq(ws_frame_decode(&d, in, k, &pc, &err), WS_INCOMPLETE);
	ck_assert(in[6] == 0x7f);       /* not unmasked while waiting */
	ck_assert_int_eq(ws_frame_decode(&d, in, sizeof in, &pc, &err), (ssize_t)sizeof in);
	ck_assert(pc.first && pc.last && pc.len == 5 && memcmp(pc.data, "Hello", 5) == 0);
}
END_TEST

/* --- encoding ------------------------------------------------------------- */

/* Each RFC 6455 §5.7 example, rebuilt by the encoder byte for byte. */
START_TEST(encode_rfc_examples)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	static const struct {
		const char *hex;
		bool fin;
		enum ws_opcode op;
		const char *payload;
		bool masked;
	} ex[] = {
		{ "81 05 48 65 6c 6c 6f", true, WS_OP_TEXT, "Hello", false },
		{ "81 85 37 fa 21 3d 7f 9f 4d 51 58", true, WS_OP_TEXT, "Hello", true },
		{ "01 03 48 65 6c", false, WS_OP_TEXT, "Hel", false },
		{ "80 02 6c 6f", true, WS_OP_CONT, "lo", false },
		{ "89 05 48 65 6c 6c 6f", true, WS_OP_PING, "Hello", false },
		{ "8a 85 37 fa 21 3d 7f 9f 4d 51 58", true, WS_OP_PONG, "Hello", true },
	};
	for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
		uint8_t want[32], got[32];
		size_t n = ws_hex(ex[i].hex, want, sizeof want);
		size_t m = ws_frame_encode(got, sizeof got, ex[i].fin, ex[i].op,
					   ex[i].payload, strlen(ex[i].payload),
					   ex[i].masked ? key : NULL);
		ck_assert_uint_eq(m, n);
		ck_assert_msg(memcmp(got, want, n) == 0, "example %zu", i);
	}
	/* the 256-byte and 64 KiB headers */
	uint8_t h[WS_FRAME_HEADER_MAX];
	ck_assert_uint_eq(ws_frame_header_encode(h, true, WS_OP_BINARY, 256, NULL), 4);
	ck_assert(memcmp(h, "\x82\x7e\x01\x00", 4) == 0);
	ck_assert_uint_eq(ws_frame_header_encode(h, true, WS_OP_BINARY, 65536, NULL), 10);
	ck_assert(memcmp(h, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10) == 0);
}
END_TEST

/* Lengths on each side of each form's boundary: the encoder picks the
 * shortest form, and the parser reads back exactly what was written. */
static const uint64_t lengths[] = {
	0, 1, 125, 126, 127, 65535, 65536, 65537, 0xFFFFFFFFull, 0x100000000ull,
	WS_FRAME_LENGTH_MAX,
};
#define N_LENGTHS (sizeof lengths / sizeof lengths[0])

START_TEST(encode_lengths)
{
	static const uint8_t key[4] = { 9, 8, 7, 6 };
	uint64_t len = lengths[_i];
	size_t want = len <= 125 ? 2 : len <= 65535 ? 4 : 10;

	for (int masked = 0; masked < 2; masked++) {
		uint8_t h[WS_FRAME_HEADER_MAX];
		struct ws_frame_header back;
		struct ws_error err;
		size_t n = ws_frame_header_encode(h, masked, WS_OP_BINARY, len,
						  masked ? key : NULL);
		ck_assert_uint_eq(n, want + (masked ? 4 : 0));
		ck_assert_uint_eq(ws_frame_header_size(len, masked), n);
		ck_assert_int_eq(ws_frame_header_parse(h, n, masked ? WS_ROLE_SERVER
							: WS_ROLE_CLIENT, 0, &back, &err), (int)n);
		ck_assert(back.length == len && back.opcode == WS_OP_BINARY &&
			  back.fin == masked && back.rsv == 0 && back.masked == masked);
		if (masked)
			ck_assert(memcmp(back.mask, key, 4) == 0);
	}
}
END_TEST

START_TEST(encode_refusals)
{
	uint8_t out[16];
	ck_assert_uint_eq(ws_frame_header_encode(out, true, WS_OP_BINARY,
						 WS_FRAME_LENGTH_MAX + 1, NULL), 0);
	ck_assert_uint_eq(ws_frame_encode(out, 6, true, WS_OP_TEXT, "Hello", 5, NULL), 0);
	ck_assert_uint_eq(ws_frame_encode(out, 7, true, WS_OP_TEXT, "Hello", 5, NULL), 7);
	ck_assert_uint_eq(ws_frame_encode(out, 10, true, WS_OP_TEXT, "Hello", 5,
					  (const uint8_t *)"abcd"), 0);
	ck_assert_uint_eq(ws_frame_encode(out, 2, true, WS_OP_PING, NULL, 0, NULL), 2);
	ck_assert(out[0] == 0x89 && out[1] == 0x00);
}
END_TEST

/* --- masking (§5.3) -------------------------------------------------------- */

/* RFC 6455 §5.7: "Hello" masked with 37 fa 21 3d is 7f 9f 4d 51 58. */
START_TEST(mask_rfc_example)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	uint8_t a[5], b[5];
	memcpy(a, "Hello", 5);
	memcpy(b, "Hello", 5);
	ws_frame_mask(a, 5, key, 0);
	ws_frame_mask_bytewise(b, 5, key, 0);
	ck_assert(memcmp(a, "\x7f\x9f\x4d\x51\x58", 5) == 0);
	ck_assert(memcmp(b, "\x7f\x9f\x4d\x51\x58", 5) == 0);
	ws_frame_mask(a, 5, key, 0);    /* masking twice restores */
	ck_assert(memcmp(a, "Hello", 5) == 0);
}
END_TEST

/* The word-at-a-time version agrees with the byte loop for every length
 * 0..100, key offset 0..7 and buffer alignment 0..7 (_i). */
START_TEST(mask_fast_agrees)
{
	static const uint8_t key[4] = { 0x01, 0x80, 0xFE, 0x5A };
	uint8_t a[128], b[128];

	for (size_t len = 0; len <= 100; len++)
		for (uint64_t offset = 0; offset < 8; offset++) {
			for (size_t k = 0; k < sizeof a; k++)
				a[k] = b[k] = (uint8_t)(k * 13 + len);
			ws_frame_mask(a + _i, len, key, offset + 0xFFFFFFFF0ull);
			ws_frame_mask_bytewise(b + _i, len, key, offset + 0xFFFFFFFF0ull);
			if (memcmp(a, b, sizeof a) != 0)
				ck_abort_msg("len %zu offset %llu align %d", len,
					     (unsigned long long)offset, _i);
		}
}
END_TEST

/* Masking in two pieces at any cut equals masking at once. */
START_TEST(mask_pieces)
{
	static const uint8_t key[4] = { 0xDE, 0xAD, 0xBE, 0xEF };
	uint8_t whole[64], parts[64];
	for (size_t k = 0; k < sizeof whole; k++)
		whole[k] = parts[k] = (uint8_t)k;
	ws_frame_mask_bytewise(whole, sizeof whole, key, 0);
	ws_frame_mask(parts, (size_t)_i, key, 0);
	ws_frame_mask(parts + _i, sizeof parts - (size_t)_i, key, (uint64_t)_i);
	ck_assert(memcmp(whole, parts, sizeof whole) == 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ws_frame");
	TCase *tc;

	tc = tcase_create("decode");
	tcase_add_loop_test(tc, decode_whole, 0, N_VEC);
	tcase_add_loop_test(tc, decode_bytewise, 0, N_VEC);
	tcase_add_loop_test(tc, decode_split, 0, N_VEC);
	tcase_add_test(tc, rfc_256);
	tcase_add_test(tc, rfc_64k);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_loop_test(tc, rule_fail_fast, 0, N_BAD);
	tcase_add_loop_test(tc, rule_streamed, 0, N_BAD);
	tcase_add_loop_test(tc, rule_nothing_consumed, 0, N_BAD);
	suite_add_tcase(s, tc);

	tc = tcase_create("pieces");
	tcase_add_loop_test(tc, pieces_any_chunk, 1, 41);
	tcase_add_test(tc, pieces_header_first);
	tcase_add_test(tc, pieces_control_whole);
	suite_add_tcase(s, tc);

	tc = tcase_create("encode");
	tcase_add_test(tc, encode_rfc_examples);
	tcase_add_loop_test(tc, encode_lengths, 0, N_LENGTHS);
	tcase_add_test(tc, encode_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("mask");
	tcase_add_test(tc, mask_rfc_example);
	tcase_add_loop_test(tc, mask_fast_agrees, 0, 8);
	tcase_add_loop_test(tc, mask_pieces, 0, 65);
	suite_add_tcase(s, tc);
	return s;
}
