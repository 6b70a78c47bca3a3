/* test_ws_interop.c -- our WebSocket ends against another implementation:
 * Python's 'websockets' library (Debian package python3-websockets).
 *
 *   a Python client against our /echo: text, binary, 1 MiB, a message in
 *     fragments, a ping, and the close handshake -- which must finish
 *     quickly, because our server closes TCP first (RFC 6455 §7.1.1)
 *     instead of leaving the client to its close timeout;
 *   two Python clients against our /ws: a message from one reaches both
 *     as the feed's JSON; binary earns Close 1003;
 *   a Python server for our pp_client: numbered events, a message sent
 *     back, and the server's Close, after which the client says it will
 *     reconnect.
 *
 * Python is started with fork/exec and an inline script; the test waits
 * for it with a deadline (running our loop meanwhile, so the in-process
 * server answers) and ends only the child it started, by its PID.  When
 * no python3 can import websockets the cases pass with a note saying they
 * were skipped; running as root, test_suite() first tries to install
 * the package with apt-get.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "paradigms/client.h"
#include "support/looptest.h"
#include "support/ws_server.h"

#define PY_DEADLINE_MS 30000

/* The interpreter that has the module, or NULL (found once, in test_suite). */
static const char *python;

/* Runs 'py -c code args...' with stdout on a pipe (*out_fd; -1: to
 * /dev/null) and stderr inherited.  Returns the PID or -1. */
static pid_t spawn(const char *py, const char *code, const char *arg, int *out_fd)
{
	int fds[2] = { -1, -1 };
	if (out_fd && pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(out_fd ? fds[1] : null, 1);
		if (!out_fd)
			dup2(null, 2);
		dup2(null, 0);
		if (strchr(py, '/'))
			execl(py, py, "-c", code, arg, (char *)NULL);
		else
			execlp(py, py, "-c", code, arg, (char *)NULL);
		_exit(127);
	}
	if (out_fd) {
		close(fds[1]);
		*out_fd = pid > 0 ? fds[0] : -1;
		if (pid < 0)
			close(fds[0]);
	}
	return pid;
}

static bool has_websockets(const char *py)
{
	pid_t pid = spawn(py, "import websockets", NULL, NULL);
	int status = 0;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static const char *find_python(void)
{
	static const char *const candidates[] = { "/usr/bin/python3", "python3" };
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
		if (has_websockets(candidates[i]))
			return candidates[i];
	return NULL;
}

/* --- waiting for a child ------------------------------------------------ */

struct child {
	pid_t pid;
	int out;                /* its stdout */
	int status;
	bool exited;
	char text[4096];        /* what it printed */
	size_t len;
};

/* Reads what the child printed so far, without blocking. */
static void child_read(struct child *c)
{
	for (;;) {
		ssize_t n = read(c->out, c->text + c->len, sizeof c->text - 1 - c->len);
		if (n <= 0)
			break;
		c->len += (size_t)n;
	}
	c->text[c->len] = '\0';
}

static bool child_done(void *arg)
{
	struct child *c = arg;
	child_read(c);
	if (!c->exited && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->exited = true;
	return c->exited;
}

/* Runs 'loop' until the child exits (or the deadline: then it is killed). */
static void child_wait(struct child *c, struct net_loop *loop)
{
	fcntl(c->out, F_SETFL, O_NONBLOCK);
	if (!net_loop_run_until(loop, child_done, c, PY_DEADLINE_MS)) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &c->status, 0);
		c->exited = true;
	}
	child_read(c);
	close(c->out);
}

/* --- a Python client against our server ---------------------------------- */

static const char echo_client[] =
	"import asyncio, sys, time, websockets\n"
	"async def main(port):\n"
	"    async with websockets.connect('ws://127.0.0.1:%d/echo' % port, max_size=None) as ws:\n"
	"        await ws.send('h\\u00e9llo')\n"
	"        assert await ws.recv() == 'h\\u00e9llo'\n"
	"        await ws.send(b'\\x00\\xff\\x10')\n"
	"        assert await ws.recv() == b'\\x00\\xff\\x10'\n"
	"        big = bytes(range(256)) * 4096\n"
	"        await ws.send(big)\n"
	"        assert await ws.recv() == big\n"
	"        await ws.send(['frag', 'men', 'ted'])\n"
	"        assert await ws.recv() == 'fragmented'\n"
	"        await asyncio.wait_for(await ws.ping(b'abc'), 5)\n"
	"        print('extensions', ws.response_headers.get('Sec-WebSocket-Extensions'))\n"
	"        t0 = time.monotonic()\n"
	"        await ws.close(code=1000, reason='done')\n"
	"        print('close', ws.close_code, 'fast' if time.monotonic() - t0 < 2 else 'slow')\n"
	"asyncio.run(asyncio.wait_for(main(int(sys.argv[1])), 20))\n"
	"print('ok')\n";

