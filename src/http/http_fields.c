/* http_fields.c -- header field lookup, token lists, and the syntax of
 * one field line (RFC 9110 §5, RFC 9112 §5); see http_fields.h.
 *
 * A field line is checked in two runs over the bytes: the name (tchar,
 * a table lookup per byte), then everything after the colon (field-vchar,
 * SP, HTAB: eight bytes at a time, http_skip_value).  Anything that stops
 * a run early is the error, and the byte that stopped it says which.
 */
#include "http/http_fields.h"
#include "http/http_chars.h"

#include <string.h>

/* ASCII case-insensitive equality of two runs of 'n' bytes. */
static bool equal_nocase(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (http_lower((unsigned char)a[i]) != http_lower((unsigned char)b[i]))
			return false;
	return true;
}

bool http_slice_equals(const char *s, size_t len, const char *ascii)
{
	return strlen(ascii) == len && equal_nocase(s, ascii, len);
}

bool http_slice_is(const char *s, size_t len, const char *exact)
{
	return strlen(exact) == len && memcmp(s, exact, len) == 0;
}

const struct http_header *http_header_find(const struct http_header *h,
					   size_t n, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (h[i].name_len == len && equal_nocase(h[i].name, name, len))
			return &h[i];
	return NULL;
}

size_t http_header_count(const struct http_header *h, size_t n,
			 const char *name)
{
	size_t len = strlen(name), count = 0;
	for (size_t i = 0; i < n; i++)
		if (h[i].name_len == len && equal_nocase(h[i].name, name, len))
			count++;
	return count;
}

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

/* RFC 9110 §5.6.1: #element lists; a recipient skips empty elements. */
bool http_token_list_has(const char *list, size_t len, const char *token)
{
	size_t i = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && list[i] != ',')
			i++;
		size_t end = i;
		while (start < end && is_ows(list[start]))
			start++;
		while (end > start && is_ows(list[end - 1]))
			end--;
		if (end > start && http_slice_equals(list + start, end - start, token))
			return true;
		i++;    /* past the comma */
	}
	return false;
}

enum http_error http_field_line_check(const char *line, size_t len)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t i = 0;

	if (len > 0 && is_ows((char)s[0]))
		return HTTP_E_OBS_FOLD;             /* RFC 9112 §5.2 */
	i = http_skip_token(line, 0, len);
	if (i == len)
		return HTTP_E_NO_COLON;
	if (s[i] != ':') {
		/* Tell "Name : v" (§5.1, MUST reject) from "Na<me: v" and "Name v". */
		const unsigned char *colon = memchr(s + i, ':', len - i);
		if (colon == NULL)
			return HTTP_E_NO_COLON;
		while (s + i < colon && is_ows((char)s[i]))
			i++;
		return s + i == colon ? HTTP_E_SPACE_BEFORE_COLON : HTTP_E_FIELD_NAME;
	}
	if (i == 0)
		return HTTP_E_EMPTY_NAME;
	i = http_skip_value(line, i + 1, len);  /* RFC 9110 §5.5: no CTL but HTAB */
	if (i < len)
		return s[i] == '\r' ? HTTP_E_BARE_CR : HTTP_E_FIELD_VALUE;
	return HTTP_OK;
}

void http_field_line_split(const char *line, size_t len, struct http_header *h)
{
	const char *colon = memchr(line, ':', len);
	const char *v = colon + 1, *end = line + len;

	while (v < end && is_ows(*v))
		v++;
	while (end > v && is_ows(end[-1]))
		end--;
	h->name = line;
	h->name_len = (size_t)(colon - line);
	h->value = v;
	h->value_len = (size_t)(end - v);
}
