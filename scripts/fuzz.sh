#!/bin/sh
# Runs each libFuzzer harness of BUILD/fuzz (make FUZZ=1 fuzz-bins) for
# SECONDS, starting from the committed corpus fuzz/corpus/NAME.  The inputs
# it finds worth keeping go to BUILD/fuzz-work/NAME, never into the
# repository; an input that crashes, leaks, exhausts memory or hangs is
# saved under BUILD/fuzz-artifacts/NAME/ and fails the run.  One line per
# harness; a log each in BUILD/fuzz-work/NAME.log.
#   scripts/fuzz.sh build/libfuzzer 60
set -u
build=${1:?usage: fuzz.sh BUILD SECONDS}
seconds=${2:?usage: fuzz.sh BUILD SECONDS}
case $seconds in
'' | *[!0-9]* | 0) echo "fuzz.sh: FUZZ_SECONDS='$seconds' is not a positive integer" >&2; exit 2 ;;
esac
failed=0
for harness in "$build"/fuzz/fuzz_*; do
	name=${harness##*/fuzz_}
	work=$build/fuzz-work/$name
	artifacts=$build/fuzz-artifacts/$name/
	log=$work.log
	mkdir -p "$work" "$artifacts"
	# The harnesses cap images at 2^20 pixels: no input needs more than a
	# few MB at once, so a larger allocation is a header trusted too far.
	if "$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-malloc_limit_mb=256 -print_final_stats=1 -artifact_prefix="$artifacts" \
		"$work" "fuzz/corpus/$name" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
		printf '%-6s ok      %s inputs in %s s, %s edges, %s inputs kept\n' "$name" \
			"$runs" "$seconds" "${cov#cov: }" "$(ls "$work" | wc -l)"
	else
		printf '%-6s FAILED  %s\n' "$name" \
			"$(grep -m 1 -E 'ERROR|Test unit written' "$log" || tail -n 1 "$log")"
		printf '        log %s, input in %s\n' "$log" "$artifacts"
		failed=1
	fi
done
exit $failed
