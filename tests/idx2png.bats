#!/usr/bin/env bats
# idx2png IMAGES LABELS OUTDIR: MNIST-format IDX files -> ImageFolder PNGs.

load helper
bats_require_minimum_version 1.5.0

FASHION=/usr/share/datasets/fashion-mnist

# Work in a directory of our own: bats keeps its own files (the stderr of
# run --separate-stderr) in BATS_TEST_TMPDIR.
setup() {
	mkdir "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w"
}

# Three 2-row x 3-column images with known bytes, labels 1 0 1.
#   image 0: 00 10 20 30 40 ff
#   image 1: 01 02 03 fe fd fc
#   image 2: 80 81 82 83 84 85
make_idx() {
	printf '\x00\x00\x08\x03\x00\x00\x00\x03\x00\x00\x00\x02\x00\x00\x00\x03' >img.idx
	printf '\x00\x10\x20\x30\x40\xff' >>img.idx
	printf '\x01\x02\x03\xfe\xfd\xfc' >>img.idx
	printf '\x80\x81\x82\x83\x84\x85' >>img.idx
	printf '\x00\x00\x08\x01\x00\x00\x00\x03\x01\x00\x01' >lab.idx
}

# The raster of image N of make_idx, as od prints it.
pixels_of() {
	case $1 in
	0) printf '\x00\x10\x20\x30\x40\xff' ;;
	1) printf '\x01\x02\x03\xfe\xfd\xfc' ;;
	2) printf '\x80\x81\x82\x83\x84\x85' ;;
	esac | od -An -tx1
}

# The raster of a PNG (its netpbm form without the header), as od prints it.
png_pixels() {
	local bytes=$2
	pngtopam "$1" | tail -c "$bytes" | od -An -tx1
}

expected_manifest() {
	printf '%s\t%s\n' O/0/1.png 0 O/1/0.png 1 O/1/2.png 1
}

# Nothing named OUTDIR nor any hidden temporary beside it.
assert_no_outdir() {
	[ ! -e O ] || fail "O exists"
	assert_equal "$(ls -A | grep '^\.O')" ""
}

@test "idx2png: standard options" {
	check_standard_options idx2png
}

@test "idx2png: exact manifest, quiet stderr" {
	make_idx
	run --separate-stderr idx2png img.idx lab.idx O
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(expected_manifest)"
	# Exactly these files, nothing else, no temporary left.
	run bash -c 'find O | sort'
	assert_output "$(printf '%s\n' O O/0 O/0/1.png O/1 O/1/0.png O/1/2.png)"
	run ls -A
	assert_output "$(printf '%s\n' O img.idx lab.idx)"
}

@test "idx2png: exact pixels" {
	make_idx
	idx2png img.idx lab.idx O >/dev/null
	run bash -c 'pngtopam O/1/0.png | pamfile'
	assert_output --partial "PGM raw, 3 by 2  maxval 255"
	assert_equal "$(png_pixels O/1/0.png 6)" "$(pixels_of 0)"
	assert_equal "$(png_pixels O/0/1.png 6)" "$(pixels_of 1)"
	assert_equal "$(png_pixels O/1/2.png 6)" "$(pixels_of 2)"
	# The whole netpbm form, header included.
	printf 'P5\n3 2\n255\n\x80\x81\x82\x83\x84\x85' >want.pgm
	pngtopam O/1/2.png >got.pgm
	cmp want.pgm got.pgm
}

@test "idx2png: gzip input gives the same tree" {
	make_idx
	idx2png img.idx lab.idx P >/dev/null
	gzip -k img.idx
	gzip -k lab.idx
	run --separate-stderr idx2png img.idx.gz lab.idx.gz O
	assert_success
	assert_output "$(expected_manifest)"
	for f in 0/1.png 1/0.png 1/2.png; do
		cmp <(pngtopam "O/$f") <(pngtopam "P/$f")
	done
	# Mixed: gzip images, plain labels.
	run --separate-stderr idx2png img.idx.gz lab.idx Q
	assert_success
	assert_equal "${lines[2]}" "$(printf 'Q/1/2.png\t1')"
}

