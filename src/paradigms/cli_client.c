/* cli_client.c -- `pushpull client KIND URL`: one client of one paradigm.
 *
 * Prints every event it receives as one JSON line on stdout, notes
 * (errors, reconnects, gaps) on stderr, and at exit -- after --count
 * events, or on SIGINT/SIGTERM -- its cost ledger on stderr.  The ws
 * client also sends every line typed on stdin as a message (which the
 * server publishes to every client of every paradigm).
 */
#include "paradigms/cli.h"
#include "paradigms/client.h"
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
	"KIND is one of:\n"
	"  rpc     request-response: --count requests (default 1), each answer printed\n"
	"  short   short polling: GET URL every --interval ms, new states printed\n"
	"  long    long polling: GET URL?since=N, again as soon as it answers\n"
	"  sse     Server-Sent Events: reconnects with Last-Event-ID when dropped\n"
	"  ws      WebSocket: events printed, other messages as {\"data\":...};\n"
	"          lines on stdin sent once it is open\n"
	"URL is http://HOST:PORT/PATH (ws://... also accepted), e.g.\n"
	"  pushpull client long http://127.0.0.1:8080/score\n"
	"  pushpull client sse http://127.0.0.1:8080/events\n"
	"  pushpull client ws ws://127.0.0.1:8080/ws\n"
	"\n"
	"options:\n"
	"  --interval MS        short-poll interval, and the wait before a retry (1000)\n"
	"  --keep-alive         reuse one connection (the default)\n"
	"  --no-keep-alive      a new connection per request\n"
	"  --count N            exit after N events (default: run until interrupted,\n"
	"                       also after the end of stdin)\n"
	"  --timeout MS         long poll: how long the server may hold a request (30000)\n"
	"  --since N            long poll: start after event N (default 0: the ring's oldest)\n"
	"  --method M           rpc: GET (default) or POST\n"
	"  --data TEXT          rpc: the body to POST\n"
	"  --json               print the ledger as JSON\n"
	"  --help\n"
	"Events go to stdout, one JSON object per line; notes and the ledger to stderr.\n"
	"Exit status: 0; 1 when it gave up (a POST that failed, which is never\n"
	"sent twice; sse: not an event stream, or one the parser refuses) or could\n"
	"not start; 2 bad usage.\n";

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

struct run {
	struct net_loop *loop;
	struct pp_client *client;
	bool stdin_open;
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

/* ws: each line on stdin is one message. */
static void on_stdin(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)events;
	struct run *r = ud;
	static char line[65536];
	static size_t len;
	ssize_t n = read(fd, line + len, sizeof line - len);
	if (n <= 0) {
		net_loop_unwatch(loop, fd);
		r->stdin_open = false;
		return;
	}
	len += (size_t)n;
	char *nl;
	while ((nl = memchr(line, '\n', len)) != NULL) {
		size_t l = (size_t)(nl - line);
		if (pp_client_send(r->client, line, l) < 0)
			fprintf(stderr, "pushpull client: not connected: line dropped\n");
		memmove(line, nl + 1, len - l - 1);
		len -= l + 1;
	}
	if (len == sizeof line)
		len = 0;                        /* a line too long to send: dropped */
}

