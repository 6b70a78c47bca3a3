/* test_paradigms_lab.c -- the demo across a real network: two namespaces
 * joined by a delay line (src/net/lab.c, `pushpull demo --rtt`).
 *
 * Across a 20 ms round trip: the kernel measures 20 ms (within 10 %); a
 * call on a new connection takes a round trip more than one on a kept-
 * alive connection (the handshake); a pushed event takes at least the
 * one-way delay.  And the lab leaves nothing behind: not after a run, not
 * after a run that was killed; without root it says so and exits 2.
 *
 * It needs root (namespaces, TUN devices); without it the tests say why
 * they skip.
 */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/lab.h"
#include "support/proc.h"
#include "util/json.h"

#define PUSHPULL "bin/pushpull"

static bool root(void)
{
	if (geteuid() == 0 && access("/dev/net/tun", R_OK | W_OK) == 0)
		return true;
	printf("test_paradigms_lab: skipped: needs root and /dev/net/tun (namespaces, TUN devices)\n");
	return false;
}

static bool ns_exists(const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "/run/netns/%s", name);
	struct stat st;
	return stat(path, &st) == 0;
}

/* The row object of 'row' in the demo's JSON. */
static const char *row_of(const struct proc_run *r, const char *row, size_t *len)
{
	size_t pos = 0;
	const char *obj;
	char want[64];
	snprintf(want, sizeof want, "\"%s\"", row);
	while (json_array_next(r->out, r->out_len, &pos, &obj, len) == 1) {
		size_t vl;
		const char *v = json_get(obj, *len, "row", &vl);
		if (v && vl == strlen(want) && memcmp(v, want, vl) == 0)
			return obj;
	}
	ck_abort_msg("no row %s in: %s", row, r->out);
	return NULL;
}

static uint64_t p50(const char *obj, size_t len)
{
	size_t ll;
	const char *lat = json_get(obj, len, "latency_us", &ll);
	ck_assert_ptr_nonnull(lat);
	return proc_json_u64(lat, ll, "p50");
}

START_TEST(demo_across_20ms)
{
	if (!root())
		return;
	struct proc_run *r = calloc(1, sizeof *r);
	char *argv[] = { PUSHPULL, "demo", "--json", "--rtt", "20", "--events", "8",
			 "--interval", "60", "--poll", "100", NULL };
	proc_run(r, argv, 60000);
	ck_assert_msg(r->status == 0, "demo: %d: %s", r->status, r->err);
	ck_assert_ptr_nonnull(strstr(r->err, "delay line: 20 ms round trip"));
	size_t lk, ln, ls;
	const char *kept = row_of(r, "rpc", &lk), *fresh = row_of(r, "rpc new-conn", &ln);
	const char *sse = row_of(r, "sse", &ls);
	/* The kernel's own measure of the path: 20 ms, within 10 %. */
	uint64_t rtt = proc_json_u64(kept, lk, "rtt_us");
	ck_assert_msg(rtt >= 18000 && rtt <= 22000, "rtt %llu us", (unsigned long long)rtt);
	/* A call: one round trip kept alive, two on a new connection (the
	 * handshake's, then the request's). */
	ck_assert_uint_ge(p50(kept, lk), 20000);
	ck_assert_uint_ge(p50(fresh, ln), 40000);
	/* A pushed event: at least the one-way delay. */
	ck_assert_uint_ge(p50(sse, ls), 10000);
	ck_assert(!ns_exists(NET_LAB_SERVER_NS) && !ns_exists(NET_LAB_CLIENT_NS));
	free(r);
}
END_TEST

/* A lab killed with SIGKILL leaves its namespaces; the next one removes
 * them, and leaves nothing itself. */
START_TEST(leftovers_are_cleaned)
{
	if (!root())
		return;
	char *argv[] = { PUSHPULL, "lab", "--rtt", "1", NULL };
	int o, e;
	pid_t pid = proc_spawn(argv, NULL, &o, &e);
	uint64_t end = proc_now_ms() + 5000;
	while (!(ns_exists(NET_LAB_SERVER_NS) && ns_exists(NET_LAB_CLIENT_NS)) &&
	       proc_now_ms() < end)
		poll(NULL, 0, 10);              /* made by another process: look */
	ck_assert(ns_exists(NET_LAB_SERVER_NS) && ns_exists(NET_LAB_CLIENT_NS));
	struct proc_run *r = calloc(1, sizeof *r);
	kill(pid, SIGKILL);                     /* ours, by its pid */
	proc_drain(r, o, e, 2000);
	close(o);
	close(e);
	proc_reap(r, pid, 2000);
	ck_assert(ns_exists(NET_LAB_SERVER_NS));        /* the leftover */
	char *demo[] = { PUSHPULL, "demo", "--json", "--rtt", "2", "--events", "2",
			 "--interval", "20", "--poll", "40", NULL };
	proc_run(r, demo, 60000);
	ck_assert_msg(r->status == 0, "demo: %d: %s", r->status, r->err);
	ck_assert(!ns_exists(NET_LAB_SERVER_NS) && !ns_exists(NET_LAB_CLIENT_NS));
	free(r);
}
END_TEST

/* Without root: exit status 2, and the reason. */
START_TEST(needs_root)
{
	if (!root())
		return;
	char *argv[] = { PUSHPULL, "lab", NULL };
	int o, e;
	pid_t pid = proc_spawn_as(argv, NULL, 65534, &o, &e);  /* nobody */
	struct proc_run *r = calloc(1, sizeof *r);
	proc_drain(r, o, e, 5000);
	close(o);
	close(e);
	proc_reap(r, pid, 2000);
	ck_assert_msg(r->status == 2, "status %d: %s", r->status, r->err);
	ck_assert_ptr_nonnull(strstr(r->err, "root"));
	free(r);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paradigms_lab");
	TCase *tc = tcase_create("lab");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, demo_across_20ms);
	tcase_add_test(tc, leftovers_are_cleaned);
	tcase_add_test(tc, needs_root);
	suite_add_tcase(s, tc);
	return s;
}
