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

bool cli_sysctl_u64(const char *name, int field, uint64_t *out)
{
	char path[128], line[128];
	snprintf(path, sizeof path, "/proc/sys/%s", name);
	for (char *p = path + sizeof "/proc/sys/" - 1; *p; p++)
		if (*p == '.')
			*p = '/';
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	char *p = line;
	for (int i = 0; ok && i < field; i++) {         /* skip to the field asked */
		p += strcspn(p, " \t\n");
		p += strspn(p, " \t");
	}
	p[strcspn(p, " \t\n")] = '\0';
	return ok && cli_u64(p, 0, UINT64_MAX, out);
}

/* The kernel's ceiling for any process's limit: fs.nr_open. */
static uint64_t nr_open(void)
{
	uint64_t v;
	return cli_sysctl_u64("fs.nr_open", 0, &v) ? v : 1048576;
}

uint64_t cli_raise_nofile(uint64_t want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	uint64_t hard = rl.rlim_max == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_max;
	uint64_t ceiling = nr_open(), goal = want ? want : ceiling;
	if (goal > ceiling)
		goal = ceiling;
	if (goal > hard) {
		/* Only with CAP_SYS_RESOURCE; otherwise EPERM, and the soft
		 * limit still goes up to the hard one below. */
		struct rlimit up = { (rlim_t)goal, (rlim_t)goal };
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
}

void cli_nofile_advice(const char *cmd, uint64_t want, uint64_t have)
{
	uint64_t open_max = nr_open(), file_max;
	if (want <= have)
		return;
	fprintf(stderr, "%s: %llu descriptors are needed, and the limit is %llu, which this "
		"process may not raise (raising the hard limit takes CAP_SYS_RESOURCE, which "
		"root has unless a container took it away). The operator raises it:\n", cmd, (unsigned long long)want, (unsigned long long)have);
	fprintf(stderr, "  ulimit -n %llu          (in the shell that starts it; as root, or "
		"within the hard limit)\n  LimitNOFILE=%llu       (a systemd unit), or "
		"'nofile' in /etc/security/limits.conf\n",
		(unsigned long long)want, (unsigned long long)want);
	if (want > open_max)
		fprintf(stderr, "  sysctl -w fs.nr_open=%llu   (first: no process may have more "
			"than fs.nr_open, now %llu)\n", (unsigned long long)want,
			(unsigned long long)open_max);
	if (cli_sysctl_u64("fs.file-max", 0, &file_max) && want > file_max)
		fprintf(stderr, "  sysctl -w fs.file-max=%llu  (the whole system's open files, "
			"now %llu)\n", (unsigned long long)want * 2, (unsigned long long)file_max);
}
