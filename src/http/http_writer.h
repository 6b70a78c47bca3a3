/* http_writer.h -- writing HTTP/1.1 messages into the caller's buffer,
 * sans-IO.
 *
 * 'struct http_writer' appends the parts of a message (start line, fields,
 * end of head, body bytes, chunks) to a buffer of fixed capacity, like a
 * tiny FILE that cannot grow.  Running out of room, or being asked to
 * write a field that would break the framing (a CR or LF in a value, a
 * name that is not a token: the classic response-splitting hole), makes
 * the writer "failed": later calls do nothing and http_writer_finish()
 * returns -1.  So a sequence of calls needs one check, at the end.
 *
 * It writes exactly what it is told: no Date, no Server, no implied
 * Content-Length.  The caller owns the buffer and sends it (src/net).
 *
 *     struct http_writer w;
 *     http_writer_init(&w, buf, sizeof buf);
 *     http_writer_status(&w, 200);
 *     http_writer_header(&w, "Content-Type", HTTP_TYPE_JSON);
 *     http_writer_header_u64(&w, "Content-Length", len);
 *     http_writer_end_head(&w);
 *     http_writer_bytes(&w, json, len);
 *     ssize_t n = http_writer_finish(&w);     // -1: did not fit
 *
 * Sources: RFC 9112 §3 (request line), §4 (status line), §5 (fields),
 * §7.1 (chunks); RFC 9110 §15 (status codes and their reason phrases).
 *
 * Read next: http_target.h.
 */
#ifndef PUSHPULL_HTTP_WRITER_H
#define PUSHPULL_HTTP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "http/http_error.h"

/* The content types pushpull's own answers carry. */
#define HTTP_TYPE_TEXT "text/plain; charset=utf-8"
#define HTTP_TYPE_JSON "application/json"

struct http_writer {
	char *buf;
	size_t cap;
	size_t len;             /* bytes written so far */
	bool failed;            /* out of room, or refused an unsafe field */
};

void http_writer_init(struct http_writer *w, char *buf, size_t cap);

/* "HTTP/1.1 <status> <reason>\r\n" with the standard reason phrase. */
void http_writer_status(struct http_writer *w, int status);
/* "<method> <target> HTTP/1.1\r\n"; both must be non-empty and free of
 * SP and control characters. */
void http_writer_request_line(struct http_writer *w, const char *method,
			      const char *target);
/* "<name>: <value>\r\n".  The name must be a token, the value field-vchar,
 * SP and HTAB only (RFC 9110 §5.5). */
void http_writer_header(struct http_writer *w, const char *name, const char *value);
void http_writer_header_n(struct http_writer *w, const char *name,
			  const char *value, size_t value_len);
void http_writer_header_u64(struct http_writer *w, const char *name, uint64_t value);
/* Raw header lines, each ending in CRLF (e.g. "Allow: GET\r\n"), copied
 * as they are after a check that every line is a valid field line. */
void http_writer_raw_fields(struct http_writer *w, const char *lines);
/* A decimal number, e.g. the value of a field whose name is already
 * written. */
void http_writer_u64(struct http_writer *w, uint64_t value);
/* The CRLF that ends the head. */
void http_writer_end_head(struct http_writer *w);
/* Body bytes, copied as they are. */
void http_writer_bytes(struct http_writer *w, const void *data, size_t len);
/* One chunk: "<hex len>\r\n" data "\r\n" (RFC 9112 §7.1).  'len' must be
 * > 0: a zero-length chunk would end the body. */
void http_writer_chunk(struct http_writer *w, const void *data, size_t len);
/* The last chunk and an empty trailer section: "0\r\n\r\n". */
void http_writer_last_chunk(struct http_writer *w);

/* Bytes written, or -1 if the writer failed. */
ssize_t http_writer_finish(const struct http_writer *w);

/* The longest chunk head http_chunk_head() writes: 16 hex digits + CRLF. */
#define HTTP_CHUNK_HEAD_MAX 18

/* Writes "<hex len>\r\n" into 'out', for callers that send the data from
 * elsewhere (writev); the data must then be followed by "\r\n".  Returns
 * the length written. */
size_t http_chunk_head(char out[HTTP_CHUNK_HEAD_MAX], uint64_t len);

/* The reason phrase RFC 9110 §15 gives 'status' ("Not Found"), or "" for
 * a code it does not define (an empty reason is allowed, RFC 9112 §4). */
const char *http_status_reason(int status);

/* A complete error response, ready to send and then close:
 *
 *     HTTP/1.1 <status> <phrase>\r\n
 *     Content-Type: text/plain; charset=utf-8\r\n
 *     Content-Length: <n>\r\n
 *     Connection: close\r\n
 *     <extra_fields>\r\n
 *     <reason>\n
 *
 * 'extra_fields' (NULL for none) are raw header lines, each ending in
 * CRLF, such as "Allow: GET, POST\r\n" for a 405 or the Upgrade fields of
 * a 426.  Returns the length, or -1 if it does not fit 'cap'. */
ssize_t http_write_error(char *out, size_t cap, int status, const char *reason,
			 const char *extra_fields);

/* Its head alone, Content-Length included: the answer to a HEAD request
 * (RFC 9110 §9.3.2). */
ssize_t http_write_error_head(char *out, size_t cap, int status, const char *reason,
			      const char *extra_fields);

/* The same for a parser rejection: its status and its reason. */
ssize_t http_write_rejection(char *out, size_t cap, enum http_error e);

#endif
