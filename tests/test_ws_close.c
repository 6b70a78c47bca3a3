/* test_ws_close.c -- the closing handshake and the sending side of
 * src/ws/ws_session.h (RFC 6455 §5.5.1, §7).
 *
 * Topics: Close frames received, fed whole, a byte at a time and split
 * at every position; the table of close codes; a close we start; the
 * frames we send, checked byte for byte against RFC 6455 §5.7; a client
 * session talking to a server session. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "ws/ws_session.h"
#include "support/ws_log.h"

#define FIN 0x80
#define T(fin, op, s) { (fin) | (op), s, 0 }
#define TN(fin, op, s, n) { (fin) | (op), s, n }

/* 123 bytes: the longest reason a Close frame can carry. */
#define R123 "0123456789012345678901234567890123456789012345678901234567890123" \
	     "45678901234567890123456789012345678901234567890123456789012"

static const struct {
	const char *name;
	struct ws_fspec f[6];
	const char *log;
} vec[] = {
	{ "empty Close answered with an empty Close (§5.5.1)",
	  { T(FIN, WS_OP_CLOSE, ""), WS_F_END },
	  "close 1005 \"\" -> close\nend closed 0\n" },
	{ "code echoed", { TN(FIN, WS_OP_CLOSE, "\x03\xe8", 2), WS_F_END },
	  "close 1000 \"\" -> close 1000\nend closed 0\n" },
	{ "code and reason", { TN(FIN, WS_OP_CLOSE, "\x0b\xb8" "bye", 5), WS_F_END },
	  "close 3000 \"bye\" -> close 3000\nend closed 0\n" },
	{ "reason of 123 bytes", { TN(FIN, WS_OP_CLOSE, "\x13\x87" R123, 125), WS_F_END },
	  "close 4999 123 bytes 3031323334353637.. -> close 4999\nend closed 0\n" },
	{ "UTF-8 reason", { TN(FIN, WS_OP_CLOSE, "\x03\xe9\xE2\x82\xAC", 5), WS_F_END },
	  "close 1001 3 bytes e282ac -> close 1001\nend closed 0\n" },
	{ "nothing after the Close counts",
	  { TN(FIN, WS_OP_CLOSE, "\x03\xe8", 2), T(FIN, WS_OP_TEXT, "after"),
	    T(FIN, WS_OP_PING, "after"), TN(FIN, WS_OP_CLOSE, "\x03\xe9", 2),
	    T(FIN, 0x3, "even a bad frame"), WS_F_END },
	  "close 1000 \"\" -> close 1000\nend closed 0\n" },
	{ "message cut short by a Close is dropped",
	  { T(0, WS_OP_TEXT, "half"), TN(FIN, WS_OP_CLOSE, "\x03\xe8", 2),
	    T(FIN, WS_OP_CONT, "rest"), WS_F_END },
	  "close 1000 \"\" -> close 1000\nend closed 0\n" },
	{ "message, then Close (Autobahn 7.1.1)",
	  { T(FIN, WS_OP_TEXT, "Hello"), TN(FIN, WS_OP_CLOSE, "\x03\xe8", 2), WS_F_END },
	  "text \"Hello\"\nclose 1000 \"\" -> close 1000\nend closed 0\n" },
	{ "payload of one byte -> 1002 (§5.5.1)",
	  { TN(FIN, WS_OP_CLOSE, "\x03", 1), WS_F_END },
	  "fail 1002 -> close 1002\nend failed 0\n" },
	{ "reason not UTF-8 -> 1007 (§5.5.1)",
	  { TN(FIN, WS_OP_CLOSE, "\x03\xe8\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80", 16),
	    WS_F_END },
	  "fail 1007 -> close 1007\nend failed 0\n" },
	{ "reason ends inside a character -> 1007",
	  { TN(FIN, WS_OP_CLOSE, "\x03\xe8\xE2\x82", 4), WS_F_END },
	  "fail 1007 -> close 1007\nend failed 0\n" },
	{ "code 1005 on the wire -> 1002 (§7.4.1)",
	  { TN(FIN, WS_OP_CLOSE, "\x03\xed", 2), WS_F_END },
	  "fail 1002 -> close 1002\nend failed 0\n" },
	{ "payload of 126 bytes -> 1002 (§5.5)",
	  { TN(FIN, WS_OP_CLOSE, "\x03\xe8" R123 "x", 126), WS_F_END },
	  "fail 1002 -> close 1002\nend failed 0\n" },
};
#define N_VEC (sizeof vec / sizeof vec[0])