static const char feed_clients[] =
	"import asyncio, json, sys, websockets\n"
	"async def main(port):\n"
	"    url = 'ws://127.0.0.1:%d/ws' % port\n"
	"    async with websockets.connect(url) as a, websockets.connect(url) as b:\n"
	"        await a.send('chat from python')\n"
	"        for ws in (a, b):\n"
	"            m = json.loads(await asyncio.wait_for(ws.recv(), 5))\n"
	"            print('got', m['seq'], m['type'], m['data'])\n"
	"        await b.send(b'binary')\n"
	"        try:\n"
	"            await asyncio.wait_for(b.recv(), 5)\n"
	"        except websockets.ConnectionClosed:\n"
	"            print('closed', b.close_code)\n"
	"asyncio.run(asyncio.wait_for(main(int(sys.argv[1])), 20))\n"
	"print('ok')\n";

static struct wst_server srv;

static void up(void)
{
	if (python)
		ck_assert(wst_start(&srv, NULL));
}

static void down(void)
{
	if (python)
		ck_assert_uint_eq(wst_stop(&srv), 0);
}

static void run_client(const char *script, struct child *c)
{
	char port[16];
	snprintf(port, sizeof port, "%u", (unsigned)srv.port);
	memset(c, 0, sizeof *c);
	c->pid = spawn(python, script, port, &c->out);
	ck_assert_int_gt(c->pid, 0);
	child_wait(c, srv.loop);
}

#define SKIP_WITHOUT_PYTHON() do { if (!python) return; } while (0)

START_TEST(python_client_echo)
{
	SKIP_WITHOUT_PYTHON();
	struct child c;
	run_client(echo_client, &c);
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "python: %s", c.text);
	/* permessage-deflate was offered and not answered (§9.1): no extension. */
	ck_assert_str_eq(c.text, "extensions None\nclose 1000 fast\nok\n");
}
END_TEST

START_TEST(python_clients_feed)
{
	SKIP_WITHOUT_PYTHON();
	struct child c;
	run_client(feed_clients, &c);
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "python: %s", c.text);
	ck_assert_str_eq(c.text, "got 1 message chat from python\ngot 1 message chat from python\n"
			 "closed 1003\nok\n");
	ck_assert_uint_eq(feed_latest(srv.feed), 1);
}
END_TEST

/* --- a Python server for our client ---------------------------------------- */

static const char py_server[] =
	"import asyncio, json, sys, websockets\n"
	"async def handler(ws, path=None):\n"
	"    await ws.send(json.dumps({'seq': 1, 'type': 'greeting', 'data': 'hello'}))\n"
	"    await ws.send(json.dumps({'seq': 2, 'type': 'greeting', 'data': 'again'}))\n"
	"    text = await ws.recv()\n"
	"    await ws.send(json.dumps({'seq': 3, 'type': 'message', 'data': text}))\n"
	"    await ws.close(1000, 'bye')\n"
	"async def main():\n"
	"    async with websockets.serve(handler, '127.0.0.1', 0) as server:\n"
	"        print(server.sockets[0].getsockname()[1], flush=True)\n"
	"        await asyncio.wait_for(asyncio.Future(), 30)\n"
	"try:\n"
	"    asyncio.run(main())\n"
	"except asyncio.TimeoutError:\n"
	"    pass\n";

struct seen {
	int events, notes;
	uint64_t seqs[8];
	char json[8][128];
	char note[256];
};

static void on_event(struct pp_client *cl, const struct pp_client_event *ev, void *ud)
{
	(void)cl;
	struct seen *s = ud;
	if (s->events < 8) {
		s->seqs[s->events] = ev->seq;
		snprintf(s->json[s->events], sizeof s->json[0], "%.*s", (int)ev->json_len, ev->json);
	}
	s->events++;
}

static void on_note(struct pp_client *cl, const char *msg, void *ud)
{
	(void)cl;
	struct seen *s = ud;
	s->notes++;
	snprintf(s->note, sizeof s->note, "%s", msg);
}

static bool two_events(void *arg) { return ((struct seen *)arg)->events >= 2; }
static bool all_events(void *arg) { return ((struct seen *)arg)->events >= 3; }
static bool noted(void *arg) { return ((struct seen *)arg)->notes >= 1; }

static bool sockets_closed(void *arg)
{
	struct net_ledger *l = arg;
	return l->c.sys[NET_SYS_CLOSE] == l->c.sys[NET_SYS_SOCKET];
}

