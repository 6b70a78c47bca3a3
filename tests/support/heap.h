/* heap.h -- a test helper, not a test: how many bytes the process has
 * allocated right now, to show what an idle or half-open connection
 * costs (the difference before and after opening many). */
#ifndef PUSHPULL_TESTS_HEAP_H
#define PUSHPULL_TESTS_HEAP_H

#include <stddef.h>

/* The sanitizer's count when it runs (its allocator replaces malloc's,
 * and mallinfo2 then says nothing), else malloc's own. */
size_t heap_in_use(void);

#endif
