/* test_ws_endpoint.c -- GET /echo and GET /ws (src/paradigms/server_websocket.c) and
 * the WebSocket client (client_websocket.c), over 127.0.0.1 with the real server
 * code in-process: a loop, a feed, a hub with pp_config_defaults, an HTTP
 * server on a free port with pp_hub_routes (support/ws_server.h).
 *
 * Everything runs in the test's thread: a raw client (support/ws_peer.h)
 * runs the server's loop while it waits, and the pp_client shares it.
 * Every wait is bounded; nothing sleeps.
 *
 * Topics: the opening handshake and each refusal; echo (text, binary,
 * fragments, 1 MiB, large messages costing one buffer, pings, the close handshake, frames split at every
 * position); violations and the close code each earns; /ws (events out,
 * messages in, resuming with ?since=, binary refused, the ping
 * keep-alive, a slow reader dropped); the pp_client; the memory an idle
 * /ws connection costs.  The Autobahn-style cases are in
 * test_ws_conformance.c. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "paradigms/client.h"
#include "support/looptest.h"
#include "support/ws_log.h"
#include "support/heap.h"
#include "support/ws_peer.h"
#include "support/ws_server.h"

#define FIN 0x80
#define S(x) x, sizeof(x) - 1

static struct wst_server srv;

static void up_with(const struct pp_config *cfg)
{
	ck_assert(wst_start(&srv, cfg));
}

static void up(void) { up_with(NULL); }

static void down(void)
{
	ck_assert_uint_eq(wst_stop(&srv), 0);           /* every connection was closed */
}

/* A peer upgraded on 'path'. */
static void open_peer(struct wsp *p, const char *path)
{
	ck_assert(wsp_connect(p, srv.port, srv.loop));
	ck_assert_msg(wsp_upgrade(p, path), "upgrade %s", path);
}

/* The next 'n' frames from the server, logged. */
static char *read_frames(struct wsp *p, int n)
{
	struct tbuf log = { 0 };
	for (int i = 0; i < n; i++) {
		struct wsp_frame f;
		int r = wsp_read_frame(p, &f, 5000);
		if (r <= 0) {
			tbuf_printf(&log, r == 0 ? "eof\n" : "timeout\n");
			break;
		}
		wsp_log_frame(&log, &f);
		free(f.data);
	}
	char *s = strdup(tbuf_str(&log));
	tbuf_free(&log);
	return s;
}

static char *read_to_eof(struct wsp *p)
{
	struct tbuf log = { 0 };
	wsp_log_until_eof(p, &log, 5000);
	char *s = strdup(tbuf_str(&log));
	tbuf_free(&log);
	return s;
}

#define ASSERT_LOG(got_expr, want) do {                                          \
	char *got_ = (got_expr);                                                  \
	ck_assert_msg(strcmp(got_, want) == 0, "--- got\n%s--- want\n%s", got_, want); \
	free(got_);                                                               \
} while (0)

/* The next frame is a whole text message equal to 'want'. */
static void expect_text(struct wsp *p, const char *want)
{
	struct wsp_frame f;
	ck_assert_int_eq(wsp_read_frame(p, &f, 5000), 1);
	ck_assert_uint_eq(f.b0, FIN | WS_OP_TEXT);
	ck_assert_str_eq((char *)f.data, want);
	free(f.data);
}

/* Ends a peer politely: our Close 1000, the server's back, its FIN. */
static void close_peer(struct wsp *p)
{
	ck_assert(wsp_send_frame(p, FIN | WS_OP_CLOSE, "\x03\xe8", 2));
	ASSERT_LOG(read_to_eof(p), "close 1000\neof\n");
	wsp_close(p);
}

/* --- the opening handshake (RFC 6455 §4.2) ------------------------------- */

#define UPGRADE(path, ver, key) "GET " path " HTTP/1.1\r\nHost: 127.0.0.1\r\n" \
	"Upgrade: websocket\r\nConnection: Upgrade\r\n" key ver "\r\n"
#define V13 "Sec-WebSocket-Version: 13\r\n"
#define KEY "Sec-WebSocket-Key: " WSP_KEY "\r\n"

static const struct {
	const char *name, *request;
	int status;
	const char *field;      /* in the head */
	const char *body;       /* in the body */
} refusals[] = {
	{ "version 8 (§4.4)", UPGRADE("/echo", "Sec-WebSocket-Version: 8\r\n", KEY), 426,
	  "\r\nSec-WebSocket-Version: 13\r\n", "version 13" },
	{ "no version", UPGRADE("/echo", "", KEY), 426, "\r\nUpgrade: websocket\r\n", "version 13" },
	{ "no key", UPGRADE("/echo", V13, ""), 400, "\r\nContent-Length: ", "Sec-WebSocket-Key" },
	{ "key of 15 bytes", UPGRADE("/ws", V13, "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA\r\n"), 400,
	  "\r\nContent-Length: ", "Sec-WebSocket-Key" },
	{ "two keys", UPGRADE("/echo", V13, KEY KEY), 400, "\r\nContent-Length: ", "Sec-WebSocket-Key" },
	{ "no Upgrade field", "GET /echo HTTP/1.1\r\nHost: x\r\n" KEY V13 "\r\n", 400,
	  "\r\nContent-Length: ", "Upgrade" },
	{ "Connection without Upgrade",
	  "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n" KEY V13
	  "\r\n", 400, "\r\nContent-Length: ", "Connection" },
	{ "upgrade to something else",
	  "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n" KEY V13 "\r\n", 400,
	  "\r\nContent-Length: ", "websocket" },
	{ "POST", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405, "\r\nAllow: GET",
	  "" },
	{ "since not a number", UPGRADE("/ws?since=abc", V13, KEY), 400, "\r\nContent-Length: ",
	  "since" },
};

