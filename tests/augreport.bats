#!/usr/bin/env bats
# augreport: the table, the steps, the metric and the figures of a
# finished augcls.mk run (made up here: no training needed).

load helper
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
	TAB=$'\t'
	make_cls_set 4 # Trouser, Bag, Sneaker: 4 images each
	mkdir -p out/s1 out/base
	printf 'top1\t0.8\nbalanced\t0.75\ngmean\t0.7\nn\t30\n' >out/c0.eval
	printf 'top1\t0.88\nbalanced\t0.87\ngmean\t0.86\nn\t30\n' >out/s1/cls.eval
	cp out/s1/cls.eval out/final.eval
	printf 'top1\t0.76\nbalanced\t0.7\ngmean\t0.6\nn\t30\n' >out/base/noselect.eval
	printf 'top1\t0.84\nbalanced\t0.8\ngmean\t0.8\nn\t30\n' >out/base/cb.eval
	printf 'c0\t0.8\ns1\t0.88\n' >out/steps.tsv
	echo s1 >out/final.step
	# the original set: Trouser 4, Bag 2, Sneaker 1; two Bags and three
	# Sneakers "generated" and kept
	{ grep Trouser m.tsv; grep Bag m.tsv | head -n 2; grep Sneaker m.tsv | head -n 1; } >orig.tsv
	{ grep Bag m.tsv | tail -n 2; grep Sneaker m.tsv | tail -n 3; } >out/s1/kept.tsv
	cat orig.tsv out/s1/kept.tsv >out/final.tsv
	ssimcls orig.tsv >out/metric.tsv
}

@test "augreport: standard options" {
	check_standard_options augreport
}

