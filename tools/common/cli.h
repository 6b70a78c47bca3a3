/* cli.h -- what the programs' command lines share: numbers and URLs read
 * from arguments, and the one-line message of a usage error.
 *
 * tools/common/ is linked into every program under tools/; it is not part
 * of libpushpull.a, which parses no options and prints no usage. */
#ifndef PUSHPULL_TOOLS_CLI_H
#define PUSHPULL_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A decimal number in [lo, hi]. */
bool cli_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* Prints "CMD: WHAT (see CMD --help)" to stderr and returns 2, the exit
 * status of a usage error.  'cmd' is how the program was called
 * ("pushpull serve", "loadgen"); 'what' NULL: getopt has already said
 * what was wrong. */
int cli_bad(const char *cmd, const char *what);

/* After getopt_long (with opterr = 0, so its own message stays quiet)
 * returned '?': one line naming the option that was not understood or
 * lacked its value; returns 2.  'argv' is what getopt_long was given. */
int cli_bad_option(const char *cmd, char *const *argv);

/* Raises the soft limit on open descriptors to the hard limit (servers
 * and load generators hold thousands of sockets) and returns it. */
uint64_t cli_raise_nofile(void);

/* "http://HOST[:PORT]/PATH" or "ws://..." -> host, port (default 80) and
 * path (default "/").  HOST is an IPv4 address or localhost (all that
 * src/net connects to).  Returns false for anything else. */
bool cli_url_parse(const char *url, char *host, size_t host_cap, uint16_t *port,
		   char *path, size_t path_cap);

#endif
