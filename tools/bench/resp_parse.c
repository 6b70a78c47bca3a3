/* resp_parse.c -- how fast src/resp reads Redis replies, on one core.
 *
 * A built-in mix of replies shaped like what pushpull will ask Redis for
 * -- XREAD with one and with three entries, XRANGE, the ids XADD answers,
 * PUBLISH's and XLEN's integers, a GET's bulk string, +OK, a null, a
 * SUBSCRIBE push -- sits back to back in one buffer, as a pipelined
 * connection's input would, and is read over and over for about a second
 * per mode:
 *
 *   parse+read  resp_parse() finds each reply's end, then the reader walks
 *               every value of it (what a client does): the figure that
 *               counts, against a target of 1,000,000 replies/s;
 *   parse       resp_parse() alone: checking every byte but the bulks';
 *   bytewise    parse+read, each reply grown one byte per call, resuming
 *               every time (O(n) in total, not O(n^2));
 *   read only   the reader alone, which checks nothing: the least any
 *               parser could do, the peer the modes above are read against;
 *   XREAD x3    parse+read of the largest reply alone (XREAD COUNT 3: 25
 *               values, 342 bytes), for the cost of one real batch.
 *
 * Prints one aligned table and one JSON line.  Usage: resp_parse [seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resp/resp.h"

#define XREAD_ENTRY(id, n) \
	"*2\r\n$15\r\n" id "\r\n*4\r\n$4\r\ntype\r\n$5\r\nscore\r\n" \
	"$4\r\ndata\r\n$" n "\r\n"

static const char *const mix[] = {
	/* XREAD BLOCK ... STREAMS scores $: one new entry */
	"*1\r\n*2\r\n$6\r\nscores\r\n*1\r\n"
	XREAD_ENTRY("1700000000000-0", "38") "{\"over\":12,\"ball\":3,\"runs\":4,\"wkts\":1}\r\n",
	/* XREAD COUNT 3: a reader catching up */
	"*1\r\n*2\r\n$6\r\nscores\r\n*3\r\n"
	XREAD_ENTRY("1700000000001-0", "38") "{\"over\":12,\"ball\":4,\"runs\":0,\"wkts\":1}\r\n"
	XREAD_ENTRY("1700000000002-0", "38") "{\"over\":12,\"ball\":5,\"runs\":6,\"wkts\":1}\r\n"
	XREAD_ENTRY("1700000000003-0", "38") "{\"over\":12,\"ball\":6,\"runs\":1,\"wkts\":2}\r\n",
	/* XRANGE scores - + COUNT 2 */
	"*2\r\n"
	XREAD_ENTRY("1700000000000-0", "38") "{\"over\":12,\"ball\":3,\"runs\":4,\"wkts\":1}\r\n"
	XREAD_ENTRY("1700000000001-0", "38") "{\"over\":12,\"ball\":4,\"runs\":0,\"wkts\":1}\r\n",
	/* XADD: the new id */
	"$15\r\n1700000000004-0\r\n",
	/* PUBLISH: receivers; XLEN */
	":3\r\n",
	":18342\r\n",
	/* GET of a small JSON value */
	"$38\r\n{\"over\":12,\"ball\":6,\"runs\":1,\"wkts\":2}\r\n",
	/* SET */
	"+OK\r\n",
	/* XREAD BLOCK timed out */
	"*-1\r\n",
	/* a SUBSCRIBE push */
	"*3\r\n$7\r\nmessage\r\n$6\r\nscores\r\n$15\r\n1700000000004-0\r\n",
};
#define NMIX (sizeof mix / sizeof mix[0])

static volatile size_t sink;      /* keeps the work from being optimised away */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Walks every value of one reply; returns something that depends on all. */
static size_t read_all(const char *reply, size_t n)
{
	struct resp_reader r;
	struct resp_value v;
	size_t acc = 0;
	resp_reader_init(&r, reply, n);
	while (resp_reader_next(&r, &v))
		acc += v.len + v.count + (size_t)v.integer;
	return acc;
}

/* Each function goes through the whole buffer once: 'n' replies. */
static size_t run_parse_read(const char *buf, size_t len, size_t n)
{
	struct resp_parser p;
	size_t off = 0, acc = 0;
	resp_parser_init(&p, NULL);
	for (size_t i = 0; i < n; i++) {
		ssize_t r = resp_parse(&p, buf + off, len - off);
		if (r <= 0)
			abort();
		acc += read_all(buf + off, (size_t)r);
		off += (size_t)r;
	}
	return acc;
}

