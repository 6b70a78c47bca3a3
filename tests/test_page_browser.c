/* test_page_browser.c -- the page of `pushpull serve` (GET /) in a real
 * browser: headless Chromium, driven over the DevTools protocol
 * (support/cdp.h), loads it from the real server, and the page's own
 * fetch, EventSource and WebSocket must do what its panels say.
 *
 * Long polling, SSE and WebSocket are connected once the page has
 * loaded; five events published from the page (pushpull.publish) reach
 * each of them exactly once, with nothing missed and no gap; the rpc
 * panel, which asks after each publish, holds five too, and the short
 * poller at least one; the ledger section shows the server's counters.
 * Then a screenshot of the page is written to build/test/page.png, and
 * the browser and the server stop, the server with status 0 and the
 * browser's streams in its own ledger.
 *
 * Chromium is /usr/bin/chromium (Debian's package "chromium").  If it is
 * missing we install it when running as root (a long step, bounded);
 * otherwise the test is skipped with a message that says so. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/cdp.h"
#include "support/proc.h"
#include "util/json.h"

#define PUSHPULL "bin/pushpull"
#define CHROMIUM "/usr/bin/chromium"
#define SCREENSHOT "build/test/page.png"
#define INSTALL_MS (15 * 60 * 1000)     /* apt-get fetching a browser */
#define WAIT_MS 15000                   /* for the page to connect, or to have it all */

static bool have_chromium;

/* --- getting Chromium ----------------------------------------------------- */

/* apt-get install -y chromium (after an update if the lists are stale),
 * bounded: past 'ms' the install's process group, which we made, is
 * killed. */
