#!/usr/bin/env bats
# imgcat: decoding every PNG and JPEG flavour, conversions, errors.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# The PNG's IHDR bit depth and colour type, e.g. "8 2".
png_kind() {
	od -An -tu1 -j24 -N2 "$1" | awk '{print $1, $2}'
}

# Pixels of imgcat's decode of $1 as netpbm would give them (maxval 255 or
# 65535), by way of pamtopnm; compared with netpbm's own decoder.
assert_decodes_like() {
	local img=$1 reference=$2 maxval=${3:-255}
	printf '%s\tx\n' "$img" >m.tsv
	run imgcat m.tsv
	assert_success
	imgcat m.tsv | pamtopnm >ours.pnm
	eval "$reference" | pamdepth "$maxval" >theirs.pnm
	run cmp ours.pnm theirs.pnm
	assert_success
}

@test "imgcat: standard options" {
	check_standard_options imgcat
}

@test "imgcat: frame header carries size, maxval, label and id" {
	make_png a.png 7 5
	printf 'a.png\tT-shirt top\n' >m.tsv
	run imgcat m.tsv
	assert_success
	imgcat m.tsv | head -n 9 >hdr
	run cat hdr
	assert_output "$(printf 'P7\nWIDTH 7\nHEIGHT 5\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\n# label T-shirt top\n# id a.png\nENDHDR')"
	run bash -c 'imgcat m.tsv | pamfile'
	assert_output --partial "PAM, 7 by 5 by 1 maxval 255"
}

@test "imgcat: netpbm reads a multi-frame stream (pamfile -allimages, pamtopng)" {
	make_png a.png 7 5
	make_rgb_png b.png 4 3
	printf 'a.png\tx\nb.png\ty\n' >m.tsv
	run bash -c 'imgcat m.tsv | pamfile -allimages'
	assert_success
	assert_line --index 0 --partial "PAM, 7 by 5 by 1 maxval 255"
	assert_line --partial "PAM, 4 by 3 by 3 maxval 255"
	printf 'b.png\ty\n' | imgcat | pamtopng >back.png
	run cmp <(pngtopam b.png) <(pngtopam back.png)
	assert_success
}

@test "imgcat: PNG gray 8-bit" {
	make_png g8.png 7 5
	[ "$(png_kind g8.png)" = "8 0" ]
	assert_decodes_like g8.png "pngtopam g8.png"
}

@test "imgcat: PNG gray 1-, 2- and 4-bit are scaled to 8 bits" {
	for m in 1 3 15; do
		pgmramp -diagonal 9 5 | pamdepth $m | pnmtopng >low$m.png
	done
	[ "$(png_kind low1.png)" = "1 0" ]
	[ "$(png_kind low3.png)" = "2 0" ]
	[ "$(png_kind low15.png)" = "4 0" ]
	for m in 1 3 15; do
		assert_decodes_like low$m.png "pngtopam low$m.png"
	done
}

@test "imgcat: PNG gray 16-bit stays 16-bit" {
	pgmramp -diagonal 7 5 | pamdepth 65535 | pnmtopng -force >g16.png
	[ "$(png_kind g16.png)" = "16 0" ]
	run bash -c "printf 'g16.png\tx\n' | imgcat | sed -n 5p"
	assert_output "MAXVAL 65535"
	assert_decodes_like g16.png "pngtopam g16.png" 65535
}

@test "imgcat: PNG RGB 8- and 16-bit" {
	make_rgb_png rgb8.png 7 5 -force
	[ "$(png_kind rgb8.png)" = "8 2" ]
	assert_decodes_like rgb8.png "pngtopam rgb8.png"
	ppmrainbow -width=7 -height=5 red blue 2>/dev/null | pamdepth 65535 | pnmtopng -force >rgb16.png
	[ "$(png_kind rgb16.png)" = "16 2" ]
	assert_decodes_like rgb16.png "pngtopam rgb16.png" 65535
}

