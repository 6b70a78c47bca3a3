/* test_paradigms_ladder.c -- the payload describer, the text and SVG
 * ladders and the cost chart (paradigms/ladder.h).
 *
 * The byte vectors are what pushpull's own server and clients sent, copied
 * from strace of `pushpull serve` and `pushpull client ...`; only the Date
 * fields are as they were that day.
 *
 * Golden files.  The pictures are compared with tests/golden/ladder_*.txt,
 * ladder_*.svg and costs.svg, found from the repository root (where `make
 * test` runs).  After a deliberate change to the output, rewrite them with
 *
 *     GOLDEN_UPDATE=1 build/test/test_paradigms_ladder
 *
 * and read the diff before committing it.  Without GOLDEN_UPDATE the test
 * only compares.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "paradigms/ladder.h"
#include "support/memfile.h"
#include "support/xmlcheck.h"
#include "util/input.h"

/* --- the wire ------------------------------------------------------------------ */

struct bytes {
	const char *p;
	size_t n;
	bool up;                /* client to server */
};

#define UP(lit)   { lit, sizeof lit - 1, true }
#define DOWN(lit) { lit, sizeof lit - 1, false }

#define REQ_SCORE   "GET /score HTTP/1.1\r\nHost: 127.0.0.1:18611\r\n\r\n"
#define REQ_LP0     "GET /score?since=0&timeout=30000 HTTP/1.1\r\nHost: 127.0.0.1:18611\r\n\r\n"
#define REQ_LP2     "GET /score?since=2&timeout=30000 HTTP/1.1\r\nHost: 127.0.0.1:18611\r\n\r\n"
#define REQ_PUBLISH "POST /publish HTTP/1.1\r\nHost: 127.0.0.1:18611\r\nContent-Length: 6\r\n\r\nball 2"
#define REQ_HEAD    "HEAD /score HTTP/1.1\r\nHost: 127.0.0.1:18611\r\n\r\n"
#define REQ_EVENTS  "GET /events HTTP/1.1\r\nHost: 127.0.0.1:18611\r\nConnection: close\r\n" \
		    "Accept: text/event-stream\r\nLast-Event-ID: 2\r\nCache-Control: no-cache\r\n\r\n"
#define REQ_WS      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:18611\r\nUpgrade: websocket\r\n" \
		    "Connection: Upgrade\r\nSec-WebSocket-Key: Gmr55Kuk6iYlchO0cTO8jA==\r\n" \
		    "Sec-WebSocket-Version: 13\r\n\r\n"

#define JSON_HEAD(len) "HTTP/1.1 200 OK\r\nDate: Sat, 05 Dec 2026 08:25:24 GMT\r\n" \
		       "Content-Type: application/json\r\nContent-Length: " len "\r\n\r\n"
#define ANS_SCORE   JSON_HEAD("64") \
		    "{\"seq\":1,\"id\":\"00000000abcd-1\",\"type\":\"message\",\"data\":\"ball 1\"}"
#define ANS_PUBLISH JSON_HEAD("31") "{\"seq\":2,\"id\":\"00000000abcd-2\"}"
#define ANS_NONE    JSON_HEAD("31") "{\"seq\":0,\"id\":\"00000000abcd-0\"}"
#define ANS_LP      JSON_HEAD("153") "{\"latest\":2,\"events\":[" \
		    "{\"seq\":1,\"id\":\"00000000abcd-1\",\"type\":\"message\",\"data\":\"ball 1\"}," \
		    "{\"seq\":2,\"id\":\"00000000abcd-2\",\"type\":\"message\",\"data\":\"ball 2\"}]}"
#define ANS_LP1     JSON_HEAD("85") "{\"latest\":3,\"events\":[" \
		    "{\"seq\":3,\"id\":\"00000000abcd-3\",\"type\":\"goal\",\"data\":\"ball 3\"}]}"
#define ANS_LP_GAP  JSON_HEAD("238") \
		    "{\"latest\":9,\"reset\":{\"type\":\"reset\",\"reason\":\"evicted\"," \
		    "\"missed\":4,\"seq\":6,\"id\":\"00000000abcd-6\"}," \
		    "\"events\":[{\"seq\":7,\"id\":\"00000000abcd-7\",\"type\":\"message\",\"data\":\"ball 7\"}," \
		    "{\"seq\":9,\"id\":\"00000000abcd-9\",\"type\":\"message\",\"data\":\"ball 9\"}]}"
#define ANS_204     "HTTP/1.1 204 No Content\r\nDate: Sat, 05 Dec 2026 08:25:24 GMT\r\n\r\n"
#define ANS_400     "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n" \
		    "Content-Length: 39\r\n\r\ntimeout must be 1..60000 milliseconds\r\n"
#define ANS_SSE     "HTTP/1.1 200 OK\r\nDate: Sat, 05 Dec 2026 08:25:32 GMT\r\n" \
		    "Content-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n" \
		    "Connection: close\r\nCache-Control: no-cache\r\n\r\nc\r\nretry: 2000\n\r\n"
#define SSE_3_4     "30\r\nid: 00000000abcd-3\nevent: message\ndata: ball 3\n\n\r\n" \
		    "2d\r\nid: 00000000abcd-4\nevent: goal\ndata: ball 4\n\n\r\n"
#define SSE_EV(n)   "2d\r\nid: 00000000abcd-" #n "\nevent: goal\ndata: ball 4\n\n\r\n"
#define SSE_BEAT    "2\r\n:\n\r\n"
#define SSE_RESET   "74\r\nid: 00000000abcd-4\nevent: reset\ndata: {\"type\":\"reset\"," \
		    "\"reason\":\"evicted\",\"missed\":2,\"seq\":4,\"id\":\"00000000abcd-4\"}\n\n\r\n"
#define ANS_101     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" \
		    "Connection: Upgrade\r\nSec-WebSocket-Accept: aVYv6KyBB6cI8PB8QCKXzX1W4PQ=\r\n\r\n"
#define WS_EV5      "\201\105" \
		    "{\"seq\":5,\"id\":\"00000000abcd-5\",\"type\":\"message\",\"data\":\"hello there\"}"
#define WS_EV6      "\201\100" \
		    "{\"seq\":6,\"id\":\"00000000abcd-6\",\"type\":\"message\",\"data\":\"ball 5\"}"
#define WS_EV7      "\201\100" \
		    "{\"seq\":7,\"id\":\"00000000abcd-7\",\"type\":\"message\",\"data\":\"ball 5\"}"
