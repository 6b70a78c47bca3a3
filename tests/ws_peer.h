/* ws_peer.h -- a raw WebSocket client for tests: a plain TCP socket, the
 * bytes of the handshake and of every frame written by hand, and the
 * server's frames read back with a parser of its own (not src/ws), so a
 * test checks the server against RFC 6455 rather than against itself.
 *
 * The socket is non-blocking and every wait is bounded by a deadline.
 * While waiting, the peer either runs a turn of the server's loop (a
 * server in the test's own thread: pass its loop) or poll()s the socket
 * (a server in another thread: pass NULL).  Nothing sleeps.
 *
 * Header-only (static inline), like ws_log.h, whose growing text log the
 * frame logger writes into.
 */
#ifndef PUSHPULL_TESTS_WS_PEER_H
#define PUSHPULL_TESTS_WS_PEER_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "net/loop.h"
#include "support/looptest.h"
#include "ws_log.h"

/* The key and accept value of RFC 6455 §1.3. */
#define WSP_KEY    "dGhlIHNhbXBsZSBub25jZQ=="
#define WSP_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

struct wsp {
	int fd;
	struct net_loop *loop;  /* a same-thread server's loop, or NULL */
	uint8_t *in;            /* received and not yet taken */
	size_t in_len, in_cap;
	bool eof;
	uint32_t keys;          /* frames masked so far: each gets its own key */
};

/* Connects to 127.0.0.1:port.  The kernel completes the handshake from
 * the listen backlog, so this needs no loop turn. */
static inline bool wsp_connect(struct wsp *p, uint16_t port, struct net_loop *loop)
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

static inline void wsp_close(struct wsp *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	free(p->in);
	p->in = NULL;
	p->in_len = p->in_cap = 0;
}

/* Waits up to 'ms' for 'events' on the socket: one turn of the server's
 * loop, or poll(). */
static inline void wsp_wait(struct wsp *p, short events, int ms)
{
	if (ms <= 0)
		return;
	if (p->loop) {
		net_loop_run_once(p->loop, ms < 2 ? ms : 2);
		return;
	}
	struct pollfd pf = { p->fd, events, 0 };
	poll(&pf, 1, ms);
}

static inline int wsp_left(uint64_t deadline)
{
	uint64_t now = looptest_now_ms();
	return now >= deadline ? 0 : (int)(deadline - now);
}

/* Reads whatever is there.  Returns true when bytes came or the peer
 * closed, false when nothing did before the deadline. */
static inline bool wsp_fill(struct wsp *p, int max_ms)
{
	uint64_t deadline = looptest_now_ms() + (uint64_t)max_ms;
	for (;;) {
		if (p->in_cap - p->in_len < 65536) {
			size_t cap = p->in_cap ? p->in_cap * 2 : 65536 * 2;
			uint8_t *n = realloc(p->in, cap);
			if (!n)
				abort();
			p->in = n;
			p->in_cap = cap;
		}
		ssize_t r = recv(p->fd, p->in + p->in_len, p->in_cap - p->in_len, 0);
		if (r > 0) {
			p->in_len += (size_t)r;
			return true;
		}
		if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			p->eof = true;          /* FIN, or a reset: nothing more will come */
			return true;
		}
		if (p->eof || wsp_left(deadline) == 0)
			return false;
		wsp_wait(p, POLLIN, wsp_left(deadline));
	}
}

/* Sends all 'n' bytes in writes of at most 'chop' (0: as many as the
 * socket takes).  False if the connection failed or time ran out. */
static inline bool wsp_send_chopped(struct wsp *p, const void *data, size_t n, size_t chop,
				    int max_ms)
{
	uint64_t deadline = looptest_now_ms() + (uint64_t)max_ms;
	const uint8_t *b = data;
	size_t off = 0;
	while (off < n) {
		size_t k = chop && chop < n - off ? chop : n - off;
		ssize_t r = send(p->fd, b + off, k, MSG_NOSIGNAL);
		if (r > 0) {
			off += (size_t)r;
			if (p->loop)
				net_loop_run_once(p->loop, 0);  /* let the server read */
			continue;
		}
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return false;
		if (wsp_left(deadline) == 0)
			return false;
		wsp_wait(p, POLLOUT, wsp_left(deadline));
	}
	return true;
}

