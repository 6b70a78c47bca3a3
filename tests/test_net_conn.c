/* test_net_conn.c -- connections over 127.0.0.1: echo, the ledger and
 * TCP_INFO, what edge-triggered reading must not miss, the output queue
 * under a peer that stops reading, closing, refused connects, and
 * surviving EMFILE. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <dirent.h>
#include <unistd.h>

#include "net/conn.h"
#include "util/log.h"
#include "support/looptest.h"

/* --- a small echo server and a counting client ------------------------- */

struct side {
	struct net_loop *loop;
	struct net_ledger ledger;
	struct net_conn *conn;
	uint8_t got[1 << 16];
	size_t got_len;
	uint64_t got_total;         /* bytes received, including those not kept */
	uint8_t next;               /* pattern check for large transfers */
	bool pattern_ok;
	int connect_err, close_err;
	bool connected, closed, eof, drained;
	int deliveries;
	int echo;                   /* server: echo what arrives */
	int replies_per_read;       /* server: answer each delivery with N writes */
	size_t big_replies;         /* server: answer each delivery with this many patterned bytes */
	uint8_t out_next;           /* server: the pattern's next byte */
	size_t hold_until;          /* consume nothing until this many bytes are in */
	bool pause_on_data;         /* pause reading after each delivery */
	bool close_on_data;         /* server: close (gracefully) after answering */
	int accepts;                /* server: connections handed over by the listener */
};

static size_t side_data(struct net_conn *c, uint8_t *data, size_t len)
{
	struct side *s = net_conn_ud(c);
	s->deliveries++;
	if (len < s->hold_until)
		return 0;               /* a message still incomplete: held */
	for (size_t i = 0; i < len; i++) {
		if (data[i] != s->next)
			s->pattern_ok = false;
		s->next++;
	}
	size_t keep = len < sizeof s->got - s->got_len ? len : sizeof s->got - s->got_len;
	memcpy(s->got + s->got_len, data, keep);
	s->got_len += keep;
	s->got_total += len;
	if (s->echo)
		net_conn_write(c, data, len);
	for (int i = 0; i < s->replies_per_read; i++)
		net_conn_write(c, "ok\n", 3);
	/* Several writes, together larger than the stage (64 KiB): part of
	 * it goes staged, the rest queued, and the order must hold. */
	for (size_t left = s->big_replies; left > 0;) {
		uint8_t chunk[40000];
		size_t n = left < sizeof chunk ? left : sizeof chunk;
		for (size_t i = 0; i < n; i++)
			chunk[i] = s->out_next++;
		net_conn_write(c, chunk, n);
		left -= n;
	}
	if (s->pause_on_data)
		net_conn_pause_read(c);
	if (s->close_on_data)
		net_conn_close(c);
	return len;
}

static void side_eof(struct net_conn *c)
{
	struct side *s = net_conn_ud(c);
	s->eof = true;
}

static void side_drain(struct net_conn *c) { ((struct side *)net_conn_ud(c))->drained = true; }

static void side_connect(struct net_conn *c, int err)
{
	struct side *s = net_conn_ud(c);
	s->connect_err = err;
	s->connected = err == 0;
}

static void side_close(struct net_conn *c, int err)
{
	struct side *s = net_conn_ud(c);
	s->closed = true;
	s->close_err = err;
	s->conn = NULL;
}

static const struct net_conn_ops side_ops = {
	.on_data = side_data, .on_eof = side_eof, .on_drain = side_drain,
	.on_connect = side_connect, .on_close = side_close,
};

static void server_accept(struct net_listener *l, struct net_conn *c, void *ud)
{
	(void)l;
	struct side *s = ud;
	s->conn = c;
	s->accepts++;
	net_conn_set_ops(c, &side_ops, s);
}

struct pair {
	struct net_loop *loop;
	struct net_ledger listen_ledger;
	struct net_listener *l;
	struct side *srv, *cli;
};

static bool both_up(void *arg)
{
	struct pair *p = arg;
	return p->cli->connected && p->srv->conn != NULL;
}

static bool accepted(void *arg) { return ((struct side *)arg)->conn != NULL; }

static bool delivered(void *arg) { return ((struct side *)arg)->deliveries > 0; }

/* A pair whose server listens on 'listen_host' and whose client connects
 * to 'connect_host'. */
static void pair_open_at(struct pair *p, const char *listen_host, const char *connect_host)
{
	p->loop = net_loop_new(NULL);
	p->srv = calloc(1, sizeof *p->srv);
	p->cli = calloc(1, sizeof *p->cli);
	p->srv->pattern_ok = p->cli->pattern_ok = true;
	net_ledger_init(&p->srv->ledger, "server");
	net_ledger_init(&p->cli->ledger, "client");
	net_ledger_init(&p->listen_ledger, "listener");
	p->l = net_listen(p->loop, listen_host, 0, 16, server_accept, p->srv,
			  &p->srv->ledger);
	ck_assert_msg(p->l != NULL, "listen: %s", strerror(errno));
	ck_assert_uint_gt(net_listener_port(p->l), 0);
	p->cli->conn = net_connect(p->loop, connect_host, net_listener_port(p->l),
				   &side_ops, p->cli, &p->cli->ledger);
	ck_assert_msg(p->cli->conn != NULL, "connect: %s", strerror(errno));
	ck_assert(net_loop_run_until(p->loop, both_up, p, 2000));
}

