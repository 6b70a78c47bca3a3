/* test_paradigms_cli.c -- the real programs, as a person runs them:
 * `pushpull serve` in a child process, the clients against it, the load
 * generator's modes, the demo, and the command line's answers to
 * mistakes.  Every wait is bounded. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/proc.h"

#define PUSHPULL "bin/pushpull"
#define LOADGEN "bin/loadgen"

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The value of a row of a printed ledger ("  epoll_wait     8"), or -1. */
static long ledger_row(const char *out, const char *name)
{
	const char *p = strstr(out, name);
	return p ? strtol(p + strlen(name), NULL, 10) : -1;
}

/* A listening socket on 127.0.0.1 and a free port, for a stand-in server
 * that a child process plays. */
static int listen_loopback(uint16_t *port)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return lfd;
}

/* A stand-in server, in a child process: 'answer' to every read on every
 * connection, one connection at a time, for at most 'ms'.  Returns its
 * pid (the caller kills it); its port goes in 'port'. */
static pid_t stand_in(const char *answer, int ms, uint16_t *port)
{
	int lfd = listen_loopback(port);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid > 0) {
		close(lfd);
		return pid;
	}
	uint64_t end = proc_now_ms() + (uint64_t)ms;
	size_t alen = strlen(answer);
	while (proc_now_ms() < end) {
		struct pollfd pl = { lfd, POLLIN, 0 };
		if (poll(&pl, 1, 100) != 1)
			continue;
		int fd = accept(lfd, NULL, NULL);
		char buf[4096];
		struct pollfd pf = { fd, POLLIN, 0 };
		while (fd >= 0 && proc_now_ms() < end && poll(&pf, 1, 100) >= 0) {
			if (!(pf.revents & POLLIN))
				continue;
			if (read(fd, buf, sizeof buf) <= 0 || write(fd, answer, alen) < 0)
				break;
		}
		close(fd);
	}
	_exit(0);
}

/* --- mistakes get one line and status 2 ------------------------------------ */

static char *const bad[][7] = {
	{ PUSHPULL, NULL },
	{ PUSHPULL, "nonsense", NULL },
	{ PUSHPULL, "serve", "--bogus", NULL },
	{ PUSHPULL, "serve", "--port", NULL },
	{ PUSHPULL, "serve", "--port", "70000", NULL },
	{ PUSHPULL, "serve", "--host", "1.2.3.4.5", NULL },
	{ PUSHPULL, "client", "long", NULL },
	{ PUSHPULL, "client", "smoke", "http://127.0.0.1:1/", NULL },
	{ PUSHPULL, "client", "long", "ftp://x/", NULL },
	{ PUSHPULL, "client", "rpc", "http://1.2.3.4.5/score", NULL },
	{ PUSHPULL, "client", "long", "http://127.0.0.1:1/score?since=3", NULL },
	{ PUSHPULL, "client", "long", "http://127.0.0.1:1/score", "--data", "x", NULL },
	{ PUSHPULL, "client", "ws", "http://127.0.0.1:1/ws", "--method", "POST", NULL },
	{ PUSHPULL, "client", "rpc", "http://127.0.0.1:1/", "--retries", "-1", NULL },
	{ PUSHPULL, "client", "rpc", "http://127.0.0.1:1/", "--retries", "1000001", NULL },
	{ PUSHPULL, "demo", "--events", "0", NULL },
	{ PUSHPULL, "demo", "--scenario", "opera", NULL },
	{ PUSHPULL, "demo", "--diagram", "smoke-signals", NULL },
	{ PUSHPULL, "demo", "--rtt", "-3", NULL },
	{ PUSHPULL, "demo", "--loss", "101", NULL },
	{ LOADGEN, "ws-echo", "--bogus", NULL },
	{ LOADGEN, "bench", NULL },
};

START_TEST(bad_usage)
{
	struct proc_run r;
	proc_run(&r, bad[_i], 5000);
	ck_assert_msg(r.status == 2, "%s %s: status %d", bad[_i][1] ? bad[_i][1] : "",
		      bad[_i][2] ? bad[_i][2] : "", r.status);
	if (bad[_i][1])         /* the bare program prints its usage instead */
		ck_assert_msg(count_lines(r.err) == 1, "not one line: %s", r.err);
	ck_assert_uint_eq(r.out_len, 0);
}
END_TEST

