/* test_paradigms_redis.c -- one feed shared by several `pushpull serve
 * --redis` through a real Redis (redis_feed.h), each test with its own
 * redis-server on a loopback port, without persistence:
 *   - published on one server, every event reaches the clients of the
 *     others, on long polling, SSE and WebSocket, exactly once, in order;
 *   - an id issued by one server resumes on another;
 *   - Redis killed mid-stream: publishes answer 503; restarted (empty),
 *     every client is told of the gap (reset, epoch) and goes on;
 *   - Redis's connections dropped but its data kept: exactly once;
 *   - unreachable at start: exit 1 and a clear message.
 * Skipped, with a message, when redis-server is missing and cannot be
 * installed. */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/proc.h"
#include "support/tool.h"

#define PUSHPULL "bin/pushpull"
#define SUITE "test_paradigms_redis"

static bool have_redis;
static char redis_bin[256];

/* --- Redis ---------------------------------------------------------------- */

struct redis {
	pid_t pid;
	int so, se;
	uint16_t port;
	char addr[32];                  /* "127.0.0.1:PORT" */
};

/* A loopback port nobody listens on now (the kernel's pick). */
static uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* A TCP connection to 127.0.0.1:port with 5 s timeouts, or -1. */
static int dial(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Starts redis-server on 'port' (0: a free one) and waits, at most 5 s,
 * until it accepts connections. */
static void redis_start(struct redis *r, uint16_t port)
{
	char p[8];
	r->port = port ? port : free_port();
	snprintf(p, sizeof p, "%u", (unsigned)r->port);
	snprintf(r->addr, sizeof r->addr, "127.0.0.1:%u", (unsigned)r->port);
	char *argv[] = { redis_bin, "--port", p, "--bind", "127.0.0.1", "--save", "",
			 "--appendonly", "no", NULL };
	r->pid = proc_spawn(argv, NULL, &r->so, &r->se);
	uint64_t end = proc_now_ms() + 5000;
	int fd = -1;
	while (fd < 0 && proc_now_ms() < end) {
		fd = dial(r->port);
		if (fd < 0)
			usleep(20 * 1000);      /* nothing to wait on but the port itself */
	}
	ck_assert_msg(fd >= 0, "redis-server did not listen on %s", r->addr);
	close(fd);
}

/* SIGKILL, by its pid: everything it held is gone. */
static void redis_kill(struct redis *r)
{
	kill(r->pid, SIGKILL);
	waitpid(r->pid, NULL, 0);
	close(r->so);
	close(r->se);
}

/* One command through a raw socket, for what the servers cannot do to
 * Redis themselves (dropping their connections).  Returns the reply. */
static void redis_say(const struct redis *r, const char *cmd, char *reply, size_t cap)
{
	int fd = dial(r->port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	ssize_t n = read(fd, reply, cap - 1);
	reply[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* --- pushpull servers ------------------------------------------------------- */

struct server {
	pid_t pid;
	int so, se;
	char base[64];
	uint16_t port;
};

static void serve(struct server *s, const struct redis *r)
{
	char *argv[] = { PUSHPULL, "serve", "--port", "0", "--redis", (char *)r->addr, NULL };
	s->pid = proc_serve_start(argv, &s->so, &s->se, s->base, sizeof s->base);
	s->port = (uint16_t)atoi(strrchr(s->base, ':') + 1);
}

static void unserve(struct server *s, struct proc_run *out)
{
	proc_serve_stop(s->pid, s->so, s->se, out);
}

/* POST /publish with 'data' on a raw connection: the status, and the id
 * the answer gives into 'id' (empty when none). */
static int publish(const struct server *s, const char *data, char *id, size_t cap)
{
	char req[512], resp[1024];
	int n = snprintf(req, sizeof req, "POST /publish HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
			 "Connection: close\r\nContent-Length: %zu\r\n\r\n%s",
			 (unsigned)s->port, strlen(data), data);
	int fd = dial(s->port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, req, (size_t)n), n);
	size_t got = 0;
	ssize_t k;
	while (got < sizeof resp - 1 && (k = read(fd, resp + got, sizeof resp - 1 - got)) > 0)
		got += (size_t)k;
	resp[got] = '\0';
	close(fd);
	int status = 0;
	ck_assert_int_eq(sscanf(resp, "HTTP/1.1 %d", &status), 1);
	const char *at = strstr(resp, "\"id\":\"");
	snprintf(id, cap, "%.*s", at ? (int)strcspn(at + 6, "\"") : 0, at ? at + 6 : "");
	return status;
}

/* Publishes "<tag> 1".."<tag> n" on 's', each answered 200; the id of
 * the last into 'last'. */
static void publish_n(const struct server *s, const char *tag, int n, char *last, size_t cap)
{
	char data[64];
	for (int i = 1; i <= n; i++) {
		snprintf(data, sizeof data, "%s %d", tag, i);
		int st = publish(s, data, last, cap);
		ck_assert_msg(st == 200, "publish %s: %d", data, st);
	}
}

/* The id GET /score names: "<epoch>-<latest>". */
static void score_id(const struct server *s, char *id, size_t cap)
{
	char req[128], resp[2048];
	snprintf(req, sizeof req, "GET /score HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
		 "Connection: close\r\n\r\n", (unsigned)s->port);
	int fd = dial(s->port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	size_t got = 0;
	ssize_t k;
	while (got < sizeof resp - 1 && (k = read(fd, resp + got, sizeof resp - 1 - got)) > 0)
		got += (size_t)k;
	resp[got] = '\0';
	close(fd);
	const char *at = strstr(resp, "\"id\":\"");
	ck_assert_ptr_nonnull(at);
	snprintf(id, cap, "%.*s", (int)strcspn(at + 6, "\""), at + 6);
}

/* --- clients ---------------------------------------------------------------- */

static const char *const kinds[] = { "long-poll", "sse", "websocket" };

struct client {
	pid_t pid;
	int out, err;
	struct proc_run run;
};

/* `pushpull client KIND` on 's', resuming after 'id', until 'count'
 * events, in the background. */
static void client_start(struct client *c, const struct server *s, const char *kind,
			 const char *id, int count)
{
	char url[256], n[16];
	snprintf(n, sizeof n, "%d", count);
	memset(&c->run, 0, sizeof c->run);
	if (strcmp(kind, "sse") == 0) {
		snprintf(url, sizeof url, "%s/events?lastEventId=%s", s->base, id);
		char *argv[] = { PUSHPULL, "client", "sse", url, "--count", n, NULL };
		c->pid = proc_spawn(argv, NULL, &c->out, &c->err);
	} else if (strcmp(kind, "long-poll") == 0) {
		snprintf(url, sizeof url, "%s/score", s->base);
		char *argv[] = { PUSHPULL, "client", "long-poll", url, "--since", (char *)id,
				 "--count", n, NULL };
		c->pid = proc_spawn(argv, NULL, &c->out, &c->err);
	} else {
		snprintf(url, sizeof url, "ws%s/ws", s->base + 4);
		char *argv[] = { PUSHPULL, "client", "websocket", url, "--since", (char *)id,
				 "--count", n, NULL };
		c->pid = proc_spawn(argv, NULL, &c->out, &c->err);
	}
}

/* Waits (at most 'ms') for the client to end; its output in c->run. */
static void client_end(struct client *c, const char *kind, int ms)
{
	proc_drain(&c->run, c->out, c->err, ms);
	close(c->out);
	close(c->err);
	proc_reap(&c->run, c->pid, 1000);
	ck_assert_msg(c->run.status == 0, "%s: status %d: %s", kind, c->run.status, c->run.err);
}

/* The lines a client prints for events "<tag> first..last" at seqs
 * base+first.., in 'epoch'. */
static size_t event_lines(char *dst, size_t cap, const char *epoch, const char *tag, int first,
			  int last, int base)
{
	size_t n = 0;
	dst[0] = '\0';
	for (int i = first; i <= last && n < cap; i++)
		n += (size_t)snprintf(dst + n, cap - n,
				      "{\"seq\":%d,\"id\":\"%s-%d\",\"type\":\"message\","
				      "\"data\":\"%s %d\"}\n", base + i, epoch, base + i, tag, i);
	return n;
}

/* --- the tests -------------------------------------------------------------- */

/* Published on A, every paradigm's clients on B and C get each event
 * once, in order, with the id A gave it. */
START_TEST(publish_on_one_receive_on_the_others)
{
	if (!have_redis)
		return;
	struct redis r;
	struct server srv[3];
	struct client c[6];
	struct proc_run out;
	char start[64], last[64], epoch[16], want[2048];
	redis_start(&r, 0);
	for (int i = 0; i < 3; i++)
		serve(&srv[i], &r);
	score_id(&srv[0], start, sizeof start);         /* "<epoch>-0" */
	for (int i = 0; i < 6; i++)                     /* B and C, each paradigm */
		client_start(&c[i], &srv[1 + i / 3], kinds[i % 3], start, 5);
	publish_n(&srv[0], "shared", 5, last, sizeof last);
	snprintf(epoch, sizeof epoch, "%.12s", start);
	ck_assert_msg(strncmp(last, epoch, 12) == 0, "%s then %s", start, last);
	event_lines(want, sizeof want, epoch, "shared", 1, 5, 0);
	for (int i = 0; i < 6; i++) {
		client_end(&c[i], kinds[i % 3], 10000);
		ck_assert_msg(strcmp(c[i].run.out, want) == 0, "%s on %d: got\n%swant\n%s",
			      kinds[i % 3], 1 + i / 3, c[i].run.out, want);
		ck_assert_msg(strstr(c[i].run.err, "0 gaps") != NULL, "%s", c[i].run.err);
	}
	for (int i = 0; i < 3; i++)
		unserve(&srv[i], &out);
	/* A's publishes: one round trip each, whatever the servers. */
	ck_assert_msg(strstr(out.err, "redis:") != NULL, "%s", out.err);
	redis_kill(&r);
}
END_TEST

/* An id issued by A resumes on B, and on C started afterwards: the
 * events after it, exactly once. */
START_TEST(resume_on_another_server)
{
	if (!have_redis)
		return;
	struct redis r;
	struct server a, b, c;
	struct proc_run out;
	char mid[64], last[64], epoch[16], want[2048];
	redis_start(&r, 0);
	serve(&a, &r);
	serve(&b, &r);
	publish_n(&a, "first", 3, mid, sizeof mid);
	publish_n(&a, "then", 4, last, sizeof last);
	serve(&c, &r);                                  /* reads the history from Redis */
	snprintf(epoch, sizeof epoch, "%.12s", mid);
	event_lines(want, sizeof want, epoch, "then", 1, 4, 3);
	const struct server *on[] = { &b, &c };
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 3; i++) {
			struct client cl;
			client_start(&cl, on[k], kinds[i], mid, 4);
			client_end(&cl, kinds[i], 10000);
			ck_assert_msg(strcmp(cl.run.out, want) == 0, "%s: got\n%swant\n%s", kinds[i],
				      cl.run.out, want);
			ck_assert_msg(strstr(cl.run.err, "0 gaps") != NULL, "%s", cl.run.err);
		}
	unserve(&a, &out);
	unserve(&b, &out);
	unserve(&c, &out);
	ck_assert_msg(strstr(out.err, "7 events in its history (1..7)") != NULL, "%s", out.err);
	redis_kill(&r);
}
END_TEST

/* Publishes on 's' until one is answered 200 (Redis is back and the
 * servers agree on its epoch), at most 10 s; its id into 'id'.  Every
 * refusal before must be a 503. */
static void publish_when_back(const struct server *s, const char *data, char *id, size_t cap)
{
	uint64_t end = proc_now_ms() + 10000;
	int st = 0;
	while (st != 200 && proc_now_ms() < end) {
		st = publish(s, data, id, cap);
		ck_assert_msg(st == 200 || st == 503, "publish: %d", st);
		if (st != 200)
			usleep(50 * 1000);      /* the servers reconnect on their own time */
	}
	ck_assert_int_eq(st, 200);
}

/* Redis killed mid-stream: publishes answer 503; restarted empty, the
 * history is gone: on B every client gets the reset notice (epoch), then
 * the new events, exactly once. */
START_TEST(redis_restarted_empty_is_a_gap)
{
	if (!have_redis)
		return;
	struct redis r;
	struct server a, b;
	struct proc_run out;
	struct client c[3];
	char id[64], last[64], epoch[16], want[2048];
	redis_start(&r, 0);
	serve(&a, &r);
	serve(&b, &r);
	publish_n(&a, "before", 3, last, sizeof last);
	for (int i = 0; i < 3; i++)
		client_start(&c[i], &b, kinds[i], last, 3);
	redis_kill(&r);
	ck_assert_int_eq(publish(&a, "while away", id, sizeof id), 503);
	ck_assert_int_eq(publish(&b, "while away", id, sizeof id), 503);
	redis_start(&r, r.port);
	publish_when_back(&a, "after 1", id, sizeof id);
	publish_n(&a, "again", 1, id, sizeof id);
	publish_when_back(&b, "after 3", id, sizeof id);
	snprintf(epoch, sizeof epoch, "%.12s", id);
	ck_assert_msg(strncmp(epoch, last, 12) != 0, "the same epoch: %s, %s", last, id);
	size_t n = (size_t)snprintf(want, sizeof want, "{\"type\":\"reset\",\"reason\":\"epoch\","
				    "\"missed\":null,\"seq\":0,\"id\":\"%s-0\"}\n", epoch);
	n += event_lines(want + n, sizeof want - n, epoch, "after", 1, 1, 0);
	n += event_lines(want + n, sizeof want - n, epoch, "again", 1, 1, 1);
	event_lines(want + n, sizeof want - n, epoch, "after", 3, 3, 0);
	for (int i = 0; i < 3; i++) {
		client_end(&c[i], kinds[i], 10000);
		ck_assert_msg(strcmp(c[i].run.out, want) == 0, "%s: got\n%swant\n%s", kinds[i],
			      c[i].run.out, want);
		ck_assert_msg(strstr(c[i].run.err, "reset (epoch)") != NULL, "%s", c[i].run.err);
	}
	unserve(&a, &out);
	ck_assert_msg(strstr(out.err, "redis: the publishing connection lost") != NULL, "%s",
		      out.err);
	unserve(&b, &out);
	redis_kill(&r);
}
END_TEST

/* Redis drops every connection but keeps its data: the servers read on
 * from where they were, and the clients see every event exactly once. */
START_TEST(connections_dropped_exactly_once)
{
	if (!have_redis)
		return;
	struct redis r;
	struct server a, b;
	struct proc_run out;
	struct client c[3];
	char last[64], id[64], epoch[16], want[2048], reply[256];
	redis_start(&r, 0);
	serve(&a, &r);
	serve(&b, &r);
	publish_n(&a, "before", 2, last, sizeof last);
	for (int i = 0; i < 3; i++)
		client_start(&c[i], &b, kinds[i], last, 4);
	redis_say(&r, "CLIENT KILL TYPE normal\r\n", reply, sizeof reply);
	ck_assert_msg(reply[0] == ':', "%s", reply);
	publish_when_back(&a, "after 1", id, sizeof id);
	publish_n(&a, "more", 3, id, sizeof id);
	snprintf(epoch, sizeof epoch, "%.12s", last);
	ck_assert_msg(strncmp(epoch, id, 12) == 0, "a new epoch: %s, %s", last, id);
	size_t n = event_lines(want, sizeof want, epoch, "after", 1, 1, 2);
	event_lines(want + n, sizeof want - n, epoch, "more", 1, 3, 3);
	for (int i = 0; i < 3; i++) {
		client_end(&c[i], kinds[i], 10000);
		ck_assert_msg(strcmp(c[i].run.out, want) == 0, "%s: got\n%swant\n%s", kinds[i],
			      c[i].run.out, want);
		ck_assert_msg(strstr(c[i].run.err, "0 gaps") != NULL, "%s", c[i].run.err);
	}
	unserve(&a, &out);
	unserve(&b, &out);
	redis_kill(&r);
}
END_TEST

/* Nobody on the port: exit 1, saying so; --journal beside it: refused. */
START_TEST(unreachable_at_start)
{
	char addr[32];
	snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)free_port());
	char *argv[] = { PUSHPULL, "serve", "--port", "0", "--redis", addr, NULL };
	struct proc_run r;
	proc_run(&r, argv, 10000);
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "cannot reach Redis: Connection refused") != NULL, "%s", r.err);
	char *both[] = { PUSHPULL, "serve", "--port", "0", "--redis", addr, "--journal",
			 "/nonexistent/j", NULL };
	proc_run(&r, both, 10000);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "do not go together") != NULL, "%s", r.err);
}
END_TEST

/* Looks for redis-server once, in the runner's process, before any test
 * forks. */
Suite *test_suite(void)
{
	have_redis = tool_find("redis-server", "redis-server", SUITE, redis_bin, sizeof redis_bin);
	Suite *s = suite_create("paradigms_redis");
	TCase *tc = tcase_create("shared feed");
	tcase_add_test(tc, unreachable_at_start);
	tcase_add_test(tc, publish_on_one_receive_on_the_others);
	tcase_add_test(tc, resume_on_another_server);
	tcase_add_test(tc, redis_restarted_empty_is_a_gap);
	tcase_add_test(tc, connections_dropped_exactly_once);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
