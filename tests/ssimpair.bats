#!/usr/bin/env bats
# ssimpair: accuracy against scikit-image, the line contract, the cache,
# and bad input.

load helper

FIX="$BATS_TEST_DIRNAME/fixtures/ssim"

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w"
	TAB=$'\t'
}

@test "ssimpair: standard options" {
	check_standard_options ssimpair
}

@test "ssimpair: agrees with scikit-image to 1e-5 (gray, RGB, odd sizes, 16-bit, variants)" {
	# expected.tsv: pathA, pathB, ssimpair options, scikit-image's value
	# (tests/fixtures/make-ssim-fixtures.py made it).
	n=0
	while IFS= read -r line; do
		a=$(cut -f1 <<<"$line") b=$(cut -f2 <<<"$line")
		opts=$(cut -f3 <<<"$line") want=$(cut -f4 <<<"$line")
		# shellcheck disable=SC2086
		got=$(printf 'x\t%s\t%s\n' "$FIX/$a" "$FIX/$b" | ssimpair $opts | cut -f4)
		awk -v g="$got" -v w="$want" -v what="$a $b $opts" \
			'BEGIN { d = g - w; if (d < 0) d = -d; if (d > 1e-5) { print what ": " g " vs " w; exit 1 } }'
		n=$((n + 1))
	done <"$FIX/expected.tsv"
	[ "$n" -eq 17 ]
}

@test "ssimpair: identical images score exactly 1, flat ones too" {
	cp "$FIX/big1.png" "$FIX/flat.png" "$FIX/rgb3.png" "$FIX/wide1.png" .
	for f in big1 flat rgb3 wide1; do
		printf 'x\t%s.png\t%s.png\n' $f $f
	done >p.tsv
	run ssimpair p.tsv
	assert_success
	assert_output "$(printf 'x\t%s.png\t%s.png\t1\n' big1 big1 flat flat rgb3 rgb3 wide1 wide1)"
}

# The SSIM of gray1.png and gray3.png, checked against scikit-image's in
# expected.tsv; the tests of the line format then expect exactly it.
gray13() {
	local v ref
	v=$(printf 'g\t%s\t%s\n' "$FIX/gray1.png" "$FIX/gray3.png" | ssimpair | cut -f4)
	ref=$(awk -F '\t' '$1 == "gray1.png" && $2 == "gray3.png" && $3 == "" { print $4 }' \
		"$FIX/expected.tsv")
	awk -v v="$v" -v r="$ref" 'BEGIN { d = v - r; exit !(r != "" && d < 1e-5 && d > -1e-5) }' ||
		return 1
	echo "$v"
}

@test "ssimpair: appends one field, leaving the line as it was; -f picks the fields" {
	v=$(gray13)
	cp "$FIX/gray1.png" "a b.png"
	cp "$FIX/gray3.png" c.png
	printf 'grp\ta b.png\tc.png\n' >p.tsv
	run ssimpair p.tsv
	assert_success
	assert_output "$(printf 'grp\ta b.png\tc.png\t%s' "$v")"
	printf 'a b.png\tmid\tc.png\ttail\n' >q.tsv
	run ssimpair -f 1,3 q.tsv
	assert_output "$(printf 'a b.png\tmid\tc.png\ttail\t%s' "$v")"
	run ssimpair --fields=3,1 q.tsv
	assert_output "$(printf 'a b.png\tmid\tc.png\ttail\t%s' "$v")"
}

@test "ssimpair: reads stdin, '-', several files, a last line without newline" {
	v=$(gray13)
	printf 'g\t%s\t%s' "$FIX/gray1.png" "$FIX/gray3.png" >p.tsv
	run bash -c "ssimpair p.tsv - <p.tsv | cut -f4"
	assert_output "$(printf '%s\n%s' "$v" "$v")"
}

@test "ssimpair: a small cache gives the same answers as a large one" {
	for f in gray1 gray2 gray3 big1; do
		pamscale -xsize 40 -ysize 30 <(pngtopam "$FIX/$f.png") | pnmtopng -force >$f.png
	done
	for i in $(seq 60); do
		set -- gray1 gray2 gray3 big1
		a=$(( (i * 7) % 4 + 1 )) b=$(( (i * 3) % 4 + 1 ))
		printf 'g\t%s.png\t%s.png\n' "${!a}" "${!b}"
	done >p.tsv
	ssimpair --cache-mb 1 p.tsv >small.tsv
	ssimpair p.tsv >large.tsv
	run cmp small.tsv large.tsv
	assert_success
	[ "$(wc -l <small.tsv)" -eq 60 ]
}

