/* test_paradigms_feed.c -- the feed: numbering, the bounded ring, and
 * subscribers that come and go while an event is being delivered. */
#include <check.h>
#include <errno.h>
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
	feed_set_epoch(f, 0x3f09c1d2a4b7);
	feed_publish(f, "chat", "say \"hi\"\n\x01", 10);
	char buf[128];
	size_t n = feed_event_json(feed_get(f, 1), buf, sizeof buf);
	ck_assert_str_eq(buf, "{\"seq\":1,\"id\":\"3f09c1d2a4b7-1\",\"type\":\"chat\","
			 "\"data\":\"say \\\"hi\\\"\\n\\u0001\"}");
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


/* --- epochs and cursors ----------------------------------------------------- */

START_TEST(epochs_are_random_and_bounded)
{
	uint64_t seen[16];
	for (int i = 0; i < 16; i++) {
		seen[i] = feed_random_epoch();
		ck_assert_uint_ne(seen[i], 0);
		ck_assert_uint_lt(seen[i], UINT64_C(1) << 48);
		for (int k = 0; k < i; k++)
			ck_assert_uint_ne(seen[i], seen[k]);    /* 2^-44 odds of a false alarm */
	}
	struct feed *f = feed_new(4, 0), *g = feed_new(4, 0);
	ck_assert_uint_ne(feed_epoch(f), feed_epoch(g));        /* each start its own */
	feed_publish(f, "message", "a", 1);
	feed_set_epoch(f, 0x1234);
	ck_assert_uint_eq(feed_get(f, 1)->epoch, 0x1234);       /* the ring takes it */
	feed_free(f);
	feed_free(g);
}
END_TEST