/* Each refusal, its request sent whole (even _i) and a byte per write
 * (odd _i); then the same connection upgrades: a refusal is an ordinary
 * answer, and HTTP goes on. */
START_TEST(refused)
{
	const int k = _i / 2;
	struct wsp p;
	char head[2048], body[512];
	ck_assert(wsp_connect(&p, srv.port, srv.loop));
	if (_i % 2) {
		ck_assert(wsp_send_chopped(&p, refusals[k].request, strlen(refusals[k].request), 1, 5000));
		ck_assert_int_eq(wsp_request(&p, "", head, sizeof head, body, sizeof body),
				 refusals[k].status);
	} else {
		ck_assert_int_eq(wsp_request(&p, refusals[k].request, head, sizeof head, body, sizeof body),
				 refusals[k].status);
	}
	ck_assert_msg(strstr(head, refusals[k].field), "%s: %s", refusals[k].name, head);
	ck_assert_msg(strstr(body, refusals[k].body), "%s: %s", refusals[k].name, body);
	ck_assert(wsp_upgrade(&p, "/echo"));
	ck_assert(wsp_send_frame(&p, FIN | WS_OP_TEXT, S("after")));
	ASSERT_LOG(read_frames(&p, 1), "text \"after\"\n");
	close_peer(&p);
}
END_TEST

/* RFC 6455 §1.3's example key gets its accept value, and the 101 says
 * Upgrade and Connection (§4.2.2). */
START_TEST(accepted)
{
	struct wsp p;
	char head[1024];
	ck_assert(wsp_connect(&p, srv.port, srv.loop));
	ck_assert_int_eq(wsp_request(&p, UPGRADE("/echo", V13, KEY), head, sizeof head, NULL, 0), 101);
	ck_assert_ptr_nonnull(strstr(head, "\r\nSec-WebSocket-Accept: " WSP_ACCEPT "\r\n"));
	ck_assert_ptr_nonnull(strstr(head, "\r\nUpgrade: websocket\r\n"));
	ck_assert_ptr_nonnull(strcasestr(head, "\r\nConnection: Upgrade\r\n"));
	close_peer(&p);
}
END_TEST

/* Frames sent in the same write as the request, before the 101 came
 * back, belong to the WebSocket (the bytes left after a 101). */
START_TEST(frames_with_the_request)
{
	struct wsp p;
	uint8_t buf[512];
	char head[1024];
	ck_assert(wsp_connect(&p, srv.port, srv.loop));
	size_t n = strlen(UPGRADE("/echo", V13, KEY));
	memcpy(buf, UPGRADE("/echo", V13, KEY), n);
	n += wsp_put_frame(&p, buf + n, FIN | WS_OP_TEXT, S("early"), true);
	n += wsp_put_frame(&p, buf + n, FIN | WS_OP_PING, S("p"), true);
	ck_assert(wsp_send(&p, buf, n));
	ck_assert_int_eq(wsp_request(&p, "", head, sizeof head, NULL, 0), 101);
	ASSERT_LOG(read_frames(&p, 2), "text \"early\"\npong \"p\"\n");
	close_peer(&p);
}
END_TEST

/* --- /echo ---------------------------------------------------------------- */

/* Frames sent, and the log of what comes back (RFC 6455 §5.7's example
 * frames among them: "Hello" whole and as "Hel" + "lo", and a ping). */
static const struct {
	const char *name;
	struct ws_fspec f[6];
	const char *log;
} echoes[] = {
	{ "text (§5.7)", { { FIN | WS_OP_TEXT, "Hello", 0 }, WS_F_END }, "text \"Hello\"\n" },
	{ "binary", { { FIN | WS_OP_BINARY, "\x00\x01\xfe\xff", 4 }, WS_F_END },
	  "binary 4 bytes 0001feff\n" },
	{ "empty text", { { FIN | WS_OP_TEXT, "", 0 }, WS_F_END }, "text \"\"\n" },
	{ "fragmented Hel+lo (§5.7)",
	  { { WS_OP_TEXT, "Hel", 0 }, { FIN | WS_OP_CONT, "lo", 0 }, WS_F_END }, "text \"Hello\"\n" },
	{ "ping inside a fragmented message (§5.4)",
	  { { WS_OP_BINARY, "ab", 0 }, { FIN | WS_OP_PING, "Hello", 0 }, { FIN | WS_OP_CONT, "cd", 0 },
	    WS_F_END }, "pong \"Hello\"\nbinary \"abcd\"\n" },
	{ "two messages and an unsolicited pong",
	  { { FIN | WS_OP_TEXT, "one", 0 }, { FIN | WS_OP_PONG, "x", 0 },
	    { FIN | WS_OP_TEXT, "\xc3\xa9t\xc3\xa9", 0 }, WS_F_END },
	  "text \"one\"\ntext 5 bytes c3a974c3a9\n" },
};

