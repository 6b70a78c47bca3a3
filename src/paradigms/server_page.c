/* server_page.c -- GET /, /ledger, /metrics and /ladder/NAME.svg: what
 * page.h says.
 *
 * Every answer is made whole in memory (open_memstream) and sent with a
 * Content-Length: the ledger of a dozen rows is a few KiB, a ladder some
 * tens.  Each request is charged to the page's own ledger.
 *
 * Read next: page.html, the page these routes serve.
 */
#include "paradigms/page.h"
#include "paradigms/server_private.h"
#include "net/conn.h"
#include "net/limits.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Who pays for a request of these routes: the page, not a paradigm. */
static void charge(struct pp_page *pg, struct http_exchange *x)
{
	http_exchange_set_ledger(x, &pg->own);
	if (pg->on_charge)
		pg->on_charge(pg->on_charge_ud, http_exchange_conn(x));
}

void pp_page_init(struct pp_page *pg, struct pp_hub *hub, struct http_server *srv)
{
	memset(pg, 0, sizeof *pg);
	pg->hub = hub;
	pg->srv = srv;
	net_ledger_init(&pg->own, "page/server");
}

int pp_page_show(struct pp_page *pg, struct net_ledger *l)
{
	if (pg->n == PP_PAGE_LEDGERS) {
		errno = EINVAL;
		return -1;
	}
	pg->ledgers[pg->n++] = l;
	return 0;
}

/* --- the live figures --------------------------------------------------------- */

/* Copies of the ledgers, with what their open connections add. */
struct snapshot {
	struct pp_page *pg;
	struct net_ledger copy[PP_PAGE_LEDGERS];
	struct net_ledger *shown[PP_PAGE_LEDGERS];      /* &copy[j], for the printers */
	struct net_gauges gauges[PP_PAGE_LEDGERS];
	struct pp_page_refusals refusals;
};

/* One open connection: its queue, and what TCP_INFO says of it so far
 * (which its close would add), into the copy of its ledger. */
static void visit(struct net_conn *nc, void *ud)
{
	struct snapshot *s = ud;
	struct net_ledger *l = net_conn_ledger(nc);
	for (size_t j = 0; j < s->pg->n; j++) {
		if (s->pg->ledgers[j] != l)
			continue;
		s->gauges[j].connections_open++;
		s->gauges[j].bytes_queued += net_conn_pending(nc);
		struct net_counts k;
		struct net_charge payer = { .ledger = &s->pg->own };
		if (net_conn_tcp_info(nc, &payer, &k) == 0)
			net_counts_add(&s->copy[j].c, &k);
		return;
	}
}

/* This page's own figures into 's'. */
static void snapshot_own(struct pp_page *pg, struct snapshot *s)
{
	s->pg = pg;
	for (size_t j = 0; j < pg->n; j++) {
		s->copy[j] = *pg->ledgers[j];
		s->copy[j].tap = NULL;          /* a copy: nobody listens to it */
		s->shown[j] = &s->copy[j];
	}
	if (pg->srv)
		http_server_each_conn(pg->srv, visit, s);
	if (pg->hub) {
		pp_hub_each_websocket(pg->hub, visit, s);
		net_loop_limits_stats(pg->hub->loop, &s->refusals.limits);
		s->refusals.refused_publish = pg->hub->guard.refused_publish;
		s->refusals.refused_origin = pg->hub->guard.refused_origin;
	}
}

/* The whole server's: this page's, and the other workers'.  NULL when
 * memory ran out. */
static struct snapshot *snapshot_take(struct pp_page *pg)
{
	struct snapshot *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	snapshot_own(pg, s);
	if (pg->add_others)
		pg->add_others(pg->add_others_ud, s->copy, s->gauges, pg->n, &s->refusals);
	return s;
}

size_t pp_page_snapshot(struct pp_page *pg, struct net_ledger *copy, struct net_gauges *g,
			struct pp_page_refusals *r)
{
	struct snapshot *s = calloc(1, sizeof *s);
	if (!s)
		return 0;
	snapshot_own(pg, s);
	memcpy(copy, s->copy, pg->n * sizeof *copy);
	memcpy(g, s->gauges, pg->n * sizeof *g);
	*r = s->refusals;
	free(s);
	return pg->n;
}

