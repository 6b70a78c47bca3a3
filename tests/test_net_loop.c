/* test_net_loop.c -- the event loop: timers, deferred calls, descriptors,
 * stopping.  Every wait is the loop's own, bounded by a deadline. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/loop.h"
#include "net/sys.h"
#include "support/looptest.h"

/* --- timers fire in order ---------------------------------------------- */

struct fired {
	int order[64];
	uint64_t at_ms[64];
	int n;
	uint64_t start_ms;
	struct net_timer t[64];
	uint64_t delay[64];
};

static void record(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop;
	struct fired *f = ud;
	int id = (int)(t - f->t);
	f->order[f->n] = id;
	f->at_ms[f->n] = looptest_now_ms();
	f->n++;
}

static bool fired_count(void *arg)
{
	const int *want = ((const int **)arg)[1];
	return ((struct fired *)((void **)arg)[0])->n >= *want;
}

static bool run_until_fired(struct net_loop *loop, struct fired *f, int want, int max_ms)
{
	void *arg[2] = { f, &want };
	return net_loop_run_until(loop, fired_count, arg, max_ms);
}

START_TEST(timers_fire_in_order)
{
	struct net_loop *loop = net_loop_new(NULL);
	static struct fired f;
	memset(&f, 0, sizeof f);
	const uint64_t delays[] = { 30, 10, 20, 10, 0 };
	const int expect[] = { 4, 1, 3, 2, 0 };     /* equal deadlines: start order */
	f.start_ms = looptest_now_ms();
	for (int i = 0; i < 5; i++) {
		net_timer_init(&f.t[i], record, &f);
		f.delay[i] = delays[i];
		ck_assert_int_eq(net_timer_start(loop, &f.t[i], delays[i], 0), 0);
	}
	ck_assert_uint_eq(net_loop_timer_count(loop), 5);
	ck_assert(run_until_fired(loop, &f, 5, 2000));
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(f.order[i], expect[i]);
		/* Never early: the loop sleeps until the deadline, not less. */
		ck_assert_uint_ge(f.at_ms[i] - f.start_ms + 1, delays[expect[i]]);
	}
	ck_assert_uint_eq(net_loop_timer_count(loop), 0);
	/* It slept rather than spun: a handful of epoll_waits, not thousands. */
	ck_assert_uint_le(net_loop_ledger(loop)->c.sys[NET_SYS_EPOLL_WAIT], 20);
	net_loop_free(loop);
}
END_TEST

static void stop_other(struct net_loop *loop, struct net_timer *t, void *ud)
{
	struct fired *f = ud;
	record(loop, t, ud);
	net_timer_stop(loop, &f->t[1]);     /* due in this very turn */
}

START_TEST(cancelled_timer_never_fires)
{
	struct net_loop *loop = net_loop_new(NULL);
	static struct fired f;
	memset(&f, 0, sizeof f);
	net_timer_init(&f.t[0], stop_other, &f);
	net_timer_init(&f.t[1], record, &f);
	net_timer_init(&f.t[2], record, &f);
	net_timer_init(&f.t[3], record, &f);
	net_timer_start(loop, &f.t[0], 5, 0);
	net_timer_start(loop, &f.t[1], 5, 0);       /* stopped by t[0] when both are due */
	net_timer_start(loop, &f.t[2], 1, 0);
	net_timer_stop(loop, &f.t[2]);              /* stopped before the loop runs */
	net_timer_stop(loop, &f.t[2]);              /* twice is harmless */
	net_timer_start(loop, &f.t[3], 15, 0);
	ck_assert(run_until_fired(loop, &f, 2, 2000));
	net_loop_run_once(loop, 20);
	ck_assert_int_eq(f.n, 2);
	ck_assert_int_eq(f.order[0], 0);
	ck_assert_int_eq(f.order[1], 3);
	ck_assert(!net_timer_armed(&f.t[1]));
	net_loop_free(loop);
}
END_TEST

struct repeat {
	struct net_timer t;
	int n;
	uint64_t at[8];
};

static void tick(struct net_loop *loop, struct net_timer *t, void *ud)
{
	struct repeat *r = ud;
	r->at[r->n++] = looptest_now_ms();
	if (r->n == 5)
		net_timer_stop(loop, t);
}

static bool ticked_five(void *arg) { return ((struct repeat *)arg)->n >= 5; }

START_TEST(repeating_timer)
{
	struct net_loop *loop = net_loop_new(NULL);
	struct repeat r = { .n = 0 };
	net_timer_init(&r.t, tick, &r);
	uint64_t start = looptest_now_ms();
	net_timer_start(loop, &r.t, 4, 4);
	net_loop_run_until(loop, ticked_five, &r, 10000);
	ck_assert_int_eq(r.n, 5);
	ck_assert(!net_timer_armed(&r.t));
	/* Five ticks every 4 ms: at least 20 ms after the start. */
	ck_assert_uint_ge(r.at[4] - start + 1, 20);
	for (int i = 1; i < 5; i++)
		ck_assert_uint_ge(r.at[i], r.at[i - 1]);
	net_loop_run_once(loop, 10);
	ck_assert_int_eq(r.n, 5);                   /* stopped means stopped */
	net_loop_free(loop);
}
END_TEST

