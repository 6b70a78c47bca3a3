/* tool.h -- a test helper, not a test: finding an outside program a test
 * needs (curl, nginx), installing its Debian package when the test runs
 * as root, and saying why the test is skipped otherwise. */
#ifndef PUSHPULL_TESTS_TOOL_H
#define PUSHPULL_TESTS_TOOL_H

#include <stdbool.h>
#include <stddef.h>

/* Whether 'cmd' can be run (on PATH, or in /usr/sbin and /sbin, where
 * Debian puts servers).  Missing and root: "apt-get install -y
 * 'package'" (after an update if the lists are stale), then looks again.
 * Still missing: one line on stderr, "'suite': SKIPPED: ...".  The
 * program's path goes into 'path' (cap bytes) when found. */
bool tool_find(const char *cmd, const char *package, const char *suite, char *path, size_t cap);

#endif