@test "idx2png: the output tree is what imgls lists, zero-padded numbers" {
	# 12 images of 1x2, labels i % 11: classes 0..10 ("10" sorts before "2").
	{
		printf '\x00\x00\x08\x03\x00\x00\x00\x0c\x00\x00\x00\x01\x00\x00\x00\x02'
		for i in $(seq 0 11); do printf "\\x$(printf %02x "$i")\\x$(printf %02x $((255 - i)))"; done
	} >img.idx
	{
		printf '\x00\x00\x08\x01\x00\x00\x00\x0c'
		for i in $(seq 0 11); do printf "\\x$(printf %02x $((i % 11)))"; done
	} >lab.idx
	run --separate-stderr idx2png img.idx lab.idx O
	assert_success
	assert_equal "${#lines[@]}" 12
	assert_equal "${lines[0]}" "$(printf 'O/0/00.png\t0')"
	assert_equal "${lines[1]}" "$(printf 'O/0/11.png\t0')"
	assert_equal "${lines[2]}" "$(printf 'O/1/01.png\t1')"
	assert_equal "${lines[3]}" "$(printf 'O/10/10.png\t10')"
	assert_equal "${lines[4]}" "$(printf 'O/2/02.png\t2')"
	manifest=$output
	run --separate-stderr imgls O
	assert_success
	assert_output "$manifest"
	# Image 11: bytes 0b f4.
	assert_equal "$(png_pixels O/0/11.png 2)" "$(printf '\x0b\xf4' | od -An -tx1)"
}

@test "idx2png: RGB images (N x rows x cols x 3)" {
	printf '\x00\x00\x08\x04\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x03' >img.idx
	printf '\xff\x00\x01\x02\x80\xfe' >>img.idx
	printf '\x00\x00\x08\x01\x00\x00\x00\x01\x07' >lab.idx
	run --separate-stderr idx2png img.idx lab.idx O
	assert_success
	assert_output "$(printf 'O/7/0.png\t7')"
	printf 'P6\n2 1\n255\n\xff\x00\x01\x02\x80\xfe' >want.ppm
	pngtopam O/7/0.png >got.ppm
	cmp want.ppm got.ppm
}

@test "idx2png: --names maps labels to class names, with spaces" {
	make_idx
	printf '0\tshoe box\n1\tbig coat\n' >names.tsv
	run --separate-stderr idx2png --names names.tsv img.idx lab.idx O
	assert_success
	assert_output "$(printf '%s\t%s\n' 'O/big coat/0.png' 'big coat' \
		'O/big coat/2.png' 'big coat' 'O/shoe box/1.png' 'shoe box')"
	assert_equal "$(png_pixels 'O/shoe box/1.png' 6)" "$(pixels_of 1)"
	manifest=$output
	run imgls O
	assert_output "$manifest"
	# Short option, extra names for labels not present, no final newline.
	printf '5\tunused\n0\tshoe box\n1\tbig coat' >names2.tsv
	run --separate-stderr idx2png -n names2.tsv img.idx lab.idx P
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_equal "${lines[2]}" "$(printf 'P/shoe box/1.png\tshoe box')"
	[ ! -e P/unused ]
}

@test "idx2png: a label without a name: exit 1, no OUTDIR" {
	make_idx
	printf '0\tzero\n' >names.tsv
	run --separate-stderr idx2png --names names.tsv img.idx lab.idx O
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^idx2png: .*label 1'
	assert_no_outdir
}

@test "idx2png: a name with '/': exit 1 naming file:line" {
	make_idx
	printf '0\tzero\n1\tT-shirt/top\n' >names.tsv
	run --separate-stderr idx2png --names names.tsv img.idx lab.idx O
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^idx2png: names\.tsv:2: '
	assert_no_outdir
}