#define WS_RESET    "\201\117" \
		    "{\"type\":\"reset\",\"reason\":\"evicted\",\"missed\":null,\"seq\":6," \
		    "\"id\":\"00000000abcd-6\"}"
/* "hello there", masked with the key 5a 5f 71 e2 (RFC 6455 §5.3) */
#define WS_C_HELLO  "\201\213Z_q\3422:\35\2165\177\5\212?-\24"
#define WS_C_CLOSE  "\210\202Z@9\340Y\250"          /* 1000, masked */
#define WS_S_CLOSE  "\210\2\3\350"                  /* 1000 */

/* RFC 6455 §5.7: a single-frame masked text message, "Hello". */
#define RFC_MASKED_HELLO "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"
/* RFC 6455 §5.7: an unmasked Ping with body "Hello", from the server. */
#define RFC_PING_HELLO   "\x89\x05Hello"
/* RFC 6455 §5.7: an unmasked Pong in reply -- here from a client, which
 * must mask: the masked form of the same, key 37 fa 21 3d. */
#define RFC_PONG_MASKED  "\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"

/* --- the describer's vectors ----------------------------------------------------- */

/* 'setup' is fed first, a segment each; then 'msg', which must be named
 * 'label' when whole, and whose messages (joined " | ", "(cont.)" left
 * out) must be 'msgs' however it is split. */
struct dvec {
	const char *name;
	enum pp_paradigm p;
	struct bytes setup[3];
	struct bytes msg;
	const char *label;
	const char *msgs;
};

static const struct dvec dvecs[] = {
	{ "rpc request", PP_RPC, { { 0 } }, UP(REQ_SCORE), "GET /score", "GET /score" },
	{ "rpc answer", PP_RPC, { UP(REQ_SCORE) }, DOWN(ANS_SCORE), "200 + event 1", "200 + event 1" },
	{ "no event yet", PP_SHORT_POLL, { UP(REQ_SCORE) }, DOWN(ANS_NONE),
	  "200 (no event yet)", "200 (no event yet)" },
	{ "publish", PP_RPC, { { 0 } }, UP(REQ_PUBLISH), "POST /publish", "POST /publish" },
	{ "publish answer", PP_RPC, { UP(REQ_PUBLISH) }, DOWN(ANS_PUBLISH),
	  "200 published 2", "200 published 2" },
	{ "long-poll request", PP_LONG_POLL, { { 0 } }, UP(REQ_LP0),
	  "GET /score?since=0&...", "GET /score?since=0&..." },
	{ "long-poll batch", PP_LONG_POLL, { UP(REQ_LP0) }, DOWN(ANS_LP),
	  "200 + events 1-2", "200 + events 1-2" },
	{ "long-poll one", PP_LONG_POLL, { UP(REQ_LP2) }, DOWN(ANS_LP1),
	  "200 + event 3", "200 + event 3" },
	{ "long-poll gap", PP_LONG_POLL, { UP(REQ_LP2) }, DOWN(ANS_LP_GAP),
	  "200 + 2 events 7..9, reset: 4 missed", "200 + 2 events 7..9, reset: 4 missed" },
	{ "long-poll timeout", PP_LONG_POLL, { UP(REQ_LP2) }, DOWN(ANS_204),
	  "204 (nothing new)", "204 (nothing new)" },
	{ "rpc 204", PP_RPC, { UP(REQ_SCORE) }, DOWN(ANS_204), "204 No Content", "204 No Content" },
	{ "refused", PP_LONG_POLL, { UP(REQ_LP2) }, DOWN(ANS_400),
	  "400 Bad Request", "400 Bad Request" },
	{ "pipelined requests", PP_RPC, { { 0 } }, UP(REQ_SCORE REQ_PUBLISH REQ_SCORE),
	  "GET /score, POST /publish, GET /score", "GET /score | POST /publish | GET /score" },
	{ "pipelined answers", PP_RPC, { UP(REQ_SCORE REQ_PUBLISH) }, DOWN(ANS_SCORE ANS_PUBLISH),
	  "200 + event 1, 200 published 2", "200 + event 1 | 200 published 2" },
	{ "answer to HEAD has no body", PP_RPC, { UP(REQ_HEAD), UP(REQ_SCORE) },
	  DOWN(JSON_HEAD("42") ANS_SCORE), "200 OK, 200 + event 1", "200 OK | 200 + event 1" },
	{ "100 Continue", PP_RPC,
	  { UP("POST /publish HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 6\r\n\r\n") },
	  DOWN("HTTP/1.1 100 Continue\r\n\r\n" ANS_PUBLISH), "100 Continue, 200 published 2",
	  "100 Continue | 200 published 2" },
	{ "sse request", PP_SSE, { { 0 } }, UP(REQ_EVENTS), "GET /events (Last-Event-ID 2)",
	  "GET /events (Last-Event-ID 2)" },
	{ "sse head", PP_SSE, { UP(REQ_EVENTS) }, DOWN(ANS_SSE), "200 event-stream, SSE retry 2000",
	  "200 event-stream | SSE retry 2000" },
	{ "sse events", PP_SSE, { UP(REQ_EVENTS), DOWN(ANS_SSE) }, DOWN(SSE_3_4), "SSE id 3, 4",
	  "SSE id 3 | SSE id 4" },
	{ "sse run", PP_SSE, { UP(REQ_EVENTS), DOWN(ANS_SSE) },
	  DOWN(SSE_EV(5) SSE_EV(6) SSE_EV(7) SSE_EV(8) SSE_EV(9)), "SSE id 5-9 (5)",
	  "SSE id 5 | SSE id 6 | SSE id 7 | SSE id 8 | SSE id 9" },
	{ "sse heartbeat", PP_SSE, { UP(REQ_EVENTS), DOWN(ANS_SSE) }, DOWN(SSE_BEAT),
	  "SSE heartbeat", "SSE heartbeat" },
	{ "sse reset", PP_SSE, { UP(REQ_EVENTS), DOWN(ANS_SSE) }, DOWN(SSE_RESET SSE_EV(5)),
	  "SSE reset, SSE id 5", "SSE reset | SSE id 5" },
	{ "ws reset", PP_WEBSOCKET, { UP(REQ_WS), DOWN(ANS_101) }, DOWN(WS_RESET WS_EV7),
	  "WS reset, WS event 7", "WS reset | WS event 7" },
	{ "sse end", PP_SSE, { UP(REQ_EVENTS), DOWN(ANS_SSE) }, DOWN(SSE_EV(5) "0\r\n\r\n"),
	  "SSE id 5, SSE end", "SSE id 5 | SSE end" },
	{ "ws upgrade", PP_WEBSOCKET, { { 0 } }, UP(REQ_WS), "GET /ws upgrade", "GET /ws upgrade" },
	{ "ws 101", PP_WEBSOCKET, { UP(REQ_WS) }, DOWN(ANS_101), "101 Switching Protocols",
	  "101 Switching Protocols" },
	{ "ws 101 and a frame", PP_WEBSOCKET, { UP(REQ_WS) }, DOWN(ANS_101 WS_EV5),
	  "101 Switching Protocols, WS event 5", "101 Switching Protocols | WS event 5" },
	{ "ws client text", PP_WEBSOCKET, { UP(REQ_WS), DOWN(ANS_101) }, UP(WS_C_HELLO),
	  "WS text 'hello there'", "WS text 'hello there'" },
	{ "ws RFC masked Hello", PP_WEBSOCKET, { UP(REQ_WS), DOWN(ANS_101) }, UP(RFC_MASKED_HELLO),
	  "WS text 'Hello'", "WS text 'Hello'" },
	{ "ws events", PP_WEBSOCKET, { UP(REQ_WS), DOWN(ANS_101) }, DOWN(WS_EV5 WS_EV6 WS_EV7),
	  "WS event 5, 6, 7", "WS event 5 | WS event 6 | WS event 7" },
	{ "ws ping, text", PP_WEBSOCKET, { UP(REQ_WS), DOWN(ANS_101) },
	  DOWN(RFC_PING_HELLO "\x81\x1bthe quick brown fox jumps.."), "WS ping, WS text 'the quick bro...'",
	  "WS ping | WS text 'the quick bro...'" },
	{ "ws pong, close", PP_WEBSOCKET, { UP(REQ_WS), DOWN(ANS_101) },
	  UP(RFC_PONG_MASKED WS_C_CLOSE), "WS pong, WS close 1000", "WS pong | WS close 1000" },
	{ "ws server close", PP_WEBSOCKET, { UP(REQ_WS), DOWN(ANS_101) }, DOWN(WS_S_CLOSE),
	  "WS close 1000", "WS close 1000" },
	{ "ws binary", PP_WEBSOCKET, { UP(REQ_WS), DOWN(ANS_101) }, DOWN("\x82\x03\x01\x02\x03"),
	  "WS binary 3 B", "WS binary 3 B" },
	{ "ws caught after the upgrade", PP_WEBSOCKET, { { 0 } }, DOWN(WS_EV6), "WS event 6",
	  "WS event 6" },
	{ "ws refused upgrade", PP_WEBSOCKET, { UP(REQ_WS), DOWN(ANS_400) }, UP(REQ_SCORE),
	  "GET /score", "GET /score" },
};
#define N_DVEC (sizeof dvecs / sizeof dvecs[0])

