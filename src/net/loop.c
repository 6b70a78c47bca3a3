/* loop.c -- the event loop: fd table, timer heap, deferred calls.
 *
 * loop.h describes one turn of the loop, and when it is level- or
 * edge-triggered.
 * This file is the portable part; the epoll calls are in poll_epoll.c.
 * Three structures, each a plain growable array:
 *
 *   fds[]    indexed by file descriptor: callback, data, interest, payer;
 *   heap[]   the armed timers, a binary min-heap on (due_ms, seq);
 *   defer[]  the calls to make once this turn's callbacks are done.
 *
 * Read next: conn.c, which builds connections out of these.
 */
#include "net/loop.h"
#include "net/conn_private.h"
#include "net/poll.h"
#include "net/sys.h"

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

struct net_fd {
	net_io_fn *fn;
	void *ud;
	const struct net_charge *payer;
	unsigned mask;          /* NET_READ | NET_WRITE */
	bool edge;              /* NET_EDGE: edge-triggered */
	bool watched;
};

struct net_deferred {
	net_defer_fn *fn;
	void *ud;
};

#define READY_MAX 256

struct net_loop {
	int epfd;
	bool stop;
	uint64_t now_ms;

	struct net_fd *fds;
	int fds_cap;

	struct net_timer **heap;
	size_t heap_len, heap_cap;
	uint64_t timer_seq;

	struct net_deferred *defer;
	size_t defer_len, defer_cap;

	struct net_charge charge;       /* pays for epoll_wait */
	struct net_ledger own_ledger;   /* used when the caller gave none */
	int sigfd;
	struct net__limits *limits;     /* limits.c; NULL: none set */
	struct net_ready ready[READY_MAX];
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t net_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t net_loop_now(const struct net_loop *loop) { return loop->now_ms; }
struct net_ledger *net_loop_ledger(struct net_loop *loop) { return loop->charge.ledger; }

struct net_loop *net_loop_new(struct net_ledger *ledger)
{
	struct net_loop *loop = calloc(1, sizeof *loop);
	if (!loop)
		return NULL;
	loop->epfd = net_poll_create();
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	net_ledger_init(&loop->own_ledger, "loop");
	loop->charge.ledger = ledger ? ledger : &loop->own_ledger;
	loop->sigfd = -1;
	loop->now_ms = mono_ms();
	return loop;
}

void net_loop_free(struct net_loop *loop)
{
	if (!loop)
		return;
	if (loop->sigfd >= 0)
		close(loop->sigfd);
	close(loop->epfd);
	free(loop->fds);
	free(loop->heap);
	free(loop->defer);
	net__limits_free(loop->limits);
	free(loop);
}

struct net__limits *net__loop_limits(const struct net_loop *loop) { return loop->limits; }
void net__loop_set_limits_state(struct net_loop *loop, struct net__limits *lim) { loop->limits = lim; }

void net_loop_stop(struct net_loop *loop) { loop->stop = true; }
bool net_loop_stopped(const struct net_loop *loop) { return loop->stop; }

/* --- file descriptors --------------------------------------------------- */

static int grow_fds(struct net_loop *loop, int fd)
{
	if (fd < loop->fds_cap)
		return 0;
	int cap = loop->fds_cap ? loop->fds_cap : 64;
	while (cap <= fd)
		cap *= 2;
	struct net_fd *f = realloc(loop->fds, (size_t)cap * sizeof *f);
	if (!f)
		return -1;
	memset(f + loop->fds_cap, 0, (size_t)(cap - loop->fds_cap) * sizeof *f);
	loop->fds = f;
	loop->fds_cap = cap;
	return 0;
}

static const struct net_charge *payer_of(struct net_loop *loop, const struct net_fd *f)
{
	return f->payer ? f->payer : &loop->charge;
}

int net_loop_watch(struct net_loop *loop, int fd, unsigned mask,
		   net_io_fn *fn, void *ud, const struct net_charge *payer)
{
	if (fd < 0 || grow_fds(loop, fd) < 0) {
		errno = fd < 0 ? EBADF : ENOMEM;
		return -1;
	}
	struct net_fd *f = &loop->fds[fd];
	f->fn = fn;
	f->ud = ud;
	f->payer = payer;
	bool edge = (mask & NET_EDGE) != 0;
	mask &= NET_READ | NET_WRITE;
	if (f->watched && f->edge == edge)
		return net_loop_set_mask(loop, fd, mask);
	const struct net_charge *p = payer_of(loop, f);
	unsigned want = mask | (edge ? NET_EDGE : 0);
	if ((f->watched ? net_poll_mod(p, loop->epfd, fd, want)
			: net_poll_add(p, loop->epfd, fd, want)) < 0)
		return -1;
	f->mask = mask;
	f->edge = edge;
	f->watched = true;
	return 0;
}

int net_loop_set_mask(struct net_loop *loop, int fd, unsigned mask)
{
	if (fd < 0 || fd >= loop->fds_cap || !loop->fds[fd].watched) {
		errno = EBADF;
		return -1;
	}
	struct net_fd *f = &loop->fds[fd];
	mask &= NET_READ | NET_WRITE;
	if (f->mask == mask)
		return 0;                       /* no syscall for no change */
	if (net_poll_mod(payer_of(loop, f), loop->epfd, fd, mask | (f->edge ? NET_EDGE : 0)) < 0)
		return -1;
	f->mask = mask;
	return 0;
}

unsigned net_loop_mask(const struct net_loop *loop, int fd)
{
	if (fd < 0 || fd >= loop->fds_cap)
		return 0;
	return loop->fds[fd].mask;
}

void net_loop_unwatch(struct net_loop *loop, int fd)
{
	if (fd < 0 || fd >= loop->fds_cap || !loop->fds[fd].watched)
		return;
	struct net_fd *f = &loop->fds[fd];
	net_poll_del(payer_of(loop, f), loop->epfd, fd);
	memset(f, 0, sizeof *f);
}

void net_loop_forget(struct net_loop *loop, int fd)
{
	if (fd >= 0 && fd < loop->fds_cap)
		memset(&loop->fds[fd], 0, sizeof loop->fds[fd]);
}

/* --- timers: a binary min-heap ------------------------------------------ */

static bool earlier(const struct net_timer *a, const struct net_timer *b)
{
	return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void heap_set(struct net_loop *loop, size_t i, struct net_timer *t)
{
	loop->heap[i] = t;
	t->slot = i + 1;
}

static void sift_up(struct net_loop *loop, size_t i)
{
	struct net_timer *t = loop->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!earlier(t, loop->heap[parent]))
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, t);
}