@test "idx2png: a label named twice: exit 1 naming file:line" {
	make_idx
	printf '0\tzero\n1\tone\n0\tnought\n' >names.tsv
	run --separate-stderr idx2png --names names.tsv img.idx lab.idx O
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^idx2png: names\.tsv:3: '
	assert_no_outdir
}

@test "idx2png: a names line whose label is not a number: exit 1 naming file:line" {
	make_idx
	for bad in 'x' '1x' '' '-1' '256' '1.0'; do
		printf '0\tzero\n%s\tone\n' "$bad" >names.tsv
		run --separate-stderr idx2png --names names.tsv img.idx lab.idx O
		assert_failure 1
		assert_output ""
		assert_equal "${#stderr_lines[@]}" 1
		assert_regex "$stderr" '^idx2png: names\.tsv:2: '
	done
	assert_no_outdir
}

@test "idx2png: other bad names lines: wrong field count, same name twice, dot name" {
	make_idx
	for body in '0\tzero\n1\n' '0\tzero\n1\tone\textra\n' '0\tsame\n1\tsame\n' \
		'0\tzero\n1\t..\n' '0\tzero\n1\t\n'; do
		printf "$body" >names.tsv
		run --separate-stderr idx2png --names names.tsv img.idx lab.idx O
		assert_failure 1
		assert_output ""
		assert_equal "${#stderr_lines[@]}" 1
		assert_regex "$stderr" '^idx2png: names\.tsv:2: '
	done
	assert_no_outdir
}

@test "idx2png: missing --names file: exit 1" {
	make_idx
	run --separate-stderr idx2png --names nope.tsv img.idx lab.idx O
	assert_failure 1
	assert_output ""
	assert_regex "$stderr" '^idx2png: .*nope\.tsv'
	assert_no_outdir
}

@test "idx2png: truncated image data: exit 1, no OUTDIR, no temporary left" {
	make_idx
	head -c 30 img.idx >short.idx # header 16 + 14 of 18 bytes
	run --separate-stderr idx2png short.idx lab.idx O
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^idx2png: short\.idx: .*truncated'
	assert_no_outdir
	# The same through gzip.
	gzip -k short.idx
	run --separate-stderr idx2png short.idx.gz lab.idx O
	assert_failure 1
	assert_output ""
	assert_no_outdir
}

@test "idx2png: truncated gzip stream: exit 1, no OUTDIR" {
	make_idx
	# 3 images of 22 x 30 random bytes (which compress badly), cut short.
	printf '\x00\x00\x08\x03\x00\x00\x00\x03\x00\x00\x00\x1e\x00\x00\x00\x16' >big.idx
	head -c 1980 /dev/urandom >>big.idx
	gzip -c big.idx | head -c 1000 >big.idx.gz
	run --separate-stderr idx2png big.idx.gz lab.idx O
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^idx2png: big\.idx\.gz: '
	assert_no_outdir
}

@test "idx2png: more data than the header declares: exit 1, no OUTDIR" {
	make_idx
	printf '\x00' >>img.idx
	run --separate-stderr idx2png img.idx lab.idx O
	assert_failure 1
	assert_output ""
	assert_regex "$stderr" '^idx2png: img\.idx: '
	assert_no_outdir
}

@test "idx2png: header claiming more labels than present: exit 1" {
	make_idx
	printf '\x00\x00\x08\x01\x00\x00\x00\x04\x01\x00\x01' >lab4.idx
	run --separate-stderr idx2png img.idx lab4.idx O
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^idx2png: lab4\.idx: '
	assert_no_outdir
	# A header claiming 4 billion labels is refused without trouble too.
	printf '\x00\x00\x08\x01\xff\xff\xff\xff\x01\x00\x01' >labhuge.idx
	run --separate-stderr idx2png img.idx labhuge.idx O
	assert_failure 1
	assert_output ""
	assert_regex "$stderr" '^idx2png: labhuge\.idx: '
	assert_no_outdir
}

