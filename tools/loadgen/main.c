/* main.c -- `loadgen`: the load generator's command line, and the pieces
 * its modes share.
 *
 *   loadgen ws-echo URL --connections N --size BYTES --inflight K
 *                                 --duration SECONDS
 *   loadgen sse-fanout BASE_URL --clients N --events M
 *   loadgen idle ws|sse|lp BASE_URL --connections N [--hold SECONDS]
 *
 * Any mode: --sources S spreads the connections over the source addresses
 * 127.1.0.1 .. 127.1.x.y (loopback: all of 127.0.0.0/8 is this machine),
 * each with its own ~28,000 ephemeral ports towards the server's port;
 * a run of more than 20,000 connections does that by itself.
 *
 * Load only ever goes to 127.0.0.1: a benchmark that could be pointed at
 * another machine would be a flooding tool.  Every count and every time
 * on the command line is bounded (loadgen_private.h), and every run stops
 * by itself.
 *
 * Read next: loadgen.h, then websocket.c and sse.c.
 */
#include "loadgen.h"
#include "common/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

static const char loadgen_usage[] =
	"usage: loadgen MODE ARGS [options]\n"
	"\n"
	"Load-tests a server on 127.0.0.1 and prints one line for a person and one\n"
	"JSON line for a script.  Modes:\n"
	"\n"
	"  ws-echo URL            WebSocket connections to an echo endpoint\n"
	"                         (ws://127.0.0.1:8080/echo), each keeping --inflight\n"
	"                         binary messages in flight; counts echoes per second\n"
	"                         after a warm-up, checks every echo's length and a\n"
	"                         sample's content, and reports the client's own\n"
	"                         syscalls per message\n"
	"  sse-fanout BASE_URL    --clients event streams on BASE_URL/events, then\n"
	"                         --events events published one at a time with\n"
	"                         POST BASE_URL/publish, the next once every client has\n"
	"                         the last; reports deliveries per second and the\n"
	"                         publish-to-delivery latency (p50, p99)\n"
	"  idle ws|sse|lp BASE_URL  opens --connections idle WebSockets (BASE_URL/ws),\n"
	"                         event streams (BASE_URL/events) or held long polls\n"
	"                         (BASE_URL/score?since=LATEST&timeout=120000, asked again\n"
	"                         when answered), prints \"ready N\" once all are open,\n"
	"                         and holds them until SIGINT, SIGTERM or --hold seconds\n"
	"\n"
	"options:\n"
	"  --connections N, --clients N   how many connections (1; sse-fanout: 100)\n"
	"  --size BYTES           ws-echo message size (64, at most 1 MiB); sse-fanout\n"
	"                         event data (64, at most 64 KiB)\n"
	"  --inflight K           ws-echo: messages in flight per connection (1)\n"
	"  --duration SECONDS     ws-echo: how long to count (5)\n"
	"  --warmup SECONDS       ws-echo: how long to run before counting (1)\n"
	"  --events M             sse-fanout: events to publish (100)\n"
	"  --hold SECONDS         idle: how long to hold (0: until a signal)\n"
	"  --sources S            connect from S source addresses, 127.1.0.1 onwards,\n"
	"                         in turn (1..1000; default: none up to 20000\n"
	"                         connections, else one per 20000)\n"
	"  --server-pid PID       ws-echo, sse-fanout: read that process's CPU time\n"
	"                         and minor page faults (/proc/PID/stat) over the\n"
	"                         measured window, and report both per message or\n"
	"                         delivery\n"
	"  --help\n";

/* --- shared pieces ------------------------------------------------------ */

/* /proc/PID/stat from the field after "(comm)" on: comm may hold spaces
 * and parentheses, so the fields are read from the last ')'.  Returns
 * the text after it (in 'line'), or NULL. */
static const char *proc_stat_fields(int pid, char *line, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(line, 1, cap - 1, f);
	fclose(f);
	line[n] = '\0';
	const char *p = strrchr(line, ')');
	return p ? p + 1 : NULL;
}

int64_t loadgen_proc_cpu_us(int pid)
{
	char line[1024];
	const char *p = proc_stat_fields(pid, line, sizeof line);
	/* utime and stime are fields 14 and 15 (proc(5)): state, then ten
	 * fields, then those. */
	unsigned long long ut, st;
	long tck = sysconf(_SC_CLK_TCK);
	if (!p || tck <= 0 ||
	    sscanf(p, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &ut, &st) != 2)
		return -1;
	return (int64_t)((ut + st) * 1000000ull / (unsigned long long)tck);
}

