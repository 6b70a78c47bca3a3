/* test_http_server_pipeline.c -- many requests on one connection, and
 * many connections: pipelining with answers strictly in request order
 * (RFC 9112 §9.3.2) whatever order the handlers answer in, one send()
 * per batch, the in-flight limit, backpressure from a client that stops
 * reading, a client that leaves while its answer is deferred (on_abort
 * exactly once), and 2000 connections at once. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/ledger.h"
#include "support/http_server_fixture.h"
#include "support/looptest.h"

static const char HELLO_200[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n";
static const char GET_HELLO[] = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";
static const char GET_HELD[] = "GET /held HTTP/1.1\r\nHost: t\r\n\r\n";

static uint64_t server_sends(void) { return F.ledger.c.sys[NET_SYS_WRITE]; }

/* A 200 text/plain answer with 'body'. */
static void expect_text(struct wire *w, const char *body)
{
	char want[256];
	snprintf(want, sizeof want, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	wire_expect(w, want);
}

/* --- order and batching ------------------------------------------------- */

/* Five requests in one write: five answers in order, in one send(). */
START_TEST(test_pipeline_batch)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
		       "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nabcde"
		       "HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"
		       "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n"
		       "GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n");
	wire_expect(&w, HELLO_200);
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
			"Content-Length: 5\r\n\r\nabcde");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			"Transfer-Encoding: chunked\r\n\r\n4\r\none\n\r\n4\r\ntwo\n\r\n0\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
			"Content-Length: 10\r\n\r\nnot found\n");
	ck_assert_uint_eq(server_sends(), 1);
	ck_assert_uint_eq(F.ledger.c.handshakes, 1);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* A deferred answer in the middle: the immediate answers after it are
 * held until it is written, then leave with it in one send(). */
START_TEST(test_pipeline_deferred_middle)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
		       "GET /later?ms=300&tag=m HTTP/1.1\r\nHost: t\r\n\r\n"
		       "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
		       "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok");
	wire_expect(&w, HELLO_200);
	ck_assert_uint_eq(F.handled, 4);         /* all four handled at once... */
	looptest_run_for(F.loop, 10);
	ck_assert_uint_eq(w.in.len, 0);         /* ...but only the first answer out */
	ck_assert_uint_eq(server_sends(), 1);
	expect_text(&w, "later m\n");
	wire_expect(&w, HELLO_200);
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
			"Content-Length: 2\r\n\r\nok");
	ck_assert_uint_eq(server_sends(), 2);
	expect_open(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* Handlers answering in reverse order: the wire order never changes. */
START_TEST(test_pipeline_reverse_answers)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	char batch[256];
	snprintf(batch, sizeof batch, "%s%s%s%s", GET_HELD, GET_HELD, GET_HELD, GET_HELLO);
	wire_sends(&w, batch);
	ck_assert(fixture_wait_held(3));
	fixture_answer(2, "c\n");
	fixture_answer(1, "b\n");
	looptest_run_for(F.loop, 10);
	ck_assert_uint_eq(w.in.len, 0);
	ck_assert_uint_eq(server_sends(), 0);
	fixture_answer(0, "a\n");               /* releases all four, in one send() */
	expect_text(&w, "a\n");
	expect_text(&w, "b\n");
	expect_text(&w, "c\n");
	wire_expect(&w, HELLO_200);
	ck_assert_uint_eq(server_sends(), 1);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* At most HTTP_PIPELINE_MAX requests in flight: the rest wait in the
 * socket, unread, until answers make room. */
START_TEST(test_pipeline_limit)
{
	enum { N = 40 };
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	char batch[N * sizeof GET_HELD];
	batch[0] = '\0';
	for (int i = 0; i < N; i++)
		strcat(batch, GET_HELD);
	wire_sends(&w, batch);
	size_t answered = 0;
	while (answered < N) {
		size_t want = answered + HTTP_PIPELINE_MAX < N ? answered + HTTP_PIPELINE_MAX : N;
		ck_assert(fixture_wait_held(want));
		looptest_run_for(F.loop, 10);
		ck_assert_uint_eq(F.nheld, want);       /* no more than the limit */
		for (; answered < want; answered++) {
			char body[16];
			snprintf(body, sizeof body, "%zu\n", answered);
			fixture_answer(answered, body);
			expect_text(&w, body);
		}
	}
	expect_open(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* A client that sends many requests for large answers and stops reading:
 * the server stops reading too (its queue past the high-water mark),
 * resumes as the client drains, and every answer arrives whole, in order. */
START_TEST(test_pipeline_backpressure)
{
	enum { N = 24, SIZE = 200000 };
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	net_loop_unwatch(F.loop, w.fd);         /* the client reads nothing for now */
	char batch[N * 48];
	batch[0] = '\0';
	for (int i = 0; i < N; i++)
		strcat(batch, "GET /big?n=200000 HTTP/1.1\r\nHost: t\r\n\r\n");
	wire_sends(&w, batch);
	looptest_run_for(F.loop, 100);
	ck_assert_uint_lt(F.handled, N);         /* paused: not all are handled yet */
	ck_assert_uint_gt(F.handled, 0);
	ck_assert_int_eq(net_loop_watch(F.loop, w.fd, NET_READ, wire_on_io, &w, NULL), 0);
	char *pattern = malloc(SIZE);
	ck_assert_ptr_nonnull(pattern);
	for (int i = 0; i < SIZE; i++)
		pattern[i] = (char)('a' + i % 26);
	for (int i = 0; i < N; i++) {
		wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
				"Content-Length: 200000\r\n\r\n");
		ck_assert(wire_wait_len(&w, SIZE, WIRE_WAIT_MS));
		ck_assert(memcmp(w.in.p, pattern, SIZE) == 0);
		wire_consume(&w, SIZE);
	}
	free(pattern);
	ck_assert_uint_eq(F.handled, N);
	expect_open(&w);
	wire_close(&w);
	fixture_stop();
}
END_TEST

/* --- clients that leave ------------------------------------------------- */

static bool aborted_and_gone(void *arg)
{
	return F.aborts >= *(int *)arg && http_server_connections(F.srv) == 0;
}

static void expect_aborts(int n)
{
	ck_assert(net_loop_run_until(F.loop, aborted_and_gone, &n, WIRE_WAIT_MS));
	looptest_run_for(F.loop, 150);          /* past every timer the handlers had */
	ck_assert_int_eq(F.aborts, n);          /* exactly once each */
}

START_TEST(test_abort_held_on_close)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, GET_HELD);
	ck_assert(fixture_wait_held(1));
	wire_close(&w);                         /* FIN: the client is gone */
	expect_aborts(1);
	ck_assert_ptr_null(F.held[0]);
	fixture_stop();
}
END_TEST

