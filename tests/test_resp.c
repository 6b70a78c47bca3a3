/* test_resp.c -- RESP2 replies and commands (src/resp/resp.h).
 *
 * Each vector is a stream of replies and the log it must print: one line
 * per value, indented two spaces per open array, then how the stream
 * ended ("invalid CODE @OFFSET" for a refusal, "incomplete N" for N bytes
 * of an unfinished reply).  Every vector is fed whole, a byte at a time,
 * and cut in two at every position (the loop test's _i), the way a
 * connection would: the bytes not yet consumed are kept, more are added
 * behind them, and each call is handed a fresh copy of exactly those
 * bytes, so a parser that kept a pointer or read one byte too far trips
 * AddressSanitizer.  The Redis Streams vectors are replies of the shapes
 * XADD, XREAD, XRANGE, EVALSHA, SUBSCRIBE and PUBLISH answer with.
 *
 * Then the rest of the contract (the reader, skipping, sticky refusals,
 * resuming where a search stopped), the encoder's vectors, commands read
 * back, and random replies written by a model, parsed at random cuts.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp/resp.h"
#include "support/buf.h"

/* --- the log -------------------------------------------------------------- */

static const char *code_name(enum resp_error_code c)
{
	static const char *const names[] = {
		"OK", "TYPE", "CRLF", "INTEGER", "OVERFLOW", "LENGTH", "LINE_LIMIT",
		"BULK_LIMIT", "ARRAY_LIMIT", "DEPTH_LIMIT", "REPLY_LIMIT",
	};
	return (size_t)c < sizeof names / sizeof names[0] ? names[c] : "?";
}

/* Printable ASCII as is, anything else (and " and \) as \xHH. */
static void log_quoted(struct tbuf *l, const char *s, size_t n)
{
	tbuf_append(l, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
			tbuf_append(l, s + i, 1);
		else
			tbuf_printf(l, "\\x%02x", c);
	}
	tbuf_append(l, "\"", 1);
}

static void log_value(struct tbuf *l, unsigned depth, const struct resp_value *v)
{
	for (unsigned i = 0; i < depth; i++)
		tbuf_append(l, "  ", 2);
	tbuf_printf(l, "%c ", (char)v->type);
	if (v->null)
		tbuf_append(l, "nil", 3);
	else if (v->type == RESP_INTEGER)
		tbuf_printf(l, "%" PRId64, v->integer);
	else if (v->type == RESP_ARRAY)
		tbuf_printf(l, "%zu", v->count);
	else
		log_quoted(l, v->str, v->len);
	tbuf_append(l, "\n", 1);
}

/* Logs the replies in reply[0, n), walking them with the reader.  Checks
 * on the way that every slice lies inside them. */
static void log_replies(struct tbuf *l, const char *reply, size_t n)
{
	struct resp_reader r;
	struct resp_value v;
	size_t due[RESP_DEPTH_MAX + 1];
	unsigned depth = 0;

	resp_reader_init(&r, reply, n);
	while (resp_reader_next(&r, &v)) {
		if (v.str && (v.str < reply || v.str + v.len > reply + n))
			ck_abort_msg("a slice outside the reply");
		log_value(l, depth, &v);
		if (depth > 0)
			due[depth - 1]--;
		if (v.type == RESP_ARRAY && v.count > 0)
			due[depth++] = v.count;
		while (depth > 0 && due[depth - 1] == 0)
			depth--;
	}
	if (depth != 0)
		ck_abort_msg("the reader ended inside an array");
}

/* --- feeding -------------------------------------------------------------- */

/* Feeds 'in' in pieces of the sizes in 'cuts', taken in turn and round
 * again ('ncuts' 0: all at once), and logs every reply and the end. */
static void feed_cut(const struct resp_limits *lim, const char *in, size_t n,
		     const size_t *cuts, size_t ncuts, struct tbuf *l)
{
	struct resp_parser p;
	size_t have = 0, start = 0, k = 0;

	resp_parser_init(&p, lim);
	while (have < n) {
		size_t piece = ncuts ? cuts[k++ % ncuts] : n;
		have += piece < n - have ? piece : n - have;
		for (;;) {
			size_t m = have - start;
			char *copy = malloc(m ? m : 1);         /* exactly the bytes */
			memcpy(copy, in + start, m);
			ssize_t r = resp_parse(&p, copy, m);
			if (r > 0) {
				if ((size_t)r > m)
					ck_abort_msg("a reply longer than its bytes");
				log_replies(l, copy, (size_t)r);
				start += (size_t)r;
			}
			free(copy);
			if (r == RESP_INCOMPLETE)
				break;
			if (r == RESP_INVALID) {
				const struct resp_error *e = resp_parser_error(&p);
				tbuf_printf(l, "invalid %s @%zu\n", code_name(e->code),
					    start + e->offset);
				return;
			}
			if (r <= 0)
				ck_abort_msg("resp_parse returned %zd", r);
		}
	}
	if (start < n)
		tbuf_printf(l, "incomplete %zu\n", n - start);
}

