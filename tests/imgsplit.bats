#!/usr/bin/env bats
# imgsplit DIR [FILE]: a PAM stream -> DIR/<label>/<frame>.png, manifest on
# stdout in stream order.

load helper
bats_require_minimum_version 1.5.0

# Work in a directory of our own: bats keeps its own files (the stderr of
# run --separate-stderr) in BATS_TEST_TMPDIR.
setup() {
	mkdir "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w"
}

# PNG fixtures with random samples (every bit matters), 8 and 16 bits, gray
# and RGB.  pnmtopng -force keeps 16-bit as 16-bit.
make_fixtures() {
	{ printf 'P5\n7 5\n255\n'; head -c 35 /dev/urandom; } | pnmtopng >g8.png
	{ printf 'P6\n6 4\n255\n'; head -c 72 /dev/urandom; } | pnmtopng >c8.png
	{ printf 'P5\n5 3\n65535\n'; head -c 30 /dev/urandom; } | pnmtopng -force >g16.png
	{ printf 'P6\n4 2\n65535\n'; head -c 48 /dev/urandom; } | pnmtopng -force >c16.png
	# The ramp of the issue, written by pamtopng, which keeps it 16-bit.
	pgmramp -lr 16 4 | pamdepth 65535 | pamtopng >ramp16.png
}

# A PAM frame written by hand: WIDTH HEIGHT LABEL-COMMENT-LINE BYTES
hand_frame() {
	printf 'P7\nWIDTH %d\nHEIGHT %d\nDEPTH 1\nMAXVAL 255\n%bENDHDR\n' "$1" "$2" "$3"
	printf "$4"
}

# Nothing named D nor any hidden temporary beside it.
assert_no_dir() {
	[ ! -e D ] || fail "D exists"
	assert_equal "$(ls -A | grep '^\.D')" ""
}

@test "imgsplit: standard options" {
	check_standard_options imgsplit
}

@test "imgsplit: the fixtures are what they should be" {
	make_fixtures
	run bash -c 'for f in g8 c8 g16 c16 ramp16; do pngtopam $f.png | pamfile; done'
	assert_line --index 0 --partial "PGM raw, 7 by 5  maxval 255"
	assert_line --index 1 --partial "PPM raw, 6 by 4  maxval 255"
	assert_line --index 2 --partial "PGM raw, 5 by 3  maxval 65535"
	assert_line --index 3 --partial "PPM raw, 4 by 2  maxval 65535"
	assert_line --index 4 --partial "PGM raw, 16 by 4  maxval 65535"
}

@test "imgsplit: imgcat | imgsplit round-trips pixels exactly, 8 and 16 bit, gray and RGB" {
	make_fixtures
	printf '%s\t%s\n' g8.png zz c8.png aa g16.png zz c16.png 'big cat' ramp16.png aa >m.tsv
	run --separate-stderr bash -c 'imgcat m.tsv | imgsplit D'
	assert_success
	assert_equal "$stderr" ""
	# Stream order, frames numbered from 000000 over the whole stream.
	assert_output "$(printf '%s\t%s\n' D/zz/000000.png zz D/aa/000001.png aa \
		D/zz/000002.png zz 'D/big cat/000003.png' 'big cat' D/aa/000004.png aa)"
	cmp <(pngtopam g8.png) <(pngtopam D/zz/000000.png)
	cmp <(pngtopam c8.png) <(pngtopam D/aa/000001.png)
	cmp <(pngtopam g16.png) <(pngtopam D/zz/000002.png)
	cmp <(pngtopam c16.png) <(pngtopam 'D/big cat/000003.png')
	cmp <(pngtopam ramp16.png) <(pngtopam D/aa/000004.png)
	# Exactly these files.
	run bash -c 'find D | sort'
	assert_output "$(printf '%s\n' D D/aa D/aa/000001.png D/aa/000004.png 'D/big cat' \
		'D/big cat/000003.png' D/zz D/zz/000000.png D/zz/000002.png)"
	# The tree is what imgls lists (imgls sorts by class, then path).
	run imgls D
	assert_output "$(printf '%s\t%s\n' D/aa/000001.png aa D/aa/000004.png aa \
		'D/big cat/000003.png' 'big cat' D/zz/000000.png zz D/zz/000002.png zz)"
	run ls -A
	refute_line --regexp '^\.D'
}

@test "imgsplit: round trip of the helper's tree via imgls | imgcat" {
	make_tree T
	imgls T >m.tsv
	run --separate-stderr bash -c 'imgcat m.tsv | imgsplit D'
	assert_success
	assert_output "$(printf '%s\t%s\n' D/a/000000.png a D/a/000001.png a D/a/000002.png a \
		D/b/000003.png b D/b/000004.png b D/c/000005.png c)"
	paste m.tsv <(cut -f1 <<<"$output") | while IFS=$'\t' read -r src cls out; do
		cmp <(pngtopam "$src") <(pngtopam "$out")
	done
}

