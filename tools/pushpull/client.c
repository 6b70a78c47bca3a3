/* client.c -- `pushpull client KIND URL`: one client of one paradigm.
 *
 * Prints every event it receives as one JSON line on stdout, notes
 * (errors, reconnects, gaps) on stderr, and at exit -- after --count
 * events, when it gives up, or on SIGINT/SIGTERM -- its cost ledger on
 * stderr, and, if it gave up, why, as the last line.  The ws client also
 * sends every line typed on stdin as a message (which the server
 * publishes to every client of every paradigm).  The exit status tells a
 * script how it ended: client_usage lists them.
 */
#include "pushpull.h"
#include "common/cli.h"
#include "paradigms/client.h"
#include "paradigms/feed.h"
#include "http/http_target.h"
#include "net/loop.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char client_usage[] =
	"usage: pushpull client KIND URL [options]\n"
	"\n"
	"KIND is a paradigm (short, long and ws are accepted for the longer names):\n"
	"  rpc         request-response: --count requests (default 1), each answer printed\n"
	"  short-poll  short polling: GET URL every --interval ms, new states printed\n"
	"  long-poll   long polling: GET URL?since=ID, again as soon as it answers\n"
	"  sse         Server-Sent Events: reconnects with Last-Event-ID when dropped\n"
	"  websocket   WebSocket: events printed, other messages as {\"data\":...};\n"
	"              lines on stdin sent once it is open\n"
	"URL is http://HOST:PORT/PATH (ws://... also accepted), e.g.\n"
	"  pushpull client long-poll http://127.0.0.1:8080/score\n"
	"  pushpull client sse http://127.0.0.1:8080/events\n"
	"  pushpull client websocket ws://127.0.0.1:8080/ws\n"
	"\n"
	"options:\n"
	"  --interval MS        short-poll interval, and the first wait before a retry\n"
	"                       (1000; sse: 3000 until the server's retry field)\n"
	"  --retries N          failures in a row tried again before giving up (5);\n"
	"                       each wait doubles, up to 10 s; 0: give up at the first\n"
	"  --keep-alive         reuse one connection (the default)\n"
	"  --no-keep-alive      a new connection per request\n"
	"  --count N            exit after N events (default: run until interrupted,\n"
	"                       also after the end of stdin)\n"
	"  --timeout MS         long poll: how long the server may hold a request (30000)\n"
	"  --since ID           long poll, websocket: start after the event with this id\n"
	"                       (or plain number); default: long poll from the oldest\n"
	"                       kept, websocket live only\n"
	"  --exit-on-gap        exit with status 3 at the first gap\n"
	"  --method M           rpc: GET or POST (default: POST with --data, else GET)\n"
	"  --data TEXT          rpc: the request's body; implies POST, as in curl\n"
	"  --json               print the ledger as JSON\n"
	"  --help\n"
	"Events go to stdout, one JSON object per line; notes and the ledger to stderr.\n"
	"A gap -- the server's notice that events were lost, or could not be known\n"
	"(long-poll, sse, websocket), or a new epoch seen by short-poll -- goes to\n"
	"stdout in its place, as {\"type\":\"reset\",\"reason\":...,\"missed\":N or null,...},\n"
	"with a note on stderr, and is counted at exit.\n"
	"A failure -- refused, reset, timed out, or answered 5xx, 408 or 429 -- is\n"
	"tried again, --retries times in a row at most: refused from the start, a\n"
	"client gives up after 25 s (sse: 39 s).  The wrong endpoint ends it at once:\n"
	"a 4xx, an upgrade answered 200, an answer that is not an event stream (sse),\n"
	"not long polling's JSON (long-poll), no state (short-poll), or an event\n"
	"stream where a whole answer is needed.  Why is the last line on stderr.\n"
	"Exit status:\n"
	"  0  done: --count reached, or stopped by a signal\n"
	"  1  gave up: an error answer (rpc: any 4xx or 5xx), the wrong endpoint,\n"
	"     --retries spent, a POST that got no answer (never sent twice), an\n"
	"     event stream the parser refuses; or it could not start\n"
	"  2  bad usage\n"
	"  3  a gap, with --exit-on-gap\n";

/* A long poller adds since= and timeout= to the URL itself, and a server
 * reads the first of each: one already in the URL would win every time. */
static bool long_query_ok(const char *path)
{
	const char *q = strchr(path, '?');
	char v[32];
	size_t n, len = q ? strlen(q + 1) : 0;
	return !q || (http_query_get(q + 1, len, "since", v, sizeof v, &n) == HTTP_QUERY_MISSING &&
		      http_query_get(q + 1, len, "timeout", v, sizeof v, &n) == HTTP_QUERY_MISSING);
}

