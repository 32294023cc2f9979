#!/usr/bin/env bats
# The tree's shape: lib/'s folders are layers, each using only those below
# it, and only cli/ ends a program (scripts/layers.sh, also run by make
# lint).

load helper

TOP="$BATS_TEST_DIRNAME/.."

@test "layout: every include in lib/ names its folder and goes down the layers; no die below cli/" {
	run "$TOP/scripts/layers.sh"
	assert_success
	assert_output ""
}

@test "layout: an include up the layers, or without its folder, is found" {
	cp -r "$TOP/lib" "$BATS_TEST_TMPDIR/lib"
	local lib="$BATS_TEST_TMPDIR/lib"
	printf '#include "learn/gan.h"\n' >>"$lib/img/pam.c"
	run --separate-stderr "$TOP/scripts/layers.sh" "$lib"
	assert_failure 1
	assert_equal "$stderr" "layers: lib/img/pam.c includes learn/, a layer not below img/"
	cp "$TOP/lib/img/pam.c" "$lib/img/pam.c"
	printf '#include "ssim.h"\n' >>"$lib/nn/nn.c"
	printf '#include "metric/ssim.h"\n' >>"$lib/nn/model.c"
	run --separate-stderr "$TOP/scripts/layers.sh" "$lib"
	assert_failure 1
	assert_equal "${stderr_lines[0]}" "layers: lib/nn/model.c includes metric/, a layer not below nn/"
	assert_equal "${stderr_lines[1]}" "layers: lib/nn/nn.c: an include without its folder"
}

@test "layout: a die or exit below cli/ is found; cli/'s and base/mem's are allowed" {
	cp -r "$TOP/lib" "$BATS_TEST_TMPDIR/lib"
	local lib="$BATS_TEST_TMPDIR/lib"
	printf 'static void f(void) { die_at("f", 1, "x"); }\n' >>"$lib/io/tsv.c"
	printf 'static void g(void) {\n\tif (1)\n\t\texit(1);\n}\n' >>"$lib/base/rng.c"
	# a forked child's _exit, and cli/, are not the library's errors
	printf 'static void l(void) { die_line_error("f", &e); }\n' >>"$lib/img/records.c"
	printf 'static void h(void) { _exit(127); }\n' >>"$lib/img/pam.c"
	printf 'static void k(void) { die_usage("x"); }\n' >>"$lib/cli/cli.c"
	run --separate-stderr "$TOP/scripts/layers.sh" "$lib"
	assert_failure 1
	assert_equal "${stderr_lines[0]}" "layers: lib/base/rng.c:$(($(wc -l <"$lib/base/rng.c") - 1)): exit ends the program below cli/; return the error"
	assert_equal "${stderr_lines[1]}" "layers: lib/img/records.c:$(wc -l <"$lib/img/records.c"): die_line_error ends the program below cli/; return the error"
	assert_equal "${stderr_lines[2]}" "layers: lib/io/tsv.c:$(wc -l <"$lib/io/tsv.c"): die_at ends the program below cli/; return the error"
	assert_equal "${#stderr_lines[@]}" 3
}
