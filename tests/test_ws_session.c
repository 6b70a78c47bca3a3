/* test_ws_session.c -- the message layer (src/ws/ws_session.h): messages,
 * fragmentation, control frames in between, UTF-8, size limits, the
 * reassembly buffer kept from one large message to the next, and every
 * rule that fails the connection, with the close code it earns and the
 * proof that nothing after the fault is delivered or answered.
 *
 * Each vector is a list of frames a client sends (masked) and the log of
 * events a server session must produce, fed whole, a byte at a time and
 * split at every position.  Closing, close codes and sending are in
 * test_ws_close.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "ws/ws_session.h"
#include "support/ws_log.h"

#define FIN 0x80
#define T(fin, op, s) { (fin) | (op), s, 0 }
#define TN(fin, op, s, n) { (fin) | (op), s, n }

/* Test sessions accept messages of up to 64 bytes. */
static const struct ws_config small = { .max_message = 64 };

static const struct {
	const char *name;
	struct ws_fspec f[8];
	const char *log;
} vec[] = {
	/* --- messages --- */
	{ "text", { T(FIN, WS_OP_TEXT, "Hello"), WS_F_END },
	  "text \"Hello\"\nend open 0\n" },
	{ "binary", { TN(FIN, WS_OP_BINARY, "\x00\xff", 2), WS_F_END },
	  "binary 2 bytes 00ff\nend open 0\n" },
	{ "empty text", { T(FIN, WS_OP_TEXT, ""), WS_F_END },
	  "text \"\"\nend open 0\n" },
	{ "two messages", { T(FIN, WS_OP_TEXT, "one"), T(FIN, WS_OP_BINARY, "two"), WS_F_END },
	  "text \"one\"\nbinary \"two\"\nend open 0\n" },
	{ "fragmented Hel+lo (RFC 6455 §5.7)",
	  { T(0, WS_OP_TEXT, "Hel"), T(FIN, WS_OP_CONT, "lo"), WS_F_END },
	  "text \"Hello\"\nend open 0\n" },
	{ "five fragments", { T(0, WS_OP_BINARY, "a"), T(0, WS_OP_CONT, "bb"),
			      T(0, WS_OP_CONT, ""), T(0, WS_OP_CONT, "ccc"),
			      T(FIN, WS_OP_CONT, "dddd"), WS_F_END },
	  "binary \"abbcccdddd\"\nend open 0\n" },
	{ "empty fragments", { T(0, WS_OP_TEXT, ""), T(0, WS_OP_CONT, ""),
			       T(FIN, WS_OP_CONT, ""), WS_F_END },
	  "text \"\"\nend open 0\n" },
	/* --- control frames (§5.5) --- */
	{ "ping answered with the same payload (§5.5.2)",
	  { T(FIN, WS_OP_PING, "Hello"), WS_F_END },
	  "ping \"Hello\" -> pong \"Hello\"\nend open 0\n" },
	{ "empty ping", { T(FIN, WS_OP_PING, ""), WS_F_END },
	  "ping \"\" -> pong \"\"\nend open 0\n" },
	{ "unsolicited pong reported, not answered (§5.5.3)",
	  { T(FIN, WS_OP_PONG, "hb"), WS_F_END },
	  "pong \"hb\"\nend open 0\n" },
	{ "pings between fragments (§5.4)",
	  { T(0, WS_OP_TEXT, "Hel"), T(FIN, WS_OP_PING, "p1"), T(0, WS_OP_CONT, "l"),
	    T(FIN, WS_OP_PONG, "p2"), T(FIN, WS_OP_PING, "p3"), T(FIN, WS_OP_CONT, "o"),
	    WS_F_END },
	  "ping \"p1\" -> pong \"p1\"\npong \"p2\"\nping \"p3\" -> pong \"p3\"\n"
	  "text \"Hello\"\nend open 0\n" },
	/* --- UTF-8 (§8.1) --- */
	{ "text with every length class",
	  { T(FIN, WS_OP_TEXT, "a\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E"), WS_F_END },
	  "text 10 bytes 61c3a9e282acf09d..\nend open 0\n" },
	{ "character split across fragments",
	  { T(0, WS_OP_TEXT, "\xE2\x82"), T(FIN, WS_OP_CONT, "\xAC"), WS_F_END },
	  "text 3 bytes e282ac\nend open 0\n" },
	{ "character split over three fragments",
	  { T(0, WS_OP_TEXT, "\xF0"), T(0, WS_OP_CONT, "\x9D\x84"),
	    T(FIN, WS_OP_CONT, "\x9E"), WS_F_END },
	  "text 4 bytes f09d849e\nend open 0\n" },
	{ "binary is not checked", { T(FIN, WS_OP_BINARY, "\xFF\xC0"), WS_F_END },
	  "binary 2 bytes ffc0\nend open 0\n" },
	{ "invalid UTF-8 in a text frame -> 1007",
	  { T(FIN, WS_OP_TEXT, "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80" "edited"),
	    WS_F_END },
	  "fail 1007 -> close 1007\nend failed 0\n" },
	{ "invalid UTF-8 in a later fragment -> 1007",
	  { T(0, WS_OP_TEXT, "ok"), T(0, WS_OP_CONT, "\xC0\xAF"), T(FIN, WS_OP_CONT, "x"),
	    WS_F_END },
	  "fail 1007 -> close 1007\nend failed 0\n" },
	{ "text ends inside a character -> 1007",
	  { T(FIN, WS_OP_TEXT, "ab\xE2\x82"), WS_F_END },
	  "fail 1007 -> close 1007\nend failed 0\n" },
	{ "fragmented text ends inside a character -> 1007",
	  { T(0, WS_OP_TEXT, "a"), T(FIN, WS_OP_CONT, "\xF0\x9F"), WS_F_END },
	  "fail 1007 -> close 1007\nend failed 0\n" },
	{ "surrogate split across fragments -> 1007",
	  { T(0, WS_OP_TEXT, "\xED"), T(FIN, WS_OP_CONT, "\xA0\x80"), WS_F_END },
	  "fail 1007 -> close 1007\nend failed 0\n" },
	/* --- sequence rules (§5.4) --- */
	{ "continuation with nothing to continue -> 1002",
	  { T(FIN, WS_OP_CONT, "x"), WS_F_END },
	  "fail 1002 -> close 1002\nend failed 0\n" },
	{ "continuation FIN=0 with nothing to continue -> 1002",
	  { T(0, WS_OP_CONT, "x"), WS_F_END },
	  "fail 1002 -> close 1002\nend failed 0\n" },
	{ "text inside a fragmented message -> 1002",
	  { T(0, WS_OP_TEXT, "a"), T(FIN, WS_OP_TEXT, "b"), WS_F_END },
	  "fail 1002 -> close 1002\nend failed 0\n" },
	{ "binary inside a fragmented text -> 1002",
	  { T(0, WS_OP_TEXT, "a"), T(0, WS_OP_BINARY, "b"), T(FIN, WS_OP_CONT, "c"), WS_F_END },
	  "fail 1002 -> close 1002\nend failed 0\n" },
	{ "continuation after a complete message -> 1002",
	  { T(FIN, WS_OP_TEXT, "a"), T(FIN, WS_OP_CONT, "b"), WS_F_END },
	  "text \"a\"\nfail 1002 -> close 1002\nend failed 0\n" },
	/* --- framing rules seen through the session (ws_frame.h) --- */
	{ "reserved opcode 3 -> 1002", { T(FIN, 0x3, "x"), WS_F_END },
	  "fail 1002 -> close 1002\nend failed 0\n" },
	{ "reserved opcode B -> 1002", { T(FIN, 0xB, ""), WS_F_END },
	  "fail 1002 -> close 1002\nend failed 0\n" },
	{ "RSV1 without extension -> 1002", { T(FIN | 0x40, WS_OP_TEXT, "x"), WS_F_END },
	  "fail 1002 -> close 1002\nend failed 0\n" },
	{ "ping with FIN=0 -> 1002", { T(0, WS_OP_PING, "x"), WS_F_END },
	  "fail 1002 -> close 1002\nend failed 0\n" },
	{ "ping of 126 bytes -> 1002",
	  { TN(FIN, WS_OP_PING,
	       "0123456789012345678901234567890123456789012345678901234567890123456789"
	       "01234567890123456789012345678901234567890123456789012345", 126), WS_F_END },
	  "fail 1002 -> close 1002\nend failed 0\n" },
	/* --- nothing after the fault --- */
	{ "frames after a fault are neither delivered nor answered",
	  { T(FIN, WS_OP_PING, "before"), T(FIN, WS_OP_TEXT, "ok"), T(FIN, 0x7, "bad"),
	    T(FIN, WS_OP_TEXT, "after"), T(FIN, WS_OP_PING, "after"), WS_F_END },
	  "ping \"before\" -> pong \"before\"\ntext \"ok\"\nfail 1002 -> close 1002\n"
	  "end failed 0\n" },
	{ "half a fragmented message is dropped at a fault",
	  { T(0, WS_OP_TEXT, "half"), T(FIN | 0x20, WS_OP_CONT, "rsv2"),
	    T(FIN, WS_OP_TEXT, "after"), WS_F_END },
	  "fail 1002 -> close 1002\nend failed 0\n" },
	{ "bytes after bad UTF-8 are dropped",
	  { T(FIN, WS_OP_TEXT, "\xFF"), T(FIN, WS_OP_PING, "x"), WS_F_END },
	  "fail 1007 -> close 1007\nend failed 0\n" },
	/* --- the size limit (64 bytes here), inclusive --- */
	{ "message of exactly the limit",
	  { T(FIN, WS_OP_BINARY, "0123456789012345678901234567890123456789012345678901234567890123"),
	    WS_F_END },
	  "binary \"0123456789012345678901234567890123456789012345678901234567890123\"\n"
	  "end open 0\n" },
	{ "one byte over the limit -> 1009",
	  { T(FIN, WS_OP_BINARY, "0123456789012345678901234567890123456789012345678901234567890123X"),
	    WS_F_END },
	  "fail 1009 -> close 1009\nend failed 0\n" },
	{ "fragments adding up to the limit",
	  { T(0, WS_OP_TEXT, "01234567890123456789012345678901"),
	    T(FIN, WS_OP_CONT, "01234567890123456789012345678901"), WS_F_END },
	  "text \"0123456789012345678901234567890101234567890123456789012345678901\"\n"
	  "end open 0\n" },
	{ "fragments one byte over the limit -> 1009",
	  { T(0, WS_OP_TEXT, "01234567890123456789012345678901"),
	    T(0, WS_OP_CONT, "01234567890123456789012345678901"),
	    T(FIN, WS_OP_CONT, "X"), WS_F_END },
	  "fail 1009 -> close 1009\nend failed 0\n" },
	{ "control frames do not count towards the limit",
	  { T(0, WS_OP_TEXT, "01234567890123456789012345678901"),
	    T(FIN, WS_OP_PING, "01234567890123456789012345678901234567890123456789"),
	    T(FIN, WS_OP_CONT, "01234567890123456789012345678901"), WS_F_END },
	  "ping \"01234567890123456789012345678901234567890123456789\""
	  " -> pong \"01234567890123456789012345678901234567890123456789\"\n"
	  "text \"0123456789012345678901234567890101234567890123456789012345678901\"\n"
	  "end open 0\n" },
};
#define N_VEC (sizeof vec / sizeof vec[0])

