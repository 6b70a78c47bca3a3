/* memfile.h -- a FILE * that writes into memory (open_memstream), for
 * tests of writers that print to a stream. */
#ifndef PUSHPULL_TESTS_MEMFILE_H
#define PUSHPULL_TESTS_MEMFILE_H

#include <stddef.h>
#include <stdio.h>

struct mem {
	char *p;                        /* what was written, after mem_close; free() it */
	size_t n;
	FILE *f;
};

void mem_open(struct mem *m);
/* Closes the stream (failing the test if writing failed); m->p holds it all. */
void mem_close(struct mem *m);

#endif