static int log_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Each vector's bytes split at every position: the first part, a turn
 * of the loop so the server reads it alone, then the rest. */
START_TEST(echo_split)
{
	size_t k = (size_t)_i / 64, at = (size_t)_i % 64;
	uint8_t buf[256];
	size_t n = ws_build(echoes[k].f, true, buf, sizeof buf);
	if (at > n)
		return;                 /* this vector is shorter */
	struct wsp p;
	open_peer(&p, "/echo");
	ck_assert(wsp_send(&p, buf, at));
	for (int i = 0; i < 3; i++)
		net_loop_run_once(srv.loop, 1);
	ck_assert(wsp_send(&p, buf + at, n - at));
	ASSERT_LOG(read_frames(&p, log_lines(echoes[k].log)), echoes[k].log);
	close_peer(&p);
}
END_TEST

/* Each vector a byte per write. */
START_TEST(echo_bytewise)
{
	uint8_t buf[256];
	size_t n = ws_build(echoes[_i].f, true, buf, sizeof buf);
	struct wsp p;
	open_peer(&p, "/echo");
	ck_assert(wsp_send_chopped(&p, buf, n, 1, 5000));
	ASSERT_LOG(read_frames(&p, log_lines(echoes[_i].log)), echoes[_i].log);
	close_peer(&p);
}
END_TEST

START_TEST(echo_one_mebibyte)
{
	size_t n = 1024 * 1024;
	uint8_t *msg = malloc(n);
	for (size_t i = 0; i < n; i++)
		msg[i] = (uint8_t)(i * 7 + i / 251);
	struct wsp p;
	open_peer(&p, "/echo");
	ck_assert(wsp_send_frame(&p, FIN | WS_OP_BINARY, msg, n));
	struct wsp_frame f;
	ck_assert_int_eq(wsp_read_frame(&p, &f, 10000), 1);
	ck_assert_uint_eq(f.b0, FIN | WS_OP_BINARY);
	ck_assert_uint_eq(f.len, n);
	ck_assert(memcmp(f.data, msg, n) == 0);
	free(f.data);
	free(msg);
	close_peer(&p);
}
END_TEST

/* --- large messages: one buffer per connection, given back when quiet ------ */

/* Allocations of exactly 'watch_size' bytes, counted through the
 * sanitizer's malloc hook (make test runs every suite under ASan).  The
 * session sizes a reassembly buffer to the length its frame announces
 * (ws_session.c), and the test's own buffers for a message of that
 * length are 14 and 1 bytes longer, so the count is the server's
 * reassembly buffers alone. */
extern int __sanitizer_install_malloc_and_free_hooks(
	void (*malloc_hook)(const volatile void *, size_t),
	void (*free_hook)(const volatile void *)) __attribute__((weak));
static size_t watch_size, watch_count;

static void count_malloc(const volatile void *ptr, size_t size)
{
	(void)ptr;
	if (size == watch_size)
		watch_count++;
}

static void count_free(const volatile void *ptr)
{
	(void)ptr;
}

#define LARGE_LEN  (300 * 1000 + 7)     /* straddles several 64 KiB reads */
#define LARGE_MSGS 16

static void echo_large(struct wsp *p, const uint8_t *msg)
{
	struct wsp_frame f;
	ck_assert(wsp_send_frame(p, FIN | WS_OP_BINARY, msg, LARGE_LEN));
	ck_assert_int_eq(wsp_read_frame(p, &f, 10000), 1);
	ck_assert_uint_eq(f.len, LARGE_LEN);
	ck_assert(memcmp(f.data, msg, LARGE_LEN) == 0);
	free(f.data);
}

struct quiet_wait {
	size_t below;                   /* allocated bytes to get under */
};

static bool heap_below(void *arg)
{
	const struct quiet_wait *w = arg;
	return heap_in_use() < w->below;
}

/* Sixteen large echoes on one connection cost the server one reassembly
 * buffer, not sixteen (each one freed and allocated again made the heap
 * shrink and grow, and the pages fault in, per message); once the peer
 * is quiet for a whole interval the server gives the buffer back. */
START_TEST(echo_large_keeps_one_buffer)
{
	if (!__sanitizer_install_malloc_and_free_hooks) {
		fprintf(stderr, "test_ws_endpoint: not under the sanitizer: allocations not counted\n");
		return;
	}
	ck_assert(__sanitizer_install_malloc_and_free_hooks(count_malloc, count_free));
	uint8_t *msg = malloc(LARGE_LEN);
	for (size_t i = 0; i < LARGE_LEN; i++)
		msg[i] = (uint8_t)(i * 13 + i / 509);
	struct wsp p;
	open_peer(&p, "/echo");
	watch_size = LARGE_LEN;
	watch_count = 0;
	for (int i = 0; i < LARGE_MSGS; i++)
		echo_large(&p, msg);
	size_t buffers = watch_count;
	watch_size = 0;
	ck_assert_msg(buffers == 1, "%zu reassembly buffers for %d messages", buffers, LARGE_MSGS);

	struct quiet_wait w = { heap_in_use() - LARGE_LEN / 2 };
	ck_assert_msg(net_loop_run_until(srv.loop, heap_below, &w, 5000),
		      "the buffer of a quiet connection was not given back");
	echo_large(&p, msg);            /* and the next message still comes back */
	free(msg);
	close_peer(&p);
}
END_TEST

