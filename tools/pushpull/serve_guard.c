/* serve_guard.c -- `pushpull serve`'s side of guard.c: where the publish
 * token comes from, and which origins --allow-origin may name.
 *
 * The token is read from a file (--publish-token-file) or from the
 * environment (PUSHPULL_PUBLISH_TOKEN), never from the command line,
 * which any user of the machine can read in the process list; and it is
 * never printed.
 *
 * Read next: serve.c.
 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Takes the trailing whitespace off (a file's last newline); says why the
 * rest is no token, to 'err' with 'what' naming where it came from. */
static bool token_take(char *buf, size_t *len, const char *what)
{
	while (*len > 0 && strchr(" \t\r\n", buf[*len - 1]))
		buf[--*len] = '\0';
	if (pp_guard_token_valid(buf, *len))
		return true;
	fprintf(stderr, "pushpull serve: the publish token from %s must be %d..%d characters of "
		"A-Z a-z 0-9 - _ . ~\n", what, PP_TOKEN_MIN, PP_TOKEN_MAX);
	return false;
}

bool serve_token_load(const char *file, struct serve_token *t)
{
	t->len = 0;
	t->from = NULL;
	if (file) {
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "pushpull serve: --publish-token-file %s: %s\n", file,
				strerror(errno));
			return false;
		}
		ssize_t n = read(fd, t->buf, sizeof t->buf - 1);
		int err = errno;
		close(fd);
		if (n < 0) {
			fprintf(stderr, "pushpull serve: --publish-token-file %s: %s\n", file,
				strerror(err));
			return false;
		}
		t->buf[n] = '\0';
		t->len = (size_t)n;
		t->from = file;
		return token_take(t->buf, &t->len, file);
	}
	const char *env = getenv(SERVE_TOKEN_ENV);
	if (!env)
		return true;                    /* none: publishing is for loopback clients */
	size_t n = strlen(env);
	if (n >= sizeof t->buf) {
		fprintf(stderr, "pushpull serve: " SERVE_TOKEN_ENV " is too long\n");
		return false;
	}
	memcpy(t->buf, env, n + 1);
	t->len = n;
	t->from = SERVE_TOKEN_ENV;
	return token_take(t->buf, &t->len, SERVE_TOKEN_ENV);
}

/* An origin as browsers write it (RFC 6454 §6.2): "http://" or "https://",
 * a host (a name, an IPv4 address or a bracketed IPv6 one), an optional
 * port; no path, no trailing slash. */
bool serve_origin_valid(const char *o)
{
	size_t skip = strncmp(o, "http://", 7) == 0 ? 7 : strncmp(o, "https://", 8) == 0 ? 8 : 0;
	if (skip == 0 || !o[skip] || strlen(o) > 200)
		return false;
	const char *p = o + skip;
	if (*p == '[') {
		p = strchr(p, ']');
		if (!p)
			return false;
		p++;
	} else {
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (n == 0)
			return false;
		p += n;
	}
	if (*p == ':') {
		size_t n = strspn(p + 1, "0123456789");
		if (n == 0 || n > 5)
			return false;
		p += 1 + n;
	}
	return *p == '\0';
}