@test "imgcat: PNG palette becomes RGB, transparency ignored" {
	make_rgb_png pal.png 7 5
	[ "$(png_kind pal.png)" = "2 3" ]
	assert_decodes_like pal.png "pngtopam pal.png"
	run bash -c "printf 'pal.png\tx\n' | imgcat | sed -n 4p"
	assert_output "DEPTH 3"
	ppmrainbow -width=7 -height=5 red green blue 2>/dev/null | pnmtopng -transparent=red >trns.png
	[ "$(png_kind trns.png)" = "2 3" ]
	grep -q tRNS trns.png
	assert_decodes_like trns.png "pngtopam trns.png"
}

@test "imgcat: PNG alpha is dropped, not composited (gray+alpha, RGBA, 16-bit)" {
	pgmramp -lr 7 5 >alpha.pgm
	pgmramp -diagonal 7 5 | pnmtopng -force -alpha=alpha.pgm >ga.png
	[ "$(png_kind ga.png)" = "8 4" ]
	assert_decodes_like ga.png "pngtopam ga.png"
	ppmrainbow -width=7 -height=5 red green blue 2>/dev/null | pnmtopng -force -alpha=alpha.pgm >rgba.png
	[ "$(png_kind rgba.png)" = "8 6" ]
	assert_decodes_like rgba.png "pngtopam rgba.png"
	ppmrainbow -width=7 -height=5 red blue 2>/dev/null | pamdepth 65535 | pnmtopng -force -alpha=alpha.pgm >rgba16.png
	[ "$(png_kind rgba16.png)" = "16 6" ]
	assert_decodes_like rgba16.png "pngtopam rgba16.png" 65535
}

@test "imgcat: interlaced PNG" {
	make_rgb_png il.png 13 11 -force -interlace
	[ "$(od -An -tu1 -j28 -N1 il.png | tr -d ' ')" = 1 ]
	assert_decodes_like il.png "pngtopam il.png"
}

@test "imgcat: JPEG baseline and progressive, gray and colour" {
	ppmrainbow -width=16 -height=12 red green blue 2>/dev/null >c.ppm
	pgmramp -diagonal 16 12 >g.pgm
	cjpeg c.ppm >base.jpg
	cjpeg -progressive c.ppm >prog.jpg
	cjpeg -grayscale g.pgm >gray.jpg
	cjpeg -progressive -grayscale g.pgm >grayprog.jpg
	for f in base prog gray grayprog; do
		assert_decodes_like $f.jpg "djpeg -pnm $f.jpg"
	done
	run bash -c "printf 'gray.jpg\tx\n' | imgcat | sed -n 4p"
	assert_output "DEPTH 1"
}

