/* http_fields.h -- header fields: the slice type, lookup, list values,
 * and the syntax of one field line (RFC 9110 §5, RFC 9112 §5).
 *
 * A field is never copied: 'struct http_header' is two slices into the
 * caller's buffer, valid exactly as long as those bytes are (for a parsed
 * message: until the caller consumes them).  Neither slice is
 * NUL-terminated.
 *
 * The line functions here are shared by the head parser (http_parser.h)
 * and the chunked trailer decoder (http_body.h), so a trailer field obeys
 * the very same rules as a header field.
 *
 * Read next: http_parser.h.
 */
#ifndef PUSHPULL_HTTP_FIELDS_H
#define PUSHPULL_HTTP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include "http/http_error.h"

struct http_header {
	const char *name;       /* field-name, as received (case kept) */
	size_t name_len;
	const char *value;      /* field-value, OWS trimmed from both ends */
	size_t value_len;
};

/* The first field named 'name' (NUL-terminated, compared ignoring ASCII
 * case, RFC 9110 §5.1), or NULL.  O(n): fine for the 100 fields we allow. */
const struct http_header *http_header_find(const struct http_header *h,
					   size_t n, const char *name);

/* How many fields are named 'name' (ignoring case). */
size_t http_header_count(const struct http_header *h, size_t n,
			 const char *name);

/* True when the comma-separated list 'list' (RFC 9110 §5.6.1: elements
 * separated by "," with optional whitespace, empty elements ignored) has
 * an element equal to 'token', ignoring ASCII case.  Used for Connection
 * ("close", "upgrade"), Upgrade ("websocket") and the like.  An element
 * with parameters ("gzip;q=1") only matches the whole text, so this is
 * for lists of bare tokens. */
bool http_token_list_has(const char *list, size_t len, const char *token);

/* Case-insensitive comparison of a slice with a NUL-terminated ASCII
 * string (both lengths must match). */
bool http_slice_equals(const char *s, size_t len, const char *ascii);

/* The same, but exact: for what is case-sensitive, such as a method
 * (RFC 9110 §9.1).  The length of 'exact' is counted here, never by the
 * caller. */
bool http_slice_is(const char *s, size_t len, const char *exact);

/* Checks one field line, 'line' being the bytes before its CRLF:
 *
 *     field-line = field-name ":" OWS field-value OWS     (RFC 9112 §5)
 *
 * Returns HTTP_OK or the reason it is refused: a line starting with SP or
 * HTAB is obs-fold (§5.2, refused); whitespace between name and colon is
 * refused (§5.1); a name must be a token; a value may hold SP, HTAB,
 * visible ASCII and obs-text (0x80-0xFF) but no other control character
 * (RFC 9110 §5.5): NUL and CR are refused.  O(len), one table lookup per
 * byte. */
enum http_error http_field_line_check(const char *line, size_t len);

/* Splits a line that http_field_line_check() accepted into name and value
 * (leading and trailing OWS removed from the value). */
void http_field_line_split(const char *line, size_t len, struct http_header *h);

#endif