START_TEST(help_everywhere)
{
	static const char *const cmds[] = { "serve", "client", "demo" };
	struct proc_run r;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		char *argv[] = { PUSHPULL, (char *)cmds[i], "--help", NULL };
		proc_run(&r, argv, 5000);
		ck_assert_int_eq(r.status, 0);
		ck_assert_ptr_nonnull(strstr(r.out, "usage: pushpull"));
	}
	char *lg[] = { LOADGEN, "--help", NULL };
	proc_run(&r, lg, 5000);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: loadgen"));
}
END_TEST

/* --- the server and the clients, as separate programs ------------------- */

/* Starts `pushpull serve --port 0`; its base URL goes in 'base'. */
static pid_t serve_start(int *so, int *se, char *base, size_t cap)
{
	char *serve[] = { PUSHPULL, "serve", "--port", "0", NULL };
	return proc_serve_start(serve, so, se, base, cap);
}

/* IPv6: a server on ::1 says where in URL form, and every kind of client
 * reaches it with a bracketed address; IPv4's loopback does not, unless
 * the server listens on "*", both families on one socket. */
START_TEST(ipv6_serve_and_clients)
{
	int so, se;
	char base[96], url[160];
	struct proc_run r;
	char *serve[] = { PUSHPULL, "serve", "--host", "::1", "--port", "0", NULL };
	pid_t srv = proc_serve_start(serve, &so, &se, base, sizeof base);
	ck_assert_msg(strncmp(base, "http://[::1]:", 13) == 0, "%s", base);
	snprintf(url, sizeof url, "%s/publish", base);
	char *pub[] = { PUSHPULL, "client", "rpc", url, "--method", "POST", "--data", "v6", NULL };
	proc_run(&r, pub, 5000);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"seq\":1"));
	static const char *const kinds[][2] = { { "long", "/score" }, { "sse", "/events" },
						{ "ws", "/ws" } };
	for (size_t k = 0; k < 3; k++) {
		snprintf(url, sizeof url, "%s%s", base, kinds[k][1]);
		if (k == 2)
			memcpy(url, "ws://", 5), memmove(url + 5, url + 7, strlen(url + 7) + 1);
		char *cl[] = { PUSHPULL, "client", (char *)kinds[k][0], url, "--since", "0",
			       "--count", "1", NULL };
		proc_run(&r, cl, 5000);
		ck_assert_msg(r.status == 0 && strstr(r.out, "\"data\":\"v6\""), "%s: %s %s",
			      kinds[k][0], r.out, r.err);
	}
	proc_serve_stop(srv, so, se, &r);
	ck_assert_int_eq(r.status, 0);

	char *dual[] = { PUSHPULL, "serve", "--host", "*", "--port", "0", NULL };
	srv = proc_serve_start(dual, &so, &se, base, sizeof base);
	ck_assert_msg(strncmp(base, "http://[::]:", 12) == 0, "%s", base);
	snprintf(url, sizeof url, "http://127.0.0.1:%s/score", base + 12);
	char *v4[] = { PUSHPULL, "client", "rpc", url, "--count", "1", NULL };
	proc_run(&r, v4, 5000);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"seq\":0"));
	proc_serve_stop(srv, so, se, &r);
}
END_TEST