/* Sixteen messages in one write: sixteen echoes, and the server answers
 * each read with one send (writes made while a read is handled are
 * corked, net/conn.h). */
START_TEST(echo_pipelined_one_send_per_read)
{
	struct wsp p;
	uint8_t buf[16 * 32];
	size_t n = 0;
	open_peer(&p, "/echo");
	uint64_t reads = srv.ws_ledger.c.sys[NET_SYS_READ];
	uint64_t writes = srv.ws_ledger.c.sys[NET_SYS_WRITE];
	for (int i = 0; i < 16; i++) {
		char msg[32];
		int m = snprintf(msg, sizeof msg, "message %02d", i);
		n += wsp_put_frame(&p, buf + n, FIN | WS_OP_TEXT, msg, (size_t)m, true);
	}
	ck_assert(wsp_send(&p, buf, n));
	for (int i = 0; i < 16; i++) {
		char want[32];
		snprintf(want, sizeof want, "message %02d", i);
		expect_text(&p, want);
	}
	reads = srv.ws_ledger.c.sys[NET_SYS_READ] - reads;
	writes = srv.ws_ledger.c.sys[NET_SYS_WRITE] - writes;
	ck_assert_uint_ge(writes, 1);
	ck_assert_msg(writes <= reads, "%llu sends for %llu reads", (unsigned long long)writes,
		      (unsigned long long)reads);
	close_peer(&p);
}
END_TEST

/* The client's Close comes back with its code, then the server closes
 * TCP first (§7.1.1); an empty Close comes back empty. */
START_TEST(close_handshake)
{
	struct wsp p;
	open_peer(&p, "/echo");
	ck_assert(wsp_send_frame(&p, FIN | WS_OP_CLOSE, "\x0b\xb8" "bye", 5));
	ASSERT_LOG(read_to_eof(&p), "close 3000\neof\n");
	wsp_close(&p);
	open_peer(&p, "/echo");
	ck_assert(wsp_send_frame(&p, FIN | WS_OP_CLOSE, "", 0));
	ASSERT_LOG(read_to_eof(&p), "close\neof\n");
	wsp_close(&p);
}
END_TEST

/* --- violations: the Close each earns, and nothing after it ------------- */

START_TEST(unmasked_frame)
{
	struct wsp p;
	uint8_t buf[64];
	open_peer(&p, "/echo");
	size_t n = wsp_put_frame(&p, buf, FIN | WS_OP_TEXT, S("ok"), true);
	n += wsp_put_frame(&p, buf + n, FIN | WS_OP_TEXT, S("bare"), false);   /* §5.1 */
	n += wsp_put_frame(&p, buf + n, FIN | WS_OP_TEXT, S("after"), true);
	ck_assert(wsp_send(&p, buf, n));
	ASSERT_LOG(read_to_eof(&p), "text \"ok\"\nclose 1002\neof\n");
	wsp_close(&p);
}
END_TEST

START_TEST(bad_utf8)
{
	struct wsp p;
	uint8_t buf[64];
	open_peer(&p, "/echo");
	size_t n = wsp_put_frame(&p, buf, FIN | WS_OP_TEXT, S("\xce\xba\xc0\xaf"), true);
	n += wsp_put_frame(&p, buf + n, FIN | WS_OP_TEXT, S("after"), true);
	ck_assert(wsp_send(&p, buf, n));
	ASSERT_LOG(read_to_eof(&p), "close 1007\neof\n");
	wsp_close(&p);
}
END_TEST

/* A header announcing 16 MiB + 1 is refused before any payload (§7.4.1). */
START_TEST(too_big)
{
	struct wsp p;
	uint8_t buf[64], key[4] = { 1, 2, 3, 4 };
	open_peer(&p, "/echo");
	size_t n = wsp_put_header(buf, FIN | WS_OP_BINARY, WS_MESSAGE_MAX_DEFAULT + 1ull, key);
	ck_assert(wsp_send(&p, buf, n));
	ASSERT_LOG(read_to_eof(&p), "close 1009\neof\n");
	wsp_close(&p);
}
END_TEST

/* --- /ws ------------------------------------------------------------------- */

START_TEST(ws_gets_events)
{
	struct wsp p;
	open_peer(&p, "/ws");
	ck_assert_uint_eq(feed_publish(srv.feed, "score", S("1-0")), 1);
	ck_assert_uint_eq(feed_publish(srv.feed, "score", S("say \"hi\"\n")), 2);
	expect_text(&p, "{\"seq\":1,\"id\":\"" WST_EP "-1\",\"type\":\"score\",\"data\":\"1-0\"}");
	expect_text(&p, "{\"seq\":2,\"id\":\"" WST_EP "-2\",\"type\":\"score\",\"data\":\"say \\\"hi\\\"\\n\"}");
	close_peer(&p);
}
END_TEST

static bool has_published(void *arg) { return feed_latest(arg) > 0; }

/* A message from one client is an event: the feed holds it, and every
 * /ws client (the sender too) gets it as the same JSON. */