@test "augreport: the table, the steps, the metric; the figures" {
	run --separate-stderr augreport out
	assert_success
	assert_line --index 0 "method${TAB}original${TAB}0.8${TAB}0.75${TAB}0.00"
	assert_line --index 1 "method${TAB}gm-augcls${TAB}0.88${TAB}0.87${TAB}10.00"
	assert_line --index 2 "method${TAB}noselect${TAB}0.76${TAB}0.7${TAB}-5.00"
	assert_line --index 3 "method${TAB}cb-loss${TAB}0.84${TAB}0.8${TAB}5.00"
	assert_line --index 4 "step${TAB}c0${TAB}0.8"
	assert_line --index 5 "step${TAB}s1${TAB}0.88"
	assert_line --index 6 "$(grep "^mergecls$TAB" out/metric.tsv)"
	assert_line --index 7 "$(grep "^supsubcls$TAB" out/metric.tsv)"
	assert_line --index 8 "$(grep "^argmax$TAB" out/metric.tsv)"
	[ "${#lines[@]}" -eq 9 ]
	for f in hist-before hist-after kept; do
		[ "$(head -c 8 out/report/$f.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	done
	# the contact sheet: a row of each class kept (Bag, Sneaker), captions
	# above (11 pixels), 3 columns at --per-class 3: 2 + 3 x (28 + 2) wide,
	# 2 + 2 x (11 + 28 + 2) high
	printf 'out/report/kept.png\tk\n' >k.tsv
	augreport --per-class 3 out >/dev/null
	[ "$(imgcat k.tsv | head -c 200 | grep -aE '^(WIDTH|HEIGHT) ' | paste -sd ' ')" = "WIDTH 92 HEIGHT 84" ]
}

# The diffusion's stages of the same run (augcls.mk GEN=diffusion), in
# out/gd: its step s1 kept two Sneakers.
add_gd() {
	mkdir -p out/gd/s1 out/gd/base
	printf 'top1\t0.92\nbalanced\t0.9\ngmean\t0.9\nn\t30\n' >out/gd/s1/cls.eval
	cp out/gd/s1/cls.eval out/gd/final.eval
	printf 'top1\t0.84\nbalanced\t0.8\ngmean\t0.8\nn\t30\n' >out/gd/base/noselect.eval
	printf 'c0\t0.8\ns1\t0.92\n' >out/gd/steps.tsv
	echo s1 >out/gd/final.step
	grep Sneaker m.tsv | tail -n 2 >out/gd/s1/kept.tsv
	cat orig.tsv out/gd/s1/kept.tsv >out/gd/final.tsv
}

@test "augreport: the diffusion's rows, steps and figures beside the GAN's" {
	add_gd
	run --separate-stderr augreport --per-class 3 --html page.html out
	assert_success
	assert_line --index 0 "method${TAB}original${TAB}0.8${TAB}0.75${TAB}0.00"
	assert_line --index 1 "method${TAB}gm-augcls${TAB}0.88${TAB}0.87${TAB}10.00"
	assert_line --index 2 "method${TAB}noselect${TAB}0.76${TAB}0.7${TAB}-5.00"
	assert_line --index 3 "method${TAB}gd-augcls${TAB}0.92${TAB}0.9${TAB}15.00"
	assert_line --index 4 "method${TAB}gd-noselect${TAB}0.84${TAB}0.8${TAB}5.00"
	assert_line --index 5 "method${TAB}cb-loss${TAB}0.84${TAB}0.8${TAB}5.00"
	assert_line --index 6 "step${TAB}c0${TAB}0.8"
	assert_line --index 7 "step${TAB}s1${TAB}0.88"
	assert_line --index 8 "gd-step${TAB}c0${TAB}0.8"
	assert_line --index 9 "gd-step${TAB}s1${TAB}0.92"
	assert_line --index 10 "$(grep "^mergecls$TAB" out/metric.tsv)"
	[ "${#lines[@]}" -eq 13 ]
	# the diffusion's figures: its set after, its kept images (a row,
	# Sneaker's two: 2 + 2 x (28 + 2) wide, 2 + 11 + 28 + 2 high)
	! cmp -s out/report/hist-after.png out/report/gd-hist-after.png || false
	printf 'out/report/gd-kept.png\tk\nout/report/kept.png\tk\n' >k.tsv
	[ "$(imgcat k.tsv | head -c 200 | grep -aE '^(WIDTH|HEIGHT) ' | paste -sd ' ')" = "WIDTH 62 HEIGHT 43" ]
	grep -q '<td>gd-augcls</td><td>0.92</td><td>0.9</td><td>15.00</td>' page.html
	grep -q 'gd-s1 top-1 0.92; ' page.html
	[ "$(grep -o 'src="data:image/png;base64,' page.html | wc -l)" -eq 5 ]
	# the diffusion's alone: its rows, the histogram before from its set,
	# the GAN's figures of the report before gone
	cp out/report/hist-before.png before.png
	rm out/steps.tsv out/final.step out/final.tsv out/final.eval out/base/noselect.eval
	run --separate-stderr augreport out
	assert_success
	[ "$(cut -f 1,2 <<<"$output" | head -n 6 | paste -sd ' ')" = \
		"method${TAB}original method${TAB}gd-augcls method${TAB}gd-noselect method${TAB}cb-loss gd-step${TAB}c0 gd-step${TAB}s1" ]
	cmp before.png out/report/hist-before.png
	[ "$(ls out/report | paste -sd ' ')" = "gd-hist-after.png gd-kept.png hist-before.png" ]
}

@test "augreport: a generator's run half there is not a finished run" {
	add_gd
	rm out/gd/final.eval
	run --separate-stderr augreport out
	assert_failure 1
	[ "$stderr" = "augreport: out: no gd/final.eval: not a finished augcls.mk run (make -f pipelines/augcls.mk OUT=out)" ]
	[ -z "$output" ]
	[ ! -e out/report ]
	# neither generator's: the GAN's first file named, as before
	rm -r out/gd out/steps.tsv
	run --separate-stderr augreport out
	assert_failure 1
	[ "$stderr" = "augreport: out: no steps.tsv: not a finished augcls.mk run (make -f pipelines/augcls.mk OUT=out)" ]
}

@test "augreport: no gain to tell when the original top-1 is 0" {
	printf 'top1\t0\nbalanced\t0\n' >out/c0.eval
	run --separate-stderr augreport out
	assert_success
	assert_line --index 0 "method${TAB}original${TAB}0${TAB}0${TAB}-"
	assert_line --index 1 "method${TAB}gm-augcls${TAB}0.88${TAB}0.87${TAB}-"
}

@test "augreport: the budget of the classifiers, as augcls.mk's BUDGET gave it" {
	printf 'clstrain --arch resnet20 --steps 1755 --seed 1 --augment --val test.tsv\n' >out/cls.params
	run --separate-stderr augreport out
	assert_success
	assert_line --index 6 "budget${TAB}steps${TAB}1755"
	[ "${#lines[@]}" -eq 10 ]
	augreport --html page.html out >/dev/null
	grep -q 'every classifier 1755 steps;' page.html
	printf 'clstrain --arch resnet20 --epochs 15 --seed 1 --val test.tsv\n' >out/cls.params
	run --separate-stderr augreport out
	assert_line --index 6 "budget${TAB}epochs${TAB}15"
	# the last, in any form, as clstrain takes it
	printf 'clstrain --arch resnet20 --epochs 15 --seed 1 -e 30 --val test.tsv\n' >out/cls.params
	run --separate-stderr augreport out
	assert_line --index 6 "budget${TAB}epochs${TAB}30"
	[ "${#lines[@]}" -eq 10 ]
	printf 'clstrain --arch resnet20 --epochs 15 --steps=99\n' >out/cls.params
	run --separate-stderr augreport out
	assert_line --index 6 "budget${TAB}steps${TAB}99"
	printf 'clstrain --arch resnet20\n' >out/cls.params
	run --separate-stderr augreport out
	assert_failure 1
	[ "$stderr" = "augreport: out/cls.params: no --epochs or --steps" ]
}

@test "augreport: several runs: each method's mean and sd, the gain paired by run with its 95% interval" {
	# three runs of the class-balanced loss against the original set, one
	# of the logit-adjusted loss
	for k in 1 2 3; do mkdir -p r$k/base; done
	printf 'top1\t%s\nbalanced\t0.75\ngmean\t0.7\nmacro_f1\t%s\nn\t30\n' 0.80 0.74 >r1/c0.eval
	printf 'top1\t%s\nbalanced\t0.75\ngmean\t0.7\nmacro_f1\t%s\nn\t30\n' 0.82 0.76 >r2/c0.eval
	printf 'top1\t%s\nbalanced\t0.75\ngmean\t0.7\nmacro_f1\t%s\nn\t30\n' 0.78 0.72 >r3/c0.eval
	printf 'top1\t%s\nbalanced\t0.8\ngmean\t0.8\nn\t30\n' 0.88 >r1/base/cb.eval
	printf 'top1\t%s\nbalanced\t0.8\ngmean\t0.8\nn\t30\n' 0.90 >r2/base/cb.eval
	printf 'top1\t%s\nbalanced\t0.8\ngmean\t0.8\nn\t30\n' 0.86 >r3/base/cb.eval
	printf 'top1\t0.81\nbalanced\t0.8\ngmean\t0.8\nn\t30\n' >r1/base/la.eval
	run --separate-stderr augreport r1 r2/ r3
	assert_success
	assert_line --index 0 "runs${TAB}3"
	assert_line "summary${TAB}original${TAB}top1${TAB}0.800000${TAB}0.020000${TAB}3"
	assert_line "summary${TAB}original${TAB}macro_f1${TAB}0.740000${TAB}0.020000${TAB}3"
	# equal values: sd 0, not a rounding error's NaN
	assert_line "summary${TAB}cb-loss${TAB}gmean${TAB}0.800000${TAB}0.000000${TAB}3"
	# gains 10, 9.756, 10.256 %: scipy's t interval 9.38 to 10.63
	assert_line "gain${TAB}cb-loss${TAB}10.0042${TAB}9.3827${TAB}10.6257${TAB}3"
	# one run: no deviation, no interval
	assert_line "summary${TAB}la-loss${TAB}top1${TAB}0.810000${TAB}-${TAB}1"
	assert_line "gain${TAB}la-loss${TAB}1.2500${TAB}-${TAB}-${TAB}1"
	[ "${#lines[@]}" -eq 13 ]
	[ ! -e r1/report ]
	run --separate-stderr augreport r1 r2 gone
	assert_failure 1
	[ "$stderr" = "augreport: gone: no such directory" ]
	mkdir empty
	run --separate-stderr augreport r1 empty
	assert_failure 1
	[[ $stderr == "augreport: empty: no c0.eval: not a finished augcls.mk run"* ]]
	run augreport --html p.html r1 r2
	assert_usage_error
	[ ! -e p.html ]
	run augreport r1 r2 r1/
	assert_usage_error
	assert_output --partial "augreport: r1: the same run given twice"
	# under another name too
	run augreport r1 r2 "$PWD/r2/"
	assert_usage_error
	assert_output --partial "the same run given twice"
	run augreport --per-class 3 r1 r2
	assert_usage_error
	# the table's order, whichever run has a method first
	printf 'top1\t0.9\nbalanced\t0.9\n' >r2/final.eval
	printf 'top1\t0.9\nbalanced\t0.9\n' >r3/final.eval
	run --separate-stderr augreport r1 r2 r3
	[ "$(printf '%s\n' "${lines[@]}" | awk -F'\t' '$1 == "gain" { print $2 }' | paste -sd ' ')" = "gm-augcls cb-loss la-loss" ]
	rm r2/final.eval r3/final.eval
	printf 'balanced\t0.8\n' >r2/base/cb.eval
	run --separate-stderr augreport r1 r2
	assert_failure 1
	[ "$stderr" = "augreport: r2/base/cb.eval: no top1 line" ]
	[ -z "$output" ]
}

@test "augreport: --html, one page with the figures inline" {
	augreport --html page.html out >/dev/null
	grep -q '<td>gm-augcls</td><td>0.88</td><td>0.87</td><td>10.00</td>' page.html
	[ "$(grep -o 'src="data:image/png;base64,' page.html | wc -l)" -eq 3 ]
	! grep -q 'src="http' page.html || false
	# the first image decodes to the histogram drawn
	sed -n 's/.*alt="hist-before" src="data:image\/png;base64,\([^"]*\)".*/\1/p' page.html | base64 -d >h.png
	cmp h.png out/report/hist-before.png
}

@test "augreport: bad data and usage leave nothing behind" {
	augreport out >/dev/null
	cp -r out/report before
	rm out/final.step
	run --separate-stderr augreport --html page.html out
	assert_failure 1
	[ "$stderr" = "augreport: out: no final.step: not a finished augcls.mk run (make -f pipelines/augcls.mk OUT=out)" ]
	[ -z "$output" ]
	[ ! -e page.html ]
	diff -r before out/report
	echo s1 >out/final.step
	printf 'balanced\t0.7\n' >out/c0.eval
	run --separate-stderr augreport out
	assert_failure 1
	[ "$stderr" = "augreport: out/c0.eval: no top1 line" ]
	[ -z "$output" ]
	# a baseline without its balanced accuracy: the same
	printf 'top1\t0.8\nbalanced\t0.75\n' >out/c0.eval
	printf 'top1\t0.84\n' >out/base/cb.eval
	run --separate-stderr augreport out
	assert_failure 1
	[ "$stderr" = "augreport: out/base/cb.eval: no balanced line" ]
	[ -z "$output" ]
	run --separate-stderr augreport nowhere
	assert_failure 1
	[ "$stderr" = "augreport: nowhere: no such directory" ]
	run augreport
	assert_usage_error
	run augreport out out
	assert_usage_error
	run augreport --per-class 0 out
	assert_usage_error
}

@test "augreport: a full disk, /dev/full, an unwritable place: one line, the report as it was" {
	augreport out >/dev/null
	cp -r out/report before
	: >file
	run --separate-stderr augreport --html file/page.html out
	assert_failure 1
	[ "$stderr" = "augreport: file/page.html: cannot create: Not a directory" ]
	[ -z "$output" ]
	diff -r before out/report
	# a device is written in place, never replaced
	run --separate-stderr augreport --html /dev/full out
	assert_failure 1
	[ "$stderr" = "augreport: /dev/full: write error: No space left on device" ]
	[ -c /dev/full ]
	[ -z "$output" ]
	diff -r before out/report
	# a full disk (files of 1 KiB at most, as root or not): the first
	# figure fails, none is moved in, nothing is left beside them
	run --separate-stderr bash -c "trap '' XFSZ; ulimit -f 1; augreport --html page.html out"
	assert_failure 1
	[ "$stderr" = "augreport: out/report/hist-before.png: write error: File too large" ]
	[ -z "$output" ]
	diff -r before out/report
	[ "$(ls -A out/report | grep -c '^\.')" -eq 0 ]
	[ "$(ls -A | grep -c 'page')" -eq 0 ]
	# nor its temporary directory
	run --separate-stderr env TMPDIR="$PWD/file" augreport out
	assert_failure 1
	[ "$stderr" = "augreport: $PWD/file: cannot make a temporary directory: Not a directory" ]
	diff -r before out/report
	# the report directory cannot be made
	rm -r out/report
	: >out/report
	run --separate-stderr augreport out
	assert_failure 1
	[ "$stderr" = "augreport: out/report: cannot create: File exists" ]
	[ -z "$output" ]
}

@test "augreport: its output to a full disk or a closed stdout: one line of its own, exit 1" {
	# a closed standard output is seen before any figure is drawn
	run --separate-stderr bash -c "augreport out >&-"
	assert_failure 1
	[ ! -e out/report ]
	for args in out --help --version; do
		assert_write_errors augreport "augreport $args"
	done
}

@test "augreport: its output pipe closed: killed by SIGPIPE without a word, as the C programs are" {
	for args in out --help --version; do
		run --separate-stderr bash -c "{ sleep 0.3; exec augreport $args; } | true; exit \${PIPESTATUS[0]}"
		[ "$status" -eq 141 ] || { echo "$args: $status"; false; }
		[ "$stderr" = "" ] || { echo "$args: $stderr"; false; }
	done
	[ -s out/report/hist-after.png ]
}

@test "augreport: a control character in a name is escaped: a message is one line" {
	run --separate-stderr augreport $'no\nsuch'
	assert_failure 1
	[ "$stderr" = 'augreport: no\nsuch: no such directory' ]
	run --separate-stderr augreport --per-class $'1\t2' out
	assert_failure 2
	[ "${stderr_lines[0]}" = "augreport: --per-class: '1\\t2' is not a count from 1 to 9999" ]
	# in the message of a program it runs, the figure where it goes (not
	# where it is drawn): a full disk (files of 1 KiB at most)
	mv out $'o\nut'
	run --separate-stderr bash -c "trap '' XFSZ; ulimit -f 1; augreport $'o\\nut'"
	assert_failure 1
	[ "$stderr" = 'augreport: o\nut/report/hist-before.png: write error: File too large' ]
}

@test "augreport: --html through a symbolic link, or to /dev/stdout" {
	augreport --html real.html out >/dev/null
	cp real.html want.html
	rm real.html
	ln -s real.html link.html
	augreport --html link.html out >/dev/null
	[ -L link.html ]
	[ "$(readlink link.html)" = real.html ]
	cmp want.html real.html
	# written in place, not replaced by a file: the page after the table
	run augreport --html /dev/stdout out
	assert_success
	[ "${lines[0]%%$TAB*}" = '<!DOCTYPE html>' ]
	assert_line --partial "method${TAB}gm-augcls"
	[ -L /dev/stdout ] || [ -c /dev/stdout ]
	[ "$(ls -A | grep -c '^\.')" -eq 0 ]
}

@test "augreport: an empty OUT or --html name is bad usage, nothing written" {
	mkdir w && cd w
	run --separate-stderr augreport --html '' none
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "augreport: --html: empty file name"
	run --separate-stderr augreport --html= none
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "augreport: --html: empty file name"
	run --separate-stderr augreport ''
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "augreport: OUT: empty file name"
	[ -z "$(ls -A)" ]
}
