/* pushpull -- every way a client and a server talk, and what each costs.
 *
 *   pushpull serve    the server: every paradigm's endpoint on one port
 *   pushpull client   one client of one paradigm
 *   pushpull demo     every paradigm side by side, with its cost table
 *   pushpull lab      a delay line between two network namespaces
 *
 * This file only picks the subcommand; each is a file of this folder
 * (pushpull.h).  The load generator is a program of its own, loadgen. */
#include <stdio.h>
#include <string.h>

#include "pushpull.h"

static const char usage[] =
	"usage: pushpull COMMAND [options]   (pushpull COMMAND --help for each)\n"
	"\n"
	"  serve    serve one feed of events through every paradigm\n"
	"  client   run one client: rpc, short-poll, long-poll, sse or websocket\n"
	"  demo     run every paradigm side by side on one feed and print what each cost\n"
	"  lab      make two network namespaces joined by a delay line (root)\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} commands[] = {
		{ "serve", pushpull_serve }, { "client", pushpull_client }, { "demo", pushpull_demo },
		{ "lab", pushpull_lab },
	};
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "pushpull: unknown command '%s' (see pushpull --help)\n", cmd);
	return 2;
}
