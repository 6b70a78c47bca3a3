/* sse_log.c -- see sse_log.h. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "support/sse_log.h"

/* A quoted string: printable ASCII as is, anything else as \xHH. */
void sse_log_quoted(struct tbuf *l, const char *s, size_t n)
{
	tbuf_append(l, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
			tbuf_append(l, s + i, 1);
		} else {
			char e[5];
			snprintf(e, sizeof e, "\\x%02x", c);
			tbuf_append(l, e, 4);
		}
	}
	tbuf_append(l, "\"", 1);
}

void sse_log_event(struct tbuf *l, const char *type, size_t tl,
		   const char *data, size_t dl, const char *id, size_t il)
{
	tbuf_append(l, "event ", 6);
	sse_log_quoted(l, type, tl);
	tbuf_append(l, " data ", 6);
	sse_log_quoted(l, data, dl);
	tbuf_append(l, " id ", 4);
	sse_log_quoted(l, id, il);
	tbuf_append(l, "\n", 1);
}

void sse_log_retry(struct tbuf *l, uint64_t ms)
{
	char b[40];
	int n = snprintf(b, sizeof b, "retry %llu\n", (unsigned long long)ms);
	tbuf_append(l, b, (size_t)n);
}

static void log_status(struct tbuf *l, int r)
{
	char b[40];
	int n = snprintf(b, sizeof b, "refused %d\n", r);
	tbuf_append(l, b, (size_t)n);
}

/* --- feeding ------------------------------------------------------------ */

/* Feeds one piece; logs what comes out.  Returns 0 or the refusal. */
int sse_log_feed(struct sse_parser *p, const char *s, size_t n, struct tbuf *l)
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
			sse_log_event(l, ev.type, ev.type_len, ev.data, ev.data_len,
				      ev.id, ev.id_len);
		else if (r == SSE_RETRY)
			sse_log_retry(l, ev.retry_ms);
		else if (off != n)
			ck_abort_msg("SSE_MORE with %zu bytes unused", n - off);
	}
	return 0;
}

/* Feeds 's' in pieces of the sizes in 'cuts', taken in turn and round
 * again ('ncuts' 0: all at once), then ends the stream.  The log gets
 * every event, retry and refusal. */
void sse_log_feed_cut(const struct sse_limits *lim, const char *s, size_t n,
		      const size_t *cuts, size_t ncuts, struct tbuf *l)
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
		r = sse_log_feed(&p, s + off, k, l);
		off += k;
	}
	if (r == 0)
		r = sse_parser_finish(&p);
	if (r < 0)
		log_status(l, r);
	sse_parser_free(&p);
}

/* A small fixed-seed generator (xorshift64), so failures repeat. */
uint64_t sse_log_rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Builds a random stream of up to 63 pieces, a NUL byte now and then,
 * into 'buf' (cap >= 64 * 8 + 1); returns its length. */
size_t sse_log_random_stream(uint64_t *x, char *buf)
{
	/* Pieces a stream is built from: every token the rules care about. */
	static const char *const tokens[] = {
		"data", "event", "id", "retry", "dat", "ev", ":", ": ", " ", "  ",
		"\n", "\r", "\r\n", "\n\n", "x", "y z", "1", "42", "\t", "message",
		"\xef\xbb\xbf", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		"\xff", "\xc3", "\xe2\x82", "\xf0\x9f", "\xed\xa0\x80", "\xc0\xaf",
	};
	const size_t ntokens = sizeof tokens / sizeof tokens[0];
	size_t n = 0, count = sse_log_rng_next(x) % 64;
	for (size_t i = 0; i < count; i++) {
		uint64_t r = sse_log_rng_next(x);
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
