/* demo.c -- `pushpull demo` (`make demo`): every paradigm side by side.
 *
 * One process, one loop, one feed, and real TCP over 127.0.0.1:
 *
 *   a scorer     POSTs each event of the scenario to /publish, one every
 *                --interval ms: that is request-response (RPC);
 *   a poller     GETs /score every --poll ms (short polling);
 *   a waiter     long-polls /score?since=N;
 *   a listener   holds an SSE stream on /events;
 *   a player     holds a WebSocket on /ws.
 *
 * Each paradigm talks to its own listener (same endpoints, same feed), so
 * the server's costs fall apart by paradigm without guessing.  Every
 * number printed was counted during the run: syscalls as they were made,
 * bytes as send/recv returned them, segments from the kernel (TCP_INFO)
 * when each connection closed, latency from the moment an event was
 * published to the moment each client had it.
 */
#include "pushpull.h"
#include "common/cli.h"
#include "paradigms/client.h"
#include "paradigms/hub.h"
#include "scenario.h"
#include "http/http_client.h"
#include "http/http_server.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char demo_usage[] =
	"usage: pushpull demo [options]\n"
	"\n"
	"Runs every paradigm side by side over 127.0.0.1 on one feed of events and\n"
	"prints what each one cost: handshakes, segments, bytes, syscalls, wake-ups\n"
	"and delivery latency, client side and server side.\n"
	"\n"
	"options:\n"
	"  --scenario NAME      cricket (default), ec2, ticker, deploy or game\n"
	"  --events N           events to publish (default 36)\n"
	"  --interval MS        time between events (default 100)\n"
	"  --poll MS            short-polling interval (default 500)\n"
	"  --no-keep-alive      pollers open a new connection per request\n"
	"  --json               print the ledgers as JSON too\n"
	"  --help\n";

struct demo {
	struct net_loop *loop;
	struct pp_hub hub;
	const struct pp_scenario *sc;
	unsigned total, published;
	uint32_t interval_ms;
	struct http_server *srv[PP_PARADIGMS];
	struct net_ledger server[PP_PARADIGMS], client[PP_PARADIGMS], loop_ledger;
	struct pp_client *clients[PP_PARADIGMS];    /* [PP_RPC] is the scorer below */
	uint64_t missed[PP_PARADIGMS];          /* counted before the clients are freed */
	struct http_client *scorer;
	uint64_t sent_us;                       /* when the scorer's request left */
	struct net_timer tick;
};

/* --- the scorer: request-response, one POST per event ------------------- */

static void on_published(struct http_client *cl, int err, const struct http_client_result *r,
			 void *ud)
{
	struct demo *d = ud;
	if (err || r->res->status != 200) {
		fprintf(stderr, "pushpull demo: publish failed: %s\n",
			err ? http_client_error(cl) : "bad status");
		return;
	}
	/* For RPC the latency is the round trip the caller waits through. */
	net_latency_record(&d->client[PP_RPC].lat, net_now_us() - d->sent_us);
	d->client[PP_RPC].events++;
}

static void on_tick(struct net_loop *loop, struct net_timer *t, void *ud)
{
	struct demo *d = ud;
	if (d->published == d->total) {
		net_timer_stop(loop, t);
		return;
	}
	if (http_client_busy(d->scorer))
		return;                         /* the last one is still out: skip a beat */
	char body[256], target[64];
	size_t len = d->sc->event(d->published, body, sizeof body);
	snprintf(target, sizeof target, "/publish?type=%s", d->sc->type);
	d->sent_us = net_now_us();
	if (http_client_request(d->scorer, "POST", target, NULL, body, len, on_published, d) == 0)
		d->published++;
}

/* --- the receivers -------------------------------------------------------- */

static void on_event(struct pp_client *c, const struct pp_client_event *ev, void *ud)
{
	struct demo *d = ud;
	enum pp_paradigm k = pp_client_paradigm(c);
	const struct feed_event *fe = feed_get(d->hub.feed, ev->seq);
	if (fe)
		net_latency_record(&d->client[k].lat, net_now_us() - fe->published_us);
	d->client[k].events++;
}

static void on_note(struct pp_client *c, const char *msg, void *ud)
{
	(void)ud;
	fprintf(stderr, "pushpull demo: %s: %s\n", pp_paradigm_name(pp_client_paradigm(c)), msg);
}