static size_t run_parse(const char *buf, size_t len, size_t n)
{
	struct resp_parser p;
	size_t off = 0;
	resp_parser_init(&p, NULL);
	for (size_t i = 0; i < n; i++) {
		ssize_t r = resp_parse(&p, buf + off, len - off);
		if (r <= 0)
			abort();
		off += (size_t)r;
	}
	return off;
}

static size_t run_bytewise(const char *buf, size_t len, size_t n)
{
	struct resp_parser p;
	size_t off = 0, acc = 0;
	resp_parser_init(&p, NULL);
	for (size_t i = 0; i < n; i++) {
		ssize_t r;
		size_t k = 1;
		while ((r = resp_parse(&p, buf + off, k)) == RESP_INCOMPLETE && off + k < len)
			k++;
		if (r <= 0)
			abort();
		acc += read_all(buf + off, (size_t)r);
		off += (size_t)r;
	}
	return acc;
}

static size_t run_read_only(const char *buf, size_t len, size_t n)
{
	(void)n;
	return read_all(buf, len);
}

struct result {
	const char *mode;
	double seconds;
	unsigned long long replies, bytes;
};

static struct result measure(const char *mode, size_t (*fn)(const char *, size_t, size_t),
			     const char *buf, size_t len, size_t n, double budget)
{
	struct result r = { .mode = mode };
	double t0 = now_s(), t;

	do {
		for (int rep = 0; rep < 256; rep++) {
			sink += fn(buf, len, n);
			r.bytes += len;
			r.replies += n;
		}
		t = now_s();
	} while (t - t0 < budget);
	r.seconds = t - t0;
	return r;
}

int main(int argc, char **argv)
{
	double budget = argc > 1 ? atof(argv[1]) : 1.0;
	if (budget <= 0) {
		fprintf(stderr, "usage: resp_parse [seconds]\n");
		return 2;
	}
	size_t len = 0;
	for (size_t i = 0; i < NMIX; i++)
		len += strlen(mix[i]);
	char *buf = malloc(len);        /* exactly the mix, back to back */
	if (!buf)
		return 1;
	for (size_t i = 0, off = 0; i < NMIX; i++) {
		memcpy(buf + off, mix[i], strlen(mix[i]));
		off += strlen(mix[i]);
	}

	enum { NMODES = 5 };
	struct result rs[NMODES];
	rs[0] = measure("parse+read", run_parse_read, buf, len, NMIX, budget);
	rs[1] = measure("parse", run_parse, buf, len, NMIX, budget);
	rs[2] = measure("bytewise", run_bytewise, buf, len, NMIX, budget);
	rs[3] = measure("read only", run_read_only, buf, len, NMIX, budget);
	rs[4] = measure("XREAD x3", run_parse_read, mix[1], strlen(mix[1]), 1, budget);

	printf("mix: %zu replies, %zu bytes, mean %.0f bytes\n\n", NMIX, len, (double)len / NMIX);
	printf("%-12s %14s %10s %12s %10s\n", "mode", "replies/s", "MB/s", "ns/reply", "vs floor");
	double floor_ns = rs[3].seconds * 1e9 / (double)rs[3].replies;
	for (int i = 0; i < NMODES; i++) {
		double rps = (double)rs[i].replies / rs[i].seconds;
		double mbs = (double)rs[i].bytes / rs[i].seconds / 1e6;
		double ns = rs[i].seconds * 1e9 / (double)rs[i].replies;
		if (i < 4)
			printf("%-12s %14.0f %10.1f %12.1f %9.1fx\n", rs[i].mode, rps, mbs, ns,
			       ns / floor_ns);
		else            /* another input: no floor to compare with */
			printf("%-12s %14.0f %10.1f %12.1f %10s\n", rs[i].mode, rps, mbs, ns, "-");
	}
	printf("\n{\"bench\":\"resp_parse\",\"mix_bytes\":%zu,\"results\":[", len);
	for (int i = 0; i < NMODES; i++)
		printf("%s{\"mode\":\"%s\",\"replies_per_s\":%.0f,\"mb_per_s\":%.1f}",
		       i ? "," : "", rs[i].mode,
		       (double)rs[i].replies / rs[i].seconds,
		       (double)rs[i].bytes / rs[i].seconds / 1e6);
	printf("]}\n");
	free(buf);
	return 0;
}