static void sift_down(struct net_loop *loop, size_t i)
{
	struct net_timer *t = loop->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= loop->heap_len)
			break;
		if (c + 1 < loop->heap_len && earlier(loop->heap[c + 1], loop->heap[c]))
			c++;
		if (!earlier(loop->heap[c], t))
			break;
		heap_set(loop, i, loop->heap[c]);
		i = c;
	}
	heap_set(loop, i, t);
}

void net_timer_init(struct net_timer *t, net_timer_fn *fn, void *ud)
{
	memset(t, 0, sizeof *t);
	t->fn = fn;
	t->ud = ud;
}

void net_timer_stop(struct net_loop *loop, struct net_timer *t)
{
	if (t->slot == 0)
		return;
	size_t i = t->slot - 1;
	/* 'slot' is the timer's place in the heap, plus one (heap_set). */
	assert(i < loop->heap_len && loop->heap[i] == t);
	t->slot = 0;
	struct net_timer *last = loop->heap[--loop->heap_len];
	if (i == loop->heap_len)
		return;                         /* it was the last one */
	heap_set(loop, i, last);
	sift_up(loop, i);                       /* 'last' may belong above or below i */
	sift_down(loop, last->slot - 1);
}

int net_timer_start(struct net_loop *loop, struct net_timer *t,
		    uint64_t after_ms, uint64_t every_ms)
{
	net_timer_stop(loop, t);
	if (loop->heap_len == loop->heap_cap) {
		size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		struct net_timer **h = realloc(loop->heap, cap * sizeof *h);
		if (!h) {
			errno = ENOMEM;
			return -1;
		}
		loop->heap = h;
		loop->heap_cap = cap;
	}
	t->due_ms = loop->now_ms + after_ms;
	t->every_ms = every_ms;
	t->seq = loop->timer_seq++;
	heap_set(loop, loop->heap_len++, t);
	sift_up(loop, loop->heap_len - 1);
	return 0;
}

size_t net_loop_timer_count(const struct net_loop *loop) { return loop->heap_len; }

/* Fires every timer due by 'now', earliest first.  A timer armed while
 * firing (a new one, or a repeating one re-armed) waits for the next turn,
 * so a callback that re-arms itself with 0 ms cannot spin here. */