int64_t loadgen_proc_minflt(int pid)
{
	char line[1024];
	const char *p = proc_stat_fields(pid, line, sizeof line);
	unsigned long long minflt;      /* field 10: state, then six fields, then it */
	if (!p || sscanf(p, " %*c %*d %*d %*d %*d %*d %*u %llu", &minflt) != 1)
		return -1;
	return (int64_t)minflt;
}

void loadgen_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len > 0) {
		size_t n = len < 256 ? len : 256;       /* whole and uninterrupted up to 256 */
		ssize_t r = getrandom(p, n, 0);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			fprintf(stderr, "loadgen: getrandom: %s\n", strerror(errno));
			exit(1);
		}
		p += r;
		len -= (size_t)r;
	}
}

void loadgen_dialer_pump(struct loadgen_dialer *d)
{
	while (d->started < d->total &&
	       d->started - d->ready - d->failed < d->window) {
		size_t i = d->started++;
		int err = d->open_one(d, i);
		if (err)
			loadgen_dialer_done(d, err, NULL);
	}
}

void loadgen_dialer_done(struct loadgen_dialer *d, int err, const char *why)
{
	if (err || why) {
		if (d->failed++ == 0) {
			d->first_err = err;
			d->first_why = why;
		}
	} else {
		d->ready++;
	}
	loadgen_dialer_pump(d);
}

void loadgen_source(uint64_t k, char out[16])
{
	snprintf(out, 16, "127.1.%u.%u", (unsigned)((k + 1) >> 8), (unsigned)((k + 1) & 255));
}

uint64_t loadgen_auto_sources(uint64_t connections)
{
	return connections <= LOADGEN_PER_SOURCE ? 0
		: (connections + LOADGEN_PER_SOURCE - 1) / LOADGEN_PER_SOURCE;
}

struct net_conn *loadgen_connect(struct loadgen_run *r, size_t i, const struct net_conn_ops *ops,
				 void *ud)
{
	char src[16];
	if (!r->o->sources)
		return net_connect(r->loop, r->o->host, r->o->port, ops, ud, &r->ledger);
	loadgen_source(i % r->o->sources, src);
	return net_connect_from(r->loop, src, r->o->host, r->o->port, ops, ud, &r->ledger);
}

/* --- a run ----------------------------------------------------------------- */

bool loadgen_run_init(struct loadgen_run *r, const struct loadgen_opts *o)
{
	r->o = o;
	net_ledger_init(&r->ledger, "loadgen/client");
	r->loop = net_loop_new(&r->ledger);
	if (o->port == 80)
		snprintf(r->hostport, sizeof r->hostport, "%s", o->host);
	else
		snprintf(r->hostport, sizeof r->hostport, "%s:%u", o->host, (unsigned)o->port);
	return r->loop && net_loop_stop_on_signals(r->loop) == 0;
}

void loadgen_run_loop(struct loadgen_run *r, int (*open_one)(struct loadgen_dialer *, size_t),
		    void *ud, uint64_t tick_ms, net_timer_fn *on_tick)
{
	r->dial = (struct loadgen_dialer){ .total = r->o->connections, .window = LOADGEN_WINDOW,
					 .open_one = open_one, .ud = ud };
	net_timer_init(&r->tick, on_tick, ud);
	net_timer_start(r->loop, &r->tick, tick_ms, tick_ms);
	loadgen_dialer_pump(&r->dial);
	net_loop_run(r->loop);
	net_timer_stop(r->loop, &r->tick);
}

void loadgen_run_fail(struct loadgen_run *r, const char *why)
{
	if (!r->fail)
		r->fail = why;
	r->phase = PH_DONE;
	net_loop_stop(r->loop);
}

void loadgen_run_closed(struct loadgen_run *r, bool setting_up, int err, const char *why)
{
	r->open--;
	if (setting_up) {
		loadgen_dialer_done(&r->dial, err ? err : ECONNRESET, NULL);
		return;
	}
	if (r->phase == PH_DONE)
		return;
	r->dropped++;
	if (!r->o->idle)
		loadgen_run_fail(r, why);
}

bool loadgen_run_verdict(const struct loadgen_run *r, const char *what, bool stopped_early,
		       const char *detail)
{
	if (r->dial.failed) {
		fprintf(stderr, "loadgen: %zu of %zu %s failed; the first: %s\n",
			r->dial.failed, r->dial.total, what,
			r->dial.first_why ? r->dial.first_why : strerror(r->dial.first_err));
	} else if (r->fail) {
		fprintf(stderr, "loadgen: %s%s\n", r->fail, detail ? detail : "");
	} else if (stopped_early) {
		fprintf(stderr, "loadgen: interrupted before the run ended\n");
	} else {
		return true;
	}
	return false;
}

