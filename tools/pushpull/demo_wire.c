/* demo_wire.c -- the demo's packets, and its pictures of them.
 *
 * With the privilege (root or CAP_NET_RAW) the demo captures the loopback
 * device for the whole run (src/net/capture.h) and counts every packet to
 * or from each row's port in that row (src/net/wire.h): SYNs, SYN-ACKs,
 * pure ACKs, data, FINs, resets and retransmissions, exactly what tcpdump
 * shows on those ports.  Across the lab (--rtt) it captures both ends of
 * the link, each counting what its side sent.  The capture reads in its own thread with its own
 * ledger, so the rows' syscalls and wake-ups are the same with it as
 * without it.
 *
 * Without the privilege, the packets cannot be seen.  The table then
 * shows the kernel's TCP_INFO counts (a lower bound, and says so), and the
 * diagrams are drawn from each side's syscalls instead: a tap on every
 * row's ledgers (net_tap, ledger.h) records its first connects, sends,
 * shutdowns and closes, with the first bytes of each send.
 *
 * Read next: demo_report.c.
 */
#include "demo.h"
#include "net/capture.h"
#include "paradigms/ladder.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* --- the capture ------------------------------------------------------------- */

/* Across the lab two captures, two threads, count into one wire. */
static pthread_mutex_t wire_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_packet(void *ud, const struct net_packet *p, uint64_t t_us)
{
	struct demo *d = ud;
	pthread_mutex_lock(&wire_lock);
	if (net_wire_count(d->wire, p, t_us) < 0)
		d->foreign++;                   /* another program's packet on lo */
	pthread_mutex_unlock(&wire_lock);
}

/* A capture of this thread's namespace. */
static bool capture(struct demo *d, int i, const char *ifname, bool sent_only)
{
	net_ledger_init(&d->capture_ledger[i], i ? "capture (client side)" : "capture");
	struct net_capture_config cfg = { .ifname = ifname, .sent_only = sent_only,
					   .on_packet = on_packet, .ud = d,
					   .ledger = &d->capture_ledger[i] };
	if (!(d->capture[i] = net_capture_start(&cfg))) {
		d->capture_errno = errno;
		return false;
	}
	return true;
}

bool demo_wire_start(struct demo *d)
{
	d->wire = net_wire_new(DEMO_TRACE_MAX);
	if (!d->wire) {
		d->capture_errno = errno;
		return false;
	}
	uint8_t addr[4];
	inet_pton(AF_INET, d->server_addr, addr);
	for (int i = 0; i < DEMO_ROWS; i++)
		if (net_wire_watch(d->wire, (unsigned)i, 4, addr, d->rows[i].port) < 0) {
			d->capture_errno = errno;
			return false;
		}
	/* This thread is on the servers' side.  On loopback every packet is
	 * seen there.  Across the lab each end counts what it sent, so that a
	 * packet the delay line loses is counted too, once. */
	if (!d->lab) {
		if (!capture(d, 0, "lo", false))
			return false;
	} else if (!capture(d, 0, NET_LAB_IFNAME, true) ||
		   net_lab_enter(d->lab, NET_LAB_CLIENT) < 0 ||
		   !capture(d, 1, NET_LAB_IFNAME, true) ||
		   net_lab_enter(d->lab, NET_LAB_SERVER) < 0) {
		return false;
	}
	d->captured = true;
	return true;
}

void demo_wire_stop(struct demo *d)
{
	for (int i = 0; i < 2; i++) {
		if (!d->capture[i])
			continue;
		struct net_capture_stats st;
		net_capture_stop(d->capture[i], &st);
		d->capture[i] = NULL;
		d->kernel_drops += st.kernel_drops;
	}
}

/* --- without capture: the syscalls' trace ---------------------------------------- */

/* The side's number for connection 'conn', in the order first seen. */
static uint32_t conn_number(struct demo_trace *t, bool client, const struct net_counts *conn)
{
	size_t side = client ? 0 : 1;
	for (size_t i = 0; i < t->nconns[side]; i++)
		if (t->conns[side][i] == conn)
			return (uint32_t)i;
	if (t->nconns[side] == DEMO_TRACE_MAX)
		return UINT32_MAX;
	t->conns[side][t->nconns[side]] = conn;
	return (uint32_t)t->nconns[side]++;
}