START_TEST(serve_and_clients)
{
	int so, se;
	char base[64];
	pid_t srv = serve_start(&so, &se, base, sizeof base);

	char url[96];
	snprintf(url, sizeof url, "%s/publish?type=score", base);
	char *pub1[] = { PUSHPULL, "client", "rpc", url, "--method", "POST", "--data", "1/0", NULL };
	char *pub2[] = { PUSHPULL, "client", "rpc", url, "--data", "FOUR!", NULL };   /* POST */
	struct proc_run r;
	proc_run(&r, pub1, 5000);
	ck_assert_int_eq(r.status, 0);
	/* {"seq":1,"id":"<12 hex digits>-1"}: the server's epoch, then seq. */
	char ep[13], want[512];
	ck_assert_int_eq(sscanf(r.out, "{\"seq\":1,\"id\":\"%12[0-9a-f]-1\"}\n", ep), 1);
	snprintf(want, sizeof want, "{\"seq\":1,\"id\":\"%s-1\"}\n", ep);
	ck_assert_str_eq(r.out, want);
	ck_assert_ptr_nonnull(strstr(r.err, "tcp handshakes"));       /* its ledger */
	proc_run(&r, pub2, 5000);
	ck_assert_int_eq(r.status, 0);
	snprintf(want, sizeof want, "{\"seq\":2,\"id\":\"%s-2\"}\n", ep);
	ck_assert_str_eq(r.out, want);
	/* --data implies POST, unless --method says otherwise: then /publish
	 * refuses the GET, and the client exits 1 with the server's words. */
	char *get_data[] = { PUSHPULL, "client", "rpc", url, "--method", "GET", "--data", "x",
			     NULL };
	proc_run(&r, get_data, 5000);
	ck_assert_int_eq(r.status, 1);
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_ptr_nonnull(strstr(r.err, "rpc: the server answered 405 Method Not Allowed: "
				     "method not allowed\n"));
	/* A client's one ledger pays for its loop too: a wake-up is a return
	 * of epoll_wait with events, counted once, so never more of them. */
	snprintf(url, sizeof url, "%s/score", base);
	char *five[] = { PUSHPULL, "client", "rpc", url, "--count", "5", NULL };
	proc_run(&r, five, 5000);
	long wakeups = ledger_row(r.err, "\nwake-ups"), waits = ledger_row(r.err, "epoll_wait");
	ck_assert_int_ge(wakeups, 5);
	ck_assert_int_le(wakeups, waits);
	/* Events are counted by a client, latency is not: no row for it. */
	ck_assert_int_eq(ledger_row(r.err, "\nevents delivered"), 5);
	ck_assert_ptr_null(strstr(r.err, "latency"));

	/* A long poller from the start of the ring gets both, in order. */
	char both[256];
	snprintf(both, sizeof both, "{\"seq\":1,\"id\":\"%s-1\",\"type\":\"score\",\"data\":\"1/0\"}\n"
		 "{\"seq\":2,\"id\":\"%s-2\",\"type\":\"score\",\"data\":\"FOUR!\"}\n", ep, ep);
	snprintf(url, sizeof url, "%s/score", base);
	char *lp[] = { PUSHPULL, "client", "long", url, "--count", "2", NULL };
	proc_run(&r, lp, 5000);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, both);
	ck_assert_ptr_nonnull(strstr(r.err, "2 events received"));

	/* A long poller ahead of the server (as after a restart without a
	 * journal) is told of the gap, in its place on stdout, then gets
	 * everything the server holds. */
	char *ahead[] = { PUSHPULL, "client", "long", url, "--since", "5", "--count", "2", NULL };
	proc_run(&r, ahead, 5000);
	ck_assert_int_eq(r.status, 0);
	snprintf(want, sizeof want, "{\"type\":\"reset\",\"reason\":\"ahead\",\"missed\":null,"
		 "\"seq\":0,\"id\":\"%s-0\"}\n%s", ep, both);
	ck_assert_str_eq(r.out, want);
	ck_assert_ptr_nonnull(strstr(r.err, "reset (ahead): an unknown number of events lost"));
	ck_assert_ptr_nonnull(strstr(r.err, "1 gaps (1 of unknown size)"));
	/* Another epoch's id, with --exit-on-gap: the notice, then exit 3. */
	char *other[] = { PUSHPULL, "client", "long", url, "--since", "000000000001-1",
			  "--exit-on-gap", NULL };
	proc_run(&r, other, 5000);
	ck_assert_int_eq(r.status, 3);
	snprintf(want, sizeof want, "{\"type\":\"reset\",\"reason\":\"epoch\",\"missed\":null,"
		 "\"seq\":0,\"id\":\"%s-0\"}\n", ep);
	ck_assert_str_eq(r.out, want);
	/* Its own id: exactly what follows, no gap. */
	char mine[64];
	snprintf(mine, sizeof mine, "%s-1", ep);
	char *own[] = { PUSHPULL, "client", "long", url, "--since", mine, "--count", "1",
			"--exit-on-gap", NULL };
	proc_run(&r, own, 5000);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, strchr(both, '\n') + 1);
	char *bad_since[] = { PUSHPULL, "client", "long", url, "--since", "x-1", NULL };
	proc_run(&r, bad_since, 5000);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--since needs an event id"));

	/* A refusal is shown with the server's reason, and is an error. */
	snprintf(url, sizeof url, "%s/score?since=x", base);
	char *refused[] = { PUSHPULL, "client", "rpc", url, NULL };
	proc_run(&r, refused, 5000);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "the server answered 400 Bad Request: "
				     "since must be an event id"));

	/* A POST that went out and got no answer is not sent again by itself
	 * (RFC 9110 §9.2.2): a server that reads it and closes. */
	uint16_t port;
	int lfd = listen_loopback(&port);
	pid_t mute = fork();
	ck_assert_int_ge(mute, 0);
	if (mute == 0) {
		for (int k = 0; k < 2; k++) {   /* a second try would be seen, and closed too */
			int fd = accept(lfd, NULL, NULL);
			char buf[4096];
			struct pollfd pf = { fd, POLLIN, 0 };
			if (fd >= 0 && poll(&pf, 1, 2000) == 1)
				(void)read(fd, buf, sizeof buf);
			close(fd);
		}
		_exit(0);
	}
	close(lfd);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/publish", (unsigned)port);
	char *lost[] = { PUSHPULL, "client", "rpc", url, "--method", "POST", "--data", "x",
			 "--interval", "100", NULL };
	proc_run(&r, lost, 5000);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "not sent twice"));
	kill(mute, SIGKILL);
	waitpid(mute, NULL, 0);
	/* One that never left (nothing listens there now) is tried again. */
	char *refused_post[] = { PUSHPULL, "client", "rpc", url, "--method", "POST", "--data", "x",
				 "--interval", "100", NULL };
	proc_run(&r, refused_post, 700);
	ck_assert_int_eq(r.status, -1);         /* still trying when stopped */
	ck_assert_ptr_null(strstr(r.err, "not sent twice"));
	ck_assert_ptr_nonnull(strstr(strstr(r.err, "refused") + 1, "refused"));    /* twice at least */

	/* An SSE client resuming from event 1 gets event 2 as the feed renders it. */
	snprintf(url, sizeof url, "%s/events?lastEventId=1", base);
	char *sse[] = { PUSHPULL, "client", "sse", url, "--count", "1", NULL };
	proc_run(&r, sse, 5000);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, strchr(both, '\n') + 1);

	/* An SSE client sent to something that is no event stream gives up,
	 * and says so in its exit status. */
	snprintf(url, sizeof url, "%s/score", base);
	char *not_sse[] = { PUSHPULL, "client", "sse", url, NULL };
	proc_run(&r, not_sse, 5000);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "not an event stream"));

	/* A WebSocket client asking from event 0 gets both as text messages. */
	snprintf(url, sizeof url, "ws%s/ws?since=0", base + 4);
	char *ws[] = { PUSHPULL, "client", "ws", url, "--count", "2", NULL };
	proc_run(&r, ws, 5000);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, both);

	/* Lines piped in are sent once the connection is open -- none is read
	 * before it could go -- and come back as an event; the end of stdin
	 * does not end the client. */
	char *echo_ws[] = { PUSHPULL, "client", "ws", url, "--count", "3", NULL };
	proc_run_input(&r, echo_ws, "hello\n", 5000);
	ck_assert_int_eq(r.status, 0);
	snprintf(want, sizeof want, "{\"seq\":3,\"id\":\"%s-3\",\"type\":\"message\",\"data\":\"hello\"}\n",
		 ep);
	ck_assert_ptr_nonnull(strstr(r.out, want));

	struct proc_run s;
	proc_serve_stop(srv, so, se, &s);
	ck_assert_ptr_nonnull(strstr(s.out, "long-poll/server"));
	ck_assert_ptr_nonnull(strstr(s.out, "sse/server"));
	ck_assert_ptr_nonnull(strstr(s.out, "websocket/server"));
}
END_TEST