int pp_page_write_ledger(struct pp_page *pg, FILE *out)
{
	struct snapshot *s = snapshot_take(pg);
	if (!s)
		return -1;
	net_ledger_print_json_gauges(out, s->shown, s->gauges, pg->n);
	free(s);
	return 0;
}

/* --- the Prometheus text format ------------------------------------------------
 *
 * Each family: "# HELP", "# TYPE", then one sample per ledger (and per
 * value of its own label), as name{paradigm="rpc",side="server"} value.
 * A ledger's label "rpc/server" gives paradigm and side; one without a
 * side ("unrouted", "loop") is the server's. */

struct family {
	const char *name, *type, *help;
	const char *label;              /* a third label's name, or NULL */
};

static void family_head(FILE *out, const struct family *f)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
}

/* A label value, escaped as the format asks: \\, \" and \n. */
static void put_value(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '"')
			fputc('\\', out);
		if (s[i] == '\n')
			fputs("\\n", out);
		else
			fputc(s[i], out);
	}
}

static void sample(FILE *out, const struct family *f, const struct net_ledger *l,
		   const char *third, uint64_t v)
{
	const char *slash = strchr(l->label, '/');
	size_t plen = slash ? (size_t)(slash - l->label) : strlen(l->label);
	const char *side = slash ? slash + 1 : "server";
	fprintf(out, "%s{paradigm=\"", f->name);
	put_value(out, l->label, plen);
	fputs("\",side=\"", out);
	put_value(out, side, strlen(side));
	if (f->label) {
		fprintf(out, "\",%s=\"", f->label);
		put_value(out, third, strlen(third));
	}
	fprintf(out, "\"} %llu\n", (unsigned long long)v);
}

/* A counter of struct net_counts at byte offset 'off'. */
static uint64_t count_at(const struct net_ledger *l, size_t off)
{
	uint64_t v;
	memcpy(&v, (const char *)&l->c + off, sizeof v);
	return v;
}

/* One family per counter; those with a direction read two fields. */
static const struct {
	struct family f;
	size_t off_in, off_out;         /* off_in alone when there is no direction */
} counters[] = {
	{ { "pushpull_tcp_handshakes_total", "counter",
	    "TCP connections established (accepted or connected).", NULL },
	  offsetof(struct net_counts, handshakes), 0 },
	{ { "pushpull_connections_closed_total", "counter", "TCP connections closed.", NULL },
	  offsetof(struct net_counts, closed), 0 },
	{ { "pushpull_segments_total", "counter",
	    "TCP segments, as TCP_INFO counts them (open connections read when scraped).",
	    "direction" },
	  offsetof(struct net_counts, segs_in), offsetof(struct net_counts, segs_out) },
	{ { "pushpull_data_segments_total", "counter", "TCP segments that carried data.",
	    "direction" },
	  offsetof(struct net_counts, data_segs_in), offsetof(struct net_counts, data_segs_out) },
	{ { "pushpull_retransmits_total", "counter", "TCP segments sent again.", NULL },
	  offsetof(struct net_counts, retrans), 0 },
	{ { "pushpull_bytes_total", "counter", "Bytes read and written on sockets.", "direction" },
	  offsetof(struct net_counts, bytes_in), offsetof(struct net_counts, bytes_out) },
	{ { "pushpull_wakeups_total", "counter",
	    "Readiness events the loop dispatched to connections.", NULL },
	  offsetof(struct net_counts, wakeups), 0 },
};

/* A family of the whole server, no paradigm: one sample per value of
 * 'label' (or one, unlabelled, when 'label' is NULL). */
static void server_family(FILE *out, const struct family *f, const char *const *values,
			  const uint64_t *v, size_t n)
{
	family_head(out, f);
	for (size_t i = 0; i < n; i++)
		if (f->label)
			fprintf(out, "%s{%s=\"%s\"} %llu\n", f->name, f->label, values[i],
				(unsigned long long)v[i]);
		else
			fprintf(out, "%s %llu\n", f->name, (unsigned long long)v[i]);
}

/* What the server refused and dropped to protect itself (net/limits.h,
 * guard.c, util/log.h): every worker's, when there are several. */