static void on_call(void *ud, const struct net_counts *conn, enum net_sys kind,
		    const struct iovec *iov, int iovcnt, size_t bytes)
{
	struct demo_tap *tap = ud;
	struct demo_trace *t = tap->trace;
	if (t->n == DEMO_TRACE_MAX || kind == NET_SYS_READ)
		return;                         /* a diagram shows what each side sent */
	struct demo_call *c = &t->calls[t->n++];
	memset(c, 0, sizeof *c);
	c->t_us = net_now_us();
	c->client = tap->client;
	c->conn = conn_number(t, tap->client, conn);
	c->kind = (uint8_t)kind;
	c->bytes = (uint32_t)bytes;
	for (int i = 0; i < iovcnt && c->snap_len < NET_WIRE_SNAP && c->snap_len < bytes; i++) {
		size_t n = iov[i].iov_len;
		if (n > (size_t)NET_WIRE_SNAP - c->snap_len)
			n = (size_t)NET_WIRE_SNAP - c->snap_len;
		if (n > bytes - c->snap_len)
			n = bytes - c->snap_len;
		memcpy(c->snap + c->snap_len, iov[i].iov_base, n);
		c->snap_len = (uint16_t)(c->snap_len + n);
	}
}

void demo_trace_attach(struct demo *d, struct row *r)
{
	(void)d;
	for (int side = 0; side < 2; side++) {
		r->taps[side] = (struct demo_tap){ .tap = { on_call, &r->taps[side] },
						   .trace = &r->trace, .client = side == 0 };
		(side == 0 ? &r->client : &r->server)->tap = &r->taps[side].tap;
	}
}

/* --- the diagrams -------------------------------------------------------------- */

/* The syscalls of row 'i' as arrows: what each side sent, and when it
 * connected and closed. */
static size_t call_arrows(const struct demo *d, int i, struct ladder_arrow *out,
			  struct ladder_namer *nm)
{
	const struct demo_trace *t = &d->rows[i].trace;
	static const char *const verbs[NET_SYS_KINDS] = {
		[NET_SYS_CONNECT] = "connect()", [NET_SYS_SHUTDOWN] = "shutdown()",
		[NET_SYS_CLOSE] = "close()",
	};
	for (size_t k = 0; k < t->n; k++) {
		const struct demo_call *c = &t->calls[k];
		struct ladder_arrow *a = &out[k];
		memset(a, 0, sizeof *a);
		a->t_us = c->t_us - t->calls[0].t_us;
		a->to_server = c->client;
		a->bytes = c->bytes;
		a->conn = c->conn;
		if (c->kind == NET_SYS_WRITE)
			ladder_namer_name(nm, a, c->snap, c->snap_len);
		else if (verbs[c->kind])
			snprintf(a->what, sizeof a->what, "%s", verbs[c->kind]);
	}
	return t->n;
}

/* "rpc new-conn" -> "DIR/rpc-new-conn.svg" */
static FILE *svg_file(const char *dir, const char *name, char *path, size_t cap)
{
	int n = snprintf(path, cap, "%s/", dir);
	for (const char *p = name; *p && (size_t)n + 1 < cap; p++)
		path[n++] = *p == ' ' ? '-' : *p;
	snprintf(path + n, cap - (size_t)n, ".svg");
	return fopen(path, "w");
}

static bool diagram(const struct demo *d, int i, const struct demo_opts *o)
{
	const struct row *r = &d->rows[i];
	struct ladder_arrow arrows[DEMO_TRACE_MAX];
	size_t n;
	if (d->captured) {
		const struct net_wire_record *rec = net_wire_records(d->wire, (unsigned)i, &n);
		n = ladder_packet_arrows(rec, n, r->paradigm, arrows);
	} else {
		struct ladder_namer nm;
		ladder_namer_init(&nm, r->paradigm);
		n = call_arrows(d, i, arrows, &nm);
		ladder_namer_free(&nm);
	}
	struct ladder l = {
		.title = r->name, .arrows = arrows, .n = n,
		.source = d->captured ? "captured packets"
				      : "send() and connect/close calls of each side (no capture: "
					"packets not seen)",
		.total = d->captured ? net_wire_row(d->wire, (unsigned)i)->total : 0,
	};
	if (o->diagram) {                       /* with --json, stdout is the JSON's */
		FILE *out = o->json ? stderr : stdout;
		fputc('\n', out);
		ladder_write_text(out, &l);
	}
	if (!o->svg_dir)
		return true;
	char path[4096];
	FILE *f = svg_file(o->svg_dir, r->name, path, sizeof path);
	if (f)
		ladder_write_svg(f, &l);
	if (!f || ferror(f) | (fclose(f) != 0)) {
		fprintf(stderr, "pushpull demo: cannot write %s: %s\n", path, strerror(errno));
		return false;
	}
	return true;
}

bool demo_diagrams(const struct demo *d, const struct demo_opts *o)
{
	if (o->svg_dir && mkdir(o->svg_dir, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "pushpull demo: cannot make %s: %s\n", o->svg_dir, strerror(errno));
		return false;
	}
	bool ok = true;
	for (int i = 0; i < DEMO_ROWS; i++)
		if (o->diagram_only < 0 || (int)d->rows[i].paradigm == o->diagram_only)
			ok &= diagram(d, i, o);
	return ok;
}
