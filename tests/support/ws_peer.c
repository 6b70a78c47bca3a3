/* ws_peer.c -- see ws_peer.h.
 *
 * Every wait goes through wsp_until(): a predicate reads what has
 * arrived (or sends what the socket takes) and says whether the peer has
 * what it waits for; between two tries run turns of the server's loop, or
 * a poll() of the socket when the loop runs in another thread. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/looptest.h"
#include "support/ws_log.h"
#include "support/ws_peer.h"

#define WSP_RECV_MAX 65536              /* bytes one recv() may bring */

bool wsp_connect(struct wsp *p, uint16_t port, struct net_loop *loop)
{
	memset(p, 0, sizeof *p);
	p->loop = loop;
	p->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return false;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1;
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(p->fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(p->fd);
		p->fd = -1;
		return false;
	}
	fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
	return true;
}

void wsp_close(struct wsp *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	tbuf_free(&p->in);
}

int wsp_left(uint64_t deadline)
{
	uint64_t now = looptest_now_ms();
	return now >= deadline ? 0 : (int)(deadline - now);
}

/* --- waiting ------------------------------------------------------------ */

/* Tries 'ready(arg)' until it is true or 'max_ms' pass; between two
 * tries, turns of the server's loop, or (its loop in another thread) a
 * poll() of the socket for 'events'.  Returns the last answer. */
static bool wsp_until(struct wsp *p, short events, bool (*ready)(void *), void *arg, int max_ms)
{
	if (p->loop)
		return net_loop_run_until(p->loop, ready, arg, (uint64_t)max_ms);
	uint64_t deadline = looptest_now_ms() + (uint64_t)max_ms;
	while (!ready(arg)) {
		int left = wsp_left(deadline);
		if (left == 0)
			return false;
		struct pollfd pf = { p->fd, events, 0 };
		poll(&pf, 1, left);
	}
	return true;
}

/* Reads everything the socket holds into 'in'.  A FIN or a reset sets
 * 'eof': nothing more will come. */
static void wsp_recv(struct wsp *p)
{
	while (!p->eof) {
		ssize_t r = recv(p->fd, tbuf_room(&p->in, WSP_RECV_MAX), WSP_RECV_MAX, 0);
		if (r > 0) {
			tbuf_grew(&p->in, (size_t)r);
			continue;
		}
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		p->eof = true;
	}
}

static bool eof_seen(void *arg)
{
	struct wsp *p = arg;
	wsp_recv(p);
	return p->eof;
}

bool wsp_wait_eof(struct wsp *p, int max_ms)
{
	return wsp_until(p, POLLIN, eof_seen, p, max_ms);
}

/* --- sending ------------------------------------------------------------ */

struct sending {
	struct wsp *p;
	const uint8_t *b;
	size_t off, n, chop;
	bool failed;
};

/* Sends the next piece; true once the socket took some of it, or failed. */
static bool piece_sent(void *arg)
{
	struct sending *s = arg;
	size_t k = s->chop && s->chop < s->n - s->off ? s->chop : s->n - s->off;
	ssize_t r = send(s->p->fd, s->b + s->off, k, MSG_NOSIGNAL);
	if (r > 0) {
		s->off += (size_t)r;
		return true;
	}
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return false;                   /* full: wait until it takes more */
	s->failed = true;
	return true;
}

bool wsp_send_chopped(struct wsp *p, const void *data, size_t n, size_t chop, int max_ms)
{
	uint64_t deadline = looptest_now_ms() + (uint64_t)max_ms;
	struct sending s = { .p = p, .b = data, .n = n, .chop = chop };
	while (s.off < n) {
		if (!wsp_until(p, POLLOUT, piece_sent, &s, wsp_left(deadline)) || s.failed)
			return false;
		if (p->loop)
			net_loop_run_once(p->loop, 0);  /* let the server read this piece */
	}
	return true;
}

bool wsp_send(struct wsp *p, const void *data, size_t n)
{
	return wsp_send_chopped(p, data, n, 0, 20000);
}

