/* test_paradigms_limits.c -- the loop's limits (net/limits.h) on the
 * real server with every paradigm's endpoint: connections in total and
 * per client address refused with 503 and counted; the memory held for
 * connections bounded, the slowest reader dropped first, a WebSocket
 * message being reassembled counted too; a WebSocket message that does
 * not end in time closed with 1008, on /echo and /ws; a half-received
 * request head held in under 4 KiB; and after each flood the server
 * still answers another client.  The log lines these events write, and
 * the log's rate limit, are checked too (util/log.h). */
#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/limits.h"
#include "paradigms/hub.h"
#include "support/heap.h"
#include "support/http_server_fixture.h"
#include "support/looptest.h"
#include "support/proc.h"
#include "support/ws_peer.h"
#include "util/log.h"

#define WAIT_MS 3000

static struct pp_hub hub;
static FILE *log_file;              /* what util/log.h wrote during the test */

static void limits_start(const struct net_limits *lim)
{
	fixture_start(NULL);
	memset(&hub, 0, sizeof hub);
	hub.loop = F.loop;
	hub.feed = feed_new(0, 0);
	pp_config_defaults(&hub.cfg);
	ck_assert_int_eq(pp_hub_routes(F.srv, &hub), 0);
	ck_assert_int_eq(net_loop_set_limits(F.loop, lim), 0);
	log_file = tmpfile();
	ck_assert_ptr_nonnull(log_file);
	log_set_stream(log_file);
}

static void limits_stop(void)
{
	pp_hub_close_websockets(&hub);
	fixture_stop();
	feed_free(hub.feed);
	pp_hub_cleanup(&hub);
	log_set_stream(NULL);
	fclose(log_file);
}

/* Everything logged so far, NUL-terminated, in 'dst'. */
static const char *logged(char *dst, size_t cap)
{
	fflush(log_file);
	rewind(log_file);
	size_t n = fread(dst, 1, cap - 1, log_file);
	dst[n] = '\0';
	fseek(log_file, 0, SEEK_END);
	return dst;
}

static struct net_limits_stats stats(void)
{
	struct net_limits_stats st;
	net_loop_limits_stats(F.loop, &st);
	return st;
}

/* A wire (http_wire.h) from 'from' (a loopback address), with a receive
 * buffer of 'rcvbuf' bytes if not 0, set before the connect so that the
 * window stays that small. */
static void wire_from(struct wire *w, const char *from, int rcvbuf)
{
	memset(w, 0, sizeof *w);
	w->loop = F.loop;
	w->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(w->fd, 0);
	if (rcvbuf)
		setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	inet_pton(AF_INET, from, &sa.sin_addr);
	ck_assert_int_eq(bind(w->fd, (struct sockaddr *)&sa, sizeof sa), 0);
	sa.sin_port = htons(F.port);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ck_assert_msg(connect(w->fd, (struct sockaddr *)&sa, sizeof sa) == 0, "connect: %s",
		      strerror(errno));
	fcntl(w->fd, F_SETFL, fcntl(w->fd, F_GETFL) | O_NONBLOCK);
	ck_assert_int_eq(net_loop_watch(F.loop, w->fd, NET_READ, wire_on_io, w, NULL), 0);
}

static bool conns_reached(void *arg)
{
	return http_server_connections(F.srv) >= *(size_t *)arg;
}

/* Opens 'n' connections from 'from' that each sent part of a request
 * head, and waits until the server holds them all. */
static void hold_partial(struct wire *w, size_t n, const char *from)
{
	size_t want = http_server_connections(F.srv) + n;
	for (size_t i = 0; i < n; i++) {
		wire_from(&w[i], from, 0);
		wire_sends(&w[i], "GET /score HTTP/1.1\r\n");
	}
	ck_assert(net_loop_run_until(F.loop, conns_reached, &want, WAIT_MS));
}