static bool receivers_ready(void *arg)
{
	struct demo *d = arg;
	/* The long poll, the SSE stream and the WebSocket are subscribed, and
	 * the poller has had its first answer. */
	return feed_subscribers(d->hub.feed) >= 3 && d->client[PP_SHORT_POLL].c.sys[NET_SYS_READ] > 0;
}

static bool all_delivered(void *arg)
{
	struct demo *d = arg;
	if (d->published < d->total || http_client_busy(d->scorer))
		return false;
	/* Everyone has seen the last event (the short poller at its next
	 * poll; the others as it was published). */
	uint64_t last = feed_latest(d->hub.feed);
	for (int k = PP_SHORT_POLL; k < PP_PARADIGMS; k++)
		if (d->clients[k] && pp_client_last_seq(d->clients[k]) < last)
			return false;
	return true;
}

/* Runs the loop until 'pred' holds, a signal stops the demo, or 'ms'
 * pass.  Returns whether 'pred' holds. */
struct wait { struct demo *d; bool (*pred)(void *); };

static bool waited(void *arg)
{
	const struct wait *w = arg;
	return w->pred(w->d) || net_loop_stopped(w->d->loop);
}

static bool run_until(struct demo *d, bool (*pred)(void *), uint64_t ms)
{
	struct wait w = { d, pred };
	net_loop_run_until(d->loop, waited, &w, ms);
	return pred(d);
}

static bool clients_closed(void *arg)
{
	struct demo *d = arg;
	for (int k = 0; k < PP_PARADIGMS; k++)
		if (d->client[k].c.closed < d->client[k].c.handshakes)
			return false;
	return true;
}

/* --- printing ------------------------------------------------------------- */

static void row(const char *name, const struct demo *d,
		uint64_t (*get)(const struct demo *, int, int), int arg)
{
	printf("%-24s", name);
	for (int k = 0; k < PP_PARADIGMS; k++)
		printf(" %12llu", (unsigned long long)get(d, k, arg));
	putchar('\n');
}

static uint64_t both(const struct demo *d, int k, int off)
{
	return *(const uint64_t *)((const char *)&d->client[k].c + off) +
	       *(const uint64_t *)((const char *)&d->server[k].c + off);
}
static uint64_t one_side(const struct demo *d, int k, int off)
{
	return *(const uint64_t *)((const char *)&d->client[k].c + off);
}
static uint64_t syscalls(const struct demo *d, int k, int side)
{
	return net_counts_syscalls(side ? &d->server[k].c : &d->client[k].c);
}
static uint64_t latency(const struct demo *d, int k, int p)
{
	return p == 0 ? d->client[k].lat.max_us : net_latency_percentile(&d->client[k].lat, p);
}
static uint64_t delivered(const struct demo *d, int k, int unused)
{
	(void)unused;
	return d->client[k].events;
}
static uint64_t missed(const struct demo *d, int k, int unused)
{
	(void)unused;
	return d->missed[k];
}
static uint64_t per_event(const struct demo *d, int k, int off)
{
	uint64_t n = d->client[k].events;
	uint64_t total = off < 0 ? syscalls(d, k, 0) + syscalls(d, k, 1) : both(d, k, off);
	return n ? (total + n / 2) / n : 0;
}

#define OFF(f) (int)offsetof(struct net_counts, f)

static void print_summary(const struct demo *d)
{
	printf("\n%-24s", "");
	for (int k = 0; k < PP_PARADIGMS; k++)
		printf(" %12s", pp_paradigm_name((enum pp_paradigm)k));
	printf("\n");
	row("events delivered", d, delivered, 0);
	row("events missed", d, missed, 0);
	row("latency p50 us", d, latency, 50);
	row("latency p99 us", d, latency, 99);
	row("latency max us", d, latency, 0);
	row("tcp connections", d, one_side, OFF(handshakes));
	row("segments (both ways)", d, both, OFF(segs_out));
	row("bytes (both ways)", d, both, OFF(bytes_out));
	row("syscalls, client", d, syscalls, 0);
	row("syscalls, server", d, syscalls, 1);
	row("wake-ups (both sides)", d, both, OFF(wakeups));
	row("per event: bytes", d, per_event, OFF(bytes_out));
	row("per event: segments", d, per_event, OFF(segs_out));
	row("per event: syscalls", d, per_event, -1);
}