static void pair_open(struct pair *p)
{
	pair_open_at(p, "127.0.0.1", "127.0.0.1");
}

static void pair_close(struct pair *p)
{
	if (p->cli->conn)
		net_conn_abort(p->cli->conn, 0);
	if (p->srv->conn)
		net_conn_abort(p->srv->conn, 0);
	net_listener_close(p->l);
	net_loop_run_once(p->loop, 0);          /* frees the connections */
	net_loop_free(p->loop);
	free(p->srv);
	free(p->cli);
}

static bool got_bytes(void *arg)
{
	void **a = arg;
	return ((struct side *)a[0])->got_total >= *(uint64_t *)a[1];
}

static bool wait_bytes(struct pair *p, struct side *s, uint64_t n, int ms)
{
	void *a[2] = { s, &n };
	return net_loop_run_until(p->loop, got_bytes, a, ms);
}

/* --- echo, and the ledger agrees with what the test did ----------------- */

/* The hosts net_listen and net_connect take, for command lines to check. */
START_TEST(host_valid)
{
	ck_assert(net_host_valid("127.0.0.1"));
	ck_assert(net_host_valid("0.0.0.0"));
	ck_assert(net_host_valid("localhost"));
	ck_assert(net_host_valid("LocalHost"));     /* host names ignore case (RFC 3986 §3.2.2) */
	ck_assert(!net_host_valid("1.2.3.4.5"));
	ck_assert(!net_host_valid("example.com"));
	ck_assert(!net_host_valid(""));
	ck_assert(!net_host_valid(NULL));
	ck_assert(net_host_valid("::1"));
	ck_assert(net_host_valid("[::1]"));         /* as URLs write it */
	ck_assert(net_host_valid("::"));
	ck_assert(net_host_valid("*"));
	ck_assert(!net_host_valid("[::1"));
	ck_assert(!net_host_valid("::1::2"));
	ck_assert(!net_host_valid("[127.0.0.1"));
}
END_TEST

/* IPv6: a listener on ::1 takes ::1 (bare or bracketed), and says the
 * client's address is IPv6; "*" takes both families on one socket;
 * nobody connects to "*". */
