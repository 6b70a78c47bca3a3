/* input.h -- reading a whole stream into memory, for the small programs
 * in tools/ that take their input on stdin. */
#ifndef PUSHPULL_UTIL_INPUT_H
#define PUSHPULL_UTIL_INPUT_H

#include <stddef.h>
#include <stdio.h>

/* All of 'f' in one malloc'd buffer (the caller frees it), its length in
 * *len; NULL if memory ran out.  The buffer doubles as it fills. */
void *util_read_all(FILE *f, size_t *len);

#endif
