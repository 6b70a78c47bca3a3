/* tool.c -- see tool.h. */
#include "support/tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool look(const char *cmd, char *path, size_t cap)
{
	static const char *const dirs[] = { "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin",
					    "/sbin", "/usr/local/sbin" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, cap, "%s/%s", dirs[i], cmd);
		if (access(path, X_OK) == 0)
			return true;
	}
	return false;
}

bool tool_find(const char *cmd, const char *package, const char *suite, char *path, size_t cap)
{
	if (look(cmd, path, cap))
		return true;
	if (geteuid() == 0) {
		char sh[256];
		fprintf(stderr, "%s: %s is missing: apt-get install -y %s\n", suite, cmd, package);
		snprintf(sh, sizeof sh, "apt-get install -y %s >/dev/null 2>&1 || "
			 "(apt-get update >/dev/null 2>&1 && apt-get install -y %s >/dev/null 2>&1)",
			 package, package);
		if (system(sh) != 0)
			fprintf(stderr, "%s: apt-get install %s failed\n", suite, package);
		if (look(cmd, path, cap))
			return true;
	}
	fprintf(stderr, "%s: SKIPPED: %s is not installed (sudo apt-get install %s)\n", suite, cmd,
		package);
	return false;
}
