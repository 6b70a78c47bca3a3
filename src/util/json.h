/* json.h -- writing JSON strings (RFC 8259 §7) from arbitrary bytes.
 *
 * Every pushpull program that prints JSON (httpparse, wsframe, sseparse,
 * the ledger, the /score endpoint) escapes strings here.  Valid UTF-8 is
 * copied as is; '"', '\\' and control characters are escaped; a byte that
 * is not part of a valid UTF-8 sequence is written as "\u00XX" (its value
 * read as Latin-1), so the output is always valid JSON and no byte is
 * silently dropped.
 */
#ifndef PUSHPULL_UTIL_JSON_H
#define PUSHPULL_UTIL_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Writes the quoted, escaped string into 'dst' (capacity 'cap', always
 * NUL-terminated when cap > 0).  Returns the length the full result needs,
 * excluding the NUL, as snprintf does: a result >= cap means truncated. */
size_t json_quote(char *dst, size_t cap, const void *s, size_t n);

/* The same, written to a stream. */
void json_fput(FILE *out, const void *s, size_t n);

#endif
