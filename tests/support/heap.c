/* heap.c -- see heap.h. */
#include "support/heap.h"

#include <malloc.h>

extern size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

size_t heap_in_use(void)
{
	if (__sanitizer_get_current_allocated_bytes)
		return __sanitizer_get_current_allocated_bytes();
	return mallinfo2().uordblks;
}
