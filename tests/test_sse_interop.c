/* test_sse_interop.c -- curl against GET /events: a client we did not
 * write reads our stream (RFC 9112 chunked or HTTP/1.0 raw) and must see
 * exactly the bytes of the WHATWG event stream we meant to send.
 *
 * curl runs as a child process ("curl -N": no output buffering) with
 * its stdout on a pipe that the server's own loop watches, so the test
 * waits by running the loop, never by sleeping.  --max-time bounds curl
 * should the test fail before it stops it.  Without curl (and no way to
 * install it) each test says so and passes without checking anything.
 * Helpers: support/sse_endpoint.h.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "support/sse_endpoint.h"

/* --- finding curl ------------------------------------------------------------ */

static bool on_path(const char *name, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(out, cap, "%.*s/%s", (int)n, path, name);
		if (n > 0 && access(out, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* The path of curl, installing it first when we are root and can. */
static const char *curl_path(void)
{
	static char path[512];
	if (on_path("curl", path, sizeof path))
		return path;
	if (geteuid() == 0 && on_path("apt-get", path, sizeof path)) {
		fprintf(stderr, "curl is missing: installing it with apt-get\n");
		if (system("apt-get install -y curl >/dev/null 2>&1") != 0)
			(void)!system("apt-get update >/dev/null 2>&1 && "
				      "apt-get install -y curl >/dev/null 2>&1");
		if (on_path("curl", path, sizeof path))
			return path;
	}
	fprintf(stderr, "SKIPPED: curl is not installed (apt-get install curl); "
			"the interop tests check nothing\n");
	return NULL;
}

/* --- curl as a child ----------------------------------------------------------- */

struct curl {
	struct srv *srv;
	pid_t pid;
	int fd;                         /* its stdout */
	bool watched, eof;
	struct tbuf out;
};

static void curl_io(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)events;
	struct curl *k = ud;
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n > 0) {
		tbuf_append(&k->out, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	k->eof = true;
	net_loop_unwatch(loop, fd);
	k->watched = false;
}

/* Starts "curl -N -s --max-time 20 [extra...] URL"; 'extra' ends with NULL. */
static void curl_start(struct curl *k, struct srv *s, const char *curl, const char *target,
		       const char *const *extra)
{
	*k = (struct curl){ .srv = s };
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)s->port, target);
	const char *argv[16] = { curl, "-N", "-s", "--max-time", "20" };
	int argc = 5;
	for (int i = 0; extra && extra[i] && argc < 14; i++)
		argv[argc++] = extra[i];
	argv[argc++] = url;
	argv[argc] = NULL;
	int p[2];
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	k->pid = fork();
	ck_assert_int_ge(k->pid, 0);
	if (k->pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execv(curl, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	k->fd = p[0];
	ck_assert_int_eq(fcntl(k->fd, F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(net_loop_watch(s->loop, k->fd, NET_READ, curl_io, k, NULL), 0);
	k->watched = true;
}

struct out_wait { struct curl *k; const char *want; };

static bool curl_has(void *arg)
{
	struct out_wait *w = arg;
	return w->k->eof || w->k->out.len >= strlen(w->want);
}

/* Runs the loop until curl has written at least as many bytes as 'want'
 * (or ended), then checks them. */
static void curl_expect(struct curl *k, const char *want)
{
	struct out_wait w = { k, want };
	ck_assert_msg(net_loop_run_until(k->srv->loop, curl_has, &w, WAIT_MS),
		      "curl wrote only: %s", tbuf_str(&k->out));
	ck_assert_str_eq(tbuf_str(&k->out), want);
}

static bool curl_ended(void *arg) { return ((struct curl *)arg)->eof; }

/* Stops curl (it would otherwise read the stream until --max-time). */
static void curl_stop(struct curl *k)
{
	if (k->watched)
		net_loop_unwatch(k->srv->loop, k->fd);
	close(k->fd);
	kill(k->pid, SIGTERM);
	int status;
	ck_assert_int_eq(waitpid(k->pid, &status, 0), k->pid);
	ck_assert_msg(!WIFEXITED(status) || WEXITSTATUS(status) != 127, "curl did not start");
	tbuf_free(&k->out);
}

/* --- the tests ---------------------------------------------------------------- */

#define EP SSE_TEST_EP      /* every id is EP-seq */

static const char live_events[] =
	"retry: 2000\n"
	"id: " EP "-1\nevent: message\ndata: hello\n\n"
	"id: " EP "-2\nevent: score\ndata: 1\ndata: 2\n\n"
	"id: " EP "-3\nevent: message\ndata:\n\n"
	"id: " EP "-4\nevent: message\ndata: caf\xc3\xa9\ndata: x\n\n";

static void publish_live(struct srv *s)
{
	srv_publish_str(s, "hello");
	srv_publish(s, "score", "1\r\n2", 4);
	srv_publish(s, "message", "", 0);
	srv_publish_str(s, "caf\xc3\xa9\rx");
}

/* curl decodes our chunked framing and hands over the event stream,
 * byte for byte: the retry line first, then each event as published. */
START_TEST(test_curl_live)
{
	const char *curl = curl_path();
	if (!curl)
		return;
	struct srv s;
	srv_start(&s, 0, NULL);
	struct curl k;
	curl_start(&k, &s, curl, "/events", NULL);
	srv_wait_subscribers(&s, 1);
	publish_live(&s);
	curl_expect(&k, live_events);
	curl_stop(&k);
	srv_wait_subscribers(&s, 0);                    /* its leaving unsubscribed it */
	srv_stop(&s);
}
END_TEST

/* The same over HTTP/1.0: no chunking, the stream as it is. */
START_TEST(test_curl_http10)
{
	const char *curl = curl_path();
	if (!curl)
		return;
	struct srv s;
	srv_start(&s, 0, NULL);
	struct curl k;
	static const char *const extra[] = { "--http1.0", NULL };
	curl_start(&k, &s, curl, "/events", extra);
	srv_wait_subscribers(&s, 1);
	publish_live(&s);
	curl_expect(&k, live_events);
	srv_close(&s);                                  /* the close ends the body */
	ck_assert(net_loop_run_until(s.loop, curl_ended, &k, WAIT_MS));
	int status;
	ck_assert_int_eq(waitpid(k.pid, &status, 0), k.pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "curl took the close for an error: status %d", status);
	close(k.fd);
	tbuf_free(&k.out);
	srv_stop(&s);
}
END_TEST

/* -H 'Last-Event-ID: 2' (a plain number: the current epoch) gets 3 and 4
 * replayed, then the live 5; the query form, with the whole id, does the
 * same for a client that cannot set fields. */
START_TEST(test_curl_resume)
{
	const char *curl = curl_path();
	if (!curl)
		return;
	struct srv s;
	srv_start(&s, 0, NULL);
	publish_live(&s);
	static const char want[] =
		"retry: 2000\n"
		"id: " EP "-3\nevent: message\ndata:\n\n"
		"id: " EP "-4\nevent: message\ndata: caf\xc3\xa9\ndata: x\n\n"
		"id: " EP "-5\nevent: message\ndata: live\n\n";
	struct curl k, q;
	static const char *const extra[] = { "-H", "Last-Event-ID: 2", NULL };
	curl_start(&k, &s, curl, "/events", extra);
	curl_start(&q, &s, curl, "/events?lastEventId=" EP "-2", NULL);
	srv_wait_subscribers(&s, 2);
	srv_publish_str(&s, "live");
	curl_expect(&k, want);
	curl_expect(&q, want);
	curl_stop(&k);
	curl_stop(&q);
	srv_stop(&s);
}
END_TEST

/* An id older than the ring: the reset notice (with the id to resume
 * from), then what the ring holds. */
START_TEST(test_curl_reset)
{
	const char *curl = curl_path();
	if (!curl)
		return;
	struct srv s;
	srv_start(&s, 2, NULL);
	publish_live(&s);                               /* the ring keeps 3, 4 */
	static const char want[] =
		"retry: 2000\n"
		"id: " EP "-2\nevent: reset\ndata: {\"type\":\"reset\",\"reason\":\"evicted\","
		"\"missed\":2,\"seq\":2,\"id\":\"" EP "-2\"}\n\n"
		"id: " EP "-3\nevent: message\ndata:\n\n"
		"id: " EP "-4\nevent: message\ndata: caf\xc3\xa9\ndata: x\n\n";
	struct curl k;
	static const char *const extra[] = { "-H", "Last-Event-ID: 0", NULL };
	curl_start(&k, &s, curl, "/events", extra);
	curl_expect(&k, want);
	curl_stop(&k);
	srv_stop(&s);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("sse_interop");
	TCase *tc = tcase_create("curl");
	tcase_add_test(tc, test_curl_live);
	tcase_add_test(tc, test_curl_http10);
	tcase_add_test(tc, test_curl_resume);
	tcase_add_test(tc, test_curl_reset);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
