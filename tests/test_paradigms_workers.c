/* test_paradigms_workers.c -- `pushpull serve --workers 2` (paradigms/bus.h):
 * one feed for two loops.  Clients of every push paradigm connect (the
 * kernel spreads them over the two listeners), events are published on
 * new connections (so on either worker), and every client gets every
 * event exactly once, in order, with the same ids; a client resuming
 * from an id gets the rest, whichever worker it lands on; /metrics and
 * the ledger printed at exit add up both workers.  The real programs,
 * `pushpull serve` and `pushpull client`, talk over 127.0.0.1. */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "support/proc.h"

#define PUSHPULL "bin/pushpull"
#define EVENTS 10
#define EACH 6                          /* live clients of each paradigm */

static const char *const kinds[] = { "sse", "websocket", "long-poll" };

struct client {
	pid_t pid;
	int so, se;
};

/* `pushpull client KIND` on the server at 'base', for EVENTS - 'after'
 * events, resuming after seq 'after' of 'epoch' when 'after' >= 0
 * (long polling always asks from there). */
static void client_start(struct client *c, const char *kind, const char *base,
			 const char *epoch, int after)
{
	char url[128], since[64], count[16];
	if (strcmp(kind, "websocket") == 0)
		snprintf(url, sizeof url, "ws%s/ws", base + 4);
	else
		snprintf(url, sizeof url, "%s/%s", base, strcmp(kind, "sse") == 0 ? "events" : "score");
	snprintf(since, sizeof since, "%s-%d", epoch, after < 0 ? 0 : after);
	snprintf(count, sizeof count, "%d", EVENTS - (after < 0 ? 0 : after));
	char *with[] = { PUSHPULL, "client", (char *)kind, url, "--since", since, "--count", count,
			 NULL };
	char *live[] = { PUSHPULL, "client", (char *)kind, url, "--count", count, NULL };
	bool resume = after >= 0 || strcmp(kind, "long-poll") == 0;
	c->pid = proc_spawn(resume ? with : live, NULL, &c->so, &c->se);
}

/* Waits for its end; its output must be the events after 'after', in
 * order, each once. */
static void client_check(struct client *c, const char *kind, const char *epoch, int after)
{
	struct proc_run r;
	memset(&r, 0, sizeof r);
	proc_drain(&r, c->so, c->se, 10000);
	close(c->so);
	close(c->se);
	proc_reap(&r, c->pid, 2000);
	ck_assert_msg(r.status == 0, "%s client: exit %d: %s", kind, r.status, r.err);
	char want[4096];
	size_t n = 0;
	for (int i = (after < 0 ? 0 : after) + 1; i <= EVENTS; i++)
		n += (size_t)snprintf(want + n, sizeof want - n,
				      "{\"seq\":%d,\"id\":\"%s-%d\",\"type\":\"message\","
				      "\"data\":\"event %d\"}\n", i, epoch, i, i);
	ck_assert_msg(strcmp(r.out, want) == 0, "%s client got:\n%s\nwanted:\n%s", kind, r.out, want);
}

/* The body of GET 'path' on 'base', by `pushpull client rpc`. */
static void get(const char *base, const char *path, struct proc_run *r)
{
	char url[128];
	snprintf(url, sizeof url, "%s%s", base, path);
	char *argv[] = { PUSHPULL, "client", "rpc", url, NULL };
	proc_run(r, argv, 5000);
	ck_assert_int_eq(r->status, 0);
}

/* The gauge connections_open of 'paradigm' in /metrics: both workers'. */
static unsigned long open_of(const char *base, const char *paradigm)
{
	static struct proc_run r;
	get(base, "/metrics", &r);
	char want[128];
	snprintf(want, sizeof want, "pushpull_connections_open{paradigm=\"%s\",side=\"server\"} ",
		 paradigm);
	const char *at = strstr(r.out, want);
	return at ? strtoul(at + strlen(want), NULL, 10) : 0;
}

/* 'req' on a new connection to 'port': the answer's status. */
static int raw_status(uint16_t port, const char *req)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	ck_assert_int_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	char buf[64] = "";
	ck_assert_int_gt(recv(fd, buf, sizeof buf - 1, 0), 0);
	close(fd);
	int status = 0;
	sscanf(buf, "HTTP/1.1 %d", &status);
	return status;
}

/* A counter of /metrics: both workers' (the others' as of their last
 * snapshot on the bus, at most PP_BUS_SNAPSHOT_MS old). */
static unsigned long metric_of(const char *base, const char *sample)
{
	static struct proc_run r;
	get(base, "/metrics", &r);
	const char *at = strstr(r.out, sample);
	return at ? strtoul(at + strlen(sample), NULL, 10) : 0;
}