START_TEST(ipv6)
{
	static const char *const cases[][2] = {
		{ "::1", "::1" }, { "[::1]", "::1" }, { "::1", "[::1]" },
		{ "*", "127.0.0.1" }, { "*", "::1" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pair p;
		pair_open_at(&p, cases[i][0], cases[i][1]);
		ck_assert_int_eq(net_conn_write(p.cli->conn, "ping", 4), 0);
		ck_assert_msg(wait_bytes(&p, p.srv, 4, 2000), "%s <- %s", cases[i][0], cases[i][1]);
		int version;
		uint8_t addr[16];
		uint16_t port;
		ck_assert(net_conn_peer(p.srv->conn, &version, addr, &port));
		/* IPv4 through a dual-stack socket arrives as ::ffff:127.0.0.1. */
		ck_assert_int_eq(version, 6);
		ck_assert_int_eq(addr[15], 1);
		pair_close(&p);
	}
	struct net_loop *loop = net_loop_new(NULL);
	errno = 0;
	ck_assert_ptr_null(net_connect(loop, "*", 80, &side_ops, NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
	net_loop_free(loop);
}
END_TEST

/* A client bound to 127.0.0.2 before connecting is seen from there; the
 * bind and its setsockopt are counted; a source of the wrong family or
 * no address at all is refused before any socket is made. */
START_TEST(connect_from_a_source_address)
{
	struct pair p = { 0 };
	p.loop = net_loop_new(NULL);
	p.srv = calloc(1, sizeof *p.srv);
	p.cli = calloc(1, sizeof *p.cli);
	net_ledger_init(&p.srv->ledger, "server");
	net_ledger_init(&p.cli->ledger, "client");
	p.l = net_listen(p.loop, "127.0.0.1", 0, 16, server_accept, p.srv, &p.srv->ledger);
	ck_assert_ptr_nonnull(p.l);
	p.cli->conn = net_connect_from(p.loop, "127.0.0.2", "127.0.0.1", net_listener_port(p.l),
				       &side_ops, p.cli, &p.cli->ledger);
	ck_assert_msg(p.cli->conn != NULL, "connect: %s", strerror(errno));
	ck_assert(net_loop_run_until(p.loop, both_up, &p, 2000));
	int version;
	uint8_t addr[16];
	uint16_t port;
	ck_assert(net_conn_peer(p.srv->conn, &version, addr, &port));
	ck_assert_int_eq(version, 4);
	ck_assert_mem_eq(addr, ((uint8_t[]){ 127, 0, 0, 2 }), 4);
	ck_assert_uint_gt(port, 0);
	ck_assert_uint_eq(p.cli->ledger.c.sys[NET_SYS_BIND], 1);
	ck_assert_uint_eq(net_conn_counts(p.cli->conn)->sys[NET_SYS_BIND], 1);
	ck_assert_uint_eq(p.cli->ledger.c.sys[NET_SYS_SOCKET], 1);
	pair_close(&p);

	struct net_loop *loop = net_loop_new(NULL);
	struct net_ledger none;
	net_ledger_init(&none, "none");
	errno = 0;
	ck_assert_ptr_null(net_connect_from(loop, "::1", "127.0.0.1", 80, &side_ops, NULL, &none));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(net_connect_from(loop, "nowhere", "127.0.0.1", 80, &side_ops, NULL, &none));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(none.c.sys[NET_SYS_SOCKET], 0);
	net_loop_free(loop);
}
END_TEST

START_TEST(echo_and_ledger)
{
	struct pair p;
	pair_open(&p);
	p.srv->echo = 1;
	ck_assert_int_eq(net_conn_set_nodelay(p.cli->conn, true), 0);
	const int N = 20;
	for (int i = 0; i < N; i++) {
		/* One write per round trip: N sends, each its own segment. */
		char msg[8] = "ping-00";
		msg[5] = (char)('0' + i / 10);
		msg[6] = (char)('0' + i % 10);
		ck_assert_int_eq(net_conn_write(p.cli->conn, msg, 7), 0);
		ck_assert(wait_bytes(&p, p.cli, (uint64_t)(i + 1) * 7, 2000));
	}
	ck_assert(memcmp(p.cli->got, "ping-00ping-01", 14) == 0);
	ck_assert(memcmp(p.cli->got + 7 * 19, "ping-19", 7) == 0);

	const struct net_counts *cc = net_conn_counts(p.cli->conn);
	ck_assert_uint_eq(cc->handshakes, 1);
	ck_assert_uint_eq(cc->sys[NET_SYS_SOCKET], 1);
	ck_assert_uint_eq(cc->sys[NET_SYS_CONNECT], 1);
	ck_assert_uint_eq(cc->sys[NET_SYS_WRITE], (uint64_t)N);
	ck_assert_uint_eq(cc->bytes_out, (uint64_t)N * 7);
	ck_assert_uint_eq(cc->bytes_in, (uint64_t)N * 7);
	ck_assert_uint_ge(cc->sys[NET_SYS_READ], (uint64_t)N);
	const struct net_counts *sc = net_conn_counts(p.srv->conn);
	ck_assert_uint_eq(sc->handshakes, 1);
	/* accept4 twice: the connection, then the EAGAIN that ends the batch. */
	ck_assert_uint_eq(sc->sys[NET_SYS_ACCEPT], 2);
	ck_assert_uint_eq(sc->sys[NET_SYS_WRITE], (uint64_t)N);    /* one echo per read */

	/* Close both; TCP_INFO lands in the ledgers. */
	net_conn_close(p.cli->conn);
	ck_assert(looptest_run_until(p.loop, &p.srv->eof, 2000));
	net_conn_close(p.srv->conn);
	ck_assert(looptest_run_until(p.loop, &p.cli->closed, 2000));
	ck_assert(looptest_run_until(p.loop, &p.srv->closed, 2000));
	struct net_counts *cl = &p.cli->ledger.c;
	ck_assert_uint_eq(cl->closed, 1);
	ck_assert_uint_eq(cl->handshakes, 1);
	ck_assert_uint_eq(cl->sys[NET_SYS_CLOSE], 1);
	ck_assert_uint_eq(cl->sys[NET_SYS_WRITE], (uint64_t)N);
	/* The kernel saw at least one segment per write, plus SYN and FIN. */
	ck_assert_uint_ge(cl->data_segs_out, (uint64_t)N);
	ck_assert_uint_ge(cl->segs_out, (uint64_t)N + 2);
	ck_assert_uint_ge(cl->segs_in, (uint64_t)N);
	ck_assert_uint_eq(cl->rtt_samples, 1);
	ck_assert_uint_ge(p.srv->ledger.c.data_segs_out, (uint64_t)N);
	/* The listener's own costs stay off the connections' ledger. */
	ck_assert_uint_eq(p.srv->ledger.c.sys[NET_SYS_LISTEN], 0);
	pair_close(&p);
}
END_TEST

/* A delivery is corked: three replies leave in one send(). */
START_TEST(replies_to_one_read_are_one_send)
{
	struct pair p;
	pair_open(&p);
	p.srv->replies_per_read = 3;
	uint64_t before = net_conn_counts(p.srv->conn)->sys[NET_SYS_WRITE];
	ck_assert_int_eq(net_conn_write(p.cli->conn, "GET\n", 4), 0);
	ck_assert(wait_bytes(&p, p.cli, 9, 2000));
	ck_assert(memcmp(p.cli->got, "ok\nok\nok\n", 9) == 0);
	ck_assert_int_eq(p.srv->deliveries, 1);
	ck_assert_uint_eq(net_conn_counts(p.srv->conn)->sys[NET_SYS_WRITE] - before, 1);
	pair_close(&p);
}
END_TEST

START_TEST(big_replies_keep_their_order)
{
	struct pair p;
	pair_open(&p);
	p.srv->big_replies = 300000;            /* more than the stage, and than a socket buffer */
	ck_assert_int_eq(net_conn_write(p.cli->conn, "GET\n", 4), 0);
	ck_assert(wait_bytes(&p, p.cli, 300000, 5000));
	ck_assert_int_eq(p.srv->deliveries, 1);
	ck_assert_uint_eq(p.cli->got_total, 300000);
	ck_assert(p.cli->pattern_ok);
	ck_assert_uint_eq(net_conn_pending(p.srv->conn), 0);
	pair_close(&p);
}
END_TEST

/* Relabelling moves everything the connection cost to the new ledger. */
START_TEST(ledger_relabel)
{
	struct pair p;
	pair_open(&p);
	struct net_ledger other;
	net_ledger_init(&other, "sse");
	struct net_counts was = p.srv->ledger.c;
	ck_assert_uint_eq(was.handshakes, 1);
	net_conn_set_ledger(p.srv->conn, &other);
	ck_assert_uint_eq(p.srv->ledger.c.handshakes, 0);
	ck_assert_uint_eq(other.c.handshakes, 1);
	ck_assert_uint_eq(other.c.sys[NET_SYS_ACCEPT], was.sys[NET_SYS_ACCEPT]);
	net_conn_write(p.srv->conn, "hi", 2);
	ck_assert_uint_eq(other.c.bytes_out, 2);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct net_ledger *ls[] = { &p.srv->ledger, &other };
	net_ledger_print_table(f, ls, 2);
	net_ledger_print_json(f, ls, 2);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "tcp handshakes"));
	/* Nobody counted events or latency here: those rows are left out. */
	ck_assert_ptr_nonnull(strstr(buf, "\"label\":\"sse\",\"tcp_handshakes\":1"));
	ck_assert_ptr_null(strstr(buf, "events"));
	ck_assert_ptr_null(strstr(buf, "latency"));
	free(buf);
	/* Once one ledger counts events, and one has a latency, they are shown. */
	other.counts_events = true;
	other.events = 7;
	net_latency_record(&other.lat, 40);
	f = open_memstream(&buf, &len);
	net_ledger_print_json(f, ls, 2);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\"label\":\"sse\",\"events_delivered\":7,\"tcp_handshakes\":1"));
	ck_assert_ptr_nonnull(strstr(buf, "\"latency_max_us\":40"));
	free(buf);
	pair_close(&p);
}
END_TEST

