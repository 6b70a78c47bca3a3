/* serve.c -- `pushpull serve`: every paradigm's endpoint on one port.
 *
 *   GET  /score                 request-response and short polling
 *   GET  /score?since=N         long polling
 *   POST /publish               publish an event (request-response)
 *   GET  /events                Server-Sent Events
 *   GET  /ws                    WebSocket: events pushed, messages published
 *   GET  /echo                  WebSocket echo (for conformance suites)
 *
 * All share one feed.  Each connection's costs land in the ledger of the
 * paradigm its request turned out to be (a connection that never sent a
 * complete request stays under "unrouted"); on SIGINT or SIGTERM the
 * server closes every connection, so the kernel's TCP_INFO counters are
 * in, and prints the table.
 */
#include "paradigms/cli.h"
#include "paradigms/hub.h"
#include "http/http_server.h"
#include "net/loop.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char serve_usage[] =
	"usage: pushpull serve [--host ADDR] [--port N] [options]\n"
	"\n"
	"Serves one feed of events through every paradigm:\n"
	"  GET  /score              the current state (request-response, short polling)\n"
	"  GET  /score?since=N[&timeout=MS]   long polling\n"
	"  POST /publish[?type=T]   publish the body (UTF-8) as an event\n"
	"  GET  /events             Server-Sent Events (Last-Event-ID resumes)\n"
	"  GET  /ws                 WebSocket: events pushed, text messages published\n"
	"  GET  /echo               WebSocket echo\n"
	"On SIGINT or SIGTERM it prints each paradigm's cost ledger and exits.\n"
	"\n"
	"options:\n"
	"  --host ADDR          IPv4 address to listen on (default 127.0.0.1)\n"
	"  --port N             port, 0 for any free one (default 8080)\n"
	"  --lp-timeout MS      long-poll hold time when the client names none (30000)\n"
	"  --heartbeat MS       SSE heartbeat interval (15000)\n"
	"  --retry MS           SSE reconnection time advertised (2000)\n"
	"  --ping MS            WebSocket ping interval (30000)\n"
	"  --json               print the ledger as JSON\n"
	"  --help\n";

int pp_serve_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' }, { "port", required_argument, NULL, 'p' },
		{ "lp-timeout", required_argument, NULL, 'l' },
		{ "heartbeat", required_argument, NULL, 'b' }, { "retry", required_argument, NULL, 'r' },
		{ "ping", required_argument, NULL, 'g' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *host = "127.0.0.1";
	uint64_t port = 8080;
	uint64_t v;
	bool json = false;
	struct pp_config cfg = { 0 };
	int c;
	optind = 1;
	opterr = 0;                             /* our own one-line message instead */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			if (!net_host_valid(optarg))
				return pp_cli_bad("serve", "--host needs an IPv4 address or localhost");
			host = optarg;
			break;
		case 'p':
			if (!pp_cli_u64(optarg, 0, 65535, &port))
				return pp_cli_bad("serve", "--port needs 0..65535");
			break;
		case 'l': case 'b': case 'r': case 'g':
			if (!pp_cli_u64(optarg, 1, 3600000, &v))
				return pp_cli_bad("serve", "a time needs 1..3600000 milliseconds");
			if (c == 'l') cfg.lp_timeout_ms = (uint32_t)v;
			if (c == 'b') cfg.sse_heartbeat_ms = (uint32_t)v;
			if (c == 'r') cfg.sse_retry_ms = (uint32_t)v;
			if (c == 'g') cfg.ws_ping_ms = (uint32_t)v;
			break;
		case 'j': json = true; break;
		case 'h': fputs(serve_usage, stdout); return 0;
		default: return pp_cli_bad_option("serve", argv);
		}
	}
	if (optind < argc)
		return pp_cli_bad("serve", "unexpected argument");
	pp_config_defaults(&cfg);
	pp_cli_raise_nofile();                  /* thousands of clients are normal */

	struct net_ledger unrouted, ledgers[PP_KINDS];
	net_ledger_init(&unrouted, "unrouted");
	struct pp_hub hub = { .cfg = cfg };
	for (int k = 0; k < PP_KINDS; k++) {
		char label[NET_LABEL_MAX];
		snprintf(label, sizeof label, "%s/server", pp_kind_name((enum pp_kind)k));
		net_ledger_init(&ledgers[k], label);
		hub.ledger[k] = &ledgers[k];
	}
	hub.ledger[PP_SHORT] = NULL;            /* the server cannot tell it from rpc */
	struct net_ledger loop_ledger;
	net_ledger_init(&loop_ledger, "loop");
	hub.loop = net_loop_new(&loop_ledger);
	hub.feed = feed_new(0, 0);
	if (!hub.loop || !hub.feed || net_loop_stop_on_signals(hub.loop) < 0) {
		fprintf(stderr, "pushpull serve: cannot start: %s\n", strerror(errno));
		return 1;
	}
	int err = 0;
	struct http_server_config scfg = { .host = host, .port = (uint16_t)port,
					   .ledger = &unrouted };
	struct http_server *srv = http_server_new(hub.loop, &scfg, &err);
	if (!srv) {
		fprintf(stderr, "pushpull serve: cannot listen on %s:%llu: %s\n", host,
			(unsigned long long)port, strerror(err));
		return 1;
	}
	if (pp_http_routes(srv, &hub) < 0 || pp_sse_routes(srv, &hub) < 0 ||
	    pp_ws_routes(srv, &hub) < 0) {
		fprintf(stderr, "pushpull serve: too many routes\n");
		return 1;
	}
	printf("pushpull serving on http://%s:%u\n", host, (unsigned)http_server_port(srv));
	fflush(stdout);

	net_loop_run(hub.loop);

	http_server_free(srv);                  /* closes every connection: TCP_INFO lands */
	pp_ws_close_all(&hub);
	net_loop_run_once(hub.loop, 0);         /* the deferred frees */
	struct net_ledger *table[PP_KINDS + 2];
	size_t n = 0;
	table[n++] = &unrouted;
	for (int k = 0; k < PP_KINDS; k++)
		if (hub.ledger[k])
			table[n++] = hub.ledger[k];
	table[n++] = &loop_ledger;
	printf("\nserver costs, per paradigm (epoll_wait is the loop's; wake-ups are events\n"
	       "dispatched to each paradigm's connections)\n");
	if (json)
		net_ledger_print_json(stdout, table, n);
	else
		net_ledger_print_table(stdout, table, n);
	pp_hub_cleanup(&hub);
	feed_free(hub.feed);
	net_loop_free(hub.loop);
	return 0;
}
