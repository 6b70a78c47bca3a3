/* resp.h -- RESP2, the protocol Redis speaks: commands out, replies in.
 *
 * What RESP2 puts on the wire (the Redis serialization protocol
 * specification, "RESP protocol description").  Every value starts with
 * a type byte and every line ends with CRLF:
 *
 *     +OK\r\n                   simple string: any bytes but CR and LF
 *     -ERR no such key\r\n      error: the same, reported as a failure
 *     :-42\r\n                  integer: [+|-] decimal digits, signed 64-bit
 *     $5\r\nhello\r\n           bulk string: a length, then that many bytes
 *                               of any value, then CRLF
 *     $-1\r\n                   null bulk string (a missing key)
 *     *2\r\n:1\r\n:2\r\n        array: a count, then that many values of
 *                               any type, arrays included
 *     *-1\r\n                   null array (a timed-out blocking read)
 *
 * A command goes the other way as an array of bulk strings.  Redis Streams
 * answer in nested arrays: XREAD's reply is five arrays deep (streams,
 * [key, entries], entries, [id, fields], fields).
 *
 * Sans-IO.  Nothing here reads or writes a socket or allocates.  Three
 * pieces, each a page of code:
 *
 *   resp_encode_command()  writes a command into the caller's buffer;
 *   resp_parse()           checks that the bytes in front of it start
 *                          with one whole, valid reply, and says how long
 *                          it is -- or that it needs more, or why it is
 *                          invalid, as picohttpparser does:
 *
 *       n > 0            the reply is the first n bytes: read it (below),
 *                        then parse again from buf + n for the next one;
 *       RESP_INCOMPLETE  nothing wrong so far: call again with the same
 *                        bytes from the same first byte, and more after
 *                        them;
 *       RESP_INVALID     the bytes break the protocol or one of our
 *                        limits: resp_parser_error() names the rule and
 *                        the offset; drop the connection;
 *
 *   resp_reader_next()     walks a reply resp_parse() accepted, value by
 *                          value, depth first, handing out slices of the
 *                          caller's buffer: no copies.
 *
 * Why two passes.  A reply is acted on only when it is whole (a stream
 * entry with half its fields is no entry), so the parser only has to say
 * where a reply ends, and the reader can trust what it walks: it checks
 * nothing and allocates nothing, and a caller that wants three fields of
 * a reply skips the rest without building a tree.  The price is reading
 * each header line twice; the bytes of a bulk string are never read by
 * either (the parser jumps over them by their length).
 *
 * Resuming costs O(n) in all.  Between calls the parser keeps where it
 * stands in the reply: the element being read, how far its line has been
 * searched for CR, and for each open array how many values it still
 * holds.  So a reply arriving a byte at a time is looked at once, not
 * rescanned from its start at every byte.  It keeps offsets, not
 * pointers: the caller may move or grow its buffer between calls, as long
 * as the bytes offered again are the same.
 *
 * Strictness.  CRLF ends every line: a CR without LF, or an LF alone,
 * is refused, and so is bulk data not followed by CRLF.  An integer is an
 * optional sign and at least one decimal digit, within signed 64 bits.
 * A length (of a bulk string or an array) is decimal digits, or exactly
 * "-1" for null; no sign, no other negative.  Leading zeros pass in both:
 * the specification's grammar allows them (Redis never sends them).  The
 * RESP3 types (_ , # ! = ( % ~ > |) are not RESP2 and are refused as
 * unknown type bytes: pushpull never sends HELLO 3.
 *
 * Ownership.  The parser holds no pointer into the caller's bytes.  The
 * slices a reader hands out point into the reply it was given and stay
 * valid as long as those bytes do: copy what must outlive the buffer.
 *
 * Read next: tools/bench/resp_parse.c, the parser on a mix of replies,
 * and tests/test_resp.c, the vectors.
 */
#ifndef PUSHPULL_RESP_H
#define PUSHPULL_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum {
	RESP_INVALID    = -1,   /* refused: see resp_parser_error() */
	RESP_INCOMPLETE = -2    /* nothing wrong so far: need more bytes */
};

/* The five RESP2 types, by the byte that starts each. */
enum resp_type {
	RESP_SIMPLE  = '+',
	RESP_ERROR   = '-',
	RESP_INTEGER = ':',
	RESP_BULK    = '$',
	RESP_ARRAY   = '*'
};

/* Default limits.  Past one, the reply is refused: a reply that cannot be
 * held is an error, not more waiting.  Redis's own bulk limit is 512 MiB
 * (proto-max-bulk-len); ours is far lower because a reply is held whole
 * in the connection's input buffer before it is read, and what pushpull
 * asks Redis for are its own events (64 KiB at most) and short ids. */
#define RESP_LINE_MAX   (64 * 1024)     /* a simple string, error or number line,
                                           type byte and CRLF not counted */
#define RESP_BULK_MAX   (1024 * 1024)   /* one bulk string's bytes */
#define RESP_ARRAY_MAX  (1024 * 1024)   /* one array's count: costs nothing to
                                           track, but no sane reply of ours
                                           comes near it */
#define RESP_DEPTH_MAX  16              /* arrays open at once (XREAD: 5,
                                           XINFO STREAM FULL: 7); also the
                                           size of the parser's stack */
#define RESP_REPLY_MAX  (8 * 1024 * 1024)  /* one whole reply: the most an
                                              input buffer must grow to; 100
                                              entries of 64 KiB fit */