/* A long poller waits --interval before asking again after a refusal,
 * and after a status code outside 100..599, which it reads as a 5xx
 * (RFC 9110 §15): a server that answers "099" is not asked in a loop,
 * and each wait is twice the last (200, 400: three requests in 700 ms). */
START_TEST(long_poll_backs_off)
{
	uint16_t port;
	pid_t odd = stand_in("HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n", 3000, &port);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%u/score", (unsigned)port);
	char *poller[] = { PUSHPULL, "client", "long", url, "--interval", "200", NULL };
	struct proc_run r;
	proc_run(&r, poller, 700);
	kill(odd, SIGKILL);
	waitpid(odd, NULL, 0);
	size_t answers = 0;
	for (const char *p = r.err; (p = strstr(p, "answered 099 Odd")) != NULL; p++)
		answers++;
	ck_assert_uint_ge(answers, 1);
	ck_assert_msg(answers <= 4, "asked %zu times in 700 ms at an interval of 200", answers);
}
END_TEST

/* --- giving up ---------------------------------------------------------------- */

/* The last line of 'err' (where the program says why it gave up). */
static const char *last_line(const char *err, size_t len)
{
	if (len == 0)
		return err;
	size_t i = len - 1;                     /* the final '\n' */
	while (i > 0 && err[i - 1] != '\n')
		i--;
	return err + i;
}

