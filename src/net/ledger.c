/* ledger.c -- adding up and printing what connections cost; see ledger.h. */
#include "net/ledger.h"
#include "util/json.h"

#include <string.h>

static const char *const sys_names[NET_SYS_KINDS] = {
	[NET_SYS_SOCKET] = "socket",       [NET_SYS_BIND] = "bind",
	[NET_SYS_LISTEN] = "listen",       [NET_SYS_ACCEPT] = "accept4",
	[NET_SYS_CONNECT] = "connect",     [NET_SYS_READ] = "recv",
	[NET_SYS_WRITE] = "send",          [NET_SYS_SHUTDOWN] = "shutdown",
	[NET_SYS_CLOSE] = "close",         [NET_SYS_SOCKOPT] = "sockopt",
	[NET_SYS_EPOLL_CTL] = "epoll_ctl", [NET_SYS_EPOLL_WAIT] = "epoll_wait",
};

const char *net_sys_name(enum net_sys k)
{
	return k < NET_SYS_KINDS ? sys_names[k] : "?";
}

void net_ledger_init(struct net_ledger *l, const char *label)
{
	memset(l, 0, sizeof *l);
	snprintf(l->label, sizeof l->label, "%s", label ? label : "");
}

/* The counters are all uint64_t, so the struct is walked as an array;
 * the static assert keeps that true if someone adds a field. */
#define NCOUNTS (sizeof(struct net_counts) / sizeof(uint64_t))
_Static_assert(sizeof(struct net_counts) % sizeof(uint64_t) == 0,
	       "net_counts must hold only uint64_t fields");

void net_counts_add(struct net_counts *dst, const struct net_counts *src)
{
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;
	for (size_t i = 0; i < NCOUNTS; i++)
		d[i] += s[i];
}

void net_ledger_add(struct net_ledger *dst, const struct net_ledger *src)
{
	net_counts_add(&dst->c, &src->c);
	dst->events += src->events;
	dst->counts_events |= src->counts_events;
	dst->lat.count += src->lat.count;
	dst->lat.sum_us += src->lat.sum_us;
	if (src->lat.max_us > dst->lat.max_us)
		dst->lat.max_us = src->lat.max_us;
	for (size_t i = 0; i < NET_LAT_BUCKETS; i++)
		dst->lat.bucket[i] += src->lat.bucket[i];
}

void net_counts_sub(struct net_counts *dst, const struct net_counts *src)
{
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;
	for (size_t i = 0; i < NCOUNTS; i++)
		d[i] -= s[i];
}

uint64_t net_counts_syscalls(const struct net_counts *c)
{
	uint64_t n = 0;
	for (int k = 0; k < NET_SYS_KINDS; k++)
		n += c->sys[k];
	return n;
}

/* Bucket of 'us': itself below 64; above, its power of two picks a row
 * of 32 buckets and the next five bits pick one in the row. */
static size_t lat_index(uint64_t us)
{
	if (us < NET_LAT_EXACT)
		return (size_t)us;
	unsigned b = 63u - (unsigned)__builtin_clzll(us);      /* b >= 6 */
	if (b - 6 >= NET_LAT_ROWS)
		return NET_LAT_BUCKETS - 1;
	return NET_LAT_EXACT + (size_t)(b - 6) * 32 + (size_t)((us >> (b - 5)) - 32);
}

/* The largest value bucket 'i' holds. */
static uint64_t lat_upper(size_t i)
{
	if (i < NET_LAT_EXACT)
		return i;
	size_t row = (i - NET_LAT_EXACT) / 32, col = (i - NET_LAT_EXACT) % 32;
	return ((uint64_t)(col + 33) << (row + 1)) - 1;
}

void net_latency_record(struct net_latency *lat, uint64_t us)
{
	lat->bucket[lat_index(us)]++;
	lat->count++;
	lat->sum_us += us;
	if (us > lat->max_us)
		lat->max_us = us;
}

uint64_t net_latency_percentile(const struct net_latency *lat, double p)
{
	if (lat->count == 0)
		return 0;
	uint64_t want = (uint64_t)((double)lat->count * p / 100.0 + 0.999999);
	if (want < 1)
		want = 1;
	uint64_t seen = 0;
	for (size_t i = 0; i < NET_LAT_BUCKETS; i++) {
		seen += lat->bucket[i];
		if (seen >= want)
			return lat_upper(i) < lat->max_us ? lat_upper(i) : lat->max_us;
	}
	return lat->max_us;
}

/* --- printing ----------------------------------------------------------- */

/* One printable row: a name and how to read its value from a ledger. */
struct row {
	const char *name;
	uint64_t (*get)(const struct net_ledger *l, int arg);
	int arg;
};

static uint64_t get_sys(const struct net_ledger *l, int k) { return l->c.sys[k]; }
static uint64_t get_sys_total(const struct net_ledger *l, int k) { (void)k; return net_counts_syscalls(&l->c); }
static uint64_t get_field(const struct net_ledger *l, int off)
{
	return *(const uint64_t *)((const char *)&l->c + off);
}
static uint64_t get_events(const struct net_ledger *l, int k) { (void)k; return l->events; }
static uint64_t get_rtt(const struct net_ledger *l, int k)
{
	uint64_t sum = k ? l->c.min_rtt_us_sum : l->c.rtt_us_sum;
	return l->c.rtt_samples ? sum / l->c.rtt_samples : 0;
}
static uint64_t get_lat(const struct net_ledger *l, int p)
{
	return p == 0 ? (l->lat.count ? l->lat.sum_us / l->lat.count : 0)
		      : p == 1000 ? l->lat.max_us : net_latency_percentile(&l->lat, p / 10.0);
}

