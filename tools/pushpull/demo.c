/* demo.c -- `pushpull demo` (`make demo`): every paradigm side by side.
 *
 * One process, one loop, one feed, and real TCP over 127.0.0.1.  Six rows,
 * each a paradigm with one connection policy and a listener of its own:
 *
 *   rpc            the scorer POSTs every other event to /publish over one
 *                  kept-alive connection: request-response;
 *   rpc new-conn   it POSTs the others on a new connection per call: the
 *                  notes' "3-way handshake, request and response,
 *                  terminating";
 *   short-poll     a poller GETs /score every --poll ms;
 *   long-poll      a waiter long-polls /score?since=N;
 *   sse            a listener holds an event stream on /events;
 *   websocket      a player holds a WebSocket on /ws.
 *
 * Since each row has its own port, everything on the wire to or from it
 * is the row's, and the server's costs fall apart by row without
 * guessing.  Every number printed was counted during the run: syscalls
 * as they were made, bytes as send/recv returned them, packets from a
 * capture of the loopback device (demo_wire.c; without the privilege,
 * segments from the kernel's TCP_INFO, a lower bound), and latency from
 * the moment an event was published to the moment each client held a
 * state that includes it -- for a short poller, the first answer at or
 * after it, whether or not that answer showed the event itself.
 *
 * Read next: demo_wire.c, then demo_report.c.
 */
#include "demo.h"
#include "pushpull.h"
#include "common/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char demo_usage[] =
	"usage: pushpull demo [options]\n"
	"\n"
	"Runs every paradigm side by side over 127.0.0.1 on one feed of events and\n"
	"prints what each one cost: handshakes, packets, bytes, syscalls, wake-ups\n"
	"and delivery latency, client side and server side.  Packets are counted\n"
	"from a capture of the loopback device when the demo may (root or\n"
	"CAP_NET_RAW); otherwise the kernel's TCP_INFO counts stand in, a lower bound.\n"
	"\n"
	"options:\n"
	"  --scenario NAME      cricket (default), ec2, ticker, deploy or game\n"
	"  --events N           events to publish (default 36)\n"
	"  --interval MS        time between events (default 100)\n"
	"  --poll MS            short-polling interval (default 500)\n"
	"  --no-keep-alive      pollers open a new connection per request\n"
	"  --diagram [PARADIGM] print ladder diagrams of the first exchanges (of every\n"
	"                       row, or of PARADIGM's)\n"
	"  --svg DIR            write the diagrams and the cost charts as SVG files\n"
	"  --no-capture         do not capture: count segments from TCP_INFO alone\n"
	"  --rtt MS             run across a real network: the server side and the\n"
	"                       clients in two network namespaces joined by a delay line\n"
	"                       adding MS of round trip (needs root; see pushpull lab)\n"
	"  --loss PCT           with it, drop PCT %% of the packets each way (seeded)\n"
	"  --rate KBIT          with it, pace each direction to KBIT kbit/s\n"
	"  --seed N             the loss draws' seed (default 1)\n"
	"  --json               print the rows as JSON instead of the table\n"
	"  --help\n";

static const struct {
	const char *name, *name_new_conn;
	enum pp_paradigm paradigm;
	const char *path;
} row_specs[DEMO_ROWS] = {
	[ROW_RPC]        = { "rpc", NULL, PP_RPC, "/publish" },
	[ROW_RPC_NEW]    = { "rpc new-conn", NULL, PP_RPC, "/publish" },
	[ROW_SHORT_POLL] = { "short-poll", "short-poll new-conn", PP_SHORT_POLL, "/score" },
	[ROW_LONG_POLL]  = { "long-poll", "long-poll new-conn", PP_LONG_POLL, "/score" },
	[ROW_SSE]        = { "sse", NULL, PP_SSE, "/events" },
	[ROW_WEBSOCKET]  = { "websocket", NULL, PP_WEBSOCKET, "/ws" },
};

/* --- when each event was published, and when each row held it ------------ */

static void on_feed_event(struct feed_sub *s, const struct feed_event *ev)
{
	struct demo *d = (struct demo *)((char *)s - offsetof(struct demo, recorder));
	if (ev && ev->seq <= d->total)          /* NULL: a new epoch, never here */
		d->published_us[ev->seq] = ev->published_us;
}

