/* test_net_wire.c -- counting TCP conversations from their packets
 * (src/net/wire.c), on packets written out by hand.
 *
 * The conversations are the ones the notes draw: a request on a new
 * connection (SYN, SYN-ACK, ACK, request, ACK, answer with FIN, FIN, ACK),
 * a kept-alive exchange, a retransmission, a reset, a second connection on
 * the same client port.  The oracle is the list itself: each packet says
 * which counter it belongs to.
 */
#include <check.h>
#include <string.h>

#include "net/wire.h"

#define SERVER_PORT 8080

static const uint8_t lo[4] = { 127, 0, 0, 1 };

/* A packet between 127.0.0.1:'cport' and the server. */
static struct net_packet pkt(uint16_t cport, bool to_server, uint8_t flags, uint32_t seq,
			     uint32_t ack, uint32_t len)
{
	struct net_packet p;
	memset(&p, 0, sizeof p);
	p.ip_version = 4;
	memcpy(p.src, lo, 4);
	memcpy(p.dst, lo, 4);
	p.sport = to_server ? cport : SERVER_PORT;
	p.dport = to_server ? SERVER_PORT : cport;
	p.seq = seq;
	p.ack = ack;
	p.flags = flags;
	p.payload_len = len;
	p.header_len = 52;
	p.ip_len = 52 + len;
	return p;
}

enum { SYN = NET_TCP_SYN, ACK = NET_TCP_ACK, FIN = NET_TCP_FIN, PSH = NET_TCP_PSH,
       RST = NET_TCP_RST };

/* One request on a new connection, the server closing first, as pushpull
 * answers with "Connection: close": 8 packets. */
static void rpc_new_connection(struct net_wire *w, uint16_t cport, uint32_t c0, uint32_t s0)
{
	struct net_packet ps[] = {
		pkt(cport, true, SYN, c0, 0, 0),
		pkt(cport, false, SYN | ACK, s0, c0 + 1, 0),
		pkt(cport, true, ACK, c0 + 1, s0 + 1, 0),
		pkt(cport, true, PSH | ACK, c0 + 1, s0 + 1, 90),
		pkt(cport, false, ACK, s0 + 1, c0 + 91, 0),
		pkt(cport, false, FIN | PSH | ACK, s0 + 1, c0 + 91, 120),
		pkt(cport, true, FIN | ACK, c0 + 91, s0 + 122, 0),
		pkt(cport, false, ACK, s0 + 122, c0 + 92, 0),
	};
	for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
		ck_assert_int_eq(net_wire_count(w, &ps[i], 1000 + i), 0);
}

static struct net_wire *new_wire(void)
{
	struct net_wire *w = net_wire_new(16);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(net_wire_watch(w, 0, 4, lo, SERVER_PORT), 0);
	return w;
}

START_TEST(a_request_on_a_new_connection)
{
	struct net_wire *w = new_wire();
	rpc_new_connection(w, 40000, 1000, 5000);
	const struct net_wire_counts *k = net_wire_row(w, 0);
	ck_assert_uint_eq(k->total, 8);
	ck_assert_uint_eq(k->syn, 1);
	ck_assert_uint_eq(k->syn_ack, 1);
	ck_assert_uint_eq(k->pure_ack, 3);
	ck_assert_uint_eq(k->data, 2);          /* the request, the answer with its FIN */
	ck_assert_uint_eq(k->fin, 2);
	ck_assert_uint_eq(k->rst, 0);
	ck_assert_uint_eq(k->retransmits, 0);
	ck_assert_uint_eq(k->connections, 1);
	ck_assert_uint_eq(k->bytes_payload, 210);
	ck_assert_uint_eq(k->bytes_wire, 8 * 52 + 210);
	/* Every packet is exactly one of syn, syn_ack, rst, data, pure_ack or
	 * a bare FIN (the client's). */
	ck_assert_uint_eq(k->syn + k->syn_ack + k->rst + k->data + k->pure_ack + 1, k->total);

	size_t n;
	const struct net_wire_record *r = net_wire_records(w, 0, &n);
	ck_assert_uint_eq(n, 8);
	ck_assert(r[0].to_server && !r[1].to_server);
	ck_assert_uint_eq(r[3].seq, 1);         /* relative: after the SYN */
	ck_assert_uint_eq(r[3].payload_len, 90);
	ck_assert_uint_eq(r[4].ack, 91);        /* the server acknowledges the request */
	ck_assert_uint_eq(r[5].flags, FIN | PSH | ACK);
	ck_assert_uint_eq(r[7].t_us, 1007);
	net_wire_free(w);
}
END_TEST