@test "ssimpair: --size resizes both images first; sizes that differ without it are an error" {
	printf 'g\t%s\t%s\n' "$FIX/gray1.png" "$FIX/big1.png" >p.tsv
	run --separate-stderr ssimpair p.tsv
	assert_failure 1
	[ "$stderr" = "ssimpair: p.tsv:1: sizes differ (37x29 and 64x64); use --size WxH" ]
	run ssimpair --size 32x32 p.tsv
	assert_success
	assert_output --regexp $'\t0\\.[0-9]+$|\t-0\\.[0-9]+$'
}

@test "ssimpair: gray against colour is an error pointing to --gray, which compares luma" {
	printf 'g\t%s\t%s\n' "$FIX/big1.png" "$FIX/big2.png" >p.tsv
	run --separate-stderr ssimpair p.tsv
	assert_failure 1
	[ "$stderr" = "ssimpair: p.tsv:1: one image is gray, the other colour; use --gray" ]
	run ssimpair --gray p.tsv
	assert_success
}

@test "ssimpair: 8-bit against 16-bit: on the 16-bit scale; with --data-range as stored" {
	# gray1 in 16 bits: each sample times 257, 255 to 65535
	pngtopam "$FIX/gray1.png" | pamdepth 65535 | pnmtopng -force >gray1w.png
	pngtopam gray1w.png | pamfile | grep -q 'maxval 65535'
	printf 'g\t%s\t%s\n' "$FIX/gray1.png" "$FIX/wide1.png" "$FIX/wide1.png" "$FIX/gray1.png" \
		"$FIX/gray1.png" gray1w.png >p.tsv
	printf 'g\t%s\t%s\n' gray1w.png "$FIX/wide1.png" "$FIX/wide1.png" gray1w.png \
		gray1w.png gray1w.png >w.tsv
	run --separate-stderr ssimpair p.tsv
	assert_success
	[ "$stderr" = "" ]
	# the same SSIMs as of the picture stored in 16 bits (1 against itself)
	[ "$(cut -f 4 <<<"$output" | paste -sd ' ')" = "$(ssimpair w.tsv | cut -f 4 | paste -sd ' ')" ]
	[ "$(sed -n 3p <<<"$output" | cut -f 4)" = 1 ]
	# given L, the samples as stored: the 8-bit picture is all but black
	run ssimpair --data-range 65535 p.tsv
	assert_success
	[ "$(awk -F'\t' 'NR == 3 { print ($4 < 0.1) }' <<<"$output")" = 1 ]
}

@test "ssimpair: an image smaller than the window" {
	make_png tiny.png 8 8
	printf 'g\ttiny.png\ttiny.png\n' >p.tsv
	run --separate-stderr ssimpair p.tsv
	assert_failure 1
	[ "$stderr" = "ssimpair: p.tsv:1: tiny.png: image of 8x8 is smaller than the 11x11 window" ]
	run ssimpair --window 7 p.tsv
	assert_success
	assert_output "$(printf 'g\ttiny.png\ttiny.png\t1')"
}

@test "ssimpair: unreadable images name the line and the file" {
	printf 'g\t%s\tnope.png\n' "$FIX/gray1.png" >p.tsv
	run --separate-stderr ssimpair p.tsv
	assert_failure 1
	[ "$stderr" = "ssimpair: p.tsv:1: nope.png: No such file or directory" ]
	echo text >t.png
	printf 'g\tt.png\t%s\n' "$FIX/gray1.png" >q.tsv
	run --separate-stderr ssimpair q.tsv
	assert_failure 1
	[ "$stderr" = "ssimpair: q.tsv:1: t.png: not a PNG, JPEG or netpbm image" ]
}

# ssimpair ARGS... fails with exit 1 and the one line MESSAGE.
ssimpair_fails() {
	local want=$1
	shift
	run --separate-stderr ssimpair "$@"
	[ "$status" -eq 1 ] || fail "ssimpair $*: exit $status"
	[ "$stderr" = "$want" ] || fail "ssimpair $*: $stderr"
}

