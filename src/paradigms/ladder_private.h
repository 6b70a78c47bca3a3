/* ladder_private.h -- private to ladder_describe.c and ladder.c. */
#ifndef PUSHPULL_PARADIGMS_LADDER_PRIVATE_H
#define PUSHPULL_PARADIGMS_LADDER_PRIVATE_H

#include "paradigms/ladder.h"

/* Appends to out[0..cap) at *len, as snprintf would; *len may pass cap. */
__attribute__((format(printf, 4, 5)))
void ladder__put(char *out, size_t cap, size_t *len, const char *fmt, ...);

#endif