@test "idx2png: a label count in the header is not trusted for memory" {
	make_idx
	# 2^32 - 1 labels claimed, 3 present.  Under a 1 GiB address-space limit
	# the answer must still be that the file is truncated, not "out of
	# memory" after trying to allocate 4 GiB on the header's word.
	printf '\x00\x00\x08\x01\xff\xff\xff\xff\x01\x00\x01' >labhuge.idx
	# A sanitizer build cannot run under ulimit -v; its allocator takes the
	# same limit per allocation instead.
	limit='ulimit -v 1048576'
	(eval "$limit" && idx2png --version >/dev/null) 2>/dev/null ||
		limit='export ASAN_OPTIONS=max_allocation_size_mb=1024:allocator_may_return_null=1'
	run --separate-stderr bash -c "$limit && idx2png img.idx labhuge.idx O"
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^idx2png: labhuge\.idx: '
	refute_regex "$stderr" 'out of memory'
	assert_no_outdir
}

@test "idx2png: a labels file with no labels: exit 1" {
	make_idx
	printf '\x00\x00\x08\x01\x00\x00\x00\x00' >lab0.idx
	run --separate-stderr idx2png img.idx lab0.idx O
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^idx2png: lab0\.idx: '
	assert_no_outdir
}

@test "idx2png: images and labels counts differ: exit 1" {
	make_idx
	printf '\x00\x00\x08\x01\x00\x00\x00\x02\x01\x00' >lab2.idx
	run --separate-stderr idx2png img.idx lab2.idx O
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^idx2png: img\.idx: .*3.*2'
	assert_no_outdir
}

@test "idx2png: bad magic: exit 1" {
	make_idx
	# Not IDX at all.
	make_png notidx.png 3 2
	run --separate-stderr idx2png notidx.png lab.idx O
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^idx2png: notidx\.png: '
	# Wrong data type (0x0D, float).
	{ printf '\x00\x00\x0d\x03'; tail -c +5 img.idx; } >float.idx
	run --separate-stderr idx2png float.idx lab.idx O
	assert_failure 1
	assert_regex "$stderr" '^idx2png: float\.idx: '
	# Labels file with bad magic.
	{ printf '\x01\x00\x08\x01'; tail -c +5 lab.idx; } >badlab.idx
	run --separate-stderr idx2png img.idx badlab.idx O
	assert_failure 1
	assert_regex "$stderr" '^idx2png: badlab\.idx: '
	# Empty file.
	: >empty.idx
	run --separate-stderr idx2png empty.idx lab.idx O
	assert_failure 1
	assert_regex "$stderr" '^idx2png: empty\.idx: '
	# Images and labels swapped: dimensions do not fit.
	run --separate-stderr idx2png lab.idx img.idx O
	assert_failure 1
	assert_output ""
	assert_no_outdir
}

@test "idx2png: missing input file: exit 1" {
	make_idx
	run --separate-stderr idx2png nope.idx lab.idx O
	assert_failure 1
	assert_output ""
	assert_regex "$stderr" '^idx2png: nope\.idx: '
	run --separate-stderr idx2png img.idx nope.idx O
	assert_failure 1
	assert_regex "$stderr" '^idx2png: nope\.idx: '
	assert_no_outdir
}

@test "idx2png: non-empty OUTDIR: exit 1, its content untouched" {
	make_idx
	mkdir O
	echo keep >O/file
	mkdir O/1
	run --separate-stderr idx2png img.idx lab.idx O
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^idx2png: O: '
	run bash -c 'find O | sort'
	assert_output "$(printf '%s\n' O O/1 O/file)"
	assert_equal "$(cat O/file)" keep
	run ls -A
	refute_line --regexp '^\.O'
	# OUTDIR that is a file.
	echo x >F
	run --separate-stderr idx2png img.idx lab.idx F
	assert_failure 1
	assert_equal "$(cat F)" x
}