/* The vector's frames; after a fault, two more that must be ignored: a
 * message and a ping, neither delivered nor answered. */
static size_t vec_bytes(size_t i, uint8_t *in, size_t cap)
{
	static const struct ws_fspec after[] = {
		T(FIN, WS_OP_TEXT, "after"), T(FIN, WS_OP_PING, "after"), WS_F_END,
	};
	size_t n = ws_build(vec[i].f, true, in, cap);
	if (strstr(vec[i].log, "fail ") != NULL)
		n += ws_build(after, true, in + n, cap - n);
	return n;
}

static void check_vec(size_t i, enum ws_cut how, size_t at)
{
	uint8_t in[1024] = { 0 };
	size_t n = vec_bytes(i, in, sizeof in);
	struct ws_session s;
	struct tbuf log = { 0 };

	ws_session_init(&s, WS_ROLE_SERVER, &small);
	ws_run_session(&s, in, n, how, at, &log);
	if (strcmp(tbuf_str(&log), vec[i].log) != 0)
		ck_abort_msg("%s (cut %d at %zu):\n%swant:\n%s", vec[i].name,
			     (int)how, at, tbuf_str(&log), vec[i].log);
	tbuf_free(&log);
	ws_session_free(&s);
}

START_TEST(vec_whole)
{
	check_vec((size_t)_i, WS_CUT_WHOLE, 0);
}
END_TEST

