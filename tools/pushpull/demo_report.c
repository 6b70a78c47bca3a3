/* demo_report.c -- what `pushpull demo` prints: the cost table, every
 * ledger, the JSON rows, and the bar charts.
 *
 * Per event means per event the row had to follow: for an rpc row the
 * events it published, for every other row all the events of the run.
 * A figure that does not apply to a row is printed "-" (null in JSON),
 * never 0: a 0 reads as a measurement.
 *
 * Read next: src/net/wire.h, how the packets are counted.
 */
#include "demo.h"
#include "paradigms/ladder.h"
#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define NA UINT64_MAX                   /* does not apply to this row */

/* --- the figures of a row -------------------------------------------------- */

static uint64_t follows(const struct demo *d, const struct row *r)
{
	return r->paradigm == PP_RPC ? r->published : d->published;
}

static uint64_t sum2(const struct row *r, size_t off)
{
	return *(const uint64_t *)((const char *)&r->client.c + off) +
	       *(const uint64_t *)((const char *)&r->server.c + off);
}

static uint64_t syscalls(const struct row *r)
{
	return net_counts_syscalls(&r->client.c) + net_counts_syscalls(&r->server.c);
}

/* Packets both ways: from the capture, or the segments each side's
 * kernel sent (TCP_INFO, read at close: a lower bound). */
static uint64_t packets(const struct demo *d, int i)
{
	if (d->captured)
		return net_wire_row(d->wire, (unsigned)i)->total;
	return sum2(&d->rows[i], offsetof(struct net_counts, segs_out));
}

static uint64_t bytes_on_wire(const struct demo *d, int i)
{
	return d->captured ? net_wire_row(d->wire, (unsigned)i)->bytes_wire : NA;
}

static uint64_t per(uint64_t total, uint64_t n)
{
	return total == NA || n == 0 ? NA : (total + n / 2) / n;
}

/* --- the table --------------------------------------------------------------- */

typedef uint64_t row_fn(const struct demo *d, int i, size_t arg);

static int col_width(const struct demo *d)
{
	int w = 10;
	for (int i = 0; i < DEMO_ROWS; i++)
		if ((int)strlen(d->rows[i].name) > w)
			w = (int)strlen(d->rows[i].name);
	return w;
}

static void line(const struct demo *d, const char *name, row_fn *get, size_t arg)
{
	int w = col_width(d);
	printf("%-26s", name);
	for (int i = 0; i < DEMO_ROWS; i++) {
		uint64_t v = get(d, i, arg);
		if (v == NA)
			printf(" %*s", w, "-");
		else
			printf(" %*llu", w, (unsigned long long)v);
	}
	putchar('\n');
}

static uint64_t g_published(const struct demo *d, int i, size_t a) { (void)a; return follows(d, &d->rows[i]); }
static uint64_t g_delivered(const struct demo *d, int i, size_t a) { (void)a; return d->rows[i].events; }
static uint64_t g_missed(const struct demo *d, int i, size_t a) { (void)a; return d->rows[i].missed; }
static uint64_t g_empty(const struct demo *d, int i, size_t a)
{
	(void)a;
	enum pp_paradigm p = d->rows[i].paradigm;
	return p == PP_SHORT_POLL || p == PP_LONG_POLL ? d->rows[i].empty : NA;
}
static uint64_t g_latency(const struct demo *d, int i, size_t p)
{
	const struct net_latency *l = &d->rows[i].lat;
	if (l->count == 0)
		return NA;
	return p == 0 ? l->max_us : net_latency_percentile(l, (double)p);
}
static uint64_t g_client(const struct demo *d, int i, size_t off)
{
	return *(const uint64_t *)((const char *)&d->rows[i].client.c + off);
}
static uint64_t g_both(const struct demo *d, int i, size_t off) { return sum2(&d->rows[i], off); }
/* The round trip the client's kernel measured: the smallest of each
 * connection (tcpi_min_rtt, the path's own), or the smoothed one
 * (tcpi_rtt, with the peer's delayed ACKs in it), averaged over them. */