/* Many timers, half cancelled at random: the heap keeps its order. */
struct many {
	struct net_timer t[2000];
	bool cancelled[2000];
	uint64_t last_due;
	int fired, bad;
	int live;               /* timers not cancelled */
	uint64_t due[2000];
};

static void many_fire(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop;
	struct many *m = ud;
	int i = (int)(t - m->t);
	if (m->cancelled[i] || m->due[i] < m->last_due)
		m->bad++;
	m->last_due = m->due[i];
	m->fired++;
}

static bool all_fired(void *arg)
{
	struct many *m = arg;
	return m->fired >= m->live;
}

START_TEST(timer_heap_stress)
{
	struct net_loop *loop = net_loop_new(NULL);
	struct many *m = calloc(1, sizeof *m);
	unsigned seed = 12345;
	int live = 0;
	for (int i = 0; i < 2000; i++) {
		net_timer_init(&m->t[i], many_fire, m);
		m->due[i] = (uint64_t)(rand_r(&seed) % 30);
		net_timer_start(loop, &m->t[i], m->due[i], 0);
	}
	for (int i = 0; i < 2000; i++) {
		if (rand_r(&seed) % 2) {
			net_timer_stop(loop, &m->t[i]);
			m->cancelled[i] = true;
		} else {
			live++;
		}
	}
	ck_assert_uint_eq(net_loop_timer_count(loop), (size_t)live);
	m->live = live;
	net_loop_run_until(loop, all_fired, m, 10000);
	ck_assert_int_eq(m->fired, live);
	ck_assert_int_eq(m->bad, 0);
	free(m);
	net_loop_free(loop);
}
END_TEST

/* --- deferred calls ----------------------------------------------------- */

struct trace {
	char log[64];
	int n;
};

static void log_c(struct trace *t, char c) { t->log[t->n++] = c; }

static void deferred_b(struct net_loop *loop, void *ud) { (void)loop; log_c(ud, 'B'); }
static void deferred_a(struct net_loop *loop, void *ud)
{
	log_c(ud, 'A');
	net_loop_defer(loop, deferred_b, ud);       /* waits for the next turn */
}
static void timer_defers(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)t;
	log_c(ud, 'T');
	net_loop_defer(loop, deferred_a, ud);
}

START_TEST(deferred_calls)
{
	struct net_loop *loop = net_loop_new(NULL);
	struct trace tr = { .n = 0 };
	struct net_timer t;
	net_timer_init(&t, timer_defers, &tr);
	net_timer_start(loop, &t, 0, 0);
	net_loop_run_once(loop, 100);
	ck_assert_int_eq(tr.n, 2);
	ck_assert(memcmp(tr.log, "TA", 2) == 0);    /* after the timer, same turn */
	net_loop_run_once(loop, 100);
	ck_assert_int_eq(tr.n, 3);
	ck_assert(memcmp(tr.log, "TAB", 3) == 0);
	net_loop_free(loop);
}
END_TEST

/* --- descriptors -------------------------------------------------------- */

struct fdt {
	int sv[2], other[2];
	int reads, writes, other_calls;
	unsigned last;
	struct net_loop *loop;
};

static void on_fd(struct net_loop *loop, int fd, unsigned ev, void *ud)
{
	struct fdt *s = ud;
	s->last = ev;
	if (ev & NET_READ) {
		char b[16];
		ck_assert_int_gt(read(fd, b, sizeof b), 0);
		s->reads++;
		/* Remove the other fd, whose event is pending in this turn. */
		net_loop_unwatch(loop, s->other[0]);
	}
	if (ev & NET_WRITE)
		s->writes++;
}

static void on_other(struct net_loop *loop, int fd, unsigned ev, void *ud)
{
	(void)loop; (void)fd; (void)ev;
	((struct fdt *)ud)->other_calls++;
}

