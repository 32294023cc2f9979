/* strmap: distinct strings (class names, labels) numbered 0, 1, 2, ... in
 * order of first appearance, with constant-time lookup, so that reading
 * stays linear in the input whatever the number of classes.  Callers keep
 * per-string data in arrays indexed by that number. */
#ifndef SIMBAL_STRMAP_H
#define SIMBAL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#define STRMAP_NONE SIZE_MAX

struct strmap {
	char **key; /* key[i]: the i-th distinct string (owned copies) */
	size_t n, cap;
	size_t *slot; /* open addressing: index + 1, 0 an empty slot */
	size_t nslot; /* a power of two, at least twice n */
};

/* The number of s, which is added (as number n) when new. */
size_t strmap_add(struct strmap *m, const char *s);
/* The number of s, or STRMAP_NONE. */
size_t strmap_find(const struct strmap *m, const char *s);
void strmap_free(struct strmap *m);

/* The 64-bit FNV-1a hash of s, the table's: the same on every platform,
 * so that it may also name a random stream. */
uint64_t strmap_hash(const char *s);

#endif