START_TEST(ws_message_is_published)
{
	struct wsp a, b;
	open_peer(&a, "/ws");
	open_peer(&b, "/ws");
	ck_assert(wsp_send_frame(&a, FIN | WS_OP_TEXT, S("hi \xc3\xa9")));
	net_loop_run_until(srv.loop, has_published, srv.feed, 1000);
	ck_assert_uint_eq(feed_latest(srv.feed), 1);
	const struct feed_event *ev = feed_get(srv.feed, 1);
	ck_assert_str_eq(ev->type, "message");
	ck_assert_uint_eq(ev->len, 5);
	ck_assert(memcmp(ev->data, "hi \xc3\xa9", 5) == 0);
	const char *want = "{\"seq\":1,\"id\":\"" WST_EP "-1\",\"type\":\"message\",\"data\":\"hi \xc3\xa9\"}";
	expect_text(&a, want);
	expect_text(&b, want);
	close_peer(&a);
	close_peer(&b);
}
END_TEST

/* The four events of ws_resume, in order. */
static void expect_all(struct wsp *p)
{
	expect_text(p, "{\"seq\":1,\"id\":\"" WST_EP "-1\",\"type\":\"e\",\"data\":\"one\"}");
	expect_text(p, "{\"seq\":2,\"id\":\"" WST_EP "-2\",\"type\":\"e\",\"data\":\"two\"}");
	expect_text(p, "{\"seq\":3,\"id\":\"" WST_EP "-3\",\"type\":\"e\",\"data\":\"three\"}");
	expect_text(p, "{\"seq\":4,\"id\":\"" WST_EP "-4\",\"type\":\"e\",\"data\":\"four\"}");
}

/* ?since=ID: the events after ID first, then the live ones; a gap is
 * said first. */
START_TEST(ws_resume)
{
	feed_publish(srv.feed, "e", S("one"));
	feed_publish(srv.feed, "e", S("two"));
	feed_publish(srv.feed, "e", S("three"));
	struct wsp p;
	open_peer(&p, "/ws?since=1");
	feed_publish(srv.feed, "e", S("four"));
	expect_text(&p, "{\"seq\":2,\"id\":\"" WST_EP "-2\",\"type\":\"e\",\"data\":\"two\"}");
	expect_text(&p, "{\"seq\":3,\"id\":\"" WST_EP "-3\",\"type\":\"e\",\"data\":\"three\"}");
	expect_text(&p, "{\"seq\":4,\"id\":\"" WST_EP "-4\",\"type\":\"e\",\"data\":\"four\"}");
	close_peer(&p);
	/* Its own id spelled out, then another epoch's: the reset notice
	 * first, with the id it now stands at, then all the feed holds. */
	open_peer(&p, "/ws?since=" WST_EP "-3");
	expect_text(&p, "{\"seq\":4,\"id\":\"" WST_EP "-4\",\"type\":\"e\",\"data\":\"four\"}");
	close_peer(&p);
	open_peer(&p, "/ws?since=000000000abd-3");
	expect_text(&p, "{\"type\":\"reset\",\"reason\":\"epoch\",\"missed\":null,\"seq\":0,"
			"\"id\":\"" WST_EP "-0\"}");
	expect_all(&p);
	close_peer(&p);
	open_peer(&p, "/ws?since=9");               /* ahead */
	expect_text(&p, "{\"type\":\"reset\",\"reason\":\"ahead\",\"missed\":null,\"seq\":0,"
			"\"id\":\"" WST_EP "-0\"}");
	expect_all(&p);
	close_peer(&p);
}
END_TEST

/* Binary is not accepted on /ws: Close 1003, and after our Close back
 * the server closes TCP.  Nothing was published. */
START_TEST(ws_binary_refused)
{
	struct wsp p;
	open_peer(&p, "/ws");
	ck_assert(wsp_send_frame(&p, FIN | WS_OP_BINARY, "\x01\x02", 2));
	ASSERT_LOG(read_frames(&p, 1), "close 1003\n");
	ck_assert(wsp_send_frame(&p, FIN | WS_OP_CLOSE, "\x03\xeb", 2));     /* §5.5.1: echo it */
	ASSERT_LOG(read_to_eof(&p), "eof\n");
	wsp_close(&p);
	ck_assert_uint_eq(feed_latest(srv.feed), 0);
}
END_TEST

START_TEST(ws_message_too_big)
{
	size_t n = 64 * 1024 + 1;
	char *msg = malloc(n);
	memset(msg, 'x', n);
	struct wsp p;
	open_peer(&p, "/ws");
	ck_assert(wsp_send_frame(&p, FIN | WS_OP_TEXT, msg, n));
	ASSERT_LOG(read_to_eof(&p), "close 1009\neof\n");
	wsp_close(&p);
	free(msg);
	ck_assert_uint_eq(feed_latest(srv.feed), 0);
}
END_TEST

/* A reader that stops reading: once its queue passes 'sse_queue_cap' it
 * is dropped, and the feed forgets it. */
static void up_small_queue(void)
{
	struct pp_config cfg = { .sse_queue_cap = 64 * 1024 };
	up_with(&cfg);
}