/* A whole GET /score on a new connection from 'from': its status. */
static int ask_from(const char *from, char *head, size_t cap)
{
	struct wire w;
	wire_from(&w, from, 0);
	wire_sends(&w, "GET /score HTTP/1.1\r\nHost: localhost\r\n\r\n");
	ck_assert_msg(wire_wait_str(&w, "\r\n\r\n", WAIT_MS), "no answer");
	int status = 0;
	sscanf(tbuf_str(&w.in), "HTTP/1.1 %d", &status);
	snprintf(head, cap, "%s", tbuf_str(&w.in));
	wire_close(&w);
	return status;
}

START_TEST(connections_in_total)
{
	limits_start(&(struct net_limits){ .max_conns = 3 });
	struct wire w[3];
	char head[512], log[4096];
	hold_partial(w, 3, "127.0.0.1");
	ck_assert_int_eq(ask_from("127.0.0.2", head, sizeof head), 503);
	ck_assert_ptr_nonnull(strstr(head, "Retry-After: 1\r\n"));
	ck_assert_ptr_nonnull(strstr(head, "too many connections"));
	ck_assert_int_eq(ask_from("127.0.0.3", head, sizeof head), 503);
	struct net_limits_stats st = stats();
	ck_assert_uint_eq(st.refused_total, 2);
	ck_assert_uint_eq(st.conns, 3);
	ck_assert_ptr_nonnull(strstr(logged(log, sizeof log),
				     "warn limit: 3 connections open, the most allowed: refused one "
				     "from 127.0.0.2"));
	/* One leaves: the next is served, and the count follows. */
	wire_close(&w[0]);
	uint64_t t0 = looptest_now_ms();
	while (stats().conns > 2 && looptest_now_ms() - t0 < WAIT_MS)
		net_loop_run_once(F.loop, 50);
	ck_assert_int_eq(ask_from("127.0.0.2", head, sizeof head), 200);
	ck_assert_uint_eq(stats().refused_total, 2);
	for (int i = 1; i < 3; i++)
		wire_close(&w[i]);
	limits_stop();
}
END_TEST

START_TEST(connections_per_address)
{
	limits_start(&(struct net_limits){ .max_conns = 100, .max_per_addr = 2 });
	struct wire w[2];
	char head[512], log[4096];
	hold_partial(w, 2, "127.0.0.5");
	ck_assert_int_eq(ask_from("127.0.0.5", head, sizeof head), 503);
	ck_assert_int_eq(ask_from("127.0.0.6", head, sizeof head), 200);    /* another client */
	struct net_limits_stats st = stats();
	ck_assert_uint_eq(st.refused_per_addr, 1);
	ck_assert_uint_eq(st.refused_total, 0);
	ck_assert_ptr_nonnull(strstr(logged(log, sizeof log),
				     "the most connections allowed from 127.0.0.5 are open"));
	for (int i = 0; i < 2; i++)
		wire_close(&w[i]);
	uint64_t t0 = looptest_now_ms();
	while (stats().conns > 0 && looptest_now_ms() - t0 < WAIT_MS)
		net_loop_run_once(F.loop, 50);
	st = stats();
	ck_assert_uint_eq(st.conns, 0);
	ck_assert_uint_eq(st.addresses, 0);     /* the table forgets who left */
	ck_assert_int_eq(ask_from("127.0.0.5", head, sizeof head), 200);
	limits_stop();
}
END_TEST

/* Many client addresses come and go: the per-address table grows, and
 * every count goes back to zero (removals keep probe runs whole). */
