/* cdp.c -- headless Chromium over the DevTools pipe; see cdp.h. */
#include "support/cdp.h"
#include "util/json.h"
#include "ws/base64.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int left_ms(uint64_t deadline)
{
	uint64_t now = now_ms();
	return now >= deadline ? 0 : (int)(deadline - now);
}

/* The last bytes of Chromium's log, on one line, into dst. */
static void log_tail(const struct cdp *c, char *dst, size_t cap)
{
	char path[96], tail[400];
	dst[0] = '\0';
	snprintf(path, sizeof path, "%s/chromium.log", c->dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)sizeof tail - 1 ? end - (off_t)sizeof tail + 1 : 0;
	ssize_t n = pread(fd, tail, sizeof tail - 1, from);
	close(fd);
	if (n <= 0)
		return;
	tail[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (tail[i] == '\n' || tail[i] == '\r')
			tail[i] = ' ';
	snprintf(dst, cap, "%s", tail);
}

static bool fail(struct cdp *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof c->error, fmt, ap);
	va_end(ap);
	return false;
}

/* Fails saying the browser went away, with what it logged last. */
static bool fail_gone(struct cdp *c, const char *what)
{
	char tail[400];
	log_tail(c, tail, sizeof tail);
	return fail(c, "%s; chromium's log ends: %s", what, tail);
}

/* --- the pipe ------------------------------------------------------------- */

