/* jsoncheck.h -- a test helper: is this text one JSON value, exactly as
 * RFC 8259 writes the grammar?  Strict where readers disagree: no
 * trailing commas, no comments, no leading zeros, no control characters
 * in strings, every escape one of §7's, every byte valid UTF-8, nothing
 * after the value but whitespace.  Written apart from src/util/json.c,
 * which only reads what pushpull writes, so a test checks the server's
 * JSON against the grammar rather than against pushpull's own reader. */
#ifndef PUSHPULL_TESTS_JSONCHECK_H
#define PUSHPULL_TESTS_JSONCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* True if s[0..n) is one JSON text.  Otherwise false, and 'why' (at least
 * 96 bytes) says what and at which offset. */
bool jsoncheck(const char *s, size_t n, char *why, size_t cap);

#endif