START_TEST(many_addresses)
{
	limits_start(&(struct net_limits){ .max_conns = 1000, .max_per_addr = 1 });
	enum { N = 300 };
	static struct wire w[N];
	for (int i = 0; i < N; i++) {
		char from[32];
		snprintf(from, sizeof from, "127.0.%d.%d", 1 + i / 200, 1 + i % 200);
		wire_from(&w[i], from, 0);
		wire_sends(&w[i], "GET /score HTTP/1.1\r\n");
	}
	size_t want = N;
	ck_assert(net_loop_run_until(F.loop, conns_reached, &want, WAIT_MS));
	ck_assert_uint_eq(stats().addresses, N);
	char head[512];
	ck_assert_int_eq(ask_from("127.0.1.7", head, sizeof head), 503);      /* one of them */
	for (int i = 0; i < N; i += 2)          /* every other one leaves */
		wire_close(&w[i]);
	uint64_t t0 = looptest_now_ms();
	while (stats().conns > N / 2 && looptest_now_ms() - t0 < WAIT_MS)
		net_loop_run_once(F.loop, 50);
	ck_assert_uint_eq(stats().addresses, N / 2);
	ck_assert_int_eq(ask_from("127.0.1.6", head, sizeof head), 503);      /* still here */
	ck_assert_int_eq(ask_from("127.0.1.7", head, sizeof head), 200);      /* gone */
	for (int i = 1; i < N; i += 2)
		wire_close(&w[i]);
	t0 = looptest_now_ms();
	while (stats().conns > 0 && looptest_now_ms() - t0 < WAIT_MS)
		net_loop_run_once(F.loop, 50);
	ck_assert_uint_eq(stats().addresses, 0);
	limits_stop();
}
END_TEST

/* A request head that stops after 'sent' bytes (slowloris): what each
 * such connection costs the server's heap, in all. */
static size_t partial_head_cost(const char *bytes, size_t sent)
{
	enum { N = 100 };
	static struct wire w[N];
	for (int i = 0; i < 4; i++)
		net_loop_run_once(F.loop, 0);
	size_t before = heap_in_use();
	for (int i = 0; i < N; i++) {
		wire_from(&w[i], "127.0.0.1", 0);
		wire_send(&w[i], bytes, 1);
	}
	size_t want = N;
	ck_assert(net_loop_run_until(F.loop, conns_reached, &want, WAIT_MS));
	for (size_t k = 1; k < sent; k++) {     /* the rest, a byte at a time */
		for (int i = 0; i < N; i++)
			wire_send(&w[i], bytes + k, 1);
		for (int t = 0; t < 20; t++)
			net_loop_run_once(F.loop, 1);
	}
	for (int i = 0; i < 4; i++)
		net_loop_run_once(F.loop, 0);
	size_t per = (heap_in_use() - before) / N;
	for (int i = 0; i < N; i++)
		wire_close(&w[i]);
	fixture_wait_idle(WAIT_MS);
	return per;
}

START_TEST(half_received_head)
{
	limits_start(&(struct net_limits){ .max_conns = 1000 });
	static const char head[] = "GET /score HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow";
	size_t one = partial_head_cost(head, 1);
	size_t three = partial_head_cost(head, 3);
	size_t more = partial_head_cost(head, sizeof head - 1);
	fprintf(stderr, "test_paradigms_limits: a half-received head holds %zu bytes of heap "
		"after 1 byte, %zu after 3, %zu after %zu\n", one, three, more, sizeof head - 1);
	ck_assert_uint_lt(one, 4096);
	ck_assert_uint_lt(three, 4096);
	ck_assert_uint_lt(more, 4096);
	limits_stop();
}
END_TEST

static bool subscribers_reached(void *arg)
{
	return feed_subscribers(hub.feed) >= *(size_t *)arg;
}

/* SSE streams that do not read fill their output queues; past the total
 * the one holding most is dropped, while a stream that reads keeps
 * every event and the server answers others. */
