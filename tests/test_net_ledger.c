/* test_net_ledger.c -- the ledger's arithmetic and printing, and the
 * latency histogram's precision. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "net/ledger.h"

START_TEST(latency_exact_below_64)
{
	struct net_latency *l = calloc(1, sizeof *l);
	for (uint64_t v = 0; v < 64; v++)
		net_latency_record(l, v);
	ck_assert_uint_eq(l->count, 64);
	ck_assert_uint_eq(l->max_us, 63);
	ck_assert_uint_eq(net_latency_percentile(l, 50), 31);
	ck_assert_uint_eq(net_latency_percentile(l, 100), 63);
	ck_assert_uint_eq(net_latency_percentile(l, 0.1), 0);
	free(l);
}
END_TEST

/* Any single value comes back to within 1/32 above it, never below. */
START_TEST(latency_precision)
{
	for (uint64_t v = 1; v < (1ull << 40); v = v * 3 / 2 + 1) {
		struct net_latency *l = calloc(1, sizeof *l);
		net_latency_record(l, v);
		net_latency_record(l, v * 4);           /* so max does not clip the bucket */
		uint64_t p = net_latency_percentile(l, 50);
		ck_assert_msg(p >= v && p <= v + v / 32, "v=%llu p=%llu",
			      (unsigned long long)v, (unsigned long long)p);
		free(l);
	}
}
END_TEST

START_TEST(latency_percentiles)
{
	struct net_latency *l = calloc(1, sizeof *l);
	ck_assert_uint_eq(net_latency_percentile(l, 50), 0);   /* nothing recorded */
	for (uint64_t v = 1; v <= 1000; v++)
		net_latency_record(l, v);
	uint64_t p50 = net_latency_percentile(l, 50), p99 = net_latency_percentile(l, 99);
	ck_assert_uint_ge(p50, 500);
	ck_assert_uint_le(p50, 500 + 500 / 32);
	ck_assert_uint_ge(p99, 990);
	ck_assert_uint_le(p99, 1000);
	ck_assert_uint_eq(net_latency_percentile(l, 100), 1000);
	ck_assert_uint_eq(l->sum_us, 500500);
	free(l);
}
END_TEST

START_TEST(counts_add_and_subtract)
{
	struct net_counts a = { 0 }, b = { 0 };
	a.sys[NET_SYS_READ] = 3;
	a.bytes_out = 10;
	b.sys[NET_SYS_READ] = 1;
	b.sys[NET_SYS_WRITE] = 2;
	b.rtt_samples = 1;
	net_counts_add(&a, &b);
	ck_assert_uint_eq(a.sys[NET_SYS_READ], 4);
	ck_assert_uint_eq(a.sys[NET_SYS_WRITE], 2);
	ck_assert_uint_eq(net_counts_syscalls(&a), 6);
	net_counts_sub(&a, &b);
	ck_assert_uint_eq(a.sys[NET_SYS_READ], 3);
	ck_assert_uint_eq(a.sys[NET_SYS_WRITE], 0);
	ck_assert_uint_eq(a.rtt_samples, 0);
	ck_assert_uint_eq(a.bytes_out, 10);
	ck_assert_str_eq(net_sys_name(NET_SYS_ACCEPT), "accept4");
}
END_TEST

START_TEST(printing)
{
	struct net_ledger *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
	net_ledger_init(a, "sse/server");
	net_ledger_init(b, "a \"quoted\" label");
	a->c.handshakes = 7;
	a->c.sys[NET_SYS_EPOLL_WAIT] = 5;
	net_latency_record(&a->lat, 40);
	a->counts_events = true;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct net_ledger *ls[] = { a, b };
	net_ledger_print_table(f, ls, 2);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "sse/server"));
	/* Rows line up: every line has the same length. */
	size_t first = strcspn(buf, "\n");
	for (char *p = buf; *p; p += strcspn(p, "\n") + 1)
		ck_assert_uint_eq(strcspn(p, "\n"), first);
	free(buf);
	f = open_memstream(&buf, &len);
	net_ledger_print_json(f, ls, 2);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "[{\"label\":\"sse/server\",\"events_delivered\":0,"
					  "\"tcp_handshakes\":7,"));
	ck_assert_ptr_nonnull(strstr(buf, "\"epoll_wait\":5,"));
	ck_assert_ptr_nonnull(strstr(buf, "\"latency_p50_us\":40,"));
	ck_assert_ptr_nonnull(strstr(buf, "{\"label\":\"a \\\"quoted\\\" label\""));
	ck_assert_int_eq(buf[len - 2], ']');
	free(buf);
	free(a);
	free(b);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("net_ledger");
	TCase *tc = tcase_create("latency");
	tcase_add_test(tc, latency_exact_below_64);
	tcase_add_test(tc, latency_precision);
	tcase_add_test(tc, latency_percentiles);
	suite_add_tcase(s, tc);
	tc = tcase_create("counts");
	tcase_add_test(tc, counts_add_and_subtract);
	tcase_add_test(tc, printing);
	suite_add_tcase(s, tc);
	return s;
}
