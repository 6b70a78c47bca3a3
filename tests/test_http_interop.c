/* test_http_interop.c -- the server against a client we did not write:
 * the real curl, started with fork/exec while the test drives the
 * server's loop.  GET, HEAD (-I), POST --data, keep-alive reuse (two
 * URLs, one connection), HTTP/1.0, chunked uploads, Expect:
 * 100-continue (and its 413 for a body too large), a streamed answer.
 *
 * curl is found on PATH.  If it is missing we try "apt-get install -y
 * curl" when running as root; otherwise every test here is skipped with
 * a message.  Each curl gets --noproxy '*' (a proxy set in the
 * environment must not come between it and 127.0.0.1), -q (no .curlrc)
 * and --max-time, and each wait for it is bounded. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "support/http_server_fixture.h"
#include "support/tool.h"

static bool have_curl;

struct run {
	int status;                     /* exit code, or -1 */
	char *out, *err;                /* NUL-terminated */
	size_t out_len, err_len;
};

struct child { pid_t pid; int status; bool done; };

static bool child_exited(void *arg)
{
	struct child *c = arg;
	if (!c->done && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->done = true;
	return c->done;
}

static char *slurp(FILE *f, size_t *len)
{
	fflush(f);
	long n = ftell(f);
	ck_assert_int_ge(n, 0);
	char *buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	rewind(f);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Runs curl with 'args' (NULL-terminated) against the fixture's server,
 * feeding 'in' on its standard input, and drives the loop until it
 * exits. */
static void run_curl(const char *const *args, const void *in, size_t in_len, struct run *r)
{
	const char *argv[32] = { "curl", "-q", "--noproxy", "*", "--max-time", "10", "-sS" };
	size_t n = 7;
	for (size_t i = 0; args[i]; i++) {
		ck_assert_uint_lt(n, 31);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	FILE *fin = tmpfile(), *fout = tmpfile(), *ferr = tmpfile();
	ck_assert(fin && fout && ferr);
	if (in_len)
		ck_assert_uint_eq(fwrite(in, 1, in_len, fin), in_len);
	fflush(fin);
	rewind(fin);
	struct child c = { .pid = fork() };
	ck_assert_int_ge(c.pid, 0);
	if (c.pid == 0) {
		dup2(fileno(fin), 0);
		dup2(fileno(fout), 1);
		dup2(fileno(ferr), 2);
		execvp("curl", (char *const *)argv);
		_exit(127);
	}
	fclose(fin);
	if (!net_loop_run_until(F.loop, child_exited, &c, 15000)) {
		kill(c.pid, SIGKILL);                   /* ours: end it, then fail */
		waitpid(c.pid, &c.status, 0);
		ck_abort_msg("curl did not finish");
	}
	r->status = WIFEXITED(c.status) ? WEXITSTATUS(c.status) : -1;
	r->out = slurp(fout, &r->out_len);
	r->err = slurp(ferr, &r->err_len);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* "http://127.0.0.1:<port><path>" in a static buffer of its own. */
static const char *url(int slot, const char *path)
{
	static char bufs[4][128];
	snprintf(bufs[slot], sizeof bufs[slot], "http://127.0.0.1:%u%s", (unsigned)F.port, path);
	return bufs[slot];
}

#define SKIP_WITHOUT_CURL() do { if (!have_curl) return; } while (0)

static void expect_ok(const struct run *r)
{
	ck_assert_msg(r->status == 0, "curl exited %d: %s", r->status, r->err);
}

/* --- the tests ---------------------------------------------------------- */

START_TEST(test_curl_get)
{
	SKIP_WITHOUT_CURL();
	fixture_start(NULL);
	struct run r;
	run_curl((const char *[]){ url(0, "/hello"), NULL }, NULL, 0, &r);
	expect_ok(&r);
	ck_assert_str_eq(r.out, "hello\n");
	run_free(&r);
	run_curl((const char *[]){ "-o", "/dev/null", "-w", "%{http_code}", url(0, "/nowhere"),
				   NULL }, NULL, 0, &r);
	expect_ok(&r);
	ck_assert_str_eq(r.out, "404");
	run_free(&r);
	fixture_stop();
}
END_TEST

START_TEST(test_curl_head)
{
	SKIP_WITHOUT_CURL();
	fixture_start(NULL);
	struct run r;
	run_curl((const char *[]){ "-I", url(0, "/big?n=1234"), NULL }, NULL, 0, &r);
	expect_ok(&r);
	ck_assert_msg(strncmp(r.out, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "\r\nContent-Length: 1234\r\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "\r\nContent-Type: text/plain\r\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "\r\nDate: "));
	ck_assert_uint_eq(F.handled, 1);
	run_free(&r);
	fixture_stop();
}
END_TEST

START_TEST(test_curl_post)
{
	SKIP_WITHOUT_CURL();
	fixture_start(NULL);
	struct run r;
	run_curl((const char *[]){ "--data", "a=1&b=two", url(0, "/echo"), NULL }, NULL, 0, &r);
	expect_ok(&r);
	ck_assert_str_eq(r.out, "a=1&b=two");
	ck_assert_uint_eq(F.last_body_len, 9);
	run_free(&r);
	fixture_stop();
}
END_TEST

/* Two URLs in one curl: the second goes on the same connection. */
START_TEST(test_curl_keep_alive)
{
	SKIP_WITHOUT_CURL();
	fixture_start(NULL);
	struct run r;
	run_curl((const char *[]){ "-v", url(0, "/hello"), url(1, "/later?ms=5&tag=k"), NULL },
		 NULL, 0, &r);
	expect_ok(&r);
	ck_assert_str_eq(r.out, "hello\nlater k\n");
	ck_assert_msg(strstr(r.err, "Re-using existing connection") != NULL, "%s", r.err);
	ck_assert_uint_eq(F.ledger.c.handshakes, 1);
	ck_assert_uint_eq(F.handled, 2);
	run_free(&r);
	fixture_stop();
}
END_TEST

/* HTTP/1.0: each answer says close, so each URL costs a connection. */
START_TEST(test_curl_http10)
{
	SKIP_WITHOUT_CURL();
	fixture_start(NULL);
	struct run r;
	run_curl((const char *[]){ "--http1.0", "-i", url(0, "/hello"), url(1, "/hello"), NULL },
		 NULL, 0, &r);
	expect_ok(&r);
	const char *ans = "HTTP/1.1 200 OK\r\n";
	ck_assert_msg(strncmp(r.out, ans, strlen(ans)) == 0, "%s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "\r\nConnection: close\r\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "\r\n\r\nhello\n"));
	ck_assert_uint_eq(F.ledger.c.handshakes, 2);
	run_free(&r);
	/* A streamed answer to HTTP/1.0 ends with the close. */
	run_curl((const char *[]){ "--http1.0", url(0, "/ticks"), NULL }, NULL, 0, &r);
	expect_ok(&r);
	ck_assert_str_eq(r.out, "tick 1\ntick 2\ntick 3\n");
	run_free(&r);
	fixture_stop();
}
END_TEST

static char *pattern(size_t n)
{
	char *p = malloc(n + 1);
	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('A' + i % 26);
	p[n] = '\0';
	return p;
}

/* Chunked upload of standard input. */
START_TEST(test_curl_chunked_upload)
{
	SKIP_WITHOUT_CURL();
	fixture_start(NULL);
	size_t n = 300000;
	char *data = pattern(n);
	struct run r;
	run_curl((const char *[]){ "-H", "Transfer-Encoding: chunked", "--data-binary", "@-",
				   url(0, "/echo"), NULL }, data, n, &r);
	expect_ok(&r);
	ck_assert_uint_eq(r.out_len, n);
	ck_assert(memcmp(r.out, data, n) == 0);
	ck_assert_uint_eq(F.last_body_len, n);
	run_free(&r);
	free(data);
	fixture_stop();
}
END_TEST

/* Expect: 100-continue: curl waits for the 100 before the body. */
START_TEST(test_curl_continue)
{
	SKIP_WITHOUT_CURL();
	fixture_start(NULL);
	size_t n = 200000;
	char *data = pattern(n);
	struct run r;
	run_curl((const char *[]){ "-v", "-H", "Expect: 100-continue", "--expect100-timeout", "5",
				   "--data-binary", "@-", url(0, "/echo"), NULL }, data, n, &r);
	expect_ok(&r);
	ck_assert_msg(strstr(r.err, "HTTP/1.1 100 Continue") != NULL, "%s", r.err);
	ck_assert_uint_eq(r.out_len, n);
	ck_assert(memcmp(r.out, data, n) == 0);
	run_free(&r);
	free(data);
	fixture_stop();
}
END_TEST

/* Too large for the server: 413 at once, the body never sent. */
START_TEST(test_curl_continue_too_large)
{
	SKIP_WITHOUT_CURL();
	fixture_start(NULL);
	size_t n = HTTP_MAX_BODY + 1;
	char *data = pattern(n);
	struct run r;
	run_curl((const char *[]){ "-o", "/dev/null", "-w", "%{http_code}", "-H",
				   "Expect: 100-continue", "--expect100-timeout", "5",
				   "--data-binary", "@-", url(0, "/echo"), NULL }, data, n, &r);
	ck_assert_msg(strcmp(r.out, "413") == 0, "out %s, err %s", r.out, r.err);
	ck_assert_uint_eq(F.handled, 0);
	ck_assert_uint_lt(F.ledger.c.bytes_in, 64 * 1024);     /* the body stayed with curl */
	run_free(&r);
	free(data);
	fixture_stop();
}
END_TEST

START_TEST(test_curl_stream)
{
	SKIP_WITHOUT_CURL();
	fixture_start(NULL);
	struct run r;
	run_curl((const char *[]){ "-N", url(0, "/ticks"), url(1, "/stream"), NULL }, NULL, 0, &r);
	expect_ok(&r);
	ck_assert_str_eq(r.out, "tick 1\ntick 2\ntick 3\none\ntwo\n");
	ck_assert_uint_eq(F.ledger.c.handshakes, 1);
	run_free(&r);
	fixture_stop();
}
END_TEST

/* --- finding curl ------------------------------------------------------- */

static void find_curl(void)
{
	char path[256];
	have_curl = tool_find("curl", "curl", "test_http_interop", path, sizeof path);
}

/* Looks for curl first: test_suite() runs once, in the runner's process,
 * before any test forks, so every test sees 'have_curl'. */
Suite *test_suite(void)
{
	find_curl();
	Suite *s = suite_create("http_interop");
	TCase *tc = tcase_create("curl");
	tcase_add_test(tc, test_curl_get);
	tcase_add_test(tc, test_curl_head);
	tcase_add_test(tc, test_curl_post);
	tcase_add_test(tc, test_curl_keep_alive);
	tcase_add_test(tc, test_curl_http10);
	tcase_add_test(tc, test_curl_chunked_upload);
	tcase_add_test(tc, test_curl_continue);
	tcase_add_test(tc, test_curl_continue_too_large);
	tcase_add_test(tc, test_curl_stream);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