static void write_guard_metrics(const struct pp_page_refusals *r, FILE *out)
{
	const struct net_limits_stats st = r->limits;
	static const char *const why_refused[] = { "total", "per_address" };
	static const char *const why_dropped[] = { "output", "input", "queue_cap" };
	const struct family refused = { "pushpull_connections_refused_total", "counter",
		"Connections refused with 503 at accept: over --max-connections (total) or "
		"--max-per-address.", "limit" };
	server_family(out, &refused, why_refused,
		      (const uint64_t[]){ st.refused_total, st.refused_per_addr }, 2);
	const struct family dropped = { "pushpull_connections_dropped_total", "counter",
		"Connections dropped for the memory they held: over --max-buffered, by what "
		"they held most of (output, input), or over their own queue's cap.", "reason" };
	server_family(out, &dropped, why_dropped,
		      (const uint64_t[]){ st.dropped_slow, st.dropped_input, st.dropped_cap }, 3);
	const struct family held = { "pushpull_bytes_held", "gauge",
		"Bytes held for connections now: output queues, unconsumed input, "
		"WebSocket messages being reassembled.", NULL };
	server_family(out, &held, NULL, (const uint64_t[]){ st.held }, 1);
	static const char *const what[] = { "publish", "origin" };
	const struct family guard = { "pushpull_requests_refused_total", "counter",
		"Requests refused: a publish without the right (401, 403, close 1008), or a "
		"page of another origin (403).", "refused" };
	server_family(out, &guard, what, (const uint64_t[]){ r->refused_publish,
							      r->refused_origin }, 2);
	const struct family quiet = { "pushpull_log_lines_suppressed_total", "counter",
		"Log lines held back by the log's rate limit.", NULL };
	server_family(out, &quiet, NULL, (const uint64_t[]){ log_suppressed() }, 1);
}

int pp_page_write_metrics(struct pp_page *pg, FILE *out)
{
	struct snapshot *s = snapshot_take(pg);
	if (!s)
		return -1;
	size_t n = pg->n;
	const struct family events = { "pushpull_events_delivered_total", "counter",
				       "Events sent to clients (each copy of a fanned-out event).",
				       NULL };
	family_head(out, &events);
	for (size_t j = 0; j < n; j++)
		if (s->copy[j].counts_events)
			sample(out, &events, &s->copy[j], NULL, s->copy[j].events);
	for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) {
		family_head(out, &counters[i].f);
		for (size_t j = 0; j < n; j++) {
			if (!counters[i].f.label) {
				sample(out, &counters[i].f, &s->copy[j], NULL,
				       count_at(&s->copy[j], counters[i].off_in));
				continue;
			}
			sample(out, &counters[i].f, &s->copy[j], "in",
			       count_at(&s->copy[j], counters[i].off_in));
			sample(out, &counters[i].f, &s->copy[j], "out",
			       count_at(&s->copy[j], counters[i].off_out));
		}
	}
	const struct family sys = { "pushpull_syscalls_total", "counter",
				    "System calls on sockets and the loop, by name.", "syscall" };
	family_head(out, &sys);
	for (size_t j = 0; j < n; j++)
		for (int k = 0; k < NET_SYS_KINDS; k++)
			sample(out, &sys, &s->copy[j], net_sys_name((enum net_sys)k),
			       s->copy[j].c.sys[k]);
	const struct family open = { "pushpull_connections_open", "gauge",
				     "TCP connections open now.", NULL };
	family_head(out, &open);
	for (size_t j = 0; j < n; j++)
		sample(out, &open, &s->copy[j], NULL, s->gauges[j].connections_open);
	const struct family queued = { "pushpull_bytes_queued", "gauge",
				       "Bytes waiting in output queues now.", NULL };
	family_head(out, &queued);
	for (size_t j = 0; j < n; j++)
		sample(out, &queued, &s->copy[j], NULL, s->gauges[j].bytes_queued);
	write_guard_metrics(&s->refusals, out);
	free(s);
	return 0;
}

/* --- the routes ------------------------------------------------------------------ */

/* What 'write' puts into a memory stream, into a malloc'd *buf (the
 * caller frees it) of *len bytes.  'write' returns 1 when it wrote, 0
 * when it had nothing to write, -1 when memory ran out; so does this. */
static int in_memory(int (*write)(void *arg, FILE *out), void *arg, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	FILE *out = open_memstream(buf, len);
	if (!out)
		return -1;
	int wrote = write(arg, out);
	if (ferror(out) | (fclose(out) != 0) || wrote < 0)
		return -1;
	return wrote > 0 && *len > 0 ? 1 : 0;
}