/* An answer followed by a close leaves in one segment with the FIN (the
 * last send says MSG_MORE, then shutdown), and the server's ledger counts
 * that segment.  The client's view: the SYN-ACK, the ACK of its question
 * that Linux sends at once on a new connection, and the answer with the
 * FIN -- three segments, where a FIN of its own would make four. */
START_TEST(answer_and_fin_share_a_segment)
{
	struct pair p;
	pair_open(&p);
	p.srv->replies_per_read = 1;
	p.srv->close_on_data = true;
	ck_assert_int_eq(net_conn_write(p.cli->conn, "bye?", 4), 0);
	ck_assert(looptest_run_until(p.loop, &p.cli->eof, 2000));
	ck_assert(looptest_run_until(p.loop, &p.srv->closed, 2000));
	ck_assert_uint_eq(p.cli->got_total, 3);
	ck_assert(memcmp(p.cli->got, "ok\n", 3) == 0);
	ck_assert_int_eq(p.srv->close_err, 0);
	ck_assert_uint_eq(p.srv->ledger.c.data_segs_out, 1);
	ck_assert_uint_eq(p.srv->ledger.c.sys[NET_SYS_SHUTDOWN], 1);
	net_conn_close(p.cli->conn);
	ck_assert(looptest_run_until(p.loop, &p.cli->closed, 2000));
	ck_assert_uint_eq(p.cli->ledger.c.data_segs_in, 1);
	ck_assert_uint_le(p.cli->ledger.c.segs_in, 3);
	pair_close(&p);
}
END_TEST

/* --- edge-triggered reading: what arrives before a read is not lost ----- */

/* The server side of a pair alone: a loop and a listener whose
 * connections go to p->srv.  The client is the test's own socket. */
static void listener_open(struct pair *p)
{
	p->loop = net_loop_new(NULL);
	p->srv = calloc(1, sizeof *p->srv);
	p->cli = calloc(1, sizeof *p->cli);
	p->srv->pattern_ok = true;
	net_ledger_init(&p->srv->ledger, "server");
	p->l = net_listen(p->loop, "127.0.0.1", 0, 16, server_accept, p->srv,
			  &p->srv->ledger);
	ck_assert_msg(p->l != NULL, "listen: %s", strerror(errno));
}

/* A plain blocking socket connected to 'port' on 127.0.0.1. */
static int raw_connect(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

/* A server connection and a plain blocking socket as its peer, so that the
 * test can put bytes (and a FIN) into the server's socket while the loop
 * is not running: epoll then has one edge to report for all of it. */
static int raw_pair_open(struct pair *p)
{
	listener_open(p);
	int fd = raw_connect(net_listener_port(p->l));
	ck_assert_msg(net_loop_run_until(p->loop, accepted, p->srv, 2000),
		      "the server did not accept");
	return fd;
}

/* Writes 'n' bytes of the test pattern, starting at *next. */
static void raw_send_pattern(int fd, uint8_t *next, size_t n)
{
	static uint8_t buf[64 * 1024];
	ck_assert_uint_le(n, sizeof buf);
	for (size_t i = 0; i < n; i++)
		buf[i] = (*next)++;
	ck_assert_int_eq(send(fd, buf, n, 0), (ssize_t)n);
}

/* Until the peer's kernel holds everything 'fd' sent (and its FIN, if
 * 'fin'): nothing is left to arrive, so no later edge can hide a missed
 * one.  The loop cannot tell us this; the wait is bounded and asserted. */
static void raw_wait_arrived(int fd, bool fin)
{
	for (int i = 0; i < 2000; i++) {
		struct tcp_info ti;
		socklen_t n = sizeof ti;
		int outq = -1;
		ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &n), 0);
		ck_assert_int_eq(ioctl(fd, SIOCOUTQ, &outq), 0);
		if (outq == 0 && ti.tcpi_unacked == 0 && (!fin || ti.tcpi_state == TCP_FIN_WAIT2))
			return;
		poll(NULL, 0, 1);
	}
	ck_abort_msg("the bytes did not reach the peer's socket in 2 s");
}

