#!/bin/bash
# Judges a generator's samples as doc/results.md reports them: for each
# class, the share the judge (a classifier) gives their class, the share
# of near-copies (SSIM to the nearest training image of the class >= 0.9,
# over the first NEAR samples of the class) and the variety (the mean SSIM
# of random pairs of samples of the class, beside that of the training
# images of the class); and FID-cls of all the samples against the test
# set on the judge's features.
# Usage: examples/judge-samples.sh JUDGE TRAIN TEST DIR [NEAR] <samples.pam
#   (from the top directory, the programs on PATH; the samples: labelled
#   PAM frames, from gansample or diffsample)
# Writes DIR/gen.tsv (the samples as files), DIR/judged.tsv (clsprob),
# DIR/near.tsv (sample, its nearest training image, their SSIM) and
# prints class<TAB>judged<TAB>near_copies<TAB>variety<TAB>real_variety
# lines, then fid<TAB>FID-cls.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 JUDGE TRAIN TEST DIR [NEAR] <samples.pam" >&2; exit 2; }
judge=$1 train=$2 test=$3 dir=$4 near=${5:-100}
export LC_ALL=C
mkdir -p "$dir"
imgsplit "$dir/img" >"$dir/gen.tsv"
clsprob "$judge" "$dir/gen.tsv" >"$dir/judged.tsv"
# every pair of one of the first NEAR samples of a class and a training
# image of the class; the largest SSIM of each sample
awk -F'\t' -v near="$near" 'NR == FNR { if (k[$2]++ < near) s[$2] = s[$2] $1 "\n"; next }
	$2 in s { n = split(s[$2], a, "\n"); for (i = 1; i < n; i++) print $2 "\t" a[i] "\t" $1 }' \
	"$dir/gen.tsv" "$train" | ssimpair | sort -t "$(printf '\t')" -k2,2 -k4,4gr |
	awk -F'\t' '$2 != last { print; last = $2 }' >"$dir/near.tsv"
ssimcls --groups "$dir/gen.tsv" | awk -F'\t' '$1 == "group" { print $2 "\t" $3 }' >"$dir/variety.tsv"
ssimcls --groups "$train" | awk -F'\t' '$1 == "group" { print $2 "\t" $3 }' >"$dir/real-variety.tsv"
awk -F'\t' 'FILENAME ~ /judged/ { n[$2]++; ok[$2] += $3 == $2; next }
	FILENAME ~ /near/ { m[$1]++; copy[$1] += $4 >= 0.9; next }
	FILENAME ~ /real-variety/ { rv[$1] = $2; next }
	{ v[$1] = $2 }
	END { for (c in n) printf "%s\t%.3f\t%.3f\t%.3f\t%.3f\n", c, ok[c] / n[c],
		m[c] ? copy[c] / m[c] : 0, v[c], rv[c] }' \
	"$dir/judged.tsv" "$dir/near.tsv" "$dir/real-variety.tsv" "$dir/variety.tsv" | sort
fid -m "$judge" "$dir/gen.tsv" "$test" | awk -F'\t' '$1 == "fid"'