#define LINE_MAX_BYTES 65536             /* a longer line on stdin is dropped */
#define CLIENT_RETRIES_MAX 1000000      /* at 10 s a wait: over 100 days */

struct run {
	struct net_loop *loop;
	struct pp_client *client;
	struct net_ledger ledger;
	bool json;
	bool stop_on_gap;               /* --exit-on-gap */
	bool stdin_open;
	size_t line_len;
	char line[LINE_MAX_BYTES];
};

static void on_event(struct pp_client *c, const struct pp_client_event *ev, void *ud)
{
	(void)c; (void)ud;
	fwrite(ev->json, 1, ev->json_len, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static void on_note(struct pp_client *c, const char *msg, void *ud)
{
	(void)c; (void)ud;
	fprintf(stderr, "pushpull client: %s\n", msg);
}

/* websocket: each line on stdin is one message. */
static void on_stdin(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)events;
	struct run *r = ud;
	ssize_t n = read(fd, r->line + r->line_len, sizeof r->line - r->line_len);
	if (n <= 0) {
		net_loop_unwatch(loop, fd);
		r->stdin_open = false;
		return;
	}
	r->line_len += (size_t)n;
	char *nl;
	while ((nl = memchr(r->line, '\n', r->line_len)) != NULL) {
		size_t l = (size_t)(nl - r->line);
		if (pp_client_send(r->client, r->line, l) < 0)
			fprintf(stderr, "pushpull client: not connected: line dropped\n");
		memmove(r->line, nl + 1, r->line_len - l - 1);
		r->line_len -= l + 1;
	}
	if (r->line_len == sizeof r->line)
		r->line_len = 0;                /* a line too long to send: dropped */
}

/* The path and host the options point into live here. */
struct target {
	char host[256], path[1024];
};

/* Reads the command line into 'o' (and 't', which 'o' points into).
 * Returns -1 to go on, or the exit status (0 after --help, 2 after bad
 * usage). */
static int client_options(int argc, char **argv, struct pp_client_opts *o, struct target *t,
			  bool *json)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "keep-alive", no_argument, NULL, 'k' }, { "no-keep-alive", no_argument, NULL, 'K' },
		{ "count", required_argument, NULL, 'c' }, { "timeout", required_argument, NULL, 't' },
		{ "since", required_argument, NULL, 's' }, { "method", required_argument, NULL, 'm' },
		{ "data", required_argument, NULL, 'd' }, { "json", no_argument, NULL, 'j' },
		{ "exit-on-gap", no_argument, NULL, 'g' }, { "retries", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *me = "pushpull client";
	uint64_t v, epoch;
	int c;
	*o = (struct pp_client_opts){ .keep_alive = true };
	optind = 1;
	opterr = 0;                             /* our own one-line message instead */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': case 't':
			if (!cli_u64(optarg, 1, 3600000, &v))
				return cli_bad(me, "a time needs 1..3600000 milliseconds");
			if (c == 'i') o->interval_ms = (uint32_t)v;
			else o->lp_timeout_ms = (uint32_t)v;
			break;
		case 'k': o->keep_alive = true; break;
		case 'K': o->keep_alive = false; break;
		case 'c':
			if (!cli_u64(optarg, 1, UINT64_MAX, &o->count))
				return cli_bad(me, "--count needs a positive number");
			break;
		case 's':
			if (!feed_id_parse(optarg, strlen(optarg), 0, &epoch, &v))
				return cli_bad(me, "--since needs an event id (or a number)");
			o->since = optarg;
			break;
		case 'g': o->stop_on_gap = true; break;
		case 'r':
			if (!cli_u64(optarg, 0, CLIENT_RETRIES_MAX, &v))
				return cli_bad(me, "--retries needs a number of 0..1000000");
			o->retries = v ? (int)v : PP_CLIENT_NO_RETRY;
			break;
		case 'm':
			if (strcmp(optarg, "GET") && strcmp(optarg, "POST"))
				return cli_bad(me, "--method is GET or POST");
			o->method = optarg;
			break;
		case 'd': o->body = optarg; break;
		case 'j': *json = true; break;
		case 'h': fputs(client_usage, stdout); return 0;
		default: return cli_bad_option(me, argv);
		}
	}
	if (argc - optind != 2)
		return cli_bad(me, "needs KIND and URL");
	if (!pp_paradigm_parse(argv[optind], &o->paradigm))
		return cli_bad(me, "KIND is rpc, short-poll, long-poll, sse or websocket");
	if (!cli_url_parse(argv[optind + 1], t->host, sizeof t->host, &o->port, t->path,
			   sizeof t->path))
		return cli_bad(me, "URL must look like http://127.0.0.1:8080/score");
	if (o->paradigm != PP_RPC && (o->method || o->body))
		return cli_bad(me, "--method and --data are for rpc");
	if (o->paradigm == PP_LONG_POLL && !long_query_ok(t->path))
		return cli_bad(me, "long-poll: give --since and --timeout as options, not in the URL");
	o->host = t->host;
	o->path = t->path;
	o->on_event = on_event;
	o->on_reset = on_event;                 /* in its place among the events */
	o->on_note = on_note;
	return -1;
}

