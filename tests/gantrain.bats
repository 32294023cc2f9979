#!/usr/bin/env bats
# gantrain: training, its determinism, resuming, and its errors.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# The options of a tiny, fast GAN for the tests: 12x12 (a start of 6x6),
# 4 steps of 16 images.
GTINY=(--size 12 --width-mult 0.5 --batch 16 --kimg 0.064 -q)

@test "gantrain: standard options" {
	check_standard_options gantrain
}

@test "gantrain: writes G, its contact sheet and a log line a snapshot" {
	make_cls_set
	run gantrain "${GTINY[@]}" --snap 0.032 --log log.tsv -o g.ckpt m.tsv
	assert_success
	assert_output ""
	[ "$(head -c 8 g.ckpt)" = SIMBALCK ]
	# imgrid's layout: a row of 8 samples a class, 12 + 2 pixels each, after
	# a gap of 2; each row under its class's name, a strip of 9 + 2
	printf 'g.ckpt.png\tsheet\n' >sheet.tsv
	[ "$(imgcat sheet.tsv | head -c 300 | grep -aE '^(WIDTH|HEIGHT|DEPTH) ' | paste -sd ' ')" = "WIDTH 114 HEIGHT 77 DEPTH 1" ]
	[ "$(wc -l <log.tsv)" -eq 2 ]
	awk -F'\t' 'NF != 6 || $1 != 0.032 * NR || $2 < 0 || $2 > 1 { exit 1 }' log.tsv
	# the conditioning's weight: 0 before t-start, 1 after t-end
	gantrain "${GTINY[@]}" --snap 0.016 --t-start 0.02 --t-end 0.04 --log l.tsv -o h.ckpt m.tsv
	[ "$(cut -f 2 l.tsv | paste -sd ' ')" = "0.0000 0.6000 1.0000 1.0000" ]
	gansample -c Bag -n 2 g.ckpt >two.pam
	[ "$(grep -ac '^# label Bag$' two.pam)" -eq 2 ]
}

@test "gantrain: --arch rgan trains the residual networks, which gansample reads" {
	make_cls_set
	gantrain "${GTINY[@]}" --arch rgan -o r.ckpt m.tsv
	gantrain "${GTINY[@]}" -o c.ckpt m.tsv
	grep -aq 'arch	rgan-g$' r.ckpt
	grep -aqx 'D.arch	rgan-d' r.ckpt
	grep -aq 'arch	cgan-g$' c.ckpt
	gansample -c Bag -n 3 r.ckpt >three.pam
	[ "$(grep -ac '^# label Bag$' three.pam)" -eq 3 ]
	# resumed with the other networks: refused, the file kept
	cp r.ckpt before.ckpt
	run --separate-stderr gantrain "${GTINY[@]}" --kimg 0.128 --resume -o r.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: r.ckpt: --arch: rgan in the checkpoint, cgan given" ]
	cmp before.ckpt r.ckpt
	# resumed with a smaller --kimg than it has done: said so, the file kept
	run --separate-stderr gantrain "${GTINY[@]}" --arch rgan --kimg 0.032 --resume -o r.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: r.ckpt: has been trained on 0.064 kimg, more than --kimg 0.032" ]
	cmp before.ckpt r.ckpt
	run gantrain "${GTINY[@]}" --arch rgan --resume -o r.ckpt m.tsv
	assert_success
	cmp before.ckpt r.ckpt
	run gantrain "${GTINY[@]}" --arch dcgan -o x.ckpt m.tsv
	assert_usage_error
	[ ! -e x.ckpt ]
}

@test "gantrain: --fid-model adds FID-cls to each log line" {
	make_cls_set
	clstrain "${TINY[@]}" -e 1 -o cls.ckpt m.tsv
	gantrain "${GTINY[@]}" --snap 0.032 --fid-model cls.ckpt --fid-n 20 --log log.tsv -o g.ckpt m.tsv
	[ "$(wc -l <log.tsv)" -eq 2 ]
	awk -F'\t' 'NF != 7 || !($7 > 0) { exit 1 }' log.tsv
	# its image sets are drawn from the seed: a run again, the same FID
	gantrain "${GTINY[@]}" --snap 0.032 --fid-model cls.ckpt --fid-n 20 --log again.tsv -o h.ckpt m.tsv
	[ "$(cut -f 7 log.tsv)" = "$(cut -f 7 again.tsv)" ]
	clstrain "${TINY[@]}" -e 1 --size 16x16 -o big.ckpt m.tsv
	run --separate-stderr gantrain "${GTINY[@]}" --fid-model big.ckpt --log l.tsv -o x.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: big.ckpt: a classifier of 16x16 gray images, not of the generator's 12x12 gray" ]
	run gantrain "${GTINY[@]}" --fid-model cls.ckpt -o x.ckpt m.tsv
	assert_usage_error
}

