/* http_parser.h -- HTTP/1.1 request and response heads, sans-IO.
 *
 * Bytes in, a parsed head out.  No sockets, no allocation: method, target,
 * reason and every header field are slices into the caller's buffer, and
 * the fields go into an array the caller provides (capacity in, count out).
 *
 * RESUMABLE, LIKE THE READER IN net/conn.h.  The caller passes every byte
 * not yet consumed, oldest first.  Until a head is complete the answer is
 * HTTP_INCOMPLETE and the caller consumes nothing; next time it passes the
 * same message start with newer bytes appended (the bytes may have moved
 * to another address: that is fine).  'struct http_parser' remembers how
 * far it got, so each byte is searched once and each line checked once:
 * a head that arrives one byte per call costs O(n) in total, not O(n^2).
 *
 * On success the answer is the length of the head (leading empty lines,
 * start line, fields, the empty line); the body, if any, starts right
 * after it (see http_body.h).  The parser is then ready for the next
 * message, so pipelined requests are read by looping: parse, handle,
 * consume, parse again.  On HTTP_INVALID, 'p->error' says why and what
 * status it earns (http_error.h) and the connection must be closed.
 *
 * Slices stay valid while the caller keeps the bytes: until it consumes
 * them (for net/conn.h, until on_data() returns that count), and only at
 * the address they were parsed at.  A server that waits for a body over
 * several calls after the head was parsed should parse the head again
 * (with a fresh parser) once the body is complete: the bytes are the
 * same, so it succeeds again, and its slices point into the new buffer.
 *
 * Choices the RFCs leave open, and what we do:
 *   - Line ends must be CRLF.  A bare LF is refused (RFC 9112 §2.2 lets a
 *     recipient accept it; a server that does, behind a proxy that does
 *     not, is a request-smuggling pair), and so is a bare CR (§2.2 MUST).
 *   - Up to HTTP_MAX_EMPTY_LINES empty lines (CRLF) before the start line
 *     are skipped (§2.2 asks for at least one).
 *   - HTTP/1.2 .. HTTP/1.9 are read as HTTP/1.1 (RFC 9110 §2.5):
 *     'minor_version' is then 1.  Another major version ("HTTP/2.0")
 *     earns 505 (RFC 9110 §15.6.6); anything that is not "HTTP/" DIGIT
 *     "." DIGIT ("http/1.1", "HTTP/1.10") is no version, and the start
 *     line is invalid: 400 (RFC 9112 §3).
 *   - A Content-Length of digits too many for 64 bits earns 413: the
 *     body is too large, not the field malformed.
 *   - obs-fold is refused in requests (400, §5.2); in responses it is
 *     replaced by spaces in place, as §5.2 requires of a user agent --
 *     that is why http_response_parse() takes a writable buffer.
 *   - Content-Length may repeat (as more fields or as a list "5, 5") only
 *     with one value (RFC 9110 §8.6 allows accepting that); values that
 *     differ are refused.
 *   - A request with both Transfer-Encoding and Content-Length is refused
 *     (RFC 9112 §6.3 allows it), and so is Transfer-Encoding in HTTP/1.0
 *     (§6.1: the framing is faulty).
 *   - A response whose last transfer coding is not chunked runs to the
 *     close (§6.3 rule 4).  Codings other than chunked (gzip...) are not
 *     undone: 'coded' says they are on the body.  (A request's are refused
 *     with 501, §6.1; the HTTP client refuses such an answer, having asked
 *     for none.)
 *   - A method longer than the request line allows earns 501: it is
 *     certainly not one we implement (RFC 9110 §9.1).
 *   - Request targets are checked character by character against RFC 3986
 *     (pchar, "/", "?", and "%" HEXDIG HEXDIG).  Browsers percent-encode
 *     everything else in paths; a raw '{', '|', '^' or '`' is refused.
 *   - A request must start with a token character (a response with 'H'):
 *     a TLS handshake or binary junk is refused at its first byte.
 *   - A status line needs its second SP even when the reason is empty
 *     (RFC 9112 §4).  A status code outside 100..599 is invalid but still
 *     three digits: it is read as sent, and framed like a 5xx (RFC 9110
 *     §15: a client should process it as one).
 *
 * Read next: http_body.h (what follows a head).
 */
#ifndef PUSHPULL_HTTP_PARSER_H
#define PUSHPULL_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "http/http_error.h"
#include "http/http_fields.h"

/* --- limits ------------------------------------------------------------- */

#define HTTP_MAX_REQUEST_LINE  (8 * 1024)      /* start line, CRLF excluded */
#define HTTP_MAX_HEAD          (64 * 1024)     /* start line to empty line, all CRLFs in */
#define HTTP_MAX_FIELDS        100             /* field lines in a head or a trailer */
#define HTTP_MAX_BODY          (1024 * 1024)   /* decoded request body */
#define HTTP_MAX_CHUNK_LINE    4096            /* chunk size + extensions, CRLF excluded */
#define HTTP_MAX_TRAILER       (8 * 1024)      /* trailer section, all CRLFs in */
#define HTTP_MAX_EMPTY_LINES   8               /* CRLFs skipped before a start line */

/* Each limit is inclusive: a value equal to it passes, one more fails.
 * An incomplete message is refused as soon as it cannot fit any more
 * (a line with no LF within its limit plus CRLF), not awaited.  Offsets
 * are kept in 32 bits, so byte limits above 1 GiB are read as 1 GiB. */