START_TEST(connections_are_told_apart)
{
	struct net_wire *w = new_wire();
	rpc_new_connection(w, 40000, 1000, 5000);
	rpc_new_connection(w, 40001, 2000, 6000);
	/* The same client port again, after both FINs: a new connection. */
	rpc_new_connection(w, 40000, 90000, 7000);
	const struct net_wire_counts *k = net_wire_row(w, 0);
	ck_assert_uint_eq(k->connections, 3);
	ck_assert_uint_eq(k->total, 24);
	ck_assert_uint_eq(k->retransmits, 0);
	size_t n;
	const struct net_wire_record *r = net_wire_records(w, 0, &n);
	ck_assert_uint_eq(n, 16);               /* the first 16 kept */
	ck_assert_uint_eq(r[0].conn, 0);
	ck_assert_uint_eq(r[8].conn, 1);
	ck_assert_uint_eq(r[8].seq, 0);         /* each connection's own numbering */
	net_wire_free(w);
}
END_TEST

START_TEST(retransmissions_are_found)
{
	struct net_wire *w = new_wire();
	uint32_t c0 = 0xfffffff0u;              /* the sequence space wraps during it */
	struct net_packet ps[] = {
		pkt(40000, true, SYN, c0, 0, 0),
		pkt(40000, true, SYN, c0, 0, 0),                /* the SYN again */
		pkt(40000, false, SYN | ACK, 77, c0 + 1, 0),
		pkt(40000, true, ACK, c0 + 1, 78, 0),
		pkt(40000, true, PSH | ACK, c0 + 1, 78, 32),    /* crosses 2^32 */
		pkt(40000, true, PSH | ACK, c0 + 1, 78, 32),    /* again */
		pkt(40000, true, PSH | ACK, c0 + 17, 78, 16),   /* its second half again */
		pkt(40000, true, PSH | ACK, c0 + 33, 78, 8),    /* new data */
		pkt(40000, true, ACK, c0 + 41, 78, 0),          /* an ACK is never one */
		pkt(40000, true, ACK, c0 + 41, 78, 0),
	};
	for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
		net_wire_count(w, &ps[i], i);
	const struct net_wire_counts *k = net_wire_row(w, 0);
	ck_assert_uint_eq(k->retransmits, 3);
	ck_assert_uint_eq(k->syn, 2);
	ck_assert_uint_eq(k->data, 4);
	ck_assert_uint_eq(k->pure_ack, 3);
	size_t n;
	const struct net_wire_record *r = net_wire_records(w, 0, &n);
	ck_assert(!r[0].retransmit && r[1].retransmit && !r[4].retransmit && r[5].retransmit &&
		  r[6].retransmit && !r[7].retransmit);
	net_wire_free(w);
}
END_TEST

START_TEST(resets_and_strangers)
{
	struct net_wire *w = new_wire();
	struct net_packet rst = pkt(40000, false, RST | ACK, 0, 1, 0);
	ck_assert_int_eq(net_wire_count(w, &rst, 0), 0);
	struct net_packet other = pkt(40000, true, SYN, 1, 0, 0);
	other.dport = 9999;                     /* not a watched server */
	ck_assert_int_eq(net_wire_count(w, &other, 0), -1);
	struct net_packet v6 = pkt(40000, true, SYN, 1, 0, 0);
	v6.ip_version = 6;                      /* the same port, another family */
	ck_assert_int_eq(net_wire_count(w, &v6, 0), -1);
	const struct net_wire_counts *k = net_wire_row(w, 0);
	ck_assert_uint_eq(k->total, 1);
	ck_assert_uint_eq(k->rst, 1);
	net_wire_free(w);
}
END_TEST

START_TEST(rows_by_server)
{
	struct net_wire *w = net_wire_new(0);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(net_wire_watch(w, 3, 4, lo, SERVER_PORT), 0);
	ck_assert_int_eq(net_wire_watch(w, 5, 4, lo, 8081), 0);
	ck_assert_int_eq(net_wire_watch(w, NET_WIRE_ROWS, 4, lo, 1), -1);
	struct net_packet a = pkt(40000, true, SYN, 1, 0, 0);
	struct net_packet b = pkt(40000, false, ACK, 1, 0, 0);
	b.sport = 8081;
	ck_assert_int_eq(net_wire_count(w, &a, 0), 3);
	ck_assert_int_eq(net_wire_count(w, &b, 0), 5);
	size_t n;
	net_wire_records(w, 3, &n);
	ck_assert_uint_eq(n, 0);                /* asked to keep none */
	ck_assert_uint_eq(net_wire_row(w, 3)->total, 1);
	ck_assert_uint_eq(net_wire_row(w, 5)->total, 1);
	net_wire_free(w);
}
END_TEST

/* One server port for several rows: a connection moves once the server
 * knows what it is, with what it counted so far. */
