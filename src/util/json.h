/* json.h -- writing JSON strings (RFC 8259 §7) from arbitrary bytes.
 *
 * Every pushpull program that prints JSON (httpparse, wsframe, sseparse,
 * the ledger, the /score endpoint) escapes strings here.  Valid UTF-8 is
 * copied as is; '"', '\\' and control characters are escaped, and so are
 * U+0085, U+2028 and U+2029, which some readers take for line ends.  A
 * byte that is not part of a valid UTF-8 sequence is written as "\udcXX",
 * XX its value: a lone surrogate, which no valid UTF-8 can produce (the
 * "surrogateescape" convention of Python's PEP 383).  So no byte is
 * silently dropped, and the bytes can be had back exactly -- in Python,
 * json.loads(line)[...].encode("utf-8", "surrogateescape").
 */
#ifndef PUSHPULL_UTIL_JSON_H
#define PUSHPULL_UTIL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes the quoted, escaped string into 'dst' (capacity 'cap', always
 * NUL-terminated when cap > 0).  Returns the length the full result needs,
 * excluding the NUL, as snprintf does: a result >= cap means truncated. */
size_t json_quote(char *dst, size_t cap, const void *s, size_t n);

/* The same, written to a stream. */
void json_fput(FILE *out, const void *s, size_t n);

/* --- reading ---------------------------------------------------------------
 * Just enough to read the JSON pushpull's own server writes -- walk the
 * "events" array of a long-poll answer, read one number from an object --
 * without copying.  Not a validator: on text it cannot follow it returns
 * NULL / -1, and it never reads outside [s, s + n). */

/* The value of 'key' at the top level of the object text s[0..n): its
 * first byte and length (a number, a quoted string, an object...), or
 * NULL.  Keys are compared as written, without unescaping. */
const char *json_get(const char *s, size_t n, const char *key, size_t *vlen);

/* The next element of the array text arr[0..n); '*pos' starts at 0.
 * Returns 1 with the element's slice, 0 after the last, -1 if malformed. */
int json_array_next(const char *arr, size_t n, size_t *pos, const char **el, size_t *elen);

/* A value that is an unsigned integer ("42"). */
int json_u64(const char *v, size_t n, uint64_t *out);

#endif
