/* pushpull.h -- the `pushpull` program's subcommands, one file each:
 *
 *   serve.c      pushpull serve    every paradigm's endpoint on one port
 *   client.c     pushpull client   one client of one paradigm
 *   demo.c       pushpull demo     every paradigm side by side, with its costs
 *   scenario.c                     the demo's stories (scenario.h)
 *
 * Each takes the arguments after the subcommand's name (argv[0] is the
 * name) and returns the exit status: 0, 1 when it failed, 2 bad usage.
 */
#ifndef PUSHPULL_TOOLS_PUSHPULL_H
#define PUSHPULL_TOOLS_PUSHPULL_H

int pushpull_serve(int argc, char **argv);
int pushpull_client(int argc, char **argv);
int pushpull_demo(int argc, char **argv);

#endif
