/* loop.h -- the event loop: file descriptors, timers, deferred calls.
 *
 * One loop per thread.  Each turn of the loop:
 *   1. sleeps in epoll_wait until a watched descriptor is ready or the
 *      earliest timer is due (never longer, never busy-waiting);
 *   2. calls the callback of every ready descriptor;
 *   3. fires every due timer, earliest first;
 *   4. runs the deferred calls queued before this step began.
 *
 * LEVEL-TRIGGERED by default.  A descriptor that is still readable after
 * its callback returns is reported again on the next turn.  That lets a
 * callback take only part of what is waiting without losing a wake-up:
 * the simple contract, kept for listeners, signalfd and stdin.
 *
 * EDGE-TRIGGERED on request (NET_EDGE), which connections take.  The
 * kernel keeps every level-triggered descriptor it reported on its ready
 * list and polls it again at the next epoll_wait, only to find it idle:
 * with one request in flight per connection that is one useless
 * tcp_poll() per request, measured at about 5 % of the server's CPU time
 * (keep-alive HTTP, 50 connections).  Edge-triggered, a descriptor is
 * reported once per change, and its watcher must then keep what it needs:
 *   - a recv() that came up short drained the socket; one that filled the
 *     buffer may have left more, so the watcher reads again itself;
 *   - the peer's FIN may arrive together with the last data and produce
 *     no further edge: NET_PEER_FIN says it came, so the watcher reads
 *     once more to see the end;
 *   - changing the interest (net_loop_set_mask) re-arms the descriptor,
 *     and the kernel reports it at once if it is ready: a reader that
 *     paused by dropping NET_READ gets its wake-up when it resumes.
 * conn.c does all three.  Either way, write interest is only asked for
 * while bytes wait to be sent, so it is switched (one epoll_ctl) only
 * under backpressure.
 *
 * Descriptors are kept in a table indexed by fd, as redis's ae.c does.
 * A callback may remove or close any descriptor, including ones whose
 * events are still pending in this turn: the loop looks the fd up again
 * before each dispatch and skips it when it is no longer watched.
 *
 * Timers live in a binary min-heap: insert and cancel are O(log n), the
 * next deadline is O(1).  'struct net_timer' is embedded in the caller's
 * own object, so arming a timer allocates nothing once the heap has grown.
 *
 * Read next: ledger.h (what every syscall and wake-up is charged to).
 */
#ifndef PUSHPULL_NET_LOOP_H
#define PUSHPULL_NET_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/ledger.h"

struct net_loop;

/* Interest and readiness bits. */
enum {
	NET_READ     = 1,
	NET_WRITE    = 2,
	NET_ERROR    = 4,   /* EPOLLERR or EPOLLHUP: only ever reported */
	NET_EDGE     = 8,   /* given to net_loop_watch: edge-triggered (above) */
	NET_PEER_FIN = 16,  /* reported to edge-triggered watches: EPOLLRDHUP */
};

typedef void net_io_fn(struct net_loop *loop, int fd, unsigned events, void *ud);

struct net_timer;
typedef void net_timer_fn(struct net_loop *loop, struct net_timer *t, void *ud);
typedef void net_defer_fn(struct net_loop *loop, void *ud);

/* Embed one in your own struct and net_timer_init() it once. */
struct net_timer {
	uint64_t due_ms;        /* private */
	uint64_t every_ms;      /* private: 0 for one-shot */
	uint64_t seq;           /* private: breaks ties, so equal deadlines fire in start order */
	size_t slot;            /* private: heap index + 1, 0 when not armed */
	net_timer_fn *fn;
	void *ud;
};

/* A new loop.  'ledger' pays for epoll_wait and for epoll_ctl on
 * descriptors that have no payer of their own; NULL uses a ledger inside
 * the loop labelled "loop".  Returns NULL with errno set on failure. */
struct net_loop *net_loop_new(struct net_ledger *ledger);
/* Frees the loop.  Descriptors still watched are not closed: they belong
 * to whoever watched them. */
void net_loop_free(struct net_loop *loop);

