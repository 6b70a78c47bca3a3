/* serve_wire.c -- `pushpull serve --capture`: the server's packets,
 * counted per paradigm from the wire.
 *
 * The demo gives each paradigm a port of its own; a server has one port
 * for all of them, and learns what a connection is only when it has read
 * its request.  So the capture counts every connection to the port in an
 * "unrouted" row first, and when an endpoint moves a connection to its
 * paradigm's ledger (the hub's on_charge), the connection -- with what it
 * counted so far -- moves to that paradigm's row (net_wire_assign).  The
 * capture thread and the loop both touch the counts, so a mutex guards
 * them; the loop takes it once per request routed, never per packet.
 *
 * Read next: serve.c.
 */
#include "serve.h"
#include "net/capture.h"
#include "paradigms/ladder.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_UNROUTED 0
#define ROW_OF(p) (1 + (unsigned)(p))
#define ROW_PAGE  ROW_OF(PP_PARADIGMS)  /* the page's own requests */
#define LADDER_RECORDS 64               /* packets kept per paradigm for its ladder */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void on_packet(void *ud, const struct net_packet *p, uint64_t t_us)
{
	struct serve_wire *sw = ud;
	pthread_mutex_lock(&lock);
	(void)net_wire_count(sw->wire, p, t_us);
	pthread_mutex_unlock(&lock);
}

/* Counts connection 'nc' in row 'row' from now on (what it counted so far
 * and the packets kept of it move too). */
static void assign(struct serve_wire *sw, struct net_conn *nc, unsigned row)
{
	int version;
	uint8_t addr[16];
	uint16_t port;
	if (!net_conn_peer(nc, &version, addr, &port))
		return;
	pthread_mutex_lock(&lock);
	(void)net_wire_assign(sw->wire, ROW_UNROUTED, version, addr, port, row);
	pthread_mutex_unlock(&lock);
}

static void on_charge(void *ud, struct net_conn *nc, enum pp_paradigm p)
{
	assign(ud, nc, ROW_OF(p));
}

void serve_wire_page(void *ud, struct net_conn *nc)
{
	assign(ud, nc, ROW_PAGE);
}

bool serve_wire_ladder(void *ud, enum pp_paradigm p, FILE *out)
{
	struct serve_wire *sw = ud;
	struct net_wire_record *rec = malloc(LADDER_RECORDS * sizeof *rec);
	struct ladder_arrow *arrows = malloc(LADDER_RECORDS * sizeof *arrows);
	size_t n = 0;
	uint64_t total = 0;
	if (rec && arrows) {
		pthread_mutex_lock(&lock);      /* the capture thread adds records */
		const struct net_wire_record *kept = net_wire_records(sw->wire, ROW_OF(p), &n);
		memcpy(rec, kept, n * sizeof *rec);
		total = net_wire_row(sw->wire, ROW_OF(p))->total;
		pthread_mutex_unlock(&lock);
	}
	if (n > 0) {
		struct ladder l = { .title = pp_paradigm_name(p), .source = "captured packets",
				    .arrows = arrows, .total = (size_t)total };
		l.n = ladder_packet_arrows(rec, n, p, arrows);
		ladder_write_svg(out, &l);
	}
	free(rec);
	free(arrows);
	return n > 0;
}