START_TEST(assigned_connections_move)
{
	struct net_wire *w = new_wire();
	struct net_packet syn = pkt(40000, true, SYN, 1, 0, 0);
	net_wire_count(w, &syn, 0);
	ck_assert_int_eq(net_wire_assign(w, 0, 4, lo, 40000, 2), 0);
	struct net_packet data = pkt(40000, true, PSH | ACK, 2, 9, 10);
	ck_assert_int_eq(net_wire_count(w, &data, 0), 2);
	/* Assigned before its first packet was counted: counted there at once. */
	ck_assert_int_eq(net_wire_assign(w, 0, 4, lo, 40001, 3), 0);
	struct net_packet other = pkt(40001, true, SYN, 1, 0, 0);
	ck_assert_int_eq(net_wire_count(w, &other, 0), 3);
	const struct net_wire_counts *k0 = net_wire_row(w, 0), *k2 = net_wire_row(w, 2),
				     *k3 = net_wire_row(w, 3);
	ck_assert_uint_eq(k0->total, 0);
	ck_assert_uint_eq(k0->connections, 0);
	ck_assert_uint_eq(k2->total, 2);
	ck_assert_uint_eq(k2->syn, 1);
	ck_assert_uint_eq(k2->data, 1);
	ck_assert_uint_eq(k2->connections, 1);
	ck_assert_uint_eq(k3->total, 1);
	ck_assert_uint_eq(k3->connections, 1);
	ck_assert_int_eq(net_wire_assign(w, 0, 4, lo, 40001, NET_WIRE_ROWS), -1);
	net_wire_free(w);
}
END_TEST

/* The records kept of a connection follow it when it is assigned,
 * merged in time order with those its new row has; the server's row keeps
 * its other connections' records, in order. */
START_TEST(assigned_records_move)
{
	struct net_wire *w = new_wire();
	struct net_packet a1 = pkt(40000, true, SYN, 1, 0, 0);
	struct net_packet b1 = pkt(40001, true, SYN, 7, 0, 0);
	struct net_packet c1 = pkt(40002, true, SYN, 9, 0, 0);
	struct net_packet a2 = pkt(40000, true, ACK, 2, 1, 0);
	struct net_packet b2 = pkt(40001, true, ACK, 8, 1, 0);
	ck_assert_int_eq(net_wire_count(w, &a1, 10), 0);
	ck_assert_int_eq(net_wire_count(w, &b1, 20), 0);
	ck_assert_int_eq(net_wire_count(w, &c1, 25), 0);
	ck_assert_int_eq(net_wire_count(w, &a2, 30), 0);
	ck_assert_int_eq(net_wire_assign(w, 0, 4, lo, 40000, 2), 0);
	struct net_packet a3 = pkt(40000, true, PSH | ACK, 2, 1, 5);
	ck_assert_int_eq(net_wire_count(w, &a3, 40), 2);
	ck_assert_int_eq(net_wire_count(w, &b2, 50), 0);
	ck_assert_int_eq(net_wire_assign(w, 0, 4, lo, 40001, 2), 0);

	size_t n;
	const struct net_wire_record *r = net_wire_records(w, 2, &n);
	static const uint64_t want2[] = { 10, 20, 30, 40, 50 };   /* a, b, a, a, b */
	ck_assert_uint_eq(n, 5);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(r[i].t_us, want2[i]);
	ck_assert_uint_eq(r[0].conn, 0);
	ck_assert_uint_eq(r[1].conn, 1);
	ck_assert_uint_eq(r[4].conn, 1);
	r = net_wire_records(w, 0, &n);
	ck_assert_uint_eq(n, 1);                /* c's SYN alone */
	ck_assert_uint_eq(r[0].t_us, 25);
	ck_assert_uint_eq(r[0].conn, 2);
	net_wire_free(w);
}
END_TEST

/* Many connections: the table grows, each is found again. */
START_TEST(many_connections)
{
	struct net_wire *w = new_wire();
	for (uint32_t i = 0; i < 5000; i++) {
		struct net_packet syn = pkt((uint16_t)(10000 + i), true, SYN, i * 7, 0, 0);
		net_wire_count(w, &syn, 0);
	}
	for (uint32_t i = 0; i < 5000; i++) {
		struct net_packet again = pkt((uint16_t)(10000 + i), true, SYN, i * 7, 0, 0);
		net_wire_count(w, &again, 0);
	}
	const struct net_wire_counts *k = net_wire_row(w, 0);
	ck_assert_uint_eq(k->connections, 5000);
	ck_assert_uint_eq(k->retransmits, 5000);
	ck_assert_uint_eq(net_wire_untracked(w), 0);
	net_wire_free(w);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("net_wire");
	TCase *tc = tcase_create("count");
	tcase_add_test(tc, a_request_on_a_new_connection);
	tcase_add_test(tc, connections_are_told_apart);
	tcase_add_test(tc, retransmissions_are_found);
	tcase_add_test(tc, resets_and_strangers);
	tcase_add_test(tc, rows_by_server);
	tcase_add_test(tc, assigned_connections_move);
	tcase_add_test(tc, assigned_records_move);
	tcase_add_test(tc, many_connections);
	suite_add_tcase(s, tc);
	return s;
}
