#!/bin/sh
# layers.sh [LIB]: lib/'s folders are layers, each using only those below
# it (make lint; tests/layout.bats).  An include of another folder's
# header is allowed only downward; metric and nn stand side by side and
# use neither the other.  Below cli/, code returns its errors: only cli/
# (and the programs) end a program, with die, die_at, die_usage,
# die_line_error or exit, which base/err defines; base/mem's die when
# memory runs out is the one exception.
#
#   base    errors, memory, numbers, rng, string maps, paths, cleanup,
#           progress
#   io      TSV records, counts, outputs that appear whole, plots
#   img     images, their codecs, PAM streams, image records, sheets
#   metric  SSIM, the exponential fit, classification scores
#   nn      the network engine: layers, kernels, models and their
#           architectures, optimizers, checkpoints
#   learn   datasets, classifiers, the classifier's and the GAN's
#           training, the diffusion process, FID
#   cli     what programs share: options, --help, standard streams, and the
#           forms of library calls that end a program when they fail
set -eu
cd "${1:-$(dirname "$0")/../lib}"
rank() {
	case $1 in
	base) echo 0 ;; io) echo 1 ;; img) echo 2 ;; metric | nn) echo 3 ;;
	learn) echo 4 ;; cli) echo 5 ;; *) echo "layers: lib/$1: a folder of no layer" >&2; exit 1 ;;
	esac
}
bad=0
for f in */*.[ch]; do
	from=${f%%/*}
	r=$(rank "$from")
	for to in $(sed -n 's|^#include "\([a-z]*\)/.*|\1|p' "$f" | sort -u); do
		[ "$to" = "$from" ] && continue
		if [ "$(rank "$to")" -ge "$r" ]; then
			echo "layers: lib/$f includes $to/, a layer not below $from/" >&2
			bad=1
		fi
	done
	if grep -q '^#include "[^/"]*"' "$f"; then
		echo "layers: lib/$f: an include without its folder" >&2
		bad=1
	fi
	case $f in
	cli/* | base/err.[ch] | base/mem.c) continue ;;
	esac
	for hit in $(grep -noE '(^|[^_[:alnum:]])(die|die_at|die_usage|die_line_error|exit)[[:space:]]*\(' "$f" |
		sed 's/:[^[:alpha:]]*/:/; s/[[:space:]]*($//'); do
		echo "layers: lib/$f:${hit%%:*}: ${hit#*:} ends the program below cli/; return the error" >&2
		bad=1
	done
done
exit $bad