@test "gantrain: the same seed gives the same bytes, on any threads; another seed others" {
	make_cls_set
	gantrain "${GTINY[@]}" -j 1 -o a.ckpt m.tsv
	gantrain "${GTINY[@]}" -j 2 -o b.ckpt m.tsv
	cmp a.ckpt b.ckpt
	cmp a.ckpt.png b.ckpt.png
	gantrain "${GTINY[@]}" --seed 2 -o c.ckpt m.tsv
	! cmp -s a.ckpt c.ckpt || false
}

@test "gantrain: --augment changes the training, deterministically, and resumes only with it" {
	make_cls_set
	GTINY+=(--t-start 0.02 --t-end 0.05)
	gantrain "${GTINY[@]}" -o plain.ckpt m.tsv
	gantrain "${GTINY[@]}" --augment -j 1 -o a1.ckpt m.tsv
	gantrain "${GTINY[@]}" --augment -j 2 -o a2.ckpt m.tsv
	cmp a1.ckpt a2.ckpt
	# other weights (the sheets), not only another header
	! cmp -s plain.ckpt.png a1.ckpt.png || false
	grep -aqx 'train.augment	1' a1.ckpt
	grep -aqx 'train.augment	0' plain.ckpt
	gantrain "${GTINY[@]}" --augment --kimg 0.128 -o whole.ckpt m.tsv
	gantrain "${GTINY[@]}" --augment --kimg 0.128 --resume -o a1.ckpt m.tsv
	cmp whole.ckpt a1.ckpt
	cp a1.ckpt before.ckpt
	run --separate-stderr gantrain "${GTINY[@]}" --kimg 0.192 --resume -o a1.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: a1.ckpt: --augment: 1 in the checkpoint, 0 given" ]
	cmp before.ckpt a1.ckpt
	run gantrain "${GTINY[@]}" --augment --kimg 0.192 --resume -o plain.ckpt m.tsv
	assert_failure 1
}