static bool send_all(struct cdp *c, const char *p, size_t n, uint64_t deadline)
{
	while (n > 0) {
		struct pollfd w = { c->to, POLLOUT, 0 };
		int r = poll(&w, 1, left_ms(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(c, "chromium took no command in time");
		ssize_t k = send(c->to, p, n, MSG_NOSIGNAL);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k < 0)
			return fail_gone(c, "chromium closed its command pipe");
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* The next whole message, NUL excluded, into *msg (valid until the next
 * read). */
static bool next_message(struct cdp *c, uint64_t deadline, char **msg, size_t *len)
{
	if (c->used) {
		memmove(c->buf, c->buf + c->used, c->len - c->used);
		c->len -= c->used;
		c->used = 0;
	}
	size_t scanned = 0;
	for (;;) {
		char *z = c->len > scanned ? memchr(c->buf + scanned, '\0', c->len - scanned) : NULL;
		if (z) {
			*msg = c->buf;
			*len = (size_t)(z - c->buf);
			c->used = *len + 1;
			return true;
		}
		scanned = c->len;
		if (c->len == c->cap) {
			if (c->cap >= CDP_MESSAGE_MAX)
				return fail(c, "a message from chromium is over %u bytes", CDP_MESSAGE_MAX);
			size_t cap = c->cap ? c->cap * 2 : 64 * 1024;
			char *b = realloc(c->buf, cap);
			if (!b)
				return fail(c, "out of memory for a message of %zu bytes", c->len);
			c->buf = b;
			c->cap = cap;
		}
		struct pollfd r = { c->from, POLLIN, 0 };
		int k = poll(&r, 1, left_ms(deadline));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return fail(c, "no answer from chromium in time");
		ssize_t n = recv(c->from, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return fail_gone(c, "chromium closed its pipe");
		c->len += (size_t)n;
	}
}

/* Keeps what an event says of an uncaught exception in the page. */
static void note_event(struct cdp *c, const char *msg, size_t len)
{
	size_t ml, pl, dl, el, tl;
	const char *m = json_get(msg, len, "method", &ml);
	if (!m || ml != 25 || memcmp(m, "\"Runtime.exceptionThrown\"", 25) != 0)
		return;
	const char *p = json_get(msg, len, "params", &pl);
	const char *d = p ? json_get(p, pl, "exceptionDetails", &dl) : NULL;
	if (!d)
		return;
	const char *e = json_get(d, dl, "exception", &el);
	const char *t = e ? json_get(e, el, "description", &tl) : NULL;
	if (!t)
		t = json_get(d, dl, "text", &tl);
	if (!t)
		return;
	size_t room = sizeof c->exceptions - c->exceptions_len;
	int n = snprintf(c->exceptions + c->exceptions_len, room, "%.*s\n", (int)tl, t);
	if (n > 0)
		c->exceptions_len += (size_t)n < room ? (size_t)n : room - 1;
}

bool cdp_call(struct cdp *c, const char *method, const char *params, bool on_page, int ms,
	      const char **result, size_t *len)
{
	uint64_t deadline = now_ms() + (uint64_t)ms;
	unsigned id = ++c->next_id;
	if (c->pid <= 0)
		return fail(c, "%s: chromium is not running", method);
	if (on_page && !c->session[0])
		return fail(c, "%s: no page is open", method);
	size_t cap = strlen(method) + (params ? strlen(params) : 2) + sizeof c->session + 64;
	char *cmd = malloc(cap);
	if (!cmd)
		return fail(c, "%s: out of memory", method);
	int n = snprintf(cmd, cap, "{\"id\":%u,\"method\":\"%s\",\"params\":%s%s%s%s}", id, method,
			 params ? params : "{}", on_page ? ",\"sessionId\":\"" : "",
			 on_page ? c->session : "", on_page ? "\"" : "");
	bool sent = n > 0 && (size_t)n < cap && send_all(c, cmd, (size_t)n + 1, deadline);
	free(cmd);                      /* the NUL went out with it: it ends the message */
	if (!sent)
		return false;
	for (;;) {
		char *msg = NULL;
		size_t ml = 0, il, el, rl;
		uint64_t got;
		if (!next_message(c, deadline, &msg, &ml)) {
			char why[sizeof c->error];
			snprintf(why, sizeof why, "%s", c->error);
			return fail(c, "%s: %s", method, why);
		}
		const char *i = json_get(msg, ml, "id", &il);
		if (!i) {
			note_event(c, msg, ml);
			continue;
		}
		if (!json_u64(i, il, &got) || got != id)
			continue;               /* the late reply of a command that timed out */
		const char *e = json_get(msg, ml, "error", &el);
		if (e)
			return fail(c, "%s: chromium says %.*s", method, (int)el, e);
		const char *r = json_get(msg, ml, "result", &rl);
		if (!r)
			return fail(c, "%s: a reply without a result: %.200s", method, msg);
		if (result) {
			*result = r;
			*len = rl;
		}
		return true;
	}
}

/* The string value 'key' of the object o[0..n), unquoted (no escapes
 * expected: ids and base64), into dst. */
static bool get_plain_string(const char *o, size_t n, const char *key, char *dst, size_t cap)
{
	size_t vl;
	const char *v = json_get(o, n, key, &vl);
	if (!v || vl < 2 || v[0] != '"' || vl - 2 >= cap || memchr(v, '\\', vl))
		return false;
	memcpy(dst, v + 1, vl - 2);
	dst[vl - 2] = '\0';
	return true;
}

/* --- starting and stopping ------------------------------------------------ */

/* In the child: the two pipe ends on fds 3 and 4, the log on 1 and 2,
 * nothing else open; then Chromium. */
static void exec_chromium(const char *chromium, char *const argv[], int in, int out, int log)
{
	int devnull = open("/dev/null", O_RDONLY);
	/* Out of the way of 0..4 first, so that no dup2 below clobbers another. */
	int hi_in = fcntl(in, F_DUPFD, 10), hi_out = fcntl(out, F_DUPFD, 10);
	int hi_log = fcntl(log, F_DUPFD, 10), hi_null = fcntl(devnull, F_DUPFD, 10);
	if (devnull < 0 || hi_in < 0 || hi_out < 0 || hi_log < 0 || hi_null < 0)
		_exit(126);
	if (dup2(hi_null, 0) < 0 || dup2(hi_log, 1) < 0 || dup2(hi_log, 2) < 0 ||
	    dup2(hi_in, 3) < 0 || dup2(hi_out, 4) < 0)
		_exit(126);
	close_range(5, ~0u, 0);         /* nothing of the test's: its servers' pipes */
	execv(chromium, argv);
	_exit(127);
}

bool cdp_start(struct cdp *c, const char *chromium, int ms)
{
	*c = (struct cdp){ .to = -1, .from = -1 };
	snprintf(c->dir, sizeof c->dir, "/tmp/pp-cdp-XXXXXX");
	if (!mkdtemp(c->dir)) {
		c->dir[0] = '\0';
		return fail(c, "mkdtemp: %s", strerror(errno));
	}
	char profile[96], logpath[96], user_data[128];
	snprintf(profile, sizeof profile, "%s/profile", c->dir);
	snprintf(logpath, sizeof logpath, "%s/chromium.log", c->dir);
	snprintf(user_data, sizeof user_data, "--user-data-dir=%s", profile);
	if (mkdir(profile, 0700) < 0)
		return fail(c, "mkdir %s: %s", profile, strerror(errno));
	int log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int cmd[2], ev[2];              /* [0] ours, [1] Chromium's */
	if (log < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cmd) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ev) < 0)
		return fail(c, "cannot make the pipe: %s", strerror(errno));
	/* Headless, on this machine only: no first run, no extensions, no
	 * component updates, reports or other calls home. */
	char *argv[32] = { (char *)chromium, "--headless", "--remote-debugging-pipe", user_data,
			   "--window-size=1400,1000", "--disable-gpu", "--no-first-run",
			   "--no-default-browser-check", "--disable-extensions",
			   "--disable-component-update", "--disable-background-networking",
			   "--disable-sync", "--disable-default-apps", "--disable-breakpad",
			   "--disable-dev-shm-usage", "--no-proxy-server", "--hide-scrollbars",
			   "--mute-audio", "--password-store=basic", "--use-mock-keychain" };
	size_t argc = 20;
	if (geteuid() == 0)
		argv[argc++] = "--no-sandbox";  /* its sandbox refuses to run as root */
	argv[argc++] = "about:blank";
	argv[argc] = NULL;
	pid_t pid = fork();             /* 'c' may be shared: only the parent writes it */
	if (pid == 0)
		exec_chromium(chromium, argv, cmd[1], ev[1], log);
	int forked = errno;
	c->pid = pid > 0 ? pid : 0;
	close(cmd[1]);
	close(ev[1]);
	close(log);
	c->to = cmd[0];
	c->from = ev[0];
	if (pid < 0) {
		return fail(c, "fork: %s", strerror(forked));
	}
	/* Its first answer says it is up. */
	return cdp_call(c, "Browser.getVersion", NULL, false, ms, NULL, NULL);
}

bool cdp_open_page(struct cdp *c, unsigned width, unsigned height, int ms)
{
	uint64_t deadline = now_ms() + (uint64_t)ms;
	const char *r;
	size_t rl;
	char target[96], params[160];
	if (!cdp_call(c, "Target.createTarget", "{\"url\":\"about:blank\"}", false, ms, &r, &rl))
		return false;
	if (!get_plain_string(r, rl, "targetId", target, sizeof target))
		return fail(c, "Target.createTarget: no targetId in %.*s", (int)rl, r);
	snprintf(params, sizeof params, "{\"targetId\":\"%s\",\"flatten\":true}", target);
	if (!cdp_call(c, "Target.attachToTarget", params, false, left_ms(deadline), &r, &rl))
		return false;
	if (!get_plain_string(r, rl, "sessionId", c->session, sizeof c->session))
		return fail(c, "Target.attachToTarget: no sessionId in %.*s", (int)rl, r);
	/* The window's size counts its (headless) frame: the page gets less. */
	snprintf(params, sizeof params, "{\"width\":%u,\"height\":%u,\"deviceScaleFactor\":1,"
		 "\"mobile\":false}", width, height);
	return cdp_call(c, "Emulation.setDeviceMetricsOverride", params, true, left_ms(deadline),
			NULL, NULL) &&
	       cdp_call(c, "Page.enable", NULL, true, left_ms(deadline), NULL, NULL) &&
	       cdp_call(c, "Runtime.enable", NULL, true, left_ms(deadline), NULL, NULL);
}

bool cdp_navigate(struct cdp *c, const char *url, int ms)
{
	uint64_t deadline = now_ms() + (uint64_t)ms;
	size_t ul = strlen(url), qcap = ul * 6 + 3, el;
	char *params = malloc(qcap + 16);
	if (!params)
		return fail(c, "Page.navigate: out of memory");
	memcpy(params, "{\"url\":", 7);
	json_quote(params + 7, qcap, url, ul);
	strcat(params, "}");
	const char *r;
	size_t rl;
	bool ok = cdp_call(c, "Page.navigate", params, true, ms, &r, &rl);
	free(params);
	if (!ok)
		return false;
	const char *e = json_get(r, rl, "errorText", &el);
	if (e)
		return fail(c, "Page.navigate %s: %.*s", url, (int)el, e);
	/* Navigated; now until the document and what it loads are in. */
	char state[32];
	do {
		if (!cdp_eval(c, "document.readyState", left_ms(deadline), state, sizeof state))
			return false;
		if (strcmp(state, "\"complete\"") == 0)
			return true;
		poll(NULL, 0, 20);      /* the pace of asking, not a wait for anything */
	} while (left_ms(deadline) > 0);
	return fail(c, "%s: the document is still %s", url, state);
}

bool cdp_eval(struct cdp *c, const char *expr, int ms, char *out, size_t cap)
{
	size_t el = strlen(expr), qcap = el * 6 + 3;
	char *params = malloc(14 + qcap + 96);
	if (!params)
		return fail(c, "Runtime.evaluate: out of memory");
	memcpy(params, "{\"expression\":", 14);
	size_t n = 14 + json_quote(params + 14, qcap, expr, el);
	snprintf(params + n, 96, ",\"returnByValue\":true,\"awaitPromise\":true}");
	const char *r;
	size_t rl, xl, vl, dl, ol;
	bool ok = cdp_call(c, "Runtime.evaluate", params, true, ms, &r, &rl);
	free(params);
	if (!ok)
		return false;
	const char *x = json_get(r, rl, "exceptionDetails", &xl);
	if (x) {
		const char *ex = json_get(x, xl, "exception", &ol);
		const char *d = ex ? json_get(ex, ol, "description", &dl) : NULL;
		if (!d)
			d = json_get(x, xl, "text", &dl);
		return fail(c, "%.80s threw %.*s", expr, d ? (int)dl : 7, d ? d : "nothing");
	}
	const char *o = json_get(r, rl, "result", &ol);
	const char *v = o ? json_get(o, ol, "value", &vl) : NULL;
	if (!v) {
		v = "null";
		vl = 4;
	}
	if (vl >= cap)
		return fail(c, "%.80s: a value of %zu bytes, over %zu", expr, vl, cap);
	memcpy(out, v, vl);
	out[vl] = '\0';
	return true;
}

bool cdp_screenshot(struct cdp *c, const char *path, int ms, size_t *size)
{
	const char *r;
	size_t rl, dl;
	if (!cdp_call(c, "Page.captureScreenshot", "{\"format\":\"png\"}", true, ms, &r, &rl))
		return false;
	const char *d = json_get(r, rl, "data", &dl);
	if (!d || dl < 2 || d[0] != '"')
		return fail(c, "Page.captureScreenshot: no data");
	/* Base64 has no character JSON must escape; a writer may still
	 * escape '/' as "\/", so backslashes are dropped. */
	char *text = malloc(dl);
	uint8_t *png = malloc(BASE64_DECODED_MAX(dl) + 1);
	size_t tl = 0;
	for (size_t i = 1; text && i + 1 < dl; i++)
		if (d[i] != '\\')
			text[tl++] = d[i];
	size_t n = text && png ? base64_decode(png, BASE64_DECODED_MAX(dl) + 1, text, tl) :
				 BASE64_INVALID;
	free(text);
	if (n == BASE64_INVALID) {
		free(png);
		return fail(c, "Page.captureScreenshot: the data is not base64");
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t done = 0;
	while (fd >= 0 && done < n) {
		ssize_t k = write(fd, png + done, n - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		done += (size_t)k;
	}
	int saved = errno;
	free(png);
	if (fd < 0 || close(fd) < 0 || done < n)
		return fail(c, "cannot write %s: %s", path, strerror(saved));
	*size = n;
	return true;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void cdp_remove_tree(const char *dir)
{
	if (dir && dir[0])
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

bool cdp_stop(struct cdp *c, int ms)
{
	uint64_t deadline = now_ms() + (uint64_t)ms;
	bool clean = false;
	if (c->pid > 0) {
		/* It may close the pipe before it answers: either will do. */
		(void)cdp_call(c, "Browser.close", NULL, false, ms / 2, NULL, NULL);
		int st = 0;
		pid_t w;
		while ((w = waitpid(c->pid, &st, WNOHANG)) == 0 && left_ms(deadline) > 0)
			poll(NULL, 0, 10);      /* the pace of asking whether it exited */
		if (w == c->pid) {
			c->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			clean = c->status == 0;
			if (!clean)
				fail(c, "chromium exited with status %d (signal %d)", c->status,
				     WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		} else {
			kill(c->pid, SIGKILL);  /* ours, by its pid */
			waitpid(c->pid, NULL, 0);
			c->status = -1;
			fail(c, "chromium did not exit within %d ms of Browser.close: killed", ms);
		}
		c->pid = 0;
	}
	if (c->to >= 0)
		close(c->to);
	if (c->from >= 0)
		close(c->from);
	c->to = c->from = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = c->used = 0;
	cdp_remove_tree(c->dir);
	c->dir[0] = '\0';
	return clean;
}
