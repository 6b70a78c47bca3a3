/* looptest.h -- helpers for tests that drive a real loop.
 *
 * A test never sleeps to wait for something: it runs the loop until the
 * thing it waits for has happened, bounded by a deadline that fails it.
 * The one way to do that is net_loop_run_until() (net/loop.h), with a
 * predicate over the test's own state:
 *
 *     ck_assert(net_loop_run_until(loop, got_reply, &client, 2000));
 *
 * This file adds two shapes of it that many tests want: waiting for a
 * flag, and running for a while to show that nothing happens.
 */
#ifndef PUSHPULL_TESTS_LOOPTEST_H
#define PUSHPULL_TESTS_LOOPTEST_H

#include <stdbool.h>
#include <stdint.h>
#include "net/loop.h"

/* Runs turns until *done is true or 'max_ms' have passed; returns *done. */
bool looptest_run_until(struct net_loop *loop, const bool *done, int max_ms);

/* Runs turns for 'ms', whatever happens: only to show that something
 * does NOT happen meanwhile (an answer that must not come yet), never to
 * wait for something. */
void looptest_run_for(struct net_loop *loop, int ms);

/* Milliseconds on CLOCK_MONOTONIC, for a test that measures or sets its
 * own deadline. */
uint64_t looptest_now_ms(void);

#endif
