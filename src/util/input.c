/* input.c -- a whole stream into memory; see input.h. */
#include "util/input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void *util_read_all(FILE *f, size_t *len)
{
	size_t cap = 64 * 1024, n = 0;
	char *buf = malloc(cap);
	*len = 0;
	while (buf != NULL) {
		n += fread(buf + n, 1, cap - n, f);
		if (ferror(f)) {
			int err = errno;
			free(buf);
			errno = err ? err : EIO;
			return NULL;
		}
		if (n < cap)
			break;
		if (cap > UTIL_INPUT_MAX) {     /* filled UTIL_INPUT_MAX + 1 and more */
			free(buf);
			errno = EFBIG;
			return NULL;
		}
		size_t grow = cap * 2 > UTIL_INPUT_MAX ? UTIL_INPUT_MAX + 1 : cap * 2;
		char *bigger = realloc(buf, grow);
		if (bigger == NULL) {
			free(buf);
			errno = ENOMEM;
			return NULL;
		}
		buf = bigger;
		cap = grow;
	}
	if (buf == NULL)
		errno = ENOMEM;
	else
		*len = n;
	return buf;
}

const char *util_read_error(int err)
{
	return err == EFBIG ? "input longer than 64 MiB" : strerror(err);
}
