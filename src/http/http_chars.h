/* http_chars.h -- character classes for the HTTP parsers (private to
 * src/http: no contract beyond this directory).
 *
 * One 256-entry table answers "may this byte appear here?" for each
 * grammar rule the parsers need, so every inner loop is a single lookup
 * per byte and the rules are written down once, in http_chars.c, where
 * they can be checked against the RFCs row by row.  Field values, most of
 * a head, are also looked at eight bytes at a time (http_skip_value),
 * falling back to the table for a word that holds a control.
 */
#ifndef PUSHPULL_HTTP_CHARS_H
#define PUSHPULL_HTTP_CHARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* Eight bytes that are all field value bytes (field-vchar, SP, HTAB;
 * RFC 9110 §5.5) but HTAB: no byte below 0x20, none equal to 0x7F (DEL).
 * Two carries tell: subtracting 0x20 from every byte borrows, and sets a
 * high bit that was clear, only in a byte below 0x20 (or above one);
 * subtracting 1 after XOR with 0x7F does the same for a byte that was
 * 0x7F.  Bytes from 0x80 (obs-text, allowed) have their high bit set, so
 * neither test looks at them.  A word that fails holds a control -- an
 * HTAB perhaps -- and is looked at byte by byte. */
static inline bool http_word_is_value(const char *v)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t w, d;
	memcpy(&w, v, 8);               /* any alignment; one load */
	d = w ^ (0x7f * ones);
	return (((w - 0x20 * ones) & ~w) | ((d - ones) & ~d)) & highs ? false : true;
}

/* The index of the first byte of v[i..n) that may not be in a field
 * value, or n.  Values are most of a head, so this goes eight bytes at a
 * time while it can. */
static inline size_t http_skip_value(const char *v, size_t i, size_t n)
{
	for (;;) {
		while (n - i >= 8 && http_word_is_value(v + i))
			i += 8;
		size_t end = n - i > 8 ? i + 8 : n;    /* this word byte by byte */
		while (i < end && http_ch((unsigned char)v[i], HTTP_CH_VALUE))
			i++;
		if (i < end || i == n)
			return i;
	}
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