/* Row 'r' now holds a state that includes every event up to 'seq': each
 * one newly held gets its latency. */
static void hold(struct demo *d, struct row *r, uint64_t seq)
{
	uint64_t now = net_now_us();
	for (uint64_t s = r->held + 1; s <= seq && s <= d->total; s++)
		if (d->published_us[s])
			net_latency_record(&r->lat, now - d->published_us[s]);
	if (seq > r->held)
		r->held = seq;
}

/* --- the scorer: request-response, one POST per event ------------------- */

static void on_published(struct http_client *cl, int err, const struct http_client_result *res,
			 void *ud)
{
	struct row *r = ud;
	if (err || res->res->status != 200) {
		fprintf(stderr, "pushpull demo: publish failed: %s\n",
			err ? http_client_error(cl) : "bad status");
		return;
	}
	/* For the caller of an RPC the latency is the round trip it waits. */
	net_latency_record(&r->lat, net_now_us() - r->sent_us);
	r->events++;
}

/* Event i goes out on the kept-alive connection when i is even, on a new
 * connection when odd: the two rpc rows publish half each. */
static void on_tick(struct net_loop *loop, struct net_timer *t, void *ud)
{
	struct demo *d = ud;
	if (d->published == d->total) {
		net_timer_stop(loop, t);
		return;
	}
	struct row *r = &d->rows[d->published % 2 ? ROW_RPC_NEW : ROW_RPC];
	if (http_client_busy(r->scorer))
		return;                         /* the last one is still out: skip a beat */
	char body[256], target[64];
	size_t len = d->sc->event(d->published, body, sizeof body);
	snprintf(target, sizeof target, "/publish?type=%s", d->sc->type);
	r->sent_us = net_now_us();
	if (http_client_request(r->scorer, "POST", target, NULL, body, len, on_published, r) == 0) {
		d->published++;
		r->published++;
	}
}

/* --- the receivers -------------------------------------------------------- */

static void on_event(struct pp_client *c, const struct pp_client_event *ev, void *ud)
{
	(void)c;
	struct row *r = ud;
	r->events++;
	hold(r->d, r, ev->seq);
}

static void on_note(struct pp_client *c, const char *msg, void *ud)
{
	const struct row *r = ud;
	(void)c;
	fprintf(stderr, "pushpull demo: %s: %s\n", r->name, msg);
}

/* --- running the loop until ... ------------------------------------------ */

struct wait { struct demo *d; bool (*pred)(const struct demo *); };

static bool waited(void *arg)
{
	const struct wait *w = arg;
	return w->pred(w->d) || net_loop_stopped(w->d->loop);
}

/* Runs the loop until 'pred' holds, a signal stops the demo, or 'ms'
 * pass.  Returns whether 'pred' holds. */
static bool run_until(struct demo *d, bool (*pred)(const struct demo *), uint64_t ms)
{
	struct wait w = { d, pred };
	net_loop_run_until(d->loop, waited, &w, ms);
	return pred(d);
}

/* The long poll, the SSE stream and the WebSocket are subscribed, and the
 * poller has had its first answer. */
static bool receivers_ready(const struct demo *d)
{
	return feed_subscribers(d->hub.feed) >= 4 &&    /* three, and the recorder */
	       d->rows[ROW_SHORT_POLL].client.c.sys[NET_SYS_READ] > 0;
}

/* Everyone holds the last event (the short poller at its next poll). */
static bool all_delivered(const struct demo *d)
{
	if (d->published < d->total || http_client_busy(d->rows[ROW_RPC].scorer) ||
	    http_client_busy(d->rows[ROW_RPC_NEW].scorer))
		return false;
	for (int i = ROW_SHORT_POLL; i < DEMO_ROWS; i++)
		if (d->rows[i].held < d->total)
			return false;
	return true;
}

