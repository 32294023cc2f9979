#!/usr/bin/env bash
# make bench-scale: ssimcls on SCALE_IMAGES (default 200,000) synthetic
# 64x64 PNGs with -j 1 and -j 2: pairs per second, the speed-up, and the
# peak resident memory of the largest process of the run (GNU time's %M:
# the largest over the process tree), which must not grow with the number
# of pairs: a quarter of the images with 2 and with 8 pairs an image shows
# it (what grows with the images is ssimpair's cache of decoded images,
# 512 MB at most by default).  Both -j give the same answer, or the
# benchmark fails.
set -euo pipefail
# Numbers with a point whatever the locale: awk reads and prints the
# seconds and rates below, and would use a comma under some locales.
export LC_ALL=C
build=$(cd "${1:-build}" && pwd)
PATH="$build/bin:$PATH"
n=${SCALE_IMAGES:-200000}
[[ $n =~ ^[1-9][0-9]*$ ]] && [ "$n" -ge 40 ] || {
	echo "bench-scale: SCALE_IMAGES='$n' is not a whole number of 40 or more" >&2
	exit 2
}
work=$(mktemp -d "${TMPDIR:-/tmp}/simbal-bench-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Runs ssimcls -j JOBS -k K on MANIFEST; prints seconds, peak KB and pairs
# (over the super-classes, each class its own here, and the whole set).
measure() {
	local jobs=$1 k=$2 manifest=$3 out=$work/out.$1.$2.$(basename "$3")
	/usr/bin/time -f '%e %M' -o "$work/time" ssimcls -j "$jobs" -k "$k" --groups "$manifest" >"$out"
	read -r secs kb <"$work/time"
	# The whole set's pairs are k per image, as each class's.
	pairs=$(awk -F'\t' '$1 == "group" { p += $5 } END { print 2 * p }' "$out")
	echo "$secs $kb $pairs"
}

echo "simbal bench-scale: $(nproc) cores, $(date -u +%Y-%m-%d), $n images of 64x64"
t0=$(date +%s.%N)
synth_images "$n" 64 | imgsplit "$work/img" >"$work/all.tsv"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "synth_images | imgsplit: %d PNGs in %.1f s\n", n, b - a }'
head -n $((n / 4)) "$work/all.tsv" >"$work/quarter.tsv"

printf '%-26s %10s %10s %10s %8s %12s\n' run pairs seconds pairs/s speedup 'peak MB'
base=
for run in "1 2 all" "2 2 all" "2 2 quarter" "2 8 quarter"; do
	read -r jobs k set <<<"$run"
	read -r secs kb pairs < <(measure "$jobs" "$k" "$work/$set.tsv")
	rate=$(awk -v p="$pairs" -v s="$secs" 'BEGIN { printf "%.0f", p / s }')
	# The speed-up over -j 1 on the same set; the quarter is for memory.
	[ -n "$base" ] || base=$rate
	speedup=-
	[ "$set" = quarter ] || speedup=$(awk -v r="$rate" -v b="$base" 'BEGIN { printf "%.2f", r / b }')
	printf '%-26s %10s %10s %10s %8s %12.1f\n' "ssimcls -j $jobs -k $k, $set" "$pairs" "$secs" \
		"$rate" "$speedup" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
done
if cmp -s "$work/out.1.2.all.tsv" "$work/out.2.2.all.tsv"; then
	echo "-j 1 and -j 2: the same output, byte for byte"
else
	echo "bench-scale: -j 1 and -j 2 gave different outputs" >&2
	diff "$work/out.1.2.all.tsv" "$work/out.2.2.all.tsv" >&2 || true
	exit 1
fi