static uint64_t g_rtt(const struct demo *d, int i, size_t smoothed)
{
	const struct net_counts *c = &d->rows[i].client.c;
	if (c->rtt_samples == 0)
		return NA;
	return (smoothed ? c->rtt_us_sum : c->min_rtt_us_sum) / c->rtt_samples;
}
static uint64_t g_packets(const struct demo *d, int i, size_t a) { (void)a; return packets(d, i); }
static uint64_t g_wire(const struct demo *d, int i, size_t off)
{
	return *(const uint64_t *)((const char *)net_wire_row(d->wire, (unsigned)i) + off);
}
static uint64_t g_bytes_wire(const struct demo *d, int i, size_t a) { (void)a; return bytes_on_wire(d, i); }
static uint64_t g_sys(const struct demo *d, int i, size_t side)
{
	return net_counts_syscalls(side ? &d->rows[i].server.c : &d->rows[i].client.c);
}
static uint64_t g_per_packets(const struct demo *d, int i, size_t a)
{
	(void)a;
	return per(packets(d, i), follows(d, &d->rows[i]));
}
static uint64_t g_per_bytes(const struct demo *d, int i, size_t a)
{
	(void)a;
	uint64_t b = d->captured ? bytes_on_wire(d, i)
				 : sum2(&d->rows[i], offsetof(struct net_counts, bytes_out));
	return per(b, follows(d, &d->rows[i]));
}
static uint64_t g_per_sys(const struct demo *d, int i, size_t a)
{
	(void)a;
	return per(syscalls(&d->rows[i]), follows(d, &d->rows[i]));
}

#define CNT(f) offsetof(struct net_counts, f)
#define WIRE(f) offsetof(struct net_wire_counts, f)

static void packet_lines(const struct demo *d)
{
	if (!d->captured) {
		line(d, "segments (a lower bound)", g_packets, 0);
		line(d, "  with data", g_both, CNT(data_segs_out));
		line(d, "  retransmits", g_both, CNT(retrans));
		line(d, "bytes of payload", g_both, CNT(bytes_out));
		return;
	}
	line(d, "packets (both ways)", g_packets, 0);
	line(d, "  SYN", g_wire, WIRE(syn));
	line(d, "  SYN-ACK", g_wire, WIRE(syn_ack));
	line(d, "  pure ACK", g_wire, WIRE(pure_ack));
	line(d, "  data", g_wire, WIRE(data));
	line(d, "  FIN", g_wire, WIRE(fin));
	line(d, "  RST", g_wire, WIRE(rst));
	line(d, "  retransmits", g_wire, WIRE(retransmits));
	line(d, "bytes on the wire", g_bytes_wire, 0);
	line(d, "bytes of payload", g_wire, WIRE(bytes_payload));
}

static void header(const struct demo *d)
{
	printf("\n%u events published.  ", d->published);
	if (d->captured && d->server_addr && strcmp(d->server_addr, "127.0.0.1") != 0)
		printf("Packets counted from the wire: a capture at each end of the lab's\n"
		       "link, each counting what its side sent (tcpdump -Q out -i " NET_LAB_IFNAME
		       " in each namespace\nshows the same counts); a packet the delay line "
		       "lost is counted where it was sent");
	else if (d->captured)
		printf("Packets counted from the wire: a capture of the loopback device\n"
		       "(tcpdump -i lo on each row's port shows the same counts)");
	else if (d->capture_errno)
		printf("No capture (%s: it needs root or CAP_NET_RAW):\n"
		       "segments are the kernel's TCP_INFO counts, read as each connection closed,\n"
		       "a lower bound (the SYN-ACK, the last ACK and FINs are missing)",
		       strerror(d->capture_errno));
	else
		printf("No capture (--no-capture):\n"
		       "segments are the kernel's TCP_INFO counts, read as each connection closed,\n"
		       "a lower bound (the SYN-ACK, the last ACK and FINs are missing)");
	if (d->kernel_drops)
		printf(";\n%llu packets were dropped by the kernel before the capture read them:"
		       " every packet count is a lower bound", (unsigned long long)d->kernel_drops);
	printf(".\n\n%-26s", "");
	for (int i = 0; i < DEMO_ROWS; i++)
		printf(" %*s", col_width(d), d->rows[i].name);
	putchar('\n');
}