START_TEST(fd_callbacks)
{
	struct fdt s = { .reads = 0 };
	s.loop = net_loop_new(NULL);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s.sv), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s.other), 0);
	/* Whichever is dispatched first, the read callback removes 'other';
	 * make sure the read fd comes first by watching it first. */
	ck_assert_int_eq(net_loop_watch(s.loop, s.sv[0], NET_READ, on_fd, &s, NULL), 0);
	ck_assert_int_eq(net_loop_watch(s.loop, s.other[0], NET_READ, on_other, &s, NULL), 0);
	ck_assert_int_eq(write(s.sv[1], "x", 1), 1);
	ck_assert_int_eq(write(s.other[1], "y", 1), 1);
	int n = net_loop_run_once(s.loop, 1000);
	ck_assert_int_ge(n, 1);
	ck_assert_int_eq(s.reads, 1);
	ck_assert_int_eq(s.last, NET_READ);
	/* 'other' was either dispatched before the unwatch or skipped; it is
	 * never called after it. */
	int before = s.other_calls;
	net_loop_run_once(s.loop, 20);
	ck_assert_int_eq(s.other_calls, before);
	ck_assert_uint_eq(net_loop_mask(s.loop, s.other[0]), 0);

	/* Interest changes: write readiness only while asked for. */
	uint64_t ctl = net_loop_ledger(s.loop)->c.sys[NET_SYS_EPOLL_CTL];
	ck_assert_int_eq(net_loop_set_mask(s.loop, s.sv[0], NET_READ), 0);   /* unchanged */
	ck_assert_uint_eq(net_loop_ledger(s.loop)->c.sys[NET_SYS_EPOLL_CTL], ctl);
	ck_assert_int_eq(net_loop_set_mask(s.loop, s.sv[0], NET_WRITE), 0);
	net_loop_run_once(s.loop, 1000);
	ck_assert_int_eq(s.writes, 1);
	ck_assert_int_eq(s.last, NET_WRITE);
	net_loop_unwatch(s.loop, s.sv[0]);
	net_loop_run_once(s.loop, 20);
	ck_assert_int_eq(s.writes, 1);              /* unwatched means silent */
	ck_assert_int_eq(net_loop_set_mask(s.loop, s.sv[0], NET_READ), -1);
	ck_assert_int_eq(errno, EBADF);
	for (int i = 0; i < 2; i++) {
		close(s.sv[i]);
		close(s.other[i]);
	}
	net_loop_free(s.loop);
}
END_TEST

/* --- stopping ----------------------------------------------------------- */

static void stop_now(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)t;
	(*(int *)ud)++;
	net_loop_stop(loop);
}

START_TEST(stop_from_callback)
{
	struct net_loop *loop = net_loop_new(NULL);
	struct net_timer t, guard;
	int calls = 0, guard_calls = 0;
	net_timer_init(&t, stop_now, &calls);
	net_timer_init(&guard, stop_now, &guard_calls);
	net_timer_start(loop, &t, 5, 5);                /* repeating, yet run() returns */
	net_timer_start(loop, &guard, 2000, 0);
	ck_assert_int_eq(net_loop_run(loop), 0);
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(guard_calls, 0);
	ck_assert(net_loop_stopped(loop));
	net_loop_free(loop);
}
END_TEST

static void send_term(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t; (void)ud;
	kill(getpid(), SIGTERM);
}

START_TEST(sigterm_stops_the_loop)
{
	struct net_loop *loop = net_loop_new(NULL);
	ck_assert_int_eq(net_loop_stop_on_signals(loop), 0);
	struct net_timer t, guard;
	int guard_calls = 0;
	net_timer_init(&t, send_term, NULL);
	net_timer_init(&guard, stop_now, &guard_calls);
	net_timer_start(loop, &t, 1, 0);
	net_timer_start(loop, &guard, 2000, 0);
	ck_assert_int_eq(net_loop_run(loop), 0);        /* we are still alive */
	ck_assert_int_eq(guard_calls, 0);
	net_loop_free(loop);
}
END_TEST

START_TEST(sigpipe_is_harmless)
{
	/* A send to a closed peer gives EPIPE, not a fatal signal. */
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	struct net_ledger l;
	net_ledger_init(&l, "t");
	struct net_charge ch = { NULL, &l };
	ck_assert_int_eq(net_sys_send(&ch, sv[0], "x", 1, 0), -1);
	ck_assert_int_eq(errno, EPIPE);
	ck_assert_uint_eq(l.c.sys[NET_SYS_WRITE], 1);
	close(sv[0]);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("net_loop");
	TCase *tc = tcase_create("timers");
	tcase_add_test(tc, timers_fire_in_order);
	tcase_add_test(tc, cancelled_timer_never_fires);
	tcase_add_test(tc, repeating_timer);
	tcase_add_test(tc, timer_heap_stress);
	suite_add_tcase(s, tc);
	tc = tcase_create("deferred");
	tcase_add_test(tc, deferred_calls);
	suite_add_tcase(s, tc);
	tc = tcase_create("descriptors");
	tcase_add_test(tc, fd_callbacks);
	suite_add_tcase(s, tc);
	tc = tcase_create("stopping");
	tcase_add_test(tc, stop_from_callback);
	tcase_add_test(tc, sigterm_stops_the_loop);
	tcase_add_test(tc, sigpipe_is_harmless);
	suite_add_tcase(s, tc);
	return s;
}