struct demo_opts {
	const struct pp_scenario *sc;
	unsigned events;
	uint32_t interval_ms, poll_ms;
	bool keep_alive, json;
};

/* Reads the command line into 'o'.  Returns -1 to go on, or the exit
 * status (0 after --help, 2 after bad usage). */
static int demo_options(int argc, char **argv, struct demo_opts *o)
{
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 's' }, { "events", required_argument, NULL, 'e' },
		{ "interval", required_argument, NULL, 'i' }, { "poll", required_argument, NULL, 'p' },
		{ "no-keep-alive", no_argument, NULL, 'K' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *me = "pushpull demo";
	uint64_t v;
	int c;
	*o = (struct demo_opts){ .sc = &pp_scenarios[0], .events = 36, .interval_ms = 100,
				 .poll_ms = 500, .keep_alive = true };
	optind = 1;
	opterr = 0;                             /* our own one-line message instead */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!(o->sc = pp_scenario_find(optarg)))
				return cli_bad(me, "unknown scenario");
			break;
		case 'e':
			if (!cli_u64(optarg, 1, 100000, &v))
				return cli_bad(me, "--events needs 1..100000");
			o->events = (unsigned)v;
			break;
		case 'i': case 'p':
			if (!cli_u64(optarg, 1, 60000, &v))
				return cli_bad(me, "a time needs 1..60000 milliseconds");
			if (c == 'i') o->interval_ms = (uint32_t)v;
			else o->poll_ms = (uint32_t)v;
			break;
		case 'K': o->keep_alive = false; break;
		case 'j': o->json = true; break;
		case 'h': fputs(demo_usage, stdout); return 0;
		default: return cli_bad_option(me, argv);
		}
	}
	if (optind < argc)
		return cli_bad(me, "unexpected argument");
	return -1;
}

/* One listener per paradigm, every route on each, so that the server's
 * costs fall apart by paradigm. */
static bool demo_servers(struct demo *d)
{
	for (int p = 0; p < PP_PARADIGMS; p++) {
		const char *name = pp_paradigm_name((enum pp_paradigm)p);
		char label[NET_LABEL_MAX];
		snprintf(label, sizeof label, "%s/client", name);
		net_ledger_init(&d->client[p], label);
		snprintf(label, sizeof label, "%s/server", name);
		net_ledger_init(&d->server[p], label);
		d->client[p].counts_events = d->server[p].counts_events = true;
		struct http_server_config cfg = { .host = "127.0.0.1", .ledger = &d->server[p] };
		d->srv[p] = http_server_new(d->loop, &cfg);
		if (!d->srv[p] || pp_hub_routes(d->srv[p], &d->hub) < 0) {
			fprintf(stderr, "pushpull demo: cannot listen: %s\n", strerror(errno));
			return false;
		}
	}
	return true;
}

/* The scorer, and a receiver of every other paradigm. */
static bool demo_clients(struct demo *d, const struct demo_opts *o)
{
	struct http_client_config sc = { .host = "127.0.0.1", .port = http_server_port(d->srv[PP_RPC]),
					  .keep_alive = true, .ledger = &d->client[PP_RPC] };
	d->scorer = http_client_new(d->loop, &sc);
	if (!d->scorer) {
		fprintf(stderr, "pushpull demo: client: %s\n", strerror(errno));
		return false;
	}
	static const char *const paths[PP_PARADIGMS] = { "", "/score", "/score", "/events", "/ws" };
	for (int p = PP_SHORT_POLL; p < PP_PARADIGMS; p++) {
		struct pp_client_opts co = {
			.paradigm = (enum pp_paradigm)p, .host = "127.0.0.1",
			.port = http_server_port(d->srv[p]), .path = paths[p],
			.interval_ms = p == PP_SHORT_POLL ? o->poll_ms : 200,
			.keep_alive = o->keep_alive, .ledger = &d->client[p],
			.on_event = on_event, .on_note = on_note, .ud = d,
		};
		if (!(d->clients[p] = pp_client_start(d->loop, &co))) {
			fprintf(stderr, "pushpull demo: client: %s\n", strerror(errno));
			return false;
		}
	}
	return true;
}