/* Runs turns until net_loop_stop().  Returns 0, or -1 if epoll_wait failed. */
int  net_loop_run(struct net_loop *loop);
/* One turn, sleeping at most 'max_wait_ms' (-1: until something happens).
 * Returns the number of descriptor events dispatched, or -1. */
int  net_loop_run_once(struct net_loop *loop, int max_wait_ms);
/* Runs turns until 'done(arg)' is true or 'max_ms' have passed, whether
 * or not the loop was stopped (a program that a signal stopped still lets
 * its closes finish; a 'done' that should give up on a signal checks
 * net_loop_stopped).  Returns done(arg) -- so a program or a test waits
 * for what it waits for, never for a fixed time, and never for ever. */
bool net_loop_run_until(struct net_loop *loop, bool (*done)(void *arg), void *arg,
			uint64_t max_ms);
/* Makes net_loop_run() return after the current turn.  Safe from any callback. */
void net_loop_stop(struct net_loop *loop);
bool net_loop_stopped(const struct net_loop *loop);

/* SIGINT and SIGTERM stop the loop (through a signalfd) instead of killing
 * the process.  Returns 0 or -1. */
int  net_loop_stop_on_signals(struct net_loop *loop);

struct net_ledger *net_loop_ledger(struct net_loop *loop);

/* Milliseconds on CLOCK_MONOTONIC, read once per turn; timers use it. */
uint64_t net_loop_now(const struct net_loop *loop);
/* Microseconds on CLOCK_MONOTONIC, read now (a vDSO call, no syscall). */
uint64_t net_now_us(void);

/* Watch 'fd' for 'mask' (NET_READ | NET_WRITE), edge-triggered if it has
 * NET_EDGE.  If the fd is already watched its callback, data and interest
 * are replaced.  'payer' pays for
 * the epoll_ctl calls on this fd from now on; NULL: the loop's ledger.
 * The payer must outlive the watch.  Returns 0 or -1 with errno. */
int  net_loop_watch(struct net_loop *loop, int fd, unsigned mask,
		    net_io_fn *fn, void *ud, const struct net_charge *payer);
/* Change the interest (NET_READ | NET_WRITE) of a watched fd; no syscall
 * if it is unchanged.  An edge-triggered watch stays edge-triggered. */
int  net_loop_set_mask(struct net_loop *loop, int fd, unsigned mask);
unsigned net_loop_mask(const struct net_loop *loop, int fd);
/* Stop watching 'fd' (one epoll_ctl).  The fd stays open. */
void net_loop_unwatch(struct net_loop *loop, int fd);
/* Forget 'fd' without a syscall, because the caller is about to close it:
 * closing an fd takes it out of the epoll set by itself (when no other
 * descriptor refers to the same socket, which is true of ours). */
void net_loop_forget(struct net_loop *loop, int fd);

void net_timer_init(struct net_timer *t, net_timer_fn *fn, void *ud);
/* Arms 't' to fire 'after_ms' from now, then every 'every_ms' if that is
 * non-zero.  Re-arming an armed timer moves it.  Returns 0, or -1 if the
 * heap could not grow (ENOMEM). */
int  net_timer_start(struct net_loop *loop, struct net_timer *t,
		     uint64_t after_ms, uint64_t every_ms);
/* Disarms 't'; a stopped timer never fires, even if it was due this turn. */
void net_timer_stop(struct net_loop *loop, struct net_timer *t);
static inline bool net_timer_armed(const struct net_timer *t) { return t->slot != 0; }
/* When an armed timer will fire, in net_loop_now() milliseconds. */
static inline uint64_t net_timer_due(const struct net_timer *t) { return t->due_ms; }
size_t net_loop_timer_count(const struct net_loop *loop);

/* Calls fn(loop, ud) after the current turn's descriptor and timer
 * callbacks: the safe place to free an object whose callback is still on
 * the stack.  Calls queued from a deferred call run in the next turn.
 * Returns 0 or -1 (ENOMEM). */
int  net_loop_defer(struct net_loop *loop, net_defer_fn *fn, void *ud);

#endif
