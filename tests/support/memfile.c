/* memfile.c -- see memfile.h. */
#include "support/memfile.h"

#include <check.h>

void mem_open(struct mem *m)
{
	m->p = NULL;
	m->n = 0;
	m->f = open_memstream(&m->p, &m->n);
	ck_assert_ptr_nonnull(m->f);
}

void mem_close(struct mem *m)
{
	ck_assert_int_eq(fclose(m->f), 0);
}
