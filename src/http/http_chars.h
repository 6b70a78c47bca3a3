/* http_chars.h -- character classes for the HTTP parsers (private to
 * src/http: no contract beyond this directory).
 *
 * One 256-entry table answers "may this byte appear here?" for each
 * grammar rule the parsers need, so every inner loop is a single lookup
 * per byte and the rules are written down once, in http_chars.c, where
 * they can be checked against the RFCs row by row.
 */
#ifndef PUSHPULL_HTTP_CHARS_H
#define PUSHPULL_HTTP_CHARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	HTTP_CH_TCHAR  = 1,   /* token character, RFC 9110 §5.6.2 */
	HTTP_CH_VALUE  = 2,   /* field-vchar / SP / HTAB, RFC 9110 §5.5 */
	HTTP_CH_URI    = 4,   /* pchar / "/" / "?" minus "%", RFC 3986 §3.3-3.4 */
	HTTP_CH_HEX    = 8,   /* HEXDIG */
	HTTP_CH_REG    = 16,  /* unreserved / sub-delims: reg-name minus "%", RFC 3986 §3.2.2 */
	HTTP_CH_QDTEXT = 32   /* qdtext, RFC 9110 §5.6.4 (SP and HTAB included) */
};

extern const uint8_t http_char_class[256];

static inline bool http_ch(unsigned char c, unsigned cls)
{
	return (http_char_class[c] & cls) != 0;
}

static inline unsigned char http_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* The value of a hex digit (caller checked HTTP_CH_HEX). */
static inline unsigned http_hex_value(unsigned char c)
{
	if (c <= '9') return c - '0';
	return (unsigned)http_lower(c) - 'a' + 10;
}

/* Small scanners over v[i..n): each returns the index of the first byte
 * it did not take. */
static inline size_t http_skip_ows(const char *v, size_t i, size_t n)
{
	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	return i;
}

static inline size_t http_skip_token(const char *v, size_t i, size_t n)
{
	while (i < n && http_ch((unsigned char)v[i], HTTP_CH_TCHAR))
		i++;
	return i;
}

/* quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE   (RFC 9110 §5.6.4)
 * with v[i] the opening quote.  Returns the index after the closing
 * quote, or 0 if the string is malformed or not closed. */
static inline size_t http_skip_quoted(const char *v, size_t i, size_t n)
{
	for (i++; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '"')
			return i + 1;
		if (c == '\\') {               /* quoted-pair: HTAB / SP / VCHAR / obs-text */
			if (++i == n || !http_ch((unsigned char)v[i], HTTP_CH_VALUE))
				return 0;
		} else if (!http_ch(c, HTTP_CH_QDTEXT)) {
			return 0;
		}
	}
	return 0;
}

#endif
