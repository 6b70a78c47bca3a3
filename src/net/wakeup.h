/* wakeup.h -- waking a loop from another thread.
 *
 * A loop sleeps in epoll_wait (loop.h); nothing another thread writes to
 * memory wakes it.  A 'struct net_wakeup' is an eventfd the loop watches:
 * any thread may call net_wakeup_signal(), and the loop's thread then
 * runs the callback, once for any number of signals since the last run
 * (the eventfd's counter is read, and so reset, before the callback).
 * What the other thread wanted done travels beside it, in memory the two
 * share under a lock of their own (paradigms/bus.c: a queue per loop).
 *
 * Cost: one write() per signal on the signalling side, one wake-up and one
 * read() per run on the loop's side, however many signals came between.
 * They are not socket calls, so no ledger counts them (the wake-up is in
 * the loop's count of epoll_wait returns): they are how threads talk, not
 * what a connection costs.
 *
 * Read next: paradigms/bus.h, which hands events from loop to loop.
 */
#ifndef PUSHPULL_NET_WAKEUP_H
#define PUSHPULL_NET_WAKEUP_H

#include "net/loop.h"

struct net_wakeup;
typedef void net_wakeup_fn(struct net_loop *loop, void *ud);

/* An eventfd watched by 'loop'; 'fn' runs on the loop's thread.  Call
 * from the loop's thread.  NULL with errno set. */
struct net_wakeup *net_wakeup_new(struct net_loop *loop, net_wakeup_fn *fn, void *ud);
/* Any thread: makes 'fn' run soon on the loop's thread.  Returns 0, or
 * -1 with errno (never EAGAIN: a counter that is already non-zero needs
 * no more). */
int net_wakeup_signal(struct net_wakeup *w);
/* From the loop's thread, once no other thread will signal it. */
void net_wakeup_free(struct net_wakeup *w);

#endif