@test "gantrain: --resume reaches the bytes of the run not interrupted, also after a kill" {
	make_cls_set
	# the schedule given: its defaults follow --kimg, which grows here
	GTINY+=(--t-start 0.02 --t-end 0.05)
	gantrain "${GTINY[@]}" --kimg 0.128 --snap 0.032 --log whole.tsv -o whole.ckpt m.tsv
	gantrain "${GTINY[@]}" --snap 0.032 --log part.tsv -o part.ckpt m.tsv
	gantrain "${GTINY[@]}" --kimg 0.128 --snap 0.032 --log part.tsv --resume -o part.ckpt m.tsv
	cmp whole.ckpt part.ckpt
	[ "$(cut -f 1,2 whole.tsv)" = "$(cut -f 1,2 part.tsv)" ]
	# killed mid-run, once its first snapshot is written (100 snapshots,
	# seconds, before the end): the last snapshot stays whole and resumes
	# to the same end, checkpoint, sheet and log
	gantrain "${GTINY[@]}" --kimg 3.2 --snap 0.032 --log long.tsv -o long.ckpt m.tsv
	gantrain "${GTINY[@]}" --kimg 3.2 --snap 0.032 --log killed.tsv -o killed.ckpt m.tsv &
	local pid=$!
	while [ ! -s killed.ckpt ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	kill -9 "$pid"
	wait "$pid" || true
	# the kill landed mid-run: a snapshot written, not the last
	[ -s killed.ckpt ]
	[ "$(wc -l <killed.tsv)" -lt 100 ]
	run cmp -s long.ckpt killed.ckpt
	assert_failure
	gantrain "${GTINY[@]}" --kimg 3.2 --snap 0.032 --log killed.tsv --resume -o killed.ckpt m.tsv
	cmp long.ckpt killed.ckpt
	cmp long.ckpt.png killed.ckpt.png
	[ "$(cut -f 1,2 long.tsv)" = "$(cut -f 1,2 killed.tsv)" ]
	# other options: refused, each named
	run --separate-stderr gantrain "${GTINY[@]}" --kimg 0.128 --lr-d 0.001 --resume -o part.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: part.ckpt: --lr-d: 0.0004 in the checkpoint, 0.001 given" ]
	run --separate-stderr gantrain "${GTINY[@]}" --kimg 0.128 --lr-d 0.001 --r1 0 --seed 7 --resume -o part.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: part.ckpt: --lr-d: 0.0004 in the checkpoint, 0.001 given; --r1: 0.1 in the checkpoint, 0 given; --seed: 1 in the checkpoint, 7 given" ]
	# networks other than its options say (a crafted file: trained at
	# width 0.25, its options made to say 0.5): refused before any is used
	gantrain "${GTINY[@]}" --width-mult 0.25 -o w.ckpt m.tsv
	edit_header w.ckpt crafted.ckpt 's/^train.width_mult\t0.25$/train.width_mult\t0.5/'
	run --separate-stderr gantrain "${GTINY[@]}" --kimg 0.128 --resume -o crafted.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: crafted.ckpt: its networks are not those of these options and images (--arch, --size, --width-mult, the classes)" ]
}

@test "gantrain: a checkpoint of the one train line still samples and judges; --resume refuses it" {
	make_cls_set
	# written before the options had a field each (tests/fixtures/README)
	cp "$FIXTURES"/ckpt/old-gan.ckpt "$FIXTURES"/ckpt/old-cls.ckpt .
	cp old-gan.ckpt before.ckpt
	gansample -c Bag -n 3 old-gan.ckpt >bag.pam
	[ "$(grep -ac '^# label Bag$' bag.pam)" -eq 3 ]
	gantrain "${GTINY[@]}" --snap 0.032 --fid-model old-cls.ckpt --fid-n 20 --log log.tsv -o g.ckpt m.tsv
	awk -F'\t' 'NF != 7 || !($7 > 0) { exit 1 }' log.tsv
	run --separate-stderr gantrain --size 12 --width-mult 0.03 --batch 16 --kimg 0.064 -q --resume -o old-gan.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: old-gan.ckpt: its options are the one train line of an earlier gantrain, which --resume does not read: train anew" ]
	cmp before.ckpt old-gan.ckpt
}

@test "gantrain: bad data and usage" {
	make_cls_set
	grep Bag m.tsv >one.tsv
	run --separate-stderr gantrain "${GTINY[@]}" -o x.ckpt one.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: one.tsv: one class only (Bag): train an unconditional GAN elsewhere, or add a class" ]
	run --separate-stderr gantrain "${GTINY[@]}" --size 9 -o x.ckpt m.tsv
	assert_failure 1
	[[ "$stderr" == "gantrain: m.tsv: cgan-g needs square images of s 2^k pixels a side"* ]]
	[ ! -e x.ckpt ]
	clstrain "${TINY[@]}" -e 1 -o cls.ckpt m.tsv
	cp cls.ckpt x.ckpt
	run --separate-stderr gantrain "${GTINY[@]}" --resume -o x.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: x.ckpt: is a classifier checkpoint, not a GAN's (made by clstrain)" ]
	cmp cls.ckpt x.ckpt
	# A loss that is not a number stops the run: the last number of the
	# checkpoint (Adam's second moment of the discriminator's last class
	# embedding) made NaN; the discriminator's first update makes the
	# embedding NaN, and the generator's loss after it.
	gantrain "${GTINY[@]}" -o a.ckpt m.tsv
	nan_last_number a.ckpt nan.ckpt
	cp nan.ckpt before.ckpt
	run --separate-stderr gantrain "${GTINY[@]}" --kimg 1 --resume -o nan.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "gantrain: the generator's loss is nan at kimg 0.064: nan.ckpt keeps its last snapshot" ]
	cmp before.ckpt nan.ckpt
	run gantrain m.tsv
	assert_usage_error
	run gantrain -o x.ckpt --t-start 5 --t-end 1 m.tsv
	assert_usage_error
	run gantrain -o x.ckpt --kimg 0 m.tsv
	assert_usage_error
	run gantrain -o x.ckpt --batch 6 m.tsv
	assert_usage_error
	run gantrain -o x.ckpt m.tsv extra.tsv
	assert_usage_error
}
