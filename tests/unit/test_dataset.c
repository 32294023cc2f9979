/* Unit tests of lib/learn/dataset: the per-class index and the lookup of
 * classes by name. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/strmap.h"
#include "learn/dataset.h"
#include "unit.h"

static void classes_found_by_name(void)
{
	char *classes[] = { "Trouser", "Bag", "Coat" };
	struct strmap map;
	class_map(&map, classes, 3);
	CHECK(class_find(&map, "Trouser") == 0);
	CHECK(class_find(&map, "Bag") == 1);
	CHECK(class_find(&map, "Coat") == 2);
	CHECK(class_find(&map, "Shirt") == -1);
	CHECK(class_find(&map, "bag") == -1);
	strmap_free(&map);
	struct strmap none;
	class_map(&none, classes, 0);
	CHECK(class_find(&none, "Bag") == -1);
	strmap_free(&none);
}

/* Seven images of three classes and one of a class not in the list. */
static void index_counts_and_lists_each_class(void)
{
	int labels[] = { 2, 0, 2, -1, 1, 2, 0, 2 };
	struct dataset d = { .n = 8, .nclasses = 3 };
	d.label = xmalloc(sizeof labels);
	memcpy(d.label, labels, sizeof labels);
	d.classes = xcalloc(3, sizeof *d.classes);
	for (int c = 0; c < 3; c++)
		d.classes[c] = xstrdup("x");
	dataset_index_classes(&d);
	CHECK(d.count[0] == 2 && d.count[1] == 1 && d.count[2] == 4);
	CHECK(d.members[0][0] == 1 && d.members[0][1] == 6);
	CHECK(d.members[1][0] == 4);
	CHECK(d.members[2][0] == 0 && d.members[2][1] == 2 && d.members[2][2] == 5 &&
	      d.members[2][3] == 7);
	dataset_free(&d);
	CHECK(d.count == NULL && d.members == NULL);
}

void unit_main(void)
{
	unit_run("dataset: classes found by name, unknown ones -1", classes_found_by_name);
	unit_run("dataset: the per-class index counts and lists each class in order",
		 index_counts_and_lists_each_class);
}