@test "imgcat: JPEG of every kind decodes as djpeg decodes it" {
	# sizes that fill no 8x8 block or MCU, and one of several MCUs
	for size in 1x1 7x9 17x33 40x24; do
		w=${size%x*} h=${size#*x}
		pgmramp -lr "$w" "$h" >r.pgm
		pgmramp -tb "$w" "$h" >g.pgm
		pgmnoise -randomseed=1 "$w" "$h" >b.pgm
		rgb3toppm r.pgm g.pgm b.pgm >c.ppm
		# chroma 4:2:0 (the default), 4:2:2, 4:4:4; a restart marker
		# after every MCU; optimized Huffman tables
		for opts in "" -progressive -optimize "-restart 1b" "-progressive -restart 1b" \
			"-sample 2x1" "-sample 1x1" "-progressive -sample 1x1"; do
			cjpeg $opts c.ppm >c.jpg
			assert_decodes_like c.jpg "djpeg -pnm c.jpg"
			cjpeg -grayscale $opts b.pgm >b.jpg
			assert_decodes_like b.jpg "djpeg -pnm b.jpg"
		done
	done
}

@test "imgcat: netpbm inputs (PAM, PGM, PPM, other maxvals rescaled)" {
	pgmramp -diagonal 7 5 >g.pgm
	ppmrainbow -width=7 -height=5 red blue 2>/dev/null >c.ppm
	pgmramp -diagonal 7 5 | pamdepth 100 >m100.pgm
	assert_decodes_like g.pgm "cat g.pgm"
	assert_decodes_like c.ppm "cat c.ppm"
	assert_decodes_like m100.pgm "cat m100.pgm"
	printf 'c.ppm\tx\n' | imgcat >c.pam
	assert_decodes_like c.pam "cat c.ppm"
}

@test "imgcat: --gray is BT.601 luma with integer weights, rounded" {
	printf 'P6\n4 1\n255\n\377\0\0\0\377\0\0\0\377\012\024\036' >rgb.ppm
	printf 'rgb.ppm\tx\n' >m.tsv
	run bash -c 'imgcat --gray m.tsv | tail -c 4 | od -An -tu1'
	assert_output "  76 150  29  18"
	run bash -c 'imgcat --gray m.tsv | sed -n 4p'
	assert_output "DEPTH 1"
}

@test "imgcat: --rgb replicates gray" {
	printf 'P5\n2 1\n255\n\001\375' >g.pgm
	run bash -c "printf 'g.pgm\tx\n' | imgcat --rgb | tail -c 6 | od -An -tu1"
	assert_output "   1   1   1 253 253 253"
}

@test "imgcat: --size area-averages when shrinking" {
	# 4x2 -> 2x1: each output pixel is the mean of a 2x2 block.
	printf 'P5\n4 2\n255\n\000\010\144\144\004\014\310\310' >s.pgm
	run bash -c "printf 's.pgm\tx\n' | imgcat --size 2x1 | tail -c 2 | od -An -tu1"
	assert_output "   6 150"
	# 3x1 -> 2x1: fractional coverage, (10*1 + 40*0.5)/1.5 = 20 and (40*.5 + 100)/1.5 = 80
	printf 'P5\n3 1\n255\n\012\050\144' >f.pgm
	run bash -c "printf 'f.pgm\tx\n' | imgcat --size 2x1 | tail -c 2 | od -An -tu1"
	assert_output "  20  80"
}

@test "imgcat: --size interpolates bilinearly when growing" {
	# 2x1 -> 4x1 with half-pixel centres: 0, 0.25, 0.75, 1 of the way.
	printf 'P5\n2 1\n255\n\000\310' >e.pgm
	run bash -c "printf 'e.pgm\tx\n' | imgcat --size 4x1 | tail -c 4 | od -An -tu1"
	assert_output "   0  50 150 200"
}

@test "imgcat: --size keeps 16-bit depth" {
	pgmramp -diagonal 8 8 | pamdepth 65535 | pnmtopng -force >g16.png
	run bash -c "printf 'g16.png\tx\n' | imgcat --size 4x4 | pamfile"
	assert_output --partial "PAM, 4 by 4 by 1 maxval 65535"
}

@test "imgcat: reads stdin, '-', several manifests, a last line without newline" {
	make_png a.png 3 2
	printf 'a.png\tp' >m1.tsv
	printf 'a.png\tq\n' >m2.tsv
	run bash -c 'imgcat m1.tsv - <m2.tsv | pamfile -allimages | grep -c PAM'
	assert_output 2
	run bash -c 'imgcat m1.tsv - <m2.tsv | grep -a "^# label"'
	assert_output "$(printf '# label p\n# label q')"
}

@test "imgcat: extra manifest fields are allowed" {
	make_png a.png 3 2
	printf 'a.png\tp\textra\tmore\n' >m.tsv
	run bash -c 'imgcat m.tsv | grep -a "^# label"'
	assert_output "# label p"
}

@test "imgcat: missing file names manifest line and path" {
	make_png a.png 3 2
	printf 'a.png\tp\nnope.png\tq\n' >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv:2: nope.png: No such file or directory" ]
}

@test "imgcat: not an image" {
	echo hello >t.png
	printf 't.png\tp\n' >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv:1: t.png: not a PNG, JPEG or netpbm image" ]
}

@test "imgcat: truncated PNG and JPEG" {
	make_rgb_png a.png 40 30 -force
	head -c 100 a.png >cut.png
	ppmrainbow -width=40 -height=30 red blue 2>/dev/null | cjpeg >a.jpg
	head -c 400 a.jpg >cut.jpg
	for f in cut.png cut.jpg; do
		printf '%s\tp\n' $f >m.tsv
		run --separate-stderr imgcat m.tsv
		assert_failure 1
		[[ "$stderr" == "imgcat: m.tsv:1: $f: bad "* ]]
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	done
}

# libjpeg warns, and fills in gray or zeros, where the data is corrupt.
@test "imgcat: corrupt JPEG data is an error, not pixels guessed" {
	pgmnoise -randomseed=1 64 64 | cjpeg >n.jpg
	pgmnoise -randomseed=1 64 64 | cjpeg -progressive >p.jpg
	# more blocks declared than the scan codes (not so many that the
	# file cannot hold them), and fewer
	cp n.jpg tall.jpg
	jpeg_declare tall.jpg 64 256
	cp p.jpg ptall.jpg
	jpeg_declare ptall.jpg 64 256
	cp n.jpg short.jpg
	jpeg_declare short.jpg 64 32
	# a restart marker out of sequence: RST5 where RST1 belongs
	pgmnoise -randomseed=1 64 64 | cjpeg -restart 1 >rst.jpg
	printf '\325' | dd of=rst.jpg bs=1 seek=$(($(jpeg_marker_at rst.jpg 209 0) + 1)) conv=notrunc 2>/dev/null
	# 200 bytes of one bits (0xff, stuffed) amid the scan, which no Huffman
	# code is: the decoder loses its way
	cp n.jpg ones.jpg
	printf '\377\000%.0s' $(seq 100) | dd of=ones.jpg bs=1 seek=1000 conv=notrunc 2>/dev/null
	for f in tall ptall short rst ones; do
		printf '%s.jpg\tx\n' $f >m.tsv
		run --separate-stderr imgcat m.tsv
		assert_failure 1
		[ "$output" = "" ]
		case $f in
		tall | ptall) [ "$stderr" = "imgcat: m.tsv:1: $f.jpg: bad JPEG: Corrupt JPEG data: premature end of data segment" ] ;;
		short) [[ $stderr == "imgcat: m.tsv:1: short.jpg: bad JPEG: Corrupt JPEG data: "*" extraneous bytes before marker 0xd9" ]] ;;
		rst) [ "$stderr" = "imgcat: m.tsv:1: rst.jpg: bad JPEG: Corrupt JPEG data: found marker 0xd5 instead of RST1" ] ;;
		ones) [[ $stderr == "imgcat: m.tsv:1: ones.jpg: bad JPEG: Corrupt JPEG data: "* ]] ;;
		esac
	done
}

