#!/usr/bin/env bats
# pipelines/augcls.mk: GM-augCls as Make stages on a tiny imbalanced set —
# the balanced manifest, the steps, the baselines, re-runs and resumes.

load helper

MK="$BATS_TEST_DIRNAME/../pipelines/augcls.mk"

setup() {
	pipeline_setup
	# Trouser 10, Bag 5, Sneaker 3 to train; 3 of each to validate
	split_set m Trouser:10 Bag:5 Sneaker:3
}

# A tiny run: 12x12 networks, one epoch, 64 real images for the GAN.
aug() {
	make --no-print-directory -f "$MK" BIN="${AUGBIN:-$BIN}" DATA=m.tsv VAL=m.val.tsv EPOCHS=1 KIMG=0.064 \
		GANTRAIN="--size 12 --width-mult 0.5 --batch 16" \
		CLSTRAIN="--size 12x12 --width-mult 0.25 --batch 8" "$@" 2>&1
}

# The same with the diffusion model: 12x12, a quarter of the widths, 32
# real images, two sampling steps.
augd() {
	make --no-print-directory -f "$MK" BIN="${AUGBIN:-$BIN}" DATA=m.tsv VAL=m.val.tsv EPOCHS=1 GEN=diffusion \
		KIMG=0.032 DIFFTRAIN="--size 12 --width-mult 0.25 --batch 8 --sample-steps 2" DIFFSAMPLE="--steps 2" \
		CLSTRAIN="--size 12x12 --width-mult 0.25 --batch 8" "$@" 2>&1
}

ran() {
	grep -c -- "$1" <<<"$output" || true
}

# The images of manifest GOT are, class by class, the first images of
# manifest WHOLE: the same bytes, in the same order.
first_images_of() {
	local got=$1 whole=$2 c a b
	while IFS= read -r c; do
		while IFS="$TAB" read -r a b; do
			cmp "$a" "$b"
		done < <(paste <(awk -F'\t' -v c="$c" '$2 == c { print $1 }' "$got") \
			<(awk -F'\t' -v c="$c" -v n="$(awk -F'\t' -v c="$c" '$2 == c' "$got" | wc -l)" \
				'$2 == c && k++ < n { print $1 }' "$whole"))
	done < <(cut -f 2 "$got" | sort -u)
}

# CASE is VAR=VALUE:MESSAGE: aug with VAR=VALUE stops with exit 2 and
# make's "*** VAR=VALUE: MESSAGE" (then END, if given) before any stage.
refused_before_any_stage() {
	local case=$1 end=${2:-}
	run aug OUT=out "${case%%:*}"
	assert_failure 2
	assert_output --partial "*** ${case%%:*}: ${case#*:}$end"
	[ ! -e out ]
}

