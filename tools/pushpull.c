/* pushpull -- every way a client and a server talk, and what each costs.
 *
 *   pushpull serve    the server: every paradigm's endpoint on one port
 *   pushpull client   one client of one paradigm
 *   pushpull demo     every paradigm side by side, with its cost table
 *   pushpull bench    the load generator
 *
 * Each subcommand lives in src/paradigms; this file only picks one. */
#include <stdio.h>
#include <string.h>

#include "paradigms/cli.h"

static const char usage[] =
	"usage: pushpull COMMAND [options]   (pushpull COMMAND --help for each)\n"
	"\n"
	"  serve    serve one feed of events through every paradigm\n"
	"  client   run one client: rpc, short, long, sse or ws\n"
	"  demo     run every paradigm side by side on one feed and print what each cost\n"
	"  bench    load-test a server with many clients of one paradigm\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "serve") == 0)
		return pp_serve_main(argc - 1, argv + 1);
	if (strcmp(cmd, "client") == 0)
		return pp_client_main(argc - 1, argv + 1);
	if (strcmp(cmd, "demo") == 0)
		return pp_demo_main(argc - 1, argv + 1);
	if (strcmp(cmd, "bench") == 0)
		return pp_bench_main(argc - 1, argv + 1);
	fprintf(stderr, "pushpull: unknown command '%s' (see pushpull --help)\n", cmd);
	return 2;
}
