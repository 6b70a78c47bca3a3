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

/* Raises the limit on open descriptors so that 'want' fit (0: as many as
 * the kernel allows any process, fs.nr_open): servers and load
 * generators hold thousands of sockets.  The soft limit goes up to the
 * hard one; the hard limit goes up too, to 'want' but never past
 * fs.nr_open, when the process may (root, or CAP_SYS_RESOURCE) -- a
 * limit is raised, never lowered.  Returns the soft limit now, which may
 * be less than 'want': then cli_nofile_advice says what to do. */
uint64_t cli_raise_nofile(uint64_t want);

/* When 'want' > 'have': tells the operator on stderr, in lines starting
 * "CMD: ", what to raise and how -- ulimit -n or LimitNOFILE, and
 * fs.nr_open and fs.file-max where those are short too.  Nothing
 * otherwise. */
void cli_nofile_advice(const char *cmd, uint64_t want, uint64_t have);

/* A number from /proc/sys: 'name' as sysctl writes it ("fs.nr_open",
 * "net.ipv4.ip_local_port_range"), 'field' 0 for the first of several.
 * False when it cannot be read. */
bool cli_sysctl_u64(const char *name, int field, uint64_t *out);

/* "http://HOST[:PORT]/PATH" or "ws://..." -> host, port (default 80) and
 * path (default "/").  HOST is an IPv4 address or localhost (all that
 * src/net connects to).  Returns false for anything else. */
bool cli_url_parse(const char *url, char *host, size_t host_cap, uint16_t *port,
		   char *path, size_t path_cap);

#endif
