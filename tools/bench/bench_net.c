/* bench_net.c -- what the event loop itself costs.
 *
 *   1. timer insert + cancel, in nanoseconds per pair, with a heap that
 *      already holds 10,000 timers (the case of many held long polls);
 *   2. a 64-byte ping-pong over 127.0.0.1 through src/net (loop, conn,
 *      ledger) against the same ping-pong with bare blocking read/write,
 *      measured in the same run; the ratio is the price of the loop.
 *
 * The echo side runs in a child process, so each round trip crosses two
 * processes as a real client and server would.  Each measurement runs
 * several times and the median is printed.  Usage: bench_net [rounds]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/conn.h"
#include "net/loop.h"

#define MSG 64
#define REPEATS 5

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[n / 2];
}

/* --- 1. timers ---------------------------------------------------------- */

static void never(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t; (void)ud;
}

static double bench_timers(void)
{
	struct net_loop *loop = net_loop_new(NULL);
	enum { BACKGROUND = 10000, PAIRS = 1000000 };
	struct net_timer *bg = calloc(BACKGROUND, sizeof *bg);
	for (int i = 0; i < BACKGROUND; i++) {
		net_timer_init(&bg[i], never, NULL);
		net_timer_start(loop, &bg[i], 60000 + (uint64_t)(i * 7919 % 10000), 0);
	}
	struct net_timer t;
	net_timer_init(&t, never, NULL);
	uint64_t t0 = net_now_us();
	for (int i = 0; i < PAIRS; i++) {
		net_timer_start(loop, &t, 30000 + (uint64_t)(i % 60000), 0);
		net_timer_stop(loop, &t);
	}
	double ns = (double)(net_now_us() - t0) * 1000.0 / PAIRS;
	free(bg);
	net_loop_free(loop);
	return ns;
}

/* --- 2. ping-pong ------------------------------------------------------- */

/* The echo server, blocking and bare: the same for both clients. */
static void echo_child(int lfd)
{
	int fd = accept(lfd, NULL, NULL);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	char buf[MSG];
	for (;;) {
		ssize_t got = 0;
		while (got < MSG) {
			ssize_t r = read(fd, buf + got, (size_t)(MSG - got));
			if (r <= 0)
				_exit(0);
			got += r;
		}
		if (write(fd, buf, MSG) != MSG)
			_exit(0);
	}
}

static pid_t start_echo(uint16_t *port)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t n = sizeof sa;
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &n) < 0) {
		perror("bench_net: listen");
		exit(1);
	}
	*port = ntohs(sa.sin_port);
	pid_t pid = fork();
	if (pid == 0)
		echo_child(lfd);
	close(lfd);
	return pid;
}

static double bare_pingpong(int rounds)
{
	uint16_t port;
	pid_t pid = start_echo(&port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("bench_net: connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	char buf[MSG];
	memset(buf, 'x', sizeof buf);
	uint64_t t0 = net_now_us();
	for (int i = 0; i < rounds; i++) {
		if (write(fd, buf, MSG) != MSG)
			exit(1);
		ssize_t got = 0;
		while (got < MSG) {
			ssize_t r = read(fd, buf + got, (size_t)(MSG - got));
			if (r <= 0)
				exit(1);
			got += r;
		}
	}
	double ns = (double)(net_now_us() - t0) * 1000.0 / rounds;
	close(fd);
	waitpid(pid, NULL, 0);
	return ns;
}

struct pp {
	int left;
	size_t got;
	char msg[MSG];
};

static void pp_send(struct net_conn *c)
{
	struct pp *p = net_conn_ud(c);
	net_conn_write(c, p->msg, MSG);
}

static size_t pp_data(struct net_conn *c, uint8_t *data, size_t len)
{
	(void)data;
	struct pp *p = net_conn_ud(c);
	p->got += len;
	while (p->got >= MSG) {
		p->got -= MSG;
		if (--p->left == 0) {
			net_loop_stop(net_conn_loop(c));
			return len;
		}
		pp_send(c);
	}
	return len;
}

static void pp_connect(struct net_conn *c, int err)
{
	if (err) {
		fprintf(stderr, "bench_net: connect: %s\n", strerror(errno));
		exit(1);
	}
	net_conn_set_nodelay(c, true);
	pp_send(c);
}

static const struct net_conn_ops pp_ops = { .on_data = pp_data, .on_connect = pp_connect };

static double net_pingpong(int rounds, struct net_ledger *ledger)
{
	uint16_t port;
	pid_t pid = start_echo(&port);
	struct net_loop *loop = net_loop_new(ledger);
	struct pp p = { .left = rounds };
	memset(p.msg, 'x', sizeof p.msg);
	struct net_conn *c = net_connect(loop, "127.0.0.1", port, &pp_ops, &p, ledger);
	if (!c) {
		fprintf(stderr, "bench_net: %s\n", strerror(errno));
		exit(1);
	}
	/* Time from the first send: run until connected first. */
	uint64_t t0 = net_now_us();
	net_loop_run(loop);
	double ns = (double)(net_now_us() - t0) * 1000.0 / rounds;
	net_conn_abort(c, 0);
	net_loop_run_once(loop, 0);
	net_loop_free(loop);
	waitpid(pid, NULL, 0);
	return ns;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20000;
	if (rounds <= 0) {
		fprintf(stderr, "usage: bench_net [rounds]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	double tm[REPEATS], bare[REPEATS], loop[REPEATS];
	struct net_ledger ledger;
	for (int i = 0; i < REPEATS; i++) {
		tm[i] = bench_timers();
		bare[i] = bare_pingpong(rounds);
		net_ledger_init(&ledger, "pingpong");
		loop[i] = net_pingpong(rounds, &ledger);
	}
	double t = median(tm, REPEATS), b = median(bare, REPEATS), l = median(loop, REPEATS);
	uint64_t sys = net_counts_syscalls(&ledger.c);
	printf("net loop benchmark (median of %d runs, %d round trips of %d bytes)\n",
	       REPEATS, rounds, MSG);
	printf("  %-38s %10.1f ns\n", "timer insert + cancel (10k armed)", t);
	printf("  %-38s %10.0f ns\n", "ping-pong, bare blocking read/write", b);
	printf("  %-38s %10.0f ns\n", "ping-pong, through src/net", l);
	printf("  %-38s %10.2f x\n", "src/net / bare", l / b);
	printf("  %-38s %10.2f\n", "client syscalls per round trip", (double)sys / rounds);
	printf("{\"bench\":\"net\",\"timer_insert_cancel_ns\":%.1f,\"pingpong_bare_ns\":%.0f,"
	       "\"pingpong_net_ns\":%.0f,\"ratio\":%.3f,\"syscalls_per_rtt\":%.2f}\n",
	       t, b, l, l / b, (double)sys / rounds);
	return 0;
}
