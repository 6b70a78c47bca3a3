/* cli.c -- what the programs' command lines share; see cli.h. */
#include "cli.h"
#include "net/conn.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

bool cli_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

int cli_bad(const char *cmd, const char *what)
{
	if (what)
		fprintf(stderr, "%s: %s (see %s --help)\n", cmd, what, cmd);
	else
		fprintf(stderr, "%s: bad usage (see %s --help)\n", cmd, cmd);
	return 2;
}

int cli_bad_option(const char *cmd, char *const *argv)
{
	char what[160];
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	snprintf(what, sizeof what, "unknown option or missing value: %s", arg ? arg : "");
	return cli_bad(cmd, what);
}

bool cli_url_parse(const char *url, char *host, size_t host_cap, uint16_t *port,
		   char *path, size_t path_cap)
{
	const char *p;
	if (strncmp(url, "http://", 7) == 0 || strncmp(url, "ws://", 5) == 0)
		p = strstr(url, "//") + 2;
	else
		return false;
	/* An IPv6 address is written in brackets (RFC 3986 §3.2.2), and kept
	 * so: the Host field wants them too, and net_connect takes them. */
	size_t hl = *p == '[' ? strcspn(p, "]/?#") + 1 : strcspn(p, ":/?#");
	if ((*p == '[' && p[hl - 1] != ']') || hl == 0 || hl >= host_cap)
		return false;
	memcpy(host, p, hl);
	host[hl] = '\0';
	if (!net_host_valid(host))
		return false;
	p += hl;
	uint64_t pv = 80;
	if (*p == ':') {
		char num[8];
		size_t nl = strcspn(p + 1, "/?#");
		if (nl == 0 || nl >= sizeof num)
			return false;
		memcpy(num, p + 1, nl);
		num[nl] = '\0';
		if (!cli_u64(num, 1, 65535, &pv))
			return false;
		p += 1 + nl;
	}
	*port = (uint16_t)pv;
	size_t rest = strcspn(p, "#");
	if (rest == 0) {
		p = "/";
		rest = 1;
	}
	if (*p != '/' || rest >= path_cap)
		return false;
	memcpy(path, p, rest);
	path[rest] = '\0';
	return true;
}

uint64_t cli_raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
}
