/* fuzz_resp.c -- libFuzzer harness for resp_parse() and its reader.
 *
 * Not built by 'make test'.  Build and run by hand (resp.c stands alone):
 *
 *     clang -std=c11 -D_GNU_SOURCE -g -fsanitize=fuzzer,address,undefined \
 *           -Isrc src/resp/resp.c tests/fuzz/fuzz_resp.c -o fuzz_resp
 *     ./fuzz_resp -max_total_time=60 tests/fuzz/corpus_resp
 *
 * (Give it a scratch directory first and the corpus second to keep what
 * it finds out of the repository.)  The seeds in corpus_resp/ are replies
 * as Redis sends them -- XREAD, XRANGE, SUBSCRIBE, errors, nulls -- some
 * whole, some cut short, some broken, so that the fuzzer starts inside
 * the grammar.
 *
 * The first input byte picks the limits: bit 0 the defaults or small
 * ones (a line of 8, a bulk of 16, arrays of 4, depth 3, a reply of 64
 * bytes), so the refusals are reached too; the other bits pick where the
 * stream is cut once.  The rest is the stream, fed three ways: whole, a
 * byte at a time, and in two pieces at that cut.  Each call is handed a
 * fresh block of exactly the bytes not yet consumed, so that ASan sees
 * any read past them.  Beyond the sanitizers' checks it aborts when:
 *   - the three feeds disagree: on the replies (a hash of every value the
 *     reader hands out), on where the stream stopped, or on the refusal's
 *     code and offset;
 *   - a reply's length is not one the reader walks exactly: its values
 *     use every byte, arrays hold the values they promise, a slice leaves
 *     the reply, resp_reader_skip() over the first value does not reach
 *     its end;
 *   - a refusal has no reason or an offset outside the bytes offered;
 *   - a reply that is a command (an array of bulk strings) does not come
 *     back the same through resp_encode_command() and the parser.
 */
#include <stdlib.h>
#include <string.h>
#include "resp/resp.h"

struct outcome {
	uint64_t hash;          /* FNV-1a over every value read */
	size_t replies;
	size_t consumed;        /* bytes in whole replies */
	enum resp_error_code code;
	size_t offset;          /* of the refusal, from the stream's start */
};

static void mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3u;
}

/* A command read back through the encoder gives the same arguments. */
static void check_command(const char *reply, size_t n)
{
	enum { ARGS = 8 };
	struct resp_reader r;
	struct resp_value v;
	const char *argv[ARGS];
	size_t lens[ARGS], argc = 0;

	resp_reader_init(&r, reply, n);
	if (!resp_reader_next(&r, &v) || v.type != RESP_ARRAY || v.count == 0 ||
	    v.count > ARGS)
		return;
	while (resp_reader_next(&r, &v)) {
		if (v.type != RESP_BULK || v.null)
			return;
		argv[argc] = v.str;
		lens[argc++] = v.len;
	}
	size_t need = resp_encode_command(NULL, 0, argc, argv, lens);
	char *out = malloc(need);
	if (need == 0 || need > n || !out ||
	    resp_encode_command(out, need, argc, argv, lens) != need)
		abort();                /* never longer: leading zeros only go */
	struct resp_parser p;
	resp_parser_init(&p, NULL);
	if (resp_parse(&p, out, need) != (ssize_t)need)
		abort();
	resp_reader_init(&r, out, need);
	if (!resp_reader_next(&r, &v) || v.count != argc)
		abort();
	for (size_t i = 0; i < argc; i++)
		if (!resp_reader_next(&r, &v) || v.len != lens[i] ||
		    (v.len && memcmp(v.str, argv[i], v.len)))
			abort();
	free(out);
}

/* Walks one reply, hashing what it holds and checking its shape. */
static void read_reply(const char *reply, size_t n, unsigned depth_max, uint64_t *h)
{
	struct resp_reader r;
	struct resp_value v;
	size_t due[RESP_DEPTH_MAX + 1];
	unsigned depth = 0;
	bool first = true;

	resp_reader_init(&r, reply, n);
	while (resp_reader_next(&r, &v)) {
		if (!first && depth == 0)
			abort();                /* a second value: the reply ended early */
		first = false;
		if (v.str && (v.str < reply || v.len > (size_t)(reply + n - v.str)))
			abort();
		mix(h, &v.type, sizeof v.type);
		mix(h, &v.null, sizeof v.null);
		mix(h, &v.integer, sizeof v.integer);
		mix(h, &v.count, sizeof v.count);
		mix(h, &v.len, sizeof v.len);
		if (v.str)
			mix(h, v.str, v.len);
		if (depth > 0)
			due[depth - 1]--;
		if (v.type == RESP_ARRAY && v.count > 0) {
			if (depth == depth_max)
				abort();
			due[depth++] = v.count;
		}
		while (depth > 0 && due[depth - 1] == 0)
			depth--;
	}
	if (first || depth != 0 || r.p != reply + n)
		abort();
	resp_reader_init(&r, reply, n);
	if (!resp_reader_next(&r, &v))
		abort();
	resp_reader_skip(&r, &v);
	if (r.p != reply + n)
		abort();
	check_command(reply, n);
}

/* Feeds 'in' in two pieces cut at 'cut', or a byte at a time ('cut' 0). */
static void feed(const struct resp_limits *lim, const uint8_t *in, size_t n,
		 size_t cut, struct outcome *o)
{
	struct resp_parser p;
	size_t have = 0, start = 0;

	memset(o, 0, sizeof *o);
	o->hash = 0xcbf29ce484222325u;
	resp_parser_init(&p, lim);
	while (have < n) {
		have = cut == 0 ? have + 1 : have < cut ? cut : n;
		for (;;) {
			size_t m = have - start;
			char *copy = malloc(m ? m : 1);
			if (!copy)
				abort();
			memcpy(copy, in + start, m);
			ssize_t r = resp_parse(&p, copy, m);
			if (r > 0) {
				if ((size_t)r > m)
					abort();
				read_reply(copy, (size_t)r, p.lim.depth_max, &o->hash);
				o->replies++;
				start += (size_t)r;
			}
			free(copy);
			if (r == RESP_INCOMPLETE)
				break;
			if (r == RESP_INVALID) {
				const struct resp_error *e = resp_parser_error(&p);
				if (e->code == RESP_OK || e->reason == NULL || e->offset >= m ||
				    resp_parse(&p, "+OK\r\n", 5) != RESP_INVALID)
					abort();
				o->code = e->code;
				o->offset = start + e->offset;
				o->consumed = start;
				return;
			}
			if (r <= 0)
				abort();
		}
	}
	o->consumed = start;
}

static bool same(const struct outcome *a, const struct outcome *b)
{
	return a->hash == b->hash && a->replies == b->replies &&
	       a->consumed == b->consumed && a->code == b->code && a->offset == b->offset;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct resp_limits small = {
		.line_max = 8, .bulk_max = 16, .array_max = 4, .depth_max = 3, .reply_max = 64
	};
	if (size == 0)
		return 0;
	const struct resp_limits *lim = data[0] & 1 ? &small : NULL;
	const uint8_t *in = data + 1;
	size_t n = size - 1;
	struct outcome whole, bytewise, split;

	feed(lim, in, n, n, &whole);
	feed(lim, in, n, 0, &bytewise);
	feed(lim, in, n, n ? 1 + (size_t)(data[0] >> 1) % n : 0, &split);
	if (!same(&whole, &bytewise) || !same(&whole, &split))
		abort();
	return 0;
}
