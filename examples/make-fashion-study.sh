#!/bin/sh
# Makes, in DIR, the data of the GM-augCls runs of doc/results.md: Fashion-MNIST
# from Debian's dataset-fashion-mnist as PNGs (trn.tsv, test.tsv), its
# long-tailed cut lt.tsv (ratio 100, classes in label order), three
# long-tailed subsets of classes unlike in their similarity (tops,
# footwear, mixed: NAME.lt.tsv to train, NAME.test.tsv to validate),
# study.tsv, the four for pipelines/study.mk, and deepsmote.tsv, the
# training images of DeepSMOTE's Fashion-MNIST protocol (Dablain et al.
# 2023: 4000, 2000, ... 40 in label order, fashion-deepsmote-counts.tsv).
# Usage: examples/make-fashion-study.sh DIR [BUILD]   (from the top directory)
set -eu
[ $# -ge 1 ] || { echo "usage: $0 DIR [BUILD]" >&2; exit 2; }
top=$(pwd)
bin=$(cd "${2:-build}/bin" && pwd)
data=/usr/share/datasets/fashion-mnist
mkdir -p "$1"
cd "$1"
"$bin/idx2png" -q --names "$top/examples/fashion-names.tsv" \
	"$data/train-images-idx3-ubyte.gz" "$data/train-labels-idx1-ubyte.gz" trn >trn.tsv
"$bin/idx2png" -q --names "$top/examples/fashion-names.tsv" \
	"$data/t10k-images-idx3-ubyte.gz" "$data/t10k-labels-idx1-ubyte.gz" tst >test.tsv
cut -f2 "$top/examples/fashion-names.tsv" >order
"$bin/longtail" --order order --ratio 100 --seed 1 trn.tsv >lt.tsv
"$bin/longtail" --counts "$top/examples/fashion-deepsmote-counts.tsv" --seed 1 trn.tsv >deepsmote.tsv
hier="$top/examples/fashion-hier.tsv"
printf 'all10\tlt.tsv\ttest.tsv\t%s\n' "$hier" >study.tsv
# subset NAME CLASS...: the classes' images, long-tailed in the order given
subset() {
	name=$1
	shift
	printf '%s\n' "$@" >"$name.classes"
	awk -F'\t' 'NR == FNR { k[$0]; next } $2 in k' "$name.classes" trn.tsv >"$name.trn.tsv"
	awk -F'\t' 'NR == FNR { k[$0]; next } $2 in k' "$name.classes" test.tsv >"$name.test.tsv"
	"$bin/longtail" --order "$name.classes" --ratio 100 --seed 1 "$name.trn.tsv" >"$name.lt.tsv"
	printf '%s\t%s.lt.tsv\t%s.test.tsv\t%s\n' "$name" "$name" "$name" "$hier" >>study.tsv
}
subset tops T-shirt-top Pullover Coat Shirt
subset footwear Sandal Sneaker 'Ankle boot'
subset mixed Trouser Bag Sandal Dress
