#!/usr/bin/env bats
# pipelines/metric.mk: the ssimcls chain as Make stages — the same answer,
# re-runs that redo only what changed, and failures that stop make.

load helper

EX="$BATS_TEST_DIRNAME/../examples/fashion-lt"
MK="$BATS_TEST_DIRNAME/../pipelines/metric.mk"

setup() {
	pipeline_setup
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
}


metric() {
	make --no-print-directory -f "$MK" BIN="$BIN" "$@"
}

# The recipe lines make ran, by the program they start.
ran() {
	grep -c -- "$1" <<<"$output" || true
}

@test "metric.mk: metric.tsv is what ssimcls prints, for the same seed and K" {
	make_small
	run metric DATA=m.tsv HIER=hier.tsv OUT=out
	assert_success
	ssimcls -H hier.tsv m.tsv >want.tsv
	cmp want.tsv out/metric.tsv
	for k in supsubcls mergecls argmax; do
		[ "$(grep "^$k$TAB" out/metric.tsv)" = "$(grep "^$k$TAB" want.tsv)" ]
	done
	grep -qx "argmax${TAB}legs" out/metric.tsv
	# Every stage is there to inspect, the SSIMs included, with the
	# parameters it was made with; no temporaries.
	[ "$(cd out && ls | paste -sd' ')" = "flat.mean flat.pairs flat.pairs.params flat.ssim groups.mean groups.pairs groups.pairs.params groups.ssim metric.tsv ssim.params" ]
	[ "$(wc -l <out/groups.ssim)" -eq 68 ]
	# Another seed and K, and no hierarchy: still ssimcls's answer.
	run metric DATA=m.tsv OUT=out2 SEED=7 K=3
	assert_success
	ssimcls -k 3 --seed 7 m.tsv >want2.tsv
	cmp want2.tsv out2/metric.tsv
	grep -qx "argmax${TAB}Sneaker" out2/metric.tsv
	[ "$(wc -l <out2/groups.pairs)" -eq 102 ]
	# ssimpair's options through SSIM.
	run metric DATA=m.tsv HIER=hier.tsv OUT=out3 SSIM="--size 14x14 --gray"
	assert_success
	ssimcls -H hier.tsv --size 14x14 --gray m.tsv >want3.tsv
	cmp want3.tsv out3/metric.tsv
	! cmp -s want.tsv want3.tsv || false
}

