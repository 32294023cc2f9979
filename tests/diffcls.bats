#!/usr/bin/env bats
# diffcls: the noisy classifier's training for a diffusion model, its
# determinism, resuming, and its errors.

load helper

# The options of a tiny, fast noisy classifier.
CTINY=(--width-mult 0.25 --batch 8 -q)

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	make_cls_set
	difftrain --size 12 --width-mult 0.25 --batch 8 --kimg 0.032 -q -o d.ckpt m.tsv
	difftrain --size 12 --width-mult 0.25 --batch 8 --kimg 0.008 --schedule linear \
		--diffusion-steps 500 -q -o linear.ckpt m.tsv
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	cp -r "$BATS_FILE_TMPDIR"/data "$BATS_FILE_TMPDIR"/m.tsv "$BATS_FILE_TMPDIR"/*.ckpt .
}

@test "diffcls: standard options" {
	check_standard_options diffcls
}

@test "diffcls: writes a noisy classifier of D's classes, size and process, a log line a snapshot" {
	run diffcls "${CTINY[@]}" --kimg 0.064 --snap 0.032 --log log.tsv --diffusion d.ckpt -o c.ckpt m.tsv
	assert_success
	assert_output ""
	[ "$(head -c 8 c.ckpt)" = SIMBALCK ]
	# kimg, loss (about log 3 at the start), accuracy, seconds
	awk -F'\t' 'NF != 4 || $1 != 0.032 * NR || !($2 > 0.5 && $2 < 2) || $3 < 0 || $3 > 1 { exit 1 }' log.tsv
	[ "$(wc -l <log.tsv)" -eq 2 ]
	[ "$(grep -ac 'arch	unet-enc$' c.ckpt)" -eq 1 ]
	[ "$(grep -ac '^height	12$' c.ckpt)" -eq 1 ]
	[ "$(grep -ac '^train.schedule	cosine$' c.ckpt)" -eq 1 ]
	[ "$(grep -ac '^train.diffusion_steps	1000$' c.ckpt)" -eq 1 ]
	[ "$(grep -a '^class	' c.ckpt | cut -f 2 | tr '\n' ' ')" = "Bag Sneaker Trouser " ]
	# D's process, whatever it is
	diffcls "${CTINY[@]}" --kimg 0.016 --diffusion linear.ckpt -o l.ckpt m.tsv
	[ "$(grep -ac '^train.schedule	linear$' l.ckpt)" -eq 1 ]
	[ "$(grep -ac '^train.diffusion_steps	500$' l.ckpt)" -eq 1 ]
	# a classifier program refuses it by its kind
	run --separate-stderr clsprob c.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clsprob: c.ckpt: is a noisy classifier's checkpoint, not a classifier's (made by diffcls)" ]
}

@test "diffcls: the same bytes on 1 and 2 threads, with flips; another seed others" {
	diffcls "${CTINY[@]}" --kimg 0.032 --augment --class-draw balanced -j 1 --diffusion d.ckpt -o a.ckpt m.tsv
	diffcls "${CTINY[@]}" --kimg 0.032 --augment --class-draw balanced -j 2 --diffusion d.ckpt -o b.ckpt m.tsv
	cmp a.ckpt b.ckpt
	diffcls "${CTINY[@]}" --kimg 0.032 --augment --class-draw balanced --seed 2 --diffusion d.ckpt -o c.ckpt m.tsv
	run cmp -s a.ckpt c.ckpt
	assert_failure
}

@test "diffcls: --resume reaches the bytes of the run not interrupted, also after a kill" {
	diffcls "${CTINY[@]}" --kimg 0.064 --snap 0.016 --log whole.tsv --diffusion d.ckpt -o whole.ckpt m.tsv
	diffcls "${CTINY[@]}" --kimg 0.032 --snap 0.016 --log part.tsv --diffusion d.ckpt -o part.ckpt m.tsv
	diffcls "${CTINY[@]}" --kimg 0.064 --snap 0.016 --log part.tsv --resume --diffusion d.ckpt -o part.ckpt m.tsv
	cmp whole.ckpt part.ckpt
	[ "$(cut -f 1-3 whole.tsv)" = "$(cut -f 1-3 part.tsv)" ]
	# killed mid-run, once its first snapshot is written (100 snapshots
	# before the end): the last snapshot stays whole and resumes to the
	# same end, checkpoint and log
	diffcls "${CTINY[@]}" --kimg 0.8 --snap 0.008 --log long.tsv --diffusion d.ckpt -o long.ckpt m.tsv
	diffcls "${CTINY[@]}" --kimg 0.8 --snap 0.008 --log killed.tsv --diffusion d.ckpt -o killed.ckpt m.tsv &
	local pid=$!
	while [ ! -s killed.ckpt ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	kill -9 "$pid"
	wait "$pid" || true
	[ -s killed.ckpt ]
	[ "$(wc -l <killed.tsv)" -lt 100 ]
	run cmp -s long.ckpt killed.ckpt
	assert_failure
	diffcls "${CTINY[@]}" --kimg 0.8 --snap 0.008 --log killed.tsv --resume --diffusion d.ckpt -o killed.ckpt m.tsv
	cmp long.ckpt killed.ckpt
	[ "$(cut -f 1-3 long.tsv)" = "$(cut -f 1-3 killed.tsv)" ]
	# other options: refused, each named
	run --separate-stderr diffcls "${CTINY[@]}" --kimg 0.064 --lr 0.001 --seed 7 --resume --diffusion d.ckpt -o part.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "diffcls: part.ckpt: --lr: 0.0003 in the checkpoint, 0.001 given; --seed: 1 in the checkpoint, 7 given" ]
	# another D: its process not the classifier's
	run --separate-stderr diffcls "${CTINY[@]}" --kimg 0.064 --resume --diffusion linear.ckpt -o part.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "diffcls: part.ckpt: a noisy classifier whose classes, size or schedule do not match linear.ckpt (its process is cosine of 1000 steps, D's linear of 500)" ]
	# trained on more than --kimg
	run --separate-stderr diffcls "${CTINY[@]}" --kimg 0.016 --resume --diffusion d.ckpt -o part.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "diffcls: part.ckpt: has been trained on 0.064 kimg, more than --kimg 0.016" ]
}

@test "diffcls: bad data and usage" {
	# D not a diffusion model's checkpoint
	clstrain "${TINY[@]}" -e 1 -o cls.ckpt m.tsv
	run --separate-stderr diffcls "${CTINY[@]}" --diffusion cls.ckpt -o c.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "diffcls: cls.ckpt: is a classifier checkpoint, not a diffusion model's (made by clstrain)" ]
	cp "$FIXTURES"/ckpt/old-gan.ckpt .
	run --separate-stderr diffcls "${CTINY[@]}" --diffusion old-gan.ckpt -o c.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "diffcls: old-gan.ckpt: is a GAN checkpoint, not a diffusion model's (made by gantrain)" ]
	diffcls "${CTINY[@]}" --kimg 0.008 --diffusion d.ckpt -o c.ckpt m.tsv
	run --separate-stderr diffcls "${CTINY[@]}" --diffusion c.ckpt -o c2.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "diffcls: c.ckpt: is a noisy classifier's checkpoint, not a diffusion model's (made by diffcls)" ]
	[ ! -e c2.ckpt ]
	# a manifest of other classes than D's
	grep -v '	Bag$' m.tsv >two.tsv
	run --separate-stderr diffcls "${CTINY[@]}" --diffusion d.ckpt -o c2.ckpt two.tsv
	assert_failure 1
	[ "$stderr" = "diffcls: d.ckpt: was trained on other classes than those of two.tsv" ]
	run --separate-stderr diffcls "${CTINY[@]}" --diffusion missing.ckpt -o c2.ckpt m.tsv
	assert_failure 1
	assert_equal "${stderr%%:*}" diffcls
	[[ $stderr == *missing.ckpt* ]]
	# usage
	run diffcls --diffusion d.ckpt m.tsv
	assert_usage_error
	assert_line --index 0 "diffcls: -o C is required"
	run diffcls -o c2.ckpt m.tsv
	assert_usage_error
	assert_line --index 0 "diffcls: --diffusion D is required"
	run diffcls --diffusion d.ckpt -o c2.ckpt m.tsv m.tsv
	assert_usage_error
	run diffcls --diffusion d.ckpt --kimg 0 -o c2.ckpt m.tsv
	assert_usage_error
	run diffcls --diffusion d.ckpt --batch 0 -o c2.ckpt m.tsv
	assert_usage_error
	run diffcls --diffusion d.ckpt --class-draw often -o c2.ckpt m.tsv
	assert_usage_error
	run diffcls --diffusion d.ckpt --lr x -o c2.ckpt m.tsv
	assert_usage_error
	run diffcls --diffusion d.ckpt -o m.tsv m.tsv
	assert_failure
	[ ! -e c2.ckpt ]
}