static bool accepted_twice(void *arg) { return ((struct side *)arg)->accepts == 2; }

/* net_listener_wait_for_data: the handshake completes (connect returns)
 * but the connection is handed over only with its first bytes -- or,
 * silent, after about the time given. */
START_TEST(listener_waits_for_the_first_bytes)
{
	struct pair p;
	listener_open(&p);
	ck_assert_int_eq(net_listener_wait_for_data(p.l, 1), 0);
	int fd = raw_connect(net_listener_port(p.l));
	looptest_run_for(p.loop, 200);          /* nothing to hand over */
	ck_assert_int_eq(p.srv->accepts, 0);
	uint8_t next = 0;
	raw_send_pattern(fd, &next, 5);
	ck_assert(wait_bytes(&p, p.srv, 5, 2000));
	ck_assert_int_eq(p.srv->accepts, 1);
	ck_assert_int_eq(p.srv->deliveries, 1);
	/* Read in the listener's wake-up, with the accept: the connection
	 * itself was never woken. */
	ck_assert_uint_eq(p.srv->ledger.c.wakeups, 0);
	ck_assert_uint_eq(p.srv->ledger.c.sys[NET_SYS_READ], 1);
	net_conn_abort(p.srv->conn, 0);
	p.srv->conn = NULL;
	close(fd);

	int silent = raw_connect(net_listener_port(p.l));
	uint64_t t0 = looptest_now_ms();
	ck_assert(net_loop_run_until(p.loop, accepted_twice, p.srv, 5000));
	ck_assert_uint_ge(looptest_now_ms() - t0, 200);
	ck_assert_int_eq(p.srv->deliveries, 1);
	close(silent);
	pair_close(&p);
}
END_TEST

/* Holds the first 'first' bytes unconsumed, then sends 40 KiB more: all
 * must arrive, in order.  Returns the number of deliveries. */
static int held_then_more(size_t first)
{
	struct pair p;
	int fd = raw_pair_open(&p);
	uint8_t next = 0;
	p.srv->hold_until = first + 40960;
	raw_send_pattern(fd, &next, first);
	net_loop_run_until(p.loop, delivered, p.srv, 2000);
	ck_assert_int_eq(p.srv->deliveries, 1);
	ck_assert_uint_eq(p.srv->got_total, 0);         /* held, not consumed */
	raw_send_pattern(fd, &next, 40960);
	raw_wait_arrived(fd, false);
	ck_assert(wait_bytes(&p, p.srv, first + 40960, 2000));
	ck_assert_uint_eq(p.srv->got_total, first + 40960);
	ck_assert(p.srv->pattern_ok);
	int deliveries = p.srv->deliveries;
	close(fd);
	pair_close(&p);
	return deliveries;
}

START_TEST(small_hold_read_again_in_front)
{
	/* A few held bytes (a request head begun) are copied in front of the
	 * next read in the shared buffer: the connection keeps only them, and
	 * on_data sees them followed by the new bytes, in order. */
	held_then_more(10);
}
END_TEST

START_TEST(edge_rereads_after_a_full_read)
{
	/* A message held incomplete, and bigger than the few bytes that are
	 * read again through the shared buffer (conn.c, NET_HELD_SMALL),
	 * makes the next recv() go into the connection's own buffer, with
	 * 16 KiB of room: 40 KiB waiting take several reads, and epoll
	 * reports the arrival only once. */
	ck_assert_int_ge(held_then_more(4096), 3);      /* it did take several reads */
}
END_TEST

/* ops->read_into: a protocol that knows the next bytes are payload of
 * its own reads them straight into its buffer, in one recv for as much
 * as the kernel has (conn.h, "Reading straight into place"); below
 * NET_READ_CHUNK of room the shared buffer is used as before. */
struct into {
	struct side side;               /* first: side_ops' callbacks see it */
	uint8_t *buf;
	size_t room, got;
	size_t in_place;                /* bytes on_data was handed where they belong */
	uint8_t *first_data;            /* where on_data was handed the bytes */
};

static size_t into_data(struct net_conn *c, uint8_t *data, size_t len)
{
	struct into *t = net_conn_ud(c);
	if (!t->first_data)
		t->first_data = data;
	if (data == t->buf + t->got)
		t->in_place += len;
	else
		memcpy(t->buf + t->got, data, len);
	t->got += len;
	t->side.got_total += len;
	return len;
}

