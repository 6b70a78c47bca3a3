/* sse_log.h -- helpers shared by the event-stream test suites.
 *
 * A parser's output is printed into a log (a tbuf), one line per event
 * or retry, every byte outside printable ASCII escaped as \xHH, so two
 * runs (whole and cut; parser and reference model; writer then parser)
 * are compared with one strcmp and a failure prints both sides:
 *
 *     event "message" data "a\x0ab" id ""
 *     retry 2000
 *     refused -3
 *
 * Used by test_sse_parser.c, test_sse_model.c and test_sse_writer.c.
 */
#ifndef PUSHPULL_TESTS_SSE_LOG_H
#define PUSHPULL_TESTS_SSE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "sse/sse_parser.h"
#include "support/buf.h"

/* --- the log ------------------------------------------------------------- */

/* A quoted string: printable ASCII as is, anything else as \xHH. */
void sse_log_quoted(struct tbuf *l, const char *s, size_t n);

/* One event's line, and one retry's. */
void sse_log_event(struct tbuf *l, const char *type, size_t tl,
		   const char *data, size_t dl, const char *id, size_t il);
void sse_log_retry(struct tbuf *l, uint64_t ms);

/* --- feeding ------------------------------------------------------------ */

/* Feeds one piece; logs what comes out.  Returns 0 or the refusal. */
int sse_log_feed(struct sse_parser *p, const char *s, size_t n, struct tbuf *l);

/* Feeds 's' in pieces of the sizes in 'cuts', taken in turn and round
 * again ('ncuts' 0: all at once), then ends the stream.  The log gets
 * every event, retry and refusal. */
void sse_log_feed_cut(const struct sse_limits *lim, const char *s, size_t n,
		      const size_t *cuts, size_t ncuts, struct tbuf *l);

/* --- random streams ------------------------------------------------------- */

/* A small fixed-seed generator (xorshift64), so failures repeat. */
uint64_t sse_log_rng_next(uint64_t *x);

/* Builds a random stream of up to 63 pieces, a NUL byte now and then,
 * into 'buf' (cap >= 64 * 8 + 1); returns its length. */
size_t sse_log_random_stream(uint64_t *x, char *buf);

#endif
