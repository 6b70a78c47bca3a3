/* test_paradigms_http.c -- the plain-HTTP endpoints (server_rpc.c, server_long_poll.c) on the
 * real server: GET /score (request-response), POST /publish, and long
 * polling with GET /score?since=N&timeout=MS -- answered at once when
 * there is news, held and released by a publish otherwise, 204 on the
 * timeout, nothing lost between two polls, and a held request whose
 * client leaves cleaned up (its feed subscription and timer gone). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paradigms/hub.h"
#include "support/http_server_fixture.h"
#include "support/looptest.h"

static struct pp_hub hub;

/* Every feed here is in this epoch, so that the answers can be spelled
 * out byte for byte. */
#define EPOCH 0xabc
#define EP "000000000abc"

static void hub_start(void)
{
	fixture_start(NULL);
	memset(&hub, 0, sizeof hub);
	hub.loop = F.loop;
	hub.feed = feed_new(0, 0);
	ck_assert_ptr_nonnull(hub.feed);
	feed_set_epoch(hub.feed, EPOCH);
	pp_config_defaults(&hub.cfg);
	ck_assert_int_eq(pp_hub_routes(F.srv, &hub), 0);
}

static void hub_stop(void)
{
	fixture_stop();                 /* aborts held polls: they unsubscribe */
	ck_assert_uint_eq(feed_subscribers(hub.feed), 0);
	feed_free(hub.feed);
	pp_hub_cleanup(&hub);
}

