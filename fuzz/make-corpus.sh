#!/bin/sh
# Writes the seed corpus of the parser harnesses, fuzz/corpus/<harness>/:
# small valid inputs of every kind each parser takes, so that the fuzzer
# starts from inside the formats.  Needs the programs built (make) and
# netpbm, libjpeg-turbo-progs and gzip.  Run from the top directory:
#   sh fuzz/make-corpus.sh build
# Inputs that make fuzz finds to crash a parser are added by hand, once
# fixed, under their artifact names (crash-*, oom-*, timeout-*).
set -eu
bin=$(cd "${1:-build}/bin" && pwd)
out=fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out/image" "$out/pam" "$out/tsv" "$out/idx" "$out/ckpt"

# A 6x5 gray ramp and a 4x3 colour picture, as plain netpbm.
printf 'P2\n6 5\n255\n' >"$tmp/gray.pgm"
seq 0 8 232 | tr '\n' ' ' >>"$tmp/gray.pgm"
printf 'P3\n4 3\n255\n255 0 0 0 255 0 0 0 255 9 9 9\n1 2 3 4 5 6 7 8 9 10 11 12\n200 100 50 25 12 6 3 1 0 128 64 32\n' >"$tmp/rgb.ppm"

# Images: PNG of each colour type, depth, palette, alpha and interlacing;
# JPEG gray, colour, progressive and with restart markers; binary netpbm
# and PAM.
pnmtopng "$tmp/gray.pgm" >"$out/image/gray8.png"
pnmtopng -interlace "$tmp/rgb.ppm" >"$out/image/rgb-interlaced.png"
# (+1: values that 8 bits cannot hold, so that pnmtopng keeps 16.)
pamdepth 65535 "$tmp/rgb.ppm" | pamfunc -adder=1 | pnmtopng >"$out/image/rgb16.png"
pnmtopng -force "$tmp/rgb.ppm" >"$out/image/rgb8.png"
pnmtopng "$tmp/rgb.ppm" >"$out/image/palette.png"
pnmtopng -force -alpha="$tmp/gray.pgm" "$tmp/gray.pgm" >"$out/image/gray-alpha.png"
cjpeg -quality 90 "$tmp/gray.pgm" >"$out/image/gray.jpg"
cjpeg -quality 90 "$tmp/rgb.ppm" >"$out/image/rgb.jpg"
cjpeg -progressive "$tmp/rgb.ppm" >"$out/image/progressive.jpg"
# (a restart marker after each MCU)
pamcat -lr "$tmp/gray.pgm" "$tmp/gray.pgm" "$tmp/gray.pgm" | cjpeg -restart 1b >"$out/image/restart.jpg"
pnmtopnm <"$tmp/gray.pgm" >"$out/image/gray.pgm"
pnmtopnm <"$tmp/rgb.ppm" >"$out/image/rgb.ppm"
pamtopam <"$tmp/rgb.ppm" >"$out/image/rgb.pam"

# PAM streams: labelled frames as imgcat writes them, several in a row,
# binary PGM and PPM frames, a maxval to rescale, an alpha plane.
printf '%s\tcat\n%s\tdog\n' "$out/image/gray8.png" "$out/image/rgb.jpg" >"$tmp/m.tsv"
"$bin/imgcat" "$tmp/m.tsv" >"$out/pam/labelled.pam"
"$bin/imgcat" -c -s 3x2 "$tmp/m.tsv" >"$out/pam/rgb-resized.pam"
cat "$out/image/gray.pgm" "$out/image/rgb.ppm" >"$out/pam/pgm-ppm.pnm"
pamdepth 1000 "$tmp/rgb.ppm" | pamtopam >"$out/pam/maxval1000.pam"
printf 'P7\nWIDTH 2\nHEIGHT 1\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\n# label a b\n# id x/y.png\nENDHDR\n\001\377\002\200' \
	>"$out/pam/gray-alpha.pam"

# Records: manifests with more fields, spaces in classes, no final newline.
printf 'a.png\tcat\nb.png\tdog\t0.5\n' >"$out/tsv/manifest.tsv"
printf 'dir/x y.png\tT-shirt/top\textra\tfields\n\n' >"$out/tsv/fields.tsv"
printf 'last.png\tBag' >"$out/tsv/no-newline.tsv"

# IDX: labels and images (gray and RGB), plain and gzip.
printf '\0\0\10\1\0\0\0\3\0\1\2' >"$out/idx/labels.idx"
printf '\0\0\10\3\0\0\0\2\0\0\0\2\0\0\0\3abcdefghijkl' >"$out/idx/images.idx"
printf '\0\0\10\4\0\0\0\1\0\0\0\1\0\0\0\2\0\0\0\3abcdef' >"$out/idx/rgb.idx"
gzip -9n <"$out/idx/labels.idx" >"$out/idx/labels.idx.gz"
gzip -9n <"$out/idx/images.idx" >"$out/idx/images.idx.gz"

# Checkpoints: a narrow ResNet-20 after one epoch, with SGD and with Adam
# state.
for i in 1 2 3 4; do
	printf '%s\t%s\n' "$out/image/gray8.png" "c$((i % 2))"
done >"$tmp/train.tsv"
"$bin/clstrain" -q -o "$out/ckpt/sgd.ckpt" --width-mult 0.125 -s 8x8 -e 1 -b 2 "$tmp/train.tsv"
"$bin/clstrain" -q -o "$out/ckpt/adam.ckpt" --width-mult 0.125 -s 8x8 -e 1 -b 2 \
	--optimizer adam "$tmp/train.tsv"
