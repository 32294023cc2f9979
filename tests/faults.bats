#!/usr/bin/env bats
# Faults, whatever program writes the file (issue 7): a full disk, an
# unwritable directory, two runs writing the same output at once, and
# inputs whose headers promise far more than they hold.  Each: one error
# line "prog: ...", exit 1, and no file, partial or temporary, left behind.
# SIGKILL and resume: clstrain.bats, gantrain.bats and augcls.bats;
# augreport's figures and page: augreport.bats.

load helper

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w"
	# a regular file: no directory can be made under it, as root or not
	# (chmod does not stop root), so file/x is an unwritable directory
	: >file
}

# A full disk, as root or not: the command's files may grow to 1 KiB only,
# a write past that failing with EFBIG ("File too large"), SIGXFSZ being
# ignored (an ignored signal stays ignored across exec).
full_disk() {
	(
		trap '' XFSZ
		ulimit -f 1
		"$@"
	)
}

# The names in the current directory, hidden ones too, on one line.
listing() {
	ls -A | tr '\n' ' '
}

# Gray noise of W x H (no PNG compresses it below 1 KiB at 40 x 40), the
# same every time for a seed.
noise() {
	pgmnoise -randomseed="${3:-1}" "$1" "$2"
}

# A gnuplot stand-in that, as gnuplot does, writes its PNG (4 KiB here) on
# its stdout and exits 0 whether that write worked or not.
fake_gnuplot() {
	mkdir -p fakebin
	printf '#!/bin/sh\ncat >/dev/null\nhead -c 4096 /dev/zero 2>/dev/null\nexit 0\n' >fakebin/gnuplot
	chmod +x fakebin/gnuplot
	PATH="$PWD/fakebin:$PATH"
}

# Runs the command with at most 300 MiB of address space, so that
# allocating what a header declares would fail ("out of memory") rather
# than pass unseen; a sanitizer build cannot run under ulimit -v, its
# allocator takes the same limit per allocation instead.
small_memory() {
	local limit='ulimit -v 307200'
	(eval "$limit" && imgcat --version >/dev/null) 2>/dev/null ||
		limit='export ASAN_OPTIONS=max_allocation_size_mb=300:allocator_may_return_null=1'
	(
		eval "$limit"
		"$@"
	)
}

# A PNG of one pixel whose IHDR declares W x H pixels of 8-bit colour
# type T (0 gray, 2 RGB), its CRC made to match, so that libpng reads the
# header: next to no pixel data behind a header that promises much.
png_declaring() {
	local out=$1 w=$2 h=$3 t=${4:-0} b crc
	make_png "$out" 1 1
	b=$(printf '\\x%02x' $((w >> 24 & 255)) $((w >> 16 & 255)) $((w >> 8 & 255)) $((w & 255)) \
		$((h >> 24 & 255)) $((h >> 16 & 255)) $((h >> 8 & 255)) $((h & 255)) 8 "$t")
	printf "$b" | dd of="$out" bs=1 seek=16 conv=notrunc 2>/dev/null
	crc=$(head -c 29 "$out" | tail -c 17 | gzip -c | tail -c 8 | head -c 4 | od -An -tx1 | tr -d ' \n')
	printf "\\x${crc:6:2}\\x${crc:4:2}\\x${crc:2:2}\\x${crc:0:2}" |
		dd of="$out" bs=1 seek=29 conv=notrunc 2>/dev/null
}

# An IDX images file of N images of 40 x 40 noise bytes and its labels
# file (0 1 0 1 ...): IMG and LAB.
make_noise_idx() {
	local img=$1 lab=$2 n=$3 i
	printf '\x00\x00\x08\x03\x00\x00\x00'"$(printf '\\x%02x' "$n")"'\x00\x00\x00\x28\x00\x00\x00\x28' >"$img"
	noise 40 $((40 * n)) "${4:-1}" | tail -c $((1600 * n)) >>"$img"
	printf '\x00\x00\x08\x01\x00\x00\x00'"$(printf '\\x%02x' "$n")" >"$lab"
	for ((i = 0; i < n; i++)); do printf "\\x0$((i % 2))"; done >>"$lab"
}

# ---- a full disk, an unwritable directory ----