static void ledgers(const struct demo *d)
{
	struct net_ledger *cl[DEMO_ROWS], *sv[DEMO_ROWS + 1];
	for (int i = 0; i < DEMO_ROWS; i++) {
		cl[i] = (struct net_ledger *)&d->rows[i].client;
		sv[i] = (struct net_ledger *)&d->rows[i].server;
	}
	sv[DEMO_ROWS] = (struct net_ledger *)&d->loop_ledger;
	printf("\nClient side, every counter:\n");
	net_ledger_print_table(stdout, cl, DEMO_ROWS);
	printf("\nServer side, every counter (epoll_wait is the one shared loop's):\n");
	net_ledger_print_table(stdout, sv, DEMO_ROWS + 1);
	for (int i = 0; i < 2 && d->captured; i++)
		if (d->capture_ledger[i].c.sys[NET_SYS_READ])
			printf("\nThe %s ran in a thread of its own and is in no row: %llu recvmsg, "
			       "%llu poll.\n", d->capture_ledger[i].label,
			       (unsigned long long)d->capture_ledger[i].c.sys[NET_SYS_READ],
			       (unsigned long long)d->capture_ledger[i].c.sys[NET_SYS_EPOLL_WAIT]);
}

void demo_print_table(const struct demo *d, const struct demo_opts *o)
{
	(void)o;
	header(d);
	line(d, "events to follow", g_published, 0);
	line(d, "events delivered", g_delivered, 0);
	line(d, "events never seen", g_missed, 0);
	line(d, "polls with nothing new", g_empty, 0);
	line(d, "latency p50 us", g_latency, 50);
	line(d, "latency p99 us", g_latency, 99);
	line(d, "latency max us", g_latency, 0);
	line(d, "tcp connections", g_client, CNT(handshakes));
	line(d, "round trip us (kernel)", g_rtt, 0);
	packet_lines(d);
	line(d, "syscalls, client", g_sys, 0);
	line(d, "syscalls, server", g_sys, 1);
	line(d, "wake-ups (both sides)", g_both, CNT(wakeups));
	line(d, "per event: packets", g_per_packets, 0);
	line(d, "per event: bytes", g_per_bytes, 0);
	line(d, "per event: syscalls", g_per_sys, 0);
	printf("\nLatency: from publishing an event to the moment the row's client held a\n"
	       "state that includes it (rpc: the caller's round trip).  Per event: per event\n"
	       "the row had to follow.  \"events never seen\": for a short poller, the states\n"
	       "between two polls that it never saw.  Round trip: the smallest the client's\n"
	       "kernel measured on each connection (TCP_INFO tcpi_min_rtt), averaged.\n");
	ledgers(d);
}

/* --- JSON -------------------------------------------------------------------- */

static void json_u64_or_null(const char *name, uint64_t v, bool comma)
{
	if (v == NA)
		printf("%s\"%s\":null", comma ? "," : "", name);
	else
		printf("%s\"%s\":%llu", comma ? "," : "", name, (unsigned long long)v);
}

static void json_packets(const struct demo *d, int i)
{
	const struct row *r = &d->rows[i];
	if (d->captured) {
		const struct net_wire_counts *w = net_wire_row(d->wire, (unsigned)i);
		printf(",\"packets_source\":\"capture\",\"packets\":{\"total\":%llu,\"syn\":%llu,"
		       "\"syn_ack\":%llu,\"pure_ack\":%llu,\"data\":%llu,\"fin\":%llu,\"rst\":%llu,"
		       "\"retransmits\":%llu},\"bytes_wire\":%llu,\"bytes_payload\":%llu",
		       (unsigned long long)w->total, (unsigned long long)w->syn,
		       (unsigned long long)w->syn_ack, (unsigned long long)w->pure_ack,
		       (unsigned long long)w->data, (unsigned long long)w->fin,
		       (unsigned long long)w->rst, (unsigned long long)w->retransmits,
		       (unsigned long long)w->bytes_wire, (unsigned long long)w->bytes_payload);
		printf(",\"lower_bound\":%s", d->kernel_drops ? "true" : "false");
		return;
	}
	printf(",\"packets_source\":\"tcp_info\",\"packets\":{\"total\":%llu,\"syn\":null,"
	       "\"syn_ack\":null,\"pure_ack\":null,\"data\":%llu,\"fin\":null,\"rst\":null,"
	       "\"retransmits\":%llu},\"bytes_wire\":null,\"bytes_payload\":%llu,"
	       "\"lower_bound\":true",
	       (unsigned long long)packets(d, i),
	       (unsigned long long)sum2(r, CNT(data_segs_out)),
	       (unsigned long long)sum2(r, CNT(retrans)),
	       (unsigned long long)sum2(r, CNT(bytes_out)));
}

