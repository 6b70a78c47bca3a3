/* test_sse_endpoint_resume.c -- GET /events over 127.0.0.1: resuming with
 * Last-Event-ID or ?lastEventId=N, the reset notice, slow consumers and
 * many streams.
 *
 * A resume must deliver every event after N that the ring holds exactly
 * once and in order, then the live ones: each test compares the whole
 * sequence a client parsed (WHATWG HTML §9.2.6) with the sequence
 * published.  The contract is the header comment of server_sse.c; the
 * Last-Event-ID field is §9.2.4.  Helpers: support/sse_endpoint.h.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "net/conn.h"
#include "support/looptest.h"
#include "support/sse_endpoint.h"

/* Publishes 'n' small events; their digest lines go to 'want' (or nowhere). */
static void publish_n(struct srv *s, int n, struct tbuf *want)
{
	for (int i = 0; i < n; i++) {
		char msg[48];
		int len = snprintf(msg, sizeof msg, "event %llu",
				   (unsigned long long)feed_latest(s->hub.feed) + 1);
		uint64_t seq = srv_publish(s, "message", msg, (size_t)len);
		if (want)
			digest_event(want, seq, "message", msg, (size_t)len);
	}
}

/* --- resuming ------------------------------------------------------------ */

/* The feed holds events 13..20 (a ring of 8 after 20 publishes).  Each
 * request names where it left off; the answer is the reset notice when
 * events are gone (with the id a resume should name next), then the
 * ring from 'from', then the live events 21 and 22. */
static const struct {
	const char *name, *target, *fields;
	uint64_t from;                  /* first event replayed; 0: live only */
	const char *reset;              /* the gap's reason; NULL: none */
	long long missed;
} resume_vectors[] = {
	{ "field, in the ring", "/events", "Last-Event-ID: 15\r\n", 16, NULL, 0 },
	{ "field, oldest-1", "/events", "Last-Event-ID: 12\r\n", 13, NULL, 0 },
	{ "field, oldest", "/events", "Last-Event-ID: 13\r\n", 14, NULL, 0 },
	{ "field, latest", "/events", "Last-Event-ID: 20\r\n", 21, NULL, 0 },
	{ "field, one lost", "/events", "Last-Event-ID: 11\r\n", 13, "evicted", 1 },
	{ "field, before the ring", "/events", "Last-Event-ID: 5\r\n", 13, "evicted", 7 },
	{ "field, zero", "/events", "Last-Event-ID: 0\r\n", 13, "evicted", 12 },
	{ "field, newer than the feed", "/events", "Last-Event-ID: 21\r\n", 13, "ahead", -1 },
	{ "field, far newer", "/events", "Last-Event-ID: 18446744073709551615\r\n", 13, "ahead", -1 },
	{ "field with OWS", "/events", "Last-Event-ID:   17  \r\n", 18, NULL, 0 },
	{ "query", "/events?lastEventId=15", "", 16, NULL, 0 },
	{ "query, before the ring", "/events?lastEventId=3", "", 13, "evicted", 9 },
	{ "query among others", "/events?x=1&lastEventId=19&y", "", 20, NULL, 0 },
	{ "field wins over query", "/events?lastEventId=3", "Last-Event-ID: 19\r\n", 20, NULL, 0 },
	{ "not a number", "/events", "Last-Event-ID: abc\r\n", 13, "epoch", -1 },
	{ "empty field", "/events", "Last-Event-ID:\r\n", 0, NULL, 0 },
	{ "negative", "/events", "Last-Event-ID: -1\r\n", 13, "epoch", -1 },
	{ "signed", "/events", "Last-Event-ID: +15\r\n", 13, "epoch", -1 },
	{ "trailing junk", "/events", "Last-Event-ID: 15x\r\n", 13, "epoch", -1 },
	{ "over 64 bits", "/events", "Last-Event-ID: 18446744073709551616\r\n", 13, "epoch", -1 },
	{ "query, not a number", "/events?lastEventId=x", "", 13, "epoch", -1 },
	{ "query, empty", "/events?lastEventId=", "", 0, NULL, 0 },
	{ "no resume", "/events", "", 0, NULL, 0 },
	{ "its own id", "/events", "Last-Event-ID: " SSE_TEST_EP "-15\r\n", 16, NULL, 0 },
	{ "own id, query", "/events?lastEventId=" SSE_TEST_EP "-19", "", 20, NULL, 0 },
	{ "another epoch", "/events", "Last-Event-ID: 000000000abd-15\r\n", 13, "epoch", -1 },
	{ "own epoch, ahead", "/events", "Last-Event-ID: " SSE_TEST_EP "-21\r\n", 13, "ahead", -1 },
};
#define N_RESUME (sizeof resume_vectors / sizeof resume_vectors[0])

