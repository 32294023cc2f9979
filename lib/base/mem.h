/* mem: allocation that dies with a clear message instead of returning NULL. */
#ifndef SIMBAL_MEM_H
#define SIMBAL_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* n bytes at an address that is a multiple of align (a power of two, at
 * least sizeof(void *)); freed with free. */
void *xaligned(size_t align, size_t n);
/* Grows *p (of *cap elements of size each) to hold at least need elements. */
void grow_array(void *p, size_t *cap, size_t need, size_t size);

#endif
