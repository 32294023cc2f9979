#include "base/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

uint64_t strmap_hash(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

static size_t *find_slot(const struct strmap *m, const char *s)
{
	size_t i = (size_t)strmap_hash(s) & (m->nslot - 1);
	while (m->slot[i] && strcmp(m->key[m->slot[i] - 1], s) != 0)
		i = (i + 1) & (m->nslot - 1);
	return &m->slot[i];
}

static void rehash(struct strmap *m)
{
	free(m->slot);
	m->nslot = m->nslot ? m->nslot * 2 : 64;
	m->slot = xcalloc(m->nslot, sizeof *m->slot);
	for (size_t k = 0; k < m->n; k++)
		*find_slot(m, m->key[k]) = k + 1;
}

size_t strmap_add(struct strmap *m, const char *s)
{
	if (2 * (m->n + 1) > m->nslot)
		rehash(m);
	size_t *slot = find_slot(m, s);
	if (!*slot) {
		grow_array(&m->key, &m->cap, m->n + 1, sizeof *m->key);
		m->key[m->n] = xstrdup(s);
		*slot = ++m->n;
	}
	return *slot - 1;
}

size_t strmap_find(const struct strmap *m, const char *s)
{
	if (!m->nslot)
		return STRMAP_NONE;
	size_t slot = *find_slot(m, s);
	return slot ? slot - 1 : STRMAP_NONE;
}

void strmap_free(struct strmap *m)
{
	for (size_t k = 0; k < m->n; k++)
		free(m->key[k]);
	free(m->key);
	free(m->slot);
	*m = (struct strmap){ 0 };
}
