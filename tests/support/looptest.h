/* looptest.h -- helpers for tests that drive a real loop.
 * A test never sleeps to wait for something: it runs the loop until the
 * thing it waits for has happened, bounded by a deadline that fails it. */
#ifndef PUSHPULL_TESTS_LOOPTEST_H
#define PUSHPULL_TESTS_LOOPTEST_H

#include <stdbool.h>
#include "net/loop.h"

/* Runs turns until *done is true or 'max_ms' have passed; returns *done. */
bool looptest_run_until(struct net_loop *loop, const bool *done, int max_ms);

/* Runs turns until 'pred(arg)' is true or 'max_ms' have passed. */
bool looptest_run_until_pred(struct net_loop *loop, bool (*pred)(void *), void *arg, int max_ms);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t looptest_now_ms(void);

#endif