START_TEST(vec_bytewise)
{
	check_vec((size_t)_i, WS_CUT_BYTES, 0);
}
END_TEST

START_TEST(vec_split)
{
	uint8_t in[1024] = { 0 };
	size_t n = vec_bytes((size_t)_i, in, sizeof in);
	for (size_t at = 0; at <= n; at++)
		check_vec((size_t)_i, WS_CUT_AT, at);
}
END_TEST

/* --- delivery without a copy ------------------------------------------------- */

/* A whole frame in the buffer is delivered as a slice of it, unmasked in
 * place, and the session allocates nothing. */
START_TEST(zero_copy)
{
	static const struct ws_fspec f[] = { T(FIN, WS_OP_TEXT, "Hello"), WS_F_END };
	uint8_t in[64];
	size_t n = ws_build(f, true, in, sizeof in);
	struct ws_session s;
	struct ws_event ev;

	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	ck_assert_uint_eq(ws_session_feed(&s, in, n, &ev), n);
	ck_assert_int_eq(ev.type, WS_EV_MESSAGE);
	ck_assert_ptr_eq(ev.data, in + 6);
	ck_assert(memcmp(in + 6, "Hello", 5) == 0);
	ck_assert_uint_eq(ws_session_buffered(&s), 0);
	ck_assert_uint_eq(ws_session_feed(&s, in + n, 0, &ev), 0);
	ck_assert_int_eq(ev.type, WS_EV_NONE);
	ws_session_free(&s);
}
END_TEST