START_TEST(ids_read_and_written)
{
	char id[FEED_ID_MAX];
	uint64_t e, q;
	ck_assert_uint_eq(feed_id_format(id, 0x3f09c1d2a4b7, 42), 15);
	ck_assert_str_eq(id, "3f09c1d2a4b7-42");
	ck_assert(feed_id_parse(id, strlen(id), 7, &e, &q));
	ck_assert_uint_eq(e, 0x3f09c1d2a4b7);
	ck_assert_uint_eq(q, 42);
	feed_id_format(id, 1, UINT64_MAX);                      /* the longest */
	ck_assert_str_eq(id, "000000000001-18446744073709551615");
	ck_assert(feed_id_parse(id, strlen(id), 7, &e, &q));
	ck_assert_uint_eq(q, UINT64_MAX);
	/* A plain number is a seq of the current epoch. */
	ck_assert(feed_id_parse("17", 2, 7, &e, &q));
	ck_assert_uint_eq(e, 7);
	ck_assert_uint_eq(q, 17);
	static const char *bad[] = {
		"", "-", "x", "17a", "-5", "3f09c1d2a4b-42", "3f09c1d2a4b7-", "3F09C1D2A4B7-42",
		"3f09c1d2a4b7-4-2", "3f09c1d2a4b7_42", "3f09c1d2a4b7-18446744073709551616",
		"18446744073709551616", "3f09c1d2a4b7 -42", " 17",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(!feed_id_parse(bad[i], strlen(bad[i]), 7, &e, &q), "'%s' read", bad[i]);
}
END_TEST

START_TEST(resume_from_a_cursor)
{
	struct feed *f = feed_new(4, 0);
	uint64_t ep = feed_epoch(f);
	struct feed_resume r = feed_resume_from(f, ep, 0);      /* nothing yet */
	ck_assert_int_eq(r.gap, FEED_GAP_NONE);
	ck_assert_uint_eq(r.next, 1);
	for (int i = 0; i < 10; i++)
		feed_publish(f, "message", "x", 1);             /* holds 7..10 */
	r = feed_resume_from(f, ep, 8);
	ck_assert_int_eq(r.gap, FEED_GAP_NONE);
	ck_assert_uint_eq(r.next, 9);
	r = feed_resume_from(f, ep, 6);                         /* just in time */
	ck_assert_int_eq(r.gap, FEED_GAP_NONE);
	ck_assert_uint_eq(r.next, 7);
	r = feed_resume_from(f, ep, 10);                        /* caught up */
	ck_assert_int_eq(r.gap, FEED_GAP_NONE);
	ck_assert_uint_eq(r.next, 11);
	r = feed_resume_from(f, ep, 4);                         /* 5 and 6 are gone */
	ck_assert_int_eq(r.gap, FEED_GAP_EVICTED);
	ck_assert_int_eq(r.missed, 2);
	ck_assert_uint_eq(r.next, 7);
	r = feed_resume_from(f, ep, 11);                        /* never issued */
	ck_assert_int_eq(r.gap, FEED_GAP_AHEAD);
	ck_assert_int_eq(r.missed, -1);
	ck_assert_uint_eq(r.next, 7);
	r = feed_resume_from(f, ep ^ 1, 8);                     /* another epoch */
	ck_assert_int_eq(r.gap, FEED_GAP_EPOCH);
	ck_assert_int_eq(r.missed, -1);
	ck_assert_uint_eq(r.next, 7);
	r = feed_resume_unknown(f);
	ck_assert_int_eq(r.gap, FEED_GAP_EPOCH);
	ck_assert_uint_eq(r.next, 7);
	feed_free(f);
}
END_TEST

START_TEST(reset_notice)
{
	struct feed *f = feed_new(4, 0);
	feed_set_epoch(f, 0xabc);
	for (int i = 0; i < 10; i++)
		feed_publish(f, "message", "x", 1);
	char buf[FEED_RESET_JSON_MAX];
	struct feed_resume r = feed_resume_from(f, 0xabc, 4);
	size_t n = feed_reset_json(f, &r, buf, sizeof buf);
	ck_assert_str_eq(buf, "{\"type\":\"reset\",\"reason\":\"evicted\",\"missed\":2,"
			 "\"seq\":6,\"id\":\"000000000abc-6\"}");
	ck_assert_uint_eq(n, strlen(buf));
	r = feed_resume_from(f, 0xdef, 4);
	feed_reset_json(f, &r, buf, sizeof buf);
	ck_assert_str_eq(buf, "{\"type\":\"reset\",\"reason\":\"epoch\",\"missed\":null,"
			 "\"seq\":6,\"id\":\"000000000abc-6\"}");
	/* The longest notice fits its bound. */
	struct feed_resume worst = { UINT64_MAX, FEED_GAP_EVICTED, INT64_MAX };
	feed_set_epoch(f, (UINT64_C(1) << 48) - 1);
	ck_assert_uint_lt(feed_reset_json(f, &worst, buf, sizeof buf), sizeof buf);
	feed_free(f);
}
END_TEST

/* --- what a journal needs ----------------------------------------------------- */

START_TEST(restore_keeps_seqs)
{
	struct feed *f = feed_new(4, 0);
	ck_assert_int_eq(feed_restore(f, 5, 1, "score", 5, "a", 1), 0);  /* a history from 5 */
	ck_assert_int_eq(feed_restore(f, 6, 1, "score", 5, "b", 1), 0);
	ck_assert_uint_eq(feed_oldest(f), 5);
	ck_assert_uint_eq(feed_latest(f), 6);
	ck_assert_int_eq(feed_restore(f, 6, 1, "score", 5, "c", 1), -1);         /* not after */
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(feed_restore(f, 9, 1, "score", 5, "d", 1), 0);  /* a hole: starts again */
	ck_assert_uint_eq(feed_oldest(f), 9);
	ck_assert_uint_eq(feed_publish(f, "message", "e", 1), 10);       /* and goes on */
	ck_assert_int_eq(feed_restore(f, 11, 1, "reset", 5, "f", 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	feed_free(f);
}
END_TEST

/* --- what a shared feed needs (redis_feed.h) ----------------------------------- */

struct seen {
	struct feed_sub node;
	uint64_t seqs[8];
	int n, restarts;
};

static void see(struct feed_sub *s, const struct feed_event *ev)
{
	struct seen *me = (struct seen *)s;
	if (!ev)
		me->restarts++;
	else if (me->n < 8)
		me->seqs[me->n++] = ev->seq;
}

/* Seqs from elsewhere: told like a publish, a hole empties the ring, a
 * new epoch tells every subscriber with NULL, and a cursor within the
 * lead waits instead of being ahead. */
START_TEST(publish_at_and_restart)
{
	struct feed *f = feed_new(4, 0);
	struct seen me = { 0 };
	feed_set_epoch(f, 0xabc);
	feed_subscribe(f, &me.node, see);
	ck_assert_uint_eq(feed_publish_at(f, 1, "message", 7, "a", 1), 1);
	ck_assert_uint_eq(feed_publish_at(f, 2, "message", 7, "b", 1), 2);
	ck_assert_uint_eq(feed_publish_at(f, 2, "message", 7, "c", 1), 0);      /* not after */
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(feed_publish_at(f, 3, "reset", 5, "c", 1), 0);        /* not a type of ours */
	ck_assert_uint_eq(feed_publish_at(f, 6, "message", 7, "d", 1), 6);      /* a hole */
	ck_assert_uint_eq(feed_oldest(f), 6);
	struct feed_resume r = feed_resume_from(f, 0xabc, 2);
	ck_assert_int_eq(r.gap, FEED_GAP_EVICTED);
	ck_assert_int_eq(r.missed, 3);
	ck_assert_int_eq(me.n, 3);
	ck_assert_uint_eq(me.seqs[2], 6);
	ck_assert_int_eq(feed_resume_from(f, 0xabc, 8).gap, FEED_GAP_AHEAD);
	feed_set_lead(f, 4);
	r = feed_resume_from(f, 0xabc, 8);                      /* issued elsewhere: wait */
	ck_assert_int_eq(r.gap, FEED_GAP_NONE);
	ck_assert_uint_eq(r.next, 9);
	ck_assert_int_eq(feed_resume_from(f, 0xabc, 11).gap, FEED_GAP_AHEAD);
	feed_restart(f, 0xdef);
	ck_assert_int_eq(me.restarts, 1);
	ck_assert_uint_eq(feed_epoch(f), 0xdef);
	ck_assert_uint_eq(feed_latest(f), 0);
	ck_assert_uint_eq(feed_oldest(f), 1);
	ck_assert_int_eq(feed_resume_from(f, 0xabc, 6).gap, FEED_GAP_EPOCH);
	ck_assert_uint_eq(feed_publish_at(f, 1, "message", 7, "e", 1), 1);
	ck_assert_uint_eq(feed_get(f, 1)->epoch, 0xdef);
	feed_unsubscribe(f, &me.node);
	feed_free(f);
}
END_TEST

static int refusals;
static int refuse_second(void *ud, const struct feed_event *ev)
{
	(void)ud;
	if (ev->seq != 2)
		return 0;
	refusals++;
	errno = ENOSPC;
	return -1;
}

static void count_event(struct feed_sub *s, const struct feed_event *ev)
{
	(void)s; (void)ev;
	refusals += 100;
}

/* A store that fails fails the publish: nobody hears of the event, and
 * its seq is given to the next one. */
START_TEST(store_refusal_undoes_the_publish)
{
	struct feed *f = feed_new(4, 0);
	struct feed_sub sub = { 0 };
	feed_set_store(f, &(struct feed_store){ refuse_second, NULL });
	ck_assert_uint_eq(feed_publish(f, "message", "a", 1), 1);
	feed_subscribe(f, &sub, count_event);
	refusals = 0;
	ck_assert_uint_eq(feed_publish(f, "message", "b", 1), 0);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(refusals, 1);                  /* the store, and no subscriber */
	ck_assert_uint_eq(feed_latest(f), 1);
	ck_assert_ptr_null(feed_get(f, 2));
	feed_set_store(f, NULL);
	ck_assert_uint_eq(feed_publish(f, "message", "c", 1), 2);
	ck_assert_int_eq(refusals, 101);
	feed_unsubscribe(f, &sub);
	feed_free(f);
}
END_TEST

START_TEST(one_event_is_capped)
{
	struct feed *f = feed_new(0, 0);
	static char big[FEED_EVENT_MAX + 1];
	ck_assert_uint_eq(feed_publish(f, "message", big, FEED_EVENT_MAX), 1);
	ck_assert_uint_eq(feed_publish(f, "message", big, FEED_EVENT_MAX + 1), 0);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_uint_eq(feed_publish(f, "bad type", "x", 1), 0);
	ck_assert_int_eq(errno, EINVAL);
	/* The history's bytes hold at least 256 of the largest. */
	ck_assert_uint_ge(feed_max_bytes(f) / FEED_EVENT_MAX, 256);
	feed_free(f);
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
	tc = tcase_create("cursors");
	tcase_add_test(tc, epochs_are_random_and_bounded);
	tcase_add_test(tc, ids_read_and_written);
	tcase_add_test(tc, resume_from_a_cursor);
	tcase_add_test(tc, reset_notice);
	tcase_add_test(tc, restore_keeps_seqs);
	tcase_add_test(tc, publish_at_and_restart);
	tcase_add_test(tc, store_refusal_undoes_the_publish);
	tcase_add_test(tc, one_event_is_capped);
	suite_add_tcase(s, tc);

	tc = tcase_create("subscribers");
	tcase_add_test(tc, every_subscriber_is_told);
	tcase_add_test(tc, changes_during_delivery);
	suite_add_tcase(s, tc);
	return s;
}