/* The vector's frames, then two that must be ignored once the
 * connection is closing or failed: a message and a ping. */
static size_t vec_bytes(size_t i, uint8_t *in, size_t cap)
{
	static const struct ws_fspec after[] = {
		T(FIN, WS_OP_TEXT, "after"), T(FIN, WS_OP_PING, "after"), WS_F_END,
	};
	size_t n = ws_build(vec[i].f, true, in, cap);
	return n + ws_build(after, true, in + n, cap - n);
}

static void check_vec(size_t i, enum ws_cut how, size_t at)
{
	uint8_t in[1024] = { 0 };
	size_t n = vec_bytes(i, in, sizeof in);
	struct ws_session s;
	struct tbuf log = { 0 };

	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	ws_run_session(&s, in, n, how, at, &log);
	if (strcmp(tbuf_str(&log), vec[i].log) != 0)
		ck_abort_msg("%s (cut %d at %zu):\n%swant:\n%s", vec[i].name,
			     (int)how, at, tbuf_str(&log), vec[i].log);
	tbuf_free(&log);
	ws_session_free(&s);
}

START_TEST(close_whole)
{
	check_vec((size_t)_i, WS_CUT_WHOLE, 0);
}
END_TEST

START_TEST(close_bytewise)
{
	check_vec((size_t)_i, WS_CUT_BYTES, 0);
}
END_TEST

START_TEST(close_split)
{
	uint8_t in[1024] = { 0 };
	size_t n = vec_bytes((size_t)_i, in, sizeof in);
	for (size_t at = 0; at <= n; at++)
		check_vec((size_t)_i, WS_CUT_AT, at);
}
END_TEST

/* --- close codes (§7.4) -------------------------------------------------- */

/* Autobahn testsuite 7.7.x (valid, echoed) and 7.9.x (invalid, 1002), plus
 * the codes registered after RFC 6455 and the edges of every range. */
static const struct {
	unsigned code;
	bool valid;
} codes[] = {
	{ 1000, true }, { 1001, true }, { 1002, true }, { 1003, true },
	{ 1007, true }, { 1008, true }, { 1009, true }, { 1010, true },
	{ 1011, true }, { 3000, true }, { 3999, true }, { 4000, true },
	{ 4999, true },                                 /* Autobahn 7.7.1-13 */
	{ 0, false }, { 999, false }, { 1004, false }, { 1005, false },
	{ 1006, false }, { 1016, false }, { 1100, false }, { 2000, false },
	{ 2999, false },                                /* Autobahn 7.9.1-9 */
	{ 1012, true }, { 1013, true }, { 1014, true }, /* IANA registry */
	{ 1015, false },                                /* §7.4.1: never sent */
	{ 5000, false }, { 65535, false },              /* no range */
};
#define N_CODES (sizeof codes / sizeof codes[0])

/* Feeds a Close carrying 'code' and reports whether it was accepted and
 * echoed (true) or failed with 1002 (false); anything else aborts. */
static bool close_accepted(unsigned code)
{
	uint8_t body[2] = { (uint8_t)(code >> 8), (uint8_t)code };
	struct ws_fspec f[] = { TN(FIN, WS_OP_CLOSE, (const char *)body, 2), WS_F_END };
	uint8_t in[16];
	size_t n = ws_build(f, true, in, sizeof in);
	struct ws_session s;
	struct ws_event ev;

	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	if (ws_session_feed(&s, in, n, &ev) != n)
		ck_abort_msg("code %u: not all consumed", code);
	if (ev.type == WS_EV_CLOSE && ev.code == code && ev.reply_len == 4 &&
	    ev.reply[2] == body[0] && ev.reply[3] == body[1])
		return true;
	if (ev.type == WS_EV_FAIL && ev.code == WS_CLOSE_PROTOCOL)
		return false;
	ck_abort_msg("code %u: event %d code %u", code, (int)ev.type, ev.code);
	return false;
}

