/* test_sse_tool.c -- bin/sseparse end to end: a stream in on stdin, JSON
 * lines and an exit status out.  The program is run from bin/ (make test
 * builds it first) with its stdin, stdout and stderr on pipes, so a case
 * can also hand it the stream one byte per write and check that the
 * output does not change. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define S(x) x, sizeof(x) - 1

struct result {
	int status;             /* exit status */
	char out[4096], err[512];
};

/* Reads 'fd' to EOF into 'buf' (NUL-terminated, truncated to cap - 1). */
static void read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	for (;;) {
		ssize_t k = read(fd, buf + n, cap - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || (n += (size_t)k) == cap - 1)
			break;
	}
	buf[n] = '\0';
}

/* Runs "bin/sseparse [arg]" on 'in', written 'piece' bytes at a time (0:
 * all at once).  Outputs here stay far below a pipe's capacity, so
 * writing everything before reading cannot block. */
static void run(const char *arg, const char *in, size_t len, size_t piece,
		struct result *r)
{
	int to[2], out[2], err[2];
	ck_assert(pipe(to) == 0 && pipe(out) == 0 && pipe(err) == 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(to[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(to[1]);
		close(out[0]);
		close(err[0]);
		execl("bin/sseparse", "sseparse", arg, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(out[1]);
	close(err[1]);
	signal(SIGPIPE, SIG_IGN);       /* a refused flag exits before reading */
	for (size_t off = 0; off < len; ) {
		size_t k = piece && piece < len - off ? piece : len - off;
		ssize_t w = write(to[1], in + off, k);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(to[1]);
	read_all(out[0], r->out, sizeof r->out);
	read_all(err[0], r->err, sizeof r->err);
	close(out[0]);
	close(err[0]);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	r->status = WEXITSTATUS(st);
}

/* WHATWG HTML §9.2.6: the four-block example, then rules the JSON shows. */
static const char stream[] =
	": test stream\n\ndata: first event\nid: 1\n\n"
	"data:second event\nid\n\ndata:  third event\n\n"
	"\r\nretry: 2500\r\nevent: t\"q\r\ndata: a\0b\r\ndata: \xff\xc3\xa9\r\r"
	"retry: x\ndata: lost";
static const char want[] =
	"{\"event\": \"message\", \"data\": \"first event\", \"id\": \"1\"}\n"
	"{\"event\": \"message\", \"data\": \"second event\", \"id\": \"\"}\n"
	"{\"event\": \"message\", \"data\": \" third event\", \"id\": \"\"}\n"
	"{\"retry\": 2500}\n"
	"{\"event\": \"t\\\"q\", \"data\": \"a\\u0000b\\n\xef\xbf\xbd\xc3\xa9\", \"id\": \"\"}\n";

START_TEST(test_stream)
{
	static struct result r;
	run(NULL, S(stream), 0, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, want);
	ck_assert_str_eq(r.err, "");
}
END_TEST

/* _i bytes per write: the result must not depend on how reads fall. */
START_TEST(test_stream_in_pieces)
{
	static struct result r;
	run(NULL, S(stream), (size_t)_i, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, want);
}
END_TEST

START_TEST(test_bom_and_empty)
{
	static struct result r;
	run(NULL, S("\xef\xbb\xbf" "data: x\n\n"), 0, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "{\"event\": \"message\", \"data\": \"x\", \"id\": \"\"}\n");
	run(NULL, "", 0, 0, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "");
}
END_TEST

START_TEST(test_flags)
{
	static struct result r;
	run("--help", "", 0, 0, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: sseparse"));
	run("-h", "", 0, 0, &r);
	ck_assert_int_eq(r.status, 0);
	run("--bogus", S("data: x\n\n"), 0, &r);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_ptr_nonnull(strstr(r.err, "--bogus"));
	ck_assert_ptr_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);   /* one line */
	run("file.txt", "", 0, 0, &r);
	ck_assert_int_eq(r.status, 2);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("sse_tool");
	TCase *tc = tcase_create("sseparse");
	tcase_add_test(tc, test_stream);
	tcase_add_loop_test(tc, test_stream_in_pieces, 1, 8);
	tcase_add_test(tc, test_bom_and_empty);
	tcase_add_test(tc, test_flags);
	suite_add_tcase(s, tc);
	return s;
}