/* --- vectors -------------------------------------------------------------- */

struct vec {
	const char *name;
	const char *in;
	size_t len;
	const char *log;
};
#define IN(s) s, sizeof(s) - 1

static const struct resp_limits line3 = { .line_max = 3 };
static const struct resp_limits bulk3 = { .bulk_max = 3 };
static const struct resp_limits array2 = { .array_max = 2 };
static const struct resp_limits depth2 = { .depth_max = 2 };
static const struct resp_limits depth1 = { .depth_max = 1 };
static const struct resp_limits reply10 = { .reply_max = 10 };

static const struct vec vecs[] = {
	/* simple strings and errors */
	{ "OK", IN("+OK\r\n"), "+ \"OK\"\n" },
	{ "empty simple string", IN("+\r\n"), "+ \"\"\n" },
	{ "simple string, spaces and colons", IN("+a b: c\r\n"), "+ \"a b: c\"\n" },
	{ "error", IN("-ERR unknown command 'FOO'\r\n"), "- \"ERR unknown command 'FOO'\"\n" },
	{ "WRONGTYPE", IN("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
	  "- \"WRONGTYPE Operation against a key holding the wrong kind of value\"\n" },
	{ "empty error", IN("-\r\n"), "- \"\"\n" },
	{ "NUL and high bytes pass", IN("+a\0\xff\r\n"), "+ \"a\\x00\\xff\"\n" },

	/* integers: [+|-] digits, signed 64-bit */
	{ "zero", IN(":0\r\n"), ": 0\n" },
	{ "integer", IN(":1000\r\n"), ": 1000\n" },
	{ "negative", IN(":-1\r\n"), ": -1\n" },
	{ "plus sign", IN(":+5\r\n"), ": 5\n" },
	{ "minus zero", IN(":-0\r\n"), ": 0\n" },
	{ "leading zeros", IN(":007\r\n"), ": 7\n" },
	{ "INT64_MAX", IN(":9223372036854775807\r\n"), ": 9223372036854775807\n" },
	{ "INT64_MIN", IN(":-9223372036854775808\r\n"), ": -9223372036854775808\n" },

	/* bulk strings */
	{ "bulk", IN("$5\r\nhello\r\n"), "$ \"hello\"\n" },
	{ "empty bulk", IN("$0\r\n\r\n"), "$ \"\"\n" },
	{ "null bulk", IN("$-1\r\n"), "$ nil\n" },
	{ "bulk holding CRLF", IN("$4\r\na\r\nb\r\n"), "$ \"a\\x0d\\x0ab\"\n" },
	{ "bulk holding CR LF NUL", IN("$3\r\n\r\0\n\r\n"), "$ \"\\x0d\\x00\\x0a\"\n" },
	{ "bulk that looks like RESP", IN("$4\r\n*1\r\n\r\n"), "$ \"*1\\x0d\\x0a\"\n" },
	{ "bulk, length with leading zeros", IN("$03\r\nabc\r\n"), "$ \"abc\"\n" },

	/* arrays */
	{ "empty array", IN("*0\r\n"), "* 0\n" },
	{ "null array", IN("*-1\r\n"), "* nil\n" },
	{ "two integers", IN("*2\r\n:1\r\n:2\r\n"), "* 2\n  : 1\n  : 2\n" },
	{ "every type in one", IN("*6\r\n+a\r\n-b\r\n:3\r\n$1\r\nd\r\n$-1\r\n*-1\r\n"),
	  "* 6\n  + \"a\"\n  - \"b\"\n  : 3\n  $ \"d\"\n  $ nil\n  * nil\n" },
	{ "nested, empty inside", IN("*3\r\n*1\r\n:1\r\n*0\r\n*2\r\n*0\r\n:2\r\n"),
	  "* 3\n  * 1\n    : 1\n  * 0\n  * 2\n    * 0\n    : 2\n" },
	{ "arrays closing together", IN("*1\r\n*1\r\n*1\r\n:7\r\n:8\r\n"),
	  "* 1\n  * 1\n    * 1\n      : 7\n: 8\n" },
	{ "sixteen deep (the default limit)",
	  IN("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n"
	     "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n"),
	  "* 1\n  * 1\n    * 1\n      * 1\n        * 1\n          * 1\n"
	  "            * 1\n              * 1\n                * 1\n"
	  "                  * 1\n                    * 1\n"
	  "                      * 1\n                        * 1\n"
	  "                          * 1\n                            * 1\n"
	  "                              * 1\n                                : 1\n" },

	/* several replies back to back (pipelining) */
	{ "pipelined", IN("+OK\r\n:1\r\n$1\r\nx\r\n*1\r\n$-1\r\n"),
	  "+ \"OK\"\n: 1\n$ \"x\"\n* 1\n  $ nil\n" },

	/* unfinished replies: nothing is wrong yet */
	{ "type byte only", IN("+"), "incomplete 1\n" },
	{ "CR without its LF yet", IN("+OK\r"), "incomplete 4\n" },
	{ "bulk data cut", IN("$5\r\nhel"), "incomplete 7\n" },
	{ "bulk's CRLF cut", IN("$5\r\nhello\r"), "incomplete 10\n" },
	{ "array cut", IN(":1\r\n*2\r\n:1\r\n"), ": 1\nincomplete 8\n" },

	/* Redis Streams and friends, as a server answers */
	{ "XADD: the new id", IN("$15\r\n1700000000000-0\r\n"), "$ \"1700000000000-0\"\n" },
	{ "XREAD: one stream, two entries",
	  IN("*1\r\n"
	     "*2\r\n$6\r\nscores\r\n"
	     "*2\r\n"
	     "*2\r\n$15\r\n1700000000000-0\r\n*4\r\n$4\r\ntype\r\n$4\r\nball\r\n"
	     "$4\r\ndata\r\n$10\r\n{\"runs\":4}\r\n"
	     "*2\r\n$15\r\n1700000000001-0\r\n*2\r\n$4\r\ndata\r\n$0\r\n\r\n"),
	  "* 1\n"
	  "  * 2\n"
	  "    $ \"scores\"\n"
	  "    * 2\n"
	  "      * 2\n"
	  "        $ \"1700000000000-0\"\n"
	  "        * 4\n"
	  "          $ \"type\"\n"
	  "          $ \"ball\"\n"
	  "          $ \"data\"\n"
	  "          $ \"{\\x22runs\\x22:4}\"\n"
	  "      * 2\n"
	  "        $ \"1700000000001-0\"\n"
	  "        * 2\n"
	  "          $ \"data\"\n"
	  "          $ \"\"\n" },
	{ "XREAD: two streams",
	  IN("*2\r\n"
	     "*2\r\n$1\r\na\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n"
	     "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nk\r\n$1\r\nw\r\n"),
	  "* 2\n"
	  "  * 2\n    $ \"a\"\n    * 1\n      * 2\n        $ \"1-1\"\n"
	  "        * 2\n          $ \"k\"\n          $ \"v\"\n"
	  "  * 2\n    $ \"b\"\n    * 1\n      * 2\n        $ \"2-0\"\n"
	  "        * 2\n          $ \"k\"\n          $ \"w\"\n" },
	{ "XREAD BLOCK timed out", IN("*-1\r\n"), "* nil\n" },
	{ "XREADGROUP: a deleted entry", IN("*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n5-0\r\n*-1\r\n"),
	  "* 1\n  * 2\n    $ \"s\"\n    * 1\n      * 2\n        $ \"5-0\"\n        * nil\n" },
	{ "XRANGE: two entries",
	  IN("*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n"
	     "*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nx\r\n$1\r\n2\r\n"),
	  "* 2\n  * 2\n    $ \"1-0\"\n    * 2\n      $ \"x\"\n      $ \"1\"\n"
	  "  * 2\n    $ \"2-0\"\n    * 2\n      $ \"x\"\n      $ \"2\"\n" },
	{ "XRANGE: nothing", IN("*0\r\n"), "* 0\n" },
	{ "EVALSHA: a table", IN("*3\r\n:1\r\n$3\r\n9-0\r\n$-1\r\n"),
	  "* 3\n  : 1\n  $ \"9-0\"\n  $ nil\n" },
	{ "EVALSHA: not loaded", IN("-NOSCRIPT No matching script. Please use EVAL.\r\n"),
	  "- \"NOSCRIPT No matching script. Please use EVAL.\"\n" },
	{ "SUBSCRIBE, then a message",
	  IN("*3\r\n$9\r\nsubscribe\r\n$6\r\nscores\r\n:1\r\n"
	     "*3\r\n$7\r\nmessage\r\n$6\r\nscores\r\n$3\r\n4-0\r\n"),
	  "* 3\n  $ \"subscribe\"\n  $ \"scores\"\n  : 1\n"
	  "* 3\n  $ \"message\"\n  $ \"scores\"\n  $ \"4-0\"\n" },
	{ "PUBLISH: receivers", IN(":2\r\n"), ": 2\n" },

	/* refused: the type byte */
	{ "unknown type", IN("?x\r\n"), "invalid TYPE @0\n" },
	{ "RESP3 null is not RESP2", IN("_\r\n"), "invalid TYPE @0\n" },
	{ "RESP3 map is not RESP2", IN("%1\r\n+a\r\n+b\r\n"), "invalid TYPE @0\n" },
	{ "blank line", IN("\r\n"), "invalid TYPE @0\n" },
	{ "inline text", IN("OK\r\n"), "invalid TYPE @0\n" },
	{ "space first", IN(" +OK\r\n"), "invalid TYPE @0\n" },
	{ "bad type after a good reply", IN("+OK\r\n!"), "+ \"OK\"\ninvalid TYPE @5\n" },
	{ "bad type inside an array", IN("*2\r\n:1\r\nx\r\n"), "invalid TYPE @8\n" },

	/* refused: CRLF */
	{ "LF alone", IN("+OK\n"), "invalid CRLF @3\n" },
	{ "CR inside a simple string", IN("+O\rK\r\n"), "invalid CRLF @3\n" },
	{ "LF inside an error", IN("-E\nR\r\n"), "invalid CRLF @2\n" },
	{ "CR CR LF", IN(":1\r\r\n"), "invalid CRLF @3\n" },
	{ "bulk longer than said", IN("$3\r\nabcd\r\n"), "invalid CRLF @7\n" },
	{ "bulk shorter than said", IN("$3\r\nab\r\n\r\n"), "invalid CRLF @7\n" },
	{ "bulk ended by LF", IN("$3\r\nabc\n\r"), "invalid CRLF @7\n" },
	{ "bulk ended by CR CR", IN("$3\r\nabc\r\r"), "invalid CRLF @8\n" },
	{ "bulk header ended by LF", IN("$3\nabc\r\n"), "invalid CRLF @2\n" },

	/* refused: integers */
	{ "no digits", IN(":\r\n"), "invalid INTEGER @0\n" },
	{ "sign only", IN(":-\r\n"), "invalid INTEGER @0\n" },
	{ "two signs", IN(":+-1\r\n"), "invalid INTEGER @0\n" },
	{ "decimal point", IN(":1.5\r\n"), "invalid INTEGER @0\n" },
	{ "space before", IN(": 1\r\n"), "invalid INTEGER @0\n" },
	{ "space after", IN(":1 \r\n"), "invalid INTEGER @0\n" },
	{ "hexadecimal", IN(":0x10\r\n"), "invalid INTEGER @0\n" },
	{ "long and bad", IN(":99999999999999999999x\r\n"), "invalid INTEGER @0\n" },
	{ "bad inside an array", IN("*2\r\n:1\r\n:x\r\n"), "invalid INTEGER @8\n" },
	{ "INT64_MAX + 1", IN(":9223372036854775808\r\n"), "invalid OVERFLOW @0\n" },
	{ "INT64_MIN - 1", IN(":-9223372036854775809\r\n"), "invalid OVERFLOW @0\n" },
	{ "far too big", IN(":123456789012345678901234567890\r\n"), "invalid OVERFLOW @0\n" },

	/* refused: lengths */
	{ "bulk without length", IN("$\r\n"), "invalid LENGTH @0\n" },
	{ "bulk length -2", IN("$-2\r\n"), "invalid LENGTH @0\n" },
	{ "bulk length -0", IN("$-0\r\n"), "invalid LENGTH @0\n" },
	{ "bulk length -10", IN("$-10\r\n"), "invalid LENGTH @0\n" },
	{ "bulk length +1", IN("$+1\r\nx\r\n"), "invalid LENGTH @0\n" },
	{ "bulk length 1a", IN("$1a\r\nx\r\n"), "invalid LENGTH @0\n" },
	{ "bulk length -1 and a space", IN("$-1 \r\n"), "invalid LENGTH @0\n" },
	{ "array without count", IN("*\r\n"), "invalid LENGTH @0\n" },
	{ "array count -2", IN("*-2\r\n"), "invalid LENGTH @0\n" },

	/* refused: the default limits, before the data comes */
	{ "bulk over 1 MiB", IN("$1048577\r\n"), "invalid BULK_LIMIT @0\n" },
	{ "bulk of 1 MiB waits", IN("$1048576\r\nab"), "incomplete 12\n" },
	{ "bulk length past 64 bits", IN("$99999999999999999999999\r\n"), "invalid BULK_LIMIT @0\n" },
	{ "array over the limit", IN("*1048577\r\n"), "invalid ARRAY_LIMIT @0\n" },
	{ "seventeen deep",
	  IN("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n"
	     "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n"),
	  "invalid DEPTH_LIMIT @64\n" },

};
#define NVECS (sizeof vecs / sizeof vecs[0])

/* The same, under limits set lower. */
struct limit_vec {
	const struct resp_limits *lim;
	struct vec v;
};

static const struct limit_vec limit_vecs[] = {
	{ &line3, { "line at its limit", IN("+abc\r\n"), "+ \"abc\"\n" } },
	{ &line3, { "line past its limit", IN("+abcd\r\n"), "invalid LINE_LIMIT @0\n" } },
	{ &line3, { "unfinished line past it", IN("-abcdefgh"), "invalid LINE_LIMIT @0\n" } },
	{ &line3, { "unfinished line within it", IN("+abc"), "incomplete 4\n" } },
	{ &line3, { "number line past it", IN(":1234\r\n"), "invalid LINE_LIMIT @0\n" } },
	{ &line3, { "CR right at the limit", IN("+abc\r"), "incomplete 5\n" } },
	{ &line3, { "bulk data has no line limit", IN("$3\r\nabc\r\n"), "$ \"abc\"\n" } },
	{ &bulk3, { "bulk at its limit", IN("$3\r\nabc\r\n"), "$ \"abc\"\n" } },
	{ &bulk3, { "bulk past its limit", IN("$4\r\n"), "invalid BULK_LIMIT @0\n" } },
	{ &bulk3, { "null bulk under a limit", IN("$-1\r\n"), "$ nil\n" } },
	{ &array2, { "array at its limit", IN("*2\r\n:1\r\n:2\r\n"), "* 2\n  : 1\n  : 2\n" } },
	{ &array2, { "array past its limit", IN("*3\r\n"), "invalid ARRAY_LIMIT @0\n" } },
	{ &depth2, { "depth at its limit", IN("*1\r\n*1\r\n:1\r\n"), "* 1\n  * 1\n    : 1\n" } },
	{ &depth2, { "depth past its limit", IN("*1\r\n*1\r\n*1\r\n"), "invalid DEPTH_LIMIT @8\n" } },
	{ &depth1, { "empty arrays open nothing", IN("*2\r\n*0\r\n*-1\r\n"), "* 2\n  * 0\n  * nil\n" } },
	{ &depth2, { "depth counts open arrays only", IN("*2\r\n*1\r\n:1\r\n*1\r\n:2\r\n"),
	  "* 2\n  * 1\n    : 1\n  * 1\n    : 2\n" } },
	{ &reply10, { "reply at its limit", IN("$4\r\nabcd\r\n"), "$ \"abcd\"\n" } },
	{ &reply10, { "reply past it, known at once", IN("$5\r\nab"), "invalid REPLY_LIMIT @0\n" } },
	{ &reply10, { "reply past it, by a line", IN("*3\r\n:1\r\n:2\r\n:3\r\n"), "invalid REPLY_LIMIT @8\n" } },
	{ &reply10, { "reply past it, by its last LF", IN("+abcdefgh\r\n"), "invalid REPLY_LIMIT @0\n" } },
	{ &reply10, { "the limit is per reply", IN("+abcdefg\r\n+abcdefg\r\n"),
	  "+ \"abcdefg\"\n+ \"abcdefg\"\n" } },
};
#define NLIMIT (sizeof limit_vecs / sizeof limit_vecs[0])

static void check_vec(const struct resp_limits *lim, const struct vec *v,
		      const size_t *cuts, size_t ncuts, const char *how)
{
	struct tbuf got;
	tbuf_init(&got);
	feed_cut(lim, v->in, v->len, cuts, ncuts, &got);
	ck_assert_msg(strcmp(got.p, v->log) == 0, "%s (%s):\n got:\n%s want:\n%s",
		      v->name, how, got.p, v->log);
	tbuf_free(&got);
}

/* Every vector of both tables, cut as 'cuts' says; a vector no longer
 * than 'min_len' is left out (a cut must fall inside it). */
static void check_all(const size_t *cuts, size_t ncuts, size_t min_len, const char *how)
{
	for (size_t i = 0; i < NVECS; i++)
		if (vecs[i].len > min_len)
			check_vec(NULL, &vecs[i], cuts, ncuts, how);
	for (size_t i = 0; i < NLIMIT; i++)
		if (limit_vecs[i].v.len > min_len)
			check_vec(limit_vecs[i].lim, &limit_vecs[i].v, cuts, ncuts, how);
}

START_TEST(test_vectors_whole)
{
	check_all(NULL, 0, 0, "whole");
}
END_TEST

START_TEST(test_vectors_bytewise)
{
	static const size_t one = 1;
	check_all(&one, 1, 0, "a byte at a time");
}
END_TEST

/* _i is the cut: every vector longer than that is fed in two pieces (the
 * second piece is sized to hold any vector's rest). */
START_TEST(test_vectors_split)
{
	char how[32];
	size_t cuts[2] = { (size_t)_i, SIZE_MAX / 2 };
	snprintf(how, sizeof how, "cut at %d", _i);
	check_all(cuts, 2, (size_t)_i, how);
}
END_TEST

/* --- the rest of the contract --------------------------------------------- */

START_TEST(test_nothing_is_incomplete)
{
	struct resp_parser p;
	resp_parser_init(&p, NULL);
	ck_assert_int_eq(resp_parse(&p, "", 0), RESP_INCOMPLETE);
	ck_assert_int_eq(resp_parser_error(&p)->code, RESP_OK);
}
END_TEST

/* The reply's length, and not a byte further is looked at. */
START_TEST(test_stops_at_the_reply)
{
	struct resp_parser p;
	resp_parser_init(&p, NULL);
	ck_assert_int_eq(resp_parse(&p, "+OK\r\n\xff\xff", 7), 5);
	ck_assert_int_eq(resp_parse(&p, "*1\r\n:1\r\n+", 9), 8);
}
END_TEST

START_TEST(test_refusals_stick)
{
	struct resp_parser p;
	resp_parser_init(&p, NULL);
	ck_assert_int_eq(resp_parse(&p, ":1\n", 3), RESP_INVALID);
	const struct resp_error *e = resp_parser_error(&p);
	ck_assert_int_eq(e->code, RESP_ERR_CRLF);
	ck_assert_uint_eq(e->offset, 2);
	ck_assert_str_eq(e->reason, resp_error_reason(RESP_ERR_CRLF));
	ck_assert_int_eq(resp_parse(&p, "+OK\r\n", 5), RESP_INVALID);
	resp_parser_init(&p, NULL);
	ck_assert_int_eq(resp_parse(&p, "+OK\r\n", 5), 5);
}
END_TEST

START_TEST(test_every_code_has_a_reason)
{
	for (int c = RESP_OK; c <= RESP_ERR_REPLY_LIMIT; c++) {
		const char *r = resp_error_reason((enum resp_error_code)c);
		ck_assert_ptr_nonnull(r);
		ck_assert_str_ne(r, "unknown error");
	}
}
END_TEST

/* A line arriving a byte at a time is searched from where the search
 * stopped, not from its start: O(n) in all.  (White-box: reads 'pos'.) */
START_TEST(test_resumes_where_it_stopped)
{
	enum { N = 60000 };
	char *s = malloc(N + 2);
	struct resp_parser p;
	resp_parser_init(&p, NULL);
	s[0] = '+';
	memset(s + 1, 'a', N - 1);
	s[N] = '\r';
	s[N + 1] = '\n';
	for (size_t k = 1; k <= N; k++) {
		if (resp_parse(&p, s, k) != RESP_INCOMPLETE || p.pos != k)
			ck_abort_msg("at %zu: pos %zu", k, p.pos);
	}
	ck_assert_int_eq(resp_parse(&p, s, N + 2), N + 2);
	free(s);
}
END_TEST

/* The buffer may move between calls: the parser keeps offsets. */
START_TEST(test_buffer_may_move)
{
	static const char r[] = "*2\r\n$3\r\nabc\r\n:1\r\n";
	char a[sizeof r], b[sizeof r];
	struct resp_parser p;
	resp_parser_init(&p, NULL);
	memcpy(a, r, sizeof r);
	ck_assert_int_eq(resp_parse(&p, a, 9), RESP_INCOMPLETE);
	memset(a, '#', sizeof a);
	memcpy(b, r, sizeof r);
	ck_assert_int_eq(resp_parse(&p, b, sizeof r - 1), (ssize_t)(sizeof r - 1));
}
END_TEST

/* Slices point into the reply, and skipping steps over whole arrays. */
START_TEST(test_reader_slices_and_skip)
{
	static const char r[] =
		"*1\r\n*2\r\n$1\r\ns\r\n*2\r\n"
		"*2\r\n$3\r\n1-0\r\n*4\r\n$1\r\na\r\n*1\r\n:1\r\n$1\r\nb\r\n$1\r\nc\r\n"
		"*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nd\r\n$1\r\ne\r\n";
	struct resp_parser p;
	struct resp_reader rd;
	struct resp_value v, entries;
	resp_parser_init(&p, NULL);
	ck_assert_int_eq(resp_parse(&p, r, sizeof r - 1), (ssize_t)(sizeof r - 1));

	resp_reader_init(&rd, r, sizeof r - 1);
	ck_assert(resp_reader_next(&rd, &v) && v.type == RESP_ARRAY && v.count == 1);
	ck_assert(resp_reader_next(&rd, &v) && v.type == RESP_ARRAY && v.count == 2);
	ck_assert(resp_reader_next(&rd, &v) && v.type == RESP_BULK);
	ck_assert_ptr_eq(v.str, r + 12);                /* no copy */
	ck_assert(resp_reader_next(&rd, &entries) && entries.count == 2);
	ck_assert(resp_reader_next(&rd, &v) && v.count == 2);   /* entry 1 */
	ck_assert(resp_reader_next(&rd, &v) && v.len == 3 && memcmp(v.str, "1-0", 3) == 0);
	ck_assert(resp_reader_next(&rd, &v) && v.type == RESP_ARRAY && v.count == 4);
	resp_reader_skip(&rd, &v);                      /* its fields, nested too */
	ck_assert(resp_reader_next(&rd, &v) && v.count == 2);   /* entry 2 */
	ck_assert(resp_reader_next(&rd, &v) && v.len == 3 && memcmp(v.str, "2-0", 3) == 0);
	ck_assert(resp_reader_next(&rd, &v));
	resp_reader_skip(&rd, &v);
	ck_assert(!resp_reader_next(&rd, &v));

	/* Skipping a whole reply from its head; skipping a scalar does nothing. */
	resp_reader_init(&rd, r, sizeof r - 1);
	ck_assert(resp_reader_next(&rd, &v));
	resp_reader_skip(&rd, &v);
	ck_assert(!resp_reader_next(&rd, &v));
	resp_reader_init(&rd, ":5\r\n:6\r\n", 8);
	ck_assert(resp_reader_next(&rd, &v) && v.integer == 5);
	resp_reader_skip(&rd, &v);
	ck_assert(resp_reader_next(&rd, &v) && v.integer == 6);
}
END_TEST

/* --- the encoder ---------------------------------------------------------- */

struct enc_vec {
	const char *name;
	size_t argc;
	const char *argv[8];
	size_t lens[8];         /* all 0: the arguments are C strings */
	const char *out;
	size_t out_len;
};

static const struct enc_vec enc_vecs[] = {
	{ "PING", 1, { "PING" }, { 0 }, IN("*1\r\n$4\r\nPING\r\n") },
	{ "XADD", 5, { "XADD", "scores", "*", "data", "4 runs" }, { 0 },
	  IN("*5\r\n$4\r\nXADD\r\n$6\r\nscores\r\n$1\r\n*\r\n$4\r\ndata\r\n$6\r\n4 runs\r\n") },
	{ "XREAD BLOCK", 6, { "XREAD", "BLOCK", "0", "STREAMS", "scores", "$" }, { 0 },
	  IN("*6\r\n$5\r\nXREAD\r\n$5\r\nBLOCK\r\n$1\r\n0\r\n$7\r\nSTREAMS\r\n"
	     "$6\r\nscores\r\n$1\r\n$\r\n") },
	{ "an empty argument", 2, { "ECHO", "" }, { 0 }, IN("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n") },
	{ "binary: CRLF and NUL", 2, { "SET", "a\r\n\0b" }, { 3, 5 },
	  IN("*2\r\n$3\r\nSET\r\n$5\r\na\r\n\0b\r\n") },
	{ "two-digit length", 1, { "0123456789" }, { 0 }, IN("*1\r\n$10\r\n0123456789\r\n") },
	{ "eight arguments", 8, { "a", "b", "c", "d", "e", "f", "g", "h" }, { 0 },
	  IN("*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n"
	     "$1\r\ng\r\n$1\r\nh\r\n") },
};
#define NENC (sizeof enc_vecs / sizeof enc_vecs[0])

static const size_t *enc_lens(const struct enc_vec *v)
{
	for (size_t i = 0; i < v->argc; i++)
		if (v->lens[i])
			return v->lens;
	return NULL;
}

START_TEST(test_encode_vectors)
{
	for (size_t i = 0; i < NENC; i++) {
		const struct enc_vec *v = &enc_vecs[i];
		char buf[256];
		size_t n = resp_encode_command(buf, sizeof buf, v->argc, v->argv, enc_lens(v));
		ck_assert_msg(n == v->out_len && memcmp(buf, v->out, n) == 0, "%s", v->name);
		ck_assert_uint_eq(resp_encode_command(NULL, 0, v->argc, v->argv, enc_lens(v)), n);
	}
}
END_TEST

/* Exactly the room it needs, or nothing written at all. */
START_TEST(test_encode_room)
{
	const char *argv[] = { "GET", "key" };
	static const char want[] = "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
	size_t need = sizeof want - 1;
	char buf[64];
	for (size_t cap = 0; cap <= need; cap++) {
		memset(buf, '#', sizeof buf);
		ck_assert_uint_eq(resp_encode_command(buf, cap, 2, argv, NULL), need);
		if (cap < need) {
			for (size_t k = 0; k < sizeof buf; k++)
				ck_assert_int_eq(buf[k], '#');
		} else {
			ck_assert(memcmp(buf, want, need) == 0);
			ck_assert_int_eq(buf[need], '#');
		}
	}
	ck_assert_uint_eq(resp_encode_command(buf, sizeof buf, 0, argv, NULL), 0);
	size_t huge[2] = { SIZE_MAX - 8, 8 };
	ck_assert_uint_eq(resp_encode_command(NULL, 0, 2, argv, huge), 0);
}
END_TEST

/* Every encoder vector parses as one reply whose values are its arguments. */
START_TEST(test_encode_round_trip)
{
	for (size_t i = 0; i < NENC; i++) {
		const struct enc_vec *v = &enc_vecs[i];
		const size_t *lens = enc_lens(v);
		char buf[256];
		size_t n = resp_encode_command(buf, sizeof buf, v->argc, v->argv, lens);
		struct resp_parser p;
		resp_parser_init(&p, NULL);
		ck_assert_int_eq(resp_parse(&p, buf, n), (ssize_t)n);

		struct resp_reader rd;
		struct resp_value val;
		resp_reader_init(&rd, buf, n);
		ck_assert(resp_reader_next(&rd, &val));
		ck_assert(val.type == RESP_ARRAY && val.count == v->argc);
		for (size_t k = 0; k < v->argc; k++) {
			size_t len = lens ? lens[k] : strlen(v->argv[k]);
			ck_assert(resp_reader_next(&rd, &val) && val.type == RESP_BULK);
			ck_assert_msg(val.len == len && memcmp(val.str, v->argv[k], len) == 0,
				      "%s, argument %zu", v->name, k);
		}
		ck_assert(!resp_reader_next(&rd, &val));
	}
}
END_TEST

/* --- random replies, from a model ----------------------------------------- */

static uint64_t rng(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Writes one random value as bytes and as the log line(s) the parser must
 * print for it: the model is this function, not the code under test. */
static void gen_value(uint64_t *x, unsigned depth, struct tbuf *bytes, struct tbuf *log)
{
	static const char text[] = "ab -:+$*\"\\09";     /* what lines may hold */
	unsigned kind = (unsigned)(rng(x) % (depth < 6 ? 9 : 6));
	struct resp_value v = { .type = RESP_SIMPLE };
	char s[16];
	size_t n = (size_t)(rng(x) % sizeof s);

	switch (kind) {
	case 0:
	case 1:
		v.type = kind ? RESP_ERROR : RESP_SIMPLE;
		for (size_t i = 0; i < n; i++)
			s[i] = text[rng(x) % (sizeof text - 1)];
		tbuf_printf(bytes, "%c", (char)v.type);
		tbuf_append(bytes, s, n);
		tbuf_append(bytes, "\r\n", 2);
		v.str = s;
		v.len = n;
		break;
	case 2:
		v.type = RESP_INTEGER;
		v.integer = (int64_t)rng(x) >> (rng(x) % 64);   /* every size, both signs */
		tbuf_printf(bytes, ":%" PRId64 "\r\n", v.integer);
		break;
	case 3:
		v.type = RESP_BULK;
		for (size_t i = 0; i < n; i++)
			s[i] = (char)(rng(x) % 4 ? text[rng(x) % (sizeof text - 1)] : "\r\n\0\xff"[rng(x) % 4]);
		tbuf_printf(bytes, "$%zu\r\n", n);
		tbuf_append(bytes, s, n);
		tbuf_append(bytes, "\r\n", 2);
		v.str = s;
		v.len = n;
		break;
	case 4:
		v.type = RESP_BULK;
		v.null = true;
		tbuf_append(bytes, "$-1\r\n", 5);
		break;
	case 5:
		v.type = RESP_ARRAY;
		v.null = n % 2;
		tbuf_append(bytes, v.null ? "*-1\r\n" : "*0\r\n", v.null ? 5 : 4);
		break;
	default:
		v.type = RESP_ARRAY;
		v.count = 1 + n % 4;
		tbuf_printf(bytes, "*%zu\r\n", v.count);
		log_value(log, depth, &v);
		for (size_t i = 0; i < v.count; i++)
			gen_value(x, depth + 1, bytes, log);
		return;
	}
	log_value(log, depth, &v);
}

START_TEST(test_random_replies)
{
	static const size_t one = 1;
	uint64_t x = 0x9E3779B97F4A7C15u;
	size_t cuts[61];                /* a prime, so the pattern drifts */
	for (int round = 0; round < 1000; round++) {
		struct tbuf bytes, want, whole, bytewise, cut;
		tbuf_init(&bytes);
		tbuf_init(&want);
		tbuf_init(&whole);
		tbuf_init(&bytewise);
		tbuf_init(&cut);
		for (uint64_t k = 1 + rng(&x) % 4; k > 0; k--)
			gen_value(&x, 0, &bytes, &want);
		for (size_t i = 0; i < 61; i++)
			cuts[i] = 1 + rng(&x) % 9;
		feed_cut(NULL, bytes.p, bytes.len, NULL, 0, &whole);
		feed_cut(NULL, bytes.p, bytes.len, &one, 1, &bytewise);
		feed_cut(NULL, bytes.p, bytes.len, cuts, 61, &cut);
		ck_assert_msg(strcmp(whole.p, want.p) == 0, "round %d: whole:\n%s want:\n%s",
			      round, whole.p, want.p);
		ck_assert_msg(strcmp(bytewise.p, want.p) == 0, "round %d: bytewise differs", round);
		ck_assert_msg(strcmp(cut.p, want.p) == 0, "round %d: cut differs", round);
		tbuf_free(&bytes);
		tbuf_free(&want);
		tbuf_free(&whole);
		tbuf_free(&bytewise);
		tbuf_free(&cut);
	}
}
END_TEST

/* --- the suite ------------------------------------------------------------ */

static size_t longest_vec(void)
{
	size_t m = 0;
	for (size_t i = 0; i < NVECS; i++)
		if (vecs[i].len > m)
			m = vecs[i].len;
	for (size_t i = 0; i < NLIMIT; i++)
		if (limit_vecs[i].v.len > m)
			m = limit_vecs[i].v.len;
	return m;
}

Suite *test_suite(void)
{
	Suite *s = suite_create("resp");
	TCase *tc = tcase_create("vectors");
	tcase_add_test(tc, test_vectors_whole);
	tcase_add_test(tc, test_vectors_bytewise);
	tcase_add_loop_test(tc, test_vectors_split, 1, (int)longest_vec());
	suite_add_tcase(s, tc);

	tc = tcase_create("contract");
	tcase_add_test(tc, test_nothing_is_incomplete);
	tcase_add_test(tc, test_stops_at_the_reply);
	tcase_add_test(tc, test_refusals_stick);
	tcase_add_test(tc, test_every_code_has_a_reason);
	tcase_add_test(tc, test_resumes_where_it_stopped);
	tcase_add_test(tc, test_buffer_may_move);
	tcase_add_test(tc, test_reader_slices_and_skip);
	suite_add_tcase(s, tc);

	tc = tcase_create("encoder");
	tcase_add_test(tc, test_encode_vectors);
	tcase_add_test(tc, test_encode_room);
	tcase_add_test(tc, test_encode_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_add_test(tc, test_random_replies);
	suite_add_tcase(s, tc);
	return s;
}