START_TEST(code_table)
{
	ck_assert_msg(ws_close_code_valid(codes[_i].code) == codes[_i].valid,
		      "code %u", codes[_i].code);
	ck_assert_msg(close_accepted(codes[_i].code) == codes[_i].valid,
		      "code %u on the wire", codes[_i].code);
}
END_TEST

/* Every 16-bit code: accepted exactly in 1000-1003, 1007-1014, 3000-4999. */
START_TEST(code_every_value)
{
	for (unsigned code = 0; code <= 0xFFFF; code++) {
		bool want = (code >= 1000 && code <= 1003) ||
			    (code >= 1007 && code <= 1014) ||
			    (code >= 3000 && code <= 4999);
		if (ws_close_code_valid(code) != want || close_accepted(code) != want)
			ck_abort_msg("code %u", code);
	}
}
END_TEST

/* --- a close we start ------------------------------------------------------ */

static size_t feed_frames(struct ws_session *s, const struct ws_fspec *f, bool masked,
			  struct ws_event *ev)
{
	static uint8_t in[256];
	size_t n = ws_build(f, masked, in, sizeof in);
	return ws_session_feed(s, in, n, ev) == n ? n : 0;
}

START_TEST(server_starts_close)
{
	struct ws_session s;
	struct ws_event ev;
	uint8_t out[WS_CONTROL_FRAME_MAX];
	static const struct ws_fspec text[] = { T(FIN, WS_OP_TEXT, "late"), WS_F_END };
	static const struct ws_fspec ping[] = { T(FIN, WS_OP_PING, "p"), WS_F_END };
	static const struct ws_fspec close[] = { TN(FIN, WS_OP_CLOSE, "\x03\xe8", 2), WS_F_END };

	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	ck_assert_uint_eq(ws_session_close(&s, 1000, "bye", 3, NULL, out), 7);
	ck_assert(memcmp(out, "\x88\x05\x03\xe8" "bye", 7) == 0);
	ck_assert_int_eq(ws_session_state(&s), WS_STATE_CLOSING);

	/* The peer may still send before it sees our Close: delivered. */
	ck_assert_uint_ne(feed_frames(&s, text, true, &ev), 0);
	ck_assert(ev.type == WS_EV_MESSAGE && ev.len == 4);
	/* Pings are answered until the peer's Close comes (§5.5.2): a Pong
	 * is no data frame, which our Close forbids (§5.5.1). */
	ck_assert_uint_ne(feed_frames(&s, ping, true, &ev), 0);
	ck_assert(ev.type == WS_EV_PING && ev.reply_len == 3);
	ck_assert(memcmp(ev.reply, "\x8a\x01p", 3) == 0);
	/* Nothing more may be sent. */
	ck_assert_uint_eq(ws_session_send(&s, WS_OP_TEXT, true, "x", 1, NULL, out, sizeof out), 0);
	ck_assert_uint_eq(ws_session_ping(&s, "x", 1, NULL, out), 0);
	ck_assert_uint_eq(ws_session_close(&s, 1000, NULL, 0, NULL, out), 0);
	/* The peer's Close completes the handshake, with no reply. */
	ck_assert_uint_ne(feed_frames(&s, close, true, &ev), 0);
	ck_assert(ev.type == WS_EV_CLOSE && ev.code == 1000 && ev.reply_len == 0);
	ck_assert_int_eq(ws_session_state(&s), WS_STATE_CLOSED);
	/* And anything after it is dropped. */
	ck_assert_uint_ne(feed_frames(&s, text, true, &ev), 0);
	ck_assert_int_eq(ev.type, WS_EV_NONE);
	ws_session_free(&s);
}
END_TEST

/* A fault while closing is reported, but our Close is already out. */
START_TEST(fail_while_closing)
{
	struct ws_session s;
	struct ws_event ev;
	uint8_t out[WS_CONTROL_FRAME_MAX];
	static const struct ws_fspec bad[] = { T(FIN, WS_OP_CONT, "x"), WS_F_END };

	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	ck_assert_uint_eq(ws_session_close(&s, 1001, NULL, 0, NULL, out), 4);
	ck_assert_uint_ne(feed_frames(&s, bad, true, &ev), 0);
	ck_assert(ev.type == WS_EV_FAIL && ev.code == WS_CLOSE_PROTOCOL && ev.reply_len == 0);
	ck_assert_int_eq(ws_session_state(&s), WS_STATE_FAILED);
}
END_TEST