/* --- feeding ----------------------------------------------------------------------- */

/* Check writes a record to its log pipe for every ck_assert, pass or
 * fail; in loops that run a million times the checks below test first
 * and call Check only to fail. */

/* What the on_message hook heard: complete messages joined " | ". */
struct heard {
	char log[1024];
	size_t conts;
};

static void on_message(void *ud, bool to_server, const char *label, bool cont)
{
	(void)to_server;
	struct heard *h = ud;
	if (label[0] == '\0')
		ck_abort_msg("an empty message label");
	if (cont) {
		size_t n = strlen(label);
		if (n < 7 || strcmp(label + n - 7, "(cont.)") != 0)
			ck_abort_msg("cont: %s", label);
		h->conts++;
		return;
	}
	if (h->log[0])
		strncat(h->log, " | ", sizeof h->log - strlen(h->log) - 1);
	strncat(h->log, label, sizeof h->log - strlen(h->log) - 1);
}

/* Every label is printable ASCII that fits. */
static void check_label(const char *what, size_t len)
{
	bool ok = strlen(what) == len && len < LADDER_WHAT_MAX;
	for (size_t i = 0; i < len; i++)
		ok = ok && what[i] >= 0x20 && what[i] < 0x7F;
	if (!ok)
		ck_abort_msg("label \"%s\" (%zu): not printable, or not its length", what, len);
}

static size_t feed(struct ladder_describer *d, bool up, const char *p, size_t n, char *what)
{
	size_t len = ladder_describe(d, up, p, n, n, what, LADDER_WHAT_MAX);
	check_label(what, len);
	return len;
}

/* A describer after the vector's setup, its hook cleared. */
static void start(struct ladder_describer *d, const struct dvec *v, struct heard *h)
{
	char what[LADDER_WHAT_MAX];
	ladder_describer_init(d, v->p);
	for (size_t i = 0; i < 3 && v->setup[i].p; i++)
		feed(d, v->setup[i].up, v->setup[i].p, v->setup[i].n, what);
	memset(h, 0, sizeof *h);
	d->on_message = on_message;
	d->ud = h;
}

START_TEST(describe_whole)
{
	const struct dvec *v = &dvecs[_i];
	struct ladder_describer *d = malloc(sizeof *d);
	struct heard h;
	char what[LADDER_WHAT_MAX];
	start(d, v, &h);
	feed(d, v->msg.up, v->msg.p, v->msg.n, what);
	ck_assert_msg(strcmp(what, v->label) == 0, "%s: label \"%s\"", v->name, what);
	ck_assert_msg(strcmp(h.log, v->msgs) == 0, "%s: messages \"%s\"", v->name, h.log);
	ck_assert_uint_eq(h.conts, 0);
	ladder_describer_free(d);
	free(d);
}
END_TEST

START_TEST(describe_bytewise)
{
	const struct dvec *v = &dvecs[_i];
	struct ladder_describer *d = malloc(sizeof *d);
	struct heard h;
	char what[LADDER_WHAT_MAX];
	start(d, v, &h);
	for (size_t k = 0; k < v->msg.n; k++)
		if (feed(d, v->msg.up, v->msg.p + k, 1, what) == 0)
			ck_abort_msg("%s: byte %zu named nothing", v->name, k);
	ck_assert_msg(strcmp(h.log, v->msgs) == 0, "%s: messages \"%s\"", v->name, h.log);
	ladder_describer_free(d);
	free(d);
}
END_TEST