/* Asserts that 'r' gave up (status 1, nothing on stdout), and that its
 * last line is "pushpull client: " and then 'why' (a prefix of it). */
static void assert_gave_up(const struct proc_run *r, const char *why)
{
	ck_assert_msg(r->status == 1, "status %d: %s", r->status, r->err);
	ck_assert_uint_eq(r->out_len, 0);
	const char *last = last_line(r->err, r->err_len);
	char want[512];
	snprintf(want, sizeof want, "pushpull client: %s", why);
	ck_assert_msg(strncmp(last, want, strlen(want)) == 0, "last line: %s\nwanted: %s", last,
		      want);
}

/* The wrong endpoint of the real server: a retry would be answered the
 * same, so each client ends at its first answer -- one connection, even
 * asked for three events without keep-alive -- and says what is wrong. */
static const struct { const char *kind, *path, *why; } wrong[] = {
	{ "ws", "/score", "websocket: the server answered 200 OK to the upgrade: "
	  "not a WebSocket endpoint" },
	{ "ws", "/nothing", "websocket: the server answered 404 Not Found to the upgrade: "
	  "not a WebSocket endpoint" },
	{ "sse", "/score", "sse: the server answered 200 OK with Content-Type application/json: "
	  "not an event stream" },
	{ "sse", "/nothing", "sse: the server answered 404 Not Found: not an event stream" },
	{ "long", "/events", "long-poll: the server answered 200 OK with an event stream, which "
	  "never ends: long-poll needs a whole answer" },
	{ "long", "/ws", "long-poll: the server answered 400 Bad Request: Upgrade field" },
	{ "long", "/ledger", "long-poll: the server answered 200 OK without long polling's JSON "
	  "({\"latest\":...}): not a long-poll endpoint" },
	{ "short", "/events", "short-poll: the server answered 200 OK with an event stream, "
	  "which never ends: short-poll needs a whole answer" },
	{ "short", "/ledger", "short-poll: the server answered 200 OK with no state (a JSON "
	  "object with a \"seq\"): not a short-poll endpoint" },
	{ "rpc", "/nothing", "rpc: the server answered 404 Not Found: not found" },
	{ "rpc", "/events", "rpc: the server answered 200 OK with an event stream, which never "
	  "ends: rpc needs a whole answer" },
	{ "rpc", "/publish", "rpc: the server answered 405 Method Not Allowed: method not allowed" },
};

START_TEST(wrong_endpoint_gives_up)
{
	int so, se;
	char base[64], url[128];
	pid_t srv = serve_start(&so, &se, base, sizeof base);
	snprintf(url, sizeof url, "%s%s", base, wrong[_i].path);
	char *cl[] = { PUSHPULL, "client", (char *)wrong[_i].kind, url, "--count", "3",
		       "--no-keep-alive", NULL };
	struct proc_run *r = calloc(1, sizeof *r);
	ck_assert_ptr_nonnull(r);
	uint64_t t0 = proc_now_ms();
	proc_run(r, cl, 10000);
	uint64_t took = proc_now_ms() - t0;
	assert_gave_up(r, wrong[_i].why);
	ck_assert_int_eq(ledger_row(r->err, "\n  connect"), 1);
	ck_assert_ptr_null(strstr(r->err, "; retry "));
	ck_assert_msg(took < 5000, "%s %s took %llu ms", wrong[_i].kind, wrong[_i].path,
		      (unsigned long long)took);
	proc_serve_stop(srv, so, se, r);
	free(r);
}
END_TEST

