/* Unit tests of lib/base/strmap: numbering, lookup, growth, owned keys. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/strmap.h"
#include "unit.h"

static void numbers_follow_first_appearance(void)
{
	struct strmap m = { 0 };
	CHECK(strmap_add(&m, "dog") == 0);
	CHECK(strmap_add(&m, "cat") == 1);
	CHECK(strmap_add(&m, "") == 2);
	CHECK(strmap_add(&m, "ant") == 3);
	CHECK(m.n == 4);
	CHECK(strcmp(m.key[0], "dog") == 0 && strcmp(m.key[1], "cat") == 0);
	CHECK(strcmp(m.key[2], "") == 0 && strcmp(m.key[3], "ant") == 0);
	strmap_free(&m);
}

static void adding_again_gives_the_same_number(void)
{
	struct strmap m = { 0 };
	strmap_add(&m, "dog");
	strmap_add(&m, "cat");
	CHECK(strmap_add(&m, "cat") == 1);
	CHECK(strmap_add(&m, "dog") == 0);
	CHECK(strmap_add(&m, "cat") == 1);
	CHECK(m.n == 2);
	CHECK(strmap_find(&m, "dog") == 0 && strmap_find(&m, "cat") == 1);
	strmap_free(&m);
}

static void absent_keys_are_not_found(void)
{
	struct strmap m = { 0 };
	CHECK(strmap_find(&m, "dog") == STRMAP_NONE);
	CHECK(strmap_find(&m, "") == STRMAP_NONE);
	strmap_add(&m, "dog");
	CHECK(strmap_find(&m, "cat") == STRMAP_NONE);
	CHECK(strmap_find(&m, "do") == STRMAP_NONE);
	CHECK(strmap_find(&m, "dogs") == STRMAP_NONE);
	CHECK(strmap_find(&m, "") == STRMAP_NONE);
	CHECK(m.n == 1);
	strmap_free(&m);
}

static void many_keys_survive_rehashing(void)
{
	/* 100,000 keys take the table through many doublings. */
	size_t n = 100000;
	struct strmap m = { 0 };
	char key[32];
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		sprintf(key, "class-%zu", i);
		ok = ok && strmap_add(&m, key) == i;
	}
	CHECK(ok);
	CHECK(m.n == n);
	for (size_t i = 0; i < n; i++) {
		sprintf(key, "class-%zu", i);
		ok = ok && strmap_find(&m, key) == i && strmap_add(&m, key) == i &&
		     strcmp(m.key[i], key) == 0;
	}
	CHECK(ok);
	CHECK(m.n == n);
	CHECK(strmap_find(&m, "class-100000") == STRMAP_NONE);
	strmap_free(&m);
}

static void keys_are_copies(void)
{
	struct strmap m = { 0 };
	char buf[8] = "dog";
	CHECK(strmap_add(&m, buf) == 0);
	CHECK(m.key[0] != buf);
	strcpy(buf, "cat");
	CHECK(strcmp(m.key[0], "dog") == 0);
	CHECK(strmap_find(&m, "dog") == 0);
	CHECK(strmap_find(&m, buf) == STRMAP_NONE);
	CHECK(strmap_add(&m, buf) == 1);
	strmap_free(&m);
}

void unit_main(void)
{
	unit_run("strmap: numbers follow first appearance", numbers_follow_first_appearance);
	unit_run("strmap: adding again gives the same number", adding_again_gives_the_same_number);
	unit_run("strmap: absent keys are not found, also in an empty map", absent_keys_are_not_found);
	unit_run("strmap: 100,000 keys survive rehashing", many_keys_survive_rehashing);
	unit_run("strmap: keys are copies of the caller's string", keys_are_copies);
}