@test "imgsplit: reads a FILE argument, and - for stdin" {
	make_fixtures
	printf '%s\t%s\n' c8.png x g16.png y >m.tsv
	imgcat m.tsv >s.pam
	run --separate-stderr imgsplit D s.pam
	assert_success
	assert_output "$(printf '%s\t%s\n' D/x/000000.png x D/y/000001.png y)"
	cmp <(pngtopam c8.png) <(pngtopam D/x/000000.png)
	cmp <(pngtopam g16.png) <(pngtopam D/y/000001.png)
	run --separate-stderr bash -c 'imgsplit E - <s.pam'
	assert_success
	assert_output "$(printf '%s\t%s\n' E/x/000000.png x E/y/000001.png y)"
	cmp <(pngtopam g16.png) <(pngtopam E/y/000001.png)
	# A missing FILE: exit 1, no directory.
	run --separate-stderr imgsplit F nope.pam
	assert_failure 1
	assert_output ""
	assert_regex "$stderr" '^imgsplit: nope\.pam: '
	[ ! -e F ]
}

@test "imgsplit: netpbm's own frames (PAM, PGM, PPM) with --label" {
	{
		printf 'P5\n3 1\n255\n\x00\x7f\xff'
		printf 'P6\n1 1\n65535\n\x01\x02\x03\x04\x05\x06'
		hand_frame 2 1 '' '\x09\x08'
	} >s.pnm
	run --separate-stderr imgsplit --label=thing D s.pnm
	assert_success
	assert_output "$(printf '%s\t%s\n' D/thing/000000.png thing D/thing/000001.png thing \
		D/thing/000002.png thing)"
	cmp <(printf 'P5\n3 1\n255\n\x00\x7f\xff') <(pngtopam D/thing/000000.png)
	cmp <(printf 'P6\n1 1\n65535\n\x01\x02\x03\x04\x05\x06') <(pngtopam D/thing/000001.png)
	cmp <(printf 'P5\n2 1\n255\n\x09\x08') <(pngtopam D/thing/000002.png)
}

@test "imgsplit: frames without a label: exit 1 unless --label" {
	pgmramp -lr 4 3 | pamtopam >u.pam
	pgmramp -tb 2 2 | pamtopam >>u.pam
	run --separate-stderr imgsplit D u.pam
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgsplit: u\.pam: frame 1: .*label'
	assert_no_dir
	run --separate-stderr imgsplit -l other D u.pam
	assert_success
	assert_output "$(printf '%s\t%s\n' D/other/000000.png other D/other/000001.png other)"
	cmp <(pgmramp -tb 2 2 | pamtopnm) <(pngtopam D/other/000001.png)
}

@test "imgsplit: --label applies only to frames without one" {
	make_png a.png 3 2
	printf 'a.png\tmine\n' >m.tsv
	{ pgmramp -lr 4 3 | pamtopam; imgcat m.tsv; } >s.pam
	run --separate-stderr imgsplit --label other D s.pam
	assert_success
	assert_output "$(printf '%s\t%s\n' D/other/000000.png other D/mine/000001.png mine)"
	cmp <(pngtopam a.png) <(pngtopam D/mine/000001.png)
	# Without --label the second frame alone would be fine, the first is not.
	run --separate-stderr imgsplit E s.pam
	assert_failure 1
	[ ! -e E ]
}

@test "imgsplit: an unlabelled frame after labelled ones: exit 1, no DIR" {
	make_png a.png 3 2
	printf 'a.png\tmine\n' >m.tsv
	{ imgcat m.tsv; imgcat m.tsv; pgmramp -lr 4 3 | pamtopam; } >s.pam
	run --separate-stderr imgsplit D s.pam
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgsplit: s\.pam: frame 3: '
	assert_no_dir
}

@test "imgsplit: bad --label value: exit 2" {
	pgmramp -lr 4 3 | pamtopam >u.pam
	for bad in a/b '' .hidden ..; do
		run --separate-stderr imgsplit --label="$bad" D u.pam
		assert_failure 2
		assert_output ""
		assert_regex "$stderr" "Try 'imgsplit --help'"
	done
	run --separate-stderr imgsplit --label="$(printf 'a\tb')" D u.pam
	assert_failure 2
	assert_no_dir
}