@test "idx2png: an empty existing OUTDIR is accepted" {
	make_idx
	mkdir O
	run --separate-stderr idx2png img.idx lab.idx O
	assert_success
	assert_output "$(expected_manifest)"
	assert_equal "$(png_pixels O/1/2.png 6)" "$(pixels_of 2)"
	run ls -A
	assert_output "$(printf '%s\n' O img.idx lab.idx)"
}

@test "idx2png: an empty OUTDIR replaced keeps its mode; a new one gets the umask's" {
	make_idx
	mkdir -m 700 O
	run --separate-stderr idx2png img.idx lab.idx O
	assert_success
	assert_equal "$(stat -c %a O)" 700
	(umask 027 && idx2png img.idx lab.idx N >/dev/null)
	assert_equal "$(stat -c %a N)" 750
}

@test "idx2png: OUTDIR with a trailing slash" {
	make_idx
	run --separate-stderr idx2png img.idx lab.idx O/
	assert_success
	assert_equal "$(png_pixels O/0/1.png 6)" "$(pixels_of 1)"
	run ls -A
	assert_output "$(printf '%s\n' O img.idx lab.idx)"
}

@test "idx2png: wrong argument count: exit 2" {
	make_idx
	run --separate-stderr idx2png img.idx lab.idx
	assert_failure 2
	assert_output ""
	assert_regex "$stderr" "Try 'idx2png --help'"
	run --separate-stderr idx2png img.idx lab.idx O P
	assert_failure 2
	assert_regex "$stderr" "Try 'idx2png --help'"
	run --separate-stderr idx2png
	assert_failure 2
	assert_no_outdir
}

@test "idx2png: bad --max-pixels value: exit 2" {
	make_idx
	for v in 0 -1 abc ''; do
		run --separate-stderr idx2png --max-pixels="$v" img.idx lab.idx O
		assert_failure 2
		assert_output ""
	done
	assert_no_outdir
}

@test "idx2png: an image over --max-pixels: exit 1 before writing anything" {
	make_idx
	run --separate-stderr idx2png --max-pixels 5 img.idx lab.idx O
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^idx2png: img\.idx: .*5'
	assert_no_outdir
	# Exactly at the limit is fine.
	run --separate-stderr idx2png --max-pixels 6 img.idx lab.idx O
	assert_success
	assert_output "$(expected_manifest)"
}

@test "idx2png: a huge header size is refused by the default limit" {
	make_idx
	# 3 images of 65536 x 65536 = 2^32 pixels each, over the default 2^28.
	printf '\x00\x00\x08\x03\x00\x00\x00\x03\x00\x01\x00\x00\x00\x01\x00\x00' >huge.idx
	run --separate-stderr idx2png huge.idx lab.idx O
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^idx2png: huge\.idx: '
	assert_no_outdir
}

@test "idx2png: write error on stdout: exit 1" {
	make_idx
	run --separate-stderr bash -c 'idx2png img.idx lab.idx O >/dev/full'
	assert_failure 1
	assert_regex "$stderr" '^idx2png: .*write error'
	# the tree goes with its manifest, so that a re-run is not refused
	assert_no_outdir
	mkdir O
	run bash -c 'idx2png img.idx lab.idx O >&-'
	assert_failure 1
	[ -d O ]
	[ -z "$(ls -A O)" ]
	assert_equal "$(ls -A | grep '^\.O')" ""
	run idx2png img.idx lab.idx O
	assert_success
	assert_output "$(expected_manifest)"
}

