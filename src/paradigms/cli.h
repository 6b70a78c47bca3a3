/* cli.h -- the `pushpull` program's subcommands and the little they
 * share: reading numbers and URLs from the command line. */
#ifndef PUSHPULL_PARADIGMS_CLI_H
#define PUSHPULL_PARADIGMS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int pp_serve_main(int argc, char **argv);
int pp_client_main(int argc, char **argv);
int pp_demo_main(int argc, char **argv);
int pp_bench_main(int argc, char **argv);

/* A decimal number in [lo, hi]. */
bool pp_cli_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* Prints "pushpull CMD: WHAT (see pushpull CMD --help)" to stderr and
 * returns 2, the exit status of a usage error.  'what' NULL: getopt has
 * already said what was wrong. */
int pp_cli_bad(const char *cmd, const char *what);

/* After getopt_long (with opterr = 0, so its own message stays quiet)
 * returned '?': one line naming the option that was not understood or
 * lacked its value; returns 2.  'argv' is what getopt_long was given. */
int pp_cli_bad_option(const char *cmd, char *const *argv);

/* Raises the soft limit on open descriptors to the hard limit (servers
 * and load generators hold thousands of sockets) and returns it. */
uint64_t pp_cli_raise_nofile(void);

/* "http://HOST[:PORT]/PATH" or "ws://..." -> host, port (default 80) and
 * path (default "/").  HOST is an IPv4 address or localhost (all that
 * src/net connects to).  Returns false for anything else. */
bool pp_url_parse(const char *url, char *host, size_t host_cap, uint16_t *port,
		  char *path, size_t path_cap);

#endif