/* A port nobody listens on: a socket bound to it, never listening, keeps
 * it so (a connection to it is refused) until the test closes it. */
static int refusing_port(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static const struct { const char *kind, *name, *path; } kinds[] = {
	{ "rpc", "rpc", "/score" }, { "short", "short-poll", "/score" },
	{ "long", "long-poll", "/score" }, { "sse", "sse", "/events" },
	{ "ws", "websocket", "/ws" },
};
#define N_KINDS ((int)(sizeof kinds / sizeof kinds[0]))

/* Refused from the start, every client tries --retries times more, each
 * wait twice the last (20, 40, 80 ms: sse too, as --interval was given),
 * then gives up, saying why; --retries 0 gives up at once; and the
 * default is 5 (waits of 1, 2, 4, 8, 16 ms here). */
START_TEST(refused_gives_up)
{
	uint16_t port;
	int fd = refusing_port(&port);
	char url[64], why[160];
	snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)port, kinds[_i].path);
	char *kind = (char *)kinds[_i].kind;
	struct proc_run *r = calloc(1, sizeof *r);
	ck_assert_ptr_nonnull(r);

	char *three[] = { PUSHPULL, "client", kind, url, "--interval", "20", "--retries", "3",
			  NULL };
	uint64_t t0 = proc_now_ms();
	proc_run(r, three, 10000);
	uint64_t took = proc_now_ms() - t0;
	snprintf(why, sizeof why, "%s: gave up after 4 attempts: ", kinds[_i].name);
	assert_gave_up(r, why);
	ck_assert_ptr_nonnull(strstr(last_line(r->err, r->err_len), "Connection refused"));
	ck_assert_int_eq(ledger_row(r->err, "\n  connect"), 4);
	ck_assert_ptr_nonnull(strstr(r->err, "; retry 1 of 3 in 20 ms"));
	ck_assert_ptr_nonnull(strstr(r->err, "; retry 2 of 3 in 40 ms"));
	ck_assert_ptr_nonnull(strstr(r->err, "; retry 3 of 3 in 80 ms"));
	ck_assert_msg(took >= 140 && took < 5000, "took %llu ms", (unsigned long long)took);

	char *none[] = { PUSHPULL, "client", kind, url, "--retries", "0", NULL };
	proc_run(r, none, 10000);
	snprintf(why, sizeof why, "%s: gave up after 1 attempt: ", kinds[_i].name);
	assert_gave_up(r, why);
	ck_assert_int_eq(ledger_row(r->err, "\n  connect"), 1);

	char *dflt[] = { PUSHPULL, "client", kind, url, "--interval", "1", NULL };
	proc_run(r, dflt, 10000);
	snprintf(why, sizeof why, "%s: gave up after 6 attempts: ", kinds[_i].name);
	assert_gave_up(r, why);
	ck_assert_ptr_nonnull(strstr(r->err, "; retry 5 of 5 in 16 ms"));
	ck_assert_int_eq(ledger_row(r->err, "\n  connect"), 6);
	close(fd);
	free(r);
}
END_TEST

/* A server that answers 503 to everything: rpc takes the answer as its
 * result and exits 1 at once, with the status and the body; the others
 * take it for a passing trouble, and give up when their retries are
 * spent. */