START_TEST(test_abort_later_on_reset)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /later?ms=100 HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert(net_loop_run_until(F.loop, fixture_count_reached,
				     &(struct fixture_count){ &F.handled, 1 }, WIRE_WAIT_MS));
	wire_reset(&w);                         /* RST */
	expect_aborts(1);
	fixture_stop();
}
END_TEST

START_TEST(test_abort_stream)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, "GET /ticks HTTP/1.1\r\nHost: t\r\n\r\n");
	wire_expect(&w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			"Transfer-Encoding: chunked\r\n\r\n");
	wire_close(&w);
	expect_aborts(1);
	fixture_stop();
}
END_TEST

/* Two deferred answers in line and one done: each deferred one is
 * aborted once; the done one is simply dropped. */
START_TEST(test_abort_pipelined)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	char batch[256];
	snprintf(batch, sizeof batch, "%s%s%s", GET_HELD, GET_HELD, GET_HELLO);
	wire_sends(&w, batch);
	ck_assert(fixture_wait_held(2));
	wire_close(&w);
	expect_aborts(2);
	fixture_stop();
}
END_TEST

/* Freeing the server aborts what it holds. */
START_TEST(test_abort_on_server_free)
{
	fixture_start(NULL);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, GET_HELD);
	ck_assert(fixture_wait_held(1));
	http_server_free(F.srv);
	ck_assert_int_eq(F.aborts, 1);
	ck_assert(wire_wait_eof(&w, WIRE_WAIT_MS));
	wire_close(&w);
	F.srv = NULL;
	net_loop_run_once(F.loop, 0);
	net_loop_run_once(F.loop, 0);
	net_loop_free(F.loop);
}
END_TEST

/* --- many connections --------------------------------------------------- */

enum { MANY = 2000, BATCH = 100 };

struct many { struct wire *w; size_t n, raw; };

static bool all_answered(void *arg)
{
	struct many *m = arg;
	for (size_t i = 0; i < m->n; i++)
		if (m->w[i].in.len < m->raw && !m->w[i].eof)
			return false;
	return true;
}

static bool server_has(void *arg)
{
	return http_server_connections(F.srv) >= *(size_t *)arg;
}

START_TEST(test_many_connections)
{
	fixture_start(NULL);
	struct wire *w = calloc(MANY, sizeof *w);
	ck_assert_ptr_nonnull(w);
	/* Connect in batches the listener's backlog can hold. */
	for (size_t i = 0; i < MANY; i += BATCH) {
		for (size_t j = i; j < i + BATCH; j++)
			wire_open(&w[j], F.loop, F.port);
		size_t want = i + BATCH;
		ck_assert(net_loop_run_until(F.loop, server_has, &want, WIRE_WAIT_MS));
	}
	ck_assert_uint_eq(http_server_connections(F.srv), MANY);
	for (size_t i = 0; i < MANY; i++)
		wire_sends(&w[i], GET_HELLO);
	/* Each answer is HELLO_200 plus its Date line (37 bytes). */
	struct many m = { w, MANY, sizeof HELLO_200 - 1 + 37 };
	ck_assert(net_loop_run_until(F.loop, all_answered, &m, 20000));
	for (size_t i = 0; i < MANY; i++)
		wire_expect(&w[i], HELLO_200);
	ck_assert_uint_eq(F.ledger.c.handshakes, MANY);
	ck_assert_uint_eq(F.handled, MANY);
	for (size_t i = 0; i < MANY; i++)
		wire_close(&w[i]);
	ck_assert(fixture_wait_idle(20000));
	free(w);
	fixture_stop();
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("http_server_pipeline");
	TCase *tc;

	tc = tcase_create("order");
	tcase_add_test(tc, test_pipeline_batch);
	tcase_add_test(tc, test_pipeline_deferred_middle);
	tcase_add_test(tc, test_pipeline_reverse_answers);
	tcase_add_test(tc, test_pipeline_limit);
	tcase_add_test(tc, test_pipeline_backpressure);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("abort");
	tcase_add_test(tc, test_abort_held_on_close);
	tcase_add_test(tc, test_abort_later_on_reset);
	tcase_add_test(tc, test_abort_stream);
	tcase_add_test(tc, test_abort_pipelined);
	tcase_add_test(tc, test_abort_on_server_free);
	suite_add_tcase(s, tc);

	tc = tcase_create("many");
	tcase_add_test(tc, test_many_connections);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