@test "augcls.mk: the balanced manifest is DATA and the images kept, at most each quota" {
	run aug OUT=out ALPHA=0.3 -j 2
	assert_success
	[ "$(quota m.tsv)" = "$(cat out/keep.tsv)" ]
	[ "$(quota --over 2 m.tsv)" = "$(cat out/draw.tsv)" ]
	# the generator's log: a line a snapshot, the last at its end (KIMG)
	[ "$(tail -n 1 out/gan.log | cut -f 1)" = 0.064 ]
	[ "$(head -n 18 out/final.tsv)" = "$(cat m.tsv)" ]
	# the rest: generated images kept by the filter, files of their class
	tail -n +19 out/final.tsv >added.tsv
	while IFS="$TAB" read -r p c; do
		[ -f "$p" ]
		[[ "$p" == out/pool/*/"$c"/* ]]
	done <added.tsv
	# no class beyond its quota (Bag 5, Sneaker 7), Trouser none
	[ "$(classcount -f 2 added.tsv | awk -F'\t' '($1 == "Bag" && $2 > 5) || ($1 == "Sneaker" && $2 > 7) || $1 == "Trouser"' | wc -l)" -eq 0 ]
	# each kept image's probability for its class reached ALPHA
	best=$(awk -F'\t' 'NR > 1 && (b == "" || $2 > t) { b = $1; t = $2 } END { print b }' out/steps.tsv)
	[ "$(cut -f 1,2 out/$best/kept.tsv)" = "$(cat added.tsv)" ]
	[ "$(awk -F'\t' 'NR == FNR { k[$1]; next } $1 in k && $NF < 0.3' added.tsv out/$best/scored.tsv | wc -l)" -eq 0 ]
	cmp out/final.eval out/$best/cls.eval
	# steps.tsv: c0, then s1, and s2 only if s1 rose by more than EPS
	[ "$(cut -f 1 out/steps.tsv | head -n 2 | paste -sd ' ')" = "c0 s1" ]
	run aug OUT=out ALPHA=0.3
	assert_output "make: Nothing to be done for 'augcls'."
	# another PART: the images, and so the steps, made again
	run aug OUT=out ALPHA=0.3 PART=3
	assert_success
	[ "$(ran 'clstrain.*out/s1/cls.log')" -eq 1 ]
	[ "$(ran gantrain)" -eq 0 ]
	# GANSAMPLE: the images drawn again with it, the generator kept
	run aug OUT=out ALPHA=0.3 STEPS=1 GANSAMPLE="--truncation 0.5"
	assert_success
	[ "$(ran gantrain)" -eq 0 ]
	gansample --seed 2 --quota out/draw.tsv --truncation 0.5 out/gan.ckpt | imgsplit expect >expect.tsv
	[ "$(wc -l <out/s1/gen.tsv)" -eq "$(wc -l <expect.tsv)" ]
	first_images_of out/s1/gen.tsv expect.tsv
}

@test "augcls.mk: EPS and STEPS: a step is taken only while top-1 rises by more than EPS" {
	# EPS 1: no rise is more than that, one step
	run aug OUT=out EPS=1 STEPS=3
	assert_success
	[ "$(cut -f 1 out/steps.tsv | paste -sd ' ')" = "c0 s1" ]
	[ ! -e out/s2 ]
	# EPS -1: every rise is, all the steps; the filter of step 2 is step 1's
	# classifier
	run aug OUT=out EPS=-1 STEPS=3
	assert_success
	[ "$(cut -f 1 out/steps.tsv | paste -sd ' ')" = "c0 s1 s2 s3" ]
	[ "$(ran 'gantrain')" -eq 0 ]
	[ "$(ran 'clstrain.*out/c0.log')" -eq 0 ]
	grep -q 'clsprob out/s1/cls.ckpt out/s2/gen.tsv' <<<"$output"
}

@test "augcls.mk: the baselines on the same classifier settings" {
	run aug OUT=out baselines
	assert_success
	for b in orig noselect cb oversample la posthoc smote final-la; do
		grep -q "^top1$TAB" out/base/$b.eval
	done
	cmp out/base/orig.eval out/c0.eval
	grep -q -- 'clstrain .*--loss cb .*m.tsv' <<<"$output"
	grep -q -- 'clstrain .*--oversample .*m.tsv' <<<"$output"
	grep -q -- 'clstrain .*--loss la .*m.tsv' <<<"$output"
	grep -q -- 'clstrain .*--loss la .*out/final.tsv' <<<"$output"
	# the original classifier adjusted: clseval's own numbers
	clseval --adjust 1 out/c0.ckpt m.val.tsv 2>/dev/null | cmp - out/base/posthoc.eval
	# unfiltered: exactly the quota of generated images
	[ "$(wc -l <out/base/noselect/train.tsv)" -eq $((18 + 5 + 7)) ]
	# SMOTE's: the quota of each class, as smote draws them with the pool's seed
	[ "$(wc -l <out/base/smote/train.tsv)" -eq $((18 + 5 + 7)) ]
	[ "$(cut -f2 out/base/smote/gen.tsv | sort | uniq -c | awk '{ print $2 $1 }' | paste -sd ' ')" = "Bag5 Sneaker7" ]
	smote --quota out/keep.tsv --seed 2 m.tsv | imgsplit again >again.tsv
	paste out/base/smote/gen.tsv again.tsv | while IFS="$TAB" read -r a _ b _; do cmp "$a" "$b"; done
	# augreport's rows, in order
	aug OUT=out augcls >/dev/null
	run augreport out
	assert_success
	[ "$(grep '^method' <<<"$output" | cut -f2 | paste -sd ' ')" = "original gm-augcls noselect gm-la cb-loss la-loss posthoc oversample smote" ]
}

@test "augcls.mk: a failed stage leaves no file make takes as done; a re-run goes on from there" {
	mkdir fakebin
	for p in "$BIN"/*; do ln -s "$p" fakebin/; done
	rm fakebin/clsprob
	printf '#!/bin/sh\necho "clsprob: broken" >&2\nexit 1\n' >fakebin/clsprob
	chmod +x fakebin/clsprob
	AUGBIN=$PWD/fakebin run aug OUT=out
	assert_failure
	[ -e out/gan.ckpt ]
	[ -e out/c0.ckpt ]
	[ ! -e out/s1/scored.tsv ]
	[ ! -e out/steps.tsv ]
	[ -z "$(find out -name '*.tmp*')" ]
	run aug OUT=out
	assert_success
	[ "$(ran gantrain)" -eq 0 ]
	[ "$(ran 'clstrain.*out/c0.log')" -eq 0 ]
	[ "$(ran 'clsprob out/c0.ckpt out/s1/gen.tsv')" -eq 1 ]
	[ -s out/final.tsv ]
}

@test "augcls.mk: killed while the generator trains, a re-run resumes it to the same end" {
	aug OUT=whole KIMG=1.6 >/dev/null
	setsid make --no-print-directory -f "$MK" BIN="$BIN" DATA=m.tsv VAL=m.val.tsv EPOCHS=1 KIMG=1.6 \
		GANTRAIN="--size 12 --width-mult 0.5 --batch 16 --snap 0.032" \
		CLSTRAIN="--size 12x12 --width-mult 0.25 --batch 8" OUT=out >/dev/null 2>&1 &
	local pid=$!
	while [ ! -s out/gan.part.ckpt ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	kill -9 -- -"$pid" 2>/dev/null || true
	wait "$pid" || true
	# killed mid-training: a snapshot written, not the last of 50
	[ -s out/gan.part.ckpt ]
	[ ! -e out/gan.ckpt ]
	[ "$(wc -l <out/gan.log)" -lt 50 ]
	# resumed, its log is appended to; begun again, it would be rewritten
	echo 'killed here' >>out/gan.log
	run aug OUT=out KIMG=1.6 GANTRAIN="--size 12 --width-mult 0.5 --batch 16 --snap 0.032"
	assert_success
	grep -qx 'augcls.mk: resuming out/gan.part.ckpt' <<<"$output"
	grep -qx 'killed here' out/gan.log
	cmp whole/gan.ckpt out/gan.ckpt
	cmp whole/final.tsv out/final.tsv
}

@test "augcls.mk: a partial checkpoint older than the data is not resumed" {
	mkdir out
	aug OUT=out out/cls.params >/dev/null
	# newer than the parameters, older than the manifest (changed since)
	printf 'not a checkpoint' >out/c0.part.ckpt
	touch -d 'now + 2 seconds' m.tsv
	run aug OUT=out out/c0.eval
	assert_success
	! grep -qx 'augcls.mk: resuming out/c0.part.ckpt' <<<"$output" || false
	# newer than everything it was made from: resumed (and refused, here)
	rm out/c0.ckpt
	printf 'not a checkpoint' >out/c0.part.ckpt
	touch -d 'now + 5 seconds' out/c0.part.ckpt
	run aug OUT=out out/c0.eval
	assert_failure
	assert_output --partial 'augcls.mk: resuming out/c0.part.ckpt'
}

@test "augcls.mk: killed while a classifier trains, a re-run resumes it to the same end" {
	aug OUT=whole EPOCHS=40 whole/c0.eval >/dev/null
	setsid make --no-print-directory -f "$MK" BIN="$BIN" DATA=m.tsv VAL=m.val.tsv EPOCHS=40 KIMG=0.064 \
		GANTRAIN="--size 12 --width-mult 0.5 --batch 16" \
		CLSTRAIN="--size 12x12 --width-mult 0.25 --batch 8" OUT=out out/c0.eval >/dev/null 2>&1 &
	local pid=$!
	while [ ! -s out/c0.part.ckpt ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	kill -9 -- -"$pid" 2>/dev/null || true
	wait "$pid" || true
	# killed mid-training: an epoch's model written, not the last of 40
	[ -s out/c0.part.ckpt ]
	[ ! -e out/c0.ckpt ]
	[ "$(wc -l <out/c0.log)" -lt 40 ]
	run aug OUT=out EPOCHS=40 out/c0.eval
	assert_success
	grep -qx 'augcls.mk: resuming out/c0.part.ckpt' <<<"$output"
	cmp whole/c0.ckpt out/c0.ckpt
	cmp whole/c0.eval out/c0.eval
	[ ! -e out/c0.part.ckpt ]
	[ ! -e out/c0.part.ckpt.best ]
}

@test "augcls.mk: a draw stopped part-way resumes from its whole parts; the steps share them" {
	aug OUT=out out/gan.ckpt out/draw.tsv out/c0.ckpt >/dev/null
	# a gansample that fails on the third part it is to draw (the checks
	# of the options run it too)
	mkdir fakebin
	for p in "$BIN"/*; do ln -s "$p" fakebin/; done
	rm fakebin/gansample
	cat >fakebin/gansample <<-EOF
		#!/bin/sh
		case "\$*" in *--first*) echo "\$*" >>$PWD/calls ;; esac
		[ "\$(wc -l <$PWD/calls 2>/dev/null)" != 3 ] || exit 1
		exec $BIN/gansample "\$@"
	EOF
	chmod +x fakebin/gansample
	AUGBIN=$PWD/fakebin run aug OUT=out PART=2 out/s1/gen.tsv
	assert_failure
	[ ! -e out/s1/gen.tsv ]
	[ "$(ls out/pool)" = "$(printf '1\n1.tsv\n2\n2.tsv\nbegun')" ]
	[ "$(ls out/s1/parts)" = "$(printf '1.prob\n2.prob\nbegun')" ]
	[ -z "$(find out -name '*.tmp*')" ]
	AUGBIN=$PWD/fakebin run aug OUT=out PART=2 out/s1/gen.tsv
	assert_success
	grep -qx 'augcls.mk: resuming the draw of out/s1' <<<"$output"
	# the third part drawn again, the first two not: a run a part of at
	# most 2 images (Bag 10, Sneaker 14: the one-epoch filter gives none
	# 0.9) and the failed one
	[ "$(sed -n 3p calls)" = "$(sed -n 4p calls)" ]
	[[ "$(sed -n 3p calls)" == *"-c Bag -n 2 --first 4 "* ]]
	[ "$(wc -l <calls)" -eq $((5 + 7 + 1)) ]
	[ ! -e out/s1/parts ]
	gansample --seed 2 --quota out/draw.tsv out/gan.ckpt | imgsplit expect >expect.tsv
	[ "$(wc -l <out/s1/gen.tsv)" -eq 24 ]
	first_images_of out/s1/gen.tsv expect.tsv
	# step 2's filter chooses from the same images, none drawn again
	AUGBIN=$PWD/fakebin run aug OUT=out PART=2 out/s2/gen.tsv
	assert_success
	[ "$(wc -l <calls)" -eq $((5 + 7 + 1)) ]
	cmp out/s1/gen.tsv out/s2/gen.tsv
	# what makes the images newer than the pool: it is begun again
	rm out/s1/gen.tsv
	touch -d 'now + 2 seconds' out/gan.ckpt
	AUGBIN=$PWD/fakebin run aug OUT=out PART=2 out/s1/gen.tsv
	assert_success
	! grep -qx 'augcls.mk: resuming the draw of out/s1' <<<"$output" || false
	[ "$(wc -l <calls)" -eq $((2 * (5 + 7) + 1)) ]
	first_images_of out/s1/gen.tsv expect.tsv
	# another PART: the pool begun again, in parts of 3
	rm out/s1/gen.tsv
	AUGBIN=$PWD/fakebin run aug OUT=out PART=3 out/s1/gen.tsv
	assert_success
	[ "$(wc -l <calls)" -eq $((2 * (5 + 7) + 1 + 4 + 5)) ]
	[ "$(wc -l <out/s1/gen.tsv)" -eq 24 ]
	first_images_of out/s1/gen.tsv expect.tsv
}

@test "augcls.mk: a class's draw stops with the part in which its quota passed the filter" {
	# ALPHA 0.01: the one-epoch classifier of three classes gives every
	# image more.  Parts of 2: Bag (quota 5) stops after 3, Sneaker (7)
	# after 4, of the 5 and 7 that OVER 2 allows.
	run aug OUT=out ALPHA=0.01 PART=2 STEPS=1 augcls baselines
	assert_success
	[ "$(classcount -f 2 out/s1/gen.tsv | sort)" = "$(printf 'Bag\t6\nSneaker\t8')" ]
	[ "$(classcount -f 2 out/s1/kept.tsv | sort)" = "$(printf 'Bag\t5\nSneaker\t7')" ]
	# they are the first of each class of the whole draw
	gansample --seed 2 --quota out/draw.tsv out/gan.ckpt | imgsplit whole >whole.tsv
	first_images_of out/s1/gen.tsv whole.tsv
	# unfiltered: the first of each class's quota of them
	tail -n +19 out/base/noselect/train.tsv >added.tsv
	[ "$(cat added.tsv)" = "$(grep "${TAB}Bag\$" out/s1/gen.tsv | head -n 5; grep "${TAB}Sneaker\$" out/s1/gen.tsv | head -n 7)" ]
	# ALPHA 1, which none reaches: the whole of draw.tsv is drawn
	run aug OUT=none ALPHA=1 PART=2 STEPS=1 none/s1/gen.tsv
	assert_success
	[ "$(classcount -f 2 none/s1/gen.tsv | sort)" = "$(printf 'Bag\t10\nSneaker\t14')" ]
}

@test "augcls.mk: the options of the programs, checked by them before anything runs" {
	for v in "ARCH=resnet99:clstrain: --arch: unknown architecture 'resnet99'" \
		"CLSTRAIN=--no-such:clstrain: unrecognized option '--no-such'" \
		"CLSTRAIN=--loss cb --batch 0:clstrain: --batch: 0 is out of range" \
		"GANTRAIN=--truncation 1:gantrain: unrecognized option '--truncation'" \
		"GANTRAIN=--help:Usage: gantrain" \
		"GANSAMPLE=--truncation=500:gansample: --truncation: 500 is out of range [0, 100]" \
		"GANSAMPLE=--truncation 0.01:gansample: --truncation: 0.01 leaves next to no latents" \
		"SSIM=--size 0x5:ssimcls: --size: 0 is out of range [1, 65535]" \
		"SSIM=-k:ssimcls: expected one MANIFEST, got 0" \
		"GANSAMPLE=--first':sh: 1: Syntax error: Unterminated quoted string"; do
		refused_before_any_stage "$v"
	done
	# as the baselines run it: with --loss cb, --oversample
	run aug OUT=out CLSTRAIN="--loss"
	assert_failure 2
	assert_output --partial "*** CLSTRAIN=--loss: clstrain: --loss: unknown value"
	# the programs, where BIN says
	run aug OUT=out BIN="$PWD/nowhere"
	assert_failure 2
	assert_output --partial "*** $PWD/nowhere/gantrain: no such program (BIN=$PWD/nowhere)."
	[ ! -e out ]
	mkdir bin
	for p in "$BIN"/*; do ln -s "$p" bin/; done
	rm bin/imgsplit
	run aug OUT=out BIN="$PWD/bin"
	assert_failure 2
	assert_output --partial "*** $PWD/bin/imgsplit: no such program (BIN=$PWD/bin)."
	[ ! -e out ]
}

@test "augcls.mk: a manifest without its last newline; thresh's error shown" {
	printf '%s' "$(cat m.tsv)" >nonl.tsv
	run aug OUT=out DATA=nonl.tsv ALPHA=0.3 out/s1/train.tsv
	assert_success
	[ "$(head -n 18 out/s1/train.tsv)" = "$(cat m.tsv)" ]
	[ "$(wc -l <out/s1/train.tsv)" -eq $((18 + $(wc -l <out/s1/kept.tsv))) ]
	# a scored record of a class the quota does not name: thresh's own
	# message reaches the terminal, and no kept.tsv is made
	printf 'x.png\tZebra\tZebra\t0.99\t0.99\n' >>out/s1/scored.tsv
	rm out/s1/kept.tsv
	run aug OUT=out DATA=nonl.tsv ALPHA=0.3 out/s1/kept.tsv
	assert_failure
	assert_output --partial "thresh: out/s1/scored.tsv:"
	assert_output --partial "class 'Zebra' has no line in the quota out/keep.tsv"
	[ ! -e out/s1/kept.tsv ]
}

@test "augcls.mk: bad usage" {
	run make --no-print-directory -f "$MK" BIN="$BIN" DATA=m.tsv OUT=out
	assert_failure 2
	assert_output --partial "augcls.mk: set DATA=train.tsv VAL=val.tsv"
	for a in 0 1.5 x '0.9$x'; do
		run aug OUT=out ALPHA=$a
		assert_failure 2
		assert_output --partial "ALPHA=$a: the threshold must be above 0 and at most 1"
		[ ! -e out/gan.part.ckpt ]
	done
	for s in 0 x 1.5; do
		run aug OUT=out STEPS=$s
		assert_failure 2
		assert_output --partial "STEPS=$s: not a whole number of steps from 1"
	done
	run aug OUT=out EPS=small
	assert_failure 2
	assert_output --partial "EPS=small: not a number"
	# every number, before any training
	for v in OVER=x SEED=x STEPS=101 EPS=0x1 EPS=1e 'KIMG=1$x' PART=0 PART=1.5; do
		run aug OUT=out "$v"
		assert_failure 2
		assert_output --partial "*** $v: not a"
		[ ! -e out ]
	done
	# its range the program's own, and its message
	for v in "OVER=-1:quota: --over: -1 is out of range [1, 1000]" \
		"OVER=0.5:quota: --over: 0.5 is out of range [1, 1000]" \
		"KIMG=0:gantrain: --kimg: 0 is out of range [0.001, 1e+09]" \
		"KIMG=-1:gantrain: --kimg: -1 is out of range [0.001, 1e+09]" \
		"EPOCHS=0:clstrain: --epochs: 0 is out of range [1, 1000000]" \
		"EPOCHS=1.5:clstrain: --epochs: '1.5' is not an integer" \
		"SEED=-1:clstrain: --seed: '-1' must not be negative" \
		"SEED=4294967296:gantrain: --seed: 4294967296 is out of range [0, 4294967295]"; do
		refused_before_any_stage "$v" ".  Stop."
	done
	# the seed of the generator's images (SEED + 1): gansample's
	run aug OUT=out SEED=4294967295
	assert_failure 2
	assert_output --partial "*** SEED=4294967295: gansample: --seed: 4294967296 is out of range [0, 4294967295].  Stop."
	run aug OUT=seeds SEED=4294967294 STEPS=3 seeds/gan.params
	assert_success
	# and every path
	mkdir 'my data'
	cp m.tsv 'my data/'
	for v in 'DATA=my data/m.tsv' 'VAL=my data/m.tsv' 'OUT=my out' 'HIER=a&b' 'BIN=x#y'; do
		run aug OUT=out "$v"
		assert_failure 2
		assert_output --partial "*** $v: make cannot take a path with white space or any of"
		[ ! -e 'my out' ]
	done
	[ ! -e out ]
}

@test "augcls.mk: GEN=diffusion in OUT/gd, beside the GAN's run in the same OUT, sharing c0, the metric, the baselines" {
	run aug OUT=out STEPS=1 augcls baselines
	assert_success
	find out -type f -exec sha256sum {} + >gan.sums
	run augd OUT=out STEPS=1 ALPHA=0.3 augcls baselines
	assert_success
	# the diffusion trained and sampled; what the GAN's run made, reused
	# (c0, the metric, the class-balanced and oversampling baselines),
	# its own left as they were
	[ "$(ran 'difftrain .*-o \$p --log out/gd/diff.log --kimg 0.032 --seed 1 ')" -eq 1 ]
	[ "$(ran 'clstrain.*out/gd/s1/cls.log')" -eq 1 ]
	[ "$(ran 'clstrain.*out/gd/base/noselect/cls.log')" -eq 1 ]
	for p in gantrain gansample ssimcls 'clstrain.*out/c0.log' 'clstrain.*--loss cb' 'clstrain.*--oversample'; do
		[ "$(ran "$p")" -eq 0 ] || { echo "ran $p"; false; }
	done
	sha256sum --quiet -c gan.sums
	[ "$(tail -n 1 out/gd/diff.log | cut -f 1)" = 0.032 ]
	[ -s out/gd/diff.png ]
	[ ! -e out/gd/diff.part.ckpt ]
	# step 1's images: diffsample's of the model, seed SEED + 1
	diffsample --seed 2 --quota out/gd/draw.tsv --steps 2 out/gd/diff.ckpt | imgsplit expect >expect.tsv
	[ "$(wc -l <out/gd/s1/gen.tsv)" -eq "$(wc -l <expect.tsv)" ]
	first_images_of out/gd/s1/gen.tsv expect.tsv
	[ "$(head -n 18 out/gd/final.tsv)" = "$(cat m.tsv)" ]
	tail -n +19 out/gd/final.tsv >added.tsv
	while IFS="$TAB" read -r p c; do
		[[ "$p" == out/gd/pool/*/"$c"/* ]]
	done <added.tsv
	cmp out/gd/final.eval out/gd/s1/cls.eval
	# unfiltered: exactly the quota of the diffusion's images
	[ "$(wc -l <out/gd/base/noselect/train.tsv)" -eq $((18 + 5 + 7)) ]
	# each is done: nothing run again, of either
	run aug OUT=out STEPS=1 augcls baselines
	assert_success
	[ "$(ran trap)" -eq 0 ]
	run augd OUT=out STEPS=1 ALPHA=0.3 augcls baselines
	assert_success
	[ "$(ran trap)" -eq 0 ]
	# augreport shows both
	run augreport out
	assert_success
	[ "$(awk -F'\t' '$1 == "method" { print $2 }' <<<"$output" | paste -sd ' ')" = \
		"original gm-augcls noselect gm-la gd-augcls gd-noselect gd-la cb-loss la-loss posthoc oversample smote" ]
}

@test "augcls.mk: GUIDANCE trains diffcls's noisy classifier and guides the samples by it; 0, none" {
	# a scale that moves the 2-step samples of a model so small (they
	# saturate alike at 2)
	run augd OUT=out STEPS=1 GUIDANCE=1000 DIFFCLS="--width-mult 0.25 --batch 8 --kimg 0.016" out/gd/s1/gen.tsv
	assert_success
	[ "$(ran 'diffcls .*--diffusion out/gd/diff.ckpt --log out/gd/guide.log --seed 1')" -eq 1 ]
	[ -s out/gd/guide.ckpt ]
	[ -s out/gd/guide.log ]
	diffsample --seed 2 --quota out/gd/draw.tsv --steps 2 --classifier out/gd/guide.ckpt --guidance 1000 \
		out/gd/diff.ckpt | imgsplit guided >guided.tsv
	[ "$(wc -l <out/gd/s1/gen.tsv)" -eq "$(wc -l <guided.tsv)" ]
	first_images_of out/gd/s1/gen.tsv guided.tsv
	# no guidance: drawn again, unguided, the model kept
	run augd OUT=out STEPS=1 GUIDANCE=0 out/gd/s1/gen.tsv
	assert_success
	[ "$(ran difftrain)" -eq 0 ]
	[ "$(ran diffcls)" -eq 0 ]
	diffsample --seed 2 --quota out/gd/draw.tsv --steps 2 out/gd/diff.ckpt | imgsplit plain >plain.tsv
	[ "$(wc -l <out/gd/s1/gen.tsv)" -eq "$(wc -l <plain.tsv)" ]
	first_images_of out/gd/s1/gen.tsv plain.tsv
	! diff -r -q guided plain >/dev/null || false
}

@test "augcls.mk: the diffusion's images are drawn in 10 steps unless DIFFSAMPLE says otherwise" {
	run make --no-print-directory -f "$MK" BIN="$BIN" DATA=m.tsv VAL=m.val.tsv GEN=diffusion OUT=out \
		out/gd/pool.params out/gd/filter.params
	assert_success
	[ "$(cat out/gd/pool.params)" = "seed 2 / part 500 / quota --over 2 / diffsample --steps 10" ]
	[ "$(cat out/gd/filter.params)" = "thresh -a 0.9 / quota --over 2 / diffsample --steps 10" ]
	run augd OUT=out out/gd/pool.params
	assert_success
	[ "$(cat out/gd/pool.params)" = "seed 2 / part 500 / quota --over 2 / diffsample --steps 2" ]
}

@test "augcls.mk: KIMG empty is the generator's own default length" {
	run aug OUT=out KIMG= out/gan.params
	assert_success
	[ "$(cat out/gan.params)" = "gantrain --kimg 400 --seed 1 --size 12 --width-mult 0.5 --batch 16" ]
	run augd OUT=out KIMG= out/gd/diff.params
	assert_success
	[ "$(cat out/gd/diff.params)" = "difftrain --seed 1 --size 12 --width-mult 0.25 --batch 8 --sample-steps 2" ]
	run augd OUT=out KIMG=0.5 out/gd/diff.params
	[ "$(cat out/gd/diff.params)" = "difftrain --kimg 0.5 --seed 1 --size 12 --width-mult 0.25 --batch 8 --sample-steps 2" ]
}

@test "augcls.mk: make -n shows the stages and writes nothing, also of the steps" {
	aug OUT=out out/c0.eval >/dev/null
	touch -d '1 minute ago' marker
	find out -exec touch -h -d '2 minutes ago' {} +
	run aug OUT=out -n augcls
	assert_success
	assert_output --partial "out/s1/cls.eval"
	[ ! -e out/steps.tsv ]
	[ -z "$(find out -newer marker)" ]
}

@test "augcls.mk: FILL=oversample tops up what the filter left short with the class's own images" {
	# ALPHA 1: the filter keeps next to nothing
	run aug OUT=out ALPHA=1 STEPS=1 FILL=oversample augcls
	assert_success
	grep -q 'fill oversample' out/filter.params
	# every class as large as the largest (Trouser 10)
	[ "$(cut -f2 out/final.tsv | sort | uniq -c | awk '{ print $1 }' | sort -u)" = 10 ]
	# the fill: Bag's and Sneaker's own lines, drawn again, as longtail
	# --replace draws them
	awk -F'\t' -v OFS='\t' 'FILENAME == ARGV[1] { n[$2]++; next } { s = $2 - n[$1]; print $1, (s > 0 ? s : 0) }' \
		out/s1/kept.tsv out/keep.tsv >short.tsv
	longtail --counts short.tsv --replace --seed 1 m.tsv 2>/dev/null | cmp - out/s1/fill.tsv
	[ "$(head -n 18 out/final.tsv)" = "$(cat m.tsv)" ]
	# without FILL the set is as the filter left it
	run aug OUT=plain ALPHA=1 STEPS=1 augcls
	[ "$(wc -l <plain/final.tsv)" -lt 30 ]
	! grep -q fill plain/filter.params || false
	run aug OUT=bad FILL=smote
	assert_failure 2
	assert_output --partial "*** FILL=smote: the filling must be oversample, or nothing"
}

@test "augcls.mk: BUDGET=steps: every classifier as many steps as EPOCHS epochs of DATA" {
	run aug OUT=out out/cls.params
	assert_success
	[ "$(cat out/cls.params)" = "clstrain --arch resnet20 --epochs 1 --seed 1 --size 12x12 --width-mult 0.25 --batch 8 --val m.val.tsv" ]
	# 18 images in batches of 8 (CLSTRAIN's): 3 steps an epoch, 6 in 2
	run aug OUT=out BUDGET=steps EPOCHS=2 out/cls.params out/c0.eval out/base/oversample.eval
	assert_success
	[ "$(cat out/cls.params)" = "clstrain --arch resnet20 --steps 6 --seed 1 --size 12x12 --width-mult 0.25 --batch 8 --val m.val.tsv" ]
	# the oversampled set's 30 images an epoch take 6 steps too, not 8
	assert_equal "$(header_line out/base/oversample.ckpt step)" 6
	assert_equal "$(cut -f1 out/base/oversample.log | paste -sd ' ')" "1 2"
	run aug OUT=out BUDGET=steps CLSTRAIN="--size 12x12 --width-mult 0.25 -b 6" out/cls.params
	[ "$(cat out/cls.params)" = "clstrain --arch resnet20 --steps 3 --seed 1 --size 12x12 --width-mult 0.25 -b 6 --val m.val.tsv" ]
	run aug OUT=out BUDGET=steps CLSTRAIN="--batch=4" out/cls.params
	[ "$(cat out/cls.params)" = "clstrain --arch resnet20 --steps 5 --seed 1 --batch=4 --val m.val.tsv" ]
	run aug OUT=out BUDGET=steps CLSTRAIN= out/cls.params
	[ "$(cat out/cls.params)" = "clstrain --arch resnet20 --steps 1 --seed 1 --val m.val.tsv" ]
	# refused before anything runs
	rm -rf out
	run aug OUT=out BUDGET=days
	assert_failure 2
	assert_output --partial "*** BUDGET=days: the budget must be epochs or steps"
	run aug OUT=out BUDGET=steps DATA=gone.tsv
	assert_failure 2
	assert_output --partial "*** BUDGET=steps counts the images of DATA: gone.tsv is not there"
	[ ! -e out ]
}

@test "augcls.mk: SEEDS: a run of each seed in OUT/seed<s>, sharing one generator and its pool" {
	run aug OUT=out SEEDS="3 5" STEPS=1 augcls
	assert_success
	# the generator trained once, with SEED, and its pool drawn in OUT
	[ "$(ran 'gantrain .*--seed 1 ')" -eq 1 ]
	[ -s out/gan.ckpt ]
	[ ! -e out/seed3/gan.ckpt ]
	[ ! -e out/seed3/pool ]
	for s in 3 5; do
		[ -s out/seed$s/final.eval ]
		[ -s out/seed$s/metric.tsv ]
		[ "$(header_line out/seed$s/c0.ckpt train.seed)" = "$s" ]
		[ "$(cut -f1 out/seed$s/s1/gen.tsv | grep -cv '^out/pool/')" -eq 0 ]
	done
	! cmp -s out/seed3/c0.ckpt out/seed5/c0.ckpt || false
	# a run of seed 3 alone, on that generator, is the same run
	aug OUT=alone SEED=3 STEPS=1 GENDIR=out GENSEED=1 augcls >/dev/null
	cmp alone/final.tsv out/seed3/final.tsv
	cmp alone/c0.ckpt out/seed3/c0.ckpt
	run augreport out/seed3 out/seed5
	assert_success
	assert_line --index 0 "runs${TAB}2"
	# done: nothing run again
	run aug OUT=out SEEDS="3 5" STEPS=1 augcls
	assert_success
	[ "$(ran trap)" -eq 0 ]
	# the diffusion's: its model and pool in OUT/gd, each seed's steps in
	# OUT/seed<s>/gd
	run augd OUT=out SEEDS="3 5" STEPS=1 augcls
	assert_success
	[ "$(ran 'difftrain ')" -eq 1 ]
	for s in 3 5; do
		[ -s out/seed$s/gd/final.eval ]
		[ ! -e out/seed$s/gd/diff.ckpt ]
		[ "$(cut -f1 out/seed$s/gd/s1/gen.tsv | grep -cv '^out/gd/pool/')" -eq 0 ]
	done
	# -j, augcls and baselines: each seed's stages made once
	run aug OUT=j SEEDS="3 5" STEPS=1 -j2 augcls baselines
	assert_success
	[ "$(ran 'clstrain .*--log j/seed3/c0.log')" -eq 1 ]
	[ -s j/seed5/base/smote.eval ]
	rm -rf out
	for v in "SEEDS=1 1:a seed given twice" "SEEDS=1 x:'x' is not a seed from 0 to 4294967294" \
		"SEEDS=01 1:'01' is not a seed from 0 to 4294967294" \
		"SEEDS=4294967295:'4294967295' is not a seed from 0 to 4294967294"; do
		run aug OUT=out "${v%%:*}"
		assert_failure 2
		assert_output --partial "*** ${v%%:*}: ${v#*:}"
		[ ! -e out ]
	done
}

@test "augcls.mk: killed while the diffusion model trains, a re-run resumes it to the same end" {
	augd OUT=whole KIMG=0.32 whole/gd/diff.ckpt >/dev/null
	setsid make --no-print-directory -f "$MK" BIN="$BIN" DATA=m.tsv VAL=m.val.tsv GEN=diffusion KIMG=0.32 \
		DIFFTRAIN="--size 12 --width-mult 0.25 --batch 8 --sample-steps 2 --snap 0.032" OUT=out \
		out/gd/diff.ckpt >/dev/null 2>&1 &
	local pid=$!
	while [ ! -s out/gd/diff.part.ckpt ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	kill -9 -- -"$pid" 2>/dev/null || true
	wait "$pid" || true
	# killed mid-training: a snapshot written, not the last of 10
	[ -s out/gd/diff.part.ckpt ]
	[ ! -e out/gd/diff.ckpt ]
	[ "$(wc -l <out/gd/diff.log)" -lt 10 ]
	# resumed, its log is appended to; begun again, it would be rewritten
	echo 'killed here' >>out/gd/diff.log
	run augd OUT=out KIMG=0.32 DIFFTRAIN="--size 12 --width-mult 0.25 --batch 8 --sample-steps 2 --snap 0.032" \
		out/gd/diff.ckpt
	assert_success
	grep -qx 'augcls.mk: resuming out/gd/diff.part.ckpt' <<<"$output"
	grep -qx 'killed here' out/gd/diff.log
	cmp whole/gd/diff.ckpt out/gd/diff.ckpt
}

@test "augcls.mk: GEN and the diffusion's options, checked before anything runs" {
	for g in bogus 'gan diffusion' ''; do
		run aug OUT=out GEN="$g"
		assert_failure 2
		assert_output --partial "*** GEN=$g: the generator must be gan or diffusion.  Stop."
		[ ! -e out ]
	done
	for v in "DIFFTRAIN=--no-such:difftrain: unrecognized option '--no-such'" \
		"DIFFTRAIN=--batch 0:difftrain: --batch: 0 is out of range" \
		"DIFFTRAIN=--help:Usage: difftrain" \
		"DIFFSAMPLE=--steps 0:diffsample: --steps: 0 is out of range [2, 1000000]" \
		"DIFFSAMPLE=--guidance 1:diffsample: --guidance needs --classifier" \
		"DIFFSAMPLE=--first 3:diffsample: --first goes with --class, not --quota" \
		"DIFFCLS=--bogus:diffcls: unrecognized option '--bogus'" \
		"GUIDANCE=-1:diffsample: --guidance: -1 is out of range [0, 1e+06]" \
		"GUIDANCE=x:not a number" \
		"KIMG=0:difftrain: --kimg: 0 is out of range [0.001, 1e+09]" \
		"SEED=4294967295:diffsample: --seed: 4294967296 is out of range [0, 4294967295]"; do
		run augd OUT=out "${v%%:*}"
		assert_failure 2
		assert_output --partial "*** ${v%%:*}"
		assert_output --partial "${v#*:}"
		[ ! -e out ]
	done
	# the diffusion's programs, where BIN says
	mkdir bin
	for p in "$BIN"/*; do ln -s "$p" bin/; done
	rm bin/difftrain
	run augd OUT=out BIN="$PWD/bin"
	assert_failure 2
	assert_output --partial "*** $PWD/bin/difftrain: no such program (BIN=$PWD/bin)."
	[ ! -e out ]
	# the GAN's run needs none of them, nor looks at their options
	run aug OUT=out BIN="$PWD/bin" DIFFTRAIN=--no-such out/gan.params
	assert_success
}
