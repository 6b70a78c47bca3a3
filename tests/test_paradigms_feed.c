/* test_paradigms_feed.c -- the feed: numbering, the bounded ring, and
 * subscribers that come and go while an event is being delivered. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "paradigms/feed.h"

/* --- the ring ----------------------------------------------------------- */

START_TEST(numbers_from_one)
{
	struct feed *f = feed_new(4, 0);
	ck_assert_uint_eq(feed_latest(f), 0);
	ck_assert_uint_eq(feed_oldest(f), 1);
	ck_assert_ptr_null(feed_get(f, 0));
	ck_assert_ptr_null(feed_get(f, 1));
	ck_assert_uint_eq(feed_publish(f, "message", "a", 1), 1);
	ck_assert_uint_eq(feed_publish(f, "score", "bb", 2), 2);
	const struct feed_event *e = feed_get(f, 2);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->seq, 2);
	ck_assert_str_eq(e->type, "score");
	ck_assert_uint_eq(e->len, 2);
	ck_assert(memcmp(e->data, "bb", 2) == 0);
	ck_assert_uint_gt(e->published_us, 0);
	ck_assert_ptr_null(feed_get(f, 3));
	feed_free(f);
}
END_TEST

START_TEST(ring_evicts_by_count)
{
	struct feed *f = feed_new(4, 0);
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(feed_publish(f, "message", "x", 1), (uint64_t)i + 1);
	ck_assert_uint_eq(feed_latest(f), 10);
	ck_assert_uint_eq(feed_oldest(f), 7);           /* 7, 8, 9, 10 */
	ck_assert_ptr_null(feed_get(f, 6));
	for (uint64_t s = 7; s <= 10; s++)
		ck_assert_uint_eq(feed_get(f, s)->seq, s);
	feed_free(f);
}
END_TEST

START_TEST(ring_evicts_by_bytes)
{
	struct feed *f = feed_new(100, 10);
	char data[4] = "abcd";
	for (int i = 0; i < 5; i++)
		feed_publish(f, "message", data, 4);
	/* At most 10 bytes: the last two 4-byte events. */
	ck_assert_uint_eq(feed_latest(f), 5);
	ck_assert_uint_eq(feed_oldest(f), 4);
	ck_assert_uint_eq(feed_publish(f, "message", "0123456789X", 11), 0);   /* never fits */
	ck_assert_uint_eq(feed_publish(f, "message", "0123456789", 10), 6);
	ck_assert_uint_eq(feed_oldest(f), 6);
	feed_free(f);
}
END_TEST

START_TEST(types_are_tokens)
{
	ck_assert(feed_type_valid("score", 5));
	ck_assert(feed_type_valid("a.b-c_d", 7));
	ck_assert(!feed_type_valid("", 0));
	ck_assert(!feed_type_valid("reset", 5));        /* the SSE stream's own notice */
	ck_assert(feed_type_valid("resets", 6));
	ck_assert(!feed_type_valid("two words", 9));
	ck_assert(!feed_type_valid("line\nbreak", 10));
	ck_assert(!feed_type_valid("0123456789012345678901234567890123", 33));
	struct feed *f = feed_new(4, 0);
	ck_assert_uint_eq(feed_publish(f, "bad type", "x", 1), 0);
	ck_assert_uint_eq(feed_latest(f), 0);
	feed_free(f);
}
END_TEST

START_TEST(event_as_json)
{
	struct feed *f = feed_new(4, 0);
	feed_publish(f, "chat", "say \"hi\"\n\x01", 10);
	char buf[128];
	size_t n = feed_event_json(feed_get(f, 1), buf, sizeof buf);
	ck_assert_str_eq(buf, "{\"seq\":1,\"type\":\"chat\",\"data\":\"say \\\"hi\\\"\\n\\u0001\"}");
	ck_assert_uint_eq(n, strlen(buf));
	/* Truncated: the length it needs still comes back. */
	char small[10];
	ck_assert_uint_eq(feed_event_json(feed_get(f, 1), small, sizeof small), n);
	ck_assert_uint_eq(feed_event_json(feed_get(f, 1), NULL, 0), n);
	feed_free(f);
}
END_TEST