/* A 200 application/json answer with 'json'. */
#define expect_json(w, json) expect_json_at((w), (json), __LINE__)
static void expect_json_at(struct wire *w, const char *json, int line)
{
	char want[4096];
	int n = snprintf(want, sizeof want, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\n\r\n%s", strlen(json), json);
	wire_expect_n(w, want, (size_t)n, line);
}

#define expect_400(w, why) expect_400_at((w), (why), __LINE__)
static void expect_400_at(struct wire *w, const char *why, int line)
{
	char want[512];
	int n = snprintf(want, sizeof want, "HTTP/1.1 400 Bad Request\r\n"
			 "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n\r\n%s",
			 strlen(why), why);
	wire_expect_n(w, want, (size_t)n, line);
}

static const char NO_CONTENT_204[] = "HTTP/1.1 204 No Content\r\n\r\n";

/* Publishes 'data' as type 'type' through POST /publish on 'w'. */
static void publish(struct wire *w, const char *type, const char *data, uint64_t want_seq)
{
	char req[512], json[96];
	snprintf(req, sizeof req, "POST /publish%s%s HTTP/1.1\r\nHost: localhost\r\n"
		 "Content-Length: %zu\r\n\r\n%s", type ? "?type=" : "", type ? type : "",
		 strlen(data), data);
	wire_sends(w, req);
	snprintf(json, sizeof json, "{\"seq\":%llu,\"id\":\"" EP "-%llu\"}",
		 (unsigned long long)want_seq, (unsigned long long)want_seq);
	expect_json(w, json);
}

static bool subscribers_are(void *arg)
{
	return feed_subscribers(hub.feed) == *(size_t *)arg;
}

static bool wait_subscribers(size_t n)
{
	return net_loop_run_until(F.loop, subscribers_are, &n, WIRE_WAIT_MS);
}

/* --- GET /score and POST /publish ---------------------------------------- */

START_TEST(test_score_and_publish)
{
	hub_start();
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /score HTTP/1.1\r\nHost: localhost\r\n\r\n");
	expect_json(&w, "{\"seq\":0,\"id\":\"" EP "-0\"}");                 /* before the first event */
	publish(&w, NULL, "1-0", 1);
	wire_sends(&w, "GET /score HTTP/1.1\r\nHost: localhost\r\n\r\n");
	expect_json(&w, "{\"seq\":1,\"id\":\"" EP "-1\",\"type\":\"message\",\"data\":\"1-0\"}");
	publish(&w, "goal", "2-0 \"header\" \xc3\xa9", 2);   /* quotes escaped, UTF-8 kept */
	wire_sends(&w, "GET /score HTTP/1.1\r\nHost: localhost\r\n\r\n");
	expect_json(&w, "{\"seq\":2,\"id\":\"" EP "-2\",\"type\":\"goal\",\"data\":\"2-0 \\\"header\\\" \xc3\xa9\"}");
	/* HEAD: the head alone. */
	wire_sends(&w, "HEAD /score HTTP/1.1\r\nHost: localhost\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"Content-Length: 72\r\n\r\n");
	/* Short polling is the same request, again: only the latest state. */
	publish(&w, NULL, "a", 3);
	publish(&w, NULL, "b", 4);
	wire_sends(&w, "GET /score HTTP/1.1\r\nHost: localhost\r\n\r\n");
	expect_json(&w, "{\"seq\":4,\"id\":\"" EP "-4\",\"type\":\"message\",\"data\":\"b\"}");
	wire_close(&w);
	hub_stop();
}
END_TEST

struct bad_publish {
	const char *name, *request, *why;
};

static const struct bad_publish bad_publishes[] = {
	{ "not UTF-8", "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n\xff" "a",
	  "the event must be UTF-8 text\n" },
	{ "overlong UTF-8", "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n\xc0\xaf",
	  "the event must be UTF-8 text\n" },
	{ "type with a space", "POST /publish?type=a%20b HTTP/1.1\r\nHost: localhost\r\n"
	  "Content-Length: 1\r\n\r\nx", "type must be a token of at most 32 characters\n" },
	{ "empty type", "POST /publish?type= HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n\r\nx",
	  "type must be a token of at most 32 characters\n" },
	{ "type too long", "POST /publish?type=abcdefghijabcdefghijabcdefghijabc HTTP/1.1\r\n"
	  "Host: localhost\r\nContent-Length: 1\r\n\r\nx",
	  "type must be a token of at most 32 characters\n" },
	{ "type reset, the SSE stream's own", "POST /publish?type=reset HTTP/1.1\r\nHost: localhost\r\n"
	  "Content-Length: 1\r\n\r\nx", "type reset is the server's own (SSE: events were missed)\n" },
	{ "escaped comma in type", "POST /publish?type=a%2Cb HTTP/1.1\r\nHost: localhost\r\n"
	  "Content-Length: 1\r\n\r\nx", "type must be a token of at most 32 characters\n" },
	{ "since not a number", "GET /score?since=abc HTTP/1.1\r\nHost: localhost\r\n\r\n",
	  "since must be an event id (or a decimal event number)\n" },
	{ "since negative", "GET /score?since=-1 HTTP/1.1\r\nHost: localhost\r\n\r\n",
	  "since must be an event id (or a decimal event number)\n" },
	{ "since too large", "GET /score?since=99999999999999999999999 HTTP/1.1\r\nHost: localhost\r\n\r\n",
	  "since must be an event id (or a decimal event number)\n" },
	{ "timeout zero", "GET /score?since=0&timeout=0 HTTP/1.1\r\nHost: localhost\r\n\r\n",
	  "timeout must be 1..120000 milliseconds\n" },
	{ "timeout too long", "GET /score?since=0&timeout=120001 HTTP/1.1\r\nHost: localhost\r\n\r\n",
	  "timeout must be 1..120000 milliseconds\n" },
	{ "timeout not a number", "GET /score?since=0&timeout=soon HTTP/1.1\r\nHost: localhost\r\n\r\n",
	  "timeout must be 1..120000 milliseconds\n" },
};

START_TEST(test_bad_requests)
{
	const struct bad_publish *v = &bad_publishes[_i];
	hub_start();
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, v->request);
	expect_400(&w, v->why);
	ck_assert_uint_eq(feed_latest(hub.feed), 0);    /* nothing published */
	ck_assert_uint_eq(feed_subscribers(hub.feed), 0);
	expect_open(&w);                                /* a 400 of ours keeps the line */
	wire_close(&w);
	hub_stop();
}
END_TEST

/* A type of exactly 32 characters is fine. */
START_TEST(test_publish_longest_type)
{
	hub_start();
	struct wire w;
	wire_open(&w, F.loop, F.port);
	publish(&w, "abcdefghijabcdefghijabcdefghij12", "x", 1);
	ck_assert_str_eq(feed_get(hub.feed, 1)->type, "abcdefghijabcdefghijabcdefghij12");
	wire_close(&w);
	hub_stop();
}
END_TEST

/* --- long polling ------------------------------------------------------- */

/* Behind: every event after 'since', at once. */
START_TEST(test_poll_behind)
{
	hub_start();
	struct wire w;
	wire_open(&w, F.loop, F.port);
	publish(&w, NULL, "e1", 1);
	publish(&w, NULL, "e2", 2);
	publish(&w, NULL, "e3", 3);
	wire_sends(&w, "GET /score?since=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	expect_json(&w, "{\"latest\":3,\"events\":["
			"{\"seq\":2,\"id\":\"" EP "-2\",\"type\":\"message\",\"data\":\"e2\"},"
			"{\"seq\":3,\"id\":\"" EP "-3\",\"type\":\"message\",\"data\":\"e3\"}]}");
	ck_assert_uint_eq(feed_subscribers(hub.feed), 0);
	/* Ahead of the server: a gap of unknown size, then all it holds. */
	wire_sends(&w, "GET /score?since=9 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	expect_json(&w, "{\"latest\":3,\"reset\":{\"type\":\"reset\",\"reason\":\"ahead\","
			"\"missed\":null,\"seq\":0,\"id\":\"" EP "-0\"},\"events\":["
			"{\"seq\":1,\"id\":\"" EP "-1\",\"type\":\"message\",\"data\":\"e1\"},"
			"{\"seq\":2,\"id\":\"" EP "-2\",\"type\":\"message\",\"data\":\"e2\"},"
			"{\"seq\":3,\"id\":\"" EP "-3\",\"type\":\"message\",\"data\":\"e3\"}]}");
	/* From another epoch (a restart without a journal): the same, told why. */
	wire_sends(&w, "GET /score?since=000000000abd-2 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	expect_json(&w, "{\"latest\":3,\"reset\":{\"type\":\"reset\",\"reason\":\"epoch\","
			"\"missed\":null,\"seq\":0,\"id\":\"" EP "-0\"},\"events\":["
			"{\"seq\":1,\"id\":\"" EP "-1\",\"type\":\"message\",\"data\":\"e1\"},"
			"{\"seq\":2,\"id\":\"" EP "-2\",\"type\":\"message\",\"data\":\"e2\"},"
			"{\"seq\":3,\"id\":\"" EP "-3\",\"type\":\"message\",\"data\":\"e3\"}]}");
	/* Its own id, written out: the same as the plain number. */
	wire_sends(&w, "GET /score?since=" EP "-2 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	expect_json(&w, "{\"latest\":3,\"events\":["
			"{\"seq\":3,\"id\":\"" EP "-3\",\"type\":\"message\",\"data\":\"e3\"}]}");
	wire_close(&w);
	hub_stop();
}
END_TEST

/* Events the ring no longer holds are counted as missed. */
START_TEST(test_poll_missed)
{
	fixture_start(NULL);
	memset(&hub, 0, sizeof hub);
	hub.loop = F.loop;
	hub.feed = feed_new(2, 0);              /* a ring of two events */
	feed_set_epoch(hub.feed, EPOCH);
	pp_config_defaults(&hub.cfg);
	ck_assert_int_eq(pp_hub_routes(F.srv, &hub), 0);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	for (uint64_t i = 1; i <= 5; i++)
		publish(&w, NULL, "e", i);
	wire_sends(&w, "GET /score?since=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	expect_json(&w, "{\"latest\":5,\"reset\":{\"type\":\"reset\",\"reason\":\"evicted\","
			"\"missed\":2,\"seq\":3,\"id\":\"" EP "-3\"},\"events\":["
			"{\"seq\":4,\"id\":\"" EP "-4\",\"type\":\"message\",\"data\":\"e\"},"
			"{\"seq\":5,\"id\":\"" EP "-5\",\"type\":\"message\",\"data\":\"e\"}]}");
	wire_close(&w);
	hub_stop();
}
END_TEST

/* Up to date: held, then released by the next publish. */
START_TEST(test_poll_held_then_released)
{
	hub_start();
	struct wire pub, w;
	wire_open(&pub, F.loop, F.port);
	wire_open(&w, F.loop, F.port);
	publish(&pub, NULL, "e1", 1);
	wire_sends(&w, "GET /score?since=1&timeout=5000 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	ck_assert(wait_subscribers(1));
	looptest_run_for(F.loop, 20);
	ck_assert_uint_eq(w.in.len, 0);         /* held */
	publish(&pub, "goal", "e2", 2);
	expect_json(&w, "{\"latest\":2,\"events\":["
			"{\"seq\":2,\"id\":\"" EP "-2\",\"type\":\"goal\",\"data\":\"e2\"}]}");
	ck_assert_uint_eq(feed_subscribers(hub.feed), 0);
	ck_assert_uint_eq(net_loop_timer_count(F.loop), 2);     /* the two idle timers */
	expect_open(&w);
	wire_close(&w);
	wire_close(&pub);
	hub_stop();
}
END_TEST

/* Nothing happens: 204 after the timeout the client asked for. */
START_TEST(test_poll_timeout)
{
	hub_start();
	struct wire w;
	wire_open(&w, F.loop, F.port);
	uint64_t t0 = looptest_now_ms();
	wire_sends(&w, "GET /score?since=0&timeout=80 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	wire_expect(&w, NO_CONTENT_204);
	uint64_t took = looptest_now_ms() - t0;
	ck_assert_uint_ge(took, 80 - 50);       /* timers count from the turn's clock reading */
	ck_assert_uint_lt(took, 1000);
	ck_assert_uint_eq(feed_subscribers(hub.feed), 0);
	expect_open(&w);
	wire_close(&w);
	hub_stop();
}
END_TEST

/* The client leaves while held: subscription and timer are gone at once. */
START_TEST(test_poll_client_leaves)
{
	hub_start();
	struct wire w1, w2;
	wire_open(&w1, F.loop, F.port);
	wire_open(&w2, F.loop, F.port);
	wire_sends(&w1, "GET /score?since=0&timeout=60000 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	wire_sends(&w2, "GET /score?since=0&timeout=60000 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	ck_assert(wait_subscribers(2));
	wire_close(&w1);                        /* FIN */
	ck_assert(wait_subscribers(1));
	wire_reset(&w2);                        /* RST */
	ck_assert(wait_subscribers(0));
	ck_assert(fixture_wait_idle(WIRE_WAIT_MS));
	ck_assert_uint_eq(net_loop_timer_count(F.loop), 0);
	/* A publish afterwards finds nobody to answer. */
	struct wire pub;
	wire_open(&pub, F.loop, F.port);
	publish(&pub, NULL, "late", 1);
	wire_close(&pub);
	hub_stop();
}
END_TEST

/* Events published while no poll is outstanding are in the next answer:
 * a long poller asking from its last seq loses nothing. */
START_TEST(test_poll_no_loss)
{
	hub_start();
	struct wire pub, w;
	wire_open(&pub, F.loop, F.port);
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /score?since=0&timeout=5000 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	ck_assert(wait_subscribers(1));
	publish(&pub, NULL, "e1", 1);
	expect_json(&w, "{\"latest\":1,\"events\":["
			"{\"seq\":1,\"id\":\"" EP "-1\",\"type\":\"message\",\"data\":\"e1\"}]}");
	/* Between two polls. */
	publish(&pub, NULL, "e2", 2);
	publish(&pub, NULL, "e3", 3);
	wire_sends(&w, "GET /score?since=1&timeout=5000 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	expect_json(&w, "{\"latest\":3,\"events\":["
			"{\"seq\":2,\"id\":\"" EP "-2\",\"type\":\"message\",\"data\":\"e2\"},"
			"{\"seq\":3,\"id\":\"" EP "-3\",\"type\":\"message\",\"data\":\"e3\"}]}");
	/* Two publishes in one write: the first releases the poll, the
	 * second waits for the next one. */
	wire_sends(&w, "GET /score?since=3&timeout=5000 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	ck_assert(wait_subscribers(1));
	wire_sends(&pub, "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\ne4"
			 "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\ne5");
	expect_json(&pub, "{\"seq\":4,\"id\":\"" EP "-4\"}");
	expect_json(&pub, "{\"seq\":5,\"id\":\"" EP "-5\"}");
	expect_json(&w, "{\"latest\":4,\"events\":["
			"{\"seq\":4,\"id\":\"" EP "-4\",\"type\":\"message\",\"data\":\"e4\"}]}");
	wire_sends(&w, "GET /score?since=4&timeout=5000 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	expect_json(&w, "{\"latest\":5,\"events\":["
			"{\"seq\":5,\"id\":\"" EP "-5\",\"type\":\"message\",\"data\":\"e5\"}]}");
	wire_close(&w);
	wire_close(&pub);
	hub_stop();
}
END_TEST

/* Pipelined polls: a held one in front, an immediate one behind it. */
START_TEST(test_poll_pipelined)
{
	hub_start();
	struct wire pub, w;
	wire_open(&pub, F.loop, F.port);
	wire_open(&w, F.loop, F.port);
	publish(&pub, NULL, "e1", 1);
	wire_sends(&w, "GET /score?since=1&timeout=5000 HTTP/1.1\r\nHost: localhost\r\n\r\n"
		       "GET /score?since=0 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	ck_assert(wait_subscribers(1));
	looptest_run_for(F.loop, 10);
	ck_assert_uint_eq(w.in.len, 0);         /* the second waits behind the first */
	publish(&pub, NULL, "e2", 2);
	expect_json(&w, "{\"latest\":2,\"events\":["
			"{\"seq\":2,\"id\":\"" EP "-2\",\"type\":\"message\",\"data\":\"e2\"}]}");
	expect_json(&w, "{\"latest\":1,\"events\":["
			"{\"seq\":1,\"id\":\"" EP "-1\",\"type\":\"message\",\"data\":\"e1\"}]}");
	wire_close(&w);
	wire_close(&pub);
	hub_stop();
}
END_TEST

/* A thousand held polls, one publish: each gets the event. */
START_TEST(test_poll_thousand)
{
	enum { N = 1000, BATCH = 100 };
	hub_start();
	struct wire *w = calloc(N, sizeof *w);
	ck_assert_ptr_nonnull(w);
	for (size_t i = 0; i < N; i += BATCH) {
		for (size_t j = i; j < i + BATCH; j++) {
			wire_open(&w[j], F.loop, F.port);
			wire_sends(&w[j], "GET /score?since=0&timeout=20000 HTTP/1.1\r\nHost: localhost\r\n\r\n");
		}
		ck_assert(wait_subscribers(i + BATCH));
	}
	struct wire pub;
	wire_open(&pub, F.loop, F.port);
	publish(&pub, "final", "3-2", 1);
	ck_assert_uint_eq(feed_subscribers(hub.feed), 0);
	for (size_t i = 0; i < N; i++)
		expect_json(&w[i], "{\"latest\":1,\"events\":["
				   "{\"seq\":1,\"id\":\"" EP "-1\",\"type\":\"final\",\"data\":\"3-2\"}]}");
	for (size_t i = 0; i < N; i++)
		wire_close(&w[i]);
	wire_close(&pub);
	free(w);
	ck_assert(fixture_wait_idle(20000));
	hub_stop();
}
END_TEST

/* Connections move to the ledger of the paradigm they turn out to be. */
START_TEST(test_ledgers)
{
	hub_start();
	struct net_ledger rpc, lp;
	net_ledger_init(&rpc, "request-response");
	net_ledger_init(&lp, "long-poll");
	hub.ledger[PP_RPC] = &rpc;
	hub.ledger[PP_LONG_POLL] = &lp;
	struct wire a, b;
	wire_open(&a, F.loop, F.port);
	wire_open(&b, F.loop, F.port);
	wire_sends(&a, "GET /score HTTP/1.1\r\nHost: localhost\r\n\r\n");
	expect_json(&a, "{\"seq\":0,\"id\":\"" EP "-0\"}");
	wire_sends(&b, "GET /score?since=0&timeout=20 HTTP/1.1\r\nHost: localhost\r\n\r\n");
	wire_expect(&b, NO_CONTENT_204);
	ck_assert_uint_eq(rpc.c.handshakes, 1);
	ck_assert_uint_eq(lp.c.handshakes, 1);
	ck_assert_uint_eq(F.ledger.c.handshakes, 0);    /* moved, with their costs */
	ck_assert_uint_gt(lp.c.bytes_in, 0);
	wire_close(&a);
	wire_close(&b);
	ck_assert(fixture_wait_idle(WIRE_WAIT_MS));
	hub_stop();
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paradigms_http");
	TCase *tc;

	tc = tcase_create("score");
	tcase_add_test(tc, test_score_and_publish);
	tcase_add_loop_test(tc, test_bad_requests, 0,
			    (int)(sizeof bad_publishes / sizeof bad_publishes[0]));
	tcase_add_test(tc, test_publish_longest_type);
	tcase_add_test(tc, test_ledgers);
	suite_add_tcase(s, tc);

	tc = tcase_create("long-poll");
	tcase_add_test(tc, test_poll_behind);
	tcase_add_test(tc, test_poll_missed);
	tcase_add_test(tc, test_poll_held_then_released);
	tcase_add_test(tc, test_poll_timeout);
	tcase_add_test(tc, test_poll_client_leaves);
	tcase_add_test(tc, test_poll_no_loss);
	tcase_add_test(tc, test_poll_pipelined);
	suite_add_tcase(s, tc);

	tc = tcase_create("fan-out");
	tcase_add_test(tc, test_poll_thousand);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
