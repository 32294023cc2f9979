#include "base/path.h"

#include <string.h>

#include "base/mem.h"

char *path_join(const char *dir, const char *name)
{
	size_t dn = strlen(dir);
	while (dn > 1 && dir[dn - 1] == '/')
		dn--;
	size_t nn = strlen(name);
	char *p = xmalloc(dn + 1 + nn + 1);
	memcpy(p, dir, dn);
	size_t at = dn;
	if (!(dn == 1 && dir[0] == '/'))
		p[at++] = '/';
	memcpy(p + at, name, nn + 1);
	return p;
}