START_TEST(test_resume_vector)
{
	struct srv s;
	srv_start(&s, 8, NULL);
	publish_n(&s, 20, NULL);
	ck_assert_uint_eq(feed_oldest(s.hub.feed), 13);
	struct peer p;
	peer_get(&p, &s, resume_vectors[_i].target, resume_vectors[_i].fields);
	srv_wait_subscribers(&s, 1);

	struct tbuf want = { 0 };
	digest_retry(&want, 2000);
	uint64_t from = resume_vectors[_i].from;
	if (resume_vectors[_i].reset)
		digest_reset(&want, resume_vectors[_i].reset, 12, resume_vectors[_i].missed);
	if (from)
		digest_feed(&want, s.hub.feed, from);
	publish_n(&s, 2, &want);                        /* live: 21, 22 */
	size_t n = (resume_vectors[_i].reset ? 1 : 0) + 22 - (from ? from : 21) + 1;
	peer_wait_events(&p, n);
	looptest_run_for(s.loop, 30);                   /* and nothing more */
	ck_assert_msg(strcmp(tbuf_str(&p.log), tbuf_str(&want)) == 0, "%s: got\n%swant\n%s",
		      resume_vectors[_i].name, tbuf_str(&p.log), tbuf_str(&want));
	tbuf_free(&want);
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

/* The wire bytes of a resume with a gap: retry, the reset notice, then
 * the ring -- all before any live event. */
START_TEST(test_resume_reset_bytes)
{
	struct srv s;
	srv_start(&s, 2, NULL);
	publish_n(&s, 4, NULL);                               /* the ring: 3, 4 */
	struct peer p;
	peer_get(&p, &s, "/events", "Last-Event-ID: 1\r\n");
	peer_wait_events(&p, 3);
	ck_assert_str_eq(tbuf_str(&p.data),
			 "retry: 2000\n"
			 "id: " SSE_TEST_EP "-2\nevent: reset\ndata: {\"type\":\"reset\",\"reason\":\"evicted\",\"missed\":1,\"seq\":2,\"id\":\"" SSE_TEST_EP "-2\"}\n\n"
			 "id: " SSE_TEST_EP "-3\nevent: message\ndata: event 3\n\n"
			 "id: " SSE_TEST_EP "-4\nevent: message\ndata: event 4\n\n");
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

/* An empty feed: nothing to replay; an id from an earlier life of the
 * server is reset to 0, and a resume from 0 then loses nothing. */
START_TEST(test_resume_empty_feed)
{
	struct srv s;
	srv_start(&s, 8, NULL);
	struct peer p, q;
	peer_get(&p, &s, "/events", "Last-Event-ID: 0\r\n");
	peer_get(&q, &s, "/events", "Last-Event-ID: 7\r\n");
	srv_wait_subscribers(&s, 2);
	publish_n(&s, 1, NULL);
	peer_wait_events(&p, 1);
	peer_wait_events(&q, 2);
	struct tbuf want = { 0 };
	digest_retry(&want, 2000);
	digest_feed(&want, s.hub.feed, 1);
	ck_assert_str_eq(tbuf_str(&p.log), tbuf_str(&want));
	tbuf_free(&want);
	digest_retry(&want, 2000);
	digest_reset(&want, "ahead", 0, -1);
	digest_feed(&want, s.hub.feed, 1);
	ck_assert_str_eq(tbuf_str(&q.log), tbuf_str(&want));
	tbuf_free(&want);
	peer_close(&p);
	peer_close(&q);
	srv_stop(&s);
}
END_TEST

/* Events published while a resumed stream is still catching up (its
 * replay larger than what the socket takes at once) come after the
 * replay, once each. */
START_TEST(test_resume_live_during_replay)
{
	struct pp_config cfg = { .sse_queue_cap = 64 * 1024 };
	struct srv s;
	srv_start(&s, 128, &cfg);                       /* room for all 84 */
	size_t n = 64 * 1024;
	char *big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memset(big, 'r', n);
	for (int i = 0; i < 64; i++)
		srv_publish(&s, "message", big, n - (size_t)i);    /* 4 MiB in the ring */
	struct peer p;
	peer_get(&p, &s, "/events", "Last-Event-ID: 0\r\n");
	for (int i = 0; i < 20; i++) {
		looptest_run_for(s.loop, 1);
		publish_n(&s, 1, NULL);
	}
	peer_wait_events(&p, 84);
	struct tbuf want = { 0 };
	digest_retry(&want, 2000);
	digest_feed(&want, s.hub.feed, 1);
	ck_assert_str_eq(tbuf_str(&p.log), tbuf_str(&want));
	ck_assert_uint_eq(feed_subscribers(s.hub.feed), 1);
	tbuf_free(&want);
	free(big);
	peer_close(&p);
	srv_stop(&s);
}
END_TEST

/* --- a slow consumer --------------------------------------------------------- */

/* The most a TCP socket may buffer for sending (the third field of
 * tcp_wmem): what the kernel holds for a client that does not read,
 * before the server's own queue starts to fill. */
static size_t kernel_send_max(void)
{
	unsigned long lo, def, max = 4 * 1024 * 1024;
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_wmem", "r");
	if (f) {
		if (fscanf(f, "%lu %lu %lu", &lo, &def, &max) != 3)
			max = 4 * 1024 * 1024;
		fclose(f);
	}
	return max;
}

#define SLOW_CAP   (64 * 1024)
#define SLOW_EVENT (16 * 1024)
#define SLOW_RING  256                  /* 4 MiB of events: a replay far over the cap */

/* A client that stops reading: its kernel buffers fill, then the
 * server's output queue; past sse_queue_cap the server drops it rather
 * than hold more.  A client that reads meanwhile loses nothing.  The
 * slow one comes back with Last-Event-ID and gets the reset notice and
 * every event the ring still holds: a replay 64 times the cap, sent at
 * the pace the client reads it, with live events after it. */
START_TEST(test_slow_consumer)
{
	struct pp_config cfg = { .sse_queue_cap = SLOW_CAP };
	struct srv s;
	srv_start(&s, SLOW_RING, &cfg);
	struct peer slow, fast;
	peer_open_buf(&slow, &s, "GET /events HTTP/1.1\r\nHost: a\r\n\r\n", 4096);
	peer_get(&fast, &s, "/events", "");
	srv_wait_subscribers(&s, 2);
	peer_wait_head(&slow);
	peer_read(&slow, false);

	char *ev = malloc(SLOW_EVENT);
	ck_assert_ptr_nonnull(ev);
	struct tbuf want_fast = { 0 };
	digest_retry(&want_fast, 2000);
	/* Bounded: dropped once its queue passed the cap, after what the
	 * kernel buffers hold (its send buffer, a little on the receiving
	 * side) -- the server did not keep buffering. */
	int bound = (int)((kernel_send_max() + SLOW_CAP + 1024 * 1024) / SLOW_EVENT);
	int published = 0;
	while (feed_subscribers(s.hub.feed) == 2 && published <= bound) {
		memset(ev, 'a' + published % 26, SLOW_EVENT);
		uint64_t seq = srv_publish(&s, "message", ev, SLOW_EVENT);
		digest_event(&want_fast, seq, "message", ev, SLOW_EVENT);
		published++;
		net_loop_run_once(s.loop, 0);           /* the fast one reads */
	}
	ck_assert_uint_eq(feed_subscribers(s.hub.feed), 1);
	ck_assert_int_le(published, bound);
	ck_assert_uint_eq(http_server_connections(s.http), 1);
	peer_wait_events(&fast, (size_t)published);
	ck_assert_str_eq(tbuf_str(&fast.log), tbuf_str(&want_fast));

	/* The slow client reads what reached it: a cut stream. */
	peer_read(&slow, true);
	peer_wait_eof(&slow);
	ck_assert(!slow.body_done);
	size_t idlen;
	const char *id = sse_parser_last_id(&slow.sse, &idlen);
	uint64_t last = 0;
	ck_assert(idlen == 0 || sscanf(id, "%llu", (unsigned long long *)&last) == 1);
	ck_assert_uint_lt(last, (uint64_t)published);

	/* While it is away the ring turns over completely. */
	peer_close(&fast);
	for (int i = 0; i < SLOW_RING + 20; i++) {
		memset(ev, 'A' + i % 26, SLOW_EVENT);
		srv_publish(&s, "message", ev, SLOW_EVENT);
	}

	/* It comes back, and more is published while it catches up. */
	struct peer again;
	char fields[64];
	snprintf(fields, sizeof fields, "Last-Event-ID: %llu\r\n", (unsigned long long)last);
	uint64_t oldest = feed_oldest(s.hub.feed), latest = feed_latest(s.hub.feed);
	uint64_t from = last + 1 > oldest ? last + 1 : oldest;
	struct tbuf want = { 0 };
	digest_retry(&want, 2000);
	if (last + 1 < oldest)
		digest_reset(&want, "evicted", oldest - 1, (long long)(oldest - last - 1));
	digest_feed(&want, s.hub.feed, from);
	peer_get(&again, &s, "/events", fields);
	peer_wait_events(&again, 20);                   /* well past the 10 to be evicted */
	for (int i = 0; i < 10; i++) {
		memset(ev, '0' + i, SLOW_EVENT);
		uint64_t seq = srv_publish(&s, "message", ev, SLOW_EVENT);
		digest_event(&want, seq, "message", ev, SLOW_EVENT);
	}
	peer_wait_events(&again, (last + 1 < oldest ? 1 : 0) + latest + 10 - from + 1);
	ck_assert_str_eq(tbuf_str(&again.log), tbuf_str(&want));
	ck_assert_uint_eq(feed_subscribers(s.hub.feed), 1);

	tbuf_free(&want);
	tbuf_free(&want_fast);
	free(ev);
	peer_close(&slow);
	peer_close(&again);
	srv_stop(&s);
}
END_TEST

/* A resume that does not read its replay: the server sends it only as
 * fast as the socket takes it, so its queue stays small; the stream
 * falls behind instead, and once the ring drops the next event it is
 * owed the server drops it.  Coming back, it is told what it lost. */
START_TEST(test_slow_catch_up)
{
	struct pp_config cfg = { .sse_queue_cap = SLOW_CAP };
	struct srv s;
	srv_start(&s, 1024, &cfg);
	char *ev = malloc(SLOW_EVENT);
	ck_assert_ptr_nonnull(ev);
	memset(ev, 'q', SLOW_EVENT);
	for (int i = 0; i < 1024; i++)
		srv_publish(&s, "message", ev, SLOW_EVENT);     /* 16 MiB to replay */
	struct peer p;
	peer_open_buf(&p, &s, "GET /events HTTP/1.1\r\nHost: a\r\nLast-Event-ID: 0\r\n\r\n", 4096);
	peer_read(&p, false);
	srv_wait_subscribers(&s, 1);
	looptest_run_for(s.loop, 100);                  /* the kernel's buffers fill */
	ck_assert_uint_eq(feed_subscribers(s.hub.feed), 1);
	ck_assert_uint_eq(http_server_connections(s.http), 1);
	int published = 0;
	while (feed_subscribers(s.hub.feed) == 1 && published < 1024) {
		srv_publish(&s, "message", ev, SLOW_EVENT);
		published++;
		net_loop_run_once(s.loop, 0);
	}
	ck_assert_uint_eq(feed_subscribers(s.hub.feed), 0);
	ck_assert_uint_eq(http_server_connections(s.http), 0);
	peer_read(&p, true);
	peer_wait_eof(&p);
	size_t idlen;
	const char *id = sse_parser_last_id(&p.sse, &idlen);
	uint64_t last = 0;
	ck_assert(idlen > 0 && sscanf(id, "%llu", (unsigned long long *)&last) == 1);
	ck_assert_uint_lt(last + 1, feed_oldest(s.hub.feed));   /* it was behind the ring */

	struct peer again;
	char fields[64];
	snprintf(fields, sizeof fields, "Last-Event-ID: %llu\r\n", (unsigned long long)last);
	peer_get(&again, &s, "/events", fields);
	uint64_t oldest = feed_oldest(s.hub.feed), latest = feed_latest(s.hub.feed);
	struct tbuf want = { 0 };
	digest_retry(&want, 2000);
	digest_reset(&want, "evicted", oldest - 1, (long long)(oldest - last - 1));
	digest_feed(&want, s.hub.feed, oldest);
	peer_wait_events(&again, 1 + latest - oldest + 1);
	ck_assert_str_eq(tbuf_str(&again.log), tbuf_str(&want));
	tbuf_free(&want);
	free(ev);
	peer_close(&p);
	peer_close(&again);
	srv_stop(&s);
}
END_TEST

/* --- many streams ------------------------------------------------------------ */

#define MANY 1000

static bool all_have(void *arg)
{
	struct { struct peer *p; size_t from, to, n; } *w = arg;
	for (size_t i = w->from; i < w->to; i++)
		if (w->p[i].events < w->n)
			return false;
	return true;
}

/* How many streams this process can hold: two descriptors each (both
 * ends live here), after raising the soft limit as far as allowed. */
static size_t streams_possible(void)
{
	struct rlimit rl;
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 2 * MANY + 64) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 2 * MANY + 64
			      ? 2 * MANY + 64 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= 2 * MANY + 64)
		return MANY;
	fprintf(stderr, "many streams: the descriptor limit allows only %zu streams\n",
		(size_t)(rl.rlim_cur - 64) / 2);
	return (size_t)(rl.rlim_cur - 64) / 2;
}

