#!/usr/bin/env bats
# difftrain: training, its determinism, resuming, and its errors.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# The options of a tiny, fast diffusion model for the tests: 12x12, a
# base width of 8, 4 steps of 8 images, sheets of 4 sampling steps.
DTINY=(--size 12 --width-mult 0.25 --batch 8 --kimg 0.032 --sample-steps 4 -q)

@test "difftrain: standard options" {
	check_standard_options difftrain
}

@test "difftrain: writes D, its contact sheet and a log line a snapshot" {
	make_cls_set
	run difftrain "${DTINY[@]}" --snap 0.016 --log log.tsv -o d.ckpt m.tsv
	assert_success
	assert_output ""
	[ "$(head -c 8 d.ckpt)" = SIMBALCK ]
	grep -aq 'arch	unet$' d.ckpt
	grep -aqx 'M.arch	unet' d.ckpt
	grep -aqx 'train.schedule	cosine' d.ckpt
	grep -aqx 'train.diffusion_steps	1000' d.ckpt
	grep -aqx 'train.class_draw	sqrt' d.ckpt
	grep -aqx 'train.predict	v' d.ckpt
	# a row of 8 samples a class, 12 + 2 pixels each, under its name
	printf 'd.ckpt.png\tsheet\n' >sheet.tsv
	[ "$(imgcat sheet.tsv | head -c 300 | grep -aE '^(WIDTH|HEIGHT|DEPTH) ' | paste -sd ' ')" = "WIDTH 114 HEIGHT 77 DEPTH 1" ]
	# kimg, loss, the rate (warming up: 0.0002 16 / 5000 at kimg 0.016), seconds
	[ "$(wc -l <log.tsv)" -eq 2 ]
	awk -F'\t' 'NF != 4 || $1 != 0.016 * NR || !($2 > 0) || !($4 >= 0) { exit 1 }' log.tsv
	[ "$(cut -f 3 log.tsv | paste -sd ' ')" = "6.4e-07 1.28e-06" ]
	# the sheet's samples are diffsample's, laid out as imgrid does
	difftrain "${DTINY[@]}" --lr 0.005 --warmup 0 -o s.ckpt m.tsv
	printf 'Bag\t8\nSneaker\t8\nTrouser\t8\n' >quota.tsv
	diffsample --steps 4 --quota quota.tsv s.ckpt | imgrid -n 8 --captions -o again.png
	cmp s.ckpt.png again.png
	# an ε-model's too; a header of a difftrain before --predict, without
	# its line, is an ε-model's
	difftrain "${DTINY[@]}" --lr 0.005 --warmup 0 --predict eps -o e.ckpt m.tsv
	diffsample --steps 4 --quota quota.tsv e.ckpt | imgrid -n 8 --captions -o again.png
	cmp e.ckpt.png again.png
	! cmp -s s.ckpt.png e.ckpt.png || false
	edit_header e.ckpt old.ckpt '/^train\.predict\t/d'
	diffsample --steps 4 --quota quota.tsv old.ckpt | imgrid -n 8 --captions -o old.png
	cmp e.ckpt.png old.png
}

@test "difftrain: the same seed gives the same bytes, on any threads; another seed, draw or schedule others" {
	# classes of unequal counts, so that each draw is another
	copy_examples Trouser:8 Bag:4 Sneaker:2
	# the trained tensors, the checkpoint's last bytes before its CRC (the
	# sheets of 4 steps are alike: their samples are still saturated)
	tensors() { tail -c 100004 "$1" | head -c 100000; }
	difftrain "${DTINY[@]}" -j 1 -o a.ckpt m.tsv
	difftrain "${DTINY[@]}" -j 2 -o b.ckpt m.tsv
	cmp a.ckpt b.ckpt
	cmp a.ckpt.png b.ckpt.png
	for o in "--seed 2" "--class-draw balanced" "--schedule linear" --augment "--predict eps" "--p-uncond 1"; do
		# shellcheck disable=SC2086
		difftrain "${DTINY[@]}" $o -o o.ckpt m.tsv
		! cmp -s <(tensors a.ckpt) <(tensors o.ckpt) || false
		[ "$o" != "--predict eps" ] || grep -aqx 'train.predict	eps' o.ckpt
	done
	grep -aqx 'train.p_uncond	1' o.ckpt
	# the sheets of models without a half: the half they have
	difftrain "${DTINY[@]}" --p-uncond 0 -o p0.ckpt m.tsv
	printf 'Bag\t8\nSneaker\t8\nTrouser\t8\n' >quota.tsv
	diffsample --steps 4 --cfg 1 --quota quota.tsv p0.ckpt | imgrid -n 8 --captions -o p0.png
	cmp p0.ckpt.png p0.png
	# the sampling options are not the model's
	difftrain "${DTINY[@]}" --sample-steps 3 --cfg 1 -o c.ckpt m.tsv
	cmp <(tensors a.ckpt) <(tensors c.ckpt)
}

