#!/usr/bin/env bash
# golden.sh BUILD WORKDIR: a fixed small run of every program and of the
# augcls pipeline on examples/fashion-lt, printing the SHA-256 of each
# output (manifests, PAM streams, checkpoints, logs without their timings,
# reports, figures), then of each checkpoint's tensors (its table and
# data: all but the header and the CRC, simbal-checkpoint(5)), which stay
# the same where only the header changes.  A change meant to keep
# behaviour (a refactor) must print the same lines before and after it, on
# the same machine:
#
#   scripts/golden.sh build /tmp/g-new >new.txt   # and at the old commit
#   diff old.txt new.txt
#
# Takes a few minutes on two cores.  The programs come from BUILD/bin, the
# pipelines from this checkout.
set -euo pipefail
export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${1:?usage: golden.sh BUILD WORKDIR}/bin" && pwd)
work=${2:?usage: golden.sh BUILD WORKDIR}
mkdir -p "$work"
cd "$work"
rm -rf ./*
PATH="$bin:$PATH"
ex="$top/examples"

# The timing column (seconds) of clstrain's and gantrain's logs varies.
untimed() { awk -F'\t' -v OFS='\t' '{ $6 = "-"; print }' "$1"; }
sum() { sha256sum "$@"; }

# a copy, so that the manifests' paths do not depend on the checkout's
cp -r "$ex/fashion-lt" fashion-lt
imgls fashion-lt >m.tsv
longtail --ratio 10 --seed 3 m.tsv >lt.tsv
quota lt.tsv >quota.tsv
classcount lt.tsv >count.tsv
imgcat --size 16x16 lt.tsv >lt.pam
imgcat --gray --size 20x12 m.tsv | imgrid --per-label 4 --captions -o sheet.png
ssimcls -H "$ex/fashion-hier.tsv" --groups m.tsv >ssimcls.tsv
supgroup "$ex/fashion-hier.tsv" m.tsv | imgpairs -k 1 | ssimpair >pairs.tsv
meanreduce -g 1 -f 4 pairs.tsv >means.tsv
expfit "$top/tests/fixtures/paper-table5.tsv" >expfit.tsv
sum m.tsv lt.tsv quota.tsv count.tsv lt.pam sheet.png ssimcls.tsv pairs.tsv means.tsv expfit.tsv

tiny=(--arch resnet20 --width-mult 0.25 --size 16x16 --batch 16 -q)
clstrain "${tiny[@]}" -e 2 --augment --val lt.tsv --best best.ckpt --log cls.log -o cls.ckpt m.tsv
clstrain "${tiny[@]}" -e 2 --loss cb --optimizer adamw --lr 0.001 -o cb.ckpt m.tsv
clstrain "${tiny[@]}" -e 1 --oversample -o resumed.ckpt m.tsv
clstrain "${tiny[@]}" -e 2 --oversample --resume -o resumed.ckpt m.tsv
untimed cls.log >cls.log.untimed
clseval --per-class --confusion confusion.tsv cls.ckpt m.tsv >eval.tsv
clsprob cls.ckpt m.tsv >prob.tsv
clsprob --all best.ckpt lt.pam >prob-all.tsv
clsfeat cls.ckpt m.tsv >feat.tsv
sum cls.ckpt best.ckpt cb.ckpt resumed.ckpt cls.log.untimed eval.tsv confusion.tsv prob.tsv \
	prob-all.tsv feat.tsv

gtiny=(--size 16 --width-mult 0.5 --batch 16 -q)
gantrain "${gtiny[@]}" --kimg 0.128 --snap 0.064 --log gan.log --fid-model cls.ckpt -o gan.ckpt m.tsv
gantrain "${gtiny[@]}" --kimg 0.064 --arch rgan -o rgan.ckpt m.tsv
untimed gan.log >gan.log.untimed
gansample -c Bag -n 16 gan.ckpt >bag.pam
gansample --quota quota.tsv --truncation 0.5 --seed 2 gan.ckpt >quota.pam
gansample -n 8 -c Trouser rgan.ckpt >rgan.pam
fid -m cls.ckpt m.tsv lt.tsv >fid.tsv
clsprob cls.ckpt quota.pam | thresh -a 0.1 --quota quota.tsv >kept.tsv 2>thresh.err || true
sum gan.ckpt gan.ckpt.png rgan.ckpt gan.log.untimed bag.pam quota.pam rgan.pam fid.tsv kept.tsv \
	thresh.err

# The pipeline, as tests/augcls.bats runs it small.
make --no-print-directory -s -f "$top/pipelines/augcls.mk" BIN="$bin" DATA=lt.tsv VAL=m.tsv \
	OUT=aug EPOCHS=1 KIMG=0.064 ALPHA=0.3 GANTRAIN="--size 12 --width-mult 0.5 --batch 16" \
	CLSTRAIN="--size 12x12 --width-mult 0.25 --batch 8" augcls baselines >/dev/null 2>&1
augreport --html aug.html aug >report.tsv
(cd aug && find . -type f ! -name '*.log' -printf '%P\n' | sort) | while read -r f; do
	sum "aug/$f"
done
for f in aug/*.log aug/*/*.log; do
	[ -f "$f" ] && untimed "$f" | sha256sum | sed "s|-\$|$f (untimed)|"
done
sum report.tsv aug.html

# The tensors of each checkpoint: from the table after the header (whose
# length is the 4 bytes at offset 12) to the CRC (the last 4 bytes).
tensors() {
	local f=$1 hlen size
	hlen=$(od -An -tu4 -j12 -N4 "$f" | tr -d ' ')
	size=$(stat -c %s "$f")
	tail -c +$((17 + hlen)) "$f" | head -c $((size - 20 - hlen)) | sha256sum | sed "s|-\$|$f (tensors)|"
}
find . -name '*.ckpt' -printf '%P\n' | sort | while read -r f; do
	tensors "$f"
done
