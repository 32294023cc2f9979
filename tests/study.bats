#!/usr/bin/env bats
# pipelines/study.mk: GM-augCls on several datasets, the points, the fit
# beside Eq. 4, the plot.

load helper

MK="$BATS_TEST_DIRNAME/../pipelines/study.mk"

setup() {
	pipeline_setup
}

study() {
	make --no-print-directory -f "$MK" BIN="$BIN" STUDY=study.tsv OUT=out EPOCHS=1 KIMG=0.064 STEPS=1 \
		GANTRAIN="--size 12 --width-mult 0.5 --batch 16" \
		CLSTRAIN="--size 12x12 --width-mult 0.25 --batch 8" "$@" 2>&1
}

# top1 of a made-up clseval.
eval_of() {
	printf 'top1\t%s\nbalanced\t%s\ngmean\t0\nn\t9\n' "$1" "$1"
}

@test "study.mk: a point a dataset; the fit and Eq. 4 on the gains above 0; the plot" {
	split_set tops T-shirt-top:10 Pullover:5 Coat:3
	split_set foot Sandal:10 Sneaker:4
	split_set mixc0 Trouser:10 Bag:4 Dress:3
	split_set four Trouser:8 Pullover:4 Sandal:3 Bag:2
	printf '%s\t%s.tsv\t%s.val.tsv\n' tops tops tops foot foot foot mixc0 mixc0 mixc0 four four four >study.tsv
	printf 'Sandal\tfootwear\nSneaker\tfootwear\n' >hier.tsv
	printf 'foot\tfoot.tsv\tfoot.val.tsv\thier.tsv\n' >>study.tsv
	sed -i '2d' study.tsv # foot again, now with its hierarchy
	run study out/points.tsv
	assert_success
	# each dataset's run is augcls.mk's; its point, SSIM-supSubCls (with
	# the dataset's hierarchy) and the gain of final over c0
	for n in tops foot mixc0 four; do
		[ -s out/$n/final.tsv ]
		x=$(awk -F'\t' '$1 == "supsubcls" { print $2 }' out/$n/metric.tsv)
		grep -q "^$n$TAB$x$TAB" out/points.tsv
	done
	[ "$(awk -F'\t' '$1 == "supsubcls" { print $2 }' out/foot/metric.tsv)" = \
		"$(ssimcls -H hier.tsv foot.tsv | awk -F'\t' '$1 == "supsubcls" { print $2 }')" ]
	# gains made up, the evaluations of c0 and of the step rewritten: 25%,
	# 10%, 2% and -5%
	local names=(tops foot mixc0 four) top1=(1.0 0.88 0.816 0.76) i
	for i in 0 1 2 3; do
		eval_of 0.8 >out/${names[i]}/c0.eval
		eval_of "${top1[i]}" >out/${names[i]}/s1/cls.eval
	done
	run study
	assert_success
	[ "$(cut -f 1,3 out/points.tsv | paste -sd ' ')" = "tops${TAB}25 mixc0${TAB}2 four${TAB}-5 foot${TAB}10" ]
	# the fit: expfit's on the three points above 0, Eq. 4 scored on them
	awk -F'\t' -v OFS='\t' '$3 > 0 { print $2, $3 }' out/points.tsv >pos.tsv
	[ "$(wc -l <pos.tsv)" -eq 3 ]
	for k in b c r2 mae; do
		[ "$(awk -F'\t' -v k=$k '$1 == k { print $2 }' out/fit.tsv)" = "$(expfit pos.tsv | awk -F'\t' -v k=$k '$1 == k { print $2 }')" ]
		[ "$(awk -F'\t' -v k=$k '$1 == k { print $3 }' out/fit.tsv)" = "$(expfit --paper pos.tsv | awk -F'\t' -v k=$k '$1 == k { print $2 }')" ]
	done
	grep -qx "left_out${TAB}1${TAB}1" out/fit.tsv
	[ "$(head -c 8 out/curve.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	# nothing changed: nothing redone but each run's own make
	run study
	assert_success
	[ "$(grep -c expfit <<<"$output")" -eq 0 ]
}

@test "study.mk: no STUDY is a usage error" {
	run make --no-print-directory -f "$MK" BIN="$BIN" OUT=out
	assert_failure 2
	assert_output --partial "study.mk: set STUDY=study.tsv"
}

@test "study.mk: fewer than three gains above 0: the points, and why there is no fit" {
	split_set tops T-shirt-top:10 Pullover:5 Coat:3
	printf 'tops\ttops.tsv\ttops.val.tsv\n' >study.tsv
	study out/points.tsv >/dev/null
	eval_of 0.8 >out/tops/c0.eval
	eval_of 0.88 >out/tops/s1/cls.eval
	run study
	assert_failure
	assert_line "study.mk: no fit: 1 of the 1 datasets gained (a gain above 0 in out/points.tsv), and the curve, never negative, is fitted to those: it needs 3"
	[ "$(cut -f 1,3 out/points.tsv)" = "tops${TAB}10" ]
	[ ! -e out/positive.tsv ]
	[ ! -e out/fit.tsv ]
	[ ! -e out/curve.png ]
	[ -z "$(find out -name '*.tmp*')" ]
	refute_output --partial expfit
	# a loss: none gained
	eval_of 0.8 >out/tops/c0.eval
	eval_of 0.7 >out/tops/s1/cls.eval
	run study
	assert_failure
	assert_line --partial "study.mk: no fit: 0 of the 1 datasets gained"
	[ "$(cut -f 1,3 out/points.tsv)" = "tops${TAB}-12.5" ]
}

@test "study.mk: a STUDY line make cannot take is refused before any run" {
	split_set tops T-shirt-top:4 Pullover:3
	mkdir 'my sets'
	cp tops.tsv 'my sets/'
	bad() {
		printf "$1" >study.tsv
		run study
		assert_failure 2
		assert_output --partial "*** study.tsv:$2"
		[ ! -e out ]
	}
	bad 'tops\ttops.tsv\ttops.val.tsv\nmy tops\ttops.tsv\ttops.val.tsv\n' '2: field 1: "my tops": make cannot take a path with white space or any of'
	bad 'tops\tmy sets/tops.tsv\ttops.val.tsv\n' '1: field 2: "my sets/tops.tsv": make cannot take a path'
	bad 'tops\ttops.tsv\ttops.val.tsv\th;x.tsv\n' '1: field 4: "h;x.tsv": make cannot take a path'
	bad 'tops\ttops$x.tsv\ttops.val.tsv\n' '1: field 2: "tops$x.tsv": make cannot take a path'
	bad 'tops\ttops.tsv\n' '1: expected name<TAB>train<TAB>val[<TAB>hier], found 2 field(s)'
	bad 'a/b\ttops.tsv\ttops.val.tsv\n' '1: name "a/b": not a directory name'
	bad 'tops\ttops.tsv\ttops.val.tsv\n\ntops\ttops.tsv\ttops.val.tsv\n' '3: name "tops" given twice'
	run study STUDY=nope.tsv
	assert_failure 2
	assert_output --partial "*** STUDY=nope.tsv: no such file"
	printf 'tops\ttops.tsv\ttops.val.tsv\n' >study.tsv
	run study OUT='my out'
	assert_failure 2
	assert_output --partial "*** OUT=my out: make cannot take a path with white space"
	[ ! -e 'my out' ]
}

@test "study.mk: a bad option for augcls.mk stops make before any run" {
	split_set tops T-shirt-top:4 Pullover:3
	printf 'tops\ttops.tsv\ttops.val.tsv\n' >study.tsv
	run study GANSAMPLE=--no-such
	assert_failure 2
	assert_output --partial "*** GANSAMPLE=--no-such: gansample: unrecognized option '--no-such'.  Stop."
	[ ! -e out ]
	run study OVER=0.5
	assert_failure 2
	assert_output --partial "*** OVER=0.5: quota: --over: 0.5 is out of range [1, 1000].  Stop."
	[ ! -e out ]
}

@test "study.mk: GENS=\"gan diffusion\": the points and the curve of each generator" {
	split_set tops T-shirt-top:6 Pullover:3
	split_set foot Sandal:6 Sneaker:3
	split_set mix Trouser:6 Bag:3
	printf '%s\t%s.tsv\t%s.val.tsv\n' tops tops tops foot foot foot mix mix mix >study.tsv
	local g=(GENS="gan diffusion" DIFFTRAIN="--size 12 --width-mult 0.25 --batch 8 --kimg 0.032 --sample-steps 2"
		DIFFSAMPLE="--steps 2")
	run study "${g[@]}" out/points.tsv out/gd-points.tsv
	assert_success
	# each dataset's runs of both, in one OUT: the diffusion's in gd/
	for n in tops foot mix; do
		[ -s out/$n/final.eval ]
		[ -s out/$n/gd/final.eval ]
		[ -s out/$n/gd/diff.ckpt ]
	done
	# gains made up, each generator's own: the GAN's 25%, 10%, 5%; the
	# diffusion's 50%, 20%, 2.5%
	local names=(tops foot mix) gan=(1.0 0.88 0.84) gd=(1.2 0.96 0.82) i
	for i in 0 1 2; do
		eval_of 0.8 >out/${names[i]}/c0.eval
		eval_of "${gan[i]}" >out/${names[i]}/s1/cls.eval
		eval_of "${gd[i]}" >out/${names[i]}/gd/s1/cls.eval
	done
	run study "${g[@]}"
	assert_success
	[ "$(cut -f 1,3 out/points.tsv | paste -sd ' ')" = "tops${TAB}25 foot${TAB}10 mix${TAB}5" ]
	[ "$(cut -f 1,3 out/gd-points.tsv | paste -sd ' ')" = "tops${TAB}50 foot${TAB}20 mix${TAB}2.5" ]
	cut -f 2,3 out/gd-points.tsv >pos.tsv
	for k in b c r2 mae; do
		[ "$(awk -F'\t' -v k=$k '$1 == k { print $2 }' out/gd-fit.tsv)" = "$(expfit pos.tsv | awk -F'\t' -v k=$k '$1 == k { print $2 }')" ]
	done
	! cmp -s out/fit.tsv out/gd-fit.tsv || false
	for f in curve gd-curve; do
		[ "$(head -c 8 out/$f.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	done
	# the GAN's alone (the default) makes none of the diffusion's
	rm out/gd-fit.tsv
	run study
	assert_success
	[ ! -e out/gd-fit.tsv ]
}

@test "study.mk: every generator's options checked before any run; GENS bad" {
	split_set tops T-shirt-top:4 Pullover:3
	printf 'tops\ttops.tsv\ttops.val.tsv\n' >study.tsv
	run study GENS="gan diffusion" DIFFTRAIN=--no-such
	assert_failure 2
	assert_output --partial "*** DIFFTRAIN=--no-such: difftrain: unrecognized option '--no-such'.  Stop."
	[ ! -e out ]
	run study GEN=diffusion DIFFSAMPLE="--steps 1"
	assert_failure 2
	assert_output --partial "*** DIFFSAMPLE=--steps 1: diffsample: --steps: 1 is out of range [2, 1000000].  Stop."
	[ ! -e out ]
	run study GENS="gan bogus"
	assert_failure 2
	assert_output --partial "*** GENS=gan bogus: bogus: the generator must be gan or diffusion.  Stop."
	[ ! -e out ]
	run study SEEDS=1
	assert_failure 2
	assert_output --partial "*** SEEDS=1: one seed gives no interval: give two or more, or none"
	[ ! -e out ]
}

@test "study.mk: SEEDS: a point a dataset, its mean gain over the seeds and the interval; error bars" {
	split_set tops T-shirt-top:10 Pullover:5 Coat:3
	split_set foot Sandal:10 Sneaker:4
	split_set mixc0 Trouser:10 Bag:4 Dress:3
	printf '%s\t%s.tsv\t%s.val.tsv\n' tops tops tops foot foot foot mixc0 mixc0 mixc0 >study.tsv
	run study SEEDS="1 2" out/points.tsv
	assert_success
	# a run of each seed, on one generator a dataset
	for n in tops foot mixc0; do
		[ -s out/$n/seed1/final.eval ]
		[ -s out/$n/seed2/final.eval ]
		[ -s out/$n/gan.ckpt ]
	done
	# gains made up: tops 25 and 21 %, foot 10 and 10 %, mixc0 2 and 3 %
	local names=(tops foot mixc0) one=(1.0 0.88 0.816) two=(0.968 0.88 0.824) i
	for i in 0 1 2; do
		eval_of 0.8 >out/${names[i]}/seed1/c0.eval
		eval_of 0.8 >out/${names[i]}/seed2/c0.eval
		eval_of "${one[i]}" >out/${names[i]}/seed1/s1/cls.eval
		eval_of "${two[i]}" >out/${names[i]}/seed2/s1/cls.eval
	done
	run study SEEDS="1 2"
	assert_success
	# name, SSIM-supSubCls, mean gain, its interval (t with 1 degree of
	# freedom: 12.706 sd / sqrt 2), runs
	x=$(awk -F'\t' '$1 == "supsubcls" { print $2 }' out/tops/seed1/metric.tsv)
	run cat out/points.tsv
	assert_line "tops${TAB}$x${TAB}23.0000${TAB}-2.4124${TAB}48.4124${TAB}2"
	assert_line --regexp "^foot${TAB}.*${TAB}10.0000${TAB}10.0000${TAB}10.0000${TAB}2$"
	assert_line --regexp "^mixc0${TAB}.*${TAB}2.5000${TAB}-3.8531${TAB}8.8531${TAB}2$"
	# the fit through the means, as expfit's of them
	awk -F'\t' -v OFS='\t' '{ print $2, $3 }' out/points.tsv >means.tsv
	[ "$(awk -F'\t' '$1 == "b" { print $2 }' out/fit.tsv)" = "$(expfit means.tsv | awk -F'\t' '$1 == "b" { print $2 }')" ]
	[ "$(head -c 8 out/curve.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	[ "$(awk -F'\t' '{ print NF }' out/positive.tsv | sort -u)" = 4 ]
}
