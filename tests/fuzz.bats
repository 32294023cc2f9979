#!/usr/bin/env bats
# The parser harnesses of make fuzz (fuzz/), replayed over the committed
# corpus in this build (under SAN=1: with ASan and UBSan), so that every
# input the fuzzer once found stays a regression test.

load helper

CORPUS="$BATS_TEST_DIRNAME/../fuzz/corpus"
HARNESS="$SIMBAL_BIN/../fuzz"

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w"
}

# Runs harness NAME over every input of its corpus.
replay() {
	local n
	n=$(find "$CORPUS/$1" -type f | wc -l)
	[ "$n" -gt 0 ]
	run --separate-stderr "$HARNESS/fuzz_$1" "$CORPUS/$1"/*
	assert_success
	assert_output "replayed $n inputs"
}

@test "fuzz: the image decoders replay their corpus" {
	replay image
}

@test "fuzz: the PAM stream reader replays its corpus" {
	replay pam
}

@test "fuzz: the TSV reader replays its corpus" {
	replay tsv
}

@test "fuzz: the IDX reader replays its corpus" {
	replay idx
}

@test "fuzz: the checkpoint reader replays its corpus" {
	replay ckpt
}

@test "fuzz: the seed images are valid: imgcat decodes each" {
	for f in "$CORPUS"/image/*; do
		printf '%s\tseed\n' "$f"
	done >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_success
	[ "$(grep -ac '^ENDHDR$' <<<"$output")" -eq "$(wc -l <m.tsv)" ]
}

@test "fuzz: the seed checkpoints are valid: clsprob classifies with each" {
	{ printf 'P5\n8 8\n255\n'; head -c 64 /dev/zero | tr '\0' x; } >x.pgm
	printf 'x.pgm\tc0\n' >m.tsv
	for f in "$CORPUS"/ckpt/*.ckpt; do
		run --separate-stderr clsprob "$f" m.tsv
		assert_success
		assert_output --regexp $'^x\\.pgm\tc0\tc[01]\t'
	done
}

# Found by make fuzz: an image file of 0 channels and 1.5e9 items made
# the harness read 0-byte items until the timeout (idx2png refused it; the
# harness now shares idx2png's check).  Refused at once.
@test "fuzz: an IDX image file of 0 channels is refused before any item" {
	printf '\0\0\10\1\0\0\0\1\0' >lab.idx
	run --separate-stderr idx2png "$CORPUS"/idx/timeout-4732b522f97c5d547dabf81fd21c3405fc1b32aa lab.idx O
	assert_failure 1
	assert_regex "$stderr" '^idx2png: .*timeout-4732b522f97c5d547dabf81fd21c3405fc1b32aa: expected IDX images of N x rows x cols \(x 1 or 3 channels\)$'
	[ ! -e O ]
}
