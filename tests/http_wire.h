/* http_wire.h -- a test helper, not a test: raw client sockets that talk
 * exact bytes to a server running on a loop the test drives.
 *
 * The test, the server and these sockets share one thread and one loop.
 * A wire's socket is watched by that loop, so a turn ends as soon as the
 * server's answer arrives, and every wait is "run turns until the bytes
 * (or the close) are here", bounded by a deadline that fails the test.
 * Nothing sleeps.  The sockets are plain POSIX sockets on purpose: the
 * server under test must not be judged by src/net's own client side.
 *
 * Answers carry a Date field whose value changes every second, so
 * wire_expect() compares after taking every "Date: ..." line out (and
 * checking it is an IMF-fixdate, RFC 9110 §5.6.7).
 *
 * Included by the tests/test_http_server_*.c, test_http_client.c,
 * test_paradigms_http.c and test_http_interop.c suites.
 */
#ifndef PUSHPULL_TESTS_HTTP_WIRE_H
#define PUSHPULL_TESTS_HTTP_WIRE_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/loop.h"
#include "support/looptest.h"

#define WIRE_FN static __attribute__((unused))
#define WIRE_WAIT_MS 3000               /* the longest a wait may take (Check allows 4 s a test) */

struct wire {
	struct net_loop *loop;
	int fd;
	char *buf;                      /* bytes received and not yet expected */
	size_t len, cap;
	size_t total;                   /* bytes received in all */
	int dates;                      /* Date lines taken out so far */
	bool eof;                       /* the server closed (FIN or reset) */
	int err;                        /* errno of a failed recv (ECONNRESET) */
};

/* Reads whatever the socket holds; level-triggered, so once is enough. */
WIRE_FN void wire_on_io(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)events;
	struct wire *w = ud;
	for (;;) {
		if (w->cap - w->len < 4096) {
			size_t cap = w->cap ? w->cap * 2 : 16384;
			char *p = realloc(w->buf, cap);
			ck_assert_ptr_nonnull(p);
			w->buf = p;
			w->cap = cap;
		}
		ssize_t r = recv(fd, w->buf + w->len, w->cap - w->len - 1, 0);
		if (r > 0) {
			w->len += (size_t)r;
			w->total += (size_t)r;
			w->buf[w->len] = '\0';
			continue;
		}
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r < 0 && errno == EINTR)
			continue;
		w->err = r < 0 ? errno : 0;
		w->eof = true;
		net_loop_unwatch(loop, fd);     /* else EOF is reported every turn */
		return;
	}
}

/* Connects to 127.0.0.1:port.  The kernel completes the handshake into
 * the listener's backlog, so a blocking connect needs no loop turn. */
WIRE_FN void wire_open(struct wire *w, struct net_loop *loop, uint16_t port)
{
	memset(w, 0, sizeof *w);
	w->loop = loop;
	w->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(w->fd, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(w->fd, (struct sockaddr *)&sa, sizeof sa) == 0,
		      "connect: %s", strerror(errno));
	int one = 1;
	setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(w->fd, F_SETFL, fcntl(w->fd, F_GETFL) | O_NONBLOCK);
	ck_assert_int_eq(net_loop_watch(loop, w->fd, NET_READ, wire_on_io, w, NULL), 0);
}