static uint8_t *into_room(struct net_conn *c, size_t *room)
{
	struct into *t = net_conn_ud(c);
	*room = t->room - t->got;
	return t->buf + t->got;
}

static const struct net_conn_ops into_ops = {
	.on_data = into_data, .on_close = side_close, .read_into = into_room,
};

static void read_into_case(size_t total, bool straight)
{
	struct pair p;
	pair_open(&p);
	struct into t = { .buf = malloc(total), .room = total };
	net_conn_set_ops(p.srv->conn, &into_ops, &t);
	uint8_t *out = malloc(total);
	for (size_t i = 0; i < total; i++)
		out[i] = (uint8_t)(i * 13);
	/* All of it in the server's socket before it reads: one blocking send. */
	ck_assert_int_eq(net_conn_write(p.cli->conn, out, total), 0);
	ck_assert(wait_bytes(&p, &t.side, total, 5000));
	ck_assert(memcmp(t.buf, out, total) == 0);
	if (straight) {
		/* Read in place while the room was at least NET_READ_CHUNK:
		 * all but the last few bytes at most. */
		ck_assert_ptr_eq(t.first_data, t.buf);
		ck_assert_uint_ge(t.in_place, total - NET_READ_CHUNK);
	} else {
		ck_assert_uint_eq(t.in_place, 0);               /* the shared buffer */
	}
	pair_close(&p);
	free(t.buf);
	free(out);
}

START_TEST(read_straight_into_place)
{
	read_into_case(1024 * 1024, true);
	read_into_case(NET_READ_CHUNK / 2, false);
}
END_TEST

START_TEST(edge_sees_a_fin_that_came_with_the_last_bytes)
{
	struct pair p;
	int fd = raw_pair_open(&p);
	uint8_t next = 0;
	raw_send_pattern(fd, &next, 3);
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	raw_wait_arrived(fd, true);
	ck_assert(looptest_run_until(p.loop, &p.srv->eof, 2000));
	ck_assert_uint_eq(p.srv->got_total, 3);
	ck_assert(p.srv->pattern_ok);
	close(fd);
	pair_close(&p);
}
END_TEST

START_TEST(edge_resume_reads_what_came_while_paused)
{
	struct pair p;
	int fd = raw_pair_open(&p);
	uint8_t next = 0;
	p.srv->pause_on_data = true;
	raw_send_pattern(fd, &next, 5);
	ck_assert(wait_bytes(&p, p.srv, 5, 2000));
	raw_send_pattern(fd, &next, 7);
	raw_wait_arrived(fd, false);
	looptest_run_for(p.loop, 50);
	ck_assert_uint_eq(p.srv->got_total, 5);         /* paused: not read */
	p.srv->pause_on_data = false;
	net_conn_resume_read(p.srv->conn);
	ck_assert(wait_bytes(&p, p.srv, 12, 2000));
	ck_assert_uint_eq(p.srv->got_total, 12);
	ck_assert(p.srv->pattern_ok);
	close(fd);
	pair_close(&p);
}
END_TEST

/* --- the output queue: backpressure and the hard cap -------------------- */

START_TEST(backpressure_then_resume_loses_nothing)
{
	struct pair p;
	pair_open(&p);
	net_conn_pause_read(p.cli->conn);           /* the peer stops reading */
	static uint8_t chunk[64 * 1024];
	uint8_t v = 0;
	uint64_t sent = 0;
	int rounds = 0;
	while (!net_conn_backlogged(p.srv->conn) && rounds++ < 1000) {
		for (size_t i = 0; i < sizeof chunk; i++)
			chunk[i] = v++;
		ck_assert_int_eq(net_conn_write(p.srv->conn, chunk, sizeof chunk), 0);
		sent += sizeof chunk;
		net_loop_run_once(p.loop, 0);
	}
	ck_assert(net_conn_backlogged(p.srv->conn));
	ck_assert_uint_gt(net_conn_pending(p.srv->conn), 256 * 1024);
	ck_assert_uint_eq(p.cli->got_total, 0);
	ck_assert(!p.srv->drained);
	/* The writer is waiting for EPOLLOUT, not spinning. */
	ck_assert_uint_eq(net_loop_mask(p.loop, net_conn_fd(p.srv->conn)), NET_READ | NET_WRITE);

	net_conn_resume_read(p.cli->conn);
	ck_assert(wait_bytes(&p, p.cli, sent, 5000));
	ck_assert_uint_eq(p.cli->got_total, sent);
	ck_assert(p.cli->pattern_ok);               /* in order, nothing lost */
	ck_assert(looptest_run_until(p.loop, &p.srv->drained, 2000));
	ck_assert_uint_eq(net_conn_pending(p.srv->conn), 0);
	ck_assert_uint_eq(net_loop_mask(p.loop, net_conn_fd(p.srv->conn)), NET_READ);
	pair_close(&p);
}
END_TEST