static void fixed_key(void *ud, uint8_t key[4])
{
	(void)ud;
	memcpy(key, "\x37\xfa\x21\x3d", 4);
}

/* A client closes with a masked frame and ends CLOSED on the server's. */
START_TEST(client_starts_close)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	struct ws_session s;
	struct ws_event ev;
	uint8_t out[WS_CONTROL_FRAME_MAX];
	static const struct ws_fspec close[] = { TN(FIN, WS_OP_CLOSE, "\x03\xe8", 2), WS_F_END };

	ws_session_init(&s, WS_ROLE_CLIENT, NULL);
	ck_assert_uint_eq(ws_session_close(&s, 1000, NULL, 0, NULL, out), 0);   /* no key */
	ck_assert_uint_eq(ws_session_close(&s, 1000, NULL, 0, key, out), 8);
	ck_assert(memcmp(out, "\x88\x82\x37\xfa\x21\x3d\x34\x12", 8) == 0);
	ck_assert_uint_ne(feed_frames(&s, close, false, &ev), 0);
	ck_assert(ev.type == WS_EV_CLOSE && ev.reply_len == 0);
	ck_assert_int_eq(ws_session_state(&s), WS_STATE_CLOSED);
}
END_TEST

/* A client answers a server's Close with a masked echo. */
START_TEST(client_echoes_close)
{
	struct ws_config cfg = { .mask_key = fixed_key };
	struct ws_session s;
	struct ws_event ev;
	static const struct ws_fspec close[] = { TN(FIN, WS_OP_CLOSE, "\x03\xe9", 2), WS_F_END };

	ws_session_init(&s, WS_ROLE_CLIENT, &cfg);
	ck_assert_uint_ne(feed_frames(&s, close, false, &ev), 0);
	ck_assert(ev.type == WS_EV_CLOSE && ev.code == 1001);
	ck_assert_uint_eq(ev.reply_len, 8);
	ck_assert(memcmp(ev.reply, "\x88\x82\x37\xfa\x21\x3d\x34\x13", 8) == 0);
}
END_TEST

START_TEST(close_refusals)
{
	struct ws_session s;
	uint8_t out[WS_CONTROL_FRAME_MAX];

	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	ck_assert_uint_eq(ws_session_close(&s, 1005, NULL, 0, NULL, out), 0);
	ck_assert_uint_eq(ws_session_close(&s, 999, NULL, 0, NULL, out), 0);
	ck_assert_uint_eq(ws_session_close(&s, 0, "why", 3, NULL, out), 0);
	ck_assert_uint_eq(ws_session_close(&s, 1000, R123 "x", 124, NULL, out), 0);
	ck_assert_uint_eq(ws_session_close(&s, 1000, "\xff", 1, NULL, out), 0);
	ck_assert_uint_eq(ws_session_close(&s, 1000, NULL, 0, (const uint8_t *)"abcd", out), 0);
	ck_assert_int_eq(ws_session_state(&s), WS_STATE_OPEN);
	ck_assert_uint_eq(ws_session_close(&s, 1000, R123, 123, NULL, out), 127);
	ws_session_init(&s, WS_ROLE_SERVER, NULL);
	ck_assert_uint_eq(ws_session_close(&s, 0, NULL, 0, NULL, out), 2);
	ck_assert(out[0] == 0x88 && out[1] == 0x00);
}
END_TEST

/* --- sending --------------------------------------------------------------- */