static void fire_timers(struct net_loop *loop)
{
	uint64_t seq_limit = loop->timer_seq;
	while (loop->heap_len > 0) {
		struct net_timer *t = loop->heap[0];
		if (t->due_ms > loop->now_ms || t->seq >= seq_limit)
			break;
		net_timer_stop(loop, t);
		if (t->every_ms) {
			/* Keep the rhythm, but after a stall do not fire a burst. */
			uint64_t next = t->due_ms + t->every_ms;
			uint64_t after = next > loop->now_ms ? next - loop->now_ms : t->every_ms;
			net_timer_start(loop, t, after, t->every_ms);
		}
		t->fn(loop, t, t->ud);          /* may stop, re-arm or free 't' */
	}
}

/* --- deferred calls ----------------------------------------------------- */

int net_loop_defer(struct net_loop *loop, net_defer_fn *fn, void *ud)
{
	if (loop->defer_len == loop->defer_cap) {
		size_t cap = loop->defer_cap ? loop->defer_cap * 2 : 32;
		struct net_deferred *d = realloc(loop->defer, cap * sizeof *d);
		if (!d) {
			errno = ENOMEM;
			return -1;
		}
		loop->defer = d;
		loop->defer_cap = cap;
	}
	loop->defer[loop->defer_len++] = (struct net_deferred){ fn, ud };
	return 0;
}

static void run_deferred(struct net_loop *loop)
{
	size_t n = loop->defer_len;             /* calls queued from here wait a turn */
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct net_deferred d = loop->defer[i];  /* the array may move */
		d.fn(loop, d.ud);
	}
	assert(loop->defer_len >= n);           /* the calls only appended */
	loop->defer_len -= n;
	memmove(loop->defer, loop->defer + n, loop->defer_len * sizeof *loop->defer);
}

/* --- signals ------------------------------------------------------------ */

static void on_signal(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)events; (void)ud;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
		loop->stop = true;
}

int net_loop_stop_on_signals(struct net_loop *loop)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	loop->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (loop->sigfd < 0)
		return -1;
	return net_loop_watch(loop, loop->sigfd, NET_READ, on_signal, NULL, NULL);
}

/* --- running ------------------------------------------------------------ */

static int wait_ms(const struct net_loop *loop, int max_wait_ms)
{
	if (loop->defer_len > 0 || loop->stop)
		return 0;
	if (loop->heap_len == 0)
		return max_wait_ms;
	uint64_t due = loop->heap[0]->due_ms;
	uint64_t w = due > loop->now_ms ? due - loop->now_ms : 0;
	if (max_wait_ms >= 0 && w > (uint64_t)max_wait_ms)
		w = (uint64_t)max_wait_ms;
	return w > 1000000 ? 1000000 : (int)w;
}

int net_loop_run_once(struct net_loop *loop, int max_wait_ms)
{
	loop->now_ms = mono_ms();
	int n = net_poll_wait(&loop->charge, loop->epfd, loop->ready, READY_MAX,
			      wait_ms(loop, max_wait_ms));
	if (n < 0 && errno != EINTR)
		return -1;
	loop->now_ms = mono_ms();
	int dispatched = 0;
	for (int i = 0; i < n; i++) {
		int fd = loop->ready[i].fd;
		/* An earlier callback this turn may have unwatched (or closed and
		 * reused) this fd: look it up afresh and skip what is gone. */
		if (fd < 0 || fd >= loop->fds_cap || !loop->fds[fd].watched)
			continue;
		struct net_fd *f = &loop->fds[fd];
		unsigned ev = loop->ready[i].events & (f->mask | NET_ERROR | NET_PEER_FIN);
		if (ev == 0)
			continue;
		f->fn(loop, fd, ev, f->ud);
		dispatched++;
	}
	fire_timers(loop);
	run_deferred(loop);
	return dispatched;
}

int net_loop_run(struct net_loop *loop)
{
	while (!loop->stop)
		if (net_loop_run_once(loop, -1) < 0)
			return -1;
	return 0;
}

bool net_loop_run_until(struct net_loop *loop, bool (*done)(void *arg), void *arg,
			uint64_t max_ms)
{
	uint64_t deadline = mono_ms() + max_ms;
	while (!done(arg)) {
		uint64_t now = mono_ms();
		if (now >= deadline)
			return false;
		uint64_t left = deadline - now;
		if (net_loop_run_once(loop, left > 50 ? 50 : (int)left) < 0)
			return false;
	}
	return true;
}