WIRE_FN void wire_close(struct wire *w)
{
	if (w->fd >= 0) {
		if (!w->eof)
			net_loop_unwatch(w->loop, w->fd);
		close(w->fd);
	}
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

/* Closes with a reset (SO_LINGER 0): the server reads ECONNRESET. */
WIRE_FN void wire_reset(struct wire *w)
{
	struct linger lg = { 1, 0 };
	setsockopt(w->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	wire_close(w);
}

/* Sends every byte, running the loop while the socket buffer is full
 * (the server is on this very loop, so it must get turns to read). */
WIRE_FN void wire_send(struct wire *w, const void *data, size_t len)
{
	const char *p = data;
	uint64_t deadline = looptest_now_ms() + WIRE_WAIT_MS;
	while (len > 0) {
		ssize_t r = send(w->fd, p, len, MSG_NOSIGNAL);
		if (r > 0) {
			p += r;
			len -= (size_t)r;
			continue;
		}
		ck_assert_msg(r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR),
			      "send: %s", strerror(errno));
		ck_assert_msg(looptest_now_ms() < deadline, "send: the server does not read");
		net_loop_run_once(w->loop, 10);
	}
}

WIRE_FN void wire_sends(struct wire *w, const char *s) { wire_send(w, s, strlen(s)); }

/* Half-closes: the server reads EOF after what was sent. */
WIRE_FN void wire_shutdown(struct wire *w) { shutdown(w->fd, SHUT_WR); }

struct wire_want { struct wire *w; size_t len; };

WIRE_FN bool wire_has_len(void *arg)
{
	struct wire_want *ww = arg;
	return ww->w->len >= ww->len || ww->w->eof;
}

WIRE_FN bool wire_has_eof(void *arg) { return ((struct wire *)arg)->eof; }

/* Runs the loop until 'n' bytes are held (or the server closed). */
WIRE_FN bool wire_wait_len(struct wire *w, size_t n, int ms)
{
	struct wire_want ww = { w, n };
	return net_loop_run_until(w->loop, wire_has_len, &ww, ms) && w->len >= n;
}

WIRE_FN bool wire_wait_eof(struct wire *w, int ms)
{
	return net_loop_run_until(w->loop, wire_has_eof, w, ms);
}

struct wire_find { struct wire *w; const char *s; };

WIRE_FN bool wire_has_str(void *arg)
{
	struct wire_find *wf = arg;
	return (wf->w->buf && strstr(wf->w->buf, wf->s)) || wf->w->eof;
}

/* Runs the loop until the held bytes contain 's' (no NUL in the answer). */
WIRE_FN bool wire_wait_str(struct wire *w, const char *s, int ms)
{
	struct wire_find wf = { w, s };
	net_loop_run_until(w->loop, wire_has_str, &wf, ms);
	return w->buf && strstr(w->buf, s) != NULL;
}

/* Takes every complete "Date: <IMF-fixdate>\r\n" line out of the held
 * bytes, checking its shape ("Sun, 06 Nov 1994 08:49:37 GMT").  Returns
 * how many it took out. */
WIRE_FN int wire_strip_date(struct wire *w)
{
	int n = 0;
	size_t i = 0;
	while (w->buf && i + 8 <= w->len) {
		char *at = memmem(w->buf + i, w->len - i, "\r\nDate: ", 8);
		if (!at)
			break;
		char *line = at + 2;
		char *end = memmem(line, w->len - (size_t)(line - w->buf), "\r\n", 2);
		if (!end)
			break;                  /* not complete yet */
		size_t vlen = (size_t)(end - line) - 6;
		ck_assert_msg(vlen == 29 && memcmp(end - 4, " GMT", 4) == 0 && line[9] == ',',
			      "bad Date field: %.*s", (int)(end - line), line);
		size_t cut = (size_t)(end + 2 - line);
		memmove(line, end + 2, w->len - (size_t)(end + 2 - w->buf));
		w->len -= cut;
		w->buf[w->len] = '\0';
		i = (size_t)(line - w->buf);
		n++;
	}
	w->dates += n;
	return n;
}

/* Drops the first 'n' held bytes. */
WIRE_FN void wire_consume(struct wire *w, size_t n)
{
	memmove(w->buf, w->buf + n, w->len - n);
	w->len -= n;
	w->buf[w->len] = '\0';
}

/* Waits until the answer bytes 'want' (written without Date lines) have
 * arrived, checks them exactly and consumes them. */
#define wire_expect(w, want) wire_expect_n((w), (want), strlen(want), __LINE__)
WIRE_FN void wire_expect_n(struct wire *w, const char *want, size_t n, int line)
{
	uint64_t deadline = looptest_now_ms() + WIRE_WAIT_MS;
	for (;;) {
		wire_strip_date(w);
		if (w->len >= n || w->eof || looptest_now_ms() >= deadline)
			break;
		net_loop_run_once(w->loop, 20);
	}
	wire_strip_date(w);
	ck_assert_msg(w->len >= n && memcmp(w->buf, want, n) == 0,
		      "line %d: expected (%zu bytes):\n%.*s\n--- got (%zu bytes%s):\n%.*s",
		      line, n, (int)n, want,
		      w->len, w->eof ? ", then close" : "", (int)w->len, w->buf ? w->buf : "");
	wire_consume(w, n);
}

/* The server closes with nothing more sent. */
#define wire_expect_close(w) wire_expect_close_at((w), __LINE__)
WIRE_FN void wire_expect_close_at(struct wire *w, int line)
{
	ck_assert_msg(wire_wait_eof(w, WIRE_WAIT_MS), "line %d: the server did not close", line);
	wire_strip_date(w);
	ck_assert_msg(w->len == 0, "line %d: unexpected bytes before the close:\n%.*s",
		      line, (int)w->len, w->buf);
}

#endif
