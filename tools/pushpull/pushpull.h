/* pushpull.h -- the `pushpull` program's subcommands, one file each:
 *
 *   serve.c      pushpull serve    every paradigm's endpoint on one port
 *   client.c     pushpull client   one client of one paradigm
 *   demo.c       pushpull demo     every paradigm side by side, with its costs
 *   lab.c        pushpull lab      two namespaces joined by a delay line
 *   scenario.c                     the demo's stories (scenario.h)
 *
 * Each takes the arguments after the subcommand's name (argv[0] is the
 * name) and returns the exit status: 0, 1 when it failed, 2 bad usage.
 */
#ifndef PUSHPULL_TOOLS_PUSHPULL_H
#define PUSHPULL_TOOLS_PUSHPULL_H

#include <stdio.h>

int pushpull_serve(int argc, char **argv);
int pushpull_client(int argc, char **argv);
int pushpull_demo(int argc, char **argv);
int pushpull_lab(int argc, char **argv);

struct net_lab_config;
struct net_lab_stats;
/* One of the lab's options ('r' --rtt, 'l' --loss, 'b' --rate, 's'
 * --seed) into 'cfg'; the demo takes them too.  Returns -1 when taken,
 * 2 after saying what was wrong (as 'me'), for any other 'c'. */
int pushpull_lab_option(int c, const char *arg, const char *me, struct net_lab_config *cfg);
/* The delay line's accounting. */
void pushpull_lab_print(FILE *out, const struct net_lab_config *cfg,
			const struct net_lab_stats *st);

#endif
