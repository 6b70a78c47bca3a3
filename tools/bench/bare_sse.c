/* bare_sse.c -- the floor under every SSE fan-out in `make bench`.
 *
 *   bare_sse PORT            (PORT 0 picks one; prints "listening PORT")
 *
 * The contract of `loadgen sse-fanout`, and nothing else:
 *   GET ...          a 200 text/event-stream answer, chunked, "retry: 2000"
 *                    first; the connection joins the streams;
 *   POST ... BODY    event number N, "id: N\nevent: message\ndata: BODY\n\n"
 *                    framed as one chunk, made once and sent to every stream
 *                    with one send() each; then 200 {"seq":N}.
 * No validation (BODY is taken to be one line), no heartbeat, no resume,
 * no ledger, no timers, no queue: a stream that cannot take an event
 * whole is dropped.  One thread, edge-triggered epoll.
 *
 * So its CPU time per delivery is what the kernel charges for a send and
 * for the loopback delivery that the send runs, plus almost nothing.
 * run.sh measures it beside pushpull and node: the ratio bare/node is the
 * best any server could score against node on this machine.  Not a
 * server to use.
 */
#include "bare.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <strings.h>

#define MAX_FDS    (1 << 18)   /* 262,144: the hundredk section's 100,000 streams fit */
#define REQ_MAX    8192         /* a request head and body, while unknown */

enum kind { FREE, READING, STREAM };

struct peer {
	enum kind kind;
	char *req;                  /* READING: the bytes so far */
	size_t len;
	int slot;                   /* STREAM: index in streams[] */
};

static struct peer peers[MAX_FDS];
static int streams[MAX_FDS], nstreams;
static unsigned long long seq;

static void drop(int fd)
{
	struct peer *p = &peers[fd];
	if (p->kind == STREAM) {
		int last = streams[--nstreams];
		streams[p->slot] = last;
		peers[last].slot = p->slot;
	}
	free(p->req);
	*p = (struct peer){ 0 };
	close(fd);
}

static void send_all(int fd, const char *b, size_t n)
{
	if (send(fd, b, n, MSG_NOSIGNAL) != (ssize_t)n)
		drop(fd);               /* gone, or too slow to take it whole */
}

static void open_stream(int fd)
{
	static const char head[] =
		"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
		"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"
		"c\r\nretry: 2000\n\r\n";
	struct peer *p = &peers[fd];
	free(p->req);
	p->req = NULL;
	p->len = 0;
	p->kind = STREAM;
	p->slot = nstreams;
	streams[nstreams++] = fd;
	send_all(fd, head, sizeof head - 1);
}

/* The POST in 'p' is whole: publish its body, answer, keep what follows. */
static void publish(int fd, size_t head_len, size_t body_len)
{
	struct peer *p = &peers[fd];
	static char ev[REQ_MAX + 128], chunk[REQ_MAX + 160];
	int n = snprintf(ev, sizeof ev, "id: %llu\nevent: message\ndata: %.*s\n\n",
			 ++seq, (int)body_len, p->req + head_len);
	int c = snprintf(chunk, sizeof chunk, "%x\r\n%s\r\n", n, ev);
	for (int i = nstreams - 1; i >= 0; i--)        /* drop() moves the last one down */
		send_all(streams[i], chunk, (size_t)c);
	char json[32], ans[128];
	int j = snprintf(json, sizeof json, "{\"seq\":%llu}", seq);
	int a = snprintf(ans, sizeof ans, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			 "Content-Length: %d\r\n\r\n%s", j, json);
	size_t used = head_len + body_len;
	memmove(p->req, p->req + used, p->len - used);
	p->len -= used;
	send_all(fd, ans, (size_t)a);
}

/* What a READING connection has so far: act on a whole request. */
static void examine(int fd)
{
	struct peer *p = &peers[fd];
	char *end = memmem(p->req, p->len, "\r\n\r\n", 4);
	if (!end)
		return;
	size_t head_len = (size_t)(end - p->req) + 4;
	if (p->len >= 4 && memcmp(p->req, "GET ", 4) == 0) {
		open_stream(fd);
		return;
	}
	size_t body_len = 0;
	for (char *f = p->req; f && f < end; f = memchr(f, '\n', (size_t)(end - f))) {
		f += *f == '\n';
		if (strncasecmp(f, "content-length:", 15) == 0)
			body_len = strtoul(f + 15, NULL, 10);
	}
	if (head_len + body_len > REQ_MAX) {
		drop(fd);
		return;
	}
	if (p->len >= head_len + body_len) {
		publish(fd, head_len, body_len);
		if (peers[fd].kind == READING && peers[fd].len > 0)
			examine(fd);    /* a request behind it */
	}
}

static void on_readable(int fd)
{
	struct peer *p = &peers[fd];
	for (;;) {
		char sink[4096];
		char *buf = p->kind == STREAM ? sink : p->req + p->len;
		size_t room = p->kind == STREAM ? sizeof sink : REQ_MAX - p->len;
		ssize_t r = recv(fd, buf, room, 0);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			drop(fd);
			return;
		}
		if (r < 0)
			return;                 /* drained */
		if (p->kind == READING) {
			p->len += (size_t)r;
			examine(fd);
			if (p->kind == FREE)
				return;         /* dropped */
		}
		if ((size_t)r < room)
			return;
	}
}

static int adopt(int fd)
{
	char *req = fd < MAX_FDS ? malloc(REQ_MAX) : NULL;
	if (!req)
		return -1;
	peers[fd] = (struct peer){ .kind = READING, .req = req };
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bare_sse PORT\n");
		return 2;
	}
	/* As many descriptors as the table has, or as many as may be had. */
	struct rlimit rl = { MAX_FDS, MAX_FDS };
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	int ep, l = bare_listen("bare_sse", argv[1], 4096, &ep);
	struct epoll_event evs[512];
	for (;;) {
		int k = epoll_wait(ep, evs, 512, -1);
		for (int i = 0; i < k; i++) {
			int fd = evs[i].data.fd;
			if (fd == l)
				bare_accept_all(l, ep, adopt);
			else if (peers[fd].kind != FREE)
				on_readable(fd);
		}
	}
}