struct http_limits {
	size_t max_request_line;   /* over: 414 if the target is the cause, else 400/501 */
	size_t max_head;           /* over: 431 */
	size_t max_fields;         /* over: 431 (the caller's array is a limit too) */
	uint64_t max_body;         /* over: 413; 0 means no limit */
	size_t max_chunk_line;     /* over: 400 */
	size_t max_trailer;        /* over: 431 */
};

/* The defaults above.  Passing NULL for a limits pointer means these. */
extern const struct http_limits http_limits_default;

/* --- what a head says --------------------------------------------------- */

/* RFC 9112 §3.2: the four shapes of a request target. */
enum http_target_form {
	HTTP_TARGET_ORIGIN,      /* "/path?query" */
	HTTP_TARGET_ABSOLUTE,    /* "http://host/path" (proxies; servers accept it) */
	HTTP_TARGET_AUTHORITY,   /* "host:port", CONNECT only */
	HTTP_TARGET_ASTERISK     /* "*", OPTIONS only */
};

/* How the body is delimited (RFC 9112 §6.3). */
enum http_framing {
	HTTP_FRAMING_NONE,       /* no body */
	HTTP_FRAMING_LENGTH,     /* 'content_length' bytes (may be 0) */
	HTTP_FRAMING_CHUNKED,    /* chunked transfer coding */
	HTTP_FRAMING_CLOSE       /* responses only: until the server closes */
};

struct http_request {
	/* in: where the fields go */
	struct http_header *headers;
	size_t header_cap;

	/* out: the request line */
	const char *method;  size_t method_len;
	const char *target;  size_t target_len;
	int minor_version;               /* 0 or 1 */
	enum http_target_form target_form;

	/* out: the fields, in order received */
	size_t num_headers;

	/* out: what the fields mean */
	enum http_framing framing;       /* NONE, LENGTH or CHUNKED */
	uint64_t content_length;         /* for HTTP_FRAMING_LENGTH */
	const char *host; size_t host_len;         /* Host field, or the authority of an
	                                              absolute-form target (RFC 9112 §3.2.2);
	                                              NULL if absent (HTTP/1.0) */
	const char *upgrade; size_t upgrade_len;   /* Upgrade field, or NULL (always
	                                              in HTTP/1.0: RFC 9110 §7.8) */
	bool keep_alive;                 /* false: close after the response */
	bool connection_upgrade;         /* Connection lists "upgrade" */
	bool expect_continue;            /* Expect: 100-continue (HTTP/1.1 only) */
};

struct http_response {
	/* in */
	struct http_header *headers;
	size_t header_cap;
	bool request_was_head;           /* a HEAD response never has a body */

	/* out: the status line */
	int minor_version;               /* 0 or 1 */
	int status;                      /* 0..999, as sent (see above) */
	const char *reason; size_t reason_len;   /* may be empty */

	/* out */
	size_t num_headers;
	enum http_framing framing;
	uint64_t content_length;
	const char *upgrade; size_t upgrade_len;
	bool keep_alive;                 /* false: the server will close */
	bool connection_upgrade;
	bool coded;                      /* a transfer coding other than chunked
					  * (gzip...) is still on the body */
};

/* --- the parser --------------------------------------------------------- */

/* Resumption state: offsets into the message, no pointers and no buffers,
 * so an idle connection pays 16 bytes for it.  Zero it (or call
 * http_parser_init) before the first message; the parser resets itself
 * after each complete message. */
struct http_parser {
	uint32_t scan;          /* private: first byte not yet searched for LF */
	uint32_t line;          /* private: where the current line starts */
	uint32_t start;         /* private: where the start line starts */
	uint16_t fields;        /* private: field lines checked so far */
	uint8_t  stage;         /* private */
	uint8_t  error;         /* enum http_error, after HTTP_INVALID */
};

void http_parser_init(struct http_parser *p);

/* Parses a request head from buf[0..len).  Returns the head length (> 0),
 * HTTP_INCOMPLETE or HTTP_INVALID (see p->error).  'lim' NULL: defaults.
 * 'req' is filled once the head is complete (its 'headers' and
 * 'header_cap' are read on every call and must not change between
 * calls); after HTTP_INVALID its contents mean nothing. */
ssize_t http_request_parse(struct http_parser *p, const char *buf, size_t len,
			   struct http_request *req,
			   const struct http_limits *lim);

/* The same for a response head.  The buffer is writable because an
 * obs-fold is turned into spaces where it lies (RFC 9112 §5.2).  Body
 * limits do not apply to responses; 'max_body' is ignored. */
ssize_t http_response_parse(struct http_parser *p, char *buf, size_t len,
			    struct http_response *res,
			    const struct http_limits *lim);

/* After HTTP_INCOMPLETE: the empty lines before a start line that the
 * parser has passed over (RFC 9112 §2.2), which it no longer needs.  The
 * caller may drop that many bytes from the front and hand the rest back
 * from offset 0 -- then a stray CRLF after a request is not the start of
 * another, and is not kept.  Their count is kept, so HTTP_MAX_EMPTY_LINES
 * still holds.  Returns how many bytes; 0 once the start line is whole
 * (the empty lines before it are then consumed with the request). */
size_t http_parser_drop_empty_lines(struct http_parser *p);

/* The error of the last HTTP_INVALID, as an enum. */
static inline enum http_error http_parser_error(const struct http_parser *p)
{
	return (enum http_error)p->error;
}

#endif