void loadgen_run_free(struct loadgen_run *r)
{
	if (r->loop)
		net_loop_free(r->loop);
	r->loop = NULL;
}

/* --- the command line --------------------------------------------------- */

/* URL -> host, port, path; only 127.0.0.1 (or localhost) is a target. */
static bool target_parse(const char *url, struct loadgen_opts *o)
{
	if (!cli_url_parse(url, o->host, sizeof o->host, &o->port, o->path, sizeof o->path))
		return false;
	return strcmp(o->host, "127.0.0.1") == 0 || strcmp(o->host, "localhost") == 0;
}

/* A base URL's path loses its trailing '/', so "BASE/events" is one slash. */
static void base_trim(struct loadgen_opts *o)
{
	size_t n = strlen(o->path);
	while (n > 0 && o->path[n - 1] == '/')
		o->path[--n] = '\0';
}

/* Appends 'tail' to the base path.  False if it does not fit. */
static bool base_join(struct loadgen_opts *o, const char *tail)
{
	size_t n = strlen(o->path), t = strlen(tail);
	if (n + t >= sizeof o->path)
		return false;
	memcpy(o->path + n, tail, t + 1);
	return true;
}

enum { SET_CONN = 1, SET_SIZE = 2, SET_INFLIGHT = 4, SET_DURATION = 8, SET_WARMUP = 16,
       SET_EVENTS = 32, SET_HOLD = 64, SET_PID = 128, SET_SOURCES = 256 };

/* One option into 'o'; 'set' collects which were given.  Returns -1 to go
 * on, or the exit status. */
static int one_option(int c, bool sse, struct loadgen_opts *o, unsigned *set)
{
	const char *me = "loadgen";
	uint64_t v;
	switch (c) {
	case 'c':
		if (!cli_u64(optarg, 1, LOADGEN_CONN_MAX, &o->connections))
			return cli_bad(me, "--connections needs 1..100000");
		*set |= SET_CONN;
		break;
	case 's':
		if (!cli_u64(optarg, sse ? LOADGEN_SSE_SIZE_MIN : 0,
			     sse ? LOADGEN_SSE_SIZE_MAX : LOADGEN_WS_SIZE_MAX, &o->size))
			return cli_bad(me, sse ? "--size needs 11..65536 for sse-fanout"
					       : "--size needs 0..1048576");
		*set |= SET_SIZE;
		break;
	case 'k':
		if (!cli_u64(optarg, 1, LOADGEN_INFLIGHT_MAX, &o->inflight))
			return cli_bad(me, "--inflight needs 1..1024");
		*set |= SET_INFLIGHT;
		break;
	case 'd':
		if (!cli_u64(optarg, 1, LOADGEN_DURATION_MAX, &o->duration_s))
			return cli_bad(me, "--duration needs 1..3600 seconds");
		*set |= SET_DURATION;
		break;
	case 'w':
		if (!cli_u64(optarg, 0, LOADGEN_DURATION_MAX, &o->warmup_s))
			return cli_bad(me, "--warmup needs 0..3600 seconds");
		*set |= SET_WARMUP;
		break;
	case 'e':
		if (!cli_u64(optarg, 1, LOADGEN_EVENTS_MAX, &o->events))
			return cli_bad(me, "--events needs 1..1000000");
		*set |= SET_EVENTS;
		break;
	case 'o':
		if (!cli_u64(optarg, 0, LOADGEN_DURATION_MAX, &o->hold_s))
			return cli_bad(me, "--hold needs 0..3600 seconds");
		*set |= SET_HOLD;
		break;
	case 'S':
		if (!cli_u64(optarg, 1, LOADGEN_SOURCES_MAX, &o->sources))
			return cli_bad(me, "--sources needs 1..1000");
		*set |= SET_SOURCES;
		break;
	case 'P':
		if (!cli_u64(optarg, 1, 4194304, &v))
			return cli_bad(me, "--server-pid needs a process id");
		o->server_pid = (int)v;
		if (loadgen_proc_cpu_us(o->server_pid) < 0)
			return cli_bad(me, "--server-pid: no such process");
		*set |= SET_PID;
		break;
	case 'h':
		fputs(loadgen_usage, stdout);
		return 0;
	}
	return -1;
}

/* The positional arguments after the mode: the target URL, and for idle
 * the kind first.  'pos' is where getopt left them.  Returns -1 to go
 * on, or the exit status. */