/* Two segments, cut at every position: the same messages, each segment
 * named (a complete message, or what continues). */
START_TEST(describe_split)
{
	const struct dvec *v = &dvecs[_i];
	struct ladder_describer *d = malloc(sizeof *d);
	struct heard h;
	char what[LADDER_WHAT_MAX];
	for (size_t k = 1; k < v->msg.n; k++) {
		start(d, v, &h);
		if (feed(d, v->msg.up, v->msg.p, k, what) == 0 ||
		    feed(d, v->msg.up, v->msg.p + k, v->msg.n - k, what) == 0)
			ck_abort_msg("%s split at %zu: a segment named nothing", v->name, k);
		if (strcmp(h.log, v->msgs) != 0)
			ck_abort_msg("%s split at %zu: \"%s\"", v->name, k, h.log);
		ladder_describer_free(d);
	}
	free(d);
}
END_TEST

/* The first segment of a message that does not end there says so. */
START_TEST(describe_cont_labels)
{
	static const struct { struct bytes b; size_t cut; const char *first; } cases[] = {
		{ UP(REQ_SCORE), 10, "HTTP (cont.)" },
		{ UP(REQ_PUBLISH), 70, "POST /publish (cont.)" },
		{ DOWN(ANS_LP), 120, "200 (cont.)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ladder_describer *d = malloc(sizeof *d);
		char what[LADDER_WHAT_MAX];
		ladder_describer_init(d, PP_LONG_POLL);
		if (!cases[i].b.up)
			feed(d, true, REQ_LP0, sizeof REQ_LP0 - 1, what);
		feed(d, cases[i].b.up, cases[i].b.p, cases[i].cut, what);
		ck_assert_str_eq(what, cases[i].first);
		ladder_describer_free(d);
		free(d);
	}
}
END_TEST

/* --- what the capture did not keep, and what is too big -------------------------- */

/* Feeds b[0..captured) of a segment that was 'b.n' bytes on the wire. */
static void feed_snap(struct ladder_describer *d, struct bytes b, size_t captured, char *what)
{
	size_t len = ladder_describe(d, b.up, b.p, captured, b.n, what, LADDER_WHAT_MAX);
	check_label(what, len);
}

START_TEST(snap_inside_a_body)
{
	struct ladder_describer *d = malloc(sizeof *d);
	char what[LADDER_WHAT_MAX];
	struct bytes lp = DOWN(ANS_LP), score = DOWN(ANS_SCORE), ev = DOWN(WS_EV5);
	ladder_describer_init(d, PP_LONG_POLL);
	feed(d, true, REQ_LP0, sizeof REQ_LP0 - 1, what);
	feed_snap(d, lp, 200, what);            /* 229 on the wire */
	ck_assert_str_eq(what, "200 + events 1.. (cut)");
	feed(d, true, REQ_LP0, sizeof REQ_LP0 - 1, what);
	feed_snap(d, lp, 130, what);            /* cut before the first event */
	ck_assert_str_eq(what, "200 + events ? (cut)");
	feed(d, true, REQ_SCORE, sizeof REQ_SCORE - 1, what);
	feed_snap(d, score, 120, what);         /* the seq is in the first bytes */
	ck_assert_str_eq(what, "200 + event 1");
	feed(d, true, REQ_LP2, sizeof REQ_LP2 - 1, what);
	feed(d, false, ANS_204, sizeof ANS_204 - 1, what);      /* still in step */
	ck_assert_str_eq(what, "204 (nothing new)");
	ladder_describer_free(d);

	ladder_describer_init(d, PP_WEBSOCKET);
	feed(d, true, REQ_WS, sizeof REQ_WS - 1, what);
	feed(d, false, ANS_101, sizeof ANS_101 - 1, what);
	feed_snap(d, ev, 20, what);
	ck_assert_str_eq(what, "WS event 5");
	feed(d, false, WS_S_CLOSE, sizeof WS_S_CLOSE - 1, what);
	ck_assert_str_eq(what, "WS close 1000");
	ladder_describer_free(d);
	free(d);
}
END_TEST

/* A hole where lengths are not known loses the direction, until a start
 * line begins a segment again. */
START_TEST(snap_loses_then_resumes)
{
	struct ladder_describer *d = malloc(sizeof *d);
	char what[LADDER_WHAT_MAX];
	struct bytes two = UP(REQ_SCORE REQ_SCORE), sse = DOWN(SSE_3_4);
	ladder_describer_init(d, PP_RPC);
	feed_snap(d, two, 60, what);            /* the second head is cut */
	ck_assert_str_eq(what, "GET /score, ? bytes not captured");
	feed(d, true, "Host: x\r\n\r\n", 11, what);
	ck_assert_str_eq(what, "? 11 B");
	feed(d, true, REQ_SCORE, sizeof REQ_SCORE - 1, what);
	ck_assert_str_eq(what, "GET /score");
	ladder_describer_free(d);

	ladder_describer_init(d, PP_SSE);
	feed(d, true, REQ_EVENTS, sizeof REQ_EVENTS - 1, what);
	feed(d, false, ANS_SSE, sizeof ANS_SSE - 1, what);
	feed_snap(d, sse, 30, what);
	ck_assert_str_eq(what, "? bytes not captured");
	feed(d, false, SSE_EV(5), sizeof SSE_EV(5) - 1, what);
	ck_assert_str_eq(what, "? 51 B");
	ladder_describer_free(d);
	free(d);
}
END_TEST

/* Every snap length of every vector: no crash, a label each time. */
START_TEST(snap_every_length)
{
	const struct dvec *v = &dvecs[_i];
	struct ladder_describer *d = malloc(sizeof *d);
	struct heard h;
	char what[LADDER_WHAT_MAX];
	for (size_t k = 0; k <= v->msg.n; k++) {
		start(d, v, &h);
		feed_snap(d, v->msg, k, what);
		if (what[0] == '\0')
			ck_abort_msg("%s: snap length %zu named nothing", v->name, k);
		feed_snap(d, v->msg, v->msg.n, what);   /* and whatever comes next */
		ladder_describer_free(d);
	}
	free(d);
}
END_TEST

START_TEST(too_big_for_the_buffer)
{
	struct ladder_describer *d = malloc(sizeof *d);
	char what[LADDER_WHAT_MAX];
	size_t big = 3 * LADDER_BUF_MAX;
	char *buf = malloc(big + 256);
	ladder_describer_init(d, PP_RPC);
	/* a head that does not fit: lost */
	int n = snprintf(buf, 64, "GET /score HTTP/1.1\r\nHost: h\r\nX-Pad: ");
	memset(buf + n, 'a', big - (size_t)n);
	feed(d, true, buf, big, what);
	ck_assert_str_eq(what, "? head over 4 KiB");
	ladder_describer_free(d);

	/* a body that does not fit: named from its start, then in step */
	ladder_describer_init(d, PP_LONG_POLL);
	feed(d, true, REQ_LP0 REQ_LP2, 2 * (sizeof REQ_LP0 - 1), what);
	n = snprintf(buf, big, JSON_HEAD("%zu") "{\"latest\":1,\"events\":[{\"seq\":1,"
		     "\"type\":\"message\",\"data\":\"", big);
	size_t head = (size_t)(strstr(buf, "\r\n\r\n") + 4 - buf);
	memset(buf + n, 'x', head + big - (size_t)n - 3);
	memcpy(buf + head + big - 3, "\"}]", 3);
	feed(d, false, buf, head + big, what);
	ck_assert_str_eq(what, "200 + events 1.. (cut)");
	feed(d, false, ANS_204, sizeof ANS_204 - 1, what);
	ck_assert_str_eq(what, "204 (nothing new)");
	ladder_describer_free(d);

	/* a frame with a 64-bit length (§5.2), then a ping */
	free(buf);
	buf = calloc(1, 70000 + 12);
	ladder_describer_init(d, PP_WEBSOCKET);
	memcpy(buf, "\x82\x7f\0\0\0\0\0\x01\x11\x70", 10);    /* binary, 70000 bytes */
	memcpy(buf + 10 + 70000, "\x89\x00", 2);
	feed(d, false, buf, 40000, what);
	ck_assert_str_eq(what, "WS binary (cont.)");
	feed(d, false, buf + 40000, 70000 + 12 - 40000, what);
	ck_assert_str_eq(what, "WS binary 70000 B, WS ping");
	ladder_describer_free(d);
	free(buf);
	free(d);
}
END_TEST

START_TEST(hostile_frames)
{
	struct ladder_describer *d = malloc(sizeof *d);
	char what[LADDER_WHAT_MAX];
	ladder_describer_init(d, PP_WEBSOCKET);
	feed(d, true, REQ_WS, sizeof REQ_WS - 1, what);
	feed(d, false, ANS_101, sizeof ANS_101 - 1, what);
	feed(d, true, "\x81\x05Hello", 7, what);        /* a client must mask (§5.1) */
	ck_assert_str_eq(what, "? bad frame: unmasked frame from a client");
	feed(d, false, "\x83\x00", 2, what);           /* reserved opcode */
	ck_assert_str_eq(what, "? bad frame: reserved opcode");
	feed(d, false, WS_EV5, sizeof WS_EV5 - 1, what);
	ck_assert_str_eq(what, "? 71 B");                /* no way back into frames */
	ladder_describer_free(d);
	free(d);
}
END_TEST

/* --- garbage: never a crash, always a printable label --------------------------- */

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;                 /* xorshift32: the same bytes every run */
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

START_TEST(garbage_random)
{
	uint32_t seed = 0x2545F491u + (uint32_t)_i;
	char buf[600], what[LADDER_WHAT_MAX];
	struct ladder_describer *d = malloc(sizeof *d);
	for (int run = 0; run < 40; run++) {
		ladder_describer_init(d, (enum pp_paradigm)(rnd(&seed) % PP_PARADIGMS));
		for (int seg = 0; seg < 30; seg++) {
			size_t n = rnd(&seed) % sizeof buf;
			const struct dvec *v = &dvecs[rnd(&seed) % N_DVEC];
			for (size_t i = 0; i < n; i++)
				buf[i] = (char)rnd(&seed);
			if (rnd(&seed) % 2 && v->msg.n <= sizeof buf) {   /* real bytes, a few spoiled */
				n = v->msg.n;
				memcpy(buf, v->msg.p, n);
				buf[rnd(&seed) % n] = (char)rnd(&seed);
			}
			size_t cap = rnd(&seed) % 4 ? n : rnd(&seed) % (n + 1);
			size_t len = ladder_describe(d, rnd(&seed) % 2, buf, cap, n, what, sizeof what);
			check_label(what, len);
		}
		ladder_describer_free(d);
	}
	free(d);
}
END_TEST

/* Each byte of each vector replaced by a byte that matters to a parser. */
START_TEST(garbage_mutations)
{
	static const char evil[] = { 0, '\r', '\n', ':', '\xff', '0', ' ' };
	const struct dvec *v = &dvecs[_i];
	struct ladder_describer *d = malloc(sizeof *d);
	char *buf = malloc(v->msg.n), what[LADDER_WHAT_MAX];
	struct heard h;
	for (size_t k = 0; k < v->msg.n; k++)
		for (size_t e = 0; e < sizeof evil; e++) {
			memcpy(buf, v->msg.p, v->msg.n);
			buf[k] = evil[e];
			start(d, v, &h);
			feed(d, v->msg.up, buf, v->msg.n, what);
			feed(d, v->msg.up, buf, v->msg.n / 2, what);
			ladder_describer_free(d);
		}
	free(buf);
	free(d);
}
END_TEST

START_TEST(labels_fit_any_buffer)
{
	struct ladder_describer *d = malloc(sizeof *d);
	char what[LADDER_WHAT_MAX];
	static const char five[] = SSE_EV(5) SSE_EV(6) SSE_EV(7) SSE_EV(8) SSE_EV(9);
	for (size_t cap = 1; cap <= 20; cap++) {
		ladder_describer_init(d, PP_RPC);
		feed(d, true, REQ_SCORE REQ_PUBLISH, sizeof REQ_SCORE REQ_PUBLISH - 1, what);
		memset(what, '#', sizeof what);
		size_t len = ladder_describe(d, false, ANS_SCORE ANS_PUBLISH,
					     sizeof ANS_SCORE ANS_PUBLISH - 1,
					     sizeof ANS_SCORE ANS_PUBLISH - 1, what, cap);
		ck_assert_uint_eq(len, strlen(what));
		ck_assert_uint_lt(len, cap);
		ck_assert_int_eq(what[cap], '#');       /* nothing written past 'cap' */
		if (cap > 4)
			ck_assert_str_eq(what + len - 3, "...");
		ladder_describer_free(d);
	}
	ladder_describer_init(d, PP_SSE);
	feed(d, false, ANS_SSE, sizeof ANS_SSE - 1, what);
	feed(d, false, five, sizeof five - 1, what);
	ck_assert_str_eq(what, "SSE id 5-9 (5)");
	ck_assert_uint_eq(ladder_describe(d, false, "", 0, 0, what, sizeof what), 0);
	ck_assert_str_eq(what, "");
	ladder_describer_free(d);
	free(d);
}
END_TEST

/* --- recorded traces ---------------------------------------------------------------- */

/* One packet of a trace: its payload as captured. */
struct pkt {
	uint64_t t_us;
	bool up;
	uint8_t flags;
	uint32_t conn;
	bool retransmit;
	const char *p;
	size_t n;
};

enum { S = LADDER_SYN, F = LADDER_FIN, P = LADDER_PSH, A = LADDER_ACK };

#define PKT(t, up, fl, conn, lit) { t, up, fl, conn, false, lit, sizeof lit - 1 }
#define RETX(t, up, fl, conn, lit) { t, up, fl, conn, true, lit, sizeof lit - 1 }
#define CTL(t, up, fl, conn) { t, up, fl, conn, false, NULL, 0 }

#define REQ_SCORE_CLOSE "GET /score HTTP/1.1\r\nHost: 127.0.0.1:18611\r\nConnection: close\r\n\r\n"
#define ANS_SCORE_CLOSE "HTTP/1.1 200 OK\r\nDate: Sat, 05 Dec 2026 08:25:24 GMT\r\n" \
			"Content-Type: application/json\r\nContent-Length: 42\r\nConnection: close\r\n\r\n" \
			"{\"seq\":1,\"type\":\"message\",\"data\":\"ball 1\"}"

/* rpc on a new connection: handshake, request, answer, the server closes. */
static const struct pkt trace_rpc[] = {
	CTL(0, true, S, 0), CTL(45, false, S | A, 0), CTL(61, true, A, 0),
	PKT(88, true, P | A, 0, REQ_SCORE_CLOSE), CTL(130, false, A, 0),
	PKT(402, false, F | P | A, 0, ANS_SCORE_CLOSE),
	CTL(431, true, F | A, 0), CTL(450, false, A, 0),
};

/* long polling on a kept-alive connection; a publish on a second one
 * releases the held request; the answer is sent twice. */
static const struct pkt trace_long_poll[] = {
	CTL(0, true, S, 0), CTL(40, false, S | A, 0), CTL(55, true, A, 0),
	PKT(80, true, P | A, 0, REQ_LP0),
	{ 300, false, A, 0, false, ANS_LP, 150 },
	{ 301, false, P | A, 0, false, &ANS_LP[150], sizeof ANS_LP - 1 - 150 },
	CTL(320, true, A, 0),
	PKT(350, true, P | A, 0, REQ_LP2), CTL(390, false, A, 0),
	CTL(1000000, true, S, 1), CTL(1000041, false, S | A, 1), CTL(1000060, true, A, 1),
	PKT(1000075, true, P | A, 1, REQ_PUBLISH),
	PKT(1000380, false, P | A, 0, ANS_LP1),
	PKT(1000420, false, P | A, 1, ANS_PUBLISH),
	RETX(1000650, false, P | A, 0, ANS_LP1),
	CTL(1000700, true, A, 0),
};

/* SSE seen through system calls: no flags, each recv() as it returned. */
static const struct pkt trace_sse[] = {
	PKT(0, true, 0, 0, REQ_EVENTS),
	PKT(210, false, 0, 0, ANS_SSE),
	PKT(1500000, false, 0, 0, SSE_3_4),
	PKT(15001000, false, 0, 0, SSE_BEAT),
	{ 16000000, false, 0, 0, false, SSE_EV(5), 20 },
	{ 16000040, false, 0, 0, false, &SSE_EV(5)[20], sizeof SSE_EV(5) - 1 - 20 },
};

static const struct pkt trace_ws[] = {
	CTL(0, true, S, 0), CTL(38, false, S | A, 0), CTL(52, true, A, 0),
	PKT(70, true, P | A, 0, REQ_WS), PKT(260, false, P | A, 0, ANS_101),
	PKT(300000, true, P | A, 0, WS_C_HELLO), PKT(300190, false, P | A, 0, WS_EV5),
	CTL(300230, true, A, 0),
	PKT(700000, true, P | A, 0, WS_C_CLOSE), PKT(700120, false, F | P | A, 0, WS_S_CLOSE),
	CTL(700150, true, F | A, 0), CTL(700170, false, A, 0),
};

#define CONNS_MAX 4

/* The arrows of a trace, each described by its connection's describer. */
static struct ladder_arrow *arrows_of(const struct pkt *t, size_t n, enum pp_paradigm p)
{
	struct ladder_arrow *a = calloc(n, sizeof *a);
	struct ladder_describer *d = malloc(CONNS_MAX * sizeof *d);
	for (size_t c = 0; c < CONNS_MAX; c++)
		ladder_describer_init(&d[c], p);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_lt(t[i].conn, CONNS_MAX);
		a[i] = (struct ladder_arrow){ .t_us = t[i].t_us, .to_server = t[i].up,
					      .tcp_flags = t[i].flags, .bytes = (uint32_t)t[i].n,
					      .conn = t[i].conn, .retransmit = t[i].retransmit };
		ladder_arrow_describe(&d[t[i].conn], &a[i], t[i].p, t[i].n);
	}
	for (size_t c = 0; c < CONNS_MAX; c++)
		ladder_describer_free(&d[c]);
	free(d);
	return a;
}

