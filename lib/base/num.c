#include "base/num.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* [+-] digits [. digits] [(e|E) [+-] digits], with a digit before or
 * after the point. */
static bool is_decimal(const char *s)
{
	static const char digits[] = "0123456789";
	s += *s == '+' || *s == '-';
	size_t n = strspn(s, digits);
	s += n;
	if (*s == '.') {
		size_t frac = strspn(s + 1, digits);
		n += frac;
		s += 1 + frac;
	}
	if (n == 0)
		return false;
	if (*s == 'e' || *s == 'E') {
		s += 1 + (s[1] == '+' || s[1] == '-');
		size_t exp = strspn(s, digits);
		if (exp == 0)
			return false;
		s += exp;
	}
	return *s == '\0';
}

enum number_kind scan_number(const char *s, double *v)
{
	if (!*s)
		return NUMBER_EMPTY;
	const char *unsigned_s = s + (*s == '+' || *s == '-');
	if (strcmp(s, "NA") == 0 || strcasecmp(unsigned_s, "nan") == 0)
		return NUMBER_NA;
	if (strcasecmp(unsigned_s, "inf") == 0 || strcasecmp(unsigned_s, "infinity") == 0)
		return NUMBER_INF;
	if (!is_decimal(s))
		return NUMBER_BAD;
	/* The syntax checked, strtod reads all of it: the programs never set
	 * a locale, so the point is '.'. */
	errno = 0;
	*v = strtod(s, NULL);
	/* ERANGE also means underflow, a tiny number, which is fine. */
	if (errno == ERANGE && fabs(*v) > 1)
		return NUMBER_INF;
	return NUMBER_OK;
}
