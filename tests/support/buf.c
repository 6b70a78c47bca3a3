/* buf.c -- the tests' growable buffer; see buf.h. */
#include <assert.h>
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/buf.h"

/* Makes room for 'n' more bytes and the NUL after them. */
static void grow(struct tbuf *b, size_t n)
{
	if (n > TBUF_MAX - b->len)
		ck_abort_msg("tbuf: %zu bytes held, %zu more would pass TBUF_MAX (%zu)",
			     b->len, n, TBUF_MAX);
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;               /* at most 2 * (TBUF_MAX + 1): no overflow */
	char *p = realloc(b->p, cap);
	if (!p)
		ck_abort_msg("tbuf: out of memory for %zu bytes", cap);
	b->p = p;
	b->cap = cap;
}

void tbuf_init(struct tbuf *b)
{
	*b = (struct tbuf){ 0 };
	grow(b, 0);
	b->p[0] = '\0';
}

char *tbuf_room(struct tbuf *b, size_t n)
{
	grow(b, n);
	return b->p + b->len;
}

void tbuf_grew(struct tbuf *b, size_t n)
{
	assert(b->len + n < b->cap);    /* no more than tbuf_room() made room for */
	b->len += n;
	b->p[b->len] = '\0';
}

void tbuf_append(struct tbuf *b, const void *s, size_t n)
{
	char *at = tbuf_room(b, n);
	if (n)
		memcpy(at, s, n);
	tbuf_grew(b, n);
}

void tbuf_printf(struct tbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);    /* first the length, then the text */
	va_end(ap);
	if (n < 0)
		ck_abort_msg("tbuf_printf: bad format \"%s\"", fmt);
	char *at = tbuf_room(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(at, (size_t)n + 1, fmt, ap);
	va_end(ap);
	tbuf_grew(b, (size_t)n);
}

void tbuf_drop(struct tbuf *b, size_t n)
{
	assert(n <= b->len);
	if (n == 0)
		return;
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
	b->p[b->len] = '\0';
}

void tbuf_reset(struct tbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void tbuf_free(struct tbuf *b)
{
	free(b->p);
	*b = (struct tbuf){ 0 };
}

const char *tbuf_str(const struct tbuf *b)
{
	return b->p ? b->p : "";
}