static const struct {
	const char *file;               /* tests/golden/<file>.txt and .svg */
	const char *title, *source;
	enum pp_paradigm p;
	const struct pkt *trace;
	size_t n, total;
	size_t conns, retransmits;
} traces[] = {
	{ "ladder_rpc", "rpc", "captured packets", PP_RPC, trace_rpc,
	  sizeof trace_rpc / sizeof trace_rpc[0], 0, 1, 0 },
	{ "ladder_long_poll", "long-poll", "captured packets", PP_LONG_POLL, trace_long_poll,
	  sizeof trace_long_poll / sizeof trace_long_poll[0], 48, 2, 1 },
	{ "ladder_sse", "sse", "send()/recv() calls (no capture privilege: packets not seen)",
	  PP_SSE, trace_sse, sizeof trace_sse / sizeof trace_sse[0], 0, 1, 0 },
	{ "ladder_websocket", "websocket", "captured packets", PP_WEBSOCKET, trace_ws,
	  sizeof trace_ws / sizeof trace_ws[0], 0, 1, 0 },
};
#define N_TRACES (sizeof traces / sizeof traces[0])

/* --- golden files ----------------------------------------------------------------------- */

static bool golden_update(void)
{
	const char *v = getenv("GOLDEN_UPDATE");
	return v && strcmp(v, "1") == 0;
}