@test "difftrain: --fid-model adds FID-cls to each log line, the same on a second run" {
	make_cls_set
	clstrain "${TINY[@]}" -e 1 -o cls.ckpt m.tsv
	difftrain "${DTINY[@]}" --snap 0.032 --fid-model cls.ckpt --fid-n 20 --log log.tsv -o d.ckpt m.tsv
	[ "$(wc -l <log.tsv)" -eq 1 ]
	awk -F'\t' 'NF != 5 || !($5 > 0) { exit 1 }' log.tsv
	difftrain "${DTINY[@]}" --snap 0.032 --fid-model cls.ckpt --fid-n 20 --log again.tsv -o e.ckpt m.tsv
	[ "$(cut -f 5 log.tsv)" = "$(cut -f 5 again.tsv)" ]
	clstrain "${TINY[@]}" -e 1 --size 16x16 -o big.ckpt m.tsv
	run --separate-stderr difftrain "${DTINY[@]}" --fid-model big.ckpt --log l.tsv -o x.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "difftrain: big.ckpt: a classifier of 16x16 images of 1 channels, not of the training set's 12x12 of 1" ]
	[ ! -e x.ckpt ]
	run difftrain "${DTINY[@]}" --fid-model cls.ckpt -o x.ckpt m.tsv
	assert_usage_error
}

@test "difftrain: --resume reaches the bytes of the run not interrupted, also after a kill" {
	make_cls_set
	difftrain "${DTINY[@]}" --kimg 0.064 --snap 0.016 --log whole.tsv -o whole.ckpt m.tsv
	difftrain "${DTINY[@]}" --snap 0.016 --log part.tsv -o part.ckpt m.tsv
	difftrain "${DTINY[@]}" --kimg 0.064 --snap 0.016 --log part.tsv --resume -o part.ckpt m.tsv
	cmp whole.ckpt part.ckpt
	cmp whole.ckpt.png part.ckpt.png
	[ "$(cut -f 1-3 whole.tsv)" = "$(cut -f 1-3 part.tsv)" ]
	# killed mid-run once its first snapshot is written (50 snapshots
	# before the end): the last snapshot stays whole and resumes to the
	# same end, checkpoint, sheet and log
	local long=(--kimg 0.4 --snap 0.008 --sample-steps 2 --cfg 1)
	difftrain "${DTINY[@]}" "${long[@]}" --log long.tsv -o long.ckpt m.tsv
	difftrain "${DTINY[@]}" "${long[@]}" --log killed.tsv -o killed.ckpt m.tsv &
	local pid=$!
	while [ ! -s killed.ckpt ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	kill -9 "$pid"
	wait "$pid" || true
	[ -s killed.ckpt ]
	[ "$(wc -l <killed.tsv)" -lt 50 ]
	run cmp -s long.ckpt killed.ckpt
	assert_failure
	difftrain "${DTINY[@]}" "${long[@]}" --log killed.tsv --resume -o killed.ckpt m.tsv
	cmp long.ckpt killed.ckpt
	cmp long.ckpt.png killed.ckpt.png
	[ "$(cut -f 1-3 long.tsv)" = "$(cut -f 1-3 killed.tsv)" ]
	# the options of the samples may change
	difftrain "${DTINY[@]}" --kimg 0.072 --sample-steps 3 --cfg 1 --resume -o part.ckpt m.tsv
	# those of the model may not: each named, the file kept
	cp part.ckpt before.ckpt
	run --separate-stderr difftrain "${DTINY[@]}" --kimg 0.08 --lr 0.001 --class-draw natural --resume -o part.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "difftrain: part.ckpt: --lr: 0.0002 in the checkpoint, 0.001 given; --class-draw: sqrt in the checkpoint, natural given" ]
	# one of a difftrain before --predict resumes as the ε-model it is
	edit_header part.ckpt old.ckpt '/^train\.predict\t/d'
	run --separate-stderr difftrain "${DTINY[@]}" --kimg 0.08 --resume -o old.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "difftrain: old.ckpt: --predict: eps in the checkpoint, v given" ]
	difftrain "${DTINY[@]}" --kimg 0.08 --predict eps --resume -o old.ckpt m.tsv
	grep -aqx 'train.predict	eps' old.ckpt
	run --separate-stderr difftrain "${DTINY[@]}" --kimg 0.032 --resume -o part.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "difftrain: part.ckpt: has been trained on 0.072 kimg, more than --kimg 0.032" ]
	cmp before.ckpt part.ckpt
	# networks other than its options say: refused before any is used
	difftrain "${DTINY[@]}" --width-mult 0.125 -o w.ckpt m.tsv
	edit_header w.ckpt crafted.ckpt 's/^train.width_mult\t0.125$/train.width_mult\t0.25/'
	run --separate-stderr difftrain "${DTINY[@]}" --kimg 0.064 --resume -o crafted.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "difftrain: crafted.ckpt: its networks are not those of these options and images (--size, --width-mult, the classes)" ]
}

