/* input.h -- reading a whole stream into memory, for the small programs
 * in tools/ that take their input on stdin. */
#ifndef PUSHPULL_UTIL_INPUT_H
#define PUSHPULL_UTIL_INPUT_H

#include <stddef.h>
#include <stdio.h>

/* The most util_read_all() takes: a bound on what a tool holds. */
#define UTIL_INPUT_MAX ((size_t)64 * 1024 * 1024)

/* All of 'f' in one malloc'd buffer (the caller frees it), its length in
 * *len.  The buffer doubles as it fills.  NULL when that fails, with
 * errno saying why: the read's own error, ENOMEM, or EFBIG for input
 * longer than UTIL_INPUT_MAX. */
void *util_read_all(FILE *f, size_t *len);

/* Why util_read_all() failed, in words: strerror(err), or "input longer
 * than 64 MiB" for EFBIG. */
const char *util_read_error(int err);

#endif
