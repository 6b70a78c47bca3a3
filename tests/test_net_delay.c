/* test_net_delay.c -- the delay line's queue (src/net/delay.c): order and
 * timing, loss with a fixed seed, pacing to a rate, a full queue, and the
 * byte ring wrapping under thousands of packets of every size. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "net/delay.h"

static struct net_delay *queue(uint64_t delay_us, uint32_t loss_ppm, uint64_t rate_bps,
			       size_t bytes)
{
	struct net_delay_config c = { .delay_us = delay_us, .loss_ppm = loss_ppm,
				      .rate_bps = rate_bps, .seed = 42, .queue_bytes = bytes };
	struct net_delay *q = net_delay_new(&c);
	ck_assert_ptr_nonnull(q);
	return q;
}

/* Pops the packet due at 'now'; checks its first byte. */
static void pop_expect(struct net_delay *q, uint64_t now, uint8_t first, size_t len)
{
	size_t n;
	const uint8_t *p = net_delay_peek(q, now, &n);
	ck_assert_msg(p != NULL, "nothing due at %llu", (unsigned long long)now);
	ck_assert_uint_eq(n, len);
	ck_assert_uint_eq(p[0], first);
	net_delay_pop(q, now);
}

START_TEST(each_packet_waits_the_delay)
{
	struct net_delay *q = queue(10000, 0, 0, 0);    /* 10 ms, no pacing */
	uint8_t a[100] = { 1 }, b[60] = { 2 };
	ck_assert_uint_eq(net_delay_next_due(q), UINT64_MAX);
	ck_assert_int_eq(net_delay_push(q, a, sizeof a, 1000), NET_DELAY_QUEUED);
	ck_assert_int_eq(net_delay_push(q, b, sizeof b, 1500), NET_DELAY_QUEUED);
	ck_assert_uint_eq(net_delay_next_due(q), 11000);
	size_t n;
	ck_assert_ptr_null(net_delay_peek(q, 10999, &n));       /* never early */
	pop_expect(q, 11000, 1, 100);
	ck_assert_uint_eq(net_delay_next_due(q), 11500);
	ck_assert_ptr_null(net_delay_peek(q, 11499, &n));
	pop_expect(q, 12000, 2, 60);                            /* late is fine */
	const struct net_delay_stats *st = net_delay_stats(q);
	ck_assert_uint_eq(st->in, 2);
	ck_assert_uint_eq(st->out, 2);
	ck_assert_uint_eq(st->bytes_out, 160);
	ck_assert_uint_eq(st->delay_us_sum, 10000 + 10500);
	net_delay_free(q);
}
END_TEST

/* 1000-byte packets at 8 Mbit/s hold the link 1 ms each: a burst leaves
 * one per millisecond, each after its own 5 ms of propagation. */
START_TEST(pacing_spaces_a_burst)
{
	struct net_delay *q = queue(5000, 0, 8000000, 0);
	uint8_t p[1000];
	for (int i = 0; i < 4; i++) {
		p[0] = (uint8_t)i;
		ck_assert_int_eq(net_delay_push(q, p, sizeof p, 0), NET_DELAY_QUEUED);
	}
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(net_delay_next_due(q), 5000 + 1000 * (uint64_t)(i + 1));
		pop_expect(q, net_delay_next_due(q), (uint8_t)i, 1000);
	}
	/* An idle link sends at once: only its transmission time and the delay. */
	ck_assert_int_eq(net_delay_push(q, p, 100, 100000), NET_DELAY_QUEUED);
	ck_assert_uint_eq(net_delay_next_due(q), 100000 + 100 + 5000);
	net_delay_free(q);
}
END_TEST

/* Loss is a seeded draw: the same seed loses the same packets, and about
 * the asked share of them. */
START_TEST(loss_is_repeatable)
{
	uint8_t p[40] = { 0 };
	uint64_t lost[2] = { 0, 0 };
	uint8_t pattern[2][2000];
	for (int run = 0; run < 2; run++) {
		struct net_delay *q = queue(0, 20000, 0, 0);    /* 2 % */
		for (int i = 0; i < 2000; i++) {
			enum net_delay_push_result r = net_delay_push(q, p, sizeof p, (uint64_t)i);
			pattern[run][i] = (uint8_t)r;
			size_t n;
			while (net_delay_peek(q, (uint64_t)i, &n))
				net_delay_pop(q, (uint64_t)i);
		}
		lost[run] = net_delay_stats(q)->lost;
		ck_assert_uint_eq(net_delay_stats(q)->out + lost[run], 2000);
		net_delay_free(q);
	}
	ck_assert_uint_eq(lost[0], lost[1]);
	ck_assert(memcmp(pattern[0], pattern[1], sizeof pattern[0]) == 0);
	ck_assert_uint_ge(lost[0], 20);                 /* 2 % of 2000 is 40 */
	ck_assert_uint_le(lost[0], 70);
	struct net_delay_config bad = { .loss_ppm = 1000001 };
	ck_assert_ptr_null(net_delay_new(&bad));
}
END_TEST

START_TEST(a_full_queue_drops_what_arrives)
{
	struct net_delay *q = queue(1000, 0, 0, 4096);
	uint8_t p[1000] = { 7 };
	int queued = 0;
	for (int i = 0; i < 10; i++)
		queued += net_delay_push(q, p, sizeof p, 0) == NET_DELAY_QUEUED;
	ck_assert_int_eq(queued, 4);
	ck_assert_uint_eq(net_delay_stats(q)->overflow, 6);
	static uint8_t big[NET_DELAY_PACKET_MAX + 1];
	ck_assert_int_eq(net_delay_push(q, big, sizeof big, 0), NET_DELAY_OVERFLOW);
	net_delay_free(q);
}
END_TEST

/* Thousands of packets of every size through a small ring: each comes out
 * whole, in order, whatever the wrapping. */
START_TEST(the_ring_wraps)
{
	struct net_delay *q = queue(50, 0, 0, 8192);
	static uint8_t p[1500];
	uint32_t next_in = 0, next_out = 0;
	uint64_t now = 0;
	srand(7);
	while (next_out < 20000) {
		size_t len = 1 + (size_t)(rand() % 1499);
		if (next_in < 20000) {
			memset(p, (int)(next_in & 0xff), len);
			if (len > 1)
				p[len - 1] = (uint8_t)(len & 0xff);
			if (net_delay_push(q, p, len, now) == NET_DELAY_QUEUED)
				next_in++;
		}
		now += 20;
		size_t n;
		const uint8_t *got;
		while ((got = net_delay_peek(q, now, &n)) != NULL) {
			ck_assert_uint_eq(got[0], next_out & 0xff);
			ck_assert_uint_eq(got[n - 1], n == 1 ? (next_out & 0xff) : (n & 0xff));
			net_delay_pop(q, now);
			next_out++;
		}
		ck_assert_uint_le(now, 100000000);      /* bounded: it must drain */
	}
	ck_assert_uint_eq(net_delay_next_due(q), UINT64_MAX);
	net_delay_free(q);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("net_delay");
	TCase *tc = tcase_create("queue");
	tcase_add_test(tc, each_packet_waits_the_delay);
	tcase_add_test(tc, pacing_spaces_a_burst);
	tcase_add_test(tc, loss_is_repeatable);
	tcase_add_test(tc, a_full_queue_drops_what_arrives);
	tcase_add_test(tc, the_ring_wraps);
	suite_add_tcase(s, tc);
	return s;
}
