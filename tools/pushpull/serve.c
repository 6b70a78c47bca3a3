/* serve.c -- `pushpull serve`: every paradigm's endpoint on one port.
 *
 *   GET  /score                 request-response and short polling
 *   GET  /score?since=ID        long polling
 *   POST /publish               publish an event (request-response)
 *   GET  /events                Server-Sent Events
 *   GET  /ws                    WebSocket: events pushed, messages published
 *   GET  /echo                  WebSocket echo (for conformance suites)
 *   GET  /                      the browser page: every paradigm live
 *   GET  /ledger, /metrics      the ledgers now, as JSON and for Prometheus
 *   GET  /ladder/NAME.svg       a paradigm's first packets (--capture)
 *
 * All share one feed; with --journal it survives a restart (journal.h);
 * with --redis it is shared by every server pointed at the same Redis
 * (redis_feed.h).
 * Each connection's costs land in the ledger of the
 * paradigm its request turned out to be (a connection that never sent a
 * complete request stays under "unrouted"); on SIGINT or SIGTERM the
 * server closes every connection, so the kernel's TCP_INFO counters are
 * in, and prints the table.
 *
 * Read next: src/paradigms/page.h, what a browser is served.
 */
#include "pushpull.h"
#include "serve.h"
#include "common/cli.h"
#include "paradigms/bus.h"
#include "paradigms/hub.h"
#include "paradigms/journal.h"
#include "paradigms/page.h"
#include "paradigms/redis_feed.h"
#include "http/http_server.h"
#include "net/limits.h"
#include "net/loop.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SERVE_ORIGINS_MAX 16

/* The limits' defaults (README, "Running it for real"). */
#define SERVE_MAX_CONNS       10000
#define SERVE_MAX_PER_ADDR    1000
#define SERVE_MAX_BUFFERED    ((size_t)64 << 20)
#define SERVE_FD_RESERVE      32        /* descriptors kept for files, the journal... */

static const char serve_usage[] =
	"usage: pushpull serve [--host ADDR] [--port N] [options]\n"
	"\n"
	"Serves one feed of events through every paradigm:\n"
	"  GET  /score              the current state (request-response, short polling)\n"
	"  GET  /score?since=ID[&timeout=MS]  long polling (ID: an event id, or a number)\n"
	"  POST /publish[?type=T]   publish the body (UTF-8) as an event\n"
	"  GET  /events             Server-Sent Events (Last-Event-ID resumes)\n"
	"  GET  /ws                 WebSocket: events pushed, text messages published\n"
	"  GET  /echo               WebSocket echo\n"
	"  GET  /                   a page with every paradigm live in the browser\n"
	"  GET  /ledger, /metrics   the ledgers now (JSON; Prometheus text format)\n"
	"  GET  /ladder/NAME.svg    NAME's first packets as a ladder (with --capture)\n"
	"On SIGINT or SIGTERM it prints each paradigm's cost ledger and exits.\n"
	"\n"
	"options:\n"
	"  --host ADDR          address to listen on (default 127.0.0.1): IPv4, IPv6\n"
	"                       (::1, ::), or * for every address of both families\n"
	"  --port N             port, 0 for any free one (default 8080)\n"
	"  --lp-timeout MS      long-poll hold time when the client names none (30000)\n"
	"  --heartbeat MS       SSE heartbeat interval (15000)\n"
	"  --retry MS           SSE reconnection time advertised (2000)\n"
	"  --ping MS            WebSocket ping interval (30000)\n"
	"  --journal FILE       keep every published event in FILE (created if missing)\n"
	"                       and replay it at start: ids go on across a restart\n"
	"  --fsync MODE         when the journal reaches the disk: always (before each\n"
	"                       publish is answered), batch (within 50 ms; the default),\n"
	"                       never (when the kernel likes)\n"
	"  --redis HOST:PORT    share the feed with every server pointed at this Redis:\n"
	"                       ids mean the same event on each, and the history lives\n"
	"                       in Redis (not with --journal).  Unreachable at start:\n"
	"                       exit 1; lost later: publishes answer 503 until it is back\n"
	"  --capture            count the packets of each paradigm from the wire too\n"
	"                       (needs root or CAP_NET_RAW)\n"
	"  --json               print the ledger as JSON\n"
	"  --publish-token-file FILE  publishing needs the token in FILE (or in the\n"
	"                       environment variable " SERVE_TOKEN_ENV "): Authorization:\n"
	"                       Bearer TOKEN, or the WebSocket subprotocol pushpull.token.TOKEN.\n"
	"                       Without one, only clients on this machine may publish\n"
	"  --allow-origin URL   pages of this origin (http://host[:port]) may use the\n"
	"                       server from a browser, besides its own page; repeatable\n"
	"limits (0: none):\n"
	"  --max-connections N  connections open at once (10000, and no more than the\n"
	"                       descriptor limit allows; 0: as many as it allows);\n"
	"                       more are answered 503\n"
	"  --max-per-address N  of those, from one client address (1000); behind a\n"
	"                       reverse proxy every client has the proxy's address\n"
	"  --max-buffered SIZE  memory held for connections in all: unsent output,\n"
	"                       half-received messages (64M; K, M and G suffixes);\n"
	"                       over it the connection holding most is dropped\n"
	"  --ws-message-timeout MS  a WebSocket message must end this long after its\n"
	"                       first byte (30000), or the connection closes with 1008\n"
	"  --log-level LEVEL    error, warn, info (the default) or debug: one line on\n"
	"                       stderr per notable event, rate-limited\n"
	"  --workers N          N threads, each with its own loop and listener on the\n"
	"                       port, one feed for all (1; auto: one per core); the\n"
	"                       limits above are shared out among them. Not with\n"
	"                       --journal, --capture or --redis\n"
	"  --help\n";