/* Every connection of every row closed, on both sides. */
static bool all_closed(void *arg)
{
	const struct demo *d = arg;
	for (int i = 0; i < DEMO_ROWS; i++) {
		const struct row *r = &d->rows[i];
		if (r->client.c.closed < r->client.c.handshakes ||
		    r->server.c.closed < r->server.c.handshakes)
			return false;
	}
	return true;
}

/* --- options --------------------------------------------------------------- */

/* --diagram's PARADIGM may come as --diagram=NAME or as the one argument
 * after the options. */
static int diagram_arg(const char *arg, struct demo_opts *o)
{
	enum pp_paradigm p;
	if (!pp_paradigm_parse(arg, &p))
		return cli_bad("pushpull demo", "--diagram takes a paradigm: rpc, short-poll, "
				"long-poll, sse or websocket");
	o->diagram_only = (int)p;
	return -1;
}

static int one_option(int c, struct demo_opts *o)
{
	const char *me = "pushpull demo";
	uint64_t v;
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
	case 'C': o->capture = false; break;
	case 'j': o->json = true; break;
	case 'd':
		o->diagram = true;
		return optarg ? diagram_arg(optarg, o) : -1;
	case 'S': o->svg_dir = optarg; break;
	case 'r': case 'l': case 'b': case 'z':
		o->lab = true;
		return pushpull_lab_option(c == 'z' ? 's' : c, optarg, "pushpull demo", &o->lab_cfg);
	case 'h': fputs(demo_usage, stdout); return 0;
	}
	return -1;
}

/* Reads the command line into 'o'.  Returns -1 to go on, or the exit
 * status (0 after --help, 2 after bad usage). */
static int demo_options(int argc, char **argv, struct demo_opts *o)
{
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 's' }, { "events", required_argument, NULL, 'e' },
		{ "interval", required_argument, NULL, 'i' }, { "poll", required_argument, NULL, 'p' },
		{ "no-keep-alive", no_argument, NULL, 'K' }, { "json", no_argument, NULL, 'j' },
		{ "diagram", optional_argument, NULL, 'd' }, { "svg", required_argument, NULL, 'S' },
		{ "no-capture", no_argument, NULL, 'C' },
		{ "rtt", required_argument, NULL, 'r' }, { "loss", required_argument, NULL, 'l' },
		{ "rate", required_argument, NULL, 'b' }, { "seed", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c, status;
	*o = (struct demo_opts){ .sc = &pp_scenarios[0], .events = 36, .interval_ms = 100,
				 .poll_ms = 500, .keep_alive = true, .capture = true,
				 .diagram_only = -1, .lab_cfg = { .seed = 1 } };
	optind = 1;
	opterr = 0;                             /* our own one-line message instead */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == '?')
			return cli_bad_option("pushpull demo", argv);
		if ((status = one_option(c, o)) >= 0)
			return status;
	}
	if (optind < argc && o->diagram && o->diagram_only < 0 && optind + 1 == argc)
		return diagram_arg(argv[optind], o);
	if (optind < argc)
		return cli_bad("pushpull demo", "unexpected argument");
	return -1;
}

/* --- setting up -------------------------------------------------------------- */

/* Row 'i': its name, ledgers and listener (every route on each). */
static bool row_server(struct demo *d, int i, const struct demo_opts *o)
{
	struct row *r = &d->rows[i];
	r->d = d;
	r->paradigm = row_specs[i].paradigm;
	r->keep_alive = i == ROW_RPC || (i != ROW_RPC_NEW && (o->keep_alive ||
				       r->paradigm == PP_SSE || r->paradigm == PP_WEBSOCKET));
	r->name = !r->keep_alive && row_specs[i].name_new_conn ? row_specs[i].name_new_conn
							      : row_specs[i].name;
	char label[NET_LABEL_MAX];
	snprintf(label, sizeof label, "%s/client", r->name);
	net_ledger_init(&r->client, label);
	snprintf(label, sizeof label, "%s/server", r->name);
	net_ledger_init(&r->server, label);
	r->client.counts_events = r->server.counts_events = true;
	struct http_server_config cfg = { .host = d->server_addr, .ledger = &r->server };
	r->srv = http_server_new(d->loop, &cfg);
	if (!r->srv || pp_hub_routes(r->srv, &d->hub) < 0) {
		fprintf(stderr, "pushpull demo: cannot listen: %s\n", strerror(errno));
		return false;
	}
	r->port = http_server_port(r->srv);
	return true;
}

