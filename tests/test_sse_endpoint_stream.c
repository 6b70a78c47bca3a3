/* test_sse_endpoint_stream.c -- GET /events over 127.0.0.1: the answer's
 * head (HTTP/1.1 chunked, HEAD, HTTP/1.0 raw), live events byte for byte,
 * the retry line, heartbeats.
 *
 * The contract tested is the header comment of src/paradigms/server_sse.c;
 * the wire format is the WHATWG HTML Standard §9.2.5 (event streams) on
 * RFC 9112 §7.1 (chunked) or §6.3 rule 8 (a body delimited by the close).
 * Helpers: support/sse_endpoint.h.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "support/looptest.h"
#include "support/sse_endpoint.h"

#define EVENTS_11 "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

/* --- the head ------------------------------------------------------------ */

START_TEST(test_head_fields)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	struct peer p;
	peer_open(&p, &s, EVENTS_11);
	peer_wait_head(&p);
	char v[256];
	ck_assert_int_eq(p.status, 200);
	ck_assert_msg(strncmp(p.raw.p, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", p.raw.p);
	ck_assert_str_eq(peer_field(&p, "Content-Type", v, sizeof v), "text/event-stream");
	ck_assert_str_eq(peer_field(&p, "Cache-Control", v, sizeof v), "no-cache");
	ck_assert_str_eq(peer_field(&p, "Transfer-Encoding", v, sizeof v), "chunked");
	ck_assert_ptr_null(peer_field(&p, "Content-Length", v, sizeof v));
	ck_assert_ptr_null(peer_field(&p, "Connection", v, sizeof v));     /* keep-alive is 1.1's default */
	ck_assert_int_eq(p.framing, HTTP_FRAMING_CHUNKED);
	/* The retry line is the first chunk, and the stream stays open. */
	srv_wait_subscribers(&s, 1);
	looptest_run_for(s.loop, 100);
	ck_assert(!p.eof);
	ck_assert_str_eq(tbuf_str(&p.data), "retry: 2000\n");
	ck_assert_str_eq(p.raw.p + p.head_len, "c\r\nretry: 2000\n\r\n");  /* RFC 9112 §7.1 */
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

/* HEAD gets the GET head and nothing else (RFC 9110 §9.3.2), and no
 * subscription: the connection then idles as a keep-alive one. */
START_TEST(test_head_request)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	struct peer p;
	peer_open(&p, &s, "HEAD /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	peer_wait_head(&p);
	char v[256];
	ck_assert_int_eq(p.status, 200);
	ck_assert_str_eq(peer_field(&p, "Content-Type", v, sizeof v), "text/event-stream");
	ck_assert_str_eq(peer_field(&p, "Cache-Control", v, sizeof v), "no-cache");
	ck_assert_ptr_null(peer_field(&p, "Content-Length", v, sizeof v));
	srv_publish_str(&s, "not for HEAD");
	looptest_run_for(s.loop, 100);
	ck_assert_uint_eq(p.raw.len, p.head_len);       /* not one byte of body */
	ck_assert(p.body_done);
	ck_assert(!p.eof);
	ck_assert_uint_eq(feed_subscribers(s.hub.feed), 0);
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

/* HTTP/1.0 has no chunked coding (RFC 9112 §6.1): the body is the raw
 * event stream, ended by the close (§6.3 rule 8), which comes when the
 * server shuts down. */
START_TEST(test_http10_raw_stream)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	struct peer p;
	peer_open(&p, &s, "GET /events HTTP/1.0\r\n\r\n");
	peer_wait_head(&p);
	char v[256];
	ck_assert_int_eq(p.status, 200);
	ck_assert_str_eq(peer_field(&p, "Content-Type", v, sizeof v), "text/event-stream");
	ck_assert_str_eq(peer_field(&p, "Cache-Control", v, sizeof v), "no-cache");
	ck_assert_ptr_null(peer_field(&p, "Transfer-Encoding", v, sizeof v));
	ck_assert_ptr_null(peer_field(&p, "Content-Length", v, sizeof v));
	ck_assert_str_eq(peer_field(&p, "Connection", v, sizeof v), "close");
	ck_assert_int_eq(p.framing, HTTP_FRAMING_CLOSE);
	srv_wait_subscribers(&s, 1);
	srv_publish_str(&s, "one");
	srv_publish(&s, "score", "2\n3", 3);
	peer_wait_events(&p, 2);
	static const char want[] = "retry: 2000\n"
				   "id: " SSE_TEST_EP "-1\nevent: message\ndata: one\n\n"
				   "id: " SSE_TEST_EP "-2\nevent: score\ndata: 2\ndata: 3\n\n";
	ck_assert_str_eq(p.raw.p + p.head_len, want);   /* no framing at all */
	srv_close(&s);
	peer_wait_eof(&p);
	ck_assert_int_eq(p.err, 0);                     /* a FIN: the body's end */
	ck_assert(p.body_done);
	ck_assert_str_eq(tbuf_str(&p.data), want);
	ck_assert_uint_eq(feed_subscribers(s.hub.feed), 0);
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

/* An HTTP/1.1 stream when the server goes away: the connection closes and
 * the subscription with it. */
START_TEST(test_http11_server_gone)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	struct peer p;
	peer_open(&p, &s, EVENTS_11);
	srv_wait_subscribers(&s, 1);
	srv_close(&s);
	peer_wait_eof(&p);
	ck_assert(!p.body_done);                        /* no last chunk: a broken stream */
	ck_assert_uint_eq(feed_subscribers(s.hub.feed), 0);
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

/* A request pipelined before the stream is answered first (RFC 9112
 * §9.3.2); the stream follows on the same connection. */
START_TEST(test_pipelined_before_stream)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	srv_publish_str(&s, "state");
	struct peer p;
	peer_open(&p, &s, "GET /score HTTP/1.1\r\nHost: a\r\n\r\n" EVENTS_11);
	const char *stream_head = NULL;
	for (int i = 0; i < 100 && !stream_head; i++) {
		looptest_run_for(s.loop, 20);
		stream_head = p.raw.p ? strstr(p.raw.p, "text/event-stream") : NULL;
	}
	ck_assert_ptr_nonnull(stream_head);
	ck_assert_msg(strncmp(p.raw.p, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", p.raw.p);
	ck_assert_ptr_nonnull(strstr(p.raw.p, "{\"seq\":1,\"id\":\"" SSE_TEST_EP "-1\",\"type\":\"message\",\"data\":\"state\"}"
					    "HTTP/1.1 200 OK\r\n"));
	srv_wait_subscribers(&s, 1);
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

START_TEST(test_wrong_method)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	struct peer p;
	peer_open(&p, &s, "POST /events HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
	peer_wait_head(&p);
	char v[256];
	ck_assert_int_eq(p.status, 405);
	/* RFC 9110 §15.5.6: Allow lists what the resource does support. */
	ck_assert_ptr_nonnull(peer_field(&p, "Allow", v, sizeof v));
	ck_assert_msg(http_token_list_has(v, strlen(v), "GET") &&
		      http_token_list_has(v, strlen(v), "HEAD") &&
		      !http_token_list_has(v, strlen(v), "POST"), "Allow: %s", v);
	ck_assert_uint_eq(feed_subscribers(s.hub.feed), 0);
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

/* A resuming request that arrives in two pieces, cut at byte '_i': the
 * answer does not depend on where the cut falls. */
static const char split_request[] =
	"GET /events?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: 2\r\n\r\n";

START_TEST(test_request_split)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	srv_publish_str(&s, "one");
	srv_publish_str(&s, "two");
	srv_publish_str(&s, "three");
	struct peer p;
	char first[sizeof split_request];
	snprintf(first, sizeof first, "%.*s", _i, split_request);
	peer_open(&p, &s, first);
	for (int i = 0; i < 3; i++)
		net_loop_run_once(s.loop, 0);           /* the server reads the first piece */
	ck_assert(!p.head_done);
	size_t rest = sizeof split_request - 1 - (size_t)_i;
	ck_assert_int_eq(send(p.fd, split_request + _i, rest, MSG_NOSIGNAL), (ssize_t)rest);
	peer_wait_events(&p, 1);
	srv_wait_subscribers(&s, 1);
	ck_assert_str_eq(tbuf_str(&p.data), "retry: 2000\nid: " SSE_TEST_EP "-3\nevent: message\ndata: three\n\n");
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

/* --- live events ----------------------------------------------------------- */

/* Each payload as published, the event on the wire (exactly), and the
 * data a WHATWG parser hands out (§9.2.6: lines joined with LF). */
static const struct {
	const char *name, *type, *payload, *wire, *parsed;
} live_vectors[] = {
	{ "one line", "message", "hello",
	  "id: " SSE_TEST_EP "-1\nevent: message\ndata: hello\n\n", "hello" },
	{ "LF", "message", "a\nb",
	  "id: " SSE_TEST_EP "-1\nevent: message\ndata: a\ndata: b\n\n", "a\nb" },
	{ "CR", "message", "a\rb",
	  "id: " SSE_TEST_EP "-1\nevent: message\ndata: a\ndata: b\n\n", "a\nb" },
	{ "CRLF", "message", "a\r\nb",
	  "id: " SSE_TEST_EP "-1\nevent: message\ndata: a\ndata: b\n\n", "a\nb" },
	{ "empty", "message", "",
	  "id: " SSE_TEST_EP "-1\nevent: message\ndata:\n\n", "" },
	{ "final LF", "message", "x\n",
	  "id: " SSE_TEST_EP "-1\nevent: message\ndata: x\ndata:\n\n", "x\n" },
	{ "lone LF", "message", "\n",
	  "id: " SSE_TEST_EP "-1\nevent: message\ndata:\ndata:\n\n", "\n" },
	{ "mixed breaks", "message", "1\r\n2\r3\n\n4",
	  "id: " SSE_TEST_EP "-1\nevent: message\ndata: 1\ndata: 2\ndata: 3\ndata:\ndata: 4\n\n", "1\n2\n3\n\n4" },
	{ "leading space", "message", " x",
	  "id: " SSE_TEST_EP "-1\nevent: message\ndata:  x\n\n", " x" },
	{ "colon", "message", ": not a comment",
	  "id: " SSE_TEST_EP "-1\nevent: message\ndata: : not a comment\n\n", ": not a comment" },
	{ "field-like", "message", "id: " SSE_TEST_EP "-9\nretry: 1\nevent: x",
	  "id: " SSE_TEST_EP "-1\nevent: message\ndata: id: " SSE_TEST_EP "-9\ndata: retry: 1\ndata: event: x\n\n",
	  "id: " SSE_TEST_EP "-9\nretry: 1\nevent: x" },
	{ "UTF-8", "message", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\x89",
	  "id: " SSE_TEST_EP "-1\nevent: message\ndata: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\x89\n\n",
	  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\x89" },
	{ "typed", "goal", "{\"home\":1}",
	  "id: " SSE_TEST_EP "-1\nevent: goal\ndata: {\"home\":1}\n\n", "{\"home\":1}" },
};
#define N_LIVE (sizeof live_vectors / sizeof live_vectors[0])

START_TEST(test_live_vector)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	struct peer p;
	peer_open(&p, &s, EVENTS_11);
	srv_wait_subscribers(&s, 1);
	const char *payload = live_vectors[_i].payload;
	srv_publish(&s, live_vectors[_i].type, payload, strlen(payload));
	peer_wait_events(&p, 1);
	struct tbuf want = { 0 };
	tbuf_append(&want, "retry: 2000\n", 12);
	tbuf_append(&want, live_vectors[_i].wire, strlen(live_vectors[_i].wire));
	ck_assert_msg(strcmp(tbuf_str(&p.data), tbuf_str(&want)) == 0, "%s: got\n%s",
		      live_vectors[_i].name, tbuf_str(&p.data));
	tbuf_free(&want);
	digest_retry(&want, 2000);
	digest_event(&want, 1, live_vectors[_i].type, live_vectors[_i].parsed,
		     strlen(live_vectors[_i].parsed));
	ck_assert_str_eq(tbuf_str(&p.log), tbuf_str(&want));
	tbuf_free(&want);
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

/* Many events of several types and sizes: every one arrives, once, in
 * order; the retry line came once, before everything else. */
START_TEST(test_live_sequence)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	struct peer p;
	peer_open(&p, &s, EVENTS_11);
	srv_wait_subscribers(&s, 1);
	struct tbuf want = { 0 };
	digest_retry(&want, 2000);
	static const char *const types[] = { "message", "score", "goal", "a.b-c_d" };
	char payload[3000];
	for (int i = 1; i <= 200; i++) {
		size_t n = (size_t)(i * 37) % sizeof payload;
		for (size_t k = 0; k < n; k++)
			payload[k] = (char)('a' + (k * 7 + (size_t)i) % 26);
		if (n > 10)
			payload[n / 2] = '\n';
		const char *type = types[i % 4];
		uint64_t seq = srv_publish(&s, type, payload, n);
		ck_assert_uint_eq(seq, (uint64_t)i);
		digest_event(&want, seq, type, payload, n);
	}
	peer_wait_events(&p, 200);
	looptest_run_for(s.loop, 50);                   /* nothing more comes */
	ck_assert_str_eq(tbuf_str(&p.log), tbuf_str(&want));
	ck_assert_msg(strncmp(tbuf_str(&p.data), "retry: 2000\nid: " SSE_TEST_EP "-1\n", 18) == 0, "%.40s",
		      tbuf_str(&p.data));
	ck_assert_ptr_null(strstr(p.data.p + 1, "retry:"));     /* once */
	ck_assert_int_eq(p.sse_err, 0);
	ck_assert_int_eq(p.body_err, 0);
	tbuf_free(&want);
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

/* Payloads of hundreds of kilobytes, many lines each. */
START_TEST(test_live_long_payload)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	struct peer p;
	peer_open(&p, &s, EVENTS_11);
	srv_wait_subscribers(&s, 1);
	size_t n = 700 * 1024;
	char *big = malloc(n);
	ck_assert_ptr_nonnull(big);
	for (size_t k = 0; k < n; k++)
		big[k] = k % 1000 == 999 ? '\n' : (char)('0' + k % 10);
	struct tbuf want = { 0 };
	digest_retry(&want, 2000);
	for (int i = 0; i < 3; i++) {
		uint64_t seq = srv_publish(&s, "message", big, n - (size_t)i);
		digest_event(&want, seq, "message", big, n - (size_t)i);
	}
	peer_wait_events(&p, 3);
	ck_assert_str_eq(tbuf_str(&p.log), tbuf_str(&want));
	tbuf_free(&want);
	free(big);
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

/* Fan-out: every stream gets the same bytes. */
START_TEST(test_live_fanout_same_bytes)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	struct peer a, b;
	peer_open(&a, &s, EVENTS_11);
	peer_open(&b, &s, "GET /events HTTP/1.0\r\n\r\n");
	srv_wait_subscribers(&s, 2);
	for (int i = 0; i < 20; i++) {
		char msg[32];
		snprintf(msg, sizeof msg, "event %d\nline two", i);
		srv_publish_str(&s, msg);
	}
	peer_wait_events(&a, 20);
	peer_wait_events(&b, 20);
	ck_assert_str_eq(tbuf_str(&a.data), tbuf_str(&b.data));
	ck_assert_str_eq(tbuf_str(&a.log), tbuf_str(&b.log));
	peer_close(&a);
	peer_close(&b);
	srv_stop(&s);
}
END_TEST

/* --- heartbeats ------------------------------------------------------------ */

/* An idle stream gets ":" lines (WHATWG §9.2.7: a comment, ignored by the
 * client), one per interval. */
START_TEST(test_heartbeat_idle)
{
	struct pp_config cfg = { .sse_heartbeat_ms = 40 };
	struct srv s;
	srv_start(&s, 0, &cfg);
	struct peer p;
	peer_open(&p, &s, EVENTS_11);
	srv_wait_subscribers(&s, 1);
	uint64_t t0 = looptest_now_ms();
	for (int i = 0; i < 500 && sse_parser_comments(&p.sse) < 4; i++)
		looptest_run_for(s.loop, 10);
	uint64_t took = looptest_now_ms() - t0;
	ck_assert_uint_ge(sse_parser_comments(&p.sse), 4);
	ck_assert_uint_ge(took, 3 * 40 - 10);           /* not faster than the interval */
	ck_assert_msg(strncmp(tbuf_str(&p.data), "retry: 2000\n:\n:\n:\n:\n", 22) == 0,
		      "%s", tbuf_str(&p.data));
	ck_assert_uint_eq(p.events, 0);
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

struct ticker {
	struct srv *s;
	struct net_timer t;
	int left;
};

static void tick(struct net_loop *loop, struct net_timer *t, void *ud)
{
	struct ticker *k = ud;
	srv_publish_str(k->s, "tick");
	if (--k->left == 0)
		net_timer_stop(loop, t);
}

/* A stream that carries events needs no heartbeat: none is sent while
 * events come faster than the interval, and they start again after. */
START_TEST(test_heartbeat_busy)
{
	struct pp_config cfg = { .sse_heartbeat_ms = 100 };
	struct srv s;
	srv_start(&s, 0, &cfg);
	struct peer p;
	peer_open(&p, &s, EVENTS_11);
	srv_wait_subscribers(&s, 1);
	struct ticker k = { .s = &s, .left = 60 };
	net_timer_init(&k.t, tick, &k);
	net_timer_start(s.loop, &k.t, 10, 10);
	srv_publish_str(&s, "tick");
	peer_wait_events(&p, 61);
	ck_assert_uint_eq(sse_parser_comments(&p.sse), 0);
	for (int i = 0; i < 500 && sse_parser_comments(&p.sse) == 0; i++)
		looptest_run_for(s.loop, 10);
	ck_assert_uint_ge(sse_parser_comments(&p.sse), 1);
	net_timer_stop(s.loop, &k.t);
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("sse_endpoint_stream");
	TCase *tc = tcase_create("head");
	tcase_add_test(tc, test_head_fields);
	tcase_add_test(tc, test_head_request);
	tcase_add_test(tc, test_http10_raw_stream);
	tcase_add_test(tc, test_http11_server_gone);
	tcase_add_test(tc, test_pipelined_before_stream);
	tcase_add_test(tc, test_wrong_method);
	suite_add_tcase(s, tc);

	tc = tcase_create("request split");
	tcase_add_loop_test(tc, test_request_split, 1, (int)sizeof split_request - 1);
	suite_add_tcase(s, tc);

	tc = tcase_create("live");
	tcase_add_loop_test(tc, test_live_vector, 0, (int)N_LIVE);
	tcase_add_test(tc, test_live_sequence);
	tcase_add_test(tc, test_live_long_payload);
	tcase_add_test(tc, test_live_fanout_same_bytes);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("heartbeat");
	tcase_add_test(tc, test_heartbeat_idle);
	tcase_add_test(tc, test_heartbeat_busy);
	suite_add_tcase(s, tc);
	return s;
}
