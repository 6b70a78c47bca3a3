/* looptest.c -- see looptest.h.  Both waits are net_loop_run_until(). */
#include "support/looptest.h"

static bool flag_set(void *arg) { return *(const bool *)arg; }

static bool never(void *arg)
{
	(void)arg;
	return false;
}

uint64_t looptest_now_ms(void)
{
	return net_now_us() / 1000;
}

bool looptest_run_until(struct net_loop *loop, const bool *done, int max_ms)
{
	return net_loop_run_until(loop, flag_set, (void *)done, (uint64_t)max_ms);
}

void looptest_run_for(struct net_loop *loop, int ms)
{
	net_loop_run_until(loop, never, NULL, (uint64_t)ms);
}