/* Row 'i's own client: a scorer (rpc rows) or a receiver. */
static bool row_client(struct demo *d, int i, const struct demo_opts *o)
{
	struct row *r = &d->rows[i];
	uint16_t port = r->port;
	if (r->paradigm == PP_RPC) {
		struct http_client_config sc = { .host = d->server_addr, .port = port,
						  .keep_alive = r->keep_alive, .ledger = &r->client };
		r->scorer = http_client_new(d->loop, &sc);
	} else {
		struct pp_client_opts co = {
			.paradigm = r->paradigm, .host = d->server_addr, .port = port,
			.path = row_specs[i].path,
			.interval_ms = r->paradigm == PP_SHORT_POLL ? o->poll_ms : 200,
			.keep_alive = r->keep_alive, .ledger = &r->client,
			.on_event = on_event, .on_note = on_note, .ud = r,
		};
		r->receiver = pp_client_start(d->loop, &co);
	}
	if (!r->scorer && !r->receiver) {
		fprintf(stderr, "pushpull demo: client: %s\n", strerror(errno));
		return false;
	}
	return true;
}

/* --rtt: the lab, and this thread on its server side.  Returns -1 to go
 * on, or the exit status: 2 without root, which it needs, 1 otherwise. */
static int demo_lab(struct demo *d, const struct demo_opts *o)
{
	d->server_addr = "127.0.0.1";
	if (!o->lab)
		return -1;
	if (!(d->lab = net_lab_start(&o->lab_cfg)) || net_lab_enter(d->lab, NET_LAB_SERVER) < 0) {
		int err = errno;
		fprintf(stderr, "pushpull demo: cannot make the lab: %s%s\n", strerror(err),
			err == EPERM ? " (--rtt, --loss and --rate need root)" : "");
		return err == EPERM ? 2 : 1;
	}
	d->server_addr = NET_LAB_SERVER_ADDR;
	return -1;
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
	d->published_us = calloc((size_t)d->total + 1, sizeof *d->published_us);
	pp_config_defaults(&d->hub.cfg);
	d->hub.guard.open = true;       /* its scorer publishes from the lab's far side too */
	if (!d->loop || !d->hub.feed || !d->published_us || net_loop_stop_on_signals(d->loop) < 0) {
		fprintf(stderr, "pushpull demo: %s\n", strerror(errno));
		return false;
	}
	feed_subscribe(d->hub.feed, &d->recorder, on_feed_event);
	for (int i = 0; i < DEMO_ROWS; i++)
		if (!row_server(d, i, o))
			return false;
	/* The capture starts once every port is known and before the first
	 * packet of any row; without it, each row's syscalls are traced. */
	if (!o->capture || !demo_wire_start(d))
		for (int i = 0; i < DEMO_ROWS; i++)
			demo_trace_attach(d, &d->rows[i]);
	/* Across the lab the clients' sockets are the other side's. */
	if (d->lab && net_lab_enter(d->lab, NET_LAB_CLIENT) < 0) {
		fprintf(stderr, "pushpull demo: cannot enter the lab: %s\n", strerror(errno));
		return false;
	}
	for (int i = 0; i < DEMO_ROWS; i++)
		if (!row_client(d, i, o))
			return false;
	return true;
}

/* --- running ----------------------------------------------------------------- */

/* Frees the clients, after noting what only they counted. */
static void close_clients(struct demo *d)
{
	for (int i = 0; i < DEMO_ROWS; i++) {
		struct row *r = &d->rows[i];
		if (r->receiver) {
			r->missed = pp_client_missed(r->receiver);
			r->empty = pp_client_empty_answers(r->receiver);
		} else if (r->scorer) {
			r->missed = r->published - r->events;   /* publishes not acknowledged */
		}
		r->client.events = r->server.events = r->events;
		pp_client_free(r->receiver);
		http_client_free(r->scorer);
		r->receiver = NULL;
		r->scorer = NULL;
	}
}