@test "imgsplit: label with '/' inside a stream frame: exit 1, no DIR" {
	{
		hand_frame 2 1 '# label ok\n' '\x01\x02'
		hand_frame 2 1 '# label a/b\n' '\x03\x04'
	} >s.pam
	run --separate-stderr imgsplit D s.pam
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^imgsplit: s\\.pam: frame 2: .*a/b"
	assert_no_dir
	# Even with --label: the frame's own label counts.
	run --separate-stderr imgsplit --label fine D s.pam
	assert_failure 1
	assert_no_dir
}

@test "imgsplit: other bad labels in a frame: '..', '.x', TAB, empty: exit 1" {
	for lab in '..' '.x' 'a\tb' ''; do
		hand_frame 2 1 "# label $lab\\n" '\x01\x02' >s.pam
		run --separate-stderr imgsplit D s.pam
		assert_failure 1
		assert_output ""
		assert_equal "${#stderr_lines[@]}" 1
		assert_regex "$stderr" '^imgsplit: s\.pam: frame 1: '
		assert_no_dir
	done
}

@test "imgsplit: a hand-made labelled frame" {
	hand_frame 3 2 '# label hand made\n# id x.png\n# another comment\n' '\x00\x01\x02\xfd\xfe\xff' >s.pam
	run --separate-stderr imgsplit D s.pam
	assert_success
	assert_output "$(printf 'D/hand made/000000.png\thand made')"
	cmp <(printf 'P5\n3 2\n255\n\x00\x01\x02\xfd\xfe\xff') <(pngtopam 'D/hand made/000000.png')
}

@test "imgsplit: empty stream: exit 1, no DIR" {
	run --separate-stderr imgsplit D </dev/null
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgsplit: \(stdin\): .*empty'
	assert_no_dir
	: >empty.pam
	run --separate-stderr imgsplit D empty.pam
	assert_failure 1
	assert_regex "$stderr" '^imgsplit: empty\.pam: '
	assert_no_dir
}

@test "imgsplit: garbage input: exit 1, one line on stderr, no DIR, no temporary" {
	for junk in 'hello world\n' 'P7\nWIDTH 2\nHEIGHT x\nDEPTH 1\nMAXVAL 255\nENDHDR\n\x01\x02' \
		'P7\nWIDTH 2\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nFOO 1\nENDHDR\n\x01\x02' \
		'P7\nWIDTH 2\nHEIGHT 1\nMAXVAL 255\nENDHDR\n\x01\x02' \
		'P7\nWIDTH 0\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nENDHDR\n' \
		'P7\nWIDTH 2\nHEIGHT 1\nDEPTH 1\nMAXVAL 70000\nENDHDR\n\x01\x02\x03\x04' \
		'P7\nWIDTH 2\nHEIGHT 1\nDEPTH 1\nMAXVAL 9\nENDHDR\n\x01\x0a' \
		'\x89PNG\r\n\x1a\n'; do
		printf "$junk" >g.pam
		run --separate-stderr bash -c 'imgsplit D <g.pam'
		assert_failure 1
		assert_output ""
		assert_equal "${#stderr_lines[@]}" 1
		assert_regex "$stderr" '^imgsplit: \(stdin\): '
		assert_no_dir
	done
}

@test "imgsplit: good frames then garbage: exit 1, no DIR" {
	make_png a.png 3 2
	printf 'a.png\tmine\n' >m.tsv
	{ imgcat m.tsv; imgcat m.tsv; echo garbage; } >s.pam
	run --separate-stderr imgsplit D s.pam
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgsplit: s\.pam: frame 3: '
	assert_no_dir
}

@test "imgsplit: truncated stream: exit 1, no DIR" {
	make_fixtures
	printf '%s\t%s\n' g8.png a c16.png b g16.png c >m.tsv
	imgcat m.tsv >s.pam
	size=$(stat -c %s s.pam)
	# Cut in the last raster, in the last header, and in the first frame.
	for keep in $((size - 1)) $((size - 40)) $((size - 100)) 60 20 3; do
		run --separate-stderr bash -c "head -c $keep s.pam | imgsplit D"
		assert_failure 1
		assert_output ""
		assert_equal "${#stderr_lines[@]}" 1
		assert_regex "$stderr" '^imgsplit: \(stdin\): frame [0-9]+: '
		assert_no_dir
	done
	# The whole stream is fine.
	run imgsplit D s.pam
	assert_success
	assert_equal "${#lines[@]}" 3
}

@test "imgsplit: header sizes whose product overflows 64 bits: exit 1, no crash, no DIR" {
	# WIDTH (2^62 + 1) x HEIGHT 4 is 2^64 + 4 pixels: over any limit, but
	# 4 once wrapped to 64 bits; with DEPTH 4 the row size wraps too.
	{
		printf 'P7\nWIDTH 4611686018427387905\nHEIGHT 4\nDEPTH 4\nMAXVAL 255\n'
		printf '# label x\nENDHDR\n'
		head -c 16 /dev/zero
	} >ovf.pam
	run --separate-stderr imgsplit D ovf.pam
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgsplit: ovf\.pam: frame 1: '
	assert_no_dir
}

