/* sse_parser.h -- the client side of an event stream: bytes in, events out.
 *
 * Follows the WHATWG HTML Standard, §9.2.5 "Parsing an event stream" and
 * §9.2.6 "Interpreting an event stream", to the letter:
 *   - the bytes are decoded as UTF-8 with replacement: each invalid
 *     sequence becomes U+FFFD (util/utf8.h), and one leading BOM is
 *     dropped, only at the very start of the stream;
 *   - lines end with CRLF, LF or CR, mixed freely; a CR that ends one
 *     chunk and the LF that starts the next are one line end;
 *   - a line starting with ':' is a comment (only counted);
 *   - "name:value" sets a field, one space after the colon is dropped;
 *     a line with no colon is a field name with an empty value;
 *   - "event" sets the event type buffer, "data" appends the value and
 *     an LF to the data buffer, "id" sets the last event ID buffer unless
 *     the value holds U+0000, "retry" sets the reconnection time when the
 *     value is one or more ASCII digits; other names are ignored;
 *   - a blank line dispatches: the last event ID string becomes the
 *     buffer; with no data nothing is dispatched, else the final LF is
 *     removed and the event goes out with its type ("message" if none),
 *     its data and the last event ID string; data and type then empty;
 *   - at end of stream an event with no blank line after it is dropped.
 *
 * Shape.  The parser never holds a line.  Each character goes straight
 * where the rules send it: a field name is kept only as far as its first
 * six bytes (every name that matters is shorter), the value of "data" is
 * appended to the data buffer as it arrives, a comment or an unknown
 * field is skipped as it arrives.  So a long line costs no memory except
 * when it is data, and data is copied once.  Text that is plain (no CR,
 * no LF, whole valid UTF-8 sequences) is handled a run at a time; the
 * rest goes through the UTF-8 decoder a byte at a time.
 *
 * Calling.  Pull style, like a reader of picohttpparser: each call to
 * sse_parser_feed() consumes bytes until it has something to report and
 * returns it.  Loop until every byte is used:
 *
 *     size_t off = 0;
 *     while (off < len) {
 *             size_t used;
 *             struct sse_event ev;
 *             int r = sse_parser_feed(&p, buf + off, len - off, &used, &ev);
 *             off += used;
 *             if (r < 0) { drop the connection: sse_parser_reason(r); }
 *             else if (r == SSE_EVENT) { ...ev.type, ev.data, ev.id... }
 *             else if (r == SSE_RETRY) { ...ev.retry_ms... }
 *     }
 *
 * Ownership.  The parser owns its buffers.  The slices in a 'struct
 * sse_event' point into them (or at a constant) and stay valid until the
 * next call of sse_parser_feed(), sse_parser_finish() or sse_parser_free().
 * The caller's bytes are only read during the call; nothing keeps a
 * pointer into them.
 *
 * Memory.  The struct (about 200 bytes) may be embedded.  Its buffers --
 * data, event type, the last event ID buffer and string, the id being
 * read -- are allocated lazily and grown
 * by doubling, never past their limit; when an event has been handed out
 * a buffer larger than 'keep' is freed, so an idle connection holds the
 * struct plus at most 'keep' bytes per buffer, and a stream of small
 * events allocates nothing after its first.  Comments, unknown fields and
 * retry values use no buffer at all, so their lines have no length limit.
 *
 * Read next: tools/sseparse/sseparse.c, this parser on stdin and stdout.
 */
#ifndef PUSHPULL_SSE_PARSER_H
#define PUSHPULL_SSE_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/utf8.h"

/* Default limits.  Past one, the stream is refused (drop the connection):
 * an event that cannot be held is an error, not more waiting.  Data is
 * refused as soon as it passes its limit; an event type or an id only
 * when a blank line would use it, since a later "event" or "id" line
 * may replace it first (§9.2.6). */
#define SSE_DATA_MAX        (1024 * 1024)   /* data of one event, final LF removed */
#define SSE_TYPE_MAX        1024            /* event type */
#define SSE_ID_MAX          1024            /* last event ID */
#define SSE_KEEP            256             /* buffers above this are freed after an event */

/* The reconnection time before any retry field sets it.  §9.2.3 leaves
 * the initial value to the implementation ("a few seconds"). */
#define SSE_RETRY_DEFAULT_MS 3000

struct sse_limits {
	size_t data_max;        /* SSE_DATA_MAX */
	size_t type_max;        /* SSE_TYPE_MAX */
	size_t id_max;          /* SSE_ID_MAX */
	size_t keep;            /* SSE_KEEP */
};

