/* sse_writer.h -- the server side of an event stream: events in, bytes out.
 *
 * Writes the text/event-stream format of the WHATWG HTML Standard, §9.2.5
 * "Parsing an event stream", into a buffer the caller owns.  No sockets,
 * no allocation, no state: each call formats one thing.
 *
 * What goes on the wire.  Every line ends with a single LF (the shortest
 * end of line §9.2.5 allows), and a value follows its colon after one
 * space ("data: x"), as in the standard's own examples.  The parser drops
 * exactly one space after the colon (§9.2.6), so a value that itself
 * starts with a space still comes back whole: "data:  x" reads " x".  An
 * empty value is written with nothing after the colon ("data:").
 *
 *   an event     [id: <id>]            omitted when 'id' is NULL
 *                [event: <type>]       omitted when 'type' is NULL
 *                data: <line>          one per line of the payload
 *                <blank line>          which dispatches the event
 *   retry        retry: <ms>           applies at once, no blank line needed
 *   a comment    : <text>   or   :     a heartbeat; the client ignores it
 *
 * The payload is split at every CRLF, lone CR and lone LF.  An empty
 * payload still gets one "data:" line (a client dispatches nothing
 * without one), and a payload ending in a line break gets an empty last
 * "data:" line, so its final LF survives the parser's removal of one.
 *
 * What round-trips.  For every message this writer accepts, the data the
 * parser (sse_parser.h) dispatches equals the payload with each CRLF, and
 * then each remaining CR, replaced by LF.  CR itself cannot be carried:
 * the parser joins data lines with LF, whatever ended them.  The type
 * comes back as given ("message" when omitted or empty), and the id too.
 *
 * Refusals.  What cannot be encoded is refused, never written as a stream
 * that means something else:
 *   - an id or type holding CR or LF would end its line early;
 *   - an id holding NUL would be ignored by the client (§9.2.6);
 *   - a comment holding CR or LF would turn its tail into fields;
 *   - text that is not UTF-8 would reach the client as U+FFFD (§9.2.5:
 *     event streams are always UTF-8).
 *
 * Return values.  Every function returns the bytes written (> 0), or a
 * negative code: a refusal, or SSE_WRITE_NOSPACE when 'cap' is too small
 * (the buffer's contents are then unspecified; nothing is half-sent,
 * since the caller sends only on success).  The *_size functions say how
 * many bytes the same call will need, so a buffer can be sized once.
 *
 * Read next: sse_parser.h (the client side).
 */
#ifndef PUSHPULL_SSE_WRITER_H
#define PUSHPULL_SSE_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The media type of an event stream (§9.2.5), for the Content-Type. */
#define SSE_CONTENT_TYPE "text/event-stream"

/* The longest "retry: <ms>\n" line: 7 + 20 digits + 1. */
#define SSE_RETRY_LINE_MAX 28

enum sse_write_status {
	SSE_WRITE_NOSPACE  = -1,        /* 'cap' is too small: see the *_size functions */
	SSE_WRITE_BAD_ID   = -2,        /* id holds CR, LF or NUL */
	SSE_WRITE_BAD_TYPE = -3,        /* event type holds CR or LF */
	SSE_WRITE_BAD_TEXT = -4,        /* comment holds CR or LF */
	SSE_WRITE_BAD_UTF8 = -5,        /* id, type, payload or comment is not UTF-8 */
};

/* One event to send.  Strings are bytes with a length; NUL bytes are
 * allowed in the type and the payload. */
struct sse_msg {
	const char *id;         /* NULL: no id line; "" (len 0): clears the client's id */
	size_t id_len;
	const char *type;       /* NULL: no event line, the client says "message" */
	size_t type_len;
	const void *data;       /* the payload; may be NULL when data_len is 0 */
	size_t data_len;
};

/* Formats 'm' into 'dst'.  One pass over the payload. */
ssize_t sse_write_event(char *dst, size_t cap, const struct sse_msg *m);
/* What sse_write_event(m) needs, or its refusal. */
ssize_t sse_event_size(const struct sse_msg *m);

/* A feed event: "id: <id>", "event: <type>" (left out when type_len is
 * 0), the payload's data lines, the blank line.  What the /events
 * endpoint writes on every publish: no allocation, one pass. */
ssize_t sse_write_feed_event(char *dst, size_t cap, const char *id, size_t id_len,
			     const char *type, size_t type_len,
			     const void *payload, size_t len);
ssize_t sse_feed_event_size(const char *id, size_t id_len, const char *type, size_t type_len,
			    const void *payload, size_t len);

/* "retry: <ms>\n": sets the client's reconnection time (§9.2.6).  At
 * most SSE_RETRY_LINE_MAX bytes. */
ssize_t sse_write_retry(char *dst, size_t cap, uint64_t ms);

/* ": <text>\n", or ":\n" when 'len' is 0 -- two bytes, the cheapest
 * heartbeat.  §9.2.7 suggests one every 15 seconds or so through proxies. */
ssize_t sse_write_comment(char *dst, size_t cap, const char *text, size_t len);

/* A short English reason for a negative code. */
const char *sse_write_reason(ssize_t code);

#endif