bool serve_wire_start(struct serve_wire *sw, struct pp_hub *hub, const char *host,
		      uint16_t port)
{
	uint8_t addr[16] = { 0 };
	char v6[INET6_ADDRSTRLEN];
	size_t n = strlen(host);
	bool dual = strcmp(host, "*") == 0, loopback;
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (n > 2 && host[0] == '[' && n - 2 < sizeof v6) {
		snprintf(v6, sizeof v6, "%.*s", (int)(n - 2), host + 1);
		host = v6;
	}
	int version = dual ? 6 : inet_pton(AF_INET, host, addr) == 1 ? 4
			       : inet_pton(AF_INET6, host, addr) == 1 ? 6 : 0;
	if (version == 0) {
		errno = EINVAL;
		return false;
	}
	loopback = version == 4 ? addr[0] == 127 : IN6_IS_ADDR_LOOPBACK((struct in6_addr *)addr);
	if (!(sw->wire = net_wire_new(LADDER_RECORDS)) ||
	    net_wire_watch(sw->wire, ROW_UNROUTED, version, addr, port) < 0 ||
	    (dual && net_wire_watch(sw->wire, ROW_UNROUTED, 4, addr, port) < 0))
		return false;
	net_ledger_init(&sw->ledger, "capture");
	/* A server on a loopback address is seen on lo alone. */
	struct net_capture_config cfg = { .ifname = loopback ? "lo" : NULL,
					   .on_packet = on_packet, .ud = sw, .ledger = &sw->ledger };
	if (!(sw->capture = net_capture_start(&cfg)))
		return false;
	hub->on_charge = on_charge;
	hub->on_charge_ud = sw;
	return true;
}

static void print_row(const char *name, const struct net_wire_counts *k, bool json, bool first)
{
	if (json) {
		printf("%s{\"paradigm\":\"%s\",\"connections\":%llu,\"packets\":{\"total\":%llu,"
		       "\"syn\":%llu,\"syn_ack\":%llu,\"pure_ack\":%llu,\"data\":%llu,\"fin\":%llu,"
		       "\"rst\":%llu,\"retransmits\":%llu},\"bytes_wire\":%llu,\"bytes_payload\":%llu}",
		       first ? "" : ",", name, (unsigned long long)k->connections,
		       (unsigned long long)k->total, (unsigned long long)k->syn,
		       (unsigned long long)k->syn_ack, (unsigned long long)k->pure_ack,
		       (unsigned long long)k->data, (unsigned long long)k->fin,
		       (unsigned long long)k->rst, (unsigned long long)k->retransmits,
		       (unsigned long long)k->bytes_wire, (unsigned long long)k->bytes_payload);
		return;
	}
	printf("%-12s %8llu %8llu %6llu %8llu %9llu %7llu %6llu %5llu %7llu %11llu %11llu\n", name,
	       (unsigned long long)k->connections, (unsigned long long)k->total,
	       (unsigned long long)k->syn, (unsigned long long)k->syn_ack,
	       (unsigned long long)k->pure_ack, (unsigned long long)k->data,
	       (unsigned long long)k->fin, (unsigned long long)k->rst,
	       (unsigned long long)k->retransmits, (unsigned long long)k->bytes_wire,
	       (unsigned long long)k->bytes_payload);
}

void serve_wire_report(struct serve_wire *sw, const struct pp_hub *hub, bool json)
{
	struct net_capture_stats st;
	net_capture_stop(sw->capture, &st);
	sw->capture = NULL;
	if (json) {
		printf("[");
	} else {
		printf("\npackets on the wire, per paradigm (captured%s):\n",
		       st.kernel_drops ? "; some dropped by the kernel: a lower bound" : "");
		printf("%-12s %8s %8s %6s %8s %9s %7s %6s %5s %7s %11s %11s\n", "", "conns",
		       "packets", "SYN", "SYN-ACK", "pure ACK", "data", "FIN", "RST", "retrans",
		       "bytes wire", "payload");
	}
	print_row("unrouted", net_wire_row(sw->wire, ROW_UNROUTED), json, true);
	for (int p = 0; p < PP_PARADIGMS; p++)
		if (hub->ledger[p])
			print_row(pp_paradigm_name((enum pp_paradigm)p),
				  net_wire_row(sw->wire, ROW_OF(p)), json, false);
	print_row("page", net_wire_row(sw->wire, ROW_PAGE), json, false);
	if (json)
		printf("]\n");
	if (st.kernel_drops)
		fprintf(stderr, "pushpull serve: the kernel dropped %llu packets before the capture "
			"read them\n", (unsigned long long)st.kernel_drops);
}

void serve_wire_free(struct serve_wire *sw)
{
	net_capture_stop(sw->capture, NULL);
	net_wire_free(sw->wire);
}
