/* num: the one syntax of numbers in data fields, also that of option
 * values: decimal, with an optional sign, point and exponent ("-2.5e-3",
 * ".5", "5."), filling the string: no blanks, no hexadecimal.  A number
 * too small for a double is 0 or subnormal. */
#ifndef SIMBAL_NUM_H
#define SIMBAL_NUM_H

enum number_kind {
	NUMBER_OK,    /* a finite number, stored in *v */
	NUMBER_EMPTY, /* "" */
	NUMBER_NA,    /* a missing value: NA, or nan in any case, signed or not */
	NUMBER_INF,   /* inf, infinity, or a number beyond the range of doubles */
	NUMBER_BAD,   /* anything else */
};
enum number_kind scan_number(const char *s, double *v);

#endif