START_TEST(ws_slow_reader_dropped)
{
	struct wsp p;
	open_peer(&p, "/ws");
	ck_assert_uint_eq(feed_subscribers(srv.feed), 1);
	static char big[32 * 1024];
	memset(big, 'z', sizeof big);
	for (int i = 0; i < 2000 && feed_subscribers(srv.feed) > 0; i++) {
		feed_publish(srv.feed, "big", big, sizeof big);
		net_loop_run_once(srv.loop, 0);
	}
	ck_assert_uint_eq(feed_subscribers(srv.feed), 0);
	ck_assert(wsp_wait_eof(&p, 5000) || p.in.len > 0);
	wsp_close(&p);
}
END_TEST

/* --- the keep-alive ping (ws_ping_ms = 100) ------------------------------- */

static void up_fast_ping(void)
{
	struct pp_config cfg = { .ws_ping_ms = 100 };
	up_with(&cfg);
}

/* A peer that answers every ping stays for many intervals. */
START_TEST(ping_answered_keeps_open)
{
	struct wsp p;
	open_peer(&p, "/ws");
	for (int i = 0; i < 5; i++) {
		struct wsp_frame f;
		ck_assert_int_eq(wsp_read_frame(&p, &f, 2000), 1);
		ck_assert_uint_eq(f.b0, FIN | WS_OP_PING);
		ck_assert(wsp_send_frame(&p, FIN | WS_OP_PONG, f.data, f.len));
		free(f.data);
	}
	close_peer(&p);
}
END_TEST

/* A silent peer: a ping, then (no answer within the next interval) Close
 * 1001, then (no Close back within another) the connection dropped. */
START_TEST(silent_peer_closed)
{
	struct wsp p;
	open_peer(&p, "/ws");
	uint64_t t0 = looptest_now_ms();
	ASSERT_LOG(read_to_eof(&p), "ping \"\"\nclose 1001\neof\n");
	ck_assert_uint_ge(looptest_now_ms() - t0, 250);
	wsp_close(&p);
	ck_assert_uint_eq(feed_subscribers(srv.feed), 0);
}
END_TEST

/* The same, but the peer answers the Close: the server closes TCP at once. */
START_TEST(silent_peer_answers_close)
{
	struct wsp p;
	open_peer(&p, "/ws");
	ASSERT_LOG(read_frames(&p, 2), "ping \"\"\nclose 1001\n");
	ck_assert(wsp_send_frame(&p, FIN | WS_OP_CLOSE, "\x03\xe9", 2));
	ASSERT_LOG(read_to_eof(&p), "eof\n");
	wsp_close(&p);
}
END_TEST

/* --- the pp_client ---------------------------------------------------------- */

struct seen {
	char last[256];
	uint64_t last_seq;
	int events, notes;
	char note[256];
	bool free_on_event;     /* the callback frees the client */
};

static void on_event(struct pp_client *c, const struct pp_client_event *ev, void *ud)
{
	struct seen *s = ud;
	s->events++;
	s->last_seq = ev->seq;
	snprintf(s->last, sizeof s->last, "%.*s", (int)ev->json_len, ev->json);
	if (s->free_on_event)
		pp_client_free(c);
}

static void on_note(struct pp_client *c, const char *msg, void *ud)
{
	(void)c;
	struct seen *s = ud;
	s->notes++;
	snprintf(s->note, sizeof s->note, "%s", msg);
}

static struct pp_client *client_on(const char *path, struct seen *s, struct net_ledger *ledger)
{
	struct pp_client_opts o = {
		.paradigm = PP_WEBSOCKET, .host = "127.0.0.1", .port = srv.port, .path = path,
		.interval_ms = 50, .ledger = ledger, .on_event = on_event, .on_note = on_note, .ud = s,
	};
	struct pp_client *c = pp_client_start(srv.loop, &o);
	ck_assert_msg(c != NULL, "pp_client_start: %s", strerror(errno));
	return c;
}

static bool events_at_least(void *arg)
{
	void **a = arg;
	return ((struct seen *)a[0])->events >= *(int *)a[1];
}

static void wait_events(struct seen *s, int n)
{
	void *a[2] = { s, &n };
	ck_assert_msg(net_loop_run_until(srv.loop, events_at_least, a, 5000),
		      "%d events of %d; last note: %s", s->events, n, s->note);
}

static bool has_subscriber(void *arg)
{
	return feed_subscribers(arg) > 0;
}

static bool has_ws_conn(void *arg)
{
	return wst_open(arg) > 0;
}

static bool notes_at_least(void *arg)
{
	void **a = arg;
	return ((struct seen *)a[0])->notes >= *(int *)a[1];
}

static void wait_notes(struct seen *s, int n, int max_ms)
{
	void *a[2] = { s, &n };
	net_loop_run_until(srv.loop, notes_at_least, a, (uint64_t)max_ms);
}

/* What the client is to send. */
struct sending { struct pp_client *c; const char *data; size_t len; };

/* Tries to send: true once the client took it. */
static bool sent(void *arg)
{
	struct sending *s = arg;
	return pp_client_send(s->c, s->data, s->len) == 0;
}

/* Sends once the client can: until it is open, pp_client_send refuses. */
static void send_when_open(struct pp_client *c, const char *data, size_t len, int max_ms)
{
	struct sending s = { c, data, len };
	net_loop_run_until(srv.loop, sent, &s, (uint64_t)max_ms);
}