/* Compares 'got' with tests/golden/<name>; with GOLDEN_UPDATE=1, writes it. */
static void golden(const char *name, const char *got, size_t n)
{
	char path[256];
	snprintf(path, sizeof path, "tests/golden/%s", name);
	if (golden_update()) {
		FILE *f = fopen(path, "wb");
		ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
		fwrite(got, 1, n, f);
		ck_assert_int_eq(fclose(f), 0);
		return;
	}
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s (tests run from the repository root; "
		      "GOLDEN_UPDATE=1 writes it)", path, strerror(errno));
	size_t len;
	char *want = util_read_all(f, &len);
	fclose(f);
	ck_assert_ptr_nonnull(want);
	size_t i = 0, line = 1;
	while (i < n && i < len && got[i] == want[i])
		line += got[i++] == '\n';
	ck_assert_msg(i == n && i == len, "%s differs at line %zu (byte %zu); "
		      "GOLDEN_UPDATE=1 rewrites it", path, line, i);
	free(want);
}


static struct ladder ladder_of(size_t k, struct ladder_arrow *a)
{
	return (struct ladder){ .title = traces[k].title, .source = traces[k].source,
				.arrows = a, .n = traces[k].n, .total = traces[k].total };
}

/* Lines that draw an arrow: they end at the server's lifeline. */
static size_t arrow_lines(const char *s)
{
	size_t k = 0;
	for (const char *p = strstr(s, "|\n"); p; p = strstr(p + 2, "|\n"))
		k += p[-1] == '>' || p[-1] == '-';
	return k;
}