static inline bool wsp_send(struct wsp *p, const void *data, size_t n)
{
	return wsp_send_chopped(p, data, n, 0, 20000);
}

/* Waits until the server closes the connection. */
static inline bool wsp_wait_eof(struct wsp *p, int max_ms)
{
	uint64_t deadline = looptest_now_ms() + (uint64_t)max_ms;
	while (!p->eof && wsp_left(deadline) > 0)
		wsp_fill(p, wsp_left(deadline));
	return p->eof;
}

/* --- HTTP: the handshake ----------------------------------------------- */

/* Sends 'request' and reads the answer's head into 'head' (NUL-ended),
 * then its body if Content-Length announces one (into 'body' when not
 * NULL).  Bytes after the answer stay in the peer's buffer: they are
 * frames.  Returns the status, or -1. */
static inline int wsp_request(struct wsp *p, const char *request, char *head, size_t cap,
			      char *body, size_t body_cap)
{
	if (!wsp_send(p, request, strlen(request)))
		return -1;
	uint64_t deadline = looptest_now_ms() + 5000;
	size_t hl = 0;
	for (;;) {
		uint8_t *end = p->in_len >= 4 ? memmem(p->in, p->in_len, "\r\n\r\n", 4) : NULL;
		if (end) {
			hl = (size_t)(end - p->in) + 4;
			break;
		}
		if (p->eof || !wsp_fill(p, wsp_left(deadline)))
			return -1;
	}
	if (hl >= cap)
		return -1;
	memcpy(head, p->in, hl);
	head[hl] = '\0';
	size_t clen = 0;
	const char *cl = strcasestr(head, "\r\nContent-Length:");
	if (cl)
		clen = strtoul(cl + 17, NULL, 10);
	while (p->in_len < hl + clen && !p->eof && wsp_fill(p, wsp_left(deadline)))
		;
	if (p->in_len < hl + clen)
		return -1;
	if (body && body_cap > 0) {
		size_t k = clen < body_cap - 1 ? clen : body_cap - 1;
		memcpy(body, p->in + hl, k);
		body[k] = '\0';
	}
	memmove(p->in, p->in + hl + clen, p->in_len - hl - clen);
	p->in_len -= hl + clen;
	int status = 0;
	if (sscanf(head, "HTTP/1.1 %d", &status) != 1)
		return -1;
	return status;
}

/* A valid upgrade request for 'path' with the RFC's key; true on a 101
 * that carries the RFC's accept value. */
static inline bool wsp_upgrade(struct wsp *p, const char *path)
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

/* Writes a frame header (RFC 6455 §5.2): 'b0' as given (FIN, RSV,
 * opcode), the shortest length form, and the key if 'key' is not NULL. */
static inline size_t wsp_put_header(uint8_t *out, uint8_t b0, uint64_t len, const uint8_t *key)
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

/* A different key for every frame the peer masks. */
static inline void wsp_next_key(struct wsp *p, uint8_t key[4])
{
	uint32_t k = 0x9E3779B9u * ++p->keys;
	key[0] = (uint8_t)(k >> 24);
	key[1] = (uint8_t)(k >> 16);
	key[2] = (uint8_t)(k >> 8);
	key[3] = (uint8_t)(k | 1);
}

/* Writes a whole frame into 'out' (room for 14 + len bytes), masked
 * (§5.3, octet i XOR key[i mod 4]) unless 'masked' is false.  Returns its size. */