/* --- subscribers ---------------------------------------------------------- */

struct sub {
	struct feed_sub node;
	struct feed *f;
	int calls;
	uint64_t last;
	struct sub *victim;             /* unsubscribed from inside the call */
	struct sub *newcomer;           /* subscribed from inside the call */
	bool leave;                     /* unsubscribes itself */
};

static void on_event(struct feed_sub *s, const struct feed_event *ev)
{
	struct sub *me = (struct sub *)s;
	me->calls++;
	me->last = ev->seq;
	if (me->victim)
		feed_unsubscribe(me->f, &me->victim->node);
	if (me->newcomer)
		feed_subscribe(me->f, &me->newcomer->node, on_event);
	if (me->leave)
		feed_unsubscribe(me->f, s);
}

START_TEST(every_subscriber_is_told)
{
	struct feed *f = feed_new(8, 0);
	struct sub s[3] = { { .f = f }, { .f = f }, { .f = f } };
	for (int i = 0; i < 3; i++)
		feed_subscribe(f, &s[i].node, on_event);
	ck_assert_uint_eq(feed_subscribers(f), 3);
	feed_publish(f, "message", "x", 1);
	feed_publish(f, "message", "y", 1);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(s[i].calls, 2);
		ck_assert_uint_eq(s[i].last, 2);
	}
	feed_unsubscribe(f, &s[1].node);
	feed_unsubscribe(f, &s[1].node);                /* idempotent */
	feed_publish(f, "message", "z", 1);
	ck_assert_int_eq(s[1].calls, 2);
	ck_assert_int_eq(s[0].calls, 3);
	ck_assert_uint_eq(feed_subscribers(f), 2);
	feed_free(f);
}
END_TEST

/* Subscribers are visited from the most recent; each case below is run
 * with every arrangement, so "the next one" and "one already told" both
 * happen. */
START_TEST(changes_during_delivery)
{
	for (int who = 0; who < 3; who++) {
		for (int victim = 0; victim < 3; victim++) {
			struct feed *f = feed_new(8, 0);
			struct sub s[3] = { { .f = f }, { .f = f }, { .f = f } };
			struct sub late = { .f = f };
			for (int i = 0; i < 3; i++)
				feed_subscribe(f, &s[i].node, on_event);
			if (victim == who)
				s[who].leave = true;
			else
				s[who].victim = &s[victim];
			s[who].newcomer = &late;
			feed_publish(f, "message", "x", 1);
			/* The one that left or was removed before its turn is not
			 * told; everyone else is told exactly once. */
			int told = 0;
			for (int i = 0; i < 3; i++) {
				ck_assert_int_le(s[i].calls, 1);
				told += s[i].calls;
			}
			ck_assert_int_ge(told, 2);
			ck_assert_int_eq(late.calls, 0);        /* joins from the next event */
			ck_assert_uint_eq(feed_subscribers(f), 3);
			s[who].victim = NULL;
			s[who].newcomer = NULL;
			s[who].leave = false;
			int removed_calls = s[victim].calls;
			feed_publish(f, "message", "y", 1);
			ck_assert_int_eq(late.calls, 1);
			ck_assert_int_eq(s[victim].calls, removed_calls);  /* gone for good */
			for (int i = 0; i < 3; i++)
				if (i != victim)
					ck_assert_int_eq(s[i].calls, 2);
			feed_free(f);
		}
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paradigms_feed");
	TCase *tc = tcase_create("ring");
	tcase_add_test(tc, numbers_from_one);
	tcase_add_test(tc, ring_evicts_by_count);
	tcase_add_test(tc, ring_evicts_by_bytes);
	tcase_add_test(tc, types_are_tokens);
	tcase_add_test(tc, event_as_json);
	suite_add_tcase(s, tc);
	tc = tcase_create("subscribers");
	tcase_add_test(tc, every_subscriber_is_told);
	tcase_add_test(tc, changes_during_delivery);
	suite_add_tcase(s, tc);
	return s;
}