static void install_chromium(int ms)
{
	pid_t pid = fork();             /* before any test: no check can fail here */
	if (pid < 0)
		return;
	if (pid == 0) {
		setpgid(0, 0);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		setenv("DEBIAN_FRONTEND", "noninteractive", 1);
		execl("/bin/sh", "sh", "-c",
		      "apt-get install -y chromium || "
		      "(apt-get update && apt-get install -y chromium)", (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);              /* the same, from our side: no race */
	uint64_t end = proc_now_ms() + (uint64_t)ms;
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (proc_now_ms() > end) {
			fprintf(stderr, "test_page_browser: apt-get took over %d s: stopped\n",
				ms / 1000);
			kill(-pid, SIGKILL);    /* the install's own group, by its id */
			waitpid(pid, NULL, 0);
			return;
		}
		poll(NULL, 0, 200);     /* the pace of asking whether it is done */
	}
}

/* Decided once, before any test forks. */
static void find_chromium(void)
{
	have_chromium = access(CHROMIUM, X_OK) == 0;
	if (!have_chromium && geteuid() == 0 && access("/usr/bin/apt-get", X_OK) == 0) {
		fprintf(stderr, "test_page_browser: %s is missing: apt-get install -y chromium "
			"(a few minutes)\n", CHROMIUM);
		uint64_t t0 = proc_now_ms();
		install_chromium(INSTALL_MS);
		have_chromium = access(CHROMIUM, X_OK) == 0;
		fprintf(stderr, "test_page_browser: chromium %s in %llu s\n",
			have_chromium ? "installed" : "could not be installed",
			(unsigned long long)((proc_now_ms() - t0) / 1000));
	}
	if (!have_chromium)
		printf("test_page_browser: skipped: the page test needs a real browser, and %s "
		       "is missing (sudo apt-get install chromium)\n", CHROMIUM);
}

/* --- what a failed test leaves behind --------------------------------------
 * A failed check ends the test's process at once, with the browser and
 * the server still running.  So the browser's handle (its pid and its
 * profile directory) and the server's pid live in memory shared with the
 * runner, which is their subreaper: after the test, the runner ends
 * whatever is left, by pid, and removes the directory. */
struct leftovers {
	struct cdp browser;
	pid_t server;
};
static struct leftovers *left;

static void leftovers_setup(void)
{
	left = mmap(NULL, sizeof *left, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(left, MAP_FAILED);
	memset(left, 0, sizeof *left);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

static void leftovers_teardown(void)
{
	pid_t pids[2] = { left->browser.pid, left->server };
	for (int i = 0; i < 2; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL); /* ours (we are its subreaper), by its pid */
			waitpid(pids[i], NULL, 0);
		}
	}
	cdp_remove_tree(left->browser.dir);
	/* The browser's helpers, orphaned with it, are ours to reap. */
	for (int i = 0; i < 256 && waitpid(-1, NULL, WNOHANG) > 0; i++)
		;
	munmap(left, sizeof *left);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/* --- reading the page ------------------------------------------------------- */

static const char *const paradigms[] = { "rpc", "short-poll", "long-poll", "sse", "websocket" };
enum { RPC, SHORT_POLL, LONG_POLL, SSE, WEBSOCKET, PANELS };

struct panel {
	char received[24], missed[24], gaps[24], connected[16];
};

struct page {
	struct panel panel[PANELS];
	char updates[24];               /* the ledger's data-updates */
	unsigned long cells, nonzero;   /* its number cells, those above 0 */
	char title[96];                 /* the document's, to say which page it was */
};

/* Every panel's data-* attributes as they are written (null: missing),
 * and the ledger's number cells counted. */
static const char state_js[] =
	"(() => {"
	"  const o = {};"
	"  for (const s of document.querySelectorAll('section.panel'))"
	"    o[s.dataset.paradigm] = { received: s.dataset.received ?? null,"
	"      missed: s.dataset.missed ?? null, gaps: s.dataset.gaps ?? null,"
	"      connected: s.dataset.connected ?? null };"
	"  const l = document.getElementById('ledger');"
	"  const nums = l ? [...l.querySelectorAll('td')].map(c => c.textContent.trim())"
	"                    .filter(t => /^[0-9][0-9,]*$/.test(t)) : [];"
	"  o.ledger = { updates: l ? (l.dataset.updates ?? null) : null, cells: nums.length,"
	"    nonzero: nums.filter(t => Number(t.replace(/,/g, '')) > 0).length };"
	"  o.title = document.title;"
	"  return o;"
	"})()";

/* The string 'key' of obj into dst, unquoted; "(none)" when it is
 * missing or null. */
static void attr(const char *obj, size_t n, const char *key, char *dst, size_t cap)
{
	size_t vl;
	const char *v = obj ? json_get(obj, n, key, &vl) : NULL;
	if (!v || (vl == 4 && memcmp(v, "null", 4) == 0))
		snprintf(dst, cap, "(none)");
	else if (vl >= 2 && v[0] == '"')
		snprintf(dst, cap, "%.*s", (int)(vl - 2), v + 1);
	else
		snprintf(dst, cap, "%.*s", (int)vl, v);
}

static unsigned long count(const char *obj, size_t n, const char *key)
{
	size_t vl;
	uint64_t v = 0;
	const char *p = obj ? json_get(obj, n, key, &vl) : NULL;
	return p && json_u64(p, vl, &v) ? (unsigned long)v : 0;
}

/* A whole decimal number, or -1. */
static long number(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return s[0] >= '0' && s[0] <= '9' && *end == '\0' && errno == 0 ? v : -1;
}

/* The uncaught exceptions of the page so far, for a failure's message. */
static const char *thrown(const struct cdp *c)
{
	return c->exceptions_len ? c->exceptions : "none";
}

static void read_page(struct cdp *c, struct page *pg)
{
	char js[4096];
	ck_assert_msg(cdp_eval(c, state_js, 5000, js, sizeof js), "reading the page: %s",
		      c->error);
	size_t n = strlen(js), ol;
	for (int i = 0; i < PANELS; i++) {
		const char *o = json_get(js, n, paradigms[i], &ol);
		struct panel *p = &pg->panel[i];
		attr(o, ol, "received", p->received, sizeof p->received);
		attr(o, ol, "missed", p->missed, sizeof p->missed);
		attr(o, ol, "gaps", p->gaps, sizeof p->gaps);
		attr(o, ol, "connected", p->connected, sizeof p->connected);
	}
	const char *l = json_get(js, n, "ledger", &ol);
	attr(l, ol, "updates", pg->updates, sizeof pg->updates);
	pg->cells = count(l, ol, "cells");
	pg->nonzero = count(l, ol, "nonzero");
	attr(js, n, "title", pg->title, sizeof pg->title);
}

/* Reads the page every 50 ms until 'done' says so or 'ms' pass; the
 * last reading stays in 'pg'. */
static bool wait_page(struct cdp *c, struct page *pg, bool (*done)(const struct page *), int ms)
{
	uint64_t end = proc_now_ms() + (uint64_t)ms;
	for (;;) {
		read_page(c, pg);
		if (done(pg))
			return true;
		if (proc_now_ms() >= end)
			return false;
		poll(NULL, 0, 50);      /* the pace of reading, not a wait for anything */
	}
}

static bool connected(const struct panel *p)
{
	return strcmp(p->connected, "true") == 0;
}

static bool streams_connected(const struct page *pg)
{
	return connected(&pg->panel[LONG_POLL]) && connected(&pg->panel[SSE]) &&
	       connected(&pg->panel[WEBSOCKET]);
}

#define EVENTS 5

static bool all_received(const struct page *pg)
{
	for (int i = 0; i < PANELS; i++)
		if (number(pg->panel[i].received) < (i == SHORT_POLL ? 1 : EVENTS))
			return false;
	return number(pg->updates) >= 1 && pg->nonzero >= 1;
}

/* --- the server ------------------------------------------------------------- */

struct server {
	pid_t pid;
	int so, se;
	char base[64];
};

/* SIGTERM: it closes every connection, prints its ledgers, exits 0. */
static void server_stop(struct server *s, struct proc_run *out)
{
	kill(s->pid, SIGTERM);                  /* ours, by its pid */
	memset(out, 0, sizeof *out);
	proc_drain(out, s->so, s->se, 5000);
	close(s->so);
	close(s->se);
	proc_reap(out, s->pid, 2000);
	left->server = 0;
}

/* What it printed as it stopped (--json): its own ledger, one row per
 * paradigm, where the browser's streams must be, each counted.  Only the
 * connections that carry one paradigm to their end: the browser sends
 * its rpc and short-poll questions, and the page's own requests, on
 * whichever kept-alive connection is free, and the server charges a
 * connection to the paradigm of its latest request. */
static void check_server_ledger(const char *out)
{
	static const char *const used[] = { "long-poll/server", "sse/server", "websocket/server" };
	enum { USED = sizeof used / sizeof *used };
	bool seen[USED] = { false };
	const char *arr = strchr(out, '[');
	ck_assert_msg(arr != NULL, "no ledger in what the server printed: %s", out);
	size_t n = strlen(arr), pos = 0, rl, ll;
	const char *row;
	while (json_array_next(arr, n, &pos, &row, &rl) == 1) {
		const char *label = json_get(row, rl, "label", &ll);
		for (size_t k = 0; label && k < USED; k++) {
			if (ll != strlen(used[k]) + 2 || memcmp(label + 1, used[k], ll - 2) != 0)
				continue;
			seen[k] = true;
			uint64_t hs = proc_json_u64(row, rl, "tcp_handshakes");
			uint64_t bytes = proc_json_u64(row, rl, "bytes_out");
			ck_assert_msg(hs >= 1 && bytes > 0, "the server's %s: %llu connections, %llu "
				      "bytes out", used[k], (unsigned long long)hs,
				      (unsigned long long)bytes);
		}
	}
	for (size_t k = 0; k < USED; k++)
		ck_assert_msg(seen[k], "no %s in the server's ledger: %s", used[k], arr);
}

/* --- the test ----------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

START_TEST(page_drives_every_paradigm)
{
	if (!have_chromium)
		return;                         /* said why, once, in find_chromium */
	uint64_t t0 = proc_now_ms();
	struct server s;
	char *argv[] = { PUSHPULL, "serve", "--port", "0", "--json", NULL };
	s.pid = proc_serve_start(argv, &s.so, &s.se, s.base, sizeof s.base);
	left->server = s.pid;

	struct cdp *c = &left->browser;
	ck_assert_msg(cdp_start(c, CHROMIUM, 30000), "chromium did not start: %s", c->error);
	ck_assert_msg(cdp_open_page(c, 1400, 1000, 10000), "no page: %s", c->error);
	char url[96];
	snprintf(url, sizeof url, "%s/", s.base);
	ck_assert_msg(cdp_navigate(c, url, 15000), "loading %s: %s", url, c->error);
	uint64_t t_loaded = proc_now_ms();

	/* The streams connect by themselves once the page is loaded. */
	struct page pg;
	wait_page(c, &pg, streams_connected, WAIT_MS);
	for (int i = LONG_POLL; i <= WEBSOCKET; i++)
		ck_assert_msg(connected(&pg.panel[i]),
			      "the %s panel says data-connected=\"%s\" %d s after the page "
			      "\"%s\" loaded (exceptions: %s)", paradigms[i], pg.panel[i].connected,
			      WAIT_MS / 1000, pg.title, thrown(c));
	uint64_t t_connected = proc_now_ms();

	/* Five events, published by the page itself, each answered. */
	char answer[256];
	ck_assert_msg(cdp_eval(c, "(async () => {"
				   "  for (let i = 1; i <= 5; i++)"
				   "    await window.pushpull.publish('message', 'ball ' + i, 1);"
				   "  return true;"
				   "})()", 15000, answer, sizeof answer),
		      "publishing from the page: %s", c->error);
	ck_assert_str_eq(answer, "true");

	/* Every paradigm has them; the ledger shows the server's counters. */
	wait_page(c, &pg, all_received, WAIT_MS);
	uint64_t t_received = proc_now_ms();
	for (int i = 0; i < PANELS; i++) {
		const struct panel *p = &pg.panel[i];
		long got = number(p->received);
		if (i == SHORT_POLL) {
			ck_assert_msg(got >= 1 && got <= EVENTS, "the short-poll panel says "
				      "data-received=\"%s\" (want 1..%d; exceptions: %s)",
				      p->received, EVENTS, thrown(c));
			continue;
		}
		ck_assert_msg(got == EVENTS, "the %s panel says data-received=\"%s\" (want %d; "
			      "exceptions: %s)", paradigms[i], p->received, EVENTS, thrown(c));
		if (i == RPC)
			continue;
		/* Live from the start: nothing missed, no gap. */
		ck_assert_msg(number(p->missed) == 0, "the %s panel says data-missed=\"%s\"",
			      paradigms[i], p->missed);
		ck_assert_msg(number(p->gaps) == 0, "the %s panel says data-gaps=\"%s\"",
			      paradigms[i], p->gaps);
	}
	ck_assert_msg(number(pg.updates) >= 1, "the ledger says data-updates=\"%s\"", pg.updates);
	ck_assert_msg(pg.nonzero >= 1, "the ledger shows %lu number cells, none above 0",
		      pg.cells);
	ck_assert_msg(c->exceptions_len == 0, "the page threw: %s", c->exceptions);

	/* What a person sees. */
	size_t size = 0;
	ck_assert_msg(cdp_screenshot(c, SCREENSHOT, 10000, &size), "screenshot: %s", c->error);
	unsigned char head[24];
	FILE *f = fopen(SCREENSHOT, "rb");
	ck_assert_msg(f != NULL, "%s: %s", SCREENSHOT, strerror(errno));
	ck_assert_uint_eq(fread(head, 1, sizeof head, f), sizeof head);
	fclose(f);
	ck_assert_msg(memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(head + 12, "IHDR", 4) == 0,
		      "%s is not a PNG", SCREENSHOT);
	uint32_t w = be32(head + 16), h = be32(head + 20);
	ck_assert_msg(w == 1400 && h == 1000, "the screenshot is %ux%u, not the viewport's 1400x1000",
		      (unsigned)w, (unsigned)h);
	/* A page of text and tables: tens of KB, not a blank (a few KB). */
	ck_assert_msg(size > 20000 && size < 8000000, "the screenshot is %zu bytes", size);

	bool clean = cdp_stop(c, 10000);
	ck_assert_msg(clean, "the browser: %s", c->error);
	struct proc_run out;
	server_stop(&s, &out);
	ck_assert_msg(out.status == 0, "the server exited %d: %s", out.status, out.err);
	check_server_ledger(out.out);
	printf("test_page_browser: loaded in %llu ms, connected in %llu ms, %d events everywhere "
	       "in %llu ms, all in %llu ms\n", (unsigned long long)(t_loaded - t0),
	       (unsigned long long)(t_connected - t_loaded), EVENTS,
	       (unsigned long long)(t_received - t_connected),
	       (unsigned long long)(proc_now_ms() - t0));
}
END_TEST

Suite *test_suite(void)
{
	find_chromium();
	Suite *s = suite_create("page_browser");
	TCase *tc = tcase_create("chromium");
	tcase_add_unchecked_fixture(tc, leftovers_setup, leftovers_teardown);
	tcase_add_test(tc, page_drives_every_paradigm);
	tcase_set_timeout(tc, 180);  /* each step bounded; together at most this */
	suite_add_tcase(s, tc);
	return s;
}