/* What sse_parser_feed() and sse_parser_finish() return. */
enum sse_status {
	/* progress */
	SSE_MORE  = 0,          /* every byte used, nothing to report: feed more */
	SSE_EVENT = 1,          /* an event was dispatched: ev->type, data, id */
	SSE_RETRY = 2,          /* a retry field set the reconnection time: ev->retry_ms */
	/* refusals: the parser stops here for good; drop the connection */
	SSE_ERR_DATA_LIMIT = -1,        /* one event's data longer than data_max */
	SSE_ERR_TYPE_LIMIT = -2,        /* event type longer than type_max, told at
	                                   the blank line that would dispatch it */
	SSE_ERR_ID_LIMIT   = -3,        /* id longer than id_max, told at the blank
	                                   line that would make it the last event
	                                   ID (one holding NUL is ignored whatever
	                                   its length) */
	SSE_ERR_NOMEM      = -4,        /* a buffer could not grow */
};

/* One thing to report.  Strings are UTF-8 and may contain NUL bytes, so
 * each comes with its length; none is NUL-terminated. */
struct sse_event {
	const char *type;       /* the event type buffer, or "message" if empty */
	size_t type_len;
	const char *data;       /* the data buffer without its final LF */
	size_t data_len;
	const char *id;         /* the last event ID string, "" if none */
	size_t id_len;
	uint64_t retry_ms;      /* SSE_RETRY: the new reconnection time; it
	                           saturates at UINT64_MAX for absurd values */
};

/* A growable byte buffer of the parser's own (private). */
struct sse_buf {
	char *p;
	size_t len, cap;
};

/* All fields are private: use the functions below. */
struct sse_parser {
	struct sse_limits lim;
	struct sse_buf data;            /* §9.2.6 data buffer */
	struct sse_buf type;            /* §9.2.6 event type buffer */
	struct sse_buf id_buf;          /* §9.2.6 last event ID buffer */
	struct sse_buf id_str;          /* §9.2.3 last event ID string */
	struct sse_buf id_val;          /* the value of the "id" field being read */
	struct utf8_decoder dec;
	uint64_t retry_ms;              /* reconnection time */
	uint64_t retry_val;             /* the "retry" value being read */
	uint64_t comments;              /* comment lines seen */
	uint8_t state;                  /* where in a line we are */
	uint8_t field;                  /* which field the current line sets */
	uint8_t name_len;               /* bytes of the field name, capped at 6 */
	uint8_t retry_state;            /* the retry value so far: empty, digits, bad */
	char name[6];                   /* its first bytes */
	bool at_start;                  /* no character decoded yet: a BOM may come */
	bool after_cr;                  /* the last character was CR: skip one LF */
	bool id_changed;                /* id_buf differs from id_str */
	bool id_nul;                    /* the id value being read holds U+0000 */
	bool id_over;                   /* ... or is longer than id_max */
	bool id_buf_over;               /* id_buf was set to a value past id_max */
	bool type_over;                 /* the event type buffer was set past type_max */
	bool reset_due;                 /* an event was handed out: empty data, type */
	int8_t error;                   /* sticky refusal, 0 if none */
};

/* Prepares 'p' for a new stream.  'lim' NULL means the defaults; a zero
 * field in 'lim' means its default too.  Allocates nothing. */
void sse_parser_init(struct sse_parser *p, const struct sse_limits *lim);

/* Frees the buffers.  'p' may be initialised again afterwards. */
void sse_parser_free(struct sse_parser *p);

/* Reads bytes from 'buf' (any split: the result does not depend on how
 * the stream is cut) until there is something to report.  '*used' gets
 * the bytes consumed: all of them unless an event or retry stopped the
 * call early, in which case feed the rest next.  Returns SSE_MORE,
 * SSE_EVENT or SSE_RETRY with '*ev' filled in, or a refusal (negative,
 * and every later call returns it again with '*used' 0). */
int sse_parser_feed(struct sse_parser *p, const void *buf, size_t len,
		    size_t *used, struct sse_event *ev);

/* The stream ended (EOF, or the connection dropped).  An incomplete line
 * and an event not yet closed by a blank line are dropped (§9.2.6).  The
 * parser is then ready for the next stream, as a reconnection opens one:
 * the data, event type and last event ID buffers are empty again and a
 * BOM may come first (§9.2.6 gives each stream its own buffers), while
 * the last event ID string and the reconnection time, which belong to the
 * event source (§9.2.3), are kept.  Returns SSE_MORE or the refusal that
 * stopped the parser. */
int sse_parser_finish(struct sse_parser *p);

/* The last event ID string: what a reconnecting client sends in its
 * Last-Event-ID header (§9.2.4); empty means send none.  The slice stays
 * valid until the next call of feed, finish or free. */
const char *sse_parser_last_id(const struct sse_parser *p, size_t *len);

/* The reconnection time in milliseconds (SSE_RETRY_DEFAULT_MS until a
 * retry field sets it). */
uint64_t sse_parser_retry_ms(const struct sse_parser *p);

/* Comment lines seen so far, over every stream: a server's heartbeats. */
uint64_t sse_parser_comments(const struct sse_parser *p);

/* A short English reason for a status ("event data longer than the limit"). */
const char *sse_parser_reason(int status);

#endif
