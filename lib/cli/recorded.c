#include "cli/recorded.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"

#define KEY_MAX 64
#define TEXT_MAX 256

/* The option as the field it is recorded in: train.NAME for --NAME. */
static struct field recorded(const struct field *opt, char *key)
{
	struct field d = *opt;
	snprintf(key, KEY_MAX, "train.%s", opt->key + 2);
	for (char *c = key; *c; c++)
		*c = *c == '-' ? '_' : *c;
	d.key = key;
	return d;
}

void options_record(struct fields *f, const struct field *opts, int n)
{
	for (int i = 0; i < n; i++) {
		char key[KEY_MAX];
		struct field d = recorded(&opts[i], key);
		fields_put(f, &d);
	}
}

/* The options of the checkpoints written before they had a field each
 * were the one line "train<TAB>arch=... lr=... schedule=2 ...", its
 * enums as numbers: not read, the files refused. */
static void refuse_one_line(const struct fields *file, const struct field *opt)
{
	char key[KEY_MAX];
	struct field d = recorded(opt, key);
	if (fields_find(file, "train") && !fields_find(file, d.key))
		die("%s: its options are the one train line of an earlier %s, which --resume does not "
		    "read: train anew",
		    file->source, progname);
}

/* The option's value in file, or death with the reason. */
static void get_recorded(const struct fields *file, const struct field *opt, void *value)
{
	char key[KEY_MAX], err[ERRLEN];
	struct field d = recorded(opt, key);
	d.value = value;
	refuse_one_line(file, opt);
	if (fields_get(file, &d, err))
		die("%s", err);
}

void option_recorded(const struct fields *file, const struct field *opts, int n, const char *flag)
{
	for (int i = 0; i < n; i++)
		if (strcmp(opts[i].key, flag) == 0) {
			get_recorded(file, &opts[i], opts[i].value);
			return;
		}
	die("%s: no option %s is recorded", file->source, flag);
}

/* Whether the option's value is not the one in file: both in had and
 * given, as they are written. */
static bool differs(const struct fields *file, const struct field *opt, char *had, char *given)
{
	struct field in_file = *opt;
	in_file.value = xcalloc(1, field_size(opt));
	get_recorded(file, opt, in_file.value);
	field_text(&in_file, had, TEXT_MAX);
	field_text(opt, given, TEXT_MAX);
	free(in_file.value);
	return strcmp(had, given) != 0;
}

void options_check(const struct fields *file, const struct field *opts, int n)
{
	char had[TEXT_MAX], given[TEXT_MAX];
	char *all = NULL;
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		if (!differs(file, &opts[i], had, given))
			continue;
		size_t add = strlen(opts[i].key) + strlen(had) + strlen(given) + 40;
		all = xrealloc(all, len + add);
		len += (size_t)snprintf(all + len, add, "%s%s: %s in the checkpoint, %s given",
					len ? "; " : "", opts[i].key, had, given);
	}
	if (all)
		die("%s: %s", file->source, all);
}