struct serve_opts {
	const char *host;
	uint16_t port;
	bool json, capture;
	const char *journal;            /* --journal FILE, or NULL */
	char redis_host[64];            /* --redis HOST:PORT; "" without */
	uint16_t redis_port;
	enum journal_fsync fsync;
	struct pp_config cfg;
	const char *token_file;         /* --publish-token-file */
	const char *origins[SERVE_ORIGINS_MAX];         /* --allow-origin */
	size_t norigins;
	struct net_limits limits;
	enum log_level log_level;
	unsigned workers;               /* --workers: 1, or threads with a loop each */
};

/* "128M" -> bytes: a number with an optional K, M or G (powers of 1024). */
static bool size_arg(const char *s, size_t *out)
{
	char num[32];
	size_t n = strlen(s), shift = 0;
	if (n == 0 || n >= sizeof num)
		return false;
	char last = s[n - 1];
	shift = last == 'K' || last == 'k' ? 10 : last == 'M' || last == 'm' ? 20
	      : last == 'G' || last == 'g' ? 30 : 0;
	memcpy(num, s, n + 1);
	if (shift)
		num[n - 1] = '\0';
	uint64_t v;
	if (!cli_u64(num, 0, (uint64_t)1 << 40, &v) || v > (SIZE_MAX >> shift))
		return false;
	*out = (size_t)(v << shift);
	return true;
}

/* "HOST:PORT", "[V6]:PORT" -> o->redis_host, o->redis_port. */
static bool redis_arg(const char *s, struct serve_opts *o)
{
	const char *colon = strrchr(s, ':');
	uint64_t port;
	if (!colon || !cli_u64(colon + 1, 1, 65535, &port))
		return false;
	size_t n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof o->redis_host)
		return false;
	memcpy(o->redis_host, s, n);
	o->redis_host[n] = '\0';
	o->redis_port = (uint16_t)port;
	return net_host_valid(o->redis_host) && strcmp(o->redis_host, "*") != 0;
}