@test "imgsplit: a frame of 2^32 x 2^32 pixels is refused as over the pixel limit" {
	# 2^64 pixels wraps to 0 in a 64-bit product; it must still be over
	# the default limit of 2^28, refused before allocating.
	printf 'P7\nWIDTH 4294967296\nHEIGHT 4294967296\nDEPTH 1\nMAXVAL 255\n# label x\nENDHDR\n\x01' >big.pam
	run --separate-stderr imgsplit D big.pam
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgsplit: big\.pam: frame 1: .*limit'
	assert_no_dir
	# A frame just over the default limit, for comparison.
	printf 'P7\nWIDTH 16385\nHEIGHT 16384\nDEPTH 1\nMAXVAL 255\n# label x\nENDHDR\n\x01' >over.pam
	run --separate-stderr imgsplit D over.pam
	assert_failure 1
	assert_regex "$stderr" '^imgsplit: over\.pam: frame 1: .*limit'
	assert_no_dir
}

@test "imgsplit: non-empty DIR: exit 1, untouched; an empty DIR is accepted" {
	make_png a.png 3 2
	printf 'a.png\tmine\n' >m.tsv
	imgcat m.tsv >s.pam
	mkdir D
	echo keep >D/file
	run --separate-stderr imgsplit D s.pam
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgsplit: D: '
	run bash -c 'find D | sort'
	assert_output "$(printf '%s\n' D D/file)"
	assert_equal "$(cat D/file)" keep
	run ls -A
	refute_line --regexp '^\.D'
	mkdir E
	run --separate-stderr imgsplit E s.pam
	assert_success
	assert_output "$(printf 'E/mine/000000.png\tmine')"
	cmp <(pngtopam a.png) <(pngtopam E/mine/000000.png)
	# DIR that is a file.
	echo x >F
	run --separate-stderr imgsplit F s.pam
	assert_failure 1
	assert_equal "$(cat F)" x
}

@test "imgsplit: a frame over --max-pixels: exit 1, no DIR" {
	make_png a.png 3 2
	make_png b.png 4 4
	printf '%s\t%s\n' a.png x b.png y >m.tsv
	imgcat m.tsv >s.pam
	run --separate-stderr imgsplit --max-pixels 15 D s.pam
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgsplit: s\.pam: frame 2: '
	assert_no_dir
	run --separate-stderr imgsplit --max-pixels 16 D s.pam
	assert_success
	assert_equal "${#lines[@]}" 2
}

@test "imgsplit: wrong argument count: exit 2" {
	run --separate-stderr imgsplit
	assert_failure 2
	assert_output ""
	assert_regex "$stderr" "Try 'imgsplit --help'"
	run --separate-stderr imgsplit D a.pam b.pam
	assert_failure 2
	assert_regex "$stderr" "Try 'imgsplit --help'"
	assert_no_dir
}

@test "imgsplit: write error on stdout: exit 1" {
	make_png a.png 3 2
	printf 'a.png\tmine\n' >m.tsv
	imgcat m.tsv >s.pam
	run --separate-stderr bash -c 'imgsplit D s.pam >/dev/full'
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgsplit: .*write error'
	# the tree goes with its manifest: a re-run is not refused
	assert_no_dir
	[ "$(ls -A | grep -c '^\.')" -eq 0 ]
	run --separate-stderr bash -c 'imgsplit D s.pam >&-'
	assert_failure 1
	assert_no_dir
	mkdir D
	run bash -c 'imgsplit D s.pam >/dev/full'
	assert_failure 1
	[ -d D ]
	[ -z "$(ls -A D)" ]
	run imgsplit D s.pam
	assert_success
	assert_output "D/mine/000000.png	mine"
}

@test "imgsplit: an empty DIR name is bad usage, refused before reading" {
	run --separate-stderr imgsplit '' /nonexistent.pam
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "imgsplit: DIR: empty file name"
	[ -z "$(ls -A)" ]
}

@test "imgsplit: a label ending in a carriage return: exit 1, no DIR" {
	make_png a.png 3 2
	# imgcat's reader refuses such a line: the label is edited in
	printf 'a.png\tB\n' >m.tsv
	imgcat m.tsv | sed 's/^# label B$/# label B\r/' >s.pam
	grep -qa "$(printf '# label B\r')" s.pam
	run --separate-stderr imgsplit D s.pam
	assert_failure 1
	assert_equal "$stderr" "imgsplit: s.pam: frame 1: label 'B\\r' ends with a carriage return"
	assert_no_dir
}