/* A frame that straddles two reads is gathered in a buffer of exactly its
 * size, which is freed by the call after the delivery. */
START_TEST(straddling_frame)
{
	static const struct ws_fspec f[] = { T(FIN, WS_OP_BINARY, "0123456789"), WS_F_END };
	uint8_t in[64];
	size_t n = ws_build(f, true, in, sizeof in);
	struct ws_session s;
	struct ws_event ev;

	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	ck_assert_uint_eq(ws_session_feed(&s, in, 9, &ev), 9);     /* header + 3 */
	ck_assert_int_eq(ev.type, WS_EV_NONE);
	ck_assert_uint_eq(ws_session_buffered(&s), 10);
	ck_assert_uint_eq(ws_session_feed(&s, in + 9, n - 9, &ev), n - 9);
	ck_assert_int_eq(ev.type, WS_EV_MESSAGE);
	ck_assert(ev.len == 10 && memcmp(ev.data, "0123456789", 10) == 0);
	ck_assert(ev.data < in || ev.data >= in + n);      /* from the buffer */
	ck_assert_uint_eq(ws_session_feed(&s, in + n, 0, &ev), 0);
	ck_assert_int_eq(ev.type, WS_EV_NONE);
	ck_assert_uint_eq(ws_session_buffered(&s), 0);
	ws_session_free(&s);
}
END_TEST

/* An incomplete header is not consumed: the caller keeps it. */
START_TEST(partial_header_kept)
{
	uint8_t in[] = { 0x81, 0x85, 0x37, 0xfa };
	struct ws_session s;
	struct ws_event ev;

	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	ck_assert_uint_eq(ws_session_feed(&s, in, sizeof in, &ev), 0);
	ck_assert_int_eq(ev.type, WS_EV_NONE);
	ck_assert_int_eq(ws_session_state(&s), WS_STATE_OPEN);
}
END_TEST

/* The fault is at the first bad byte of a frame still arriving: the
 * session fails before the rest of the frame is sent (§8.1). */
START_TEST(utf8_fails_fast)
{
	static const struct ws_fspec f[] = {
		T(FIN, WS_OP_TEXT, "valid text, then \xF4\x90\x80\x80 and much more to come"),
		WS_F_END,
	};
	uint8_t in[128];
	size_t n = ws_build(f, true, in, sizeof in), bad = 6 + 17 + 1;
	struct ws_session s;
	struct ws_event ev;

	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	ck_assert_uint_eq(ws_session_feed(&s, in, bad, &ev), bad);
	ck_assert_int_eq(ev.type, WS_EV_NONE);          /* F4 alone may still be fine */
	ck_assert_uint_eq(ws_session_feed(&s, in + bad, 1, &ev), 1);
	ck_assert_int_eq(ev.type, WS_EV_FAIL);          /* F4 90 cannot */
	ck_assert_uint_eq(ev.code, WS_CLOSE_INVALID_DATA);
	ck_assert(n > bad + 1);
	ws_session_free(&s);
}
END_TEST

/* --- 16 MiB, the default limit --------------------------------------------- */