@test "imgcat: arithmetic-coded JPEG is refused, its size cannot be bounded" {
	pgmramp -diagonal 16 12 | cjpeg -arithmetic >a.jpg
	printf 'a.jpg\tx\n' >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv:1: a.jpg: arithmetic-coded JPEG is not supported" ]
	# what the man page suggests: jpegtran recodes it with Huffman codes
	jpegtran a.jpg >h.jpg
	assert_decodes_like h.jpg "djpeg -pnm a.jpg"
}

@test "imgcat: garbage PAM header" {
	printf 'P7\nWIDTH x\nENDHDR\n' >g.pam
	printf 'g.pam\tp\n' >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv:1: g.pam: frame 1: PAM header: bad value for 'WIDTH'" ]
}

@test "imgcat: pixel limit is checked before decoding, --max-pixels raises it" {
	make_png a.png 7 5
	printf 'a.png\tp\n' >m.tsv
	run --separate-stderr imgcat --max-pixels 34 m.tsv
	assert_failure 1
	[[ "$stderr" == *"image of 7x5 pixels is over the limit of 34 pixels"* ]]
	run imgcat --max-pixels 35 m.tsv
	assert_success
}

@test "imgcat: a PNG declaring huge dimensions is refused without allocating" {
	# A valid 1x1 PNG whose IHDR is patched to 100000 x 100000 (CRC fixed).
	make_png a.png 1 1
	python_free_patch() {
		# width/height at bytes 16..23, CRC of IHDR at 29..32
		printf '\x00\x01\x86\xa0\x00\x01\x86\xa0' | dd of=a.png bs=1 seek=16 conv=notrunc 2>/dev/null
		crc=$(head -c 29 a.png | tail -c 17 | gzip -c | tail -c 8 | head -c 4 | od -An -tx1 | tr -d ' \n')
		printf "\\x${crc:6:2}\\x${crc:4:2}\\x${crc:2:2}\\x${crc:0:2}" | dd of=a.png bs=1 seek=29 conv=notrunc 2>/dev/null
	}
	python_free_patch
	printf 'a.png\tp\n' >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[[ "$stderr" == *"image of 100000x100000 pixels is over the limit of 268435456 pixels"* ]]
}