/* A divider before the first arrow and at each change of connection,
 * when there is more than one. */
static size_t dividers(const struct ladder *l)
{
	size_t k = 0;
	for (size_t i = 1; i < l->n; i++)
		k += l->arrows[i].conn != l->arrows[i - 1].conn;
	return k ? k + 1 : 0;
}

START_TEST(text_golden)
{
	struct ladder_arrow *a = arrows_of(traces[_i].trace, traces[_i].n, traces[_i].p);
	struct ladder l = ladder_of(_i, a);
	struct mem m;
	char name[64];
	mem_open(&m);
	ladder_write_text(m.f, &l);
	mem_close(&m);
	snprintf(name, sizeof name, "%s.txt", traces[_i].file);
	golden(name, m.p, m.n);
	/* What the golden file holds must also be right, not only the same. */
	ck_assert_uint_eq(arrow_lines(m.p), traces[_i].n);
	ck_assert_uint_eq(strstr(m.p, "connection 2") != NULL, traces[_i].conns > 1);
	size_t k = 0;
	for (char *p = strstr(m.p, " connection "); p; p = strstr(p + 1, " connection "))
		k++;
	ck_assert_uint_eq(k, dividers(&l));
	ck_assert_uint_eq(strstr(m.p, "RETX") != NULL, traces[_i].retransmits > 0);
	for (char *line = m.p, *end; *line; line = end + 1) {
		end = strchr(line, '\n');
		ck_assert_ptr_nonnull(end);
		ck_assert_msg(end - line <= LADDER_TEXT_WIDTH, "line of %d columns",
			      (int)(end - line));
	}
	free(m.p);
	free(a);
}
END_TEST

START_TEST(svg_golden)
{
	struct ladder_arrow *a = arrows_of(traces[_i].trace, traces[_i].n, traces[_i].p);
	struct ladder l = ladder_of(_i, a);
	struct mem m;
	char name[64], why[128];
	mem_open(&m);
	ladder_write_svg(m.f, &l);
	mem_close(&m);
	snprintf(name, sizeof name, "%s.svg", traces[_i].file);
	golden(name, m.p, m.n);
	ck_assert_msg(xmlcheck_svg(m.p, m.n, why, sizeof why), "%s: %s", name, why);
	ck_assert_uint_eq(xmlcheck_count(m.p, m.n, "line", "arrow"), traces[_i].n);
	ck_assert_uint_eq(xmlcheck_count(m.p, m.n, "line", "retransmit"), traces[_i].retransmits);
	ck_assert_uint_eq(xmlcheck_count(m.p, m.n, "line", "life"), 2);
	ck_assert_uint_eq(xmlcheck_count(m.p, m.n, "line", "conn"), dividers(&l));
	ck_assert_uint_eq(xmlcheck_count(m.p, m.n, "text", "label"), traces[_i].n);
	ck_assert_uint_eq(xmlcheck_count(m.p, m.n, "marker", NULL), 2);
	free(m.p);
	free(a);
}
END_TEST

/* The labels the traces must carry: the describer seen through them. */
START_TEST(trace_labels)
{
	struct ladder_arrow *a = arrows_of(trace_rpc, traces[0].n, PP_RPC);
	ck_assert_str_eq(a[0].what, "");
	ck_assert_str_eq(a[3].what, "GET /score");
	ck_assert_str_eq(a[5].what, "200 + event 1");
	free(a);
	a = arrows_of(trace_long_poll, traces[1].n, PP_LONG_POLL);
	ck_assert_str_eq(a[4].what, "200 (cont.)");
	ck_assert_str_eq(a[5].what, "200 + events 1-2");
	ck_assert_str_eq(a[12].what, "POST /publish");
	ck_assert_str_eq(a[13].what, "200 + event 3");
	ck_assert_str_eq(a[14].what, "200 published 2");
	ck_assert_str_eq(a[15].what, "");               /* a retransmission */
	free(a);
	a = arrows_of(trace_sse, traces[2].n, PP_SSE);
	ck_assert_str_eq(a[2].what, "SSE id 3, 4");
	ck_assert_str_eq(a[3].what, "SSE heartbeat");
	ck_assert_str_eq(a[4].what, "SSE (cont.)");
	ck_assert_str_eq(a[5].what, "SSE id 5");
	free(a);
}
END_TEST

