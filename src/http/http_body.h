/* http_body.h -- message bodies: Content-Length and chunked (RFC 9112
 * §6, §7.1), sans-IO.
 *
 * After a head, 'struct http_body' follows the body to its end, whatever
 * the pieces it arrives in.  It is set up from the parsed head
 * (http_body_init_request / _response) and then used in one of two ways:
 *
 * IN PLACE, for a server that wants the whole body in one piece (a POST
 * of at most HTTP_MAX_BODY bytes).  Call http_body_decode_in_place() with
 * the bytes from the start of the body, every time more arrive (the same
 * body start, newer bytes appended, as net/conn.h hands them back).  Chunk
 * data is moved down over the framing, as picohttpparser's
 * phr_decode_chunked does, so the decoded body ends up contiguous at the
 * start of the buffer.  The decoder remembers how far it got: every byte
 * is looked at once however the body is split.  (If the head was parsed
 * in an earlier call, its slices point into old bytes: parse it again
 * when the body is complete, as http_parser.h explains.)
 *
 * STREAMING, for a client reading a body that may never end (an event
 * stream sent chunked).  Call http_body_read() on the bytes that follow
 * what it consumed last time; it consumes framing and hands out data as
 * slices of the input, one run per call.  Nothing is copied or moved.
 *
 * A chunk-size line or trailer line is consumed only when it is complete
 * (its LF has arrived): a partial line is left for the next call, and
 * 'scan' remembers how much of it was already searched.
 *
 * Rules (RFC 9112 §7.1):
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-ext    = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
 * Sizes are hex without limit on leading zeros but refused past 64 bits;
 * extensions are checked and skipped; the CRLF after chunk data is
 * required; trailer fields obey http_field_line_check(), counted against
 * max_fields and max_trailer.  Line ends must be CRLF here as in the head.
 * obs-fold (RFC 9112 §5.2) is refused in a request's trailers, as in its
 * head; in a response's it continues the field before it.
 *
 * Errors: HTTP_INVALID with b->error set (see http_error.h).  A body that
 * grows past its limit earns 413 as soon as a chunk size announces it.
 *
 * Read next: http_writer.h.
 */
#ifndef PUSHPULL_HTTP_BODY_H
#define PUSHPULL_HTTP_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "http/http_parser.h"

/* 64 bytes; no pointers, so the bytes it follows may move between calls. */
struct http_body {
	uint64_t remaining;     /* private: data left in this chunk (or body) */
	uint64_t total;         /* decoded body bytes so far */
	uint64_t limit;         /* private: most decoded bytes allowed, 0: none */
	size_t raw;             /* in place: encoded bytes consumed from the body start */
	size_t decoded;         /* in place: decoded bytes at the body start */
	uint32_t scan;          /* private: bytes of the current line searched */
	uint32_t trailer;       /* bytes of trailer section seen, CRLFs in */
	uint32_t max_line;      /* private: limit of a chunk-size line */
	uint32_t max_trailer;   /* private: limit of the trailer section */
	uint16_t fields;        /* trailer fields seen */
	uint16_t max_fields;    /* private */
	uint8_t framing;        /* enum http_framing */
	uint8_t state;          /* private */
	uint8_t error;          /* enum http_error, after HTTP_INVALID */
	bool response;          /* private: a response's (obs-fold allowed in trailers) */
};

/* Starts a body of the given framing.  'content_length' is used for
 * HTTP_FRAMING_LENGTH; 'lim' (NULL: defaults) gives the chunk-line and
 * trailer limits, and 'max_body' the most decoded bytes (0: no limit). */
void http_body_init(struct http_body *b, enum http_framing framing,
		    uint64_t content_length, uint64_t max_body,
		    const struct http_limits *lim);

/* The body of a parsed request, limited to lim->max_body. */
void http_body_init_request(struct http_body *b, const struct http_request *req,
			    const struct http_limits *lim);

/* The body of a parsed response: no size limit (a stream may not end). */
void http_body_init_response(struct http_body *b, const struct http_response *res,
			     const struct http_limits *lim);

/* True once the whole body (and any trailer section) has been read. */
bool http_body_done(const struct http_body *b);

/* In place.  'body' is the start of the body (the same start on every
 * call), 'len' the bytes available from there.  Returns, once the body
 * is complete, the number of bytes it took on the wire (consume the head
 * and this many; anything after is the next message), with the decoded
 * body in body[0 .. b->decoded).  Else HTTP_INCOMPLETE or HTTP_INVALID.
 * The decoded bytes stay valid as long as the caller keeps the buffer. */
ssize_t http_body_decode_in_place(struct http_body *b, char *body, size_t len,
				  size_t *body_len);

/* After http_body_decode_in_place() completed a chunked body: the trailer
 * fields, as slices of 'body', into h[0..cap).  Returns how many (at most
 * 'cap').  A response's obs-fold is undone first, in 'body': the CRLF
 * before a folded line becomes two SPs (RFC 9112 §5.2). */
size_t http_body_trailers(const struct http_body *b, char *body,
			  struct http_header *h, size_t cap);

/* Streaming.  'in' starts right after what the last call consumed.
 * Returns the bytes consumed (>= 0) or HTTP_INVALID, and sets *data,
 * *data_len to a run of body bytes inside 'in' (length 0 if none).  Call
 * again on the rest while it consumes something; when it returns 0 and
 * the body is not done, it needs more bytes.  Once done, bytes after
 * those consumed belong to the next message. */
ssize_t http_body_read(struct http_body *b, const char *in, size_t len,
		       const char **data, size_t *data_len);

/* The connection ended (EOF).  Returns 0 if that is where the body ends
 * (it was complete, or it is delimited by the close), else HTTP_INVALID
 * with b->error = HTTP_E_TRUNCATED. */
int http_body_eof(struct http_body *b);

#endif
