/* test_paradigms_bus.c -- the handoff between workers (paradigms/bus.h),
 * in one thread: two loops and two feeds joined by a bus.  A publish on
 * either takes the next seq and reaches both feeds in order; the
 * publisher's own copy has it before the publish returns, the other's
 * when its loop runs; a worker too far behind makes a publish fail with
 * EAGAIN, for every worker alike, until it catches up; and an event the
 * feed would refuse takes no seq. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "paradigms/bus.h"
#include "paradigms/hub.h"

struct side {
	struct pp_hub hub;
};

static void side_up(struct side *s, struct pp_bus *b, unsigned i)
{
	memset(s, 0, sizeof *s);
	s->hub.loop = net_loop_new(NULL);
	s->hub.feed = feed_new(0, 0);
	ck_assert_ptr_nonnull(s->hub.loop);
	ck_assert_int_eq(pp_bus_join(b, i, &s->hub), 0);
}

static void side_down(struct side *s)
{
	feed_free(s->hub.feed);
	net_loop_free(s->hub.loop);
}

/* Runs side 's''s loop until its feed has 'seq'. */
static void catch_up(struct side *s, uint64_t seq)
{
	for (int i = 0; i < 100 && feed_latest(s->hub.feed) < seq; i++)
		net_loop_run_once(s->hub.loop, 10);
	ck_assert_uint_eq(feed_latest(s->hub.feed), seq);
}

START_TEST(both_copies_agree)
{
	struct pp_bus *b = pp_bus_new(2, 0x123456789abcull);
	ck_assert_ptr_nonnull(b);
	struct side a, c;
	side_up(&a, b, 0);
	side_up(&c, b, 1);
	ck_assert_uint_eq(feed_epoch(a.hub.feed), 0x123456789abcull);
	ck_assert_uint_eq(feed_epoch(c.hub.feed), 0x123456789abcull);
	ck_assert_uint_eq(pp_hub_publish(&a.hub, "t", "one", 3), 1);
	ck_assert_uint_eq(feed_latest(a.hub.feed), 1);          /* its own at once */
	ck_assert_uint_eq(pp_hub_publish(&c.hub, "t", "two", 3), 2);
	ck_assert_uint_eq(feed_latest(c.hub.feed), 2);          /* "one" first, then its own */
	catch_up(&a, 2);
	for (uint64_t seq = 1; seq <= 2; seq++) {
		const struct feed_event *x = feed_get(a.hub.feed, seq), *y = feed_get(c.hub.feed, seq);
		ck_assert_uint_eq(x->len, y->len);
		ck_assert_int_eq(memcmp(x->data, y->data, x->len), 0);
		ck_assert_str_eq(x->type, y->type);
	}
	ck_assert_int_eq(memcmp(feed_get(a.hub.feed, 1)->data, "one", 3), 0);
	errno = 0;
	ck_assert_uint_eq(pp_hub_publish(&a.hub, "not a token", "x", 1), 0);
	ck_assert_int_eq(errno, EINVAL);
	static char big[FEED_EVENT_MAX + 1];
	ck_assert_uint_eq(pp_hub_publish(&a.hub, "t", big, sizeof big), 0);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_uint_eq(pp_bus_published(b), 2);              /* neither took a seq */
	pp_bus_free(b);
	side_down(&a);
	side_down(&c);
}
END_TEST

START_TEST(a_worker_behind_refuses_for_all)
{
	struct pp_bus *b = pp_bus_new(2, 1);
	struct side a, c;
	side_up(&a, b, 0);
	side_up(&c, b, 1);
	/* Side c's loop does not run: its inbox fills. */
	for (unsigned i = 1; i <= PP_BUS_INBOX_MAX; i++)
		ck_assert_uint_eq(pp_hub_publish(&a.hub, "t", "x", 1), i);
	errno = 0;
	ck_assert_uint_eq(pp_hub_publish(&a.hub, "t", "x", 1), 0);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_uint_eq(feed_latest(a.hub.feed), PP_BUS_INBOX_MAX);  /* not kept by one */
	catch_up(&c, PP_BUS_INBOX_MAX);
	ck_assert_uint_eq(pp_hub_publish(&a.hub, "t", "x", 1), PP_BUS_INBOX_MAX + 1);
	pp_bus_free(b);
	side_down(&a);
	side_down(&c);
}
END_TEST

START_TEST(stop_all)
{
	struct pp_bus *b = pp_bus_new(2, 1);
	struct side a, c;
	side_up(&a, b, 0);
	side_up(&c, b, 1);
	pp_bus_stop_all(b);
	for (int i = 0; i < 100 && !net_loop_stopped(c.hub.loop); i++)
		net_loop_run_once(c.hub.loop, 10);
	ck_assert(net_loop_stopped(c.hub.loop));
	pp_bus_free(b);
	side_down(&a);
	side_down(&c);
	ck_assert_ptr_null(pp_bus_new(0, 1));
	ck_assert_ptr_null(pp_bus_new(PP_BUS_WORKERS_MAX + 1, 1));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paradigms_bus");
	TCase *tc = tcase_create("bus");
	tcase_add_test(tc, both_copies_agree);
	tcase_add_test(tc, a_worker_behind_refuses_for_all);
	tcase_add_test(tc, stop_all);
	suite_add_tcase(s, tc);
	return s;
}
