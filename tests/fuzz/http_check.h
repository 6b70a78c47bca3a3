/* http_check.h -- what the two HTTP harnesses check of every field line
 * a parser hands out, written from RFC 9110 §5 rather than taken from
 * src/http/http_chars.c, so that a wrong row in its tables (or a wrong
 * carry in its eight-bytes-at-a-time scan) shows. */
#ifndef PUSHPULL_FUZZ_HTTP_CHECK_H
#define PUSHPULL_FUZZ_HTTP_CHECK_H

#include "fuzz.h"
#include "http/http_fields.h"

/* tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 *         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA   (RFC 9110 §5.6.2) */
static inline bool fuzz_is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A name that is a token; a value of field-vchar, SP and HTAB (obs-text
 * included, no other control, RFC 9110 §5.5) with no whitespace at
 * either end. */
static inline void fuzz_check_field(const struct http_header *h)
{
	FUZZ_CHECK(h->name_len > 0);
	for (size_t i = 0; i < h->name_len; i++)
		FUZZ_CHECK(fuzz_is_tchar((unsigned char)h->name[i]));
	for (size_t i = 0; i < h->value_len; i++) {
		unsigned char c = (unsigned char)h->value[i];
		FUZZ_CHECK(c == '\t' || (c >= 0x20 && c != 0x7f));
	}
	if (h->value_len > 0)
		FUZZ_CHECK(!strchr(" \t", h->value[0]) && !strchr(" \t", h->value[h->value_len - 1]));
}

#endif