static inline size_t wsp_put_frame(struct wsp *p, uint8_t *out, uint8_t b0, const void *payload,
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

/* Sends one masked frame. */
static inline bool wsp_send_frame(struct wsp *p, uint8_t b0, const void *payload, size_t len)
{
	uint8_t *buf = malloc(len + 14);
	if (!buf)
		abort();
	bool ok = wsp_send(p, buf, wsp_put_frame(p, buf, b0, payload, len, true));
	free(buf);
	return ok;
}

/* A frame from the server. */
struct wsp_frame {
	uint8_t b0;             /* FIN, RSV, opcode as received */
	bool masked;            /* a server must never mask (§5.1) */
	uint8_t *data;          /* payload, malloc'd: free() it */
	size_t len;
};

/* Reads the next frame.  Returns 1 with *f filled, 0 when the server
 * closed the connection first (no partial frame left), -1 on a timeout
 * or if the connection ended inside a frame. */
static inline int wsp_read_frame(struct wsp *p, struct wsp_frame *f, int max_ms)
{
	uint64_t deadline = looptest_now_ms() + (uint64_t)max_ms;
	for (;;) {
		if (p->in_len >= 2) {
			size_t len7 = p->in[1] & 0x7F, ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
			bool masked = p->in[1] & 0x80;
			size_t h = 2 + ext + (masked ? 4 : 0);
			if (p->in_len >= h) {
				uint64_t len = len7;
				if (ext) {
					len = 0;
					for (size_t i = 0; i < ext; i++)
						len = len << 8 | p->in[2 + i];
				}
				if (len > (uint64_t)1 << 40)
					return -1;
				if (p->in_len - h >= len) {
					f->b0 = p->in[0];
					f->masked = masked;
					f->len = (size_t)len;
					f->data = malloc(f->len + 1);
					if (!f->data)
						abort();
					memcpy(f->data, p->in + h, f->len);
					for (size_t i = 0; masked && i < f->len; i++)
						f->data[i] ^= p->in[2 + ext + (i & 3)];
					f->data[f->len] = 0;
					memmove(p->in, p->in + h + f->len, p->in_len - h - f->len);
					p->in_len -= h + f->len;
					return 1;
				}
			}
		}
		if (p->eof)
			return p->in_len == 0 ? 0 : -1;
		if (!wsp_fill(p, wsp_left(deadline)))
			return -1;
	}
}

/* The close code of a Close frame's payload, 0 if it has none. */
static inline unsigned wsp_close_code(const struct wsp_frame *f)
{
	return f->len >= 2 ? (unsigned)f->data[0] << 8 | f->data[1] : 0;
}

/* Logs one server frame: "text <payload>", "pong <payload>",
 * "close 1002", "close" (no code)...; odd frames say what is odd. */
static inline void wsp_log_frame(struct ws_log *log, const struct wsp_frame *f)
{
	static const char *const names[16] = {
		"cont", "text", "binary", "op3", "op4", "op5", "op6", "op7",
		"close", "ping", "pong", "opB", "opC", "opD", "opE", "opF",
	};
	if (f->masked)
		ws_log_printf(log, "masked ");
	if (f->b0 & 0x70)
		ws_log_printf(log, "rsv ");
	if (!(f->b0 & 0x80))
		ws_log_printf(log, "nofin ");
	unsigned op = f->b0 & 0x0F;
	ws_log_printf(log, "%s", names[op]);
	if (op == 0x8) {
		if (f->len >= 2)
			ws_log_printf(log, " %u", wsp_close_code(f));
	} else {
		ws_log_printf(log, " ");
		ws_log_payload(log, f->data, f->len);
	}
	ws_log_printf(log, "\n");
}

/* Reads frames until the server closes (or 'max_ms' pass) and logs them,
 * then "eof" (or "timeout"). */
static inline void wsp_log_until_eof(struct wsp *p, struct ws_log *log, int max_ms)
{
	uint64_t deadline = looptest_now_ms() + (uint64_t)max_ms;
	for (;;) {
		struct wsp_frame f;
		int r = wsp_read_frame(p, &f, wsp_left(deadline));
		if (r <= 0) {
			ws_log_printf(log, r == 0 ? "eof\n" : "timeout\n");
			return;
		}
		wsp_log_frame(log, &f);
		free(f.data);
	}
}

#endif