/* The port the server printed, read with a deadline. */
static uint16_t read_port(int fd)
{
	char line[32];
	size_t n = 0;
	uint64_t deadline = looptest_now_ms() + 10000;
	while (n < sizeof line - 1 && !memchr(line, '\n', n)) {
		uint64_t now = looptest_now_ms();
		struct pollfd pf = { fd, POLLIN, 0 };
		if (now >= deadline || poll(&pf, 1, (int)(deadline - now)) <= 0)
			return 0;
		ssize_t k = read(fd, line + n, sizeof line - 1 - n);
		if (k <= 0)
			return 0;
		n += (size_t)k;
	}
	line[n] = '\0';
	return (uint16_t)atoi(line);
}

START_TEST(pp_client_against_python)
{
	SKIP_WITHOUT_PYTHON();
	int out = -1;
	pid_t pid = spawn(python, py_server, NULL, &out);
	ck_assert_int_gt(pid, 0);
	uint16_t port = read_port(out);
	close(out);
	if (port == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		ck_abort_msg("the Python server did not start");
	}
	struct net_loop *loop = net_loop_new(NULL);
	struct net_ledger ledger;
	net_ledger_init(&ledger, "ws/client");
	struct seen s;
	memset(&s, 0, sizeof s);
	struct pp_client_opts o = {
		.paradigm = PP_WEBSOCKET, .host = "127.0.0.1", .port = port, .path = "/feed",
		.interval_ms = 60000, .ledger = &ledger, .on_event = on_event, .on_note = on_note,
		.ud = &s,
	};
	struct pp_client *c = pp_client_start(loop, &o);
	ck_assert_ptr_nonnull(c);
	bool ok = net_loop_run_until(loop, two_events, &s, 10000);
	if (ok)
		ok = pp_client_send(c, "from pushpull \xe2\x82\xac", 17) == 0 &&
		     net_loop_run_until(loop, all_events, &s, 10000) &&
		     net_loop_run_until(loop, noted, &s, 10000);
	pp_client_free(c);
	net_loop_run_until(loop, sockets_closed, &ledger, 5000);
	net_loop_run_once(loop, 0);
	net_loop_free(loop);
	kill(pid, SIGTERM);                     /* the child we started, by PID */
	waitpid(pid, NULL, 0);

	ck_assert_msg(ok, "events %d, note: %s", s.events, s.note);
	ck_assert_uint_eq(s.seqs[0], 1);
	ck_assert_uint_eq(s.seqs[1], 2);
	ck_assert_uint_eq(s.seqs[2], 3);
	ck_assert_str_eq(s.json[0], "{\"seq\": 1, \"type\": \"greeting\", \"data\": \"hello\"}");
	ck_assert_str_eq(s.json[2], "{\"seq\": 3, \"type\": \"message\", \"data\": \"from pushpull "
			 "\\u20ac\"}");
	ck_assert_msg(strstr(s.note, "closed with 1000") && strstr(s.note, "reconnecting"),
		      "note: %s", s.note);
}
END_TEST

/* Finds python3 with websockets; running as root, installs the package
 * if none has it.  Says so when the cases will be skipped. */
static void python_setup(void)
{
	python = find_python();
	if (!python && getuid() == 0 && access("/usr/bin/apt-get", X_OK) == 0) {
		fprintf(stderr, "test_ws_interop: installing python3-websockets with apt-get\n");
		if (system("apt-get install -y python3-websockets >/dev/null 2>&1 || "
			   "(apt-get update >/dev/null 2>&1 && "
			   "apt-get install -y python3-websockets >/dev/null 2>&1)") != 0)
			fprintf(stderr, "test_ws_interop: apt-get could not install it\n");
		python = find_python();
	}
	if (!python)
		fprintf(stderr, "test_ws_interop: SKIPPED: no python3 can import websockets "
			"(install it with: apt-get install python3-websockets)\n");
}

/* test_suite() runs once, in the runner's process, before any test
 * forks, so every test inherits what it sets up: SIGPIPE ignored (a
 * write to a Python peer that has gone fails with EPIPE instead of ending
 * the test) and 'python'. */
Suite *test_suite(void)
{
	signal(SIGPIPE, SIG_IGN);
	python_setup();
	Suite *s = suite_create("ws_interop");
	TCase *tc = tcase_create("python");
	tcase_add_checked_fixture(tc, up, down);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, python_client_echo);
	tcase_add_test(tc, python_clients_feed);
	tcase_add_test(tc, pp_client_against_python);
	suite_add_tcase(s, tc);
	return s;
}