START_TEST(hard_cap_closes)
{
	struct pair p;
	pair_open(&p);
	net_conn_pause_read(p.cli->conn);
	net_conn_set_limits(p.srv->conn, 64 * 1024, 512 * 1024, NET_IN_CAP);
	static uint8_t chunk[32 * 1024];
	int rc = 0, rounds = 0;
	while (rc == 0 && rounds++ < 10000) {
		rc = net_conn_write(p.srv->conn, chunk, sizeof chunk);
		if (rc == 0)
			ck_assert_uint_le(net_conn_pending(p.srv->conn), 512 * 1024);
	}
	ck_assert_int_eq(rc, -1);
	ck_assert(p.srv->closed);
	ck_assert_int_eq(p.srv->close_err, ENOBUFS);
	pair_close(&p);
}
END_TEST

/* --- closing ------------------------------------------------------------ */

START_TEST(graceful_close_flushes_everything)
{
	struct pair p;
	pair_open(&p);
	net_conn_pause_read(p.cli->conn);
	static uint8_t big[2 * 1024 * 1024];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)i;
	ck_assert_int_eq(net_conn_write(p.srv->conn, big, sizeof big), 0);
	net_conn_close(p.srv->conn);                /* with most of it still queued */
	ck_assert(net_conn_closing(p.srv->conn));
	ck_assert_int_eq(net_conn_write(p.srv->conn, "late", 4), -1);
	net_conn_resume_read(p.cli->conn);
	ck_assert(looptest_run_until(p.loop, &p.cli->eof, 5000));
	ck_assert_uint_eq(p.cli->got_total, sizeof big);
	ck_assert(p.cli->pattern_ok);
	net_conn_close(p.cli->conn);
	ck_assert(looptest_run_until(p.loop, &p.srv->closed, 3000));
	ck_assert_int_eq(p.srv->close_err, 0);
	pair_close(&p);
}
END_TEST

START_TEST(half_close_then_reply)
{
	struct pair p;
	pair_open(&p);
	net_conn_write(p.cli->conn, "question", 8);
	net_conn_shutdown_write(p.cli->conn);       /* FIN after the question */
	ck_assert(looptest_run_until(p.loop, &p.srv->eof, 2000));
	ck_assert_uint_eq(p.srv->got_total, 8);
	ck_assert_int_eq(net_conn_write(p.srv->conn, "answer", 6), 0);
	net_conn_close(p.srv->conn);
	ck_assert(looptest_run_until(p.loop, &p.cli->eof, 2000));
	ck_assert(memcmp(p.cli->got, "answer", 6) == 0);
	ck_assert(looptest_run_until(p.loop, &p.srv->closed, 2000));
	pair_close(&p);
}
END_TEST

START_TEST(write_to_vanished_peer)
{
	struct pair p;
	pair_open(&p);
	net_conn_abort(p.cli->conn, 0);             /* the client is gone */
	/* Writing into the void: EPIPE or ECONNRESET, never SIGPIPE. */
	static uint8_t chunk[64 * 1024];
	for (int i = 0; i < 100 && !p.srv->closed; i++) {
		net_conn_write(p.srv->conn, chunk, sizeof chunk);
		net_loop_run_once(p.loop, 10);
	}
	ck_assert(p.srv->closed);
	ck_assert(p.srv->close_err == EPIPE || p.srv->close_err == ECONNRESET ||
		  p.srv->close_err == 0);
	pair_close(&p);
}
END_TEST

/* --- connecting to nothing ---------------------------------------------- */

START_TEST(connect_refused)
{
	struct net_loop *loop = net_loop_new(NULL);
	/* A port that was free a moment ago: bind, read it, close. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t n = sizeof sa;
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &n), 0);
	close(fd);
	struct side *s = calloc(1, sizeof *s);
	net_ledger_init(&s->ledger, "client");
	s->conn = net_connect(loop, "127.0.0.1", ntohs(sa.sin_port), &side_ops, s, &s->ledger);
	ck_assert_ptr_nonnull(s->conn);
	ck_assert(looptest_run_until(loop, &s->closed, 2000));
	ck_assert_int_eq(s->connect_err, ECONNREFUSED);
	ck_assert_int_eq(s->close_err, ECONNREFUSED);
	ck_assert(!s->connected);
	ck_assert_uint_eq(s->ledger.c.handshakes, 0);
	ck_assert_uint_eq(s->ledger.c.closed, 0);               /* no connection was made */
	ck_assert_uint_eq(s->ledger.c.connects_failed, 1);
	ck_assert_uint_eq(s->ledger.c.sys[NET_SYS_CONNECT], 1);
	net_loop_run_once(loop, 0);
	net_loop_free(loop);
	free(s);
}
END_TEST