/* A thousand streams each get every event; the ones that leave are
 * unsubscribed and their connections closed. */
START_TEST(test_many_streams)
{
	size_t many = streams_possible();
	ck_assert_uint_ge(many, 100);
	struct srv s;
	srv_start(&s, 0, NULL);
	struct peer *p = calloc(many, sizeof *p);
	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < many; i++) {
		peer_get(&p[i], &s, "/events", "");
		if (i % 64 == 63)
			net_loop_run_once(s.loop, 0);   /* let the server accept as we go */
	}
	srv_wait_subscribers(&s, many);
	publish_n(&s, 5, NULL);
	struct { struct peer *p; size_t from, to, n; } w = { p, 0, many, 5 };
	ck_assert(net_loop_run_until(s.loop, all_have, &w, WAIT_MS));
	struct tbuf want = { 0 };
	digest_retry(&want, 2000);
	digest_feed(&want, s.hub.feed, 1);
	for (size_t i = 0; i < many; i++)
		ck_assert_msg(strcmp(tbuf_str(&p[i].log), tbuf_str(&want)) == 0,
			      "stream %zu: %s", i, tbuf_str(&p[i].log));

	/* Half of them leave. */
	for (size_t i = 0; i < many / 2; i++)
		peer_close(&p[i]);
	srv_wait_subscribers(&s, many / 2);
	for (int i = 0; i < 200 && http_server_connections(s.http) != many / 2; i++)
		looptest_run_for(s.loop, 10);
	ck_assert_uint_eq(http_server_connections(s.http), many / 2);
	publish_n(&s, 1, NULL);
	w.from = many / 2;
	w.n = 6;
	ck_assert(net_loop_run_until(s.loop, all_have, &w, WAIT_MS));
	tbuf_free(&want);
	digest_retry(&want, 2000);
	digest_feed(&want, s.hub.feed, 1);
	for (size_t i = many / 2; i < many; i++) {
		ck_assert_str_eq(tbuf_str(&p[i].log), tbuf_str(&want));
		peer_close(&p[i]);
	}
	srv_wait_subscribers(&s, 0);
	tbuf_free(&want);
	free(p);
	srv_stop(&s);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("sse_endpoint_resume");
	TCase *tc = tcase_create("resume");
	tcase_add_loop_test(tc, test_resume_vector, 0, (int)N_RESUME);
	tcase_add_test(tc, test_resume_reset_bytes);
	tcase_add_test(tc, test_resume_empty_feed);
	tcase_add_test(tc, test_resume_live_during_replay);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("slow");
	tcase_add_test(tc, test_slow_consumer);
	tcase_add_test(tc, test_slow_catch_up);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("many");
	tcase_add_test(tc, test_many_streams);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