/* A single text frame of 'len' bytes of 'x', masked. */
static uint8_t *big_text(size_t len, size_t *n)
{
	static const uint8_t key[4] = { 1, 2, 3, 4 };
	uint8_t *p = malloc(len + 14);
	size_t h = ws_frame_header_encode(p, true, WS_OP_TEXT, len, key);
	memset(p + h, 'x', len);
	ws_frame_mask(p + h, len, key, 0);
	*n = h + len;
	return p;
}

START_TEST(limit_16mib_whole)
{
	size_t n;
	uint8_t *in = big_text(WS_MESSAGE_MAX_DEFAULT, &n);
	struct ws_session s;
	struct ws_event ev;

	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	ck_assert_uint_eq(ws_session_feed(&s, in, n, &ev), n);
	ck_assert_int_eq(ev.type, WS_EV_MESSAGE);
	ck_assert_uint_eq(ev.len, WS_MESSAGE_MAX_DEFAULT);
	ck_assert_uint_eq(ws_session_buffered(&s), 0);
	ws_session_free(&s);
	free(in);
}
END_TEST

/* Fed 64 KiB at a time, as src/net would: gathered into one buffer of
 * exactly 16 MiB. */
START_TEST(limit_16mib_streamed)
{
	size_t n, off = 0, events = 0;
	uint8_t *in = big_text(WS_MESSAGE_MAX_DEFAULT, &n);
	struct ws_session s;
	struct ws_event ev;

	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	while (off < n) {
		size_t chunk = n - off < 65536 ? n - off : 65536;
		size_t r = ws_session_feed(&s, in + off, chunk, &ev);
		if (ev.type != WS_EV_NONE) {
			ck_assert_int_eq(ev.type, WS_EV_MESSAGE);
			ck_assert_uint_eq(ev.len, WS_MESSAGE_MAX_DEFAULT);
			ck_assert(ev.data[0] == 'x' && ev.data[ev.len - 1] == 'x');
			events++;
		}
		if (r == 0)
			break;
		off += r;
	}
	ck_assert_uint_eq(off, n);
	ck_assert_uint_eq(events, 1);
	ck_assert_uint_eq(ws_session_buffered(&s), WS_MESSAGE_MAX_DEFAULT);
	ck_assert_uint_eq(ws_session_feed(&s, in, 0, &ev), 0);
	ck_assert_uint_eq(ws_session_buffered(&s), 0);
	ws_session_free(&s);
	free(in);
}
END_TEST

/* One byte more fails with 1009 at the header, before any payload. */
START_TEST(limit_16mib_plus_one)
{
	size_t n;
	uint8_t *in = big_text(WS_MESSAGE_MAX_DEFAULT + 1, &n);
	struct ws_session s;
	struct ws_event ev;

	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	ck_assert_uint_eq(ws_session_feed(&s, in, 14, &ev), 14);   /* the header only */
	ck_assert_int_eq(ev.type, WS_EV_FAIL);
	ck_assert_uint_eq(ev.code, WS_CLOSE_TOO_BIG);
	ck_assert_uint_eq(ws_session_buffered(&s), 0);
	ws_session_free(&s);
	free(in);
}
END_TEST

/* --- a reassembly buffer kept between messages ------------------------------ */

/* A binary frame of 'len' bytes, byte i being (i * 7 + seed), masked. */
static uint8_t *big_binary(size_t len, uint8_t seed, size_t *n)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	uint8_t *p = malloc(len + 14);
	size_t h = ws_frame_header_encode(p, true, WS_OP_BINARY, len, key);
	for (size_t i = 0; i < len; i++)
		p[h + i] = (uint8_t)(i * 7 + seed);
	ws_frame_mask(p + h, len, key, 0);
	*n = h + len;
	return p;
}

/* Feeds 'in' 64 KiB at a time, as src/net would, and returns the one
 * message event (checked against the seed), then the empty call after
 * it.  The event's data is returned in *data. */
static void feed_streamed(struct ws_session *s, uint8_t *in, size_t n, size_t len,
			  uint8_t seed, const uint8_t **data)
{
	size_t off = 0, events = 0;
	struct ws_event ev;
	while (off < n) {
		size_t chunk = n - off < 65536 ? n - off : 65536;
		size_t r = ws_session_feed(s, in + off, chunk, &ev);
		if (ev.type != WS_EV_NONE) {
			ck_assert_int_eq(ev.type, WS_EV_MESSAGE);
			ck_assert_uint_eq(ev.len, len);
			ck_assert(ev.data[0] == seed && ev.data[len - 1] == (uint8_t)((len - 1) * 7 + seed));
			*data = ev.data;
			events++;
		}
		ck_assert_uint_gt(r, 0);
		off += r;
	}
	ck_assert_uint_eq(events, 1);
	ck_assert_uint_eq(ws_session_feed(s, in + n, 0, &ev), 0);
	ck_assert_int_eq(ev.type, WS_EV_NONE);
}