START_TEST(bad_address)
{
	struct net_loop *loop = net_loop_new(NULL);
	errno = 0;
	ck_assert_ptr_null(net_connect(loop, "not-an-address", 80, &side_ops, NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(net_listen(loop, "300.1.1.1", 0, 1, server_accept, NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
	net_loop_free(loop);
}
END_TEST

/* --- EMFILE: run out of descriptors, keep serving, recover -------------- */

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3;                       /* ".", ".." and the DIR itself */
}

struct emfile_server {
	struct net_loop *loop;
	bool quit;
};

static size_t emfile_data(struct net_conn *c, uint8_t *data, size_t len)
{
	struct emfile_server *e = net_conn_ud(c);
	if (len >= 1 && data[0] == 'q')
		e->quit = true;
	net_conn_write(c, data, len);       /* echo */
	return len;
}

static const struct net_conn_ops emfile_ops = { .on_data = emfile_data };

static void emfile_accept(struct net_listener *l, struct net_conn *c, void *ud)
{
	(void)l;
	net_conn_set_ops(c, &emfile_ops, ud);
}

/* Whether the log (util/log.h) in 'f' has a line with 'want'. */
static bool logged(FILE *f, const char *want)
{
	char buf[4096];
	fflush(f);
	rewind(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	return strstr(buf, want) != NULL;
}

/* Child: an echo server with only 'room' descriptors to spare.  Exits 0
 * if accept was paused by EMFILE at least once, the loop never spun, and
 * the log said so. */
static void emfile_child(int port_pipe, int room)
{
	struct emfile_server e = { .quit = false };
	FILE *log = tmpfile();
	if (!log)
		_exit(16);
	log_set_stream(log);
	e.loop = net_loop_new(NULL);
	struct net_listener *l = net_listen(e.loop, "127.0.0.1", 0, 64, emfile_accept, &e, NULL);
	if (!l)
		_exit(10);
	struct rlimit rl;
	rl.rlim_cur = rl.rlim_max = (rlim_t)(open_fds() + room);
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		_exit(11);
	uint16_t port = net_listener_port(l);
	if (write(port_pipe, &port, sizeof port) != sizeof port)
		_exit(12);
	close(port_pipe);
	looptest_run_until(e.loop, &e.quit, 8000);
	uint64_t waits = net_loop_ledger(e.loop)->c.sys[NET_SYS_EPOLL_WAIT];
	_exit(!e.quit ? 13 : net_listener_pauses(l) == 0 ? 14 : waits > 2000 ? 15
	      : !logged(log, "error fds: accept: Too many open files: not accepting for") ? 17 : 0);
}

static int echo_within(int fd, int ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	if (poll(&pf, 1, ms) != 1)
		return 0;
	char b[8];
	return read(fd, b, sizeof b) > 0;
}

START_TEST(emfile_survival)
{
	int pp[2];
	ck_assert_int_eq(pipe(pp), 0);
	const int room = 4;     /* descriptors the server has left for connections */
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(pp[0]);
		emfile_child(pp[1], room);
	}
	close(pp[1]);
	uint16_t port = 0;
	ck_assert_int_eq(read(pp[0], &port, sizeof port), (ssize_t)sizeof port);
	close(pp[0]);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	enum { N = 10 };
	int fds[N];
	for (int i = 0; i < N; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		/* The kernel completes the handshake from the backlog. */
		ck_assert_int_eq(connect(fds[i], (struct sockaddr *)&sa, sizeof sa), 0);
		ck_assert_int_eq(write(fds[i], "x", 1), 1);
	}
	/* The first 'room' connections are served. */
	for (int i = 0; i < room; i++)
		ck_assert_msg(echo_within(fds[i], 3000), "connection %d not served", i);
	/* Free the server's descriptors: the rest are accepted and served. */
	for (int i = 0; i < room; i++)
		close(fds[i]);
	for (int i = room; i < N; i++) {
		ck_assert_msg(echo_within(fds[i], 3000), "connection %d not served after recovery", i);
		close(fds[i]);
		/* Our close frees one of the server's descriptors for the next. */
	}
	/* Ask it to quit on a fresh connection: accept still works. */
	int q = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(q, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(write(q, "q", 1), 1);
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(q);
	ck_assert(WIFEXITED(status));
	ck_assert_msg(WEXITSTATUS(status) == 0, "server child exit %d", WEXITSTATUS(status));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("net_conn");
	TCase *tc = tcase_create("loopback");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, host_valid);
	tcase_add_test(tc, ipv6);
	tcase_add_test(tc, connect_from_a_source_address);
	tcase_add_test(tc, echo_and_ledger);
	tcase_add_test(tc, replies_to_one_read_are_one_send);
	tcase_add_test(tc, big_replies_keep_their_order);
	tcase_add_test(tc, ledger_relabel);
	tcase_add_test(tc, listener_waits_for_the_first_bytes);
	suite_add_tcase(s, tc);
	tc = tcase_create("edge_triggered");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, small_hold_read_again_in_front);
	tcase_add_test(tc, edge_rereads_after_a_full_read);
	tcase_add_test(tc, read_straight_into_place);
	tcase_add_test(tc, edge_sees_a_fin_that_came_with_the_last_bytes);
	tcase_add_test(tc, edge_resume_reads_what_came_while_paused);
	suite_add_tcase(s, tc);
	tc = tcase_create("output_queue");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, backpressure_then_resume_loses_nothing);
	tcase_add_test(tc, hard_cap_closes);
	suite_add_tcase(s, tc);
	tc = tcase_create("closing");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, graceful_close_flushes_everything);
	tcase_add_test(tc, half_close_then_reply);
	tcase_add_test(tc, answer_and_fin_share_a_segment);
	tcase_add_test(tc, write_to_vanished_peer);
	suite_add_tcase(s, tc);
	tc = tcase_create("connect");
	tcase_add_test(tc, connect_refused);
	tcase_add_test(tc, bad_address);
	suite_add_tcase(s, tc);
	tc = tcase_create("descriptors");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, emfile_survival);
	suite_add_tcase(s, tc);
	return s;
}