@test "faults: imgrid -o: a full disk, /dev/full, an unwritable or missing directory" {
	noise 40 40 >n.pgm
	echo keep >out.png
	before=$(listing)
	run --separate-stderr full_disk imgrid -o out.png n.pgm
	assert_failure 1
	[ "$stderr" = "imgrid: out.png: write error: File too large" ]
	[ "$(listing)" = "$before" ]
	[ "$(cat out.png)" = keep ]
	run --separate-stderr imgrid -o /dev/full n.pgm
	assert_failure 1
	[ "$stderr" = "imgrid: /dev/full: write error: No space left on device" ]
	[ -c /dev/full ]
	run --separate-stderr imgrid -o file/out.png n.pgm
	assert_failure 1
	[ "$stderr" = "imgrid: file/out.png: cannot create: Not a directory" ]
	run --separate-stderr imgrid -o nodir/out.png n.pgm
	assert_failure 1
	[ "$stderr" = "imgrid: nodir/out.png: cannot create: No such file or directory" ]
	[ "$(listing)" = "$before" ]
}

@test "faults: classcount --plot and expfit --plot: gnuplot's write errors are seen" {
	# gnuplot does not report a failed write: what it writes goes through
	# the program, which does
	fake_gnuplot
	printf 'a.png\tx\nb.png\ty\nc.png\ty\n' >m.tsv
	printf '0.1\t1\n0.2\t3\n0.3\t8\n0.4\t20\n' >xy.tsv
	echo keep >out.png
	before=$(listing)
	run --separate-stderr full_disk classcount --plot out.png m.tsv
	assert_failure 1
	[ "$stderr" = "classcount: out.png: write error: File too large" ]
	run --separate-stderr full_disk expfit --plot out.png xy.tsv
	assert_failure 1
	[ "$stderr" = "expfit: out.png: write error: File too large" ]
	[ "$(listing)" = "$before" ]
	[ "$(cat out.png)" = keep ]
	run --separate-stderr classcount --plot /dev/full m.tsv
	assert_failure 1
	[ "$stderr" = "classcount: /dev/full: write error: No space left on device" ]
	run --separate-stderr expfit --plot /dev/full xy.tsv
	assert_failure 1
	[ "$stderr" = "expfit: /dev/full: write error: No space left on device" ]
	run --separate-stderr classcount --plot file/c.png m.tsv
	assert_failure 1
	[ "$stderr" = "classcount: file/c.png: cannot create: Not a directory" ]
	run --separate-stderr expfit --plot file/c.png xy.tsv
	assert_failure 1
	[ "$stderr" = "expfit: file/c.png: cannot create: Not a directory" ]
	[ "$(listing)" = "$before" ]
	# the disk not full: the whole image
	run classcount --plot out.png m.tsv
	assert_success
	[ "$(stat -c %s out.png)" -eq 4096 ]
}

