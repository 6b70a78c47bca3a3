/* http_wire.h -- a test helper, not a test: raw client sockets that talk
 * exact bytes to a server running on a loop the test drives.
 *
 * The test, the server and these sockets share one thread and one loop.
 * A wire's socket is watched by that loop, so a turn ends as soon as the
 * server's answer arrives, and every wait is "run turns until the bytes
 * (or the close) are here" -- net_loop_run_until -- bounded by a deadline
 * that fails the test.  Nothing sleeps.  The sockets are plain POSIX
 * sockets on purpose: the server under test must not be judged by
 * src/net's own client side.
 *
 * Answers carry a Date field whose value changes every second, so
 * wire_expect() compares after taking every "Date: ..." line out (and
 * checking it is an IMF-fixdate, RFC 9110 §5.6.7).
 *
 * Used by the tests/test_http_server_*.c, test_http_client.c,
 * test_paradigms_http.c and test_http_interop.c suites, through
 * http_server_fixture.h.
 */
#ifndef PUSHPULL_TESTS_HTTP_WIRE_H
#define PUSHPULL_TESTS_HTTP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>                     /* strlen, for wire_expect */

#include "net/loop.h"
#include "support/buf.h"

#define WIRE_WAIT_MS 3000               /* the longest a wait may take (Check allows 4 s a test) */

struct wire {
	struct net_loop *loop;
	int fd;
	struct tbuf in;                 /* bytes received and not yet expected */
	size_t total;                   /* bytes received in all */
	int dates;                      /* Date lines taken out so far */
	bool eof;                       /* the server closed (FIN or reset) */
	int err;                        /* errno of a failed recv (ECONNRESET) */
};

/* Connects to 127.0.0.1:port and has 'loop' watch the socket.  The
 * kernel completes the handshake into the listener's backlog, so a
 * blocking connect needs no loop turn. */
void wire_open(struct wire *w, struct net_loop *loop, uint16_t port);

/* Closes the socket and frees what it held. */
void wire_close(struct wire *w);

/* Closes with a reset (SO_LINGER 0): the server reads ECONNRESET. */
void wire_reset(struct wire *w);

/* The watcher wire_open installs: reads whatever the socket holds into
 * 'in' (a test that unwatched the socket may watch it again with it). */
void wire_on_io(struct net_loop *loop, int fd, unsigned events, void *ud);

/* Sends every byte, running the loop while the socket buffer is full
 * (the server is on this very loop, so it must get turns to read). */
void wire_send(struct wire *w, const void *data, size_t len);
void wire_sends(struct wire *w, const char *s);

/* Half-closes: the server reads EOF after what was sent. */
void wire_shutdown(struct wire *w);

/* Run the loop until 'n' bytes are held, until the server closed, or
 * until the held bytes contain 's' (no NUL in the answer); each true if
 * that happened within 'ms'. */
bool wire_wait_len(struct wire *w, size_t n, int ms);
bool wire_wait_eof(struct wire *w, int ms);
bool wire_wait_str(struct wire *w, const char *s, int ms);

/* Takes every complete "Date: <IMF-fixdate>\r\n" line out of the held
 * bytes, checking its shape ("Sun, 06 Nov 1994 08:49:37 GMT").  Returns
 * how many it took out. */
int wire_strip_date(struct wire *w);

/* Drops the first 'n' held bytes. */
void wire_consume(struct wire *w, size_t n);

/* Waits until the answer bytes 'want' (written without Date lines) have
 * arrived, checks them exactly and consumes them. */
#define wire_expect(w, want) wire_expect_n((w), (want), strlen(want), __LINE__)
void wire_expect_n(struct wire *w, const char *want, size_t n, int line);

/* The server closes with nothing more sent. */
#define wire_expect_close(w) wire_expect_close_at((w), __LINE__)
void wire_expect_close_at(struct wire *w, int line);

#endif