@test "metric.mk: a second run does nothing; a newer manifest or hierarchy redoes its stages" {
	make_small
	metric DATA=m.tsv HIER=hier.tsv OUT=out >/dev/null
	cp out/metric.tsv first.tsv
	run metric DATA=m.tsv HIER=hier.tsv OUT=out
	assert_success
	assert_output "make: Nothing to be done for 'metric'."
	run metric DATA=m.tsv HIER=hier.tsv OUT=out out/metric.tsv
	assert_output "make: 'out/metric.tsv' is up to date."
	# The stages made long ago, the manifest now: everything again.
	touch -d '2001-01-01' out/*
	touch m.tsv
	run metric DATA=m.tsv HIER=hier.tsv OUT=out
	assert_success
	[ "$(ran 'supgroup --flat=all')" -eq 1 ]
	[ "$(ran 'supgroup hier.tsv')" -eq 1 ]
	[ "$(ran imgpairs)" -eq 2 ]
	[ "$(ran ssimpair)" -eq 2 ]
	[ "$(ran meanreduce)" -eq 2 ]
	[ "$(ran 'ssimcls --from-means')" -eq 1 ]
	cmp first.tsv out/metric.tsv
	# A newer hierarchy: only the super-class stages, not the flat ones.
	touch -d '2001-01-01' out/* m.tsv
	touch hier.tsv
	run metric DATA=m.tsv HIER=hier.tsv OUT=out
	assert_success
	[ "$(ran 'supgroup --flat=all')" -eq 0 ]
	[ "$(ran 'supgroup hier.tsv')" -eq 1 ]
	[ "$(ran ssimpair)" -eq 1 ]
	[ "$(ran meanreduce)" -eq 1 ]
	[ "$(ran 'ssimcls --from-means')" -eq 1 ]
	cmp first.tsv out/metric.tsv
	run metric DATA=m.tsv HIER=hier.tsv OUT=out
	assert_output "make: Nothing to be done for 'metric'."
}

@test "metric.mk: a changed K, SEED, SSIM or HIER redoes the stages it concerns, and only once" {
	make_small
	metric DATA=m.tsv HIER=hier.tsv OUT=out >/dev/null
	# The stages older than every input: only the parameters can tell.
	touch -d '2001-01-01' m.tsv hier.tsv
	again() {
		run metric DATA=m.tsv OUT=out "$@"
		assert_success
		run metric DATA=m.tsv OUT=out "$@"
		assert_output "make: Nothing to be done for 'metric'."
	}
	run metric DATA=m.tsv HIER=hier.tsv OUT=out K=3
	assert_success
	[ "$(ran imgpairs)" -eq 2 ]
	[ "$(ran ssimpair)" -eq 2 ]
	[ "$(ran meanreduce)" -eq 2 ]
	[ "$(ran 'ssimcls --from-means')" -eq 1 ]
	ssimcls -H hier.tsv -k 3 m.tsv >want.tsv
	cmp want.tsv out/metric.tsv
	again HIER=hier.tsv K=3
	run metric DATA=m.tsv HIER=hier.tsv OUT=out K=3 SEED=5
	[ "$(ran imgpairs)" -eq 2 ]
	[ "$(ran ssimpair)" -eq 2 ]
	ssimcls -H hier.tsv -k 3 --seed 5 m.tsv >want.tsv
	cmp want.tsv out/metric.tsv
	again HIER=hier.tsv K=3 SEED=5
	# SSIM: the SSIMs and on, not the pairs.
	run metric DATA=m.tsv HIER=hier.tsv OUT=out K=3 SEED=5 SSIM="--size 14x14 --gray"
	[ "$(ran imgpairs)" -eq 0 ]
	[ "$(ran ssimpair)" -eq 2 ]
	[ "$(ran meanreduce)" -eq 2 ]
	ssimcls -H hier.tsv -k 3 --seed 5 -s 14x14 -g m.tsv >want.tsv
	cmp want.tsv out/metric.tsv
	again HIER=hier.tsv K=3 SEED=5 SSIM="--size 14x14 --gray"
	# Another hierarchy, no newer than the stages, or none: the
	# super-class stages only.
	cp -p hier.tsv other.tsv
	for h in HIER=other.tsv HIER=; do
		run metric DATA=m.tsv "$h" OUT=out K=3 SEED=5 SSIM="--size 14x14 --gray"
		assert_success
		[ "$(ran 'supgroup --flat=all')" -eq 0 ]
		[ "$(ran supgroup)" -eq 1 ]
		[ "$(ran ssimpair)" -eq 1 ]
		again "$h" K=3 SEED=5 SSIM="--size 14x14 --gray"
	done
	ssimcls -k 3 --seed 5 -s 14x14 -g m.tsv >want.tsv
	cmp want.tsv out/metric.tsv
	# Back to the first parameters: the first answer.
	run metric DATA=m.tsv HIER=hier.tsv OUT=out
	assert_success
	ssimcls -H hier.tsv m.tsv >want.tsv
	cmp want.tsv out/metric.tsv
}

@test "metric.mk: JOBS=2 gives the same metric.tsv" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	make_small
	metric DATA=m.tsv HIER=hier.tsv OUT=one >/dev/null
	run metric DATA=m.tsv HIER=hier.tsv OUT=two JOBS=2
	assert_success
	[ "$(ran 'parallel --pipe --round-robin')" -eq 2 ]
	cmp one/metric.tsv two/metric.tsv
	cmp one/groups.ssim two/groups.ssim
	cmp one/flat.ssim two/flat.ssim
	# JOBS changes no result: nothing to redo.
	run metric DATA=m.tsv HIER=hier.tsv OUT=one JOBS=2
	assert_output "make: Nothing to be done for 'metric'."
	# More jobs than blocks: those that get no line end quietly.
	run --separate-stderr metric DATA=m.tsv HIER=hier.tsv OUT=eight JOBS=8
	assert_success
	[ "$stderr" = "" ]
	cmp one/metric.tsv eight/metric.tsv
	# And make -j over the stages.
	run metric -j 2 DATA=m.tsv HIER=hier.tsv OUT=three
	assert_success
	cmp one/metric.tsv three/metric.tsv
	# A stream of several of parallel's 256 KB blocks: the whole example
	# set under paths some 500 bytes long.
	l=$PWD/$(printf 'd%.0s' $(seq 200))/$(printf 'e%.0s' $(seq 200))
	mkdir -p "$l"
	ln -s "$(cd "$EX" && pwd)" "$l/fl"
	imgls "$EX" | awk -F'\t' -v OFS='\t' -v ex="$EX" -v l="$l/fl" \
		'{ $1 = l substr($1, length(ex) + 1); print }' >big.tsv
	metric DATA=big.tsv OUT=big1 >/dev/null
	[ "$(wc -c <big1/groups.pairs)" -gt 524288 ]
	metric DATA=big.tsv OUT=big3 JOBS=3 >/dev/null
	cmp big1/flat.ssim big3/flat.ssim
	cmp big1/groups.ssim big3/groups.ssim
	cmp big1/metric.tsv big3/metric.tsv
	# Each pass's three blocks or more go to at most JOBS processes that
	# live for the whole stream, as under ssimcls -j, not to one process a
	# block.  (A job reads its standard input; make's check of the
	# options names a file.)
	mkdir stub
	for p in supgroup imgpairs meanreduce ssimcls expfit; do ln -s "$BIN/$p" stub/; done
	printf '#!/bin/sh\n[ $# -gt 0 ] || echo job >>"%s"\nexec "%s" "$@"\n' "$PWD/jobs.log" "$BIN/ssimpair" >stub/ssimpair
	chmod +x stub/ssimpair
	make --no-print-directory -f "$MK" BIN="$PWD/stub" DATA=big.tsv OUT=big2 JOBS=2 >/dev/null
	cmp big1/metric.tsv big2/metric.tsv
	[ "$(wc -l <jobs.log)" -le 4 ]
}

@test "metric.mk: no DATA, or a DATA that is not there" {
	run metric OUT=out
	assert_failure 2
	assert_line "metric.mk: set DATA=manifest.tsv"
	[ ! -e out/metric.tsv ]
	run metric DATA=nope.tsv OUT=out
	assert_failure 2
	assert_output --partial "No rule to make target 'nope.tsv'"
	[ ! -e out/metric.tsv ]
}

@test "metric.mk: a bad K, SEED, SSIM or JOBS, a path make cannot take: stopped before any stage" {
	make_small
	for v in K=x 'K=2$x' 'SEED=1$x' JOBS=0 JOBS=x; do
		run metric DATA=m.tsv OUT=out "$v"
		assert_failure 2
		assert_output --partial "*** $v: not a"
		[ ! -e out ]
	done
	# the ranges and options of the programs that take them, their messages
	for v in "K=0:imgpairs: -k: must be greater than 0" \
		"K=2e6:imgpairs: -k: 2e+06 is out of range [0, 1e+06]" \
		"SEED=-1:imgpairs: --seed: '-1' must not be negative" \
		"SEED=1.5:imgpairs: --seed: '1.5' is not a non-negative integer" \
		"SEED=18446744073709551616:imgpairs: --seed: '18446744073709551616' is not a non-negative integer" \
		"SSIM=--size 0x5:ssimpair: --size: 0 is out of range [1, 65535]" \
		"SSIM=--no-such:ssimpair: unrecognized option '--no-such'"; do
		run metric DATA=m.tsv OUT=out "${v%%:*}"
		assert_failure 2
		assert_output --partial "*** ${v%%:*}: ${v#*:}.  Stop."
		[ ! -e out ]
	done
	run metric DATA=m.tsv OUT=out BIN="$PWD/nowhere"
	assert_failure 2
	assert_output --partial "*** $PWD/nowhere/supgroup: no such program (BIN=$PWD/nowhere)."
	[ ! -e out ]
	run metric DATA=m.tsv OUT=out SEED=18446744073709551615 K=0.5 out/flat.pairs
	assert_success
	# white space and the characters make or the shell reads as syntax
	mkdir 'my data'
	cp m.tsv 'my data/m.tsv'
	for v in 'DATA=my data/m.tsv' 'OUT=my out' 'HIER=h;x.tsv' 'OUT=a:b' 'BIN=b(in)' "OUT=it's" 'DATA=m$x.tsv' \
		'OUT=$(HOME)'; do
		run metric DATA=m.tsv "$v"
		assert_failure 2
		assert_output --partial "*** $v: make cannot take a path with white space or any of"
		assert_output --partial "link to it (ln -s) under a plain name"
		[ ! -e "my out" ]
		[ ! -e a:b ]
		[ ! -e "it's" ]
	done
	# under a plain name, the same data
	ln -s 'my data' plain
	run metric DATA=plain/m.tsv OUT=out2
	assert_success
}

@test "metric.mk: a class missing from HIER stops make; no stage looks complete" {
	make_small
	grep -v '^Sneaker' hier.tsv >partial.tsv
	line=$(grep -n "${TAB}Sneaker\$" m.tsv | head -n 1 | cut -d: -f1)
	# Sneaker comes after other classes: supgroup has printed lines
	# before it stops, which must not become pairs.
	[ "$line" -gt 1 ]
	run metric DATA=m.tsv HIER=partial.tsv OUT=out
	assert_failure 2
	assert_line "supgroup: m.tsv:$line: class 'Sneaker' is not in partial.tsv"
	[ ! -e out/groups.pairs ]
	[ "$(ls out | grep -c tmp)" -eq 0 ]
	[ ! -e out/metric.tsv ]
	# An unreadable image stops it at the SSIM stage, also through
	# parallel; none of the SSIM stage's temporaries stays.
	make_small
	printf 'gone.png\tSolo\n%s\tSolo\n' "$(head -n 1 m.tsv | cut -f1)" >>m.tsv
	jobs=1
	! command -v parallel >/dev/null || jobs="1 2"
	for j in $jobs; do
		run metric DATA=m.tsv OUT="out$j" JOBS="$j"
		assert_failure 2
		assert_output --regexp "ssimpair: \(stdin\):[0-9]+: gone.png: No such file or directory"
		[ -e "out$j/flat.pairs" ]
		[ ! -e "out$j/flat.ssim" ]
		[ ! -e "out$j/groups.ssim" ]
		[ "$(ls "out$j" | grep -c tmp)" -eq 0 ]
		[ ! -e "out$j/metric.tsv" ]
		# And again: the failed stage is not taken for done.
		run metric DATA=m.tsv OUT="out$j" JOBS="$j"
		assert_failure 2
		assert_output --regexp "ssimpair: \(stdin\):[0-9]+: gone.png: No such file or directory"
	done
}

@test "metric.mk: a failed last stage leaves no metric.tsv, new or temporary" {
	make_small
	metric DATA=m.tsv HIER=hier.tsv OUT=out >/dev/null
	printf 'not a mean\n' >out/groups.mean
	# within one tick of the clock the two could have the same time
	touch -d '2 seconds ago' out/metric.tsv
	run metric DATA=m.tsv HIER=hier.tsv OUT=out
	assert_failure 2
	assert_line "ssimcls: out/groups.mean:1: expected 5 TAB-separated fields, found 1"
	[ "$(ls out | grep -c tmp)" -eq 0 ]
	# The metric.tsv of before stays older than its input: made again.
	[ out/groups.mean -nt out/metric.tsv ]
	run metric DATA=m.tsv HIER=hier.tsv OUT=out
	assert_failure 2
	rm out/metric.tsv
	run metric DATA=m.tsv HIER=hier.tsv OUT=out
	assert_failure 2
	[ ! -e out/metric.tsv ]
	[ "$(ls out | grep -c tmp)" -eq 0 ]
}
