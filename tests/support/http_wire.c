/* http_wire.c -- see http_wire.h. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/http_wire.h"

#define WIRE_RECV_MAX 16384             /* bytes one recv() may bring */

void wire_on_io(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)events;
	struct wire *w = ud;
	for (;;) {                      /* level-triggered: until EAGAIN is enough */
		ssize_t r = recv(fd, tbuf_room(&w->in, WIRE_RECV_MAX), WIRE_RECV_MAX, 0);
		if (r > 0) {
			tbuf_grew(&w->in, (size_t)r);
			w->total += (size_t)r;
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

void wire_open(struct wire *w, struct net_loop *loop, uint16_t port)
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

void wire_close(struct wire *w)
{
	if (w->fd >= 0) {
		if (!w->eof)
			net_loop_unwatch(w->loop, w->fd);
		close(w->fd);
	}
	w->fd = -1;
	tbuf_free(&w->in);
}

void wire_reset(struct wire *w)
{
	struct linger lg = { 1, 0 };
	setsockopt(w->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	wire_close(w);
}

/* --- sending -------------------------------------------------------------- */

struct sending { struct wire *w; const char *p; size_t len; };

/* Sends what the socket takes; true once nothing is left. */
static bool sent_all(void *arg)
{
	struct sending *s = arg;
	while (s->len > 0) {
		ssize_t r = send(s->w->fd, s->p, s->len, MSG_NOSIGNAL);
		if (r > 0) {
			s->p += r;
			s->len -= (size_t)r;
			continue;
		}
		ck_assert_msg(r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR),
			      "send: %s", strerror(errno));
		if (errno != EINTR)
			return false;           /* full: the server needs a turn */
	}
	return true;
}

void wire_send(struct wire *w, const void *data, size_t len)
{
	struct sending s = { w, data, len };
	ck_assert_msg(net_loop_run_until(w->loop, sent_all, &s, WIRE_WAIT_MS),
		      "send: the server does not read");
}

void wire_sends(struct wire *w, const char *s) { wire_send(w, s, strlen(s)); }

void wire_shutdown(struct wire *w) { shutdown(w->fd, SHUT_WR); }

/* --- waiting -------------------------------------------------------------- */

struct wire_want { struct wire *w; size_t len; };

static bool has_len(void *arg)
{
	struct wire_want *ww = arg;
	return ww->w->in.len >= ww->len || ww->w->eof;
}

static bool has_eof(void *arg) { return ((struct wire *)arg)->eof; }

bool wire_wait_len(struct wire *w, size_t n, int ms)
{
	struct wire_want ww = { w, n };
	return net_loop_run_until(w->loop, has_len, &ww, (uint64_t)ms) && w->in.len >= n;
}

bool wire_wait_eof(struct wire *w, int ms)
{
	return net_loop_run_until(w->loop, has_eof, w, (uint64_t)ms);
}

struct wire_find { struct wire *w; const char *s; };

static bool has_str(void *arg)
{
	struct wire_find *wf = arg;
	return strstr(tbuf_str(&wf->w->in), wf->s) || wf->w->eof;
}

bool wire_wait_str(struct wire *w, const char *s, int ms)
{
	struct wire_find wf = { w, s };
	net_loop_run_until(w->loop, has_str, &wf, (uint64_t)ms);
	return strstr(tbuf_str(&w->in), s) != NULL;
}

/* --- expecting ------------------------------------------------------------ */

int wire_strip_date(struct wire *w)
{
	struct tbuf *in = &w->in;
	int n = 0;
	size_t i = 0;
	while (in->p && i + 8 <= in->len) {
		char *at = memmem(in->p + i, in->len - i, "\r\nDate: ", 8);
		if (!at)
			break;
		char *line = at + 2;
		char *end = memmem(line, in->len - (size_t)(line - in->p), "\r\n", 2);
		if (!end)
			break;                  /* not complete yet */
		size_t vlen = (size_t)(end - line) - 6;
		ck_assert_msg(vlen == 29 && memcmp(end - 4, " GMT", 4) == 0 && line[9] == ',',
			      "bad Date field: %.*s", (int)(end - line), line);
		size_t cut = (size_t)(end + 2 - line);
		memmove(line, end + 2, in->len - (size_t)(end + 2 - in->p));
		in->len -= cut;
		in->p[in->len] = '\0';
		i = (size_t)(line - in->p);
		n++;
	}
	w->dates += n;
	return n;
}

void wire_consume(struct wire *w, size_t n)
{
	tbuf_drop(&w->in, n);
}

/* 'len' bytes held once the Date lines are out, or the close. */
static bool has_len_undated(void *arg)
{
	struct wire_want *ww = arg;
	wire_strip_date(ww->w);
	return has_len(arg);
}

void wire_expect_n(struct wire *w, const char *want, size_t n, int line)
{
	struct wire_want ww = { w, n };
	net_loop_run_until(w->loop, has_len_undated, &ww, WIRE_WAIT_MS);
	wire_strip_date(w);
	ck_assert_msg(w->in.len >= n && memcmp(tbuf_str(&w->in), want, n) == 0,
		      "line %d: expected (%zu bytes):\n%.*s\n--- got (%zu bytes%s):\n%.*s",
		      line, n, (int)n, want,
		      w->in.len, w->eof ? ", then close" : "", (int)w->in.len, tbuf_str(&w->in));
	wire_consume(w, n);
}

void wire_expect_close_at(struct wire *w, int line)
{
	ck_assert_msg(wire_wait_eof(w, WIRE_WAIT_MS), "line %d: the server did not close", line);
	wire_strip_date(w);
	ck_assert_msg(w->in.len == 0, "line %d: unexpected bytes before the close:\n%.*s",
		      line, (int)w->in.len, tbuf_str(&w->in));
}