START_TEST(slowest_dropped_first)
{
	enum { SLOW = 4, EVENTS = 1000 };
	const size_t budget = 1024 * 1024;
	limits_start(&(struct net_limits){ .max_held = budget });
	hub.cfg.sse_queue_cap = 16 * 1024 * 1024;       /* only the total bounds them */
	struct wire slow[SLOW], fast;
	for (int i = 0; i < SLOW; i++) {
		wire_from(&slow[i], "127.0.0.1", 4096);
		wire_sends(&slow[i], "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n");
	}
	wire_from(&fast, "127.0.0.1", 0);
	wire_sends(&fast, "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n");
	size_t want = SLOW + 1;
	ck_assert(net_loop_run_until(F.loop, subscribers_reached, &want, WAIT_MS));
	for (int i = 0; i < SLOW; i++)
		net_loop_unwatch(F.loop, slow[i].fd);   /* they never read again */
	static char data[32 * 1024];
	memset(data, 'x', sizeof data);
	/* The kernel takes the first megabytes into the slow streams' socket
	 * buffers; then their queues grow, until the total passes. */
	int sent = 0;
	while (sent < EVENTS && stats().dropped_slow == 0) {
		ck_assert_uint_gt(feed_publish(hub.feed, "big", data, sizeof data), 0);
		sent++;
		for (int t = 0; t < 4; t++)
			net_loop_run_once(F.loop, 0);
	}
	ck_assert(wire_wait_len(&fast, (size_t)sent * sizeof data, WAIT_MS));
	ck_assert(!fast.eof);
	struct net_limits_stats st = stats();
	fprintf(stderr, "test_paradigms_limits: %d events of 32 KiB: %llu slow streams dropped, "
		"%zu bytes held at most\n", sent, (unsigned long long)st.dropped_slow, st.held_peak);
	ck_assert_uint_ge(st.dropped_slow, 1);
	ck_assert_uint_eq(st.dropped_input, 0);
	ck_assert_uint_le(st.held, budget);
	ck_assert_uint_eq(feed_subscribers(hub.feed), SLOW + 1 - st.dropped_slow);
	char log[8192];
	ck_assert_ptr_nonnull(strstr(logged(log, sizeof log), "output it did not read"));
	char head[512];
	ck_assert_int_eq(ask_from("127.0.0.1", head, sizeof head), 200);
	for (int i = 0; i < SLOW; i++) {
		slow[i].eof = true;             /* unwatched already */
		wire_close(&slow[i]);
	}
	wire_close(&fast);
	limits_stop();
}
END_TEST

/* The WebSocket reassembly buffer counts: a fragmented message bigger
 * than the budget drops its sender (dropped_input), not the others. */
START_TEST(reassembly_counted)
{
	const size_t budget = 256 * 1024;
	limits_start(&(struct net_limits){ .max_held = budget });
	struct wsp big, other;
	ck_assert(wsp_connect(&big, F.port, F.loop));
	ck_assert(wsp_upgrade(&big, "/echo"));
	ck_assert(wsp_connect(&other, F.port, F.loop));
	ck_assert(wsp_upgrade(&other, "/echo"));
	static uint8_t part[100 * 1024];
	memset(part, 'y', sizeof part);
	ck_assert(wsp_send_frame(&big, 0x02, part, sizeof part));      /* binary, FIN off */
	ck_assert(wsp_send_frame(&big, 0x00, part, sizeof part));      /* continuation */
	ck_assert(wsp_send_frame(&big, 0x00, part, sizeof part));
	ck_assert(wsp_wait_eof(&big, WAIT_MS));
	struct net_limits_stats st = stats();
	ck_assert_uint_eq(st.dropped_input, 1);
	ck_assert(wsp_send_frame(&other, 0x81, "still here", 10));
	struct wsp_frame f;
	ck_assert_int_eq(wsp_read_frame(&other, &f, WAIT_MS), 1);
	ck_assert_uint_eq(f.len, 10);
	free(f.data);
	wsp_close(&big);
	wsp_close(&other);
	limits_stop();
}
END_TEST

/* A message begun and not ended within the deadline: Close 1008, then
 * TCP closed; a peer that sends whole messages with long pauses between
 * them is not touched. */
