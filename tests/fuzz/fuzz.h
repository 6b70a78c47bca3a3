/* fuzz.h -- what the libFuzzer harnesses share: a check that says what
 * broke, a log to compare two runs with, and a driver that cuts an input
 * into pieces and feeds them the way src/net does.
 *
 * Most harnesses check one invariant above all: a sans-IO parser is a
 * pure function of its bytes, so however the bytes arrive -- whole, in
 * two, one at a time, in pieces of random sizes -- it must say the same
 * things in the same order.  Each run writes what the parser said into a
 * 'struct fuzz_log'; fuzz_log_same() aborts when two logs differ.
 *
 * Where the cuts fall is taken from the input (a hash of its bytes), so
 * that the input alone reproduces a failure, and the seeds can be the
 * test vectors as they are, with no header of ours in front.
 *
 * Everything here is static inline: a harness is one file, built on its
 * own by 'make fuzz' and into the replay suite by 'make test'. */
#ifndef PUSHPULL_FUZZ_H
#define PUSHPULL_FUZZ_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entry point libFuzzer calls (make test renames it, one per harness). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --- checks ------------------------------------------------------------- */

/* A broken contract: say which, then abort, which libFuzzer reports as a
 * crash and Check as a failed test. */
#define FUZZ_CHECK(cond) \
	do { if (!(cond)) fuzz_broken(__FILE__, __LINE__, #cond); } while (0)

static inline void fuzz_broken(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: broken: %s\n", file, line, what);
	abort();
}

/* --- logs --------------------------------------------------------------- */

/* What one run said, as bytes.  Grows without limit: the input bounds it. */
struct fuzz_log {
	char *p;
	size_t len, cap;
};

static inline void fuzz_log_add(struct fuzz_log *l, const void *s, size_t n)
{
	if (n == 0)
		return;
	if (l->cap - l->len < n) {
		size_t cap = l->cap ? l->cap : 256;
		while (cap - l->len < n)
			cap *= 2;
		char *p = realloc(l->p, cap);
		FUZZ_CHECK(p != NULL);
		l->p = p;
		l->cap = cap;
	}
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

__attribute__((format(printf, 2, 3)))
static inline void fuzz_log_printf(struct fuzz_log *l, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	FUZZ_CHECK(n >= 0 && (size_t)n < sizeof tmp);
	fuzz_log_add(l, tmp, (size_t)n);
}

static inline void fuzz_log_free(struct fuzz_log *l)
{
	free(l->p);
	*l = (struct fuzz_log){ 0 };
}

/* Aborts unless the two runs said the same, printing both. */
static inline void fuzz_log_same(const struct fuzz_log *want, const struct fuzz_log *got,
				 const char *how)
{
	if (want->len == got->len && (want->len == 0 || !memcmp(want->p, got->p, want->len)))
		return;
	fprintf(stderr, "whole and %s disagree\n--- whole:\n", how);
	fwrite(want->p, 1, want->len, stderr);
	fprintf(stderr, "\n--- %s:\n", how);
	fwrite(got->p, 1, got->len, stderr);
	fprintf(stderr, "\n");
	abort();
}

/* --- cuts --------------------------------------------------------------- */

/* FNV-1a over the input: where the cuts fall, and a few choices (a role,
 * small limits) that must be the same for every run of one input. */
static inline uint64_t fuzz_hash(const uint8_t *d, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * 0x100000001b3u;
	return h;
}

enum fuzz_cut_how { FUZZ_WHOLE, FUZZ_SPLIT, FUZZ_BYTES, FUZZ_PIECES };

/* How an input is cut: whole, in two at 'at', a byte at a time, or in
 * pieces of 1..64 bytes drawn from 'rng' (xorshift64). */
struct fuzz_cut {
	enum fuzz_cut_how how;
	size_t at;
	uint64_t rng;
};

static inline const char *fuzz_cut_name(enum fuzz_cut_how how)
{
	static const char *const names[] = { "whole", "split", "bytewise", "pieces" };
	return names[how];
}

/* The cut of 'how' for this input. */
static inline struct fuzz_cut fuzz_cut_of(enum fuzz_cut_how how, const uint8_t *d, size_t n)
{
	uint64_t h = fuzz_hash(d, n);
	return (struct fuzz_cut){ how, n > 1 ? 1 + (size_t)(h % (n - 1)) : 1, h | 1 };
}

/* The end of the piece that starts at 'pos' ('n' bytes in all). */
static inline size_t fuzz_cut_next(struct fuzz_cut *c, size_t pos, size_t n)
{
	size_t k;
	switch (c->how) {
	case FUZZ_WHOLE: return n;
	case FUZZ_SPLIT: return pos < c->at ? c->at : n;
	case FUZZ_BYTES: return pos + 1;
	default:
		c->rng ^= c->rng << 13;
		c->rng ^= c->rng >> 7;
		c->rng ^= c->rng << 17;
		k = 1 + (size_t)(c->rng % 64);
		return k < n - pos ? pos + k : n;
	}
}

/* One read, as net/conn.h hands it over: every byte not yet consumed,
 * oldest first.  Returns how many were consumed; the rest come again,
 * first, next time.  'eof' is set on the last call, after the last
 * piece: the peer closed (buf then holds what was left unconsumed). */
typedef size_t fuzz_on_data(void *ud, uint8_t *buf, size_t len, bool eof);

/* Feeds 'in' cut as 'cut' says.  Each call gets a fresh block of exactly
 * its size, so that ASan catches a slice kept past its call or a read
 * past the end.  Stops early once 'stop' (may be NULL) is set. */
static inline void fuzz_feed(const uint8_t *in, size_t n, struct fuzz_cut cut,
			     fuzz_on_data *on_data, void *ud, const bool *stop)
{
	uint8_t *kept = NULL;
	size_t have = 0, pos = 0;

	for (bool eof = false; !eof && !(stop && *stop);) {
		size_t end = pos < n ? fuzz_cut_next(&cut, pos, n) : n;
		eof = end == n && pos == n;
		size_t size = have + (end - pos);
		uint8_t *buf = malloc(size ? size : 1);
		FUZZ_CHECK(buf != NULL);
		if (have)
			memcpy(buf, kept, have);
		if (end > pos)
			memcpy(buf + have, in + pos, end - pos);
		have += end - pos;
		pos = end;
		free(kept);
		size_t used = on_data(ud, buf, have, eof);
		FUZZ_CHECK(used <= have);
		have -= used;
		kept = malloc(have ? have : 1);
		FUZZ_CHECK(kept != NULL);
		memcpy(kept, buf + used, have);
		free(buf);
	}
	free(kept);
}

#endif
