/* looptest.c -- see looptest.h. */
#include "support/looptest.h"

static bool flag_set(void *arg) { return *(const bool *)arg; }

uint64_t looptest_now_ms(void)
{
	return net_now_us() / 1000;
}

bool looptest_run_until_pred(struct net_loop *loop, bool (*pred)(void *), void *arg, int max_ms)
{
	uint64_t deadline = looptest_now_ms() + (uint64_t)max_ms;
	while (!pred(arg)) {
		uint64_t now = looptest_now_ms();
		if (now >= deadline)
			return false;
		uint64_t left = deadline - now;
		if (net_loop_run_once(loop, left > 50 ? 50 : (int)left) < 0)
			return false;
	}
	return true;
}

bool looptest_run_until(struct net_loop *loop, const bool *done, int max_ms)
{
	return looptest_run_until_pred(loop, flag_set, (void *)done, max_ms);
}