#define KEEP_LEN  (200 * 1000)          /* straddles four 64 KiB reads */
#define KEEP_MSGS 8

/* With 'keep_max', the buffer a message was gathered in gathers the next
 * ones: one allocation for the lot, not one per message (ws_session.h,
 * "Memory").  Without it -- the old behaviour -- each call after a
 * delivery freed the buffer, and each message allocated a new one. */
START_TEST(kept_between_messages)
{
	static const struct ws_config cfg = { .keep_max = WS_KEEP_MAX_DEFAULT };
	struct ws_session s;
	const uint8_t *first = NULL, *data = NULL;
	size_t cap = 0;

	ws_session_init(&s, WS_ROLE_SERVER, &cfg);
	for (int m = 0; m < KEEP_MSGS; m++) {
		size_t n;
		uint8_t *in = big_binary(KEEP_LEN, (uint8_t)m, &n);
		feed_streamed(&s, in, n, KEEP_LEN, (uint8_t)m, &data);
		ck_assert(data < in || data >= in + n);         /* gathered, not a slice */
		if (m == 0) {
			first = data;
			cap = ws_session_buffered(&s);
			ck_assert_uint_eq(cap, KEEP_LEN);       /* sized by the header */
		}
		ck_assert_ptr_eq(data, first);                  /* the same buffer */
		ck_assert_uint_eq(ws_session_buffered(&s), cap); /* kept, not freed */
		free(in);
	}
	ck_assert_uint_eq(ws_session_trim(&s), cap);            /* given back */
	ck_assert_uint_eq(ws_session_buffered(&s), 0);
	ck_assert_uint_eq(ws_session_trim(&s), 0);
	ws_session_free(&s);
}
END_TEST

/* ws_session_payload_room: once a large frame's header is in, the rest
 * of its payload can be read straight into the reassembly buffer, where
 * it is unmasked in place and delivered without a copy.  Room is offered
 * for exactly what is left of the frame, and for no frame that is not
 * being gathered (a whole message in the caller's buffer, a control
 * frame, none at all). */
START_TEST(payload_read_into_place)
{
	static const struct ws_config cfg = { .keep_max = WS_KEEP_MAX_DEFAULT };
	struct ws_session s;
	struct ws_event ev;
	size_t n, room;
	uint8_t *in = big_binary(KEEP_LEN, 9, &n);

	ws_session_init(&s, WS_ROLE_SERVER, &cfg);
	ck_assert_ptr_null(ws_session_payload_room(&s, &room));        /* no frame */
	ck_assert_uint_eq(room, 0);
	ck_assert_uint_eq(ws_session_feed(&s, in, 1000, &ev), 1000);
	ck_assert_int_eq(ev.type, WS_EV_NONE);
	uint8_t *at = ws_session_payload_room(&s, &room);
	ck_assert_ptr_nonnull(at);
	ck_assert_uint_eq(room, n - 1000);                      /* the rest of the frame */
	/* "Read" the rest in two parts, as a recv that came up short would. */
	size_t part = room / 3;
	memcpy(at, in + 1000, part);
	ck_assert_uint_eq(ws_session_feed(&s, at, part, &ev), part);
	ck_assert_int_eq(ev.type, WS_EV_NONE);
	ck_assert_ptr_eq(ws_session_payload_room(&s, &room), at + part);
	ck_assert_uint_eq(room, n - 1000 - part);
	memcpy(at + part, in + 1000 + part, room);
	ck_assert_uint_eq(ws_session_feed(&s, at + part, room, &ev), room);
	ck_assert_int_eq(ev.type, WS_EV_MESSAGE);
	ck_assert_uint_eq(ev.len, KEEP_LEN);
	ck_assert_ptr_eq(ev.data + (1000 - 14), at);            /* in the buffer, in place */
	for (size_t i = 0; i < KEEP_LEN; i++)
		ck_assert_uint_eq(ev.data[i], (uint8_t)(i * 7 + 9));    /* unmasked */
	ck_assert_ptr_null(ws_session_payload_room(&s, &room));        /* message over */
	ck_assert_uint_eq(ws_session_feed(&s, in + n, 0, &ev), 0);

	/* A whole small message in the caller's buffer, and a ping whose
	 * header alone is in: neither has room in the session. */
	static const struct ws_fspec f[] = { T(FIN, WS_OP_BINARY, "abc"),
					     T(FIN, WS_OP_PING, "ping"), WS_F_END };
	uint8_t small[64];
	size_t k = ws_build(f, true, small, sizeof small);
	ck_assert_uint_eq(ws_session_feed(&s, small, k - 1, &ev), 9);
	ck_assert_int_eq(ev.type, WS_EV_MESSAGE);
	ck_assert_ptr_null(ws_session_payload_room(&s, &room));
	ck_assert_uint_eq(ws_session_feed(&s, small + 9, k - 10, &ev), 0);     /* ping incomplete */
	ck_assert_ptr_null(ws_session_payload_room(&s, &room));
	free(in);
	ws_session_free(&s);
}
END_TEST

