/* promcheck.h -- a test helper: is this text Prometheus's text exposition
 * format (version 0.0.4), as its documentation writes it?
 *
 *   # HELP name text       at most one per family
 *   # TYPE name type       at most one per family, before its samples;
 *                          type one of counter gauge histogram summary untyped
 *   name{label="value",...} number
 *
 * Checked: metric and label names ([a-zA-Z_:][a-zA-Z0-9_:]* and
 * [a-zA-Z_][a-zA-Z0-9_]*, no label name starting "__"), values quoted
 * with only \\, \" and \n escaped, a label at most once per sample, the
 * same name and labels never twice, every sample of a family together
 * after its TYPE, a counter's name ending "_total", a sample value that
 * is a number (or NaN, +Inf, -Inf), every line ending in '\n'. */
#ifndef PUSHPULL_TESTS_PROMCHECK_H
#define PUSHPULL_TESTS_PROMCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* True if s[0..n) is in the format; otherwise false and 'why' (at least
 * 128 bytes) says what, on which line. */
bool promcheck(const char *s, size_t n, char *why, size_t cap);

/* The value of the sample written exactly "name{labels}" (labels as the
 * server writes them, in its order; "name" alone for none) into *v.
 * False if there is no such sample. */
bool prom_value(const char *s, size_t n, const char *sample, double *v);

#endif