static bool client_gone(void *arg)
{
	struct net_ledger *l = arg;     /* every socket it opened is closed */
	return l->c.sys[NET_SYS_CLOSE] == l->c.sys[NET_SYS_SOCKET] && wst_open(&srv) == 0;
}

/* Frees the client: its Close goes out, the server answers and closes,
 * and both ends are gone. */
static void client_done(struct pp_client *c, struct net_ledger *ledger)
{
	pp_client_free(c);
	ck_assert(net_loop_run_until(srv.loop, client_gone, ledger, 5000));
}

START_TEST(client_on_ws)
{
	struct seen s = { 0 };
	struct net_ledger ledger;
	net_ledger_init(&ledger, "ws/client");
	struct pp_client *c = client_on("/ws", &s, &ledger);
	ck_assert(net_loop_run_until(srv.loop, has_subscriber, srv.feed, 5000));
	feed_publish(srv.feed, "score", S("2-1"));
	wait_events(&s, 1);
	ck_assert_str_eq(s.last, "{\"seq\":1,\"id\":\"" WST_EP "-1\",\"type\":\"score\",\"data\":\"2-1\"}");
	ck_assert_uint_eq(s.last_seq, 1);
	ck_assert_int_eq(pp_client_send(c, S("hello")), 0);
	wait_events(&s, 2);
	ck_assert_str_eq(s.last, "{\"seq\":2,\"id\":\"" WST_EP "-2\",\"type\":\"message\",\"data\":\"hello\"}");
	ck_assert_uint_eq(pp_client_events(c), 2);
	ck_assert_uint_eq(pp_client_missed(c), 0);
	ck_assert_int_eq(pp_client_send(c, S("\xc0\xaf")), -1);         /* not UTF-8 */
	ck_assert_uint_eq(ledger.c.handshakes, 1);
	client_done(c, &ledger);
}
END_TEST

START_TEST(client_on_echo)
{
	struct seen s = { 0 };
	struct net_ledger ledger;
	net_ledger_init(&ledger, "ws/client");
	struct pp_client *c = client_on("/echo", &s, &ledger);
	ck_assert_int_eq(pp_client_send(c, S("too early")), -1);       /* not open yet */
	ck_assert(net_loop_run_until(srv.loop, has_ws_conn, &srv, 5000));
	send_when_open(c, S("plain"), 500);
	wait_events(&s, 1);
	/* Not an event of the feed: reported as one JSON line all the same. */
	ck_assert_str_eq(s.last, "{\"data\":\"plain\"}");
	ck_assert_uint_eq(s.last_seq, 0);
	ck_assert_int_eq(pp_client_send(c, S("{\"seq\":7,\n\"x\":1}")), 0);
	wait_events(&s, 2);
	ck_assert_str_eq(s.last, "{\"data\":\"{\\\"seq\\\":7,\\n\\\"x\\\":1}\"}");
	ck_assert_uint_eq(s.last_seq, 0);
	client_done(c, &ledger);
	/* The client waited for the server's Close, and read it: every byte
	 * the server sent arrived (a reset would have lost the last). */
	ck_assert_uint_eq(ledger.c.bytes_in, srv.ws_ledger.c.bytes_out);
}
END_TEST

/* Dropped (a message over /ws's limit earns Close 1009), the client says
 * so, reconnects with ?since=, and gets what it missed meanwhile. */
START_TEST(client_reconnects_and_resumes)
{
	struct seen s = { 0 };
	struct net_ledger ledger;
	net_ledger_init(&ledger, "ws/client");
	struct pp_client *c = client_on("/ws", &s, &ledger);
	ck_assert(net_loop_run_until(srv.loop, has_subscriber, srv.feed, 5000));
	feed_publish(srv.feed, "e", S("1"));
	feed_publish(srv.feed, "e", S("2"));
	wait_events(&s, 2);
	static char big[64 * 1024 + 1];
	memset(big, 'b', sizeof big);
	ck_assert_int_eq(pp_client_send(c, big, sizeof big), 0);
	bool noted = false;
	wait_notes(&s, 1, 2000);
	noted = s.notes > 0;
	ck_assert_msg(noted && strstr(s.note, "1009"), "note: %s", s.note);
	feed_publish(srv.feed, "e", S("3"));            /* while it is away */
	wait_events(&s, 3);
	ck_assert_str_eq(s.last, "{\"seq\":3,\"id\":\"" WST_EP "-3\",\"type\":\"e\",\"data\":\"3\"}");
	feed_publish(srv.feed, "e", S("4"));
	wait_events(&s, 4);
	ck_assert_uint_eq(pp_client_missed(c), 0);
	ck_assert_uint_eq(ledger.c.handshakes, 2);
	client_done(c, &ledger);
}
END_TEST

/* A callback may free the client: here on_event does, while the client
 * is reading.  The second event is never reported, whether it came in
 * the same read or later, and nothing is left behind. */
