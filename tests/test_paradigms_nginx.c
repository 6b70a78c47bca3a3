/* test_paradigms_nginx.c -- `pushpull serve` behind the real nginx, with
 * the configuration block README.md gives under "Behind nginx", read from
 * README.md itself (only its two addresses are changed), so that what a
 * reader copies is what was tested:
 *   - an SSE event reaches the client through nginx at once (no proxy
 *     buffering holds it), and so does a heartbeat of a quiet stream;
 *   - a WebSocket echo passes the upgrade;
 *   - a long poll held longer than a request usually takes is answered
 *     (204) through it, not cut;
 *   - a publish through nginx from outside the machine's name is still
 *     refused: the block passes the client's Host on.
 * nginx is installed when missing and the test runs as root; otherwise
 * the suite is skipped with a message. */
#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "support/proc.h"
#include "support/tool.h"
#include "support/ws_peer.h"

#define PUSHPULL "bin/pushpull"
#define WAIT_MS 5000

static bool have_nginx;
static char nginx_bin[256];

static pid_t srv, ngx;
static int srv_out, srv_err, ngx_out, ngx_err;
static uint16_t pp_port, ngx_port;
static char dir[64];

/* The ```nginx block under "### Behind nginx" in README.md, malloc'd. */
static char *readme_block(void)
{
	FILE *f = fopen("README.md", "r");
	ck_assert_ptr_nonnull(f);
	static char text[256 * 1024];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	const char *sec = strstr(text, "\n### Behind nginx\n");
	ck_assert_msg(sec != NULL, "README.md has no \"### Behind nginx\"");
	const char *start = strstr(sec, "\n```nginx\n");
	ck_assert_ptr_nonnull(start);
	start += strlen("\n```nginx\n");
	const char *end = strstr(start, "\n```\n");
	ck_assert_ptr_nonnull(end);
	return strndup(start, (size_t)(end - start) + 1);
}

/* Replaces the one occurrence of 'from' in *s with 'to'. */
static void replace(char **s, const char *from, const char *to)
{
	char *at = strstr(*s, from);
	ck_assert_msg(at != NULL, "the README block has no \"%s\"", from);
	size_t head = (size_t)(at - *s), fl = strlen(from), tl = strlen(to), rest = strlen(at + fl);
	char *r = malloc(head + tl + rest + 1);
	memcpy(r, *s, head);
	memcpy(r + head, to, tl);
	memcpy(r + head + tl, at + fl, rest + 1);
	free(*s);
	*s = r;
}

static uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t n = sizeof sa;
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	getsockname(fd, (struct sockaddr *)&sa, &n);
	close(fd);
	return ntohs(sa.sin_port);
}

