/* test_paradigms_wire.c -- the demo's packet counts against tcpdump's.
 *
 * `pushpull demo --json` counts every packet of each row from its own
 * capture of the loopback device.  Here tcpdump captures the same run into
 * a file, and each counter of each row is compared with what one tcpdump
 * filter finds in that file on the row's port: they must be equal, for
 * both connection policies.  And the capture must change nothing it
 * measures: the rows' syscalls and bytes are the same with it as without.
 *
 * Both need root (an AF_PACKET socket, and tcpdump); tcpdump is installed
 * with apt-get when missing.  Without root the tests say why they skip.
 */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "support/proc.h"
#include "support/xmlcheck.h"
#include "util/json.h"

#define PUSHPULL "bin/pushpull"
#define PCAP "build/test/wire.pcap"

static const char *tcpdump_path(void)
{
	static const char *const where[] = { "/usr/bin/tcpdump", "/usr/sbin/tcpdump" };
	for (size_t i = 0; i < 2; i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

/* Root, and tcpdump (installed if need be)?  Else says why not. */
static bool can_run(void)
{
	if (geteuid() != 0) {
		printf("test_paradigms_wire: skipped: needs root (a packet capture, and tcpdump)\n");
		return false;
	}
	if (!tcpdump_path() &&
	    system("(apt-get install -y tcpdump || (apt-get update && apt-get install -y tcpdump))"
		   " >/dev/null 2>&1") != 0) {
		printf("test_paradigms_wire: skipped: tcpdump is missing and apt-get could not "
		       "install it\n");
		return false;
	}
	return tcpdump_path() != NULL;
}

/* --- tcpdump ------------------------------------------------------------------ */

/* tcpdump's output pipes, kept open while it runs: a closed one would
 * kill it with SIGPIPE at its first message. */
static int td_out = -1, td_err = -1;

/* Starts tcpdump on lo, writing to PCAP, and waits until it listens. */
static pid_t tcpdump_start(void)
{
	/* A large capture buffer (64 MiB): every TCP packet of the loopback
	 * is captured, the demo's and whatever else the machine runs, and a
	 * dropped one would make the counts differ. */
	char *argv[] = { (char *)tcpdump_path(), "-i", "lo", "-n", "-U", "--immediate-mode", "-s", "128",
			 "-B", "65536", "-Z", "root", "-w", PCAP, "tcp", NULL };
	int o, e;
	pid_t pid = proc_spawn(argv, NULL, &o, &e);
	char err[1024];
	size_t len = 0;
	uint64_t end = proc_now_ms() + 10000;
	while (proc_now_ms() < end && len < sizeof err - 1) {
		struct pollfd p = { e, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = read(e, err + len, sizeof err - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		err[len] = '\0';
		if (strstr(err, "listening on"))
			break;
	}
	err[len] = '\0';
	ck_assert_msg(strstr(err, "listening on") != NULL, "tcpdump did not start: %s", err);
	td_out = o;
	td_err = e;
	return pid;
}

/* tcpdump writes each packet as it reads it (-U, --immediate-mode): when
 * the file has not grown for 300 ms after the demo ended, every packet of
 * the run is in (the demo itself waited for its capture to be quiet). */
static void tcpdump_settle(void)
{
	off_t last = -1;
	uint64_t still = proc_now_ms(), end = still + 10000;
	while (proc_now_ms() < end && proc_now_ms() - still < 300) {
		struct stat st;
		off_t size = stat(PCAP, &st) == 0 ? st.st_size : -1;
		if (size != last) {
			last = size;
			still = proc_now_ms();
		}
		poll(NULL, 0, 20);              /* the file can only be watched by looking */
	}
}

static void tcpdump_stop(pid_t pid)
{
	struct proc_run *r = calloc(1, sizeof *r);
	tcpdump_settle();
	kill(pid, SIGINT);                      /* ours, by its pid: it writes the file out */
	proc_drain(r, td_out, td_err, 5000);
	close(td_out);
	close(td_err);
	proc_reap(r, pid, 5000);
	ck_assert_msg(r->status == 0, "tcpdump: status %d: %s", r->status, r->err);
	ck_assert_msg(strstr(r->err, "\n0 packets dropped by kernel") != NULL, "tcpdump: %s", r->err);
	free(r);
}

/* The packets of PCAP on 'port' that 'filter' (may be "") also matches. */
static uint64_t tcpdump_count(unsigned port, const char *filter)
{
	char expr[512];
	snprintf(expr, sizeof expr, "tcp port %u%s%s", port, *filter ? " and " : "", filter);
	char *argv[] = { (char *)tcpdump_path(), "-r", PCAP, "-n", expr, NULL };
	struct proc_run *r = calloc(1, sizeof *r);
	proc_run(r, argv, 10000);
	ck_assert_msg(r->status == 0, "tcpdump -r '%s': %s", expr, r->err);
	uint64_t lines = 0;
	for (size_t i = 0; i < r->out_len; i++)
		lines += r->out[i] == '\n';
	free(r);
	return lines;
}

/* Each counter of the demo's JSON, and the tcpdump filter that counts it. */
#define PAYLOAD "(ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2))"
static const struct { const char *name, *filter; } counters[] = {
	{ "total", "" },
	{ "syn", "tcp[tcpflags] & (tcp-syn|tcp-ack|tcp-rst) == tcp-syn" },
	{ "syn_ack", "tcp[tcpflags] & (tcp-syn|tcp-ack|tcp-rst) == (tcp-syn|tcp-ack)" },
	{ "rst", "tcp[tcpflags] & tcp-rst != 0" },
	{ "fin", "tcp[tcpflags] & tcp-fin != 0" },
	{ "data", "tcp[tcpflags] & (tcp-syn|tcp-rst) == 0 and " PAYLOAD " > 0" },
	{ "pure_ack", "tcp[tcpflags] & (tcp-syn|tcp-rst|tcp-fin) == 0 and " PAYLOAD " == 0" },
};

/* --- the demo's JSON ---------------------------------------------------------- */

static void run_demo(struct proc_run *r, bool keep_alive, bool capture)
{
	char *argv[] = { PUSHPULL, "demo", "--json", "--events", "6", "--interval", "30",
			 "--poll", "70", NULL, NULL, NULL };
	int n = 9;
	if (!keep_alive)
		argv[n++] = "--no-keep-alive";
	if (!capture)
		argv[n++] = "--no-capture";
	proc_run(r, argv, 60000);
	ck_assert_msg(r->status == 0, "demo: status %d: %s", r->status, r->err);
}

START_TEST(counts_equal_tcpdump)
{
	if (!can_run())
		return;
	pid_t td = tcpdump_start();
	struct proc_run *r = calloc(1, sizeof *r);
	run_demo(r, _i == 0, true);
	tcpdump_stop(td);
	size_t pos = 0, len;
	const char *obj;
	int rows = 0;
	while (json_array_next(r->out, r->out_len, &pos, &obj, &len) == 1) {
		rows++;
		size_t vl, kl;
		const char *src = json_get(obj, len, "packets_source", &vl);
		ck_assert(src && vl == 9 && memcmp(src, "\"capture\"", 9) == 0);
		const char *k = json_get(obj, len, "packets", &kl);
		ck_assert_ptr_nonnull(k);
		unsigned port = (unsigned)proc_json_u64(obj, len, "port");
		for (size_t c = 0; c < sizeof counters / sizeof counters[0]; c++) {
			uint64_t ours = proc_json_u64(k, kl, counters[c].name);
			uint64_t theirs = tcpdump_count(port, counters[c].filter);
			ck_assert_msg(ours == theirs, "row %.*s: %s %llu, tcpdump %llu", 40, obj,
				      counters[c].name, (unsigned long long)ours,
				      (unsigned long long)theirs);
		}
		ck_assert_uint_gt(proc_json_u64(k, kl, "total"), 0);
	}
	ck_assert_int_eq(rows, 6);
	unlink(PCAP);
	free(r);
}
END_TEST

/* The rows whose syscalls and bytes do not depend on timing: every poll of
 * a short poller depends on how long the run took. */
static bool timing_free(const char *obj, size_t len)
{
	size_t vl;
	const char *p = json_get(obj, len, "paradigm", &vl);
	return !(p && vl == 12 && memcmp(p, "\"short-poll\"", 12) == 0);
}

START_TEST(capture_changes_nothing)
{
	if (!can_run())
		return;
	struct proc_run *with = calloc(1, sizeof *with), *without = calloc(1, sizeof *without);
	run_demo(with, true, true);
	run_demo(without, true, false);
	size_t pa = 0, pb = 0, la, lb;
	const char *a, *b;
	static const char *const sides[] = { "client", "server" };
	static const char *const names[] = { "syscalls", "bytes_out", "bytes_in", "wake_ups" };
	while (json_array_next(with->out, with->out_len, &pa, &a, &la) == 1) {
		ck_assert_int_eq(json_array_next(without->out, without->out_len, &pb, &b, &lb), 1);
		if (!timing_free(a, la))
			continue;
		for (size_t s = 0; s < 2; s++) {
			size_t sa, sb;
			const char *oa = json_get(a, la, sides[s], &sa), *ob = json_get(b, lb, sides[s], &sb);
			ck_assert(oa && ob);
			for (size_t n = 0; n < sizeof names / sizeof names[0]; n++)
				ck_assert_msg(proc_json_u64(oa, sa, names[n]) == proc_json_u64(ob, sb, names[n]),
					      "%.*s %s %s: %llu with capture, %llu without", 40, a,
					      sides[s], names[n],
					      (unsigned long long)proc_json_u64(oa, sa, names[n]),
					      (unsigned long long)proc_json_u64(ob, sb, names[n]));
		}
	}
	free(with);
	free(without);
}
END_TEST

/* The JSON object of 'paradigm' in serve's packet array. */
static const char *serve_row(const char *out, const char *paradigm, size_t *len)
{
	const char *arr = strstr(out, "[{\"paradigm\":\"unrouted\"");
	ck_assert_msg(arr != NULL, "no packet rows in: %s", out);
	size_t pos = 0, el;
	const char *obj;
	char want[64];
	snprintf(want, sizeof want, "\"%s\"", paradigm);
	while (json_array_next(arr, strlen(arr), &pos, &obj, &el) == 1) {
		size_t vl;
		const char *v = json_get(obj, el, "paradigm", &vl);
		if (v && vl == strlen(want) && memcmp(v, want, vl) == 0) {
			*len = el;
			return obj;
		}
	}
	ck_abort_msg("no row %s in: %s", paradigm, arr);
	return NULL;
}

/* GET 'path' from the server at 'base' ("http://127.0.0.1:PORT") on a
 * connection of its own, closed by the server after the answer: the
 * whole answer, NUL-terminated, into buf. */
static size_t http_get(const char *base, const char *path, char *buf, size_t cap)
{
	unsigned port = 0;
	ck_assert_int_eq(sscanf(base, "http://127.0.0.1:%u", &port), 1);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	char req[256];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
			 path);
	ck_assert_int_eq(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
	size_t len = 0;
	uint64_t deadline = proc_now_ms() + 5000;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)(deadline - proc_now_ms());
		ck_assert_msg(left > 0 && poll(&p, 1, left) == 1, "no whole answer to GET %s", path);
		ssize_t got = recv(fd, buf + len, cap - 1 - len, 0);
		ck_assert_int_ge(got, 0);
		if (got == 0 || (len += (size_t)got) == cap - 1)
			break;
	}
	close(fd);
	buf[len] = 0;
	return len;
}

/* `pushpull serve --capture`: one port, and each connection's packets in
 * its paradigm's row once the server has read its request. */
START_TEST(serve_counts_per_paradigm)
{
	if (!can_run())
		return;
	int so, se;
	char base[64], url[128], pub_url[128];
	char *serve[] = { PUSHPULL, "serve", "--port", "0", "--capture", "--json", NULL };
	pid_t srv = proc_serve_start(serve, &so, &se, base, sizeof base);
	struct proc_run *r = calloc(1, sizeof *r);
	snprintf(url, sizeof url, "%s/score", base);
	char *rpc[] = { PUSHPULL, "client", "rpc", "--no-keep-alive", "--count", "3", url, NULL };
	proc_run(r, rpc, 10000);
	ck_assert_int_eq(r->status, 0);
	char *lp[] = { PUSHPULL, "client", "long-poll", "--timeout", "50", "--count", "1", url, NULL };
	snprintf(pub_url, sizeof pub_url, "%s/publish", base);
	char *pub[] = { PUSHPULL, "client", "rpc", "--method", "POST", "--data", "x", pub_url, NULL };
	proc_run(r, pub, 10000);                        /* event 1: the long poll gets it at once */
	ck_assert_int_eq(r->status, 0);
	proc_run(r, lp, 10000);
	ck_assert_int_eq(r->status, 0);
	/* The long poll's first packets as a ladder, named by what they
	 * carry: its own connection's, moved from "unrouted" with it. */
	char *svg = malloc(1 << 20), why[160];
	size_t n = http_get(base, "/ladder/long-poll.svg", svg, 1 << 20);
	ck_assert_msg(strncmp(svg, "HTTP/1.1 200 OK\r\n", 17) == 0, "%.200s", svg);
	const char *doc = strstr(svg, "\r\n\r\n") + 4;
	ck_assert_msg(xmlcheck_svg(doc, n - (size_t)(doc - svg), why, sizeof why), "%s", why);
	ck_assert_ptr_nonnull(strstr(doc, "SYN"));
	ck_assert_ptr_nonnull(strstr(doc, "GET /score?since="));
	ck_assert_ptr_nonnull(strstr(doc, "200 + event 1"));
	free(svg);
	proc_serve_stop(srv, so, se, r);
	size_t len;
	const char *row = serve_row(r->out, "rpc", &len);
	ck_assert_uint_eq(proc_json_u64(row, len, "connections"), 4);   /* 3 GETs, 1 POST */
	size_t kl;
	const char *k = json_get(row, len, "packets", &kl);
	ck_assert_uint_eq(proc_json_u64(k, kl, "syn"), 4);
	ck_assert_uint_eq(proc_json_u64(k, kl, "syn_ack"), 4);
	ck_assert_uint_ge(proc_json_u64(k, kl, "data"), 8);     /* a request and an answer each */
	row = serve_row(r->out, "long-poll", &len);
	ck_assert_uint_eq(proc_json_u64(row, len, "connections"), 1);
	k = json_get(row, len, "packets", &kl);
	ck_assert_uint_eq(proc_json_u64(k, kl, "syn"), 1);      /* moved, SYN and all, once routed */
	row = serve_row(r->out, "page", &len);
	ck_assert_uint_eq(proc_json_u64(row, len, "connections"), 1);  /* the ladder's GET */
	row = serve_row(r->out, "unrouted", &len);
	ck_assert_uint_eq(proc_json_u64(row, len, "connections"), 0);
	free(r);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paradigms_wire");
	TCase *tc = tcase_create("tcpdump");
	tcase_set_timeout(tc, 180);
	tcase_add_loop_test(tc, counts_equal_tcpdump, 0, 2);   /* keep-alive, then not */
	tcase_add_test(tc, capture_changes_nothing);
	tcase_add_test(tc, serve_counts_per_paradigm);
	suite_add_tcase(s, tc);
	return s;
}
