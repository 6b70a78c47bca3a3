/* test_paradigms_redis_client.c -- the Redis client (redis_client.h)
 * against a fake server on the loop: pipelined replies, sent a byte per
 * segment, reach their callbacks whole and in order; a lost connection
 * fails every waiting command and is made again; a server that is not
 * there is refused at once, never queued. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "net/conn.h"
#include "net/loop.h"
#include "paradigms/redis_client.h"
#include "support/looptest.h"

/* --- the fake server ---------------------------------------------------------- */

struct fake {
	struct net_loop *loop;
	struct net_listener *l;
	struct net_conn *c;
	size_t commands;                /* "*1\r\n$4\r\nPING\r\n" seen */
	bool drop;                      /* abort at the first command */
	const char *script;             /* the replies, sent a byte per tick */
	size_t sent;
	struct net_timer tick;
};

#define PING "*1\r\n$4\r\nPING\r\n"

static size_t fake_data(struct net_conn *c, uint8_t *data, size_t len)
{
	struct fake *f = net_conn_ud(c);
	size_t n = 0;
	while (len - n >= strlen(PING) && memcmp(data + n, PING, strlen(PING)) == 0) {
		n += strlen(PING);
		f->commands++;
	}
	if (f->drop && f->commands > 0)
		net_conn_abort(c, ECONNRESET);
	return n;
}

static void fake_close(struct net_conn *c, int err)
{
	(void)err;
	struct fake *f = net_conn_ud(c);
	if (f->c == c)
		f->c = NULL;
}

static const struct net_conn_ops fake_ops = { .on_data = fake_data, .on_close = fake_close };

static void fake_accept(struct net_listener *l, struct net_conn *c, void *ud)
{
	(void)l;
	struct fake *f = ud;
	f->c = c;
	net_conn_set_ops(c, &fake_ops, f);
	net_conn_set_nodelay(c, true);          /* one byte, one segment */
}

/* One more byte of the replies, once the commands are in. */
static void fake_tick(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct fake *f = ud;
	if (f->c && f->commands > 0 && f->script && f->sent < strlen(f->script)) {
		net_conn_write(f->c, f->script + f->sent, 1);
		f->sent++;
	}
}

static void fake_start(struct fake *f)
{
	memset(f, 0, sizeof *f);
	f->loop = net_loop_new(NULL);
	ck_assert_ptr_nonnull(f->loop);
	f->l = net_listen(f->loop, "127.0.0.1", 0, 16, fake_accept, f, NULL);
	ck_assert_ptr_nonnull(f->l);
	net_timer_init(&f->tick, fake_tick, f);
	net_timer_start(f->loop, &f->tick, 1, 1);
}

static void fake_stop(struct fake *f)
{
	net_timer_stop(f->loop, &f->tick);
	if (f->l)
		net_listener_close(f->l);
	if (f->c)
		net_conn_abort(f->c, ECONNABORTED);
	net_loop_run_once(f->loop, 0);
	net_loop_free(f->loop);
}

/* --- the client side ---------------------------------------------------------- */

struct watch {
	int ups, downs, down_err;
	char replies[8][32];
	int nreplies, lost;
	bool up, done;
};

static void on_up(struct redis_client *rc, void *ud)
{
	(void)rc;
	struct watch *w = ud;
	w->ups++;
	w->up = true;
}

static void on_down(struct redis_client *rc, int err, void *ud)
{
	(void)rc;
	struct watch *w = ud;
	w->downs++;
	w->down_err = err;
	w->up = false;
	w->done = true;
}

static const struct redis_client_ops ops = { .on_up = on_up, .on_down = on_down };

static void on_reply(void *ud, const char *reply, size_t len)
{
	struct watch *w = ud;
	if (!reply)
		w->lost++;
	else if (w->nreplies < 8)
		snprintf(w->replies[w->nreplies++], 32, "%.*s", (int)len, reply);
	w->done = w->nreplies + w->lost == 3;
}

static const char *const ping[] = { "PING" };

/* Three commands pipelined; three replies a byte per segment, each
 * handed whole to its own callback, in order, once. */
START_TEST(pipelined_replies_in_order)
{
	struct fake f;
	struct watch w = { 0 };
	fake_start(&f);
	f.script = "+OK\r\n$3\r\nbcd\r\n:42\r\n";
	struct redis_client *rc = redis_client_new(f.loop, "127.0.0.1", net_listener_port(f.l),
						   &ops, &w, NULL);
	ck_assert(looptest_run_until(f.loop, &w.up, 2000));
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(redis_client_command(rc, 1, ping, NULL, on_reply, &w), 0);
	ck_assert(looptest_run_until(f.loop, &w.done, 5000));
	ck_assert_int_eq(w.nreplies, 3);
	ck_assert_str_eq(w.replies[0], "+OK\r\n");
	ck_assert_str_eq(w.replies[1], "$3\r\nbcd\r\n");
	ck_assert_str_eq(w.replies[2], ":42\r\n");
	const struct redis_client_stats *st = redis_client_stats(rc);
	ck_assert_uint_eq(st->commands, 3);
	ck_assert_uint_eq(st->replies, 3);
	ck_assert_uint_eq(st->round_trips, 1);  /* one batch */
	redis_client_free(rc);
	fake_stop(&f);
}
END_TEST

/* The server drops the connection: every waiting command hears NULL,
 * on_down says so, and the client connects again by itself. */
START_TEST(lost_connection_fails_waiting_and_reconnects)
{
	struct fake f;
	struct watch w = { 0 };
	fake_start(&f);
	f.drop = true;
	struct redis_client *rc = redis_client_new(f.loop, "127.0.0.1", net_listener_port(f.l),
						   &ops, &w, NULL);
	ck_assert(looptest_run_until(f.loop, &w.up, 2000));
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(redis_client_command(rc, 1, ping, NULL, on_reply, &w), 0);
	ck_assert(looptest_run_until(f.loop, &w.done, 5000));
	ck_assert_int_eq(w.lost, 3);
	ck_assert_int_eq(w.downs, 1);
	ck_assert(!redis_client_up(rc));
	ck_assert_int_eq(redis_client_command(rc, 1, ping, NULL, on_reply, &w), -1);
	ck_assert_int_eq(errno, ENOTCONN);
	ck_assert(looptest_run_until(f.loop, &w.up, 2000));     /* back, after the backoff */
	ck_assert_int_eq(w.ups, 2);
	redis_client_free(rc);
	fake_stop(&f);
}
END_TEST

/* Nobody listening: on_down with the connect's error, commands refused. */
START_TEST(nobody_there)
{
	struct fake f;
	struct watch w = { 0 };
	fake_start(&f);
	uint16_t port = net_listener_port(f.l);
	net_listener_close(f.l);
	f.l = NULL;
	struct redis_client *rc = redis_client_new(f.loop, "127.0.0.1", port, &ops, &w, NULL);
	ck_assert_int_eq(redis_client_command(rc, 1, ping, NULL, on_reply, &w), -1);
	ck_assert_int_eq(errno, ENOTCONN);
	ck_assert(looptest_run_until(f.loop, &w.done, 2000));
	ck_assert_int_eq(w.down_err, ECONNREFUSED);
	ck_assert_int_eq(w.ups, 0);
	redis_client_free(rc);
	fake_stop(&f);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paradigms_redis_client");
	TCase *tc = tcase_create("client");
	tcase_add_test(tc, pipelined_replies_in_order);
	tcase_add_test(tc, lost_connection_fails_waiting_and_reconnects);
	tcase_add_test(tc, nobody_there);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}