#define FIELD(f) get_field, (int)offsetof(struct net_counts, f)
static const struct row rows[] = {
	{ "events delivered", get_events, 0 },
	{ "tcp handshakes", FIELD(handshakes) },
	{ "connections closed", FIELD(closed) },
	{ "connects failed", FIELD(connects_failed) },
	{ "segments out", FIELD(segs_out) },
	{ "segments in", FIELD(segs_in) },
	{ "data segments out", FIELD(data_segs_out) },
	{ "data segments in", FIELD(data_segs_in) },
	{ "retransmits", FIELD(retrans) },
	{ "bytes out", FIELD(bytes_out) },
	{ "bytes in", FIELD(bytes_in) },
	{ "syscalls", get_sys_total, 0 },
	{ "  socket", get_sys, NET_SYS_SOCKET },
	{ "  bind", get_sys, NET_SYS_BIND },
	{ "  listen", get_sys, NET_SYS_LISTEN },
	{ "  accept4", get_sys, NET_SYS_ACCEPT },
	{ "  connect", get_sys, NET_SYS_CONNECT },
	{ "  recv", get_sys, NET_SYS_READ },
	{ "  send", get_sys, NET_SYS_WRITE },
	{ "  shutdown", get_sys, NET_SYS_SHUTDOWN },
	{ "  close", get_sys, NET_SYS_CLOSE },
	{ "  sockopt", get_sys, NET_SYS_SOCKOPT },
	{ "  epoll_ctl", get_sys, NET_SYS_EPOLL_CTL },
	{ "  epoll_wait", get_sys, NET_SYS_EPOLL_WAIT },
	{ "wake-ups", FIELD(wakeups) },
	{ "avg rtt us", get_rtt, 0 },
	{ "avg min rtt us", get_rtt, 1 },
	{ "latency avg us", get_lat, 0 },
	{ "latency p50 us", get_lat, 500 },
	{ "latency p99 us", get_lat, 990 },
	{ "latency max us", get_lat, 1000 },
};
#define NROWS (sizeof rows / sizeof rows[0])

/* A row is printed only if some ledger of the table measured it: events
 * are counted by the clients and the demo, latency by the demo alone --
 * a 0 that nobody measured would read as a measurement. */
static bool row_shown(const struct row *r, struct net_ledger *const *ls, size_t n)
{
	for (size_t j = 0; j < n; j++)
		if ((r->get != get_events || ls[j]->counts_events) &&
		    (r->get != get_lat || ls[j]->lat.count > 0))
			return true;
	return false;
}

void net_ledger_print_table(FILE *out, struct net_ledger *const *ls, size_t n)
{
	int w = 20;
	for (size_t j = 0; j < n; j++) {
		int lw = (int)strlen(ls[j]->label);
		if (lw > w) w = lw;
	}
	fprintf(out, "%-20s", "");
	for (size_t j = 0; j < n; j++)
		fprintf(out, " %*s", w, ls[j]->label);
	fputc('\n', out);
	for (size_t r = 0; r < NROWS; r++) {
		if (!row_shown(&rows[r], ls, n))
			continue;
		fprintf(out, "%-20s", rows[r].name);
		for (size_t j = 0; j < n; j++)
			fprintf(out, " %*llu", w,
				(unsigned long long)rows[r].get(ls[j], rows[r].arg));
		fputc('\n', out);
	}
}

static void print_object(FILE *out, const struct net_ledger *l, struct net_ledger *const *ls,
			 size_t n, const struct net_gauges *g)
{
	fputs("{\"label\":", out);
	json_fput(out, l->label, strlen(l->label));
	for (size_t r = 0; r < NROWS; r++) {
		if (!row_shown(&rows[r], ls, n))
			continue;
		const char *name = rows[r].name;
		while (*name == ' ')
			name++;
		fputs(",\"", out);
		for (const char *p = name; *p; p++)   /* "bytes out" -> bytes_out */
			fputc(*p == ' ' || *p == '-' ? '_' : *p, out);
		fprintf(out, "\":%llu", (unsigned long long)rows[r].get(l, rows[r].arg));
	}
	if (g)
		fprintf(out, ",\"connections_open\":%llu,\"bytes_queued\":%llu",
			(unsigned long long)g->connections_open, (unsigned long long)g->bytes_queued);
	fputc('}', out);
}

void net_ledger_print_json_gauges(FILE *out, struct net_ledger *const *ls,
				  const struct net_gauges *g, size_t n)
{
	fputc('[', out);
	for (size_t j = 0; j < n; j++) {
		if (j)
			fputc(',', out);
		print_object(out, ls[j], ls, n, g ? &g[j] : NULL);
	}
	fputs("]\n", out);
}

void net_ledger_print_json(FILE *out, struct net_ledger *const *ls, size_t n)
{
	net_ledger_print_json_gauges(out, ls, NULL, n);
}

void net_ledger_print_json_object(FILE *out, const struct net_ledger *l)
{
	struct net_ledger *one[] = { (struct net_ledger *)l };
	print_object(out, l, one, 1, NULL);
}