static const struct option serve_long_opts[] = {
	{ "host", required_argument, NULL, 'H' }, { "port", required_argument, NULL, 'p' },
	{ "lp-timeout", required_argument, NULL, 'l' },
	{ "heartbeat", required_argument, NULL, 'b' }, { "retry", required_argument, NULL, 'r' },
	{ "ping", required_argument, NULL, 'g' }, { "json", no_argument, NULL, 'j' },
	{ "capture", no_argument, NULL, 'c' },
	{ "journal", required_argument, NULL, 'J' }, { "fsync", required_argument, NULL, 'F' },
	{ "publish-token-file", required_argument, NULL, 'T' },
	{ "allow-origin", required_argument, NULL, 'O' },
	{ "max-connections", required_argument, NULL, 'C' },
	{ "max-per-address", required_argument, NULL, 'A' },
	{ "max-buffered", required_argument, NULL, 'B' },
	{ "ws-message-timeout", required_argument, NULL, 'W' },
	{ "log-level", required_argument, NULL, 'L' },
	{ "workers", required_argument, NULL, 'w' },
	{ "redis", required_argument, NULL, 'R' },
	{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
};

/* The options that size the server: limits, times, workers, the log.
 * Returns -1 to go on, 2 after bad usage, or 1 when 'c' is not one of
 * them. */
static int serve_sizing_option(int c, const char *arg, struct serve_opts *o)
{
	uint64_t v;
	switch (c) {
	case 'C': case 'A':
		if (!cli_u64(arg, 0, 10000000, &v))
			return cli_bad("pushpull serve", "a connection limit needs 0..10000000");
		if (c == 'C') o->limits.max_conns = (uint32_t)v;
		if (c == 'A') o->limits.max_per_addr = (uint32_t)v;
		return -1;
	case 'B':
		if (!size_arg(arg, &o->limits.max_held))
			return cli_bad("pushpull serve", "--max-buffered needs bytes, with K, M "
				       "or G if you like (64M)");
		return -1;
	case 'w':
		if (strcmp(arg, "auto") == 0) {
			long cores = sysconf(_SC_NPROCESSORS_ONLN);
			v = cores < 1 ? 1 : cores > PP_BUS_WORKERS_MAX ? PP_BUS_WORKERS_MAX
				      : (uint64_t)cores;
		} else if (!cli_u64(arg, 1, PP_BUS_WORKERS_MAX, &v)) {
			return cli_bad("pushpull serve", "--workers needs 1..64, or auto");
		}
		o->workers = (unsigned)v;
		return -1;
	case 'L':
		if (!log_level_parse(arg, &o->log_level))
			return cli_bad("pushpull serve", "--log-level is error, warn, info or debug");
		return -1;
	case 'l': case 'b': case 'r': case 'g': case 'W':
		if (!cli_u64(arg, 1, 3600000, &v))
			return cli_bad("pushpull serve", "a time needs 1..3600000 milliseconds");
		if (c == 'W') o->cfg.ws_message_timeout_ms = (uint32_t)v;
		if (c == 'l') o->cfg.lp_timeout_ms = (uint32_t)v;
		if (c == 'b') o->cfg.sse_heartbeat_ms = (uint32_t)v;
		if (c == 'r') o->cfg.sse_retry_ms = (uint32_t)v;
		if (c == 'g') o->cfg.ws_ping_ms = (uint32_t)v;
		return -1;
	}
	return 1;
}

/* The other options: where to listen, what to keep, who may publish.
 * Returns -1 to go on, or the exit status. */
static int serve_option(int c, char *arg, struct serve_opts *o, uint64_t *port, char **argv)
{
	switch (c) {
	case 'H':
		if (!net_host_valid(arg))
			return cli_bad("pushpull serve", "--host needs an IPv4 or IPv6 address, "
				       "localhost or *");
		o->host = arg;
		return -1;
	case 'p':
		if (!cli_u64(arg, 0, 65535, port))
			return cli_bad("pushpull serve", "--port needs 0..65535");
		return -1;
	case 'j': o->json = true; return -1;
	case 'c': o->capture = true; return -1;
	case 'J': o->journal = arg; return -1;
	case 'R':
		if (!redis_arg(arg, o))
			return cli_bad("pushpull serve", "--redis needs HOST:PORT (an IPv4 address, "
				       "localhost or [IPv6], and 1..65535)");
		return -1;
	case 'F':
		if (!journal_fsync_parse(arg, &o->fsync))
			return cli_bad("pushpull serve", "--fsync is always, batch or never");
		return -1;
	case 'T': o->token_file = arg; return -1;
	case 'O':
		if (!serve_origin_valid(arg))
			return cli_bad("pushpull serve", "--allow-origin needs http://host[:port] "
				       "or https://host[:port], no path");
		if (o->norigins == SERVE_ORIGINS_MAX)
			return cli_bad("pushpull serve", "too many --allow-origin");
		o->origins[o->norigins++] = arg;
		return -1;
	case 'h': fputs(serve_usage, stdout); return 0;
	}
	return cli_bad_option("pushpull serve", argv);
}

/* Options that do not go together.  -1, or 2 after saying why. */
static int serve_options_agree(const struct serve_opts *o)
{
	if (o->workers > 1 && (o->journal || o->capture))
		return cli_bad("pushpull serve", "--workers above 1 goes with neither --journal "
			       "nor --capture (each belongs to one loop)");
	if (o->journal && o->redis_host[0])
		return cli_bad("pushpull serve", "--redis and --journal do not go together: with "
			       "--redis the history lives in Redis, shared by every server");
	if (o->workers > 1 && o->redis_host[0])
		return cli_bad("pushpull serve", "--workers above 1 does not go with --redis yet: "
			       "run one server per core, each with --redis");
	return -1;
}

/* Reads the command line into 'o'.  Returns -1 to go on, or the exit
 * status (0 after --help, 2 after bad usage). */
static int serve_options(int argc, char **argv, struct serve_opts *o)
{
	uint64_t port = 8080;
	int c, status;
	*o = (struct serve_opts){ .host = "127.0.0.1", .log_level = LOG_INFO, .workers = 1,
				  .limits = { SERVE_MAX_CONNS, SERVE_MAX_PER_ADDR,
					      SERVE_MAX_BUFFERED } };
	optind = 1;
	opterr = 0;                             /* our own one-line message instead */
	while ((c = getopt_long(argc, argv, "", serve_long_opts, NULL)) != -1) {
		status = serve_sizing_option(c, optarg, o);
		if (status == 1)
			status = serve_option(c, optarg, o, &port, argv);
		if (status >= 0)
			return status;
	}
	if (optind < argc)
		return cli_bad("pushpull serve", "unexpected argument");
	if ((status = serve_options_agree(o)) >= 0)
		return status;
	o->port = (uint16_t)port;
	pp_config_defaults(&o->cfg);
	return -1;
}

struct server {
	struct pp_hub hub;
	struct http_server *srv;
	struct net_ledger unrouted, loop_ledger, ledgers[PP_PARADIGMS];
	struct serve_wire wire;         /* --capture */
	struct journal *journal;        /* --journal */
	struct redis_feed *redis;       /* --redis */
	struct net_ledger redis_ledger;
	struct pp_page page;            /* GET /, /ledger, /metrics, /ladder */
	struct serve_token token;
	/* --workers above 1: this worker's place, and its ledgers put on the
	 * bus for the others' pages every PP_BUS_SNAPSHOT_MS. */
	unsigned index;
	struct pp_bus *bus;
	struct net_timer snap;
	struct net_ledger snap_copy[PP_PAGE_LEDGERS];
	struct net_gauges snap_gauges[PP_PAGE_LEDGERS];
	struct pp_page_refusals snap_refusals;
	pthread_t thread;
};

/* Says what the journal held and what became of it: the events replayed,
 * a tail cut, a corrupt record, and whether the epoch goes on. */
static void journal_say(const char *path, const struct journal_report *r)
{
	const struct journal_scan *sc = &r->scan;
	char epoch[FEED_ID_MAX];
	snprintf(epoch, sizeof epoch, "%012llx", (unsigned long long)r->epoch);
	fprintf(stderr, "pushpull serve: journal %s: %s", path, journal_status_name(sc->status));
	if (sc->status == JOURNAL_TORN || sc->status == JOURNAL_CORRUPT)
		fprintf(stderr, " (%s; %zu bytes cut%s)", sc->why, r->cut_bytes,
			sc->status == JOURNAL_CORRUPT ? ", the file kept as .corrupt" : "");
	fprintf(stderr, ", %llu events replayed", (unsigned long long)sc->records);
	if (sc->records)
		fprintf(stderr, " (%llu..%llu)", (unsigned long long)sc->first_seq,
			(unsigned long long)sc->last_seq);
	if (!r->new_epoch)
		fprintf(stderr, ", epoch %s goes on\n", epoch);
	else if (sc->status == JOURNAL_EMPTY)
		fprintf(stderr, ", epoch %s begins\n", epoch);
	else
		fprintf(stderr, "; continuity broken%s: new epoch %s, a client that resumes "
			"is told of the gap\n",
			r->rebooted ? " (the machine restarted and the tail may not have reached "
			"the disk)" : "", epoch);
}

/* --journal: the feed's events back from FILE, and every new one kept
 * there.  Without it, a fresh epoch.  False after saying why. */
static bool serve_journal(struct server *s, const struct serve_opts *o)
{
	if (!o->journal) {
		fprintf(stderr, "pushpull serve: epoch %012llx (no journal: a restart begins "
			"another)\n", (unsigned long long)feed_epoch(s->hub.feed));
		return true;
	}
	struct journal_report rep;
	s->journal = journal_open(s->hub.loop, o->journal, o->fsync, s->hub.feed, &rep);
	if (!s->journal) {
		fprintf(stderr, "pushpull serve: --journal %s: %s\n", o->journal,
			rep.scan.why[0] ? rep.scan.why : strerror(errno));
		return false;
	}
	journal_say(o->journal, &rep);
	return true;
}

/* --redis: connects, agrees on the epoch and reads the history, at most
 * SERVE_REDIS_START_MS.  False after saying why. */
#define SERVE_REDIS_START_MS 5000

static bool redis_started(void *arg)
{
	struct server *s = arg;
	return redis_feed_ready(s->redis) || redis_feed_start_error(s->redis) ||
	       net_loop_stopped(s->hub.loop);
}

static bool serve_redis(struct server *s, const struct serve_opts *o)
{
	net_ledger_init(&s->redis_ledger, "redis");
	s->redis = redis_feed_new(&s->hub, o->redis_host, o->redis_port, &s->redis_ledger);
	if (!s->redis) {
		fprintf(stderr, "pushpull serve: cannot start: %s\n", strerror(errno));
		return false;
	}
	net_loop_run_until(s->hub.loop, redis_started, s, SERVE_REDIS_START_MS);
	if (!redis_feed_ready(s->redis)) {
		const char *why = redis_feed_start_error(s->redis);
		fprintf(stderr, "pushpull serve: --redis %s:%u: %s\n", o->redis_host,
			(unsigned)o->redis_port, why ? why : "no answer from Redis in time");
		return false;
	}
	struct feed *f = s->hub.feed;
	fprintf(stderr, "pushpull serve: --redis %s:%u: epoch %012llx, shared; %llu events in "
		"its history", o->redis_host, (unsigned)o->redis_port,
		(unsigned long long)feed_epoch(f),
		(unsigned long long)(feed_latest(f) + 1 - feed_oldest(f)));
	if (feed_latest(f))
		fprintf(stderr, " (%llu..%llu)", (unsigned long long)feed_oldest(f),
			(unsigned long long)feed_latest(f));
	fputc('\n', stderr);
	return true;
}

/* The page's view of the server: every ledger, in the order the table at
 * exit prints them, the page's own before the loop's.  Each server
 * ledger counts the events its paradigm delivered. */
static void serve_page(struct server *s)
{
	pp_page_init(&s->page, &s->hub, s->srv);
	pp_page_show(&s->page, &s->unrouted);
	for (int p = 0; p < PP_PARADIGMS; p++)
		if (s->hub.ledger[p]) {
			s->hub.ledger[p]->counts_events = true;
			pp_page_show(&s->page, s->hub.ledger[p]);
		}
	pp_page_show(&s->page, &s->page.own);
	pp_page_show(&s->page, &s->loop_ledger);
}

/* The limits (net/limits.h).  A connection limit the descriptor limit
 * cannot honour is lowered to what it can, and said: past it accept
 * would fail with EMFILE, and the client would wait in the backlog
 * instead of being told 503.  --max-connections 0 is as many as the
 * descriptor limit allows, once raised as far as it goes. */
static void serve_limits(struct serve_opts *o, uint64_t nofile)
{
	struct net_limits *l = &o->limits;
	uint64_t room = nofile > SERVE_FD_RESERVE ? nofile - SERVE_FD_RESERVE : 1;
	if (l->max_conns == 0) {
		log_say(LOG_INFO, LOG_SERVER, "the descriptor limit is %llu: up to %llu "
			"connections", (unsigned long long)nofile, (unsigned long long)room);
	} else if (l->max_conns > room) {
		log_say(LOG_WARN, LOG_SERVER, "the descriptor limit is %llu: at most %llu "
			"connections, not %u", (unsigned long long)nofile,
			(unsigned long long)room, (unsigned)l->max_conns);
		cli_nofile_advice("pushpull serve", (uint64_t)l->max_conns + SERVE_FD_RESERVE,
				  nofile);
	}
	if (l->max_conns == 0 || l->max_conns > room)
		l->max_conns = (uint32_t)(room < UINT32_MAX ? room : UINT32_MAX);
}

/* One worker's share of a limit: each loop counts its own connections
 * and memory, so N workers hold at most N shares -- the limit, rounded
 * up.  (Connections from one address are spread over the workers by the
 * kernel's hash, so a client may meet its share on one worker first.) */
static uint64_t share(uint64_t limit, unsigned workers)
{
	return limit ? (limit + workers - 1) / workers : 0;
}

static bool serve_loop_limits(struct server *s, const struct serve_opts *o)
{
	struct net_limits l = {
		.max_conns = (uint32_t)share(o->limits.max_conns, o->workers),
		.max_per_addr = (uint32_t)share(o->limits.max_per_addr, o->workers),
		.max_held = (size_t)share(o->limits.max_held, o->workers),
	};
	if (net_loop_set_limits(s->hub.loop, &l) < 0) {
		fprintf(stderr, "pushpull serve: cannot start: %s\n", strerror(errno));
		return false;
	}
	return true;
}

/* --workers: this worker's ledgers onto the bus, for the other pages. */
static void serve_snap(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct server *s = ud;
	size_t n = pp_page_snapshot(&s->page, s->snap_copy, s->snap_gauges, &s->snap_refusals);
	pp_bus_put_ledgers(s->bus, s->index, s->snap_copy, s->snap_gauges, n, &s->snap_refusals);
}

/* --workers: the other workers' ledgers, added to this page's. */
static void serve_add_others(void *ud, struct net_ledger *copy, struct net_gauges *g, size_t n,
			     struct pp_page_refusals *r)
{
	struct server *s = ud;
	pp_bus_add_ledgers(s->bus, s->index, copy, g, n, r);
}

/* Worker 's''s page shows the whole server: its own ledgers and the
 * others' (bus.h). */
static void serve_page_shared(struct server *s)
{
	s->page.add_others = serve_add_others;
	s->page.add_others_ud = s;
	net_timer_init(&s->snap, serve_snap, s);
	net_timer_start(s->hub.loop, &s->snap, PP_BUS_SNAPSHOT_MS, PP_BUS_SNAPSHOT_MS);
}

/* A loop, a feed, a ledger per paradigm and a listener with every
 * route.  Returns false after saying why. */
static bool serve_setup(struct server *s, struct serve_opts *o, uint16_t port)
{
	net_ledger_init(&s->unrouted, "unrouted");
	s->hub.cfg = o->cfg;
	for (int p = 0; p < PP_PARADIGMS; p++) {
		char label[NET_LABEL_MAX];
		snprintf(label, sizeof label, "%s/server", pp_paradigm_name((enum pp_paradigm)p));
		net_ledger_init(&s->ledgers[p], label);
		s->hub.ledger[p] = &s->ledgers[p];
	}
	s->hub.ledger[PP_SHORT_POLL] = NULL;    /* the server cannot tell it from rpc */
	net_ledger_init(&s->loop_ledger, "loop");
	s->hub.loop = net_loop_new(&s->loop_ledger);
	s->hub.feed = feed_new(0, 0);
	/* Worker 0 hears the signals; threads started later inherit them
	 * blocked, so the others never do. */
	if (!s->hub.loop || !s->hub.feed ||
	    (s->index == 0 && net_loop_stop_on_signals(s->hub.loop) < 0)) {
		fprintf(stderr, "pushpull serve: cannot start: %s\n", strerror(errno));
		return false;
	}
	/* With workers, its feed is one of the bus's copies, in the bus's
	 * epoch, and its publishes go through the bus. */
	if (s->bus && pp_bus_join(s->bus, s->index, &s->hub) < 0) {
		fprintf(stderr, "pushpull serve: worker %u: %s\n", s->index, strerror(errno));
		return false;
	}
	if (!serve_loop_limits(s, o) ||
	    (o->redis_host[0] ? !serve_redis(s, o) : s->index == 0 && !serve_journal(s, o)) ||
	    !serve_token_load(o->token_file, &s->token))
		return false;
	if (s->token.len && s->index == 0) {
		s->hub.guard.token = s->token.buf;
		s->hub.guard.token_len = s->token.len;
		fprintf(stderr, "pushpull serve: publishing needs the token from %s\n", s->token.from);
	}
	s->hub.guard.origins = o->origins;
	s->hub.guard.norigins = o->norigins;
	struct http_server_config scfg = { .host = o->host, .port = port,
					   .ledger = &s->unrouted, .shared_port = o->workers > 1 };
	s->srv = http_server_new(s->hub.loop, &scfg);
	if (!s->srv) {
		fprintf(stderr, "pushpull serve: cannot listen on %s:%u: %s\n", o->host,
			(unsigned)port, strerror(errno));
		return false;
	}
	serve_page(s);
	if (s->bus)
		serve_page_shared(s);
	if (pp_hub_routes(s->srv, &s->hub) < 0 || pp_page_routes(s->srv, &s->page) < 0) {
		fprintf(stderr, "pushpull serve: too many routes\n");
		return false;
	}
	if (o->capture && !serve_wire_start(&s->wire, &s->hub, o->host, http_server_port(s->srv))) {
		fprintf(stderr, "pushpull serve: --capture: %s (a capture needs root or "
			"CAP_NET_RAW)\n", strerror(errno));
		return false;
	}
	if (o->capture) {
		s->page.ladder_svg = serve_wire_ladder;
		s->page.ladder_ud = &s->wire;
		s->page.on_charge = serve_wire_page;
		s->page.on_charge_ud = &s->wire;
	}
	return true;
}

/* Closes every connection of every worker, so that the kernel's
 * TCP_INFO counters of each are in, and prints the ledgers, each row the
 * sum of the workers' (every thread has stopped). */
static void serve_report(struct server *servers, const struct serve_opts *o)
{
	for (unsigned i = 0; i < o->workers; i++) {
		struct server *s = &servers[i];
		net_timer_stop(s->hub.loop, &s->snap);
		http_server_free(s->srv);
		s->srv = s->page.srv = NULL;
		pp_hub_close_websockets(&s->hub);
		net_loop_run_once(s->hub.loop, 0);      /* the deferred frees */
	}
	struct server *s = &servers[0];
	size_t n = s->page.n;
	char each[PP_BUS_WORKERS_MAX * 22] = "";
	for (unsigned i = 0, at = 0; i < o->workers && at < sizeof each; i++) {
		uint64_t accepted = 0;          /* how the kernel spread the connections */
		for (size_t j = 0; j < n; j++)
			accepted += servers[i].page.ledgers[j]->c.handshakes;
		at += (unsigned)snprintf(each + at, sizeof each - at, "%s%llu", i ? ", " : "",
					 (unsigned long long)accepted);
	}
	struct net_ledger *table[PP_PAGE_LEDGERS];
	for (size_t j = 0; j < n; j++) {
		table[j] = s->page.ledgers[j];
		for (unsigned i = 1; i < o->workers; i++)
			net_ledger_add(table[j], servers[i].page.ledgers[j]);
	}
	printf("\nserver costs, per paradigm (epoll_wait is the loop's; wake-ups are events\n"
	       "dispatched to each paradigm's connections)\n");
	if (o->workers > 1)
		printf("(%u workers, each row the sum of theirs; connections each accepted: %s)\n",
		       o->workers, each);
	if (o->json)
		net_ledger_print_json(stdout, table, n);
	else
		net_ledger_print_table(stdout, table, n);
	if (o->capture)
		serve_wire_report(&s->wire, &s->hub, o->json);
	if (s->redis) {
		struct redis_feed_stats st;
		redis_feed_stats(s->redis, &st);
		fprintf(stderr, "pushpull serve: redis: %llu published here, %llu refused, %llu "
			"events read, %llu new epochs met; %llu commands in %llu round trips\n",
			(unsigned long long)st.published, (unsigned long long)st.refused,
			(unsigned long long)st.read, (unsigned long long)st.restarts,
			(unsigned long long)st.commands, (unsigned long long)st.round_trips);
	}
}

static void serve_free(struct server *s)
{
	http_server_free(s->srv);
	serve_wire_free(&s->wire);
	journal_close(s->journal);              /* synced, and marked closed cleanly */
	redis_feed_free(s->redis);
	pp_hub_cleanup(&s->hub);
	feed_free(s->hub.feed);
	net_loop_free(s->hub.loop);
}

static void *worker_main(void *arg)
{
	struct server *s = arg;
	net_loop_run(s->hub.loop);
	return NULL;
}

/* Every worker set up: worker 0 first, on the port asked for; the others
 * on the port it got.  False after saying why. */
static bool serve_setup_all(struct server *servers, struct serve_opts *o, struct pp_bus *bus)
{
	uint16_t port = o->port;
	for (unsigned i = 0; i < o->workers; i++) {
		servers[i].index = i;
		servers[i].bus = bus;
		if (!serve_setup(&servers[i], o, port))
			return false;
		port = http_server_port(servers[0].srv);
	}
	return true;
}

/* Runs the workers: 1..N-1 on threads of their own, 0 on this one, until
 * a signal stops worker 0; then the others are stopped and joined. */
static void serve_run(struct server *servers, const struct serve_opts *o, struct pp_bus *bus)
{
	unsigned started = 1;
	for (; started < o->workers; started++)
		if (pthread_create(&servers[started].thread, NULL, worker_main,
				   &servers[started]) != 0) {
			log_say(LOG_ERROR, LOG_SERVER, "cannot start worker %u: running %u", started,
				started);
			break;
		}
	net_loop_run(servers[0].hub.loop);
	if (bus)
		pp_bus_stop_all(bus);
	for (unsigned i = 1; i < started; i++)
		pthread_join(servers[i].thread, NULL);
}

int pushpull_serve(int argc, char **argv)
{
	struct serve_opts o;
	int status = serve_options(argc, argv, &o);
	if (status >= 0)
		return status;
	log_set_level(o.log_level);
	/* Room for --max-connections (0: as many as may be had). */
	uint64_t nofile = cli_raise_nofile(o.limits.max_conns ?
					   (uint64_t)o.limits.max_conns + SERVE_FD_RESERVE : 0);
	serve_limits(&o, nofile);
	struct server *servers = calloc(o.workers, sizeof *servers);
	struct pp_bus *bus = o.workers > 1 ? pp_bus_new(o.workers, feed_random_epoch()) : NULL;
	if (!servers || (o.workers > 1 && !bus)) {
		fprintf(stderr, "pushpull serve: cannot start: %s\n", strerror(errno));
		free(servers);
		return 1;
	}
	if (serve_setup_all(servers, &o, bus)) {
		/* An IPv6 address goes in brackets in a URL; "*" is every
		 * address of both families, "[::]" to a browser. */
		bool v6 = strchr(o.host, ':') && o.host[0] != '[';
		char url[INET6_ADDRSTRLEN + 16];
		snprintf(url, sizeof url, "http://%s%s%s:%u", v6 ? "[" : "",
			 strcmp(o.host, "*") == 0 ? "[::]" : o.host, v6 ? "]" : "",
			 (unsigned)http_server_port(servers[0].srv));
		printf("pushpull serving on %s%s\n", url,
		       strcmp(o.host, "*") == 0 ? " (IPv6 and IPv4)" : "");
		fflush(stdout);
		log_say(LOG_INFO, LOG_SERVER, "listening on %s: up to %u connections, %u per "
			"address, %zu bytes held for them; %u worker%s", url,
			(unsigned)o.limits.max_conns, (unsigned)o.limits.max_per_addr,
			o.limits.max_held, o.workers, o.workers == 1 ? "" : "s");
		serve_run(servers, &o, bus);
		serve_report(servers, &o);
		status = 0;
	} else {
		status = 1;
	}
	pp_bus_free(bus);                       /* before the loops it watches */
	for (unsigned i = 0; i < o.workers; i++)
		serve_free(&servers[i]);
	free(servers);
	return status;
}
