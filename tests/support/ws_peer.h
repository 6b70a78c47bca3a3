/* ws_peer.h -- a raw WebSocket client for tests: a plain TCP socket, the
 * bytes of the handshake and of every frame written by hand, and the
 * server's frames read back with a parser of its own (not src/ws), so a
 * test checks the server against RFC 6455 rather than against itself.
 *
 * The socket is non-blocking and every wait is bounded by a deadline.
 * While waiting, the peer either runs the server's loop (a server in the
 * test's own thread: pass its loop), with net_loop_run_until, or poll()s
 * the socket (a server in another thread: pass NULL).  Nothing sleeps.
 *
 * What the peer receives waits in a tbuf ('in') until a frame is taken
 * from it; the frame logger writes into a tbuf as ws_log.h's logs do.
 */
#ifndef PUSHPULL_TESTS_WS_PEER_H
#define PUSHPULL_TESTS_WS_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/loop.h"
#include "support/buf.h"

/* The key and accept value of RFC 6455 §1.3. */
#define WSP_KEY    "dGhlIHNhbXBsZSBub25jZQ=="
#define WSP_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

struct wsp {
	int fd;
	struct net_loop *loop;  /* a same-thread server's loop, or NULL */
	struct tbuf in;         /* received and not yet taken */
	bool eof;
	uint32_t keys;          /* frames masked so far: each gets its own key */
};

/* Connects to 127.0.0.1:port.  The kernel completes the handshake from
 * the listen backlog, so this needs no loop turn. */
bool wsp_connect(struct wsp *p, uint16_t port, struct net_loop *loop);

void wsp_close(struct wsp *p);

/* Milliseconds left until 'deadline' (looptest_now_ms), 0 once past. */
int wsp_left(uint64_t deadline);

/* Sends all 'n' bytes in writes of at most 'chop' (0: as many as the
 * socket takes).  False if the connection failed or time ran out. */
bool wsp_send_chopped(struct wsp *p, const void *data, size_t n, size_t chop, int max_ms);
bool wsp_send(struct wsp *p, const void *data, size_t n);

/* Waits until the server closes the connection. */
bool wsp_wait_eof(struct wsp *p, int max_ms);

/* --- HTTP: the handshake ----------------------------------------------- */

/* Sends 'request' and reads the answer's head into 'head' (NUL-ended),
 * then its body if Content-Length announces one (into 'body' when not
 * NULL).  Bytes after the answer stay in the peer's buffer: they are
 * frames.  Returns the status, or -1. */
int wsp_request(struct wsp *p, const char *request, char *head, size_t cap,
		char *body, size_t body_cap);

/* A valid upgrade request for 'path' with the RFC's key; true on a 101
 * that carries the RFC's accept value. */
bool wsp_upgrade(struct wsp *p, const char *path);

/* --- frames ------------------------------------------------------------- */

/* Writes a frame header (RFC 6455 §5.2): 'b0' as given (FIN, RSV,
 * opcode), the shortest length form, and the key if 'key' is not NULL. */
size_t wsp_put_header(uint8_t *out, uint8_t b0, uint64_t len, const uint8_t *key);

/* A different key for every frame the peer masks. */
void wsp_next_key(struct wsp *p, uint8_t key[4]);

/* Writes a whole frame into 'out' (room for 14 + len bytes), masked
 * (§5.3, octet i XOR key[i mod 4]) unless 'masked' is false.  Returns its size. */
size_t wsp_put_frame(struct wsp *p, uint8_t *out, uint8_t b0, const void *payload,
		     size_t len, bool masked);

/* Sends one masked frame. */
bool wsp_send_frame(struct wsp *p, uint8_t b0, const void *payload, size_t len);

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
int wsp_read_frame(struct wsp *p, struct wsp_frame *f, int max_ms);

/* Logs one server frame: "text <payload>", "pong <payload>",
 * "close 1002", "close" (no code)...; odd frames say what is odd. */
void wsp_log_frame(struct tbuf *log, const struct wsp_frame *f);

/* Reads frames until the server closes (or 'max_ms' pass) and logs them,
 * then "eof" (or "timeout"). */
void wsp_log_until_eof(struct wsp *p, struct tbuf *log, int max_ms);

#endif