/* A buffer over 'keep_max' is freed after its message; the default
 * config keeps nothing. */
START_TEST(over_keep_max_freed)
{
	static const struct ws_config keep64 = { .keep_max = 64 * 1024 };
	const struct ws_config *cfgs[2] = { &keep64, NULL };
	for (int i = 0; i < 2; i++) {
		struct ws_session s;
		const uint8_t *data;
		size_t n;
		uint8_t *in = big_binary(KEEP_LEN, 1, &n);
		ws_session_init(&s, WS_ROLE_SERVER, cfgs[i]);
		feed_streamed(&s, in, n, KEEP_LEN, 1, &data);
		ck_assert_uint_eq(ws_session_buffered(&s), 0);
		ws_session_free(&s);
		free(in);
	}
}
END_TEST

/* Trimming while a message is being gathered keeps it: the message
 * arrives whole.  Trimming in between frees the buffer, and the next
 * message simply allocates again. */
START_TEST(trim_spares_a_message_in_progress)
{
	static const struct ws_config cfg = { .keep_max = WS_KEEP_MAX_DEFAULT };
	struct ws_session s;
	struct ws_event ev;
	const uint8_t *data;
	size_t n;
	uint8_t *in = big_binary(KEEP_LEN, 5, &n);

	ws_session_init(&s, WS_ROLE_SERVER, &cfg);
	ck_assert_uint_eq(ws_session_feed(&s, in, 65536, &ev), 65536);
	ck_assert_int_eq(ev.type, WS_EV_NONE);
	ck_assert_uint_eq(ws_session_trim(&s), 0);              /* in use: kept */
	ck_assert_uint_eq(ws_session_buffered(&s), KEEP_LEN);
	ck_assert_uint_eq(ws_session_feed(&s, in + 65536, n - 65536, &ev), n - 65536);
	ck_assert_int_eq(ev.type, WS_EV_MESSAGE);
	ck_assert(ev.len == KEEP_LEN && ev.data[KEEP_LEN - 1] == (uint8_t)((KEEP_LEN - 1) * 7 + 5));
	ck_assert_uint_eq(ws_session_trim(&s), KEEP_LEN);       /* delivered: free */
	free(in);
	in = big_binary(KEEP_LEN, 6, &n);
	feed_streamed(&s, in, n, KEEP_LEN, 6, &data);
	ck_assert_uint_eq(ws_session_buffered(&s), KEEP_LEN);
	ws_session_free(&s);
	free(in);
}
END_TEST

/* --- the client side ------------------------------------------------------- */

static void counting_key(void *ud, uint8_t key[4])
{
	unsigned *calls = ud;
	(*calls)++;
	key[0] = 0x37; key[1] = 0xfa; key[2] = 0x21; key[3] = 0x3d;
}

/* A client answers the server's unmasked ping with a masked pong, its key
 * from the callback: RFC 6455 §5.7's ping/pong pair, byte for byte. */
START_TEST(client_pong_masked)
{
	unsigned calls = 0;
	struct ws_config cfg = { .mask_key = counting_key, .mask_ud = &calls };
	uint8_t ping[] = { 0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };  /* §5.7 */
	static const uint8_t pong[] = { 0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d,
					0x7f, 0x9f, 0x4d, 0x51, 0x58 };  /* §5.7 */
	struct ws_session s;
	struct ws_event ev;

	ws_session_init(&s, WS_ROLE_CLIENT, &cfg);
	ck_assert_uint_eq(ws_session_feed(&s, ping, sizeof ping, &ev), sizeof ping);
	ck_assert_int_eq(ev.type, WS_EV_PING);
	ck_assert_uint_eq(ev.reply_len, sizeof pong);
	ck_assert(memcmp(ev.reply, pong, sizeof pong) == 0);
	ck_assert_uint_eq(calls, 1);
}
END_TEST