static int dial(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	struct timeval tv = { 0, 100 * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* Reads into 'buf' until it holds 'want' or 'ms' pass; true if it does. */
static bool read_until(int fd, char *buf, size_t cap, size_t *len, const char *want, int ms)
{
	uint64_t end = proc_now_ms() + (uint64_t)ms;
	while (!strstr(buf, want) && proc_now_ms() < end && *len + 1 < cap) {
		ssize_t k = recv(fd, buf + *len, cap - 1 - *len, 0);
		if (k == 0)
			break;
		if (k > 0) {
			*len += (size_t)k;
			buf[*len] = '\0';
		}
	}
	return strstr(buf, want) != NULL;
}

static void up(void)
{
	if (!have_nginx)
		return;
	char *const serve[] = { PUSHPULL, "serve", "--port", "0", "--heartbeat", "300", NULL };
	char base[64];
	srv = proc_serve_start(serve, &srv_out, &srv_err, base, sizeof base);
	pp_port = (uint16_t)atoi(strrchr(base, ':') + 1);
	ngx_port = free_port();
	snprintf(dir, sizeof dir, "/tmp/pushpull-nginx-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *block = readme_block(), to[64];
	snprintf(to, sizeof to, "server 127.0.0.1:%u;", (unsigned)pp_port);
	replace(&block, "server 127.0.0.1:8080;", to);
	snprintf(to, sizeof to, "listen 127.0.0.1:%u;", (unsigned)ngx_port);
	replace(&block, "listen 80;", to);
	char conf[128];
	snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
	FILE *f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "daemon off;\nmaster_process off;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
		"events { worker_connections 64; }\nhttp {\naccess_log off;\n"
		"client_body_temp_path %s/body;\nproxy_temp_path %s/proxy;\n"
		"fastcgi_temp_path %s/fastcgi;\nuwsgi_temp_path %s/uwsgi;\nscgi_temp_path %s/scgi;\n"
		"%s}\n", dir, dir, dir, dir, dir, dir, dir, block);
	fclose(f);
	free(block);
	char *const argv[] = { nginx_bin, "-p", dir, "-c", conf, "-e", "/dev/stderr", NULL };
	ngx = proc_spawn(argv, NULL, &ngx_out, &ngx_err);
	uint64_t end = proc_now_ms() + WAIT_MS;
	int fd = -1;
	while (proc_now_ms() < end && (fd = dial(ngx_port)) < 0) {
		struct timespec pause = { 0, 50 * 1000 * 1000 };       /* nginx has no way to say */
		nanosleep(&pause, NULL);
	}
	ck_assert_msg(fd >= 0, "nginx did not start on port %u", (unsigned)ngx_port);
	close(fd);
}

static void down(void)
{
	if (!have_nginx)
		return;
	kill(ngx, SIGQUIT);                     /* ours, by its pid */
	struct proc_run r;
	memset(&r, 0, sizeof r);
	proc_drain(&r, ngx_out, ngx_err, 3000);
	close(ngx_out);
	close(ngx_err);
	proc_reap(&r, ngx, 3000);
	proc_serve_stop(srv, srv_out, srv_err, &r);
	char sh[128];
	snprintf(sh, sizeof sh, "rm -rf '%s'", dir);
	(void)system(sh);
}

/* POST /publish through nginx with 'host' as Host: the status. */
static int publish(const char *host, const char *data)
{
	int fd = dial(ngx_port);
	ck_assert_int_ge(fd, 0);
	char req[512], buf[2048] = "";
	size_t len = 0;
	snprintf(req, sizeof req, "POST /publish?type=t HTTP/1.1\r\nHost: %s\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", host, strlen(data), data);
	ck_assert_int_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	ck_assert(read_until(fd, buf, sizeof buf, &len, "\r\n\r\n", WAIT_MS));
	close(fd);
	int status = 0;
	sscanf(buf, "HTTP/1.1 %d", &status);
	return status;
}

START_TEST(sse_unbuffered)
{
	if (!have_nginx)
		return;
	int fd = dial(ngx_port);
	ck_assert_int_ge(fd, 0);
	const char *req = "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n";
	send(fd, req, strlen(req), 0);
	static char buf[65536];
	size_t len = 0;
	buf[0] = '\0';
	ck_assert(read_until(fd, buf, sizeof buf, &len, "\r\n\r\n", WAIT_MS));
	ck_assert_msg(strncmp(buf, "HTTP/1.1 200", 12) == 0, "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "text/event-stream"));
	/* A heartbeat (every 300 ms here) comes through on its own. */
	ck_assert_msg(read_until(fd, buf, sizeof buf, &len, "\n:", 2000), "no heartbeat: %s", buf);
	ck_assert_int_eq(publish("localhost", "through the proxy"), 200);
	uint64_t t0 = proc_now_ms();
	ck_assert_msg(read_until(fd, buf, sizeof buf, &len, "through the proxy", 1000),
		      "the event did not come through within a second: %s", buf);
	fprintf(stderr, "test_paradigms_nginx: the event came through nginx %llu ms after its "
		"publish was answered\n", (unsigned long long)(proc_now_ms() - t0));
	close(fd);
}
END_TEST

START_TEST(websocket_upgrade)
{
	if (!have_nginx)
		return;
	struct wsp p;
	ck_assert(wsp_connect(&p, ngx_port, NULL));
	ck_assert(wsp_upgrade(&p, "/echo"));
	ck_assert(wsp_send_frame(&p, 0x81, "over nginx", 10));
	struct wsp_frame f;
	ck_assert_int_eq(wsp_read_frame(&p, &f, WAIT_MS), 1);
	ck_assert_uint_eq(f.len, 10);
	ck_assert_int_eq(memcmp(f.data, "over nginx", 10), 0);
	free(f.data);
	wsp_close(&p);
}
END_TEST

START_TEST(long_poll_held)
{
	if (!have_nginx)
		return;
	int fd = dial(ngx_port);
	ck_assert_int_ge(fd, 0);
	/* since=0 of a feed with no events: held until the timeout. */
	const char *req = "GET /score?since=0&timeout=2500 HTTP/1.1\r\nHost: localhost\r\n\r\n";
	uint64_t t0 = proc_now_ms();
	send(fd, req, strlen(req), 0);
	char buf[4096] = "";
	size_t len = 0;
	ck_assert(read_until(fd, buf, sizeof buf, &len, "\r\n\r\n", WAIT_MS));
	uint64_t held = proc_now_ms() - t0;
	ck_assert_msg(strncmp(buf, "HTTP/1.1 204", 12) == 0, "%s", buf);
	ck_assert_uint_ge(held, 2000);
	close(fd);
}
END_TEST

START_TEST(publish_from_outside_refused)
{
	if (!have_nginx)
		return;
	/* nginx connects from loopback, but the client named another host. */
	ck_assert_int_eq(publish("scores.example.org", "from outside"), 403);
	ck_assert_int_eq(publish("localhost", "from here"), 200);
}
END_TEST

/* Looks for nginx once, in the runner's process, before any test forks. */
Suite *test_suite(void)
{
	have_nginx = tool_find("nginx", "nginx", "test_paradigms_nginx", nginx_bin,
			       sizeof nginx_bin);
	Suite *s = suite_create("paradigms_nginx");
	TCase *tc = tcase_create("behind nginx");
	tcase_add_checked_fixture(tc, up, down);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sse_unbuffered);
	tcase_add_test(tc, websocket_upgrade);
	tcase_add_test(tc, long_poll_held);
	tcase_add_test(tc, publish_from_outside_refused);
	suite_add_tcase(s, tc);
	return s;
}
