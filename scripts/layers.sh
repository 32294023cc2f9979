#!/bin/sh
# layers.sh [LIB]: lib/'s folders are layers, each using only those below
# it (make lint; tests/layout.bats).  An include of another folder's header is allowed only
# downward; metric and nn stand side by side and use neither the other.
#
#   base    errors, memory, numbers, rng, string maps, cleanup, progress
#   io      TSV records, counts, outputs that appear whole, plots
#   img     images, their codecs, PAM streams, image records, sheets
#   metric  SSIM, the exponential fit
#   nn      the network engine: layers, models, optimizers, checkpoints
#   learn   datasets, classifiers, the GAN, FID
#   cli     what programs share: options, --help, standard streams
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
done
exit $bad