/* A client refuses a masked frame (§5.1) with a masked Close of 1002. */
START_TEST(client_refuses_masked)
{
	static const struct ws_fspec f[] = { T(FIN, WS_OP_TEXT, "Hello"), WS_F_END };
	uint8_t in[64];
	size_t n = ws_build(f, true, in, sizeof in);
	struct ws_session s;
	struct tbuf log = { 0 };

	ws_session_init(&s, WS_ROLE_CLIENT, NULL);
	ws_run_session(&s, in, n, WS_CUT_WHOLE, 0, &log);
	ck_assert_str_eq(tbuf_str(&log), "fail 1002 -> close 1002\nend failed 0\n");
	tbuf_free(&log);
}
END_TEST

/* A server refuses an unmasked frame (§5.1). */
START_TEST(server_refuses_unmasked)
{
	static const struct ws_fspec f[] = { T(FIN, WS_OP_TEXT, "Hello"), WS_F_END };
	uint8_t in[64];
	size_t n = ws_build(f, false, in, sizeof in);
	struct ws_session s;
	struct tbuf log = { 0 };

	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	ws_run_session(&s, in, n, WS_CUT_BYTES, 0, &log);
	ck_assert_str_eq(tbuf_str(&log), "fail 1002 -> close 1002\nend failed 0\n");
	tbuf_free(&log);
}
END_TEST

/* The client reassembles the server's unmasked fragments like the server
 * does the client's. */
START_TEST(client_messages)
{
	static const struct ws_fspec f[] = {
		T(0, WS_OP_TEXT, "Hel"), T(FIN, WS_OP_PING, "p"), T(FIN, WS_OP_CONT, "lo"),
		T(FIN, WS_OP_BINARY, "b"), WS_F_END,
	};
	uint8_t in[64];
	size_t n = ws_build(f, false, in, sizeof in);

	for (size_t at = 0; at <= n; at++) {
		struct ws_session s;
		struct tbuf log = { 0 };
		ws_session_init(&s, WS_ROLE_CLIENT, NULL);
		ws_run_session(&s, in, n, WS_CUT_AT, at, &log);
		ck_assert_str_eq(tbuf_str(&log),
				 "ping \"p\" -> pong \"p\"\ntext \"Hello\"\nbinary \"b\"\nend open 0\n");
		tbuf_free(&log);
		ws_session_free(&s);
	}
}
END_TEST

/* The memory promise of the header. */
START_TEST(session_is_small)
{
	ck_assert_uint_le(sizeof(struct ws_session), 96);
	ck_assert_uint_le(sizeof(struct ws_event), 200);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ws_session");
	TCase *tc;

	tc = tcase_create("vectors");
	tcase_add_loop_test(tc, vec_whole, 0, N_VEC);
	tcase_add_loop_test(tc, vec_bytewise, 0, N_VEC);
	tcase_add_loop_test(tc, vec_split, 0, N_VEC);
	suite_add_tcase(s, tc);

	tc = tcase_create("delivery");
	tcase_add_test(tc, zero_copy);
	tcase_add_test(tc, straddling_frame);
	tcase_add_test(tc, partial_header_kept);
	tcase_add_test(tc, utf8_fails_fast);
	tcase_add_test(tc, session_is_small);
	suite_add_tcase(s, tc);

	tc = tcase_create("limit");
	tcase_add_test(tc, limit_16mib_whole);
	tcase_add_test(tc, limit_16mib_streamed);
	tcase_add_test(tc, limit_16mib_plus_one);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("keep");
	tcase_add_test(tc, kept_between_messages);
	tcase_add_test(tc, over_keep_max_freed);
	tcase_add_test(tc, trim_spares_a_message_in_progress);
	tcase_add_test(tc, payload_read_into_place);
	suite_add_tcase(s, tc);

	tc = tcase_create("client");
	tcase_add_test(tc, client_pong_masked);
	tcase_add_test(tc, client_refuses_masked);
	tcase_add_test(tc, server_refuses_unmasked);
	tcase_add_test(tc, client_messages);
	suite_add_tcase(s, tc);
	return s;
}
