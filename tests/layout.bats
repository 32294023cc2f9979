#!/usr/bin/env bats
# The tree's shape: lib/'s folders are layers, each using only those below
# it (scripts/layers.sh, also run by make lint).

load helper

TOP="$BATS_TEST_DIRNAME/.."

@test "layout: every include in lib/ names its folder and goes down the layers" {
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