@test "ssimpair: --lines: an error about an image names the line it comes from" {
	make_png a.png 16 16
	make_png b.png 16 16
	make_png c.png 20 16
	printf 'g\t3\t5\ta.png\tb.png\ng\t7\t9\ta.png\tgone.png\n' >p.tsv
	ssimpair_fails "ssimpair: p.tsv:9: gone.png: No such file or directory" --lines 2,3 p.tsv
	printf 'g\t7\t9\tgone.png\ta.png\n' >p.tsv
	ssimpair_fails "ssimpair: (stdin):7: gone.png: No such file or directory" -l 2,3 <p.tsv
	# a pair that cannot be compared: both images, the first's line, the
	# other's after it
	printf 'g\t3\t5\ta.png\tb.png\ng\t7\t12\ta.png\tc.png\n' >p.tsv
	ssimpair_fails "ssimpair: p.tsv:7: a.png and c.png (line 12): sizes differ (16x16 and 20x16); use --size WxH" --lines=2,3 p.tsv
	# the fields kept
	printf 'g\t3\t4\ta.png\tb.png\n' >p.tsv
	run ssimpair --lines 2,3 p.tsv
	assert_success
	assert_output "g${TAB}3${TAB}4${TAB}a.png${TAB}b.png${TAB}1"
	printf 'g\t3\tx\ta.png\tc.png\n' >p.tsv
	ssimpair_fails "ssimpair: p.tsv:1: field 3: 'x' is not a line number (--lines)" --lines 2,3 p.tsv
	printf 'a.png\tb.png\n' >p.tsv
	ssimpair_fails "ssimpair: p.tsv:1: expected at least 4 TAB-separated fields, found 2" --lines 3,4 -f 1,2 p.tsv
	for o in "--lines 2" "--lines 2,2" "--lines 0,1" "-l x,y"; do
		# shellcheck disable=SC2086
		run --separate-stderr ssimpair $o p.tsv
		[ "$status" -eq 2 ] || { echo "$o: $status"; false; }
	done
}

@test "ssimpair: --lines: the line fields are checked on every line, and are never the paths" {
	make_png a.png 16 16
	make_png b.png 16 16
	# a bad line field where the images are fine
	printf 'g\t3\t5\ta.png\tb.png\ng\t3\tx\ta.png\tb.png\n' >p.tsv
	ssimpair_fails "ssimpair: p.tsv:2: field 3: 'x' is not a line number (--lines)" --lines 2,3 p.tsv
	# the last two fields are the paths, not lines
	printf 'g\ta.png\tb.png\n' >p.tsv
	ssimpair_fails "ssimpair: p.tsv:1: field 2 is an image path (the last two fields are), not a line number (--lines 2,3)" --lines 2,3 p.tsv
	printf '1\ta.png\tb.png\n' >p.tsv
	ssimpair_fails "ssimpair: p.tsv:1: field 3 is an image path (the last two fields are), not a line number (--lines 1,3)" --lines 1,3 p.tsv
	# nor may they be those of --fields: bad usage, before any line
	for o in "--lines 1,2 -f 2,3" "-f 2,3 --lines 3,4" "-l 4,1 -f 1,2" "-l 3,1 -f 1,2"; do
		# shellcheck disable=SC2086
		run --separate-stderr ssimpair $o p.tsv
		[ "$status" -eq 2 ] || { echo "$o: $status"; false; }
		[[ ${stderr_lines[0]} == "ssimpair: --lines "*" and --fields "*": a field cannot hold both a path and a line" ]] ||
			{ echo "$o: $stderr"; false; }
		[ "$output" = "" ]
	done
	run ssimpair -l 3,4 -f 1,2 <<<"a.png${TAB}b.png${TAB}3${TAB}4"
	assert_success
	assert_output "a.png${TAB}b.png${TAB}3${TAB}4${TAB}1"
}

@test "ssimpair: a line with one field, and empty input" {
	printf 'only\n' >p.tsv
	run --separate-stderr ssimpair p.tsv
	assert_failure 1
	[ "$stderr" = "ssimpair: p.tsv:1: expected at least 2 TAB-separated fields, found 1" ]
	run --separate-stderr ssimpair </dev/null
	assert_failure 1
	[ "$stderr" = "ssimpair: (stdin): empty input" ]
}

@test "ssimpair: bad option values are usage errors" {
	for o in "-f 1" "-f 2,2" "-f 0,1" "--window 4" "--window 0" "--sigma 0" "--k1 -1" "--cache-mb 0" "--size 0x3"; do
		# shellcheck disable=SC2086
		run ssimpair $o /dev/null
		assert_usage_error
	done
	# Numbers take no blanks, integers as decimals.
	for o in "--window= 11" "--max-pixels= 5" "--max-pixels=-5" "--cache-mb= 9"; do
		run ssimpair "$o" /dev/null
		assert_usage_error
	done
}

@test "ssimpair: a wide flat pair keeps its digits (sums of a row in double)" {
	# 100 against 110 everywhere: SSIM = (2 100 110 + C1) / (100² + 110² + C1).
	pgmmake 0.39215686 16384 11 | pnmtopng -force >a.png
	pgmmake 0.43137255 16384 11 | pnmtopng -force >b.png
	printf 'x\ta.png\tb.png\n' >p.tsv
	run ssimpair p.tsv
	assert_success
	awk -v got="$(cut -f4 <<<"$output")" 'BEGIN {
		c1 = (0.01 * 255)^2; want = (2 * 100 * 110 + c1) / (100^2 + 110^2 + c1)
		d = got - want; exit !(d < 1e-6 && d > -1e-6) }'
}

