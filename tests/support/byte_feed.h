/* byte_feed.h -- a test helper, not a test: a server simulation that
 * feeds bytes to src/http the way a server on net/conn.h will.
 *
 * Bytes arrive in pieces; every call gets all unconsumed bytes, copied to
 * a fresh buffer of exactly that size (so a stale pointer or a read past
 * the end trips AddressSanitizer); the head is parsed, the body decoded
 * in place, the message consumed, and the loop goes on with the next
 * (pipelined) one.  Each parsed message is appended to a text log that a
 * test compares with its expected log:
 *
 *     GET / HTTP/1.1 keep-alive [upgrade] [100-continue]
 *     Name: value              (one line per field, as received)
 *     body[5] hello
 *
 * and a rejection ends the log with "error <status> <reason>".
 * byte_feed_check_splits() feeds a vector whole, one byte at a time and
 * split in two at every position: all must give the same log.
 *
 * Used by test_http_parser.c and test_http_limits.c.
 */
#ifndef PUSHPULL_TESTS_BYTE_FEED_H
#define PUSHPULL_TESTS_BYTE_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http_body.h"
#include "http/http_parser.h"

#define BYTE_FEED_LOG_CAP 8192      /* the longest log one vector may earn */
#define BYTE_FEED_NHDR 128          /* header fields a request may carry */

struct byte_feed {
	struct http_parser p;
	struct http_body b;
	bool in_body;               /* head parsed, body not yet complete */
	size_t head_len;
	const struct http_limits *lim;
	enum http_error error;      /* HTTP_OK until a rejection */
	char log[BYTE_FEED_LOG_CAP];
	size_t log_len;
};

/* Delivers 'in' in pieces, piece(k, arg) bytes the k-th time, and returns
 * the bytes left unconsumed at the end.  'f' starts afresh. */
size_t byte_feed_run(struct byte_feed *f, const struct http_limits *lim,
		     const char *in, size_t len,
		     size_t (*piece)(size_t k, size_t arg), size_t arg);

/* Pieces for byte_feed_run: all 'arg' bytes at once; one byte at a time;
 * 'arg' bytes, then the rest. */
size_t byte_feed_piece_whole(size_t k, size_t arg);
size_t byte_feed_piece_one(size_t k, size_t arg);
size_t byte_feed_piece_split(size_t k, size_t arg);

/* The outcome of one run into 'out': the log, then "error <status>
 * <reason>" if the request was rejected. */
void byte_feed_outcome(const struct byte_feed *f, char *out, size_t cap);

/* Feeds a vector whole, byte by byte and split everywhere, checking each
 * gives 'expect' and leaves 'left' bytes unconsumed. */
void byte_feed_check_splits(const char *name, const char *in, size_t len,
			    const char *expect, size_t left,
			    const struct http_limits *lim);

#endif