START_TEST(one_feed_for_two_workers)
{
	char *serve[] = { PUSHPULL, "serve", "--port", "0", "--workers", "2", "--json", NULL };
	int so, se;
	char base[64];
	pid_t srv = proc_serve_start(serve, &so, &se, base, sizeof base);
	static struct proc_run r;
	get(base, "/score", &r);                /* {"seq":0,"id":"<epoch>-0"} */
	const char *id = strstr(r.out, "\"id\":\"");
	ck_assert_ptr_nonnull(id);
	char epoch[16];
	snprintf(epoch, sizeof epoch, "%.12s", id + 6);

	static struct client live[3][EACH];
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < EACH; i++)
			client_start(&live[k][i], kinds[k], base, epoch, -1);
	/* Every stream and WebSocket open (both workers' gauges, summed),
	 * so that what follows is pushed to them live. */
	uint64_t end = proc_now_ms() + 8000;
	while ((open_of(base, "sse") < EACH || open_of(base, "websocket") < EACH) &&
	       proc_now_ms() < end) {
		struct timespec pause = { 0, 50 * 1000 * 1000 };       /* another process */
		nanosleep(&pause, NULL);
	}
	ck_assert_uint_eq(open_of(base, "sse"), EACH);
	ck_assert_uint_eq(open_of(base, "websocket"), EACH);

	for (int i = 1; i <= EVENTS; i++) {     /* each on a new connection: either worker */
		char url[128], data[32];
		snprintf(url, sizeof url, "%s/publish", base);
		snprintf(data, sizeof data, "event %d", i);
		char *argv[] = { PUSHPULL, "client", "rpc", url, "--data", data, NULL };
		proc_run(&r, argv, 5000);
		ck_assert_int_eq(r.status, 0);
		char want[64];
		snprintf(want, sizeof want, "{\"seq\":%d,\"id\":\"%s-%d\"}", i, epoch, i);
		ck_assert_msg(strstr(r.out, want) != NULL, "%s", r.out);
	}
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < EACH; i++)
			client_check(&live[k][i], kinds[k], epoch, -1);
	/* Resuming from an id, on whichever worker: the rest, once each. */
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < 4; i++) {
			struct client c;
			client_start(&c, kinds[k], base, epoch, 5);
			client_check(&c, kinds[k], epoch, 5);
		}

	/* Refusals on either worker, summed in /metrics: a publish naming a
	 * host that is not this machine's, on new connections. */
	uint16_t port = (uint16_t)atoi(strrchr(base, ':') + 1);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(raw_status(port, "POST /publish HTTP/1.1\r\nHost: evil.example\r\n"
					    "Content-Length: 1\r\n\r\nx"), 403);
	const char *refused = "pushpull_requests_refused_total{refused=\"publish\"} ";
	end = proc_now_ms() + 5000;
	while (metric_of(base, refused) < 8 && proc_now_ms() < end) {
		struct timespec pause = { 0, 100 * 1000 * 1000 };      /* the next snapshot */
		nanosleep(&pause, NULL);
	}
	ck_assert_uint_eq(metric_of(base, refused), 8);

	struct proc_run out;
	proc_serve_stop(srv, so, se, &out);
	ck_assert_int_eq(out.status, 0);
	/* The kernel spread the connections over both listeners. */
	const char *each = strstr(out.out, "(2 workers, each row the sum of theirs; connections "
				  "each accepted: ");
	ck_assert_msg(each != NULL, "%s", out.out);
	unsigned long a = 0, b = 0;
	ck_assert_int_eq(sscanf(strchr(each, ':') + 2, "%lu, %lu)", &a, &b), 2);
	ck_assert_uint_gt(a, 0);
	ck_assert_uint_gt(b, 0);
	/* The exit ledger adds up both workers: every SSE connection, every
	 * event each was sent (live: all ten; resumed: five). */
	const char *sse = strstr(out.out, "{\"label\":\"sse/server\"");
	ck_assert_ptr_nonnull(sse);
	size_t len = strcspn(sse, "}") + 1;
	ck_assert_uint_eq(proc_json_u64(sse, len, "tcp_handshakes"), EACH + 4);
	ck_assert_uint_eq(proc_json_u64(sse, len, "events_delivered"),
			  EACH * EVENTS + 4 * (EVENTS - 5));
}
END_TEST

START_TEST(workers_refuse_what_one_loop_owns)
{
	char *journal[] = { PUSHPULL, "serve", "--port", "0", "--workers", "2", "--journal",
			    "unused.journal", NULL };
	struct proc_run r;
	proc_run(&r, journal, 5000);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--workers above 1 goes with neither --journal"));
	ck_assert_int_ne(access("unused.journal", F_OK), 0);
	char *redis[] = { PUSHPULL, "serve", "--port", "0", "--workers", "2", "--redis",
			  "127.0.0.1:1", NULL };
	proc_run(&r, redis, 5000);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--workers above 1 does not go with --redis yet"));
	char *bad[] = { PUSHPULL, "serve", "--port", "0", "--workers", "0", NULL };
	proc_run(&r, bad, 5000);
	ck_assert_int_eq(r.status, 2);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paradigms_workers");
	TCase *tc = tcase_create("workers");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, one_feed_for_two_workers);
	tcase_add_test(tc, workers_refuse_what_one_loop_owns);
	suite_add_tcase(s, tc);
	return s;
}