@test "ssimpair: constants that make the SSIM 0/0 are usage errors" {
	# Where both images are flat, the SSIM is (...)C2 / ((...)C2); where
	# both are black, C1 C2 / (C1 C2).  scikit-image accepts K = 0 and
	# returns NaN there; ssimpair refuses such constants.
	pgmmake 0 16 16 | pnmtopng -force >black.png
	printf 'x\tblack.png\tblack.png\n' >p.tsv
	local o
	for o in "--k1 0" "--k2 0" "--k1 0 --k2 0" "--k1 -0" "--k1 1e-30" "--k1 1e-12 --k2 1e-12" \
		"--data-range 1e-9 --k1 0.01" "--k1 0x1"; do
		# shellcheck disable=SC2086
		run ssimpair $o p.tsv
		assert_usage_error
		refute_output --partial black.png
	done
	run --separate-stderr ssimpair --k1 0 p.tsv
	assert_equal "${stderr_lines[0]}" "ssimpair: --k1: must be greater than 0: with 0, the SSIM of black regions is 0/0"
	run --separate-stderr ssimpair --k2 0 p.tsv
	assert_equal "${stderr_lines[0]}" "ssimpair: --k2: must be greater than 0: with 0, the SSIM of flat regions is 0/0"
	run --separate-stderr ssimpair --k1 1e-12 --k2 1e-12 p.tsv
	assert_equal "${stderr_lines[0]}" "ssimpair: --k1 1e-12, --k2 1e-12, L 255: C1 = (K1 L)^2 and C2 = (K2 L)^2 are so small that C1*C2 underflows: the SSIM of flat black regions would be 0/0"
	# A small K1 that keeps C1*C2 a normal float: identical black images
	# score 1.
	local ok
	for ok in "--k1 1e-10" "--k1 1e-10 --sample-covariance -w 3"; do
		# shellcheck disable=SC2086
		run ssimpair $ok p.tsv
		assert_success
		assert_output "$(printf 'x\tblack.png\tblack.png\t1')"
	done
}

@test "ssimpair: a C2 too small for single precision is refused, per pair" {
	# Single precision leaves about 1e-7 of the samples' square in the
	# variance of a flat region: C2 below 1e-5 of it would be outweighed
	# (scikit-image 0.947, single precision -1.72 on an edge image).
	for o in "--k2 1e-4" "--data-range 1" "--data-range 100 --k2 0.008"; do
		printf 'x\t%s\t%s\n' "$FIX/gray1.png" "$FIX/gray2.png" >p.tsv
		# shellcheck disable=SC2086
		run --separate-stderr ssimpair $o p.tsv
		assert_failure 1
		[[ $stderr =~ ^"ssimpair: p.tsv:1: K2 L = "[0-9.e-]+" is too small for 8-bit samples in single precision (at least 0.81); raise --k2 or --data-range"$ ]]
	done
	# 16-bit images need 257 times more.
	printf 'x\t%s\t%s\n' "$FIX/wide1.png" "$FIX/wide2.png" >p.tsv
	run --separate-stderr ssimpair --data-range 255 p.tsv
	assert_failure 1
	[[ $stderr == *"for 16-bit samples in single precision (at least 207.09)"* ]]
	# Just above the bound: measured.
	printf 'x\t%s\t%s\n' "$FIX/gray1.png" "$FIX/gray2.png" >p.tsv
	run ssimpair --data-range 100 --k2 0.009 p.tsv
	assert_success
}

@test "ssimpair: write error" {
	printf 'g\t%s\t%s\n' "$FIX/gray1.png" "$FIX/gray3.png" >p.tsv
	run --separate-stderr bash -c 'ssimpair p.tsv >/dev/full'
	assert_failure 1
	[ "$stderr" = "ssimpair: write error: No space left on device" ]
}

@test "ssimpair: evicting decoded images never frees an image in use (small cache, many images)" {
	for i in $(seq -w 0 19); do
		pgmnoise -randomseed=$i 500 600 | pnmtopng -force >m$i.png
		printf 'm%s.png\tc\n' "$i"
	done >m.tsv
	supgroup --flat m.tsv | imgpairs -k 40 --seed 5 >p.tsv
	ssimpair --cache-mb 3 p.tsv >small.tsv
	ssimpair p.tsv >large.tsv
	run cmp small.tsv large.tsv
	assert_success
	[ "$(wc -l <small.tsv)" -eq 800 ]
}
