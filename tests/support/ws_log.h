/* ws_log.h -- helpers shared by the WebSocket tests: hex input, and the
 * way a test feeds bytes to a decoder the way src/net does.
 *
 * src/net hands a parser every byte not yet consumed, with the new bytes
 * after them (conn.h, "Reading").  A test does the same with an input
 * cut into chunks at chosen positions ('enum ws_cut'), so one test can
 * feed a vector whole, a byte at a time, or split at any position, and
 * compare what came out with the expected log, as llhttp's tests do.
 * The logs are tbufs (support/buf.h), written with tbuf_printf.
 *
 * 'ws_build' writes frames from a short description, masked or not, and
 * 'ws_run_session' drives a session the way a caller's read loop does and
 * logs its events with the replies it asked to send.
 */
#ifndef PUSHPULL_TESTS_WS_LOG_H
#define PUSHPULL_TESTS_WS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "support/buf.h"
#include "ws/ws_session.h"

/* Parses hex text ("81 05 48 65", spaces ignored) into 'out'; returns the
 * byte count, or (size_t)-1 on a bad digit or if 'cap' is too small. */
size_t ws_hex(const char *hex, uint8_t *out, size_t cap);

/* A payload in the log: quoted if it is short printable ASCII, else its
 * length and its first bytes in hex. */
void ws_log_payload(struct tbuf *l, const uint8_t *p, size_t n);

/* Cuts 'n' bytes into chunks: WS_CUT_WHOLE, WS_CUT_BYTES, or at position 'at'. */
enum ws_cut { WS_CUT_WHOLE, WS_CUT_BYTES, WS_CUT_AT };

/* The end of the chunk that starts at 'pos'. */
size_t ws_chunk_end(enum ws_cut how, size_t at, size_t pos, size_t n);

/* --- building frames ---------------------------------------------------- */

/* One frame: its first byte as sent (FIN, RSV, opcode), and its payload
 * ('len' 0 means strlen).  A list ends with WS_F_END. */
struct ws_fspec {
	int b0;
	const char *data;
	size_t len;
};
#define WS_F_END { -1, NULL, 0 }

/* Writes the frames into 'out', each masked with its own key when
 * 'masked'; returns the byte count (aborts if 'cap' is too small). */
size_t ws_build(const struct ws_fspec *f, bool masked, uint8_t *out, size_t cap);

/* --- running a session ---------------------------------------------------- */

/* Feeds 'in' to 's' cut as 'how'/'at' says, as a caller's read loop would:
 * feed until WS_EV_NONE, keep what was not consumed in front of the next
 * chunk.  Logs every event -- "text \"hi\" -> pong \"x\"" with the reply
 * it asked for -- and, at the end, the state and the bytes of buffer
 * still held ("end open 0"). */
void ws_run_session(struct ws_session *s, const uint8_t *in, size_t n,
		    enum ws_cut how, size_t at, struct tbuf *log);

#endif