@test "imgcat: a line with one field" {
	printf 'a.png\n' >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv:1: expected at least 2 TAB-separated fields, found 1" ]
}

@test "imgcat: a class longer than a frame header can carry" {
	make_png a.png 3 2
	printf 'a.png\t%s\n' "$(head -c 5000 /dev/zero | tr '\0' c)" >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv:1: path or class longer than 4096 bytes" ]
}

@test "imgcat: empty input" {
	: >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv: empty input: no images listed" ]
	run --separate-stderr imgcat </dev/null
	assert_failure 1
	[ "$stderr" = "imgcat: (stdin): empty input: no images listed" ]
}

@test "imgcat: NUL byte and over-long line in the manifest" {
	printf 'a.png\tp\0q\n' >nul.tsv
	run --separate-stderr imgcat nul.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: nul.tsv:1: NUL byte in line" ]
	head -c 2000000 /dev/zero | tr '\0' x >long.tsv
	run --separate-stderr imgcat long.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: long.tsv:1: line longer than 1048576 bytes" ]
}

@test "imgcat: missing manifest" {
	run --separate-stderr imgcat nope.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: nope.tsv: No such file or directory" ]
}

@test "imgcat: bad --size is a usage error" {
	for s in 0x4 4 4x -3x3 axb 70000x2; do
		run imgcat --size "$s" /dev/null
		assert_usage_error
	done
	# the message quotes the whole value, not a part of it
	for s in 5x5x5 5x 4x3y '4x 3'; do
		run imgcat --size "$s" /dev/null
		assert_usage_error
		assert_line --index 0 "imgcat: --size: '$s' is not WIDTHxHEIGHT"
	done
}

@test "imgcat: --gray and --rgb together are a usage error, not the last one winning" {
	run imgcat --gray --rgb /dev/null
	assert_usage_error
	assert_line --index 0 "imgcat: --gray and --rgb exclude each other"
	run imgcat -c -g /dev/null
	assert_usage_error
	printf 'a.png\tx\n' >m.tsv
	make_png a.png 4 3
	run imgcat -g -g m.tsv
	assert_success
}

@test "imgcat: write error" {
	make_png a.png 7 5
	printf 'a.png\tp\n' >m.tsv
	run --separate-stderr bash -c 'imgcat m.tsv >/dev/full'
	assert_failure 1
	[[ "$stderr" == "imgcat: write error: No space left on device" ]]
}

@test "imgcat: DOS line endings are refused, naming the line" {
	make_png a.png 3 2
	printf 'a.png\tp\r\n' >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv:1: carriage return at end of line (DOS line endings?)" ]
}

@test "imgcat: an empty class is refused" {
	make_png a.png 3 2
	printf 'a.png\t\n' >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv:1: empty class name" ]
}

@test "imgcat: --size over the pixel limit is a usage error" {
	run --separate-stderr imgcat --size 65535x65535 /dev/null
	assert_failure 2
	[[ "${stderr_lines[0]}" == "imgcat: --size: image of 65535x65535 pixels is over the limit"* ]]
}

@test "imgcat: a directory listed as an image" {
	mkdir d
	printf 'd\tp\n' >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv:1: d: Is a directory" ]
}

@test "imgcat: a truncated PNG says so" {
	make_rgb_png a.png 40 30 -force
	head -c 100 a.png >cut.png
	printf 'cut.png\tp\n' >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv:1: cut.png: bad PNG: truncated file" ]
}

@test "imgcat: an unknown PAM keyword is named" {
	printf 'P7\nFOO 1\nENDHDR\n' >k.pam
	printf 'k.pam\tp\n' >m.tsv
	run --separate-stderr imgcat m.tsv
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv:1: k.pam: frame 1: unknown PAM header keyword 'FOO'" ]
}

@test "imgcat: a data error with stdout on a full disk is still one line" {
	make_png a.png 3 2
	printf 'a.png\tp\nnope.png\tq\n' >m.tsv
	run --separate-stderr bash -c 'imgcat m.tsv >/dev/full'
	assert_failure 1
	[ "$stderr" = "imgcat: m.tsv:2: nope.png: No such file or directory" ]
}