/* Publishes every event, waits for every receiver to hold the last one,
 * then closes everything, clients first, and lets every close finish on
 * both sides: the kernel's counters of each connection are then in, and
 * the capture has seen each one's last packet. */
static void demo_run(struct demo *d, const struct demo_opts *o)
{
	if (!o->json) {
		printf("pushpull demo: %s -- %u events, one every %u ms; short polling every %u ms%s\n",
		       d->sc->about, d->total, d->interval_ms, (unsigned)o->poll_ms,
		       o->keep_alive ? "" : ", a new connection per poll");
		if (d->lab)
			printf("across the lab: %s (%s) <-> %s (%s), %llu ms round trip added\n",
			       NET_LAB_CLIENT_NS, NET_LAB_CLIENT_ADDR, NET_LAB_SERVER_NS,
			       NET_LAB_SERVER_ADDR, (unsigned long long)(o->lab_cfg.rtt_us / 1000));
		fflush(stdout);
	}
	if (!run_until(d, receivers_ready, 5000))
		fprintf(stderr, "pushpull demo: not every client was ready in time\n");
	net_timer_init(&d->tick, on_tick, d);
	net_timer_start(d->loop, &d->tick, 0, d->interval_ms);
	/* Across the lab a call takes up to two round trips, and the scorer
	 * waits for it before the next: the run takes longer. */
	uint64_t rtt_ms = o->lab ? o->lab_cfg.rtt_us / 1000 : 0;
	uint64_t grace = (uint64_t)d->total * (d->interval_ms + 2 * rtt_ms) + 2 * o->poll_ms +
			 10 * rtt_ms + 3000;
	if (!run_until(d, all_delivered, grace))
		fprintf(stderr, "pushpull demo: some events were not delivered in time\n");
	net_timer_stop(d->loop, &d->tick);
	close_clients(d);
	if (!net_loop_run_until(d->loop, all_closed, d, 3000 + 4 * rtt_ms))
		fprintf(stderr, "pushpull demo: not every connection closed in time\n");
	for (int i = 0; i < DEMO_ROWS; i++) {
		http_server_free(d->rows[i].srv);
		d->rows[i].srv = NULL;
	}
	pp_hub_close_websockets(&d->hub);
	net_loop_run_once(d->loop, 0);
	demo_wire_stop(d);
	if (d->lab) {
		net_lab_stop(d->lab, &d->lab_stats);
		d->lab = NULL;
		d->lab_stats_valid = true;
	}
}

static void demo_free(struct demo *d)
{
	close_clients(d);
	for (int i = 0; i < DEMO_ROWS; i++)
		http_server_free(d->rows[i].srv);
	pp_hub_close_websockets(&d->hub);
	if (d->loop)
		net_loop_run_once(d->loop, 0);
	demo_wire_stop(d);
	net_lab_stop(d->lab, NULL);
	if (d->hub.feed)
		feed_unsubscribe(d->hub.feed, &d->recorder);
	pp_hub_cleanup(&d->hub);
	feed_free(d->hub.feed);
	net_loop_free(d->loop);
	free(d->published_us);
}

/* Runs the demo and shows it; returns the exit status. */
static int demo_show(struct demo *d, const struct demo_opts *o)
{
	demo_run(d, o);
	if (o->json)
		demo_print_json(d);
	else
		demo_print_table(d, o);
	if (d->lab_stats_valid)
		pushpull_lab_print(o->json ? stderr : stdout, &o->lab_cfg, &d->lab_stats);
	bool ok = true;
	if (o->diagram || o->svg_dir)
		ok = demo_diagrams(d, o);
	if (o->svg_dir)
		ok &= demo_write_charts(d, o->svg_dir);
	return ok ? 0 : 1;
}

int pushpull_demo(int argc, char **argv)
{
	struct demo_opts o;
	int status = demo_options(argc, argv, &o);
	if (status >= 0)
		return status;
	static struct demo d;                   /* the rows' traces: not on the stack */
	memset(&d, 0, sizeof d);
	status = demo_lab(&d, &o);
	if (status < 0)
		status = demo_setup(&d, &o) ? demo_show(&d, &o) : 1;
	demo_free(&d);
	return status;
}