static int positionals(char **pos, int npos, struct loadgen_opts *o, bool ws)
{
	const char *me = "loadgen", *url;
	if (o->idle) {
		if (npos != 2)
			return cli_bad(me, "idle wants KIND (ws, sse or lp) and BASE_URL");
		if (strcmp(pos[0], "ws") != 0 && strcmp(pos[0], "sse") != 0 &&
		    strcmp(pos[0], "lp") != 0)
			return cli_bad(me, "idle KIND is ws, sse or lp");
		o->idle_ws = strcmp(pos[0], "ws") == 0;
		o->idle_lp = strcmp(pos[0], "lp") == 0;
		url = pos[1];
	} else {
		if (npos != 1)
			return cli_bad(me, ws ? "ws-echo wants one URL" : "sse-fanout wants one BASE_URL");
		url = pos[0];
	}
	if (!target_parse(url, o))
		return cli_bad(me, "the URL must be http:// or ws:// on 127.0.0.1");
	if (!ws) {
		base_trim(o);
		if (o->idle_ws && !base_join(o, "/ws"))
			return cli_bad(me, "URL too long");
	}
	return -1;
}

/* Reads the command line into 'o'.  Returns -1 to go on, or the exit
 * status (0 after --help, 2 after bad usage). */
static int loadgen_options(int argc, char **argv, struct loadgen_opts *o)
{
	static const struct option opts[] = {
		{ "connections", required_argument, NULL, 'c' },
		{ "clients", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "inflight", required_argument, NULL, 'k' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "events", required_argument, NULL, 'e' },
		{ "hold", required_argument, NULL, 'o' },
		{ "server-pid", required_argument, NULL, 'P' },
		{ "sources", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(loadgen_usage, stdout);
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-')
		return cli_bad("loadgen", "a mode comes first: ws-echo, sse-fanout or idle");
	*o = (struct loadgen_opts){
		.mode = argv[1], .connections = 1, .size = 64, .inflight = 1,
		.duration_s = 5, .warmup_s = 1, .events = 100,
	};
	bool ws = strcmp(o->mode, "ws-echo") == 0, sse = strcmp(o->mode, "sse-fanout") == 0;
	o->idle = strcmp(o->mode, "idle") == 0;
	if (!ws && !sse && !o->idle)
		return cli_bad("loadgen", "unknown mode (ws-echo, sse-fanout or idle)");
	if (sse)
		o->connections = 100;
	unsigned set = 0;
	int c, status;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (c == '?')
			return cli_bad_option("loadgen", argv + 1);
		if ((status = one_option(c, sse, o, &set)) >= 0)
			return status;
	}
	unsigned allowed = SET_SOURCES | (ws ? SET_CONN | SET_SIZE | SET_INFLIGHT | SET_DURATION | SET_WARMUP | SET_PID
		: sse ? SET_CONN | SET_SIZE | SET_EVENTS | SET_PID : SET_CONN | SET_HOLD);
	if (set & ~allowed)
		return cli_bad("loadgen", "an option that does not apply to this mode");
	if (!(set & SET_SOURCES))
		o->sources = loadgen_auto_sources(o->connections);
	/* The positional arguments (getopt moved them to the end). */
	return positionals(argv + 1 + optind, argc - 1 - optind, o, ws);
}

/* Enough ephemeral ports for the connections of each source address
 * (net.ipv4.ip_local_port_range, towards one server port), and enough
 * descriptors; otherwise says what to raise.  True when the run can go. */
static bool capacity(const struct loadgen_opts *o)
{
	uint64_t lo, hi, per = o->sources ? (o->connections + o->sources - 1) / o->sources
					  : o->connections;
	if (cli_sysctl_u64("net.ipv4.ip_local_port_range", 0, &lo) &&
	    cli_sysctl_u64("net.ipv4.ip_local_port_range", 1, &hi) && hi >= lo &&
	    per + 1 > hi - lo + 1) {
		fprintf(stderr, "loadgen: %llu connections from each source address, and "
			"net.ipv4.ip_local_port_range has %llu ports: use more --sources, or "
			"widen the range (sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\")\n",
			(unsigned long long)per, (unsigned long long)(hi - lo + 1));
		return false;
	}
	uint64_t limit = cli_raise_nofile(o->connections + 64);
	if (o->connections + 64 > limit) {
		cli_nofile_advice("loadgen", o->connections + 64, limit);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct loadgen_opts o;
	int status = loadgen_options(argc, argv, &o);
	if (status >= 0)
		return status;
	if (!capacity(&o))
		return 1;
	if (o.idle_lp)
		return loadgen_lp_run(&o);
	if (strcmp(o.mode, "ws-echo") == 0 || o.idle_ws)
		return loadgen_ws_run(&o);
	return loadgen_sse_run(&o);
}
