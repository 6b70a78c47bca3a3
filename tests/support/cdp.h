/* cdp.h -- a real browser from a test: headless Chromium driven over the
 * Chrome DevTools Protocol, on the pipe it opens with
 * --remote-debugging-pipe (it reads commands on its fd 3 and writes
 * replies and events on its fd 4, each message one JSON text ended by a
 * NUL byte).
 *
 * Just what a test of a page needs: open a page, go to a URL, evaluate
 * JavaScript (awaiting a promise, the value returned as JSON), take a
 * screenshot, close.  Each command carries an id and its reply is found
 * by it; events are skipped, but for Runtime.exceptionThrown, which is
 * kept so that a test can say which script error broke the page.  Every
 * read and write has a deadline, and a message may be large (a
 * screenshot is hundreds of KB of base64): the buffer grows up to
 * CDP_MESSAGE_MAX.
 *
 * The functions return false and say why in 'error' (with the end of
 * Chromium's own log when it went away); none of them asserts, so that a
 * test can stop the browser before it fails.  The browser is a child of
 * ours, ended by its pid: Browser.close, then SIGKILL if it overstays. */
#ifndef PUSHPULL_TESTS_CDP_H
#define PUSHPULL_TESTS_CDP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CDP_MESSAGE_MAX (64u << 20)

struct cdp {
	pid_t pid;                      /* Chromium, 0 when not running */
	int status;                     /* its exit status after cdp_stop, -1 if killed */
	int to, from;                   /* our ends: commands out, replies and events in */
	char dir[64];                   /* its --user-data-dir (and its log), removed by cdp_stop */
	char session[96];               /* the page's sessionId, after cdp_open_page */
	char *buf;                      /* bytes read and not yet handed out */
	size_t len, cap, used;          /* 'used': the message handed out last, dropped next read */
	unsigned next_id;
	char error[2048];               /* why the last call failed */
	char exceptions[2048];          /* the page's uncaught exceptions, one a line */
	size_t exceptions_len;
};

/* Starts 'chromium' headless with a fresh profile directory and waits
 * (at most 'ms') until it answers a first command. */
bool cdp_start(struct cdp *c, const char *chromium, int ms);

/* Sends 'method' with 'params' (JSON object text, NULL for none), to the
 * page's session when 'on_page', and waits for its reply.  The result
 * object's text is in *result (valid until the next call). */
bool cdp_call(struct cdp *c, const char *method, const char *params, bool on_page, int ms,
	      const char **result, size_t *len);

/* Creates a page target, attaches to it (flatten: later commands carry
 * its sessionId), gives it a viewport of width x height CSS pixels (one
 * device pixel each), and enables its Page and Runtime domains. */
bool cdp_open_page(struct cdp *c, unsigned width, unsigned height, int ms);

/* Navigates the page to 'url' and waits until its document is complete. */
bool cdp_navigate(struct cdp *c, const char *url, int ms);

/* Evaluates 'expr' in the page, awaiting it if it is a promise, and
 * copies its value as JSON into out[0..cap) ("null" for undefined).  A
 * thrown exception is a failure that names it. */
bool cdp_eval(struct cdp *c, const char *expr, int ms, char *out, size_t cap);

/* Writes a PNG of what the page shows to 'path'; *size gets its bytes. */
bool cdp_screenshot(struct cdp *c, const char *path, int ms, size_t *size);

/* Browser.close, then waits at most 'ms' for the browser to exit, and
 * kills it by its pid if it overstays; removes its profile directory.
 * True when it exited by itself with status 0. */
bool cdp_stop(struct cdp *c, int ms);

/* Removes a directory and everything under it (not following links). */
void cdp_remove_tree(const char *dir);

#endif
