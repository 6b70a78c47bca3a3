/* test_http_tool.c -- bin/httpparse end to end: bytes in on stdin, JSON
 * lines and an exit status out.  The program is run from bin/ (make test
 * builds it first); each case writes its input to a temporary file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs "bin/httpparse <args> < input"; returns the exit status and puts
 * stdout in 'out'. */
static int run(const char *args, const char *input, size_t len, char *out, size_t cap)
{
	char path[] = "/tmp/httpparse-test-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, input, len), (ssize_t)len);
	close(fd);

	char cmd[256];
	snprintf(cmd, sizeof cmd, "bin/httpparse %s < %s 2>/dev/null", args, path);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	int status = pclose(p);
	unlink(path);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_requests)
{
	static char out[4096];
	const char *in =
		"GET /a?b=1 HTTP/1.1\r\nHost: h\r\n\r\n"
		"POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
		"3\r\nab\"\r\n0\r\n\r\n"
		"GET / HTTP/1.0\r\n\r\n\r\n";
	ck_assert_int_eq(run("", in, strlen(in), out, sizeof out), 0);
	ck_assert_str_eq(out,
		"{\"method\":\"GET\",\"target\":\"/a?b=1\",\"version\":\"HTTP/1.1\","
		"\"headers\":[[\"Host\",\"h\"]],\"body\":\"\",\"keep_alive\":true}\n"
		"{\"method\":\"POST\",\"target\":\"/p\",\"version\":\"HTTP/1.1\","
		"\"headers\":[[\"Host\",\"h\"],[\"Transfer-Encoding\",\"chunked\"]],"
		"\"body\":\"ab\\\"\",\"keep_alive\":true}\n"
		"{\"method\":\"GET\",\"target\":\"/\",\"version\":\"HTTP/1.0\","
		"\"headers\":[],\"body\":\"\",\"keep_alive\":false}\n");
}
END_TEST

START_TEST(test_rejection_stops)
{
	static char out[4096];
	const char *in = "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/2.0\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
	ck_assert_int_eq(run("", in, strlen(in), out, sizeof out), 1);
	ck_assert_ptr_nonnull(strstr(out, "\n{\"error\": 505, \"reason\": \"HTTP version not supported\"}\n"));
	ck_assert_ptr_null(strstr(strstr(out, "error"), "method"));    /* nothing after */

	const char *cut = "GET / HTTP/1.1\r\nHost: h\r\n";
	ck_assert_int_eq(run("", cut, strlen(cut), out, sizeof out), 1);
	ck_assert_str_eq(out, "{\"error\": 400, \"reason\": \"incomplete message\"}\n");
}
END_TEST

START_TEST(test_responses_and_flags)
{
	static char out[4096];
	const char *in = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.0 404 Not Found\r\n\r\nrest";
	ck_assert_int_eq(run("--response", in, strlen(in), out, sizeof out), 0);
	ck_assert_str_eq(out,
		"{\"version\":\"HTTP/1.1\",\"status\":200,\"reason\":\"OK\","
		"\"headers\":[[\"Content-Length\",\"2\"]],\"body\":\"hi\",\"keep_alive\":true}\n"
		"{\"version\":\"HTTP/1.0\",\"status\":404,\"reason\":\"Not Found\","
		"\"headers\":[],\"body\":\"rest\",\"keep_alive\":false}\n");
	ck_assert_int_eq(run("--bogus", "", 0, out, sizeof out), 2);
	ck_assert_int_eq(run("--help", "", 0, out, sizeof out), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: httpparse"));
	ck_assert_int_eq(run("", "", 0, out, sizeof out), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

/* The JSON gives the bytes back exactly: a byte that is not UTF-8 is
 * "\udcXX", unlike the character U+00FF (util/json.h). */
START_TEST(test_bytes_not_utf8)
{
	static char out[4096];
	const char *in = "POST / HTTP/1.1\r\nHost: h\r\nX: \xff\xc3\xbf\r\nContent-Length: 3\r\n\r\n"
			 "\xc3\xbf\xff";
	ck_assert_int_eq(run("", in, strlen(in), out, sizeof out), 0);
	ck_assert_ptr_nonnull(strstr(out, "[\"X\",\"\\udcff\xc3\xbf\"]"));
	ck_assert_ptr_nonnull(strstr(out, "\"body\":\"\xc3\xbf\\udcff\""));
}
END_TEST

/* Input that cannot be read, output that cannot be written, input past
 * the 64 MiB bound: exit status 1, not a silent 0. */
START_TEST(test_io_errors)
{
	int st = system("bin/httpparse < / > /dev/null 2>&1");
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	st = system("printf 'GET / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n' | "
		    "bin/httpparse > /dev/full 2> /dev/null");
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	st = system("head -c 67108865 /dev/zero | bin/httpparse > /dev/null 2>&1");
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("http_tool");
	TCase *tc = tcase_create("httpparse");
	tcase_add_test(tc, test_requests);
	tcase_add_test(tc, test_rejection_stops);
	tcase_add_test(tc, test_responses_and_flags);
	tcase_add_test(tc, test_bytes_not_utf8);
	tcase_add_test(tc, test_io_errors);
	suite_add_tcase(s, tc);
	return s;
}