@test "difftrain: bad data and usage, nothing written" {
	make_cls_set
	run difftrain "${DTINY[@]}" --size 70 -o x.ckpt m.tsv
	assert_usage_error
	run difftrain "${DTINY[@]}" --size 14 -o x.ckpt m.tsv
	assert_usage_error
	assert_output --partial "--size: 14 is not a multiple of 4"

	clstrain "${TINY[@]}" -e 1 -o cls.ckpt m.tsv
	gantrain --size 12 --width-mult 0.5 --batch 16 --kimg 0.016 -q -o g.ckpt m.tsv
	for k in cls g; do
		cp $k.ckpt x.ckpt
		run --separate-stderr difftrain "${DTINY[@]}" --resume -o x.ckpt m.tsv
		assert_failure 1
		[[ "$stderr" == "difftrain: x.ckpt: is a "*", not a diffusion model's"* ]]
		cmp $k.ckpt x.ckpt
	done
	rm x.ckpt
	# a loss that is not a number stops the run: the last number of the
	# checkpoint (AdamW's second moment of the last bias) made NaN; the
	# first update makes that bias NaN, and the loss after it
	difftrain "${DTINY[@]}" -o a.ckpt m.tsv
	nan_last_number a.ckpt nan.ckpt
	cp nan.ckpt before.ckpt
	run --separate-stderr difftrain "${DTINY[@]}" --kimg 1 --resume -o nan.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "difftrain: the loss is nan at kimg 0.040: nan.ckpt keeps its last snapshot" ]
	cmp before.ckpt nan.ckpt
	run difftrain -o x.ckpt --schedule quadratic m.tsv
	assert_usage_error
	assert_output --partial "--schedule: unknown value 'quadratic' (cosine, linear)"

	run difftrain -o x.ckpt --class-draw even m.tsv
	assert_usage_error
	run difftrain -o x.ckpt --predict x0 m.tsv
	assert_usage_error
	assert_output --partial "--predict: unknown value 'x0' (eps, v)"
	run difftrain -o x.ckpt --p-uncond 1.5 m.tsv
	assert_usage_error
	# the sheet's guidance as the model allows it
	run difftrain -o x.ckpt --p-uncond 0 --cfg 2 m.tsv
	assert_usage_error
	run difftrain -o x.ckpt --p-uncond 1 --cfg 1 m.tsv
	assert_usage_error
	run difftrain -o x.ckpt --diffusion-steps 1 m.tsv
	assert_usage_error
	run difftrain -o x.ckpt --diffusion-steps 10 --sample-steps 11 m.tsv
	assert_usage_error
	run difftrain -o x.ckpt --kimg 0 m.tsv
	assert_usage_error
	run difftrain m.tsv
	assert_usage_error
	run difftrain -o x.ckpt m.tsv extra.tsv
	assert_usage_error
	run difftrain -o m.tsv m.tsv
	assert_usage_error
	[ ! -e x.ckpt ]
	[ ! -e x.ckpt.png ]
	printf '' >empty.tsv
	run difftrain "${DTINY[@]}" -o x.ckpt empty.tsv
	assert_failure 1
	[ ! -e x.ckpt ]
}
