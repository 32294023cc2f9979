#!/usr/bin/env bash
# make bench: simbal beside the peer a user would otherwise pick, in one run,
# on this machine.  Times are wall seconds, rates pairs per second; the ratio
# is always how many times faster simbal is (peer time / simbal time, or
# simbal rate / peer rate).  Peers: Python with PIL and scikit-image
# (python3-pil, python3-skimage) and PyTorch (python3-torch); a row shows
# "-" when one is not installed.
set -euo pipefail
# Numbers with a point whatever the locale: awk reads and prints the
# seconds and rates below, and would use a comma under some locales.
export LC_ALL=C
build=$(cd "${1:-build}" && pwd)
PATH="$build/bin:$PATH"
data=/usr/share/datasets/fashion-mnist
py=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/simbal-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
here=$(cd "$(dirname "$0")" && pwd)

have() { [ -x "$py" ] && "$py" -c "import $1" 2>/dev/null; }

seconds() { # runs "$@", prints wall seconds
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

# row NAME UNIT OURS PEER: for seconds the ratio is peer/ours, for rates
# ours/peer.
row() {
	local ratio=-
	if [ "$4" != - ]; then
		ratio=$(awk -v o="$3" -v p="$4" -v u="$2" \
			'BEGIN { printf "%.2f", u == "s" ? p / o : o / p }')
	fi
	printf '%-40s %-8s %10s %10s %8s\n' "$1" "$2" "$3" "$4" "$ratio"
}

echo "simbal bench: $(nproc) cores, $(date -u +%Y-%m-%d), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
printf '%-40s %-8s %10s %10s %8s\n' stage unit simbal peer ratio

# The ceiling: the processor's AVX-512 multiply-adds on registers alone
# (bench/fma_peak), one core and all of them.
row "FMA peak (AVX-512, registers), 1 core" GFLOP/s "$("$build/bench/fma_peak" 1)" -
row "FMA peak, $(nproc) cores" GFLOP/s "$("$build/bench/fma_peak" "$(nproc)")" -

# Importing and decoding, against PIL.
ours=$(seconds idx2png -q "$data/train-images-idx3-ubyte.gz" "$data/train-labels-idx1-ubyte.gz" "$work/fm")
imgls "$work/fm" >"$work/fm.tsv"
peer=-
have "PIL, numpy" && peer=$(seconds "$py" "$here/peer_idx2png.py" "$data/train-images-idx3-ubyte.gz" "$data/train-labels-idx1-ubyte.gz" "$work/peer")
row "idx2png: 60,000 images to PNG" s "$ours" "$peer"

ours=$(seconds imgcat "$work/fm.tsv")
peer=-
have PIL && peer=$(seconds "$py" "$here/peer_decode.py" "$work/fm.tsv")
row "imgcat: decode 60,000 PNGs" s "$ours" "$peer"

ours=$(seconds imgcat --size 64x64 "$work/fm.tsv")
peer=-
have PIL && peer=$(seconds "$py" "$here/peer_decode.py" --size 64 "$work/fm.tsv")
row "imgcat --size 64x64 (upscale)" s "$ours" "$peer"

# The SSIM kernel on images in memory, one core, against scikit-image.
for c in 1 3; do
	name=$([ $c = 1 ] && echo gray || echo RGB)
	read -r rate _ < <("$build/bench/ssim_kernel" 128 $c $((10000 / c)))
	peer=-
	have skimage && peer=$("$py" "$here/peer_ssim.py" 128 $c $((300 / c)))
	row "SSIM kernel 128x128 $name" pairs/s "$rate" "$peer"
done

# End to end from PNG files: 20,000 images of 128x128, 40,000 random pairs.
head -n 20000 "$work/fm.tsv" | imgcat --size 128x128 | imgsplit "$work/big" >"$work/big.tsv"
supgroup --flat "$work/big.tsv" | imgpairs >"$work/pairs.tsv"
pairs=$(wc -l <"$work/pairs.tsv")
for j in 1 2; do
	# As ssimcls -j does it: long-lived workers, lines numbered and put
	# back in order for meanreduce.
	t=$(seconds sh -c "awk -v OFS='\t' '{ print NR, \$0 }' '$work/pairs.tsv' |
		parallel --pipe --round-robin --block 256k -j $j ssimpair |
		sort -t '$(printf '\t')' -k1,1n | cut -f2- | meanreduce")
	rate=$(awk -v n="$pairs" -v t="$t" 'BEGIN { printf "%.0f", n / t }')
	peer=-
	if have "skimage, PIL"; then
		head -n 1000 "$work/pairs.tsv" >"$work/pairs1k.tsv"
		t=$(seconds "$py" "$here/peer_ssim_files.py" "$work/pairs1k.tsv")
		peer=$(awk -v t="$t" 'BEGIN { printf "%.0f", 1000 / t }')
	fi
	row "ssimpair -j $j: 40,000 pairs from PNG" pairs/s "$rate" "$peer"
done
t=$(seconds ssimcls -j 2 "$work/big.tsv")
row "ssimcls -j 2: 20,000 PNGs (80,000 pairs)" s "$t" -

# The classifier engine: resnet20 at 32x32, batch 128, both cores, against
# PyTorch on CPU with two threads; and what fraction of the machine's sgemm
# peak each reaches (an image's operations times images/s).
percent_of_peak() { # images/s, operations an image, peak GFLOP/s
	[ "$1" = - ] && echo - && return
	awk -v r="$1" -v f="$2" -v p="$3" 'BEGIN { printf "%.0f", 100 * r * f / 1e9 / p }'
}
for c in 1 3; do
	read -r train infer train_flops infer_flops peak < <("$build/bench/nn_bench" resnet20 32 $c 128 5)
	ptrain=- pinfer=-
	have torch && read -r ptrain pinfer < <("$py" "$here/peer_train.py" 32 $c 128 5 2)
	row "resnet20 32x32x$c training, batch 128" images/s "$train" "$ptrain"
	row "  % of sgemm peak ($peak GFLOP/s)" % "$(percent_of_peak "$train" "$train_flops" "$peak")" \
		"$(percent_of_peak "$ptrain" "$train_flops" "$peak")"
	row "resnet20 32x32x$c inference, batch 128" images/s "$infer" "$pinfer"
	row "  % of sgemm peak ($peak GFLOP/s)" % "$(percent_of_peak "$infer" "$infer_flops" "$peak")" \
		"$(percent_of_peak "$pinfer" "$infer_flops" "$peak")"
done

# The conditional GAN at 32x32 (Fashion-MNIST resized), both cores: its
# training (real images shown a second, from gantrain's own log: the
# second and third snapshots' intervals, the first holding warm-up) and
# its sampling (gansample to a PAM stream); no peer.
awk 'NR % 10 == 0' "$work/fm.tsv" >"$work/gan.tsv"
gantrain -q --size 32 --kimg 3.072 --snap 1.024 --log "$work/gan.log" -o "$work/g.ckpt" "$work/gan.tsv"
rate=$(awk -F'\t' 'NR > 1 { s += $6 } END { printf "%.0f", 2048 / s }' "$work/gan.log")
read -r step_flops sample_flops < <("$build/bench/gan_flops" 32 1)
# $peak: the sgemm peak nn_bench measured last
row "cgan 32x32x1 training, batch 64" images/s "$rate" -
row "  % of sgemm peak ($peak GFLOP/s)" % "$(percent_of_peak "$rate" "$step_flops" "$peak")" -
t=$(seconds gansample -c 0 -n 20000 "$work/g.ckpt")
rate=$(awk -v t="$t" 'BEGIN { printf "%.0f", 20000 / t }')
row "cgan 32x32x1 sampling (gansample)" images/s "$rate" -
row "  % of sgemm peak ($peak GFLOP/s)" % "$(percent_of_peak "$rate" "$sample_flops" "$peak")" -

# The diffusion model at 28x28, both cores, against PyTorch running the
# same UNet with two threads (bench/peer_diffusion.py): training images a
# second from difftrain's log (its second interval: the first holds the
# first step's allocations), and sampling at diffsample's defaults (DDIM,
# 25 steps, classifier-free guidance: two passes a step).
difftrain -q --kimg 1.28 --snap 0.64 --sample-steps 2 --cfg 1 --log "$work/d.log" \
	-o "$work/d.ckpt" "$work/gan.tsv"
rate=$(awk -F'\t' 'NR == 2 { printf "%.1f", 640 / $4 }' "$work/d.log")
t=$(seconds diffsample -c 0 -n 64 "$work/d.ckpt")
srate=$(awk -v t="$t" 'BEGIN { printf "%.2f", 64 / t }')
ptrain=- psample=-
have torch && read -r ptrain psample < <("$py" "$here/peer_diffusion.py" 28 1 64 10 64 25 2)
row "unet 28x28x1 training, batch 64" images/s "$rate" "$ptrain"
row "unet 28x28x1 sampling, DDIM 25, cfg" images/s "$srate" "$psample"
# GM-augCls (pipelines/augcls.mk) stage by stage on a fixed small run:
# Fashion-MNIST-LT of 600 images the largest class (ratio 100, 1,425 in
# all) and 1,000 others to validate, the generator 4 kimg, resnet20 2
# epochs; each stage made alone once those before it are.
longtail --ratio 100 --max 600 "$work/fm.tsv" >"$work/lt.tsv"
tail -n 1000 "$work/fm.tsv" >"$work/val.tsv"
aug() {
	make --no-print-directory -s -f "$here/../pipelines/augcls.mk" BIN="$build/bin" \
		DATA="$work/lt.tsv" VAL="$work/val.tsv" OUT="$work/aug" KIMG=4 EPOCHS=2 "$@" 2>/dev/null
}
for stage in gan.ckpt:"gantrain, 4 kimg" c0.ckpt:"clstrain c0, 2 epochs" c0.eval:"clseval c0" \
	metric.tsv:"ssimcls, the training set" s1/gen.tsv:"gansample, imgsplit (quota x 2)" \
	s1/scored.tsv:"clsprob, the drawn images" s1/kept.tsv:"thresh" \
	s1/cls.ckpt:"clstrain s1, 2 epochs"; do
	row "augcls: ${stage#*:}" s "$(seconds aug "$work/aug/${stage%%:*}")" -
done