static int write_ledger(void *pg, FILE *out)
{
	return pp_page_write_ledger(pg, out) < 0 ? -1 : 1;
}

static int write_metrics(void *pg, FILE *out)
{
	return pp_page_write_metrics(pg, out) < 0 ? -1 : 1;
}

static int write_ladder(void *arg, FILE *out)
{
	struct pp_page_ladder *lr = arg;
	return lr->pg->ladder_svg && lr->pg->ladder_svg(lr->pg->ladder_ud, lr->p, out);
}

/* Answers 200 with what 'write' writes, or 'none' (404) when it has
 * nothing. */
static void answer(struct http_exchange *x, const char *type, const char *fields,
		   int (*write)(void *arg, FILE *out), void *arg, const char *none)
{
	char *buf;
	size_t len;
	switch (in_memory(write, arg, &buf, &len)) {
	case 1:
		http_respond(x, 200, type, fields, buf, len);
		break;
	case 0:
		http_respond_text(x, 404, NULL, none);
		break;
	default:
		http_respond_text(x, 503, NULL, "out of memory\n");
		break;
	}
	free(buf);
}

/* The page's scripts and styles are inline and it talks to its own origin
 * alone: the policy says so, and the browser enforces it. */
#define PAGE_FIELDS "Cache-Control: no-cache\r\n" \
		    "X-Content-Type-Options: nosniff\r\n" \
		    "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; " \
		    "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'\r\n"

static void on_page(struct http_exchange *x, const struct http_request *req,
		    const char *body, size_t body_len, void *ud)
{
	(void)req; (void)body; (void)body_len;
	struct pp_page *pg = ud;
	charge(pg, x);
	http_respond(x, 200, "text/html; charset=utf-8", PAGE_FIELDS, pp_page_html,
		     pp_page_html_len);
}

static void on_ledger(struct http_exchange *x, const struct http_request *req,
		      const char *body, size_t body_len, void *ud)
{
	(void)body; (void)body_len;
	struct pp_page *pg = ud;
	charge(pg, x);
	if (pg->hub && !pp__admit(pg->hub, x, req))
		return;
	answer(x, HTTP_TYPE_JSON, "Cache-Control: no-store\r\n", write_ledger, ud, "");
}

static void on_metrics(struct http_exchange *x, const struct http_request *req,
		       const char *body, size_t body_len, void *ud)
{
	(void)body; (void)body_len;
	struct pp_page *pg = ud;
	charge(pg, x);
	if (pg->hub && !pp__admit(pg->hub, x, req))
		return;
	answer(x, "text/plain; version=0.0.4; charset=utf-8", NULL, write_metrics, ud, "");
}

static void on_ladder(struct http_exchange *x, const struct http_request *req,
		      const char *body, size_t body_len, void *ud)
{
	(void)req; (void)body; (void)body_len;
	struct pp_page_ladder *lr = ud;
	charge(lr->pg, x);
	answer(x, "image/svg+xml", "Cache-Control: no-store\r\n", write_ladder, lr,
	       !lr->pg->ladder_svg ? "no ladder: the server captures packets only with --capture\n" :
	       lr->p == PP_SHORT_POLL ?
	       "a server cannot tell short polling from rpc: see /ladder/rpc.svg\n" :
	       "no packet of this paradigm captured yet\n");
}

int pp_page_routes(struct http_server *s, struct pp_page *pg)
{
	if (http_server_route(s, "GET", "/", on_page, pg) < 0 ||
	    http_server_route(s, "GET", "/ledger", on_ledger, pg) < 0 ||
	    http_server_route(s, "GET", "/metrics", on_metrics, pg) < 0)
		return -1;
	for (int p = 0; p < PP_PARADIGMS; p++) {
		struct pp_page_ladder *lr = &pg->ladders[p];
		lr->pg = pg;
		lr->p = (enum pp_paradigm)p;
		snprintf(lr->path, sizeof lr->path, "/ladder/%s.svg", pp_paradigm_name(lr->p));
		if (http_server_route(s, "GET", lr->path, on_ladder, lr) < 0)
			return -1;
	}
	return 0;
}