/* --- HTTP: the handshake ----------------------------------------------- */

/* The end of the answer's head in 'in', or NULL. */
static char *head_end(const struct wsp *p)
{
	return p->in.len >= 4 ? memmem(p->in.p, p->in.len, "\r\n\r\n", 4) : NULL;
}

static bool head_in(void *arg)
{
	struct wsp *p = arg;
	wsp_recv(p);
	return head_end(p) || p->eof;
}

struct wsp_want { struct wsp *p; size_t len; };

static bool bytes_in(void *arg)
{
	struct wsp_want *w = arg;
	wsp_recv(w->p);
	return w->p->in.len >= w->len || w->p->eof;
}

int wsp_request(struct wsp *p, const char *request, char *head, size_t cap,
		char *body, size_t body_cap)
{
	if (!wsp_send(p, request, strlen(request)))
		return -1;
	uint64_t deadline = looptest_now_ms() + 5000;
	wsp_until(p, POLLIN, head_in, p, wsp_left(deadline));
	char *end = head_end(p);
	if (!end)
		return -1;
	size_t hl = (size_t)(end - p->in.p) + 4;
	if (hl >= cap)
		return -1;
	memcpy(head, p->in.p, hl);
	head[hl] = '\0';
	size_t clen = 0;
	const char *cl = strcasestr(head, "\r\nContent-Length:");
	if (cl)
		clen = strtoul(cl + 17, NULL, 10);
	struct wsp_want whole = { p, hl + clen };
	wsp_until(p, POLLIN, bytes_in, &whole, wsp_left(deadline));
	if (p->in.len < hl + clen)
		return -1;
	if (body && body_cap > 0) {
		size_t k = clen < body_cap - 1 ? clen : body_cap - 1;
		memcpy(body, p->in.p + hl, k);
		body[k] = '\0';
	}
	tbuf_drop(&p->in, hl + clen);
	int status = 0;
	if (sscanf(head, "HTTP/1.1 %d", &status) != 1)
		return -1;
	return status;
}

bool wsp_upgrade(struct wsp *p, const char *path)
{
	char req[512], head[1024];
	snprintf(req, sizeof req,
		 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\nSec-WebSocket-Key: " WSP_KEY "\r\n"
		 "Sec-WebSocket-Version: 13\r\n\r\n", path);
	return wsp_request(p, req, head, sizeof head, NULL, 0) == 101 &&
	       strstr(head, "\r\nSec-WebSocket-Accept: " WSP_ACCEPT "\r\n") != NULL;
}

/* --- frames ------------------------------------------------------------- */

size_t wsp_put_header(uint8_t *out, uint8_t b0, uint64_t len, const uint8_t *key)
{
	size_t n = 2;
	out[0] = b0;
	out[1] = key ? 0x80 : 0;
	if (len <= 125) {
		out[1] |= (uint8_t)len;
	} else if (len <= 0xFFFF) {
		out[1] |= 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		n = 4;
	} else {
		out[1] |= 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
		n = 10;
	}
	if (key) {
		memcpy(out + n, key, 4);
		n += 4;
	}
	return n;
}

void wsp_next_key(struct wsp *p, uint8_t key[4])
{
	uint32_t k = 0x9E3779B9u * ++p->keys;
	key[0] = (uint8_t)(k >> 24);
	key[1] = (uint8_t)(k >> 16);
	key[2] = (uint8_t)(k >> 8);
	key[3] = (uint8_t)(k | 1);
}

size_t wsp_put_frame(struct wsp *p, uint8_t *out, uint8_t b0, const void *payload,
		     size_t len, bool masked)
{
	uint8_t key[4];
	if (masked)
		wsp_next_key(p, key);
	size_t h = wsp_put_header(out, b0, len, masked ? key : NULL);
	for (size_t i = 0; i < len; i++)
		out[h + i] = ((const uint8_t *)payload)[i] ^ (masked ? key[i & 3] : 0);
	return h + len;
}

