/* test_sse_model.c -- the streaming parser against a plain reading of the rules.
 *
 * sse_parser.c is built for speed and small memory: it never holds a
 * line, takes plain text a run at a time and stops mid-chunk to hand out
 * an event.  Beside it, here, is the WHATWG HTML §9.2.6 algorithm written
 * the obvious way, on a whole stream at once: decode every byte to code
 * points (Encoding Standard "UTF-8 decode": sniff the BOM bytes, then the
 * decoder with replacement), cut into lines, process each line.  Both
 * read thousands of random streams built from the tokens the rules care
 * about, the parser in random pieces, and must print the same log.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse/sse_parser.h"
#include "util/utf8.h"
#include "support/sse_log.h"

#define MODEL_CAP 2048          /* code points; streams here are < 520 bytes */

/* A string of code points. */
struct cps {
	uint32_t v[MODEL_CAP];
	size_t n;
};

struct model {
	struct cps data, type, id_buf, id_str;
	struct tbuf *log;
};

static void cps_set(struct cps *d, const uint32_t *s, size_t n)
{
	ck_assert_uint_le(n, MODEL_CAP);
	if (n > 0)
		memcpy(d->v, s, n * sizeof *s);
	d->n = n;
}

static void cps_add(struct cps *d, const uint32_t *s, size_t n)
{
	ck_assert_uint_le(d->n + n, MODEL_CAP);
	if (n > 0)
		memcpy(d->v + d->n, s, n * sizeof *s);
	d->n += n;
}

/* The code points as UTF-8, into 'out' (cap 4 * MODEL_CAP). */
static size_t cps_utf8(const struct cps *c, char *out)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++)
		k += utf8_encode(c->v[i], (uint8_t *)out + k);
	return k;
}

static bool cps_is(const uint32_t *s, size_t n, const char *ascii)
{
	if (n != strlen(ascii))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] != (unsigned char)ascii[i])
			return false;
	return true;
}

/* §9.2.6 "dispatch the event", for a user agent that is not a browser. */
static void model_dispatch(struct model *m)
{
	static char t[4 * MODEL_CAP], d[4 * MODEL_CAP], i[4 * MODEL_CAP];
	cps_set(&m->id_str, m->id_buf.v, m->id_buf.n);
	if (m->data.n == 0) {
		m->type.n = 0;
		return;
	}
	if (m->data.v[m->data.n - 1] == '\n')
		m->data.n--;
	size_t tl = cps_utf8(&m->type, t), dl = cps_utf8(&m->data, d);
	size_t il = cps_utf8(&m->id_str, i);
	if (tl == 0)
		sse_log_event(m->log, "message", 7, d, dl, i, il);
	else
		sse_log_event(m->log, t, tl, d, dl, i, il);
	m->data.n = 0;
	m->type.n = 0;
}

/* §9.2.6 "process the field". */
static void model_field(struct model *m, const uint32_t *name, size_t nl,
			const uint32_t *v, size_t vl)
{
	static const uint32_t lf = '\n';
	if (cps_is(name, nl, "event")) {
		cps_set(&m->type, v, vl);
	} else if (cps_is(name, nl, "data")) {
		cps_add(&m->data, v, vl);
		cps_add(&m->data, &lf, 1);
	} else if (cps_is(name, nl, "id")) {
		for (size_t i = 0; i < vl; i++)
			if (v[i] == 0)
				return;
		cps_set(&m->id_buf, v, vl);
	} else if (cps_is(name, nl, "retry")) {
		uint64_t ms = 0;
		if (vl == 0)
			return;
		for (size_t i = 0; i < vl; i++) {
			if (v[i] < '0' || v[i] > '9')
				return;
			ms = ms > (UINT64_MAX - (v[i] - '0')) / 10
				? UINT64_MAX : ms * 10 + (v[i] - '0');
		}
		sse_log_retry(m->log, ms);
	}
}

/* §9.2.6: one line, without its end. */
static void model_line(struct model *m, const uint32_t *s, size_t n)
{
	if (n == 0) {
		model_dispatch(m);
		return;
	}
	if (s[0] == ':')
		return;
	for (size_t c = 0; c < n; c++) {
		if (s[c] == ':') {
			size_t v = c + 1;
			if (v < n && s[v] == ' ')
				v++;
			model_field(m, s, c, s + v, n - v);
			return;
		}
	}
	model_field(m, s, n, NULL, 0);
}

static void model_run(const char *bytes, size_t n, struct tbuf *l)
{
	static struct cps cp;
	static struct model m;
	const uint8_t *s = (const uint8_t *)bytes;
	memset(&m, 0, sizeof m);
	m.log = l;

	/* Encoding Standard "UTF-8 decode": the BOM is three bytes, sniffed. */
	size_t i = 0;
	if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		i = 3;
	struct utf8_decoder d;
	utf8_init(&d);
	cp.n = 0;
	while (i < n) {
		int32_t c = utf8_decode_byte(&d, s[i]);
		if (c != UTF8_INVALID_AGAIN)
			i++;
		if (c != UTF8_MORE)
			cp.v[cp.n++] = c < 0 ? UTF8_REPLACEMENT : (uint32_t)c;
	}
	if (!utf8_at_boundary(&d))
		cp.v[cp.n++] = UTF8_REPLACEMENT;

	/* Lines end at CRLF, LF or CR; a last line with no end is dropped. */
	size_t start = 0;
	for (size_t k = 0; k < cp.n; k++) {
		if (cp.v[k] != '\r' && cp.v[k] != '\n')
			continue;
		model_line(&m, cp.v + start, k - start);
		if (cp.v[k] == '\r' && k + 1 < cp.n && cp.v[k + 1] == '\n')
			k++;
		start = k + 1;
	}
}

/* _i seeds the generator, so each loop iteration reads other streams. */
START_TEST(test_parser_matches_model)
{
	uint64_t x = 0x2545F4914F6CDD1Du * (uint64_t)(_i + 1);
	char buf[64 * 8 + 1];
	size_t cuts[61];
	for (int round = 0; round < 1000; round++) {
		size_t n = sse_log_random_stream(&x, buf);
		for (size_t i = 0; i < 61; i++)
			cuts[i] = 1 + sse_log_rng_next(&x) % 13;
		struct tbuf got, want;
		tbuf_init(&got);
		tbuf_init(&want);
		sse_log_feed_cut(NULL, buf, n, cuts, 61, &got);
		model_run(buf, n, &want);
		if (strcmp(got.p, want.p) != 0) {
			struct tbuf in;
			tbuf_init(&in);
			sse_log_quoted(&in, buf, n);
			ck_abort_msg("seed %d round %d: stream %s\n got:\n%s want:\n%s",
				     _i, round, in.p, got.p, want.p);
		}
		tbuf_free(&got);
		tbuf_free(&want);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("sse_model");
	TCase *tc = tcase_create("random streams");
	tcase_add_loop_test(tc, test_parser_matches_model, 0, 10);
	suite_add_tcase(s, tc);
	return s;
}