static void deadline_on(const char *path, bool fragmented)
{
	limits_start(&(struct net_limits){ .max_conns = 100 });
	hub.cfg.ws_message_timeout_ms = 200;
	struct wsp slow, calm;
	ck_assert(wsp_connect(&slow, F.port, F.loop));
	ck_assert(wsp_upgrade(&slow, path));
	ck_assert(wsp_connect(&calm, F.port, F.loop));
	ck_assert(wsp_upgrade(&calm, path));
	if (fragmented) {
		ck_assert(wsp_send_frame(&slow, 0x01, "part one", 8));  /* text, FIN off */
	} else {
		uint8_t frame[64];
		size_t n = wsp_put_frame(&slow, frame, 0x81, "0123456789012345678901234567890123456789",
					 40, true);
		ck_assert(wsp_send(&slow, frame, n - 30));              /* 10 of 40 bytes */
	}
	ck_assert(wsp_send_frame(&calm, 0x81, "one", 3));
	uint64_t t0 = looptest_now_ms();
	struct wsp_frame f;
	int got;
	while ((got = wsp_read_frame(&slow, &f, WAIT_MS)) == 1 && (f.b0 & 0x0f) != 0x8)
		free(f.data);                   /* /ws: events before the Close */
	ck_assert_int_eq(got, 1);
	ck_assert_uint_ge(f.len, 2);
	ck_assert_uint_eq((unsigned)f.data[0] << 8 | f.data[1], 1008);
	free(f.data);
	ck_assert_uint_ge(looptest_now_ms() - t0, 150);
	ck_assert(wsp_wait_eof(&slow, WAIT_MS));
	/* The calm one, past the same time, still talks. */
	looptest_run_for(F.loop, 300);
	ck_assert(wsp_send_frame(&calm, 0x81, "two", 3));
	ck_assert(!calm.eof);
	if (strcmp(path, "/echo") == 0) {
		for (int i = 0; i < 2; i++) {
			ck_assert_int_eq(wsp_read_frame(&calm, &f, WAIT_MS), 1);
			free(f.data);
		}
	}
	wsp_close(&slow);
	wsp_close(&calm);
	limits_stop();
}

START_TEST(deadline_echo_frame) { deadline_on("/echo", false); }
END_TEST
START_TEST(deadline_echo_fragments) { deadline_on("/echo", true); }
END_TEST
START_TEST(deadline_ws_frame) { deadline_on("/ws", false); }
END_TEST