static bool demo_setup(struct demo *d, const struct demo_opts *o)
{
	d->sc = o->sc;
	d->total = o->events;
	d->interval_ms = o->interval_ms;
	net_ledger_init(&d->loop_ledger, "loop (shared)");
	d->loop = net_loop_new(&d->loop_ledger);
	d->hub.loop = d->loop;
	d->hub.feed = feed_new(0, 0);
	pp_config_defaults(&d->hub.cfg);
	if (!d->loop || !d->hub.feed || net_loop_stop_on_signals(d->loop) < 0) {
		fprintf(stderr, "pushpull demo: %s\n", strerror(errno));
		return false;
	}
	return demo_servers(d) && demo_clients(d, o);
}

/* Publishes every event, waits for every receiver to have the last one,
 * then closes everything, clients first, and lets the closes finish so
 * that the kernel's counters for every connection are in. */
static void demo_run(struct demo *d, const struct demo_opts *o)
{
	printf("pushpull demo: %s -- %u events, one every %u ms; short polling every %u ms%s\n",
	       d->sc->about, d->total, d->interval_ms, (unsigned)o->poll_ms,
	       o->keep_alive ? "" : ", a new connection per poll");
	fflush(stdout);
	if (!run_until(d, receivers_ready, 5000))
		fprintf(stderr, "pushpull demo: not every client was ready in time\n");
	net_timer_init(&d->tick, on_tick, d);
	net_timer_start(d->loop, &d->tick, 0, d->interval_ms);
	uint64_t grace = (uint64_t)d->total * d->interval_ms + 2 * o->poll_ms + 3000;
	if (!run_until(d, all_delivered, grace))
		fprintf(stderr, "pushpull demo: some events were not delivered in time\n");
	net_timer_stop(d->loop, &d->tick);

	d->missed[PP_RPC] = d->published - d->client[PP_RPC].events;
	for (int p = 0; p < PP_PARADIGMS; p++) {
		if (d->clients[p])
			d->missed[p] = pp_client_missed(d->clients[p]);
		pp_client_free(d->clients[p]);
		d->clients[p] = NULL;
	}
	http_client_free(d->scorer);
	d->scorer = NULL;
	net_loop_run_until(d->loop, clients_closed, d, 3000);
	for (int p = 0; p < PP_PARADIGMS; p++) {
		http_server_free(d->srv[p]);
		d->srv[p] = NULL;
	}
	pp_hub_close_websockets(&d->hub);
	net_loop_run_once(d->loop, 0);
}

static void demo_report(struct demo *d, const struct demo_opts *o)
{
	for (int p = 0; p < PP_PARADIGMS; p++)
		d->server[p].events = d->client[p].events;
	printf("\n%u events published.  Per paradigm, both sides of the wire:\n", d->published);
	print_summary(d);
	struct net_ledger *cl[PP_PARADIGMS], *sv[PP_PARADIGMS + 1];
	for (int p = 0; p < PP_PARADIGMS; p++) {
		cl[p] = &d->client[p];
		sv[p] = &d->server[p];
	}
	sv[PP_PARADIGMS] = &d->loop_ledger;
	printf("\nClient side, every counter:\n");
	net_ledger_print_table(stdout, cl, PP_PARADIGMS);
	printf("\nServer side, every counter (epoll_wait is the one shared loop's):\n");
	net_ledger_print_table(stdout, sv, PP_PARADIGMS + 1);
	if (o->json) {
		net_ledger_print_json(stdout, cl, PP_PARADIGMS);
		net_ledger_print_json(stdout, sv, PP_PARADIGMS + 1);
	}
}

static void demo_free(struct demo *d)
{
	for (int p = 0; p < PP_PARADIGMS; p++) {
		pp_client_free(d->clients[p]);
		http_server_free(d->srv[p]);
	}
	http_client_free(d->scorer);
	pp_hub_close_websockets(&d->hub);
	if (d->loop)
		net_loop_run_once(d->loop, 0);
	pp_hub_cleanup(&d->hub);
	feed_free(d->hub.feed);
	net_loop_free(d->loop);
}

int pushpull_demo(int argc, char **argv)
{
	struct demo_opts o;
	int status = demo_options(argc, argv, &o);
	if (status >= 0)
		return status;
	struct demo d = { 0 };
	if (demo_setup(&d, &o)) {
		demo_run(&d, &o);
		demo_report(&d, &o);
		status = 0;
	} else {
		status = 1;
	}
	demo_free(&d);
	return status;
}