/* A zero field means its default.  'depth_max' above RESP_DEPTH_MAX is
 * taken as RESP_DEPTH_MAX. */
struct resp_limits {
	size_t line_max;        /* RESP_LINE_MAX */
	size_t bulk_max;        /* RESP_BULK_MAX */
	size_t array_max;       /* RESP_ARRAY_MAX */
	size_t reply_max;       /* RESP_REPLY_MAX */
	unsigned depth_max;     /* RESP_DEPTH_MAX */
};

/* Why a reply was refused, grouped by kind. */
enum resp_error_code {
	RESP_OK = 0,
	/* the bytes break RESP2 */
	RESP_ERR_TYPE,          /* a value starts with a byte not in + - : $ * */
	RESP_ERR_CRLF,          /* CR without LF, LF without CR, bulk data not
	                           followed by CRLF */
	RESP_ERR_INTEGER,       /* an integer line not [+|-]digits */
	RESP_ERR_OVERFLOW,      /* an integer outside signed 64 bits */
	RESP_ERR_LENGTH,        /* a length not digits or "-1" */
	/* the reply is larger than we accept */
	RESP_ERR_LINE_LIMIT,    /* a line longer than line_max */
	RESP_ERR_BULK_LIMIT,    /* a bulk string longer than bulk_max */
	RESP_ERR_ARRAY_LIMIT,   /* an array count above array_max */
	RESP_ERR_DEPTH_LIMIT,   /* arrays nested deeper than depth_max */
	RESP_ERR_REPLY_LIMIT    /* the whole reply longer than reply_max */
};

struct resp_error {
	enum resp_error_code code;
	size_t offset;          /* where in the reply: the first byte of the
	                           element at fault, or the stray byte for
	                           RESP_ERR_CRLF */
	const char *reason;     /* static English text */
};

/* One per connection, about 150 bytes, no pointers.  Fields are private. */
struct resp_parser {
	struct resp_limits lim;
	size_t elem;            /* offset of the element being read */
	size_t pos;             /* next byte to look at */
	unsigned depth;         /* arrays open */
	bool in_bulk;           /* 'pos' is the CRLF that ends a bulk's data */
	struct resp_error err;  /* sticky once set */
	uint32_t left[RESP_DEPTH_MAX];  /* values still due in each open array */
};

/* Prepares 'p' for a new connection, or again after a refusal.  'lim'
 * NULL means the defaults. */
void resp_parser_init(struct resp_parser *p, const struct resp_limits *lim);

/* Checks the reply that starts at buf[0] ('len' bytes available, which
 * may run on into later replies: they are not looked at).  Returns the
 * reply's length (> 0), RESP_INCOMPLETE, or RESP_INVALID.  After a
 * length the parser is ready for the next reply; after RESP_INVALID every
 * call returns it again until resp_parser_init().  The result does not
 * depend on how the bytes were cut between calls.  A rule is enforced as
 * soon as the bytes that break it are present: "$2000000\r\n" is refused
 * before its data comes. */
ssize_t resp_parse(struct resp_parser *p, const char *buf, size_t len);

/* The refusal, or code RESP_OK while there is none. */
const struct resp_error *resp_parser_error(const struct resp_parser *p);

/* A short English reason for a code ("bulk string longer than the limit"). */
const char *resp_error_reason(enum resp_error_code code);

/* --- reading a reply ------------------------------------------------------ */

/* One value.  Strings come with their length (a bulk may hold any byte,
 * NUL included) and are not NUL-terminated. */
struct resp_value {
	enum resp_type type;
	bool null;              /* $-1 or *-1 */
	const char *str;        /* RESP_SIMPLE, RESP_ERROR, RESP_BULK: the bytes */
	size_t len;
	int64_t integer;        /* RESP_INTEGER */
	size_t count;           /* RESP_ARRAY: the values that follow it */
};

/* A cursor over one reply.  Fields are private. */
struct resp_reader {
	const char *p, *end;
};

/* 'reply' and 'len' must be bytes resp_parse() accepted as one reply (or
 * several whole replies one after another): the reader checks nothing. */
void resp_reader_init(struct resp_reader *r, const char *reply, size_t len);

/* The next value, depth first: an array comes out as its header ('count'
 * set), then its values.  Returns false when the bytes are used up. */
bool resp_reader_next(struct resp_reader *r, struct resp_value *v);

/* After 'v' came out of resp_reader_next(): steps over the values of the
 * array 'v' heads, all the way down, so the next call gives the value
 * after it.  Does nothing when 'v' is not an array. */
void resp_reader_skip(struct resp_reader *r, const struct resp_value *v);

/* --- writing a command ---------------------------------------------------- */

/* Writes argv[0..argc) as one command, an array of bulk strings:
 *
 *     *<argc>\r\n  then, for each argument,  $<len>\r\n<bytes>\r\n
 *
 * 'lens' gives each argument's length (any bytes); NULL means each is a
 * NUL-terminated string.  Returns the bytes the command takes, and writes
 * them only if that is at most 'cap' (nothing is written otherwise, so
 * 'buf' NULL with 'cap' 0 asks for the size).  Returns 0 for argc 0 --
 * an empty array is no command -- or a size past SIZE_MAX. */
size_t resp_encode_command(char *buf, size_t cap, size_t argc,
			   const char *const *argv, const size_t *lens);

#endif