/* --- odd diagrams ----------------------------------------------------------------------- */

START_TEST(text_long_label)
{
	struct ladder_arrow a = { .t_us = 123456789012ull, .to_server = false, .tcp_flags = 0xFF,
				  .bytes = 4294967295u, .retransmit = true };
	memset(a.what, 'w', sizeof a.what - 1);
	struct ladder l = { .title = "t", .source = "s", .arrows = &a, .n = 1 };
	struct mem m;
	mem_open(&m);
	ladder_write_text(m.f, &l);
	mem_close(&m);
	char *line = strchr(m.p, '\n') + 1;
	line = strchr(line, '\n') + 1;          /* the arrow, after two heading lines */
	size_t len = strcspn(line, "\n");
	ck_assert_uint_le(len, LADDER_TEXT_WIDTH);
	ck_assert_msg(strstr(line, "RETX SYN FIN RST PSH ACK URG ECE CWR 4294967295 B") != NULL,
		      "%s", line);
	ck_assert_msg(strstr(line, "...") != NULL, "%s", line);
	free(m.p);
}
END_TEST

START_TEST(svg_hostile_text)
{
	struct ladder_arrow a[2] = { { .to_server = true, .bytes = 3, .what = "<b>\"&'\x01\xff" },
				     { .conn = 7, .what = "]]>" } };
	struct ladder l = { .title = "a & <b>", .source = "\"quoted\"", .arrows = a, .n = 2 };
	struct mem m;
	char why[128];
	mem_open(&m);
	ladder_write_svg(m.f, &l);
	mem_close(&m);
	ck_assert_msg(xmlcheck_svg(m.p, m.n, why, sizeof why), "%s", why);
	ck_assert_ptr_nonnull(strstr(m.p, "connection 8"));
	free(m.p);

	struct ladder empty = { .title = NULL, .source = NULL, .arrows = NULL, .n = 0 };
	mem_open(&m);
	ladder_write_svg(m.f, &empty);
	ladder_write_text(m.f, &empty);
	mem_close(&m);
	ck_assert_msg(xmlcheck_svg(m.p, (size_t)(strstr(m.p, "</svg>\n") + 7 - m.p), why,
				   sizeof why), "%s", why);
	free(m.p);
}
END_TEST

/* --- the cost chart ------------------------------------------------------------------------ */

START_TEST(chart_golden)
{
	const char *rows[PP_PARADIGMS];
	for (int p = 0; p < PP_PARADIGMS; p++)
		rows[p] = pp_paradigm_name((enum pp_paradigm)p);
	static const char *const metrics[] = { "packets per event", "bytes per event",
					       "syscalls per event" };
	static const uint64_t values[] = {     /* rows: paradigms; columns: metrics */
		800, 310, 6, 1250, 480, 9, 400, 229, 4, 100, 38, 1, 100, 44, 1,
	};
	static const uint8_t decimals[] = { 2, 0, 0 };
	struct ladder_chart c = { .title = "what one event costs", .rows = rows,
				  .nrows = PP_PARADIGMS, .metrics = metrics, .nmetrics = 3,
				  .values = values, .decimals = decimals };
	struct mem m;
	char why[128];
	mem_open(&m);
	ladder_chart_write_svg(m.f, &c);
	mem_close(&m);
	golden("costs.svg", m.p, m.n);
	ck_assert_msg(xmlcheck_svg(m.p, m.n, why, sizeof why), "%s", why);
	ck_assert_uint_eq(xmlcheck_count(m.p, m.n, "rect", "bar"), 3 * PP_PARADIGMS);
	ck_assert_uint_eq(xmlcheck_count(m.p, m.n, "g", "panel"), 3);
	ck_assert_ptr_nonnull(strstr(m.p, ">12.50</text>"));    /* fixed point */
	ck_assert_ptr_nonnull(strstr(m.p, "width=\"480\""));    /* the largest fills the panel */
	free(m.p);
}
END_TEST

START_TEST(chart_edges)
{
	static const char *const rows[] = { "zero", "tiny", "huge" };
	static const char *const metrics[] = { "m" };
	static const uint64_t values[] = { 0, 1, UINT64_MAX };
	struct ladder_chart c = { .title = "<edges>", .rows = rows, .nrows = 3,
				  .metrics = metrics, .nmetrics = 1, .values = values };
	struct mem m;
	char why[128];
	mem_open(&m);
	ladder_chart_write_svg(m.f, &c);
	mem_close(&m);
	ck_assert_msg(xmlcheck_svg(m.p, m.n, why, sizeof why), "%s", why);
	ck_assert_ptr_nonnull(strstr(m.p, "width=\"0\""));      /* zero is no bar */
	ck_assert_ptr_nonnull(strstr(m.p, "width=\"1\""));      /* tiny still shows */
	ck_assert_ptr_nonnull(strstr(m.p, ">18446744073709551615</text>"));
	free(m.p);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paradigms_ladder");
	TCase *tc = tcase_create("describe");
	tcase_add_loop_test(tc, describe_whole, 0, N_DVEC);
	tcase_add_loop_test(tc, describe_bytewise, 0, N_DVEC);
	tcase_add_loop_test(tc, describe_split, 0, N_DVEC);
	tcase_add_test(tc, describe_cont_labels);
	tcase_add_test(tc, labels_fit_any_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("truncated");
	tcase_add_test(tc, snap_inside_a_body);
	tcase_add_test(tc, snap_loses_then_resumes);
	tcase_add_loop_test(tc, snap_every_length, 0, N_DVEC);
	tcase_add_test(tc, too_big_for_the_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("garbage");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hostile_frames);
	tcase_add_loop_test(tc, garbage_random, 0, 8);
	tcase_add_loop_test(tc, garbage_mutations, 0, N_DVEC);
	suite_add_tcase(s, tc);

	tc = tcase_create("pictures");
	tcase_add_loop_test(tc, text_golden, 0, N_TRACES);
	tcase_add_loop_test(tc, svg_golden, 0, N_TRACES);
	tcase_add_test(tc, trace_labels);
	tcase_add_test(tc, text_long_label);
	tcase_add_test(tc, svg_hostile_text);
	tcase_add_test(tc, chart_golden);
	tcase_add_test(tc, chart_edges);
	suite_add_tcase(s, tc);
	return s;
}
