/* fields: the typed key<TAB>value lines of a checkpoint's header
 * (simbal-checkpoint(5)), written and read through one description of
 * each: its key, its type and where its value lives.  The same
 * description writes a value and reads it back, so a file says what its
 * writer meant: numbers with the digits that read back the same value,
 * enums by name (reordering an enum changes no file), and a value missing
 * or garbled is an error that names the file and the key. */
#ifndef SIMBAL_FIELDS_H
#define SIMBAL_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

enum field_type {
	FIELD_BOOL,   /* bool: 0 or 1 */
	FIELD_INT,    /* int, decimal */
	FIELD_LONG,   /* long, decimal */
	FIELD_ULONG,  /* unsigned long, decimal */
	FIELD_FLOAT,  /* float[count], comma-separated */
	FIELD_DOUBLE, /* double[count], comma-separated */
	FIELD_ENUM,   /* an enum (int-sized), as its name: names[value] */
	FIELD_STRING, /* char[count], NUL-terminated, no TAB or newline */
};

/* What a field is.  value points at the variable the field is written
 * from and read into. */
struct field {
	const char *key;
	enum field_type type;
	void *value;
	int count;                /* FLOAT, DOUBLE: the numbers (0: one);
				   * ENUM: the names; STRING: value's size */
	const char *const *names; /* ENUM: the name of each value */
};

/* A field of one value of type t (not ENUM or STRING) at v; an enum's
 * of the n names; a string's in the char array a. */
#define FIELD(k, t, v) ((struct field){ .key = (k), .type = (t), .value = (v) })
#define FIELD_NAMED(k, v, names_, n) \
	((struct field){ .key = (k), .type = FIELD_ENUM, .value = (v), .count = (n), .names = (names_) })
#define FIELD_TEXT(k, a) \
	((struct field){ .key = (k), .type = FIELD_STRING, .value = (a), .count = (int)sizeof(a) })

/* A header's lines, in order, and the file they were read from. */
struct fields {
	struct field_line {
		char *key, *value;
	} *line;
	int n;
	size_t cap;
	char *source; /* the file, which errors name; NULL for lines built */
};

/* Appends d's line: its key and its value's text. */
void fields_put(struct fields *f, const struct field *d);

/* Reads d's value from its line of f: 0, or -1 with "SOURCE: its header
 * lacks KEY" or "SOURCE: its header's KEY is 'TEXT', not WHAT" in err
 * (ERRLEN bytes), the variable then unchanged. */
int fields_get(const struct fields *f, const struct field *d, char *err);

/* The error about key's value (a value its reader refuses), as fields_get
 * says it: "SOURCE: its header's KEY is 'TEXT', not WHAT" in err; -1. */
int fields_refuse(const struct fields *f, const char *key, const char *what, char *err);

/* The text of key's line, or NULL. */
const char *fields_find(const struct fields *f, const char *key);

/* The bytes of d's variable. */
size_t field_size(const struct field *d);

/* The text of d's value, as fields_put writes it, in buf. */
void field_text(const struct field *d, char *buf, size_t size);

/* Appends a line of the text given (a file's line read). */
void fields_add(struct fields *f, const char *key, const char *value);

void fields_free(struct fields *f);

#endif
