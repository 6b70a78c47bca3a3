/* buf.h -- the one growable buffer of the tests.
 *
 * A 'struct tbuf' holds bytes and is always a C string as well: a NUL
 * follows the last byte once anything has been put in, so a log can go
 * straight to strcmp() or a failure message, and binary data (a frame,
 * a body) can hold NULs of its own.  Every test that collects bytes it
 * does not know the size of -- a received answer, a log, a request to
 * send -- collects them here.
 *
 * It grows by doubling up to TBUF_MAX, and past that it fails the test
 * (ck_abort_msg) instead of growing on: a test that collects without end
 * is a test with a bug.  Running out of memory fails the test the same
 * way.
 *
 * Zero-initialised ({ 0 }) is empty; tbuf_str() reads "" from it.
 * tbuf_init() makes an empty buffer whose 'p' is already "" for code that
 * reads 'p' directly.
 */
#ifndef PUSHPULL_TESTS_BUF_H
#define PUSHPULL_TESTS_BUF_H

#include <stddef.h>

/* The most bytes a buffer may hold: the biggest thing a test collects is
 * a 16 MiB WebSocket message (test_ws_conformance.c) or the 16 MiB an
 * event stream replays (test_sse_endpoint_resume.c), with room to spare. */
#define TBUF_MAX ((size_t)64 << 20)

struct tbuf {
	char *p;                /* NULL until the first byte, then NUL-terminated */
	size_t len;             /* bytes held, the NUL not counted */
	size_t cap;             /* bytes allocated at 'p' */
};

/* Makes 'b' empty with 'p' pointing at "" (allocated: tbuf_free it). */
void tbuf_init(struct tbuf *b);

/* Appends 'n' bytes. */
void tbuf_append(struct tbuf *b, const void *s, size_t n);

/* Appends printf-formatted text. */
void tbuf_printf(struct tbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Room for 'n' more bytes: returns where they go (p + len).  Write at
 * most 'n' there, then call tbuf_grew() with the count written. */
char *tbuf_room(struct tbuf *b, size_t n);

/* Takes 'n' bytes written at tbuf_room() into the buffer. */
void tbuf_grew(struct tbuf *b, size_t n);

/* Drops the first 'n' bytes (those a reader has taken). */
void tbuf_drop(struct tbuf *b, size_t n);

/* Empties 'b', keeping its memory. */
void tbuf_reset(struct tbuf *b);

/* Frees the memory; 'b' is then empty and may be used again. */
void tbuf_free(struct tbuf *b);

/* The bytes as a C string: "" when nothing was ever put in. */
const char *tbuf_str(const struct tbuf *b);

#endif