static void json_row(const struct demo *d, int i)
{
	const struct row *r = &d->rows[i];
	printf("{\"row\":");
	json_fput(stdout, r->name, strlen(r->name));
	printf(",\"paradigm\":\"%s\",\"connection\":\"%s\",\"port\":%u",
	       pp_paradigm_name(r->paradigm), r->keep_alive ? "keep-alive" : "new-per-request",
	       (unsigned)r->port);
	json_u64_or_null("events_published", follows(d, r), true);
	json_u64_or_null("events_delivered", r->events, true);
	json_u64_or_null("events_missed", r->missed, true);
	json_u64_or_null("empty_polls", g_empty(d, i, 0), true);
	json_u64_or_null("handshakes", r->client.c.handshakes, true);
	json_u64_or_null("rtt_us", g_rtt(d, i, 0), true);
	json_u64_or_null("srtt_us", g_rtt(d, i, 1), true);
	printf(",\"latency_us\":{");
	json_u64_or_null("p50", g_latency(d, i, 50), false);
	json_u64_or_null("p99", g_latency(d, i, 99), true);
	json_u64_or_null("max", g_latency(d, i, 0), true);
	printf("}");
	json_packets(d, i);
	printf(",\"syscalls\":{\"client\":%llu,\"server\":%llu},\"wakeups\":%llu",
	       (unsigned long long)g_sys(d, i, 0), (unsigned long long)g_sys(d, i, 1),
	       (unsigned long long)sum2(r, CNT(wakeups)));
	printf(",\"client\":");
	net_ledger_print_json_object(stdout, &r->client);
	printf(",\"server\":");
	net_ledger_print_json_object(stdout, &r->server);
	printf("}");
}

void demo_print_json(const struct demo *d)
{
	printf("[\n");
	for (int i = 0; i < DEMO_ROWS; i++) {
		json_row(d, i);
		printf(i + 1 < DEMO_ROWS ? ",\n" : "\n");
	}
	printf("]\n");
}

/* --- the charts ---------------------------------------------------------------- */

bool demo_write_charts(const struct demo *d, const char *dir)
{
	static const char *const metrics[] = {
		"packets per event", "bytes on the wire per event", "syscalls per event",
		"latency p50 (ms)",
	};
	enum { M = sizeof metrics / sizeof metrics[0] };
	static const uint8_t decimals[M] = { 0, 0, 0, 2 };
	const char *names[DEMO_ROWS];
	uint64_t values[DEMO_ROWS * M];
	for (int i = 0; i < DEMO_ROWS; i++) {
		uint64_t v[M] = { g_per_packets(d, i, 0), g_per_bytes(d, i, 0), g_per_sys(d, i, 0),
				  g_latency(d, i, 50) };
		v[3] = v[3] == NA ? NA : (v[3] + 5) / 10;       /* us -> hundredths of ms */
		names[i] = d->rows[i].name;
		for (int m = 0; m < M; m++)
			values[i * M + m] = v[m] == NA ? 0 : v[m];
	}
	struct ladder_chart c = {
		.title = d->captured ? "What each paradigm cost per event (packets captured)"
				     : "What each paradigm cost per event (segments: TCP_INFO, a lower bound)",
		.rows = names, .nrows = DEMO_ROWS, .metrics = metrics, .nmetrics = M,
		.values = values, .decimals = decimals,
	};
	char path[4096];
	snprintf(path, sizeof path, "%s/costs.svg", dir);
	FILE *f = fopen(path, "w");
	if (f)
		ladder_chart_write_svg(f, &c);
	if (!f || ferror(f) | (fclose(f) != 0)) {
		fprintf(stderr, "pushpull demo: cannot write %s: %s\n", path, strerror(errno));
		return false;
	}
	return true;
}