START_TEST(unavailable_retried)
{
	uint16_t port;
	pid_t busy = stand_in("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 15\r\n\r\n"
			      "come back later", 8000, &port);
	char url[64], why[160];
	snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)port, kinds[_i].path);
	struct proc_run *r = calloc(1, sizeof *r);
	ck_assert_ptr_nonnull(r);
	char *cl[] = { PUSHPULL, "client", (char *)kinds[_i].kind, url, "--interval", "20",
		       "--retries", "2", NULL };
	proc_run(r, cl, 10000);
	kill(busy, SIGKILL);
	waitpid(busy, NULL, 0);
	if (_i == 0) {
		assert_gave_up(r, "rpc: the server answered 503 Service Unavailable: come back later");
		ck_assert_ptr_null(strstr(r->err, "; retry "));
	} else {
		snprintf(why, sizeof why, "%s: gave up after 3 attempts: the server answered 503 "
			 "Service Unavailable", kinds[_i].name);
		assert_gave_up(r, why);
		ck_assert_ptr_nonnull(strstr(r->err, "; retry 2 of 2 in 40 ms"));
	}
	free(r);
}
END_TEST

/* --- the load generator, small ------------------------------------------------ */

START_TEST(loadgen_modes)
{
	int so, se;
	char base[64], ws[96];
	pid_t srv = serve_start(&so, &se, base, sizeof base);
	struct proc_run r;

	/* 20 streams x 30 events: every delivery arrives, and is checked. */
	char *fan[] = { LOADGEN, "sse-fanout", base, "--clients", "20",
			"--events", "30", NULL };
	proc_run(&r, fan, 20000);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "\"deliveries\":600,"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"bad\":0}"));

	/* Echoes of 3 connections x 4 in flight, for one counted second. */
	snprintf(ws, sizeof ws, "ws%s/echo", base + 4);
	char *echo[] = { LOADGEN, "ws-echo", ws, "--connections", "3", "--inflight", "4",
			 "--size", "200", "--duration", "1", "--warmup", "0", NULL };
	proc_run(&r, echo, 20000);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	unsigned long long msgs = 0;
	const char *m = strstr(r.out, "\"messages\":");
	ck_assert_msg(m != NULL, "no message count in: %s", r.out);
	ck_assert_int_eq(sscanf(m, "\"messages\":%llu", &msgs), 1);
	ck_assert_uint_gt(msgs, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"bad\":0,"));      /* every echo the right length */

	/* Idle streams: all open, then held for a second. */
	char *idle[] = { LOADGEN, "idle", "sse", base, "--connections", "50",
			 "--hold", "1", NULL };
	proc_run(&r, idle, 20000);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "ready 50"));

	/* Held long polls from three source addresses, one event published
	 * while they are held: each poll is answered, and asked again. */
	char *lp[] = { LOADGEN, "idle", "lp", base, "--connections", "30", "--sources", "3",
		       "--hold", "2", NULL };
	int lo, le;
	pid_t held = proc_spawn(lp, NULL, &lo, &le);
	usleep(1000 * 1000);                    /* all 30 held by then */
	char pub_url[96];
	snprintf(pub_url, sizeof pub_url, "%s/publish", base);
	char *pub[] = { PUSHPULL, "client", "rpc", pub_url, "--data", "held", NULL };
	proc_run(&r, pub, 5000);
	ck_assert_int_eq(r.status, 0);
	memset(&r, 0, sizeof r);
	proc_drain(&r, lo, le, 10000);
	close(lo);
	close(le);
	proc_reap(&r, held, 5000);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "ready 30"));
	ck_assert_msg(strstr(r.out, "\"kind\":\"lp\",\"connections\":30,") != NULL, "%s", r.out);
	ck_assert_msg(strstr(r.out, "\"answered\":30,\"dropped\":0}") != NULL, "%s", r.out);

	/* What the command line refuses, with the usage status. */
	static const char *const bad[][4] = {
		{ "idle", "lp", "--sources", "0" },       /* 1..1000 */
		{ "idle", "lp", "--sources", "1001" },
		{ "idle", "tcp", "--connections", "1" },  /* ws, sse or lp */
		{ "idle", "lp", "--events", "3" },        /* not this mode's */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *argv[] = { LOADGEN, (char *)bad[i][0], (char *)bad[i][1], base,
				 (char *)bad[i][2], (char *)bad[i][3], NULL };
		proc_run(&r, argv, 5000);
		ck_assert_msg(r.status == 2, "%s %s %s: status %d", bad[i][1], bad[i][2],
			      bad[i][3], r.status);
	}

	struct proc_run s;
	proc_serve_stop(srv, so, se, &s);
	ck_assert_ptr_nonnull(strstr(s.out, "sse/server"));
}
END_TEST