/* Runs until the client is finished or a signal stops the loop.
 * WebSocket: stdin is read once the connection is open, so that no line
 * is read before it can be sent.  Its end stops the sending, not the
 * client.  A file (or /dev/null) cannot be watched: then nothing is
 * sent. */
static void client_run(struct run *r)
{
	bool stdin_tried = pp_client_paradigm(r->client) != PP_WEBSOCKET;
	while (!net_loop_stopped(r->loop) && !pp_client_finished(r->client)) {
		if (!stdin_tried && pp_client_ready(r->client)) {
			stdin_tried = true;
			r->stdin_open = net_loop_watch(r->loop, 0, NET_READ, on_stdin, r, NULL) == 0;
		}
		if (net_loop_run_once(r->loop, -1) < 0)
			break;
	}
}

static bool all_closed(void *arg)
{
	const struct net_ledger *l = arg;
	return l->c.closed >= l->c.handshakes;
}

/* Closes politely and waits (a little) for the closes to finish, so the
 * kernel's counters for every connection are in the ledger; prints it.
 * Returns the exit status. */
static int client_report(struct run *r)
{
	uint64_t events = pp_client_events(r->client), missed = pp_client_missed(r->client);
	uint64_t gaps = pp_client_gaps(r->client), unknown = pp_client_gaps_unknown(r->client);
	bool gave_up = pp_client_gave_up(r->client), stop_on_gap = r->stop_on_gap;
	char why[PP_CLIENT_WHY_MAX];
	snprintf(why, sizeof why, "%s", pp_client_why(r->client));
	pp_client_free(r->client);
	r->client = NULL;
	if (r->stdin_open)
		net_loop_unwatch(r->loop, 0);
	struct net_ledger *l = &r->ledger;
	net_loop_run_until(r->loop, all_closed, l, 2500);
	net_loop_run_once(r->loop, 0);
	l->events = events;
	l->counts_events = true;
	fprintf(stderr, "\n%s: %llu events received, %llu known to be missed, "
		"%llu gaps (%llu of unknown size)\n", l->label, (unsigned long long)events,
		(unsigned long long)missed, (unsigned long long)gaps, (unsigned long long)unknown);
	struct net_ledger *table[] = { l };
	if (r->json)
		net_ledger_print_json(stderr, table, 1);
	else
		net_ledger_print_table(stderr, table, 1);
	if (gave_up)                            /* again, where a reader looks last */
		fprintf(stderr, "pushpull client: %s\n", why);
	return gave_up ? 1 : stop_on_gap && gaps > 0 ? 3 : 0;
}

int pushpull_client(int argc, char **argv)
{
	struct pp_client_opts o;
	struct target t;
	static struct run r;                    /* 64 KiB of line buffer: not on the stack */
	r = (struct run){ 0 };
	int status = client_options(argc, argv, &o, &t, &r.json);
	if (status >= 0)
		return status;
	char label[NET_LABEL_MAX];
	snprintf(label, sizeof label, "%s/client", pp_paradigm_name(o.paradigm));
	net_ledger_init(&r.ledger, label);
	o.ledger = &r.ledger;
	r.loop = net_loop_new(&r.ledger);
	if (!r.loop || net_loop_stop_on_signals(r.loop) < 0) {
		fprintf(stderr, "pushpull client: %s\n", strerror(errno));
		net_loop_free(r.loop);
		return 1;
	}
	r.stop_on_gap = o.stop_on_gap;
	r.client = pp_client_start(r.loop, &o);
	if (!r.client) {
		fprintf(stderr, "pushpull client: cannot start: %s\n", strerror(errno));
		status = 1;
	} else {
		client_run(&r);
		status = client_report(&r);
	}
	net_loop_free(r.loop);
	return status;
}