START_TEST(client_freed_by_its_callback)
{
	struct seen s = { .free_on_event = true };
	struct net_ledger ledger;
	net_ledger_init(&ledger, "ws/client");
	client_on("/ws", &s, &ledger);
	ck_assert(net_loop_run_until(srv.loop, has_subscriber, srv.feed, 5000));
	feed_publish(srv.feed, "e", S("1"));
	feed_publish(srv.feed, "e", S("2"));
	wait_events(&s, 1);
	ck_assert(net_loop_run_until(srv.loop, client_gone, &ledger, 5000));
	ck_assert_int_eq(s.events, 1);
}
END_TEST

/* Nobody listening: the client notes it and tries again (within its
 * retries) until a server is there. */
START_TEST(client_waits_for_server)
{
	uint16_t port = srv.port;
	http_server_free(srv.http);             /* the port is free now */
	srv.http = NULL;
	struct seen s = { 0 };
	struct net_ledger ledger;
	net_ledger_init(&ledger, "ws/client");
	struct pp_client *c = client_on("/echo", &s, &ledger);
	wait_notes(&s, 2, 2000);
	ck_assert_int_ge(s.notes, 2);
	ck_assert_msg(strstr(s.note, "Connection refused") && strstr(s.note, "; retry "), "%s",
		      s.note);
	struct http_server_config hc = { .host = "127.0.0.1", .port = port };
	srv.http = http_server_new(srv.loop, &hc);
	ck_assert_msg(srv.http != NULL, "listen again: %s", strerror(errno));
	ck_assert_int_eq(pp_hub_routes(srv.http, &srv.hub), 0);
	send_when_open(c, S("at last"), 2000);
	wait_events(&s, 1);
	ck_assert_str_eq(s.last, "{\"data\":\"at last\"}");
	client_done(c, &ledger);
}
END_TEST

/* --- memory: what an idle /ws connection costs ---------------------------- */

#define IDLE_PEERS 200

START_TEST(idle_connection_memory)
{
	static struct wsp peers[IDLE_PEERS];
	for (int i = 0; i < 4; i++)
		net_loop_run_once(srv.loop, 0);
	size_t before = heap_in_use();
	for (int i = 0; i < IDLE_PEERS; i++) {
		open_peer(&peers[i], "/ws");
		tbuf_free(&peers[i].in);        /* the test's own buffer is not the server's cost */
	}
	for (int i = 0; i < 4; i++)
		net_loop_run_once(srv.loop, 0);         /* deferred frees of the HTTP side */
	ck_assert_uint_eq(feed_subscribers(srv.feed), IDLE_PEERS);
	size_t per = (heap_in_use() - before) / IDLE_PEERS;
	fprintf(stderr, "test_ws_endpoint: an idle /ws connection holds %zu bytes of heap\n", per);
	ck_assert_uint_le(per, 1024);
	for (int i = 0; i < IDLE_PEERS; i++)
		close_peer(&peers[i]);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ws_endpoint");
	TCase *tc = tcase_create("handshake");
	tcase_add_checked_fixture(tc, up, down);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, refused, 0, (int)(2 * sizeof refusals / sizeof refusals[0]));
	tcase_add_test(tc, accepted);
	tcase_add_test(tc, frames_with_the_request);
	suite_add_tcase(s, tc);

	tc = tcase_create("echo");
	tcase_add_checked_fixture(tc, up, down);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, echo_split, 0, (int)(64 * sizeof echoes / sizeof echoes[0]));
	tcase_add_loop_test(tc, echo_bytewise, 0, (int)(sizeof echoes / sizeof echoes[0]));
	tcase_add_test(tc, echo_one_mebibyte);
	tcase_add_test(tc, echo_large_keeps_one_buffer);
	tcase_add_test(tc, echo_pipelined_one_send_per_read);
	tcase_add_test(tc, close_handshake);
	suite_add_tcase(s, tc);

	tc = tcase_create("violations");
	tcase_add_checked_fixture(tc, up, down);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, unmasked_frame);
	tcase_add_test(tc, bad_utf8);
	tcase_add_test(tc, too_big);
	suite_add_tcase(s, tc);

	tc = tcase_create("feed");
	tcase_add_checked_fixture(tc, up, down);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ws_gets_events);
	tcase_add_test(tc, ws_message_is_published);
	tcase_add_test(tc, ws_resume);
	tcase_add_test(tc, ws_binary_refused);
	tcase_add_test(tc, ws_message_too_big);
	suite_add_tcase(s, tc);

	tc = tcase_create("slow_reader");
	tcase_add_checked_fixture(tc, up_small_queue, down);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ws_slow_reader_dropped);
	suite_add_tcase(s, tc);

	tc = tcase_create("keep_alive");
	tcase_add_checked_fixture(tc, up_fast_ping, down);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ping_answered_keeps_open);
	tcase_add_test(tc, silent_peer_closed);
	tcase_add_test(tc, silent_peer_answers_close);
	suite_add_tcase(s, tc);

	tc = tcase_create("client");
	tcase_add_checked_fixture(tc, up, down);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, client_on_ws);
	tcase_add_test(tc, client_on_echo);
	tcase_add_test(tc, client_reconnects_and_resumes);
	tcase_add_test(tc, client_waits_for_server);
	tcase_add_test(tc, client_freed_by_its_callback);
	suite_add_tcase(s, tc);

	tc = tcase_create("memory");
	tcase_add_checked_fixture(tc, up, down);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, idle_connection_memory);
	suite_add_tcase(s, tc);
	return s;
}