@test "faults: imgsplit DIR and idx2png OUTDIR: a full disk, an unwritable directory" {
	noise 40 40 >n.pgm
	printf 'n.pgm\tx\nn.pgm\ty\n' >m.tsv
	imgcat m.tsv >s.pam
	make_noise_idx img.idx lab.idx 3
	before=$(listing)
	run --separate-stderr full_disk imgsplit D s.pam
	assert_failure 1
	[ "$stderr" = "imgsplit: D/x/000000.png: write error: File too large" ]
	[ "$output" = "" ]
	run --separate-stderr full_disk idx2png img.idx lab.idx O
	assert_failure 1
	[ "$stderr" = "idx2png: O/0/0.png: write error: File too large" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$output" = "" ]
	[ "$(listing)" = "$before" ]
	run --separate-stderr imgsplit file/D s.pam
	assert_failure 1
	[ "$stderr" = "imgsplit: file/D: Not a directory" ]
	run --separate-stderr imgsplit nodir/D s.pam
	assert_failure 1
	[ "$stderr" = "imgsplit: nodir/D: cannot create a directory beside it: No such file or directory" ]
	run --separate-stderr idx2png img.idx lab.idx file/O
	assert_failure 1
	[[ $stderr == "idx2png: file/O: "*"Not a directory" ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$(listing)" = "$before" ]
}

@test "faults: clstrain -o, --best, --log: a full disk, /dev/full, an unwritable directory" {
	make_cls_set 4
	before=$(listing)
	run --separate-stderr full_disk clstrain "${TINY[@]}" -e 1 -o m.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: m.ckpt: write error: File too large" ]
	[ "$(listing)" = "$before" ]
	run --separate-stderr clstrain "${TINY[@]}" -e 1 -o /dev/full m.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: /dev/full: write error: No space left on device" ]
	run --separate-stderr clstrain "${TINY[@]}" -e 1 --val m.tsv --best /dev/full -o m.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: /dev/full: write error: No space left on device" ]
	run --separate-stderr clstrain "${TINY[@]}" -e 1 --log /dev/full -o m.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: /dev/full: No space left on device" ]
	[ "$(listing)" = "$before" ]
	# an unwritable output is refused before the training, before even its
	# manifest is read (none here)
	run --separate-stderr clstrain "${TINY[@]}" -e 1 -o file/m.ckpt none.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: file/m.ckpt: cannot create: Not a directory" ]
	run --separate-stderr clstrain "${TINY[@]}" -e 1 --val m.tsv --best nodir/b.ckpt -o m.ckpt none.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: nodir/b.ckpt: cannot create: No such file or directory" ]
	run --separate-stderr clstrain "${TINY[@]}" -e 1 --log file/log.tsv -o m.ckpt none.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: file/log.tsv: cannot create: Not a directory" ]
	[ "$(listing)" = "$before" ]
}

@test "faults: clseval --confusion: /dev/full, an unwritable directory, before the evaluation" {
	make_cls_set 4
	clstrain "${TINY[@]}" -e 1 -o m.ckpt m.tsv
	before=$(listing)
	run --separate-stderr clseval --confusion /dev/full m.ckpt m.tsv
	assert_failure 1
	[ "${stderr_lines[-1]}" = "clseval: /dev/full: write error: No space left on device" ]
	run --separate-stderr clseval --confusion file/c.tsv m.ckpt none.tsv
	assert_failure 1
	[ "$stderr" = "clseval: file/c.tsv: cannot create: Not a directory" ]
	[ "$output" = "" ]
	[ "$(listing)" = "$before" ]
}

@test "faults: gantrain -o, --sheet, --log: a full disk, /dev/full, an unwritable directory" {
	make_cls_set 4
	G=(--size 12 --width-mult 0.5 --batch 16 --kimg 0.032 -q)
	before=$(listing)
	# the first snapshot's sheet, then its checkpoint
	run --separate-stderr full_disk gantrain "${G[@]}" -o g.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: g.ckpt.png: write error: File too large" ]
	run --separate-stderr full_disk gantrain "${G[@]}" --sheet /dev/null -o g.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: g.ckpt: write error: File too large" ]
	[ "$(listing)" = "$before" ]
	run --separate-stderr gantrain "${G[@]}" -o /dev/full --sheet /dev/null m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: /dev/full: write error: No space left on device" ]
	run --separate-stderr gantrain "${G[@]}" --sheet /dev/full -o g.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: /dev/full: write error: No space left on device" ]
	run --separate-stderr gantrain "${G[@]}" --log /dev/full -o g.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: /dev/full: No space left on device" ]
	[ "$(listing)" = "$before" ]
	# refused before the training, before even the manifest is read
	run --separate-stderr gantrain "${G[@]}" -o file/g.ckpt none.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: file/g.ckpt: cannot create: Not a directory" ]
	run --separate-stderr gantrain "${G[@]}" --sheet nodir/s.png -o g.ckpt none.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: nodir/s.png: cannot create: No such file or directory" ]
	run --separate-stderr gantrain "${G[@]}" --log file/log.tsv -o g.ckpt none.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: file/log.tsv: cannot create: Not a directory" ]
	[ "$(listing)" = "$before" ]
}

# ---- SIGKILL, which no handler sees ----

@test "faults: SIGKILL while an output is open leaves the old file, no temporary one" {
	fake_gnuplot
	printf 'old\n' >c.png
	mkfifo in
	# the writer that keeps the FIFO open, without bats's descriptor 3
	sleep 60 >in 3>&- &
	local writer=$! pid open=
	classcount --plot c.png <in 3>&- &
	pid=$!
	# killed only once it holds the output open: a descriptor into this
	# directory (the FIFO aside)
	for _ in $(seq 100); do
		open=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -F "$PWD/" | grep -vF "$PWD/in") && break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	kill "$writer"
	wait "$pid" || true
	[ -n "$open" ]
	# a file system without O_TMPFILE gets a named temporary file, which
	# SIGKILL leaves: nothing this test can show there
	[[ "$open" != *"/.c.png."* ]] || skip "no O_TMPFILE here: the output was a named temporary file"
	assert_equal "$(listing)" "c.png fakebin file in "
	assert_equal "$(cat c.png)" "old"
}

# ---- two runs writing the same output at once ----

@test "faults: imgrid and classcount: two runs on the same file, one whole output" {
	noise 40 40 1 >a.pgm
	noise 40 40 2 >b.pgm
	imgrid -o a.png a.pgm
	imgrid -o b.png b.pgm
	for _ in 1 2 3 4 5; do
		imgrid -o out.png a.pgm &
		imgrid -o out.png b.pgm &
		wait
		cmp -s out.png a.png || cmp out.png b.png
	done
	# gnuplot here echoes its script, which differs with the input
	mkdir fakebin
	printf '#!/bin/sh\ncat\n' >fakebin/gnuplot
	chmod +x fakebin/gnuplot
	printf 'a\tx\n' >x.tsv
	printf 'a\ty\nb\ty\n' >y.tsv
	PATH="$PWD/fakebin:$PATH" classcount --plot x.png x.tsv >/dev/null
	PATH="$PWD/fakebin:$PATH" classcount --plot y.png y.tsv >/dev/null
	for _ in 1 2 3 4 5; do
		PATH="$PWD/fakebin:$PATH" classcount --plot c.png x.tsv >/dev/null &
		PATH="$PWD/fakebin:$PATH" classcount --plot c.png y.tsv >/dev/null &
		wait
		cmp -s c.png x.png || cmp c.png y.png
	done
	[ "$(listing)" = "a.pgm a.png b.pgm b.png c.png fakebin file out.png x.png x.tsv y.png y.tsv " ]
}

@test "faults: clstrain and gantrain: two runs on the same checkpoint, one whole model" {
	make_cls_set 4
	clstrain "${TINY[@]}" -e 3 -o a.ckpt m.tsv
	clstrain "${TINY[@]}" -e 3 --seed 2 -o b.ckpt m.tsv
	clstrain "${TINY[@]}" -e 3 -o m.ckpt m.tsv &
	clstrain "${TINY[@]}" -e 3 --seed 2 -o m.ckpt m.tsv &
	wait
	cmp -s m.ckpt a.ckpt || cmp m.ckpt b.ckpt
	G=(--size 12 --width-mult 0.5 --batch 16 --kimg 0.128 --snap 0.032 -q)
	gantrain "${G[@]}" -o a.g m.tsv
	gantrain "${G[@]}" --seed 2 -o b.g m.tsv
	gantrain "${G[@]}" -o g m.tsv &
	gantrain "${G[@]}" --seed 2 -o g m.tsv &
	wait
	cmp -s g a.g || cmp g b.g
	cmp -s g.png a.g.png || cmp g.png b.g.png
	[ "$(listing)" = "a.ckpt a.g a.g.png b.ckpt b.g b.g.png data file g g.png m.ckpt m.tsv " ]
}

@test "faults: imgsplit and idx2png: two runs on the same directory, one whole tree" {
	noise 40 40 1 >a.pgm
	noise 40 40 2 >b.pgm
	printf 'a.pgm\tx\na.pgm\ty\n' >a.tsv
	printf 'b.pgm\tx\nb.pgm\tz\nb.pgm\tz\n' >b.tsv
	imgcat a.tsv >a.pam
	imgcat b.tsv >b.pam
	imgsplit A a.pam >/dev/null
	imgsplit B b.pam >/dev/null
	make_noise_idx a.idx al.idx 3 1
	make_noise_idx b.idx bl.idx 4 2
	idx2png a.idx al.idx IA >/dev/null
	idx2png b.idx bl.idx IB >/dev/null
	for _ in 1 2 3; do
		rm -rf D O
		imgsplit D a.pam >/dev/null 2>a.err &
		imgsplit D b.pam >/dev/null 2>b.err &
		idx2png a.idx al.idx O >/dev/null 2>ia.err &
		idx2png b.idx bl.idx O >/dev/null 2>ib.err &
		wait
		diff -r D A >/dev/null || diff -r D B
		diff -r O IA >/dev/null || diff -r O IB
		# the other one, if it came second, said why in a line
		for e in a.err b.err ia.err ib.err; do
			[ "$(wc -l <$e)" -le 1 ]
		done
		[ -z "$(cat a.err b.err | grep -v '^imgsplit: D: ')" ]
		[ -z "$(cat ia.err ib.err | grep -v '^idx2png: O: ')" ]
		[ "$(ls -A | grep -c '^\.')" -eq 0 ]
	done
}

# ---- headers promising more than the file holds ----

# The end of the message about such a header (a glob).
CANNOT_HOLD='*pixels declared, more than its * bytes of data can hold (a truncated file, or a decompression bomb)'

# PROG ARGS... with little memory (small_memory) fails with exit 1, no
# output and the one line of message that the glob GLOB matches.
refused_small() {
	local glob=$1
	shift
	run --separate-stderr small_memory "$@"
	assert_failure 1
	# shellcheck disable=SC2053
	[[ $stderr == $glob ]] || fail "$*: $stderr"
	[ "$output" = "" ]
}

@test "faults: a PNG declaring huge dimensions is refused before allocating them" {
	png_declaring huge.png 100000 100000
	# 16000 x 16000 RGB: under the pixel limit, 768 MB to allocate
	png_declaring big.png 16000 16000 2
	make_png ok.png 16 16
	printf 'huge.png\tx\n' >h.tsv
	printf 'big.png\tx\n' >b.tsv
	refused_small "imgcat: h.tsv:1: huge.png: image of 100000x100000 pixels is over the limit of 268435456 pixels (--max-pixels raises it)" \
		imgcat h.tsv
	# with the limit raised, and under it: what the file can hold decides
	refused_small "imgcat: h.tsv:1: huge.png: $CANNOT_HOLD" imgcat --max-pixels 10000000000 h.tsv
	refused_small "imgcat: b.tsv:1: big.png: $CANNOT_HOLD" imgcat b.tsv
	printf 'p\tok.png\tbig.png\n' >p.tsv
	refused_small "ssimpair: p.tsv:1: big.png: image of 16000x16000 $CANNOT_HOLD" ssimpair p.tsv
}

@test "faults: a JPEG declaring more pixels than its data can hold is refused before allocating them" {
	# issue 16's two: a 28 x 28 baseline JPEG patched to declare 1000 x
	# 1000, and a colour progressive one of about 1 KB declaring 16000 x
	# 16000 (768 MB of pixels, and twice that of coefficients, to allocate)
	pgmramp -diagonal 28 28 | cjpeg >grey.jpg
	jpeg_declare grey.jpg 1000 1000
	rgb3toppm <(noise 28 28) <(noise 28 28 2) <(noise 28 28) | cjpeg -progressive >bomb.jpg
	jpeg_declare bomb.jpg 16000 16000
	for f in grey bomb; do
		printf '%s.jpg\tx\n' $f >m.tsv
		refused_small "imgcat: m.tsv:1: $f.jpg: $CANNOT_HOLD" imgcat m.tsv
	done
	# what ssimpair scored 1 against itself
	printf 'p\tgrey.jpg\tgrey.jpg\n' >p.tsv
	refused_small "ssimpair: p.tsv:1: grey.jpg: image of 1000x1000 $CANNOT_HOLD" ssimpair p.tsv
	# The bound is what Huffman coding cannot go under, a bit a block: a
	# progressive JPEG whose one scan codes the DC of its 32 x 32 blocks
	# in 128 bytes (then EOI) decodes; declaring one row more is refused.
	echo '0: 0 0 0 0;' >dc-only.scans
	pgmmake 0.5 256 256 | cjpeg -grayscale | jpegtran -optimize -scans dc-only.scans >dc.jpg
	printf 'dc.jpg\tx\n' >m.tsv
	run cmp <(imgcat m.tsv | pamtopnm) <(djpeg -pnm dc.jpg)
	assert_success
	jpeg_declare dc.jpg 256 257
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv:1: dc.jpg: image of 256x257 pixels declared, more than its 130 bytes of data can hold (a truncated file, or a decompression bomb)" ]
	# Every component counts, not only the first scan's: colour whose luma
	# is sampled at a quarter, each component's DC a scan of its own; cut
	# after the first scan (the luma's, a sixteenth of the blocks), the file
	# decoded into 2048 x 2048 of colour it never held
	echo '0: 0 0 0 0; 1: 0 0 0 0; 2: 0 0 0 0;' >dc3.scans
	ppmmake gray 2048 2048 | cjpeg -sample 1x1,4x4,4x4 -progressive -scans dc3.scans >whole.jpg
	local second
	second=$(jpeg_marker_at whole.jpg 218 $(($(jpeg_marker_at whole.jpg 218) + 2)))
	{ head -c "$second" whole.jpg; printf '\xff\xd9'; } >cut.jpg
	printf 'whole.jpg\tx\n' >m.tsv
	run cmp <(imgcat m.tsv | pamtopnm) <(djpeg -pnm whole.jpg)
	assert_success
	printf 'cut.jpg\tx\n' >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[[ $stderr == "imgcat: m.tsv:1: cut.jpg: image of 2048x2048 "$CANNOT_HOLD ]]
}

@test "faults: an IDX header claiming 10^9 images is refused before allocating them" {
	# 10^9 images of 28 x 28 and as many labels declared, a few bytes held
	printf '\x00\x00\x08\x03\x3b\x9a\xca\x00\x00\x00\x00\x1c\x00\x00\x00\x1c' >img.idx
	head -c 100 /dev/zero >>img.idx
	printf '\x00\x00\x08\x01\x3b\x9a\xca\x00\x01\x00\x01' >lab.idx
	printf '\x00\x00\x08\x01\x00\x00\x00\x03\x01\x00\x01' >lab3.idx
	gzip -k img.idx
	before=$(listing)
	for args in "img.idx lab.idx" "img.idx lab3.idx" "img.idx.gz lab3.idx" "img.idx.gz lab.idx"; do
		run --separate-stderr small_memory idx2png $args O
		assert_failure 1
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ $stderr =~ ^"idx2png: "(img.idx|img.idx.gz|lab.idx)": " ]]
		[[ $stderr != *"out of memory"* ]]
		[ "$output" = "" ]
		[ "$(listing)" = "$before" ]
	done
}

