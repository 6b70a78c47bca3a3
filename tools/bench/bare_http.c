/* bare_http.c -- the floor under every HTTP server in `make bench`.
 *
 *   bare_http PORT BODY      (PORT 0 picks one; prints "listening PORT")
 *
 * It answers every request on every connection with the same bytes -- a
 * 200 with a fixed Date and BODY -- and does nothing else: no parsing
 * beyond finding each blank line that ends a request head, no validation,
 * no routing, no clock, no ledger.  One thread, edge-triggered epoll,
 * one recv until it comes up short, one send per batch of requests.
 *
 * So its CPU time per request is what the kernel charges for the
 * exchange itself (epoll_wait, recv, send, and the loopback delivery the
 * send runs), plus almost nothing.  run.sh measures it beside pushpull
 * and nginx: the ratio bare/nginx is the best any server could score
 * against nginx on this machine, which is what a target like "<= 0.85x
 * nginx's CPU per request" has to be read against.  It is not a server
 * to use: it never closes an idle connection and believes every byte.
 */
#include "bare.h"

#include <errno.h>
#include <string.h>

#define MAX_FDS    65536
#define MAX_BATCH  64           /* answers sent in one send() */

/* Per connection: how much of "\r\n\r\n" the last bytes matched. */
static unsigned char matched[MAX_FDS];

static char answer[4096];
static size_t answer_len;
static char batch[MAX_BATCH * sizeof answer];

/* Counts the request heads that end in 'buf', carrying a partial match
 * of the blank line over to the next read. */
static int count_heads(int fd, const char *buf, size_t len)
{
	static const char end[] = "\r\n\r\n";
	unsigned m = matched[fd];
	int heads = 0;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == end[m])
			m++;
		else
			m = buf[i] == '\r' ? 1 : 0;
		if (m == 4) {
			heads++;
			m = 0;
		}
	}
	matched[fd] = (unsigned char)m;
	return heads;
}

static void serve(int fd)
{
	char buf[65536];
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof buf, 0);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			close(fd);              /* the peer is done, or gone */
			return;
		}
		if (r < 0)
			return;                 /* drained */
		for (int n = count_heads(fd, buf, (size_t)r); n > 0;) {
			int k = n < MAX_BATCH ? n : MAX_BATCH;
			/* The batch buffer holds MAX_BATCH answers, filled once. */
			if (send(fd, batch, (size_t)k * answer_len, MSG_NOSIGNAL) < 0) {
				close(fd);
				return;
			}
			n -= k;
		}
		if ((size_t)r < sizeof buf)
			return;                 /* drained: the next edge will say */
	}
}

static int adopt(int fd)
{
	if (fd >= MAX_FDS)
		return -1;
	matched[fd] = 0;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bare_http PORT BODY\n");
		return 2;
	}
	int n = snprintf(answer, sizeof answer,
			 "HTTP/1.1 200 OK\r\nDate: Sat, 28 Nov 2026 00:00:00 GMT\r\n"
			 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			 strlen(argv[2]), argv[2]);
	if (n < 0 || (size_t)n >= sizeof answer) {
		fprintf(stderr, "bare_http: BODY too long\n");
		return 2;
	}
	answer_len = (size_t)n;
	for (int i = 0; i < MAX_BATCH; i++)
		memcpy(batch + (size_t)i * answer_len, answer, answer_len);

	int ep, l = bare_listen("bare_http", argv[1], 511, &ep);
	struct epoll_event evs[512];
	for (;;) {
		int k = epoll_wait(ep, evs, 512, -1);
		for (int i = 0; i < k; i++) {
			if (evs[i].data.fd == l)
				bare_accept_all(l, ep, adopt);
			else
				serve(evs[i].data.fd);
		}
	}
}