/* RFC 6455 §5.7, from both ends. */
START_TEST(send_rfc_examples)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	struct ws_session srv, cli;
	uint8_t out[WS_CONTROL_FRAME_MAX];

	ws_session_init(&srv, WS_ROLE_SERVER, NULL);
	ws_session_init(&cli, WS_ROLE_CLIENT, NULL);
	/* "A single-frame unmasked text message" */
	ck_assert_uint_eq(ws_session_send(&srv, WS_OP_TEXT, true, "Hello", 5, NULL, out, sizeof out), 7);
	ck_assert(memcmp(out, "\x81\x05\x48\x65\x6c\x6c\x6f", 7) == 0);
	/* "A single-frame masked text message" */
	ck_assert_uint_eq(ws_session_send(&cli, WS_OP_TEXT, true, "Hello", 5, key, out, sizeof out), 11);
	ck_assert(memcmp(out, "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11) == 0);
	/* "A fragmented unmasked text message" */
	ck_assert_uint_eq(ws_session_send(&srv, WS_OP_TEXT, false, "Hel", 3, NULL, out, sizeof out), 5);
	ck_assert(memcmp(out, "\x01\x03\x48\x65\x6c", 5) == 0);
	ck_assert_uint_eq(ws_session_send(&srv, WS_OP_CONT, true, "lo", 2, NULL, out, sizeof out), 4);
	ck_assert(memcmp(out, "\x80\x02\x6c\x6f", 4) == 0);
	/* "Unmasked Ping request and masked Ping response" */
	ck_assert_uint_eq(ws_session_ping(&srv, "Hello", 5, NULL, out), 7);
	ck_assert(memcmp(out, "\x89\x05\x48\x65\x6c\x6c\x6f", 7) == 0);
	ck_assert_uint_eq(ws_session_pong(&cli, "Hello", 5, key, out), 11);
	ck_assert(memcmp(out, "\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11) == 0);
	/* "256 bytes binary message in a single unmasked frame" and 64 KiB:
	 * the headers, for a writev() of header and payload */
	ck_assert_uint_eq(ws_session_send_header(&srv, WS_OP_BINARY, true, 256, NULL, out), 4);
	ck_assert(memcmp(out, "\x82\x7e\x01\x00", 4) == 0);
	ck_assert_uint_eq(ws_session_send_header(&srv, WS_OP_BINARY, true, 65536, NULL, out), 10);
	ck_assert(memcmp(out, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10) == 0);
}
END_TEST

START_TEST(send_refusals)
{
	static const uint8_t key[4] = { 1, 2, 3, 4 };
	struct ws_session srv, cli;
	uint8_t out[256];

	ws_session_init(&srv, WS_ROLE_SERVER, NULL);
	ws_session_init(&cli, WS_ROLE_CLIENT, NULL);
	/* §5.1: a server masks nothing, a client everything */
	ck_assert_uint_eq(ws_session_send(&srv, WS_OP_TEXT, true, "x", 1, key, out, sizeof out), 0);
	ck_assert_uint_eq(ws_session_send(&cli, WS_OP_TEXT, true, "x", 1, NULL, out, sizeof out), 0);
	ck_assert_uint_eq(ws_session_send_header(&cli, WS_OP_TEXT, true, 1, NULL, out), 0);
	ck_assert_uint_eq(ws_session_ping(&cli, "x", 1, NULL, out), 0);
	/* §5.4: the message sequence */
	ck_assert_uint_eq(ws_session_send(&srv, WS_OP_CONT, true, "x", 1, NULL, out, sizeof out), 0);
	ck_assert_uint_eq(ws_session_send(&srv, WS_OP_PING, true, "x", 1, NULL, out, sizeof out), 0);
	ck_assert_uint_eq(ws_session_send(&srv, WS_OP_CLOSE, true, "", 0, NULL, out, sizeof out), 0);
	ck_assert_uint_ne(ws_session_send(&srv, WS_OP_BINARY, false, "a", 1, NULL, out, sizeof out), 0);
	ck_assert_uint_eq(ws_session_send(&srv, WS_OP_TEXT, true, "x", 1, NULL, out, sizeof out), 0);
	ck_assert_uint_ne(ws_session_send(&srv, WS_OP_CONT, false, "b", 1, NULL, out, sizeof out), 0);
	/* too small a buffer refuses and leaves the sequence where it was */
	ck_assert_uint_eq(ws_session_send(&srv, WS_OP_CONT, true, "cc", 2, NULL, out, 3), 0);
	ck_assert_uint_eq(ws_session_send(&srv, WS_OP_CONT, true, "cc", 2, NULL, out, 4), 4);
	ck_assert_uint_eq(ws_session_send(&srv, WS_OP_CONT, true, "x", 1, NULL, out, sizeof out), 0);
	/* §5.5: control payloads up to 125 bytes */
	uint8_t big[126] = { 0 };
	ck_assert_uint_eq(ws_session_ping(&srv, big, 125, NULL, out), 127);
	ck_assert_uint_eq(ws_session_ping(&srv, big, 126, NULL, out), 0);
	ck_assert_uint_eq(ws_session_send_header(&srv, WS_OP_BINARY, true,
						 WS_FRAME_LENGTH_MAX + 1, NULL, out), 0);
}
END_TEST

/* A client session's frames, fragmented with a ping between, read by a
 * server session: the two ends agree. */
START_TEST(client_to_server)
{
	static const uint8_t k1[4] = { 0xde, 0xad, 0xbe, 0xef }, k2[4] = { 9, 9, 9, 9 },
			     k3[4] = { 0, 1, 2, 3 };
	struct ws_session cli, srv;
	struct ws_event ev;
	uint8_t wire[512];
	size_t n = 0, off = 0;

	ws_session_init(&cli, WS_ROLE_CLIENT, NULL);
	ws_session_init(&srv, WS_ROLE_SERVER, NULL);
	n += ws_session_send(&cli, WS_OP_TEXT, false, "caf", 3, k1, wire + n, sizeof wire - n);
	n += ws_session_ping(&cli, "are you there", 13, k2, wire + n);
	n += ws_session_send(&cli, WS_OP_CONT, true, "\xC3\xA9", 2, k3, wire + n, sizeof wire - n);
	n += ws_session_close(&cli, 1000, "done", 4, k1, wire + n);
	ck_assert_uint_eq(n, 9 + 19 + 8 + 12);

	off += ws_session_feed(&srv, wire + off, n - off, &ev);
	ck_assert(ev.type == WS_EV_PING && ev.len == 13 && ev.reply_len == 15);
	off += ws_session_feed(&srv, wire + off, n - off, &ev);
	ck_assert(ev.type == WS_EV_MESSAGE && ev.opcode == WS_OP_TEXT && ev.len == 5);
	ck_assert(memcmp(ev.data, "caf\xC3\xA9", 5) == 0);
	off += ws_session_feed(&srv, wire + off, n - off, &ev);
	ck_assert(ev.type == WS_EV_CLOSE && ev.code == 1000 && ev.len == 4);
	ck_assert(memcmp(ev.data, "done", 4) == 0);
	ck_assert_uint_eq(off, n);

	/* the server's echo completes the client's handshake */
	uint8_t echo[WS_CONTROL_FRAME_MAX];
	memcpy(echo, ev.reply, ev.reply_len);
	ck_assert_uint_eq(ws_session_feed(&cli, echo, ev.reply_len, &ev), 4);
	ck_assert(ev.type == WS_EV_CLOSE && ev.code == 1000);
	ck_assert_int_eq(ws_session_state(&cli), WS_STATE_CLOSED);
	ck_assert_int_eq(ws_session_state(&srv), WS_STATE_CLOSED);
	ws_session_free(&srv);
	ws_session_free(&cli);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ws_close");
	TCase *tc;

	tc = tcase_create("receive");
	tcase_add_loop_test(tc, close_whole, 0, N_VEC);
	tcase_add_loop_test(tc, close_bytewise, 0, N_VEC);
	tcase_add_loop_test(tc, close_split, 0, N_VEC);
	suite_add_tcase(s, tc);

	tc = tcase_create("codes");
	tcase_add_loop_test(tc, code_table, 0, N_CODES);
	tcase_add_test(tc, code_every_value);
	suite_add_tcase(s, tc);

	tc = tcase_create("handshake");
	tcase_add_test(tc, server_starts_close);
	tcase_add_test(tc, fail_while_closing);
	tcase_add_test(tc, client_starts_close);
	tcase_add_test(tc, client_echoes_close);
	tcase_add_test(tc, close_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("send");
	tcase_add_test(tc, send_rfc_examples);
	tcase_add_test(tc, send_refusals);
	tcase_add_test(tc, client_to_server);
	suite_add_tcase(s, tc);
	return s;
}