# ---- inputs that are not what the program reads ----

# The command after MSG fails with exit 1 and MSG, its one line on stderr,
# within a minute (no hang).
refused_with() {
	local msg=$1
	shift
	run --separate-stderr timeout 60 "$@"
	assert_failure 1
	[ "$stderr" = "$msg" ]
}

@test "faults: a directory, or a checkpoint of the other kind, is named as such by every checkpoint reader" {
	make_cls_set 4
	clstrain "${TINY[@]}" -e 1 -o cls.ckpt m.tsv
	gantrain --size 12 --width-mult 0.5 --batch 16 --kimg 0.016 -q -o gan.ckpt m.tsv
	mkdir dir.ckpt
	local dir="dir.ckpt: read error: Is a directory"
	local cls="cls.ckpt: is a classifier checkpoint, not a GAN's (made by clstrain)"
	local gan="gan.ckpt: is a GAN checkpoint, not a classifier's (made by gantrain)"
	local gt=(--size 12 --width-mult 0.5 --batch 16 --kimg 0.032 -q)
	for prog in clseval clsprob clsfeat; do
		refused_with "$prog: $dir" "$prog" dir.ckpt m.tsv
		refused_with "$prog: $gan" "$prog" gan.ckpt m.tsv
	done
	refused_with "fid: $dir" fid -m dir.ckpt m.tsv m.tsv
	refused_with "fid: $gan" fid -m gan.ckpt m.tsv m.tsv
	refused_with "gansample: $dir" gansample -c Bag dir.ckpt
	refused_with "gansample: $cls" gansample -c Bag cls.ckpt
	refused_with "gantrain: $dir" gantrain "${gt[@]}" --fid-model dir.ckpt --log l.tsv -o g.ckpt m.tsv
	refused_with "gantrain: $gan" gantrain "${gt[@]}" --fid-model gan.ckpt --log l.tsv -o g.ckpt m.tsv
	# --resume: -o is an output as well, checked as one first
	refused_with "gantrain: dir.ckpt: is a directory" gantrain "${gt[@]}" --resume -o dir.ckpt m.tsv
	refused_with "clstrain: dir.ckpt: is a directory" clstrain "${TINY[@]}" -e 2 --resume -o dir.ckpt m.tsv
	cp gan.ckpt resume.ckpt
	refused_with "clstrain: resume.ckpt: ${gan#gan.ckpt: }" clstrain "${TINY[@]}" -e 2 --resume -o resume.ckpt m.tsv
	cmp gan.ckpt resume.ckpt
	[ ! -e g.ckpt ]
	[ ! -e l.tsv ]
}

@test "faults: every program's --help and --version to a full disk or a closed stdout: one line, exit 1" {
	local p n=0
	for p in "$SIMBAL_BIN"/*; do
		[ -x "$p" ] || continue
		p=${p##*/}
		n=$((n + 1))
		for opt in --help --version; do
			assert_write_errors "$p" "$p $opt"
		done
	done
	# the C programs and the shell front-ends
	[ "$n" -ge 23 ]
}
