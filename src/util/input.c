/* input.c -- a whole stream into memory; see input.h. */
#include "util/input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void *fail(char *buf, int err)
{
	free(buf);
	errno = err;
	return NULL;
}

void *util_read_all(FILE *f, size_t *len)
{
	size_t cap = 64 * 1024, n = 0;
	char *buf = malloc(cap);
	*len = 0;
	if (buf == NULL)
		return fail(NULL, ENOMEM);
	for (;;) {
		n += fread(buf + n, 1, cap - n, f);
		if (ferror(f))
			return fail(buf, errno ? errno : EIO);
		if (n < cap)
			break;                          /* the end of the input */
		if (cap > UTIL_INPUT_MAX)               /* UTIL_INPUT_MAX + 1 bytes came */
			return fail(buf, EFBIG);
		size_t grow = cap * 2 > UTIL_INPUT_MAX ? UTIL_INPUT_MAX + 1 : cap * 2;
		char *bigger = realloc(buf, grow);
		if (bigger == NULL)
			return fail(buf, ENOMEM);
		buf = bigger;
		cap = grow;
	}
	*len = n;
	return buf;
}

const char *util_read_error(int err)
{
	return err == EFBIG ? "input longer than 64 MiB" : strerror(err);
}