/* The log's rate limit: a burst, then what passes says what it hid. */
START_TEST(log_rate_limit)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	log_set_stream(f);
	uint64_t before = log_suppressed();
	for (int i = 0; i < 1000; i++)
		log_say(LOG_WARN, LOG_LIMIT, "flood %d", i);
	log_say(LOG_WARN, LOG_SERVER, "another topic is not held back");
	ck_assert_uint_ge(log_suppressed() - before, 1000 - LOG_BURST - 2);
	struct timespec pause = { 0, 300 * 1000 * 1000 };      /* the bucket refills in time */
	nanosleep(&pause, NULL);
	log_say(LOG_WARN, LOG_LIMIT, "after the flood");
	log_say(LOG_DEBUG, LOG_LIMIT, "below the level: never written");
	fflush(f);
	rewind(f);
	char buf[16384];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	int lines = 0;
	for (char *p = buf; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_int_le(lines, LOG_BURST + 4);
	ck_assert_ptr_nonnull(strstr(buf, "warn limit: flood 0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "another topic is not held back"));
	ck_assert_ptr_nonnull(strstr(buf, "after the flood ("));
	ck_assert_ptr_nonnull(strstr(buf, "similar lines not shown)"));
	ck_assert_ptr_null(strstr(buf, "never written"));
	log_set_stream(NULL);
	fclose(f);
}
END_TEST

/* --- `pushpull serve`: the flags, and what it logs ----------------------- */

#define PUSHPULL "bin/pushpull"

/* A blocking socket to 'port' that has sent 'bytes'. */
static int plain_conn(uint16_t port, const char *bytes)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(send(fd, bytes, strlen(bytes), 0), (ssize_t)strlen(bytes));
	struct timeval tv = { 3, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* The first bytes the server answers on 'fd' (NUL-ended). */
static void plain_answer(int fd, char *dst, size_t cap)
{
	size_t n = 0;
	ssize_t k;
	while (n + 1 < cap && (k = recv(fd, dst + n, cap - 1 - n, 0)) > 0)
		n += (size_t)k;
	dst[n] = '\0';
}

START_TEST(serve_flags_and_log)
{
	char *const argv[] = { PUSHPULL, "serve", "--port", "0", "--max-connections", "2",
			       "--max-per-address", "0", "--max-buffered", "4M",
			       "--ws-message-timeout", "500", NULL };
	int so, se;
	char base[64];
	pid_t srv = proc_serve_start(argv, &so, &se, base, sizeof base);
	uint16_t port = (uint16_t)atoi(strrchr(base, ':') + 1);
	int held[2];
	for (int i = 0; i < 2; i++)
		held[i] = plain_conn(port, "GET /score HTTP/1.1\r\n");
	/* The server is one loop: an answer on a third connection shows it
	 * has taken the first two (accept order). */
	char answer[1024];
	int third = -1;
	uint64_t end = proc_now_ms() + 3000;
	do {
		if (third >= 0)
			close(third);
		third = plain_conn(port, "GET /score HTTP/1.1\r\nHost: localhost\r\n"
				   "Connection: close\r\n\r\n");
		plain_answer(third, answer, sizeof answer);
	} while (strncmp(answer, "HTTP/1.1 503", 12) != 0 && proc_now_ms() < end);
	close(third);
	ck_assert_msg(strncmp(answer, "HTTP/1.1 503 Service Unavailable\r\n", 34) == 0, "%s",
		      answer);
	ck_assert_ptr_nonnull(strstr(answer, "\r\n\r\ntoo many connections\n"));
	for (int i = 0; i < 2; i++)
		close(held[i]);
	struct proc_run r;
	proc_serve_stop(srv, so, se, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.err, " info server: listening on http://127.0.0.1:") != NULL,
		      "%s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "up to 2 connections, 0 per address, 4194304 bytes"));
	ck_assert_ptr_nonnull(strstr(r.err, " warn limit: 2 connections open, the most allowed: "
				     "refused one from 127.0.0.1"));
}
END_TEST

START_TEST(serve_log_level)
{
	char *const argv[] = { PUSHPULL, "serve", "--port", "0", "--log-level", "error", NULL };
	int so, se;
	char base[64];
	pid_t srv = proc_serve_start(argv, &so, &se, base, sizeof base);
	struct proc_run r;
	proc_serve_stop(srv, so, se, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_null(strstr(r.err, " info "));
}
END_TEST

START_TEST(serve_bad_limits)
{
	static const char *const bad[][2] = {
		{ "--max-connections", "-1" }, { "--max-connections", "lots" },
		{ "--max-per-address", "10000001" }, { "--max-buffered", "12X" },
		{ "--max-buffered", "" }, { "--ws-message-timeout", "0" },
		{ "--log-level", "loud" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *const argv[] = { PUSHPULL, "serve", "--port", "0", (char *)bad[i][0],
				       (char *)bad[i][1], NULL };
		struct proc_run r;
		proc_run(&r, argv, 5000);
		ck_assert_msg(r.status == 2, "%s %s: exit %d", bad[i][0], bad[i][1], r.status);
		ck_assert_msg(strstr(r.err, "pushpull serve: ") != NULL, "%s", r.err);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paradigms_limits");
	TCase *tc = tcase_create("connections");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, connections_in_total);
	tcase_add_test(tc, connections_per_address);
	tcase_add_test(tc, many_addresses);
	tcase_add_test(tc, half_received_head);
	suite_add_tcase(s, tc);

	tc = tcase_create("memory");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, slowest_dropped_first);
	tcase_add_test(tc, reassembly_counted);
	suite_add_tcase(s, tc);

	tc = tcase_create("websocket deadline");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, deadline_echo_frame);
	tcase_add_test(tc, deadline_echo_fragments);
	tcase_add_test(tc, deadline_ws_frame);
	suite_add_tcase(s, tc);

	tc = tcase_create("log");
	tcase_add_test(tc, log_rate_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("serve");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, serve_flags_and_log);
	tcase_add_test(tc, serve_log_level);
	tcase_add_test(tc, serve_bad_limits);
	suite_add_tcase(s, tc);
	return s;
}