bool wsp_send_frame(struct wsp *p, uint8_t b0, const void *payload, size_t len)
{
	uint8_t *buf = malloc(len + 14);
	if (!buf)
		abort();
	bool ok = wsp_send(p, buf, wsp_put_frame(p, buf, b0, payload, len, true));
	free(buf);
	return ok;
}

/* The frame at the front of 'in': 1 when it is whole (header size in *h,
 * payload length in *len), 0 while bytes are missing, -1 when it
 * announces more than any test sends. */
static int frame_at(const struct wsp *p, size_t *h, size_t *len)
{
	const uint8_t *in = (const uint8_t *)p->in.p;
	if (p->in.len < 2)
		return 0;
	size_t len7 = in[1] & 0x7F, ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
	*h = 2 + ext + ((in[1] & 0x80) ? 4 : 0);
	if (p->in.len < *h)
		return 0;
	uint64_t n = len7;
	if (ext) {
		n = 0;
		for (size_t i = 0; i < ext; i++)
			n = n << 8 | in[2 + i];
	}
	if (n > (uint64_t)1 << 40)
		return -1;
	*len = (size_t)n;
	return p->in.len - *h >= n;
}

static bool frame_in(void *arg)
{
	struct wsp *p = arg;
	size_t h, len;
	wsp_recv(p);
	return frame_at(p, &h, &len) != 0 || p->eof;
}

int wsp_read_frame(struct wsp *p, struct wsp_frame *f, int max_ms)
{
	size_t h = 0, len = 0;
	wsp_until(p, POLLIN, frame_in, p, max_ms);
	int r = frame_at(p, &h, &len);
	if (r == 0)
		return p->eof && p->in.len == 0 ? 0 : -1;
	if (r < 0)
		return -1;
	const uint8_t *in = (const uint8_t *)p->in.p;
	f->b0 = in[0];
	f->masked = in[1] & 0x80;
	f->len = len;
	f->data = malloc(len + 1);
	if (!f->data)
		abort();
	memcpy(f->data, in + h, len);
	for (size_t i = 0; f->masked && i < len; i++)
		f->data[i] ^= in[h - 4 + (i & 3)];      /* the key ends the header */
	f->data[len] = 0;
	tbuf_drop(&p->in, h + len);
	return 1;
}

/* The close code of a Close frame's payload, 0 if it has none. */
static unsigned wsp_close_code(const struct wsp_frame *f)
{
	return f->len >= 2 ? (unsigned)f->data[0] << 8 | f->data[1] : 0;
}

void wsp_log_frame(struct tbuf *log, const struct wsp_frame *f)
{
	static const char *const names[16] = {
		"cont", "text", "binary", "op3", "op4", "op5", "op6", "op7",
		"close", "ping", "pong", "opB", "opC", "opD", "opE", "opF",
	};
	if (f->masked)
		tbuf_printf(log, "masked ");
	if (f->b0 & 0x70)
		tbuf_printf(log, "rsv ");
	if (!(f->b0 & 0x80))
		tbuf_printf(log, "nofin ");
	unsigned op = f->b0 & 0x0F;
	tbuf_printf(log, "%s", names[op]);
	if (op == 0x8) {
		if (f->len >= 2)
			tbuf_printf(log, " %u", wsp_close_code(f));
	} else {
		tbuf_printf(log, " ");
		ws_log_payload(log, f->data, f->len);
	}
	tbuf_printf(log, "\n");
}

void wsp_log_until_eof(struct wsp *p, struct tbuf *log, int max_ms)
{
	uint64_t deadline = looptest_now_ms() + (uint64_t)max_ms;
	for (;;) {
		struct wsp_frame f;
		int r = wsp_read_frame(p, &f, wsp_left(deadline));
		if (r <= 0) {
			tbuf_printf(log, r == 0 ? "eof\n" : "timeout\n");
			return;
		}
		wsp_log_frame(log, &f);
		free(f.data);
	}
}