/* --- the demo, short --------------------------------------------------------- */

START_TEST(demo_runs)
{
	char *demo[] = { PUSHPULL, "demo", "--events", "6", "--interval", "20", "--poll", "50",
			 "--scenario", "ec2", NULL };
	struct proc_run r;
	proc_run(&r, demo, 20000);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "an EC2 instance being provisioned"));
	ck_assert_ptr_nonnull(strstr(r.out, "6 events published"));
	/* The three push paradigms delivered every event, and the scorer's
	 * two rows published half each. */
	const char *row = strstr(r.out, "events delivered");
	ck_assert_ptr_nonnull(row);
	unsigned rpc, rpc_new, shrt, lng, sse, ws;
	ck_assert_int_eq(sscanf(row, "events delivered %u %u %u %u %u %u", &rpc, &rpc_new, &shrt,
				&lng, &sse, &ws), 6);
	ck_assert_uint_eq(rpc, 3);
	ck_assert_uint_eq(rpc_new, 3);
	ck_assert_uint_eq(lng, 6);
	ck_assert_uint_eq(sse, 6);
	ck_assert_uint_eq(ws, 6);
	ck_assert_uint_ge(shrt, 1);
	ck_assert_ptr_nonnull(strstr(r.out, "Server side, every counter"));
}
END_TEST

/* Every test runs the programs, so without them there is no suite to
 * run: test_suite() is called once, before any test, and ends the
 * program with a failure and the reason. */
/* Diagrams from the syscalls (no capture asked), and the SVG files. */
START_TEST(demo_draws)
{
	char *demo[] = { PUSHPULL, "demo", "--events", "2", "--interval", "20", "--poll", "40",
			 "--no-capture", "--diagram", "sse", "--svg", "build/test/demo-svg", NULL };
	struct proc_run *r = calloc(1, sizeof *r);
	proc_run(r, demo, 20000);
	ck_assert_msg(r->status == 0, "status %d: %s", r->status, r->err);
	ck_assert_ptr_nonnull(strstr(r->out, "No capture (--no-capture)"));
	ck_assert_ptr_nonnull(strstr(r->out, "sse -- send() and connect/close calls"));
	ck_assert_ptr_nonnull(strstr(r->out, "GET /events"));
	ck_assert_ptr_null(strstr(r->out, "websocket -- "));    /* only the one asked for */
	static const char *const files[] = { "sse.svg", "costs.svg" };
	for (size_t i = 0; i < 2; i++) {
		char path[128], head[6] = "";
		snprintf(path, sizeof path, "build/test/demo-svg/%s", files[i]);
		FILE *f = fopen(path, "r");
		ck_assert_msg(f != NULL, "no %s", path);
		ck_assert_uint_eq(fread(head, 1, 5, f), 5);
		fclose(f);
		ck_assert_str_eq(head, "<?xml");
		unlink(path);
	}
	free(r);
}
END_TEST

Suite *test_suite(void)
{
	if (access(PUSHPULL, X_OK) != 0) {
		fprintf(stderr, "test_paradigms_cli: %s is missing (make builds it first)\n", PUSHPULL);
		exit(EXIT_FAILURE);
	}
	Suite *s = suite_create("paradigms_cli");
	TCase *tc = tcase_create("usage");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, bad_usage, 0, (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, help_everywhere);
	suite_add_tcase(s, tc);
	tc = tcase_create("programs");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, serve_and_clients);
	tcase_add_test(tc, ipv6_serve_and_clients);
	tcase_add_test(tc, long_poll_backs_off);
	tcase_add_test(tc, loadgen_modes);
	tcase_add_test(tc, demo_runs);
	tcase_add_test(tc, demo_draws);
	suite_add_tcase(s, tc);
	tc = tcase_create("giving up");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, wrong_endpoint_gives_up, 0, (int)(sizeof wrong / sizeof wrong[0]));
	tcase_add_loop_test(tc, refused_gives_up, 0, N_KINDS);
	tcase_add_loop_test(tc, unavailable_retried, 0, N_KINDS);
	suite_add_tcase(s, tc);
	return s;
}