int pp_client_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "keep-alive", no_argument, NULL, 'k' }, { "no-keep-alive", no_argument, NULL, 'K' },
		{ "count", required_argument, NULL, 'c' }, { "timeout", required_argument, NULL, 't' },
		{ "since", required_argument, NULL, 's' }, { "method", required_argument, NULL, 'm' },
		{ "data", required_argument, NULL, 'd' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct pp_client_opts o = { .keep_alive = true };
	uint64_t v;
	bool json = false;
	int c;
	optind = 1;
	opterr = 0;                             /* our own one-line message instead */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': case 't':
			if (!pp_cli_u64(optarg, 1, 3600000, &v))
				return pp_cli_bad("client", "a time needs 1..3600000 milliseconds");
			if (c == 'i') o.interval_ms = (uint32_t)v;
			else o.lp_timeout_ms = (uint32_t)v;
			break;
		case 'k': o.keep_alive = true; break;
		case 'K': o.keep_alive = false; break;
		case 'c':
			if (!pp_cli_u64(optarg, 1, UINT64_MAX, &o.count))
				return pp_cli_bad("client", "--count needs a positive number");
			break;
		case 's':
			if (!pp_cli_u64(optarg, 0, UINT64_MAX, &o.since))
				return pp_cli_bad("client", "--since needs a number");
			break;
		case 'm':
			if (strcmp(optarg, "GET") && strcmp(optarg, "POST"))
				return pp_cli_bad("client", "--method is GET or POST");
			o.method = optarg;
			break;
		case 'd': o.body = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(client_usage, stdout); return 0;
		default: return pp_cli_bad_option("client", argv);
		}
	}
	if (argc - optind != 2)
		return pp_cli_bad("client", "needs KIND and URL");
	static const char *const kinds[] = { "rpc", "short", "long", "sse", "ws" };
	int kind = -1;
	for (int k = 0; k < PP_KINDS; k++)
		if (strcmp(argv[optind], kinds[k]) == 0)
			kind = k;
	if (kind < 0)
		return pp_cli_bad("client", "KIND is rpc, short, long, sse or ws");
	char host[256], path[1024];
	if (!pp_url_parse(argv[optind + 1], host, sizeof host, &o.port, path, sizeof path))
		return pp_cli_bad("client", "URL must look like http://127.0.0.1:8080/score");
	if (kind == PP_LONG && !long_query_ok(path))
		return pp_cli_bad("client", "long: give --since and --timeout as options, not in the URL");
	o.kind = (enum pp_kind)kind;
	o.host = host;
	o.path = path;
	o.on_event = on_event;
	o.on_note = on_note;

	struct net_ledger ledger;
	char label[NET_LABEL_MAX];
	snprintf(label, sizeof label, "%s/client", pp_kind_name(o.kind));
	net_ledger_init(&ledger, label);
	o.ledger = &ledger;
	struct run r = { .loop = net_loop_new(&ledger) };
	if (!r.loop || net_loop_stop_on_signals(r.loop) < 0) {
		fprintf(stderr, "pushpull client: %s\n", strerror(errno));
		return 1;
	}
	int err = 0;
	r.client = pp_client_start(r.loop, &o, &err);
	if (!r.client) {
		fprintf(stderr, "pushpull client: cannot start: %s\n", strerror(err));
		return 1;
	}
	/* WebSocket: stdin is read once the connection is open, so that no
	 * line is read before it can be sent.  Its end stops the sending,
	 * not the client.  A file (or /dev/null) cannot be watched: then
	 * nothing is sent. */
	bool stdin_tried = o.kind != PP_WS;
	while (!net_loop_stopped(r.loop) && !pp_client_finished(r.client)) {
		if (!stdin_tried && pp_client_ready(r.client)) {
			stdin_tried = true;
			r.stdin_open = net_loop_watch(r.loop, 0, NET_READ, on_stdin, &r, NULL) == 0;
		}
		if (net_loop_run_once(r.loop, -1) < 0)
			break;
	}

	/* Close politely and wait (a little) for the closes to finish, so the
	 * kernel's counters for every connection are in the ledger. */
	uint64_t events = pp_client_events(r.client), missed = pp_client_missed(r.client);
	bool gave_up = pp_client_gave_up(r.client);
	pp_client_free(r.client);
	if (r.stdin_open)
		net_loop_unwatch(r.loop, 0);
	uint64_t deadline = net_now_us() + 2500000;
	while (ledger.c.closed < ledger.c.handshakes && net_now_us() < deadline)
		net_loop_run_once(r.loop, 50);
	net_loop_run_once(r.loop, 0);
	ledger.events = events;
	ledger.counts_events = true;
	fprintf(stderr, "\n%s: %llu events received, %llu known to be missed\n", label,
		(unsigned long long)events, (unsigned long long)missed);
	struct net_ledger *table[] = { &ledger };
	if (json)
		net_ledger_print_json(stderr, table, 1);
	else
		net_ledger_print_table(stderr, table, 1);
	net_loop_free(r.loop);
	return gave_up ? 1 : 0;
}