@test "idx2png: Debian's Fashion-MNIST test set: 10 classes x 1000, same as imgls" {
	run --separate-stderr idx2png "$FASHION/t10k-images-idx3-ubyte.gz" \
		"$FASHION/t10k-labels-idx1-ubyte.gz" F
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 10000
	manifest=$output
	# Ten classes, 1000 images each.
	run bash -c 'cut -f2 | sort | uniq -c' <<<"$manifest"
	assert_output "$(for c in 0 1 2 3 4 5 6 7 8 9; do printf '   1000 %s\n' "$c"; done)"
	assert_equal "$(find F -name '*.png' | wc -l)" 10000
	run --separate-stderr imgls F
	assert_success
	assert_output "$manifest"
	# Image 0: its class from the labels file, its pixels from the images file.
	label=$(gzip -dc "$FASHION/t10k-labels-idx1-ubyte.gz" | tail -c +9 | head -c 1 | od -An -tu1 | tr -d ' ')
	[ -f "F/$label/0000.png" ]
	cmp <(gzip -dc "$FASHION/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c 784) \
		<(pngtopam "F/$label/0000.png" | tail -c 784)
	# The last image too.
	label=$(gzip -dc "$FASHION/t10k-labels-idx1-ubyte.gz" | tail -c 1 | od -An -tu1 | tr -d ' ')
	cmp <(gzip -dc "$FASHION/t10k-images-idx3-ubyte.gz" | tail -c 784) \
		<(pngtopam "F/$label/9999.png" | tail -c 784)
}

@test "idx2png: Fashion-MNIST with --names" {
	printf '%s\n' '0	T-shirt top' '1	Trouser' '2	Pullover' '3	Dress' '4	Coat' \
		'5	Sandal' '6	Shirt' '7	Sneaker' '8	Bag' '9	Ankle boot' >names.tsv
	run --separate-stderr idx2png -q --names names.tsv "$FASHION/t10k-images-idx3-ubyte.gz" \
		"$FASHION/t10k-labels-idx1-ubyte.gz" F
	assert_success
	manifest=$output
	run bash -c 'cut -f2 | uniq -c' <<<"$manifest"
	assert_output "$(printf '   1000 %s\n' 'Ankle boot' Bag Coat Dress Pullover Sandal Shirt \
		Sneaker 'T-shirt top' Trouser)"
	run imgls F
	assert_output "$manifest"
}

@test "idx2png: a gzip file cut short is refused, nothing written" {
	cp /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz i.gz
	head -c $(($(stat -c %s i.gz) - 8)) i.gz >cut.gz
	run --separate-stderr idx2png cut.gz /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz O
	assert_failure 1
	[ "$stderr" = "idx2png: cut.gz: truncated gzip data" ]
	assert_output ""
	[ ! -e O ]
	[ "$(ls -A | sort | tr '\n' ' ')" = "cut.gz i.gz " ]
}

@test "idx2png: a corrupt gzip file names the file once" {
	cp /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz l.gz
	printf '\0' | dd of=l.gz bs=1 seek=$(($(stat -c %s l.gz) - 6)) conv=notrunc 2>/dev/null
	run --separate-stderr idx2png /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz l.gz O
	assert_failure 1
	[ "$stderr" = "idx2png: l.gz: incorrect data check" ]
	[ ! -e O ]
}

@test "idx2png: OUTDIR with a TAB is a usage error" {
	run --separate-stderr idx2png /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz \
		/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz "$(printf 'a\tb')"
	assert_failure 2
	[[ "${stderr_lines[0]}" == *"a TAB or newline in OUTDIR cannot be written to a manifest" ]]
}

@test "idx2png: OUTDIR that is a symbolic link is refused before any work" {
	mkdir target
	ln -s target link
	run --separate-stderr idx2png /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz \
		/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz link
	assert_failure 1
	[ "$stderr" = "idx2png: link: is a symbolic link; give the directory itself" ]
	[ -z "$(ls -A target)" ]
	[ "$(ls -A | sort | tr '\n' ' ')" = "link target " ]
}
