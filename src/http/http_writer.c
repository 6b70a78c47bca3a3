/* http_writer.c -- HTTP/1.1 messages into a caller's buffer (RFC 9112
 * §3-§5, §7.1); see http_writer.h.
 *
 * Everything goes through put(), which either appends or marks the writer
 * failed; nothing is written after a failure, so a failed writer's buffer
 * holds a clean prefix, never a torn field.  Fields are checked before
 * they are written: a writer that copied a CR or LF from user input into
 * a header would let that input write headers of its own.
 */
#include "http/http_writer.h"
#include "http/http_chars.h"
#include "http/http_fields.h"

#include <string.h>

void http_writer_init(struct http_writer *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->failed = false;
}

static void put(struct http_writer *w, const void *p, size_t n)
{
	if (w->failed || n > w->cap - w->len) {
		w->failed = true;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_str(struct http_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Decimal digits of 'v' into the end of 'tmp'; returns where they start. */
static char *u64_digits(char tmp[20], uint64_t v)
{
	char *p = tmp + 20;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return p;
}

void http_writer_u64(struct http_writer *w, uint64_t v)
{
	char tmp[20];
	char *p = u64_digits(tmp, v);
	put(w, p, (size_t)(tmp + 20 - p));
}

/* RFC 9110 §15.  Sorted by code; a linear search over ~50 entries. */
static const struct { short code; const char *phrase; } reasons[] = {
	{ 100, "Continue" }, { 101, "Switching Protocols" },
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
	{ 203, "Non-Authoritative Information" }, { 204, "No Content" },
	{ 205, "Reset Content" }, { 206, "Partial Content" },
	{ 300, "Multiple Choices" }, { 301, "Moved Permanently" }, { 302, "Found" },
	{ 303, "See Other" }, { 304, "Not Modified" }, { 305, "Use Proxy" },
	{ 307, "Temporary Redirect" }, { 308, "Permanent Redirect" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 402, "Payment Required" },
	{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" }, { 409, "Conflict" }, { 410, "Gone" },
	{ 411, "Length Required" }, { 412, "Precondition Failed" },
	{ 413, "Content Too Large" }, { 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" }, { 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" }, { 421, "Misdirected Request" },
	{ 422, "Unprocessable Content" }, { 426, "Upgrade Required" },
	{ 428, "Precondition Required" },          /* RFC 6585 */
	{ 429, "Too Many Requests" },              /* RFC 6585 */
	{ 431, "Request Header Fields Too Large" },/* RFC 6585 */
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
};

const char *http_status_reason(int status)
{
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (reasons[i].code == status)
			return reasons[i].phrase;
	return "";
}

void http_writer_status(struct http_writer *w, int status)
{
	if (status < 100 || status > 999) {
		w->failed = true;
		return;
	}
	put_str(w, "HTTP/1.1 ");
	http_writer_u64(w, (uint64_t)status);
	put_str(w, " ");
	put_str(w, http_status_reason(status));
	put_str(w, "\r\n");
}

/* Non-empty, and no byte that would end the part early. */
static bool visible(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7F)
			return false;
	return true;
}

void http_writer_request_line(struct http_writer *w, const char *method,
			      const char *target)
{
	size_t m = strlen(method);
	if (m == 0 || http_skip_token(method, 0, m) != m || !visible(target)) {
		w->failed = true;
		return;
	}
	put(w, method, m);
	put_str(w, " ");
	put_str(w, target);
	put_str(w, " HTTP/1.1\r\n");
}

void http_writer_header_n(struct http_writer *w, const char *name,
			  const char *value, size_t value_len)
{
	size_t n = strlen(name);
	if (n == 0 || http_skip_token(name, 0, n) != n || http_skip_value(value, 0, value_len) != value_len) {
		w->failed = true;
		return;
	}
	put(w, name, n);
	put_str(w, ": ");
	put(w, value, value_len);
	put_str(w, "\r\n");
}

void http_writer_header(struct http_writer *w, const char *name, const char *value)
{
	http_writer_header_n(w, name, value, strlen(value));
}

void http_writer_header_u64(struct http_writer *w, const char *name, uint64_t value)
{
	char tmp[20];
	char *p = u64_digits(tmp, value);
	http_writer_header_n(w, name, p, (size_t)(tmp + 20 - p));
}

void http_writer_raw_fields(struct http_writer *w, const char *lines)
{
	size_t n = strlen(lines), at = 0;

	while (at < n) {                    /* every line: a field line + CRLF */
		const char *lf = memchr(lines + at, '\n', n - at);
		size_t ll = lf ? (size_t)(lf - lines) - at : 0;
		if (lf == NULL || ll < 2 || lines[at + ll - 1] != '\r' ||
		    http_field_line_check(lines + at, ll - 1) != HTTP_OK) {
			w->failed = true;
			return;
		}
		at += ll + 1;
	}
	put(w, lines, n);
}

void http_writer_end_head(struct http_writer *w)
{
	put_str(w, "\r\n");
}

void http_writer_bytes(struct http_writer *w, const void *data, size_t len)
{
	put(w, data, len);
}

size_t http_chunk_head(char out[HTTP_CHUNK_HEAD_MAX], uint64_t len)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	size_t n = 0;

	do {
		tmp[n++] = hex[len & 15];
		len >>= 4;
	} while (len != 0);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\r';
	out[n + 1] = '\n';
	return n + 2;
}

void http_writer_chunk(struct http_writer *w, const void *data, size_t len)
{
	char head[HTTP_CHUNK_HEAD_MAX];

	if (len == 0) {
		w->failed = true;
		return;
	}
	put(w, head, http_chunk_head(head, len));
	put(w, data, len);
	put_str(w, "\r\n");
}

void http_writer_last_chunk(struct http_writer *w)
{
	put_str(w, "0\r\n\r\n");
}

ssize_t http_writer_finish(const struct http_writer *w)
{
	return w->failed ? -1 : (ssize_t)w->len;
}

static ssize_t write_error(char *out, size_t cap, int status, const char *reason,
			   const char *extra_fields, bool body)
{
	struct http_writer w;
	size_t rlen = strlen(reason);

	http_writer_init(&w, out, cap);
	http_writer_status(&w, status);
	http_writer_header(&w, "Content-Type", HTTP_TYPE_TEXT);
	http_writer_header_u64(&w, "Content-Length", rlen + 1);
	http_writer_header(&w, "Connection", "close");
	if (extra_fields != NULL)
		http_writer_raw_fields(&w, extra_fields);
	http_writer_end_head(&w);
	if (body) {
		http_writer_bytes(&w, reason, rlen);
		put_str(&w, "\n");
	}
	return http_writer_finish(&w);
}

ssize_t http_write_error(char *out, size_t cap, int status, const char *reason,
			 const char *extra_fields)
{
	return write_error(out, cap, status, reason, extra_fields, true);
}

ssize_t http_write_error_head(char *out, size_t cap, int status, const char *reason,
			      const char *extra_fields)
{
	return write_error(out, cap, status, reason, extra_fields, false);
}

ssize_t http_write_rejection(char *out, size_t cap, enum http_error e)
{
	return http_write_error(out, cap, http_error_status(e), http_error_reason(e), NULL);
}
