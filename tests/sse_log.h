/* sse_log.h -- helpers shared by the event-stream test suites.
 *
 * A parser's output is printed into a log, one line per event or retry,
 * every byte outside printable ASCII escaped as \xHH, so two runs (whole
 * and cut; parser and reference model; writer then parser) are compared
 * with one strcmp and a failure prints both sides.  Header-only: each
 * suite is its own program.
 */
#ifndef PUSHPULL_TESTS_SSE_LOG_H
#define PUSHPULL_TESTS_SSE_LOG_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse/sse_parser.h"

/* --- the log ------------------------------------------------------------- */

struct log {
	char *p;
	size_t len, cap;
};

static inline void log_put(struct log *l, const char *s, size_t n)
{
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 256;
		while (cap < l->len + n + 1)
			cap *= 2;
		l->p = realloc(l->p, cap);
		ck_assert_ptr_nonnull(l->p);
		l->cap = cap;
	}
	memcpy(l->p + l->len, s, n);
	l->len += n;
	l->p[l->len] = '\0';
}

/* An empty log, already a valid C string. */
static inline void log_init(struct log *l)
{
	*l = (struct log){ 0 };
	log_put(l, "", 0);
}

static inline void log_free(struct log *l)
{
	free(l->p);
	*l = (struct log){ 0 };
}

/* A quoted string: printable ASCII as is, anything else as \xHH. */
static inline void log_quoted(struct log *l, const char *s, size_t n)
{
	log_put(l, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
			log_put(l, s + i, 1);
		} else {
			char e[5];
			snprintf(e, sizeof e, "\\x%02x", c);
			log_put(l, e, 4);
		}
	}
	log_put(l, "\"", 1);
}

static inline void log_event(struct log *l, const char *type, size_t tl,
		      const char *data, size_t dl, const char *id, size_t il)
{
	log_put(l, "event ", 6);
	log_quoted(l, type, tl);
	log_put(l, " data ", 6);
	log_quoted(l, data, dl);
	log_put(l, " id ", 4);
	log_quoted(l, id, il);
	log_put(l, "\n", 1);
}

static inline void log_retry(struct log *l, uint64_t ms)
{
	char b[40];
	int n = snprintf(b, sizeof b, "retry %llu\n", (unsigned long long)ms);
	log_put(l, b, (size_t)n);
}

static inline void log_status(struct log *l, int r)
{
	char b[40];
	int n = snprintf(b, sizeof b, "refused %d\n", r);
	log_put(l, b, (size_t)n);
}

/* --- feeding ------------------------------------------------------------ */

/* Feeds one piece; logs what comes out.  Returns 0 or the refusal. */
static inline int feed_piece(struct sse_parser *p, const char *s, size_t n, struct log *l)
{
	size_t off = 0;
	while (off < n) {
		size_t used;
		struct sse_event ev;
		int r = sse_parser_feed(p, s + off, n - off, &used, &ev);
		/* Plain ifs: a passing ck_assert costs a write in Check's
		 * fork mode, and this runs once per byte in some tests. */
		if (used > n - off)
			ck_abort_msg("used %zu of %zu", used, n - off);
		off += used;
		if (r < 0)
			return r;
		if (r != SSE_MORE && used == 0)
			ck_abort_msg("an event without progress");
		if (r == SSE_EVENT)
			log_event(l, ev.type, ev.type_len, ev.data, ev.data_len,
				  ev.id, ev.id_len);
		else if (r == SSE_RETRY)
			log_retry(l, ev.retry_ms);
		else if (off != n)
			ck_abort_msg("SSE_MORE with %zu bytes unused", n - off);
	}
	return 0;
}

/* Feeds 's' in pieces of the sizes in 'cuts', taken in turn and round
 * again ('ncuts' 0: all at once), then ends the stream.  The log gets
 * every event, retry and refusal. */
static inline void feed_cut(const struct sse_limits *lim, const char *s, size_t n,
			    const size_t *cuts, size_t ncuts, struct log *l)
{
	struct sse_parser p;
	sse_parser_init(&p, lim);
	size_t off = 0;
	int r = 0;
	for (size_t i = 0; r == 0 && off < n; i++) {
		size_t k = ncuts ? cuts[i % ncuts] : n - off;
		if (k == 0)
			ck_abort_msg("a cut of 0 bytes");
		if (k > n - off)
			k = n - off;
		r = feed_piece(&p, s + off, k, l);
		off += k;
	}
	if (r == 0)
		r = sse_parser_finish(&p);
	if (r < 0)
		log_status(l, r);
	sse_parser_free(&p);
}

/* A small fixed-seed generator (xorshift64), so failures repeat. */
static inline uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Builds a random stream of up to 63 pieces, a NUL byte now and then,
 * into 'buf' (cap >= 64 * 8 + 1); returns its length. */
static inline size_t random_stream(uint64_t *x, char *buf)
{
	/* Pieces a stream is built from: every token the rules care about. */
	static const char *const tokens[] = {
		"data", "event", "id", "retry", "dat", "ev", ":", ": ", " ", "  ",
		"\n", "\r", "\r\n", "\n\n", "x", "y z", "1", "42", "\t", "message",
		"\xef\xbb\xbf", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		"\xff", "\xc3", "\xe2\x82", "\xf0\x9f", "\xed\xa0\x80", "\xc0\xaf",
	};
	const size_t ntokens = sizeof tokens / sizeof tokens[0];
	size_t n = 0, count = rng_next(x) % 64;
	for (size_t i = 0; i < count; i++) {
		uint64_t r = rng_next(x);
		if (r % 7 == 0) {
			buf[n++] = '\0';
			continue;
		}
		const char *t = tokens[r % ntokens];
		size_t k = strlen(t);
		memcpy(buf + n, t, k);
		n += k;
	}
	return n;
}

#endif
