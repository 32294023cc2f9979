#!/usr/bin/env bats
# clstrain: training, its determinism, resuming, and its errors.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "clstrain: standard options" {
	check_standard_options clstrain
}

@test "clstrain: writes a model and one log line per epoch" {
	make_cls_set
	run clstrain "${TINY[@]}" -e 2 --log log.tsv -o model.ckpt m.tsv
	assert_success
	assert_output ""
	[ -s model.ckpt ]
	[ "$(head -c 8 model.ckpt)" = SIMBALCK ]
	[ "$(wc -l <log.tsv)" -eq 2 ]
	awk -F'\t' 'NF != 6 || $1 != NR { exit 1 }' log.tsv
	run clsprob --classes model.ckpt
	assert_output "$(printf 'Bag\nSneaker\nTrouser')"
}

@test "clstrain: the same seed gives the same bytes, another seed others" {
	make_cls_set
	clstrain "${TINY[@]}" -e 2 -o a.ckpt m.tsv
	clstrain "${TINY[@]}" -e 2 -o b.ckpt m.tsv
	cmp a.ckpt b.ckpt
	clstrain "${TINY[@]}" -e 2 --seed 2 -o c.ckpt m.tsv
	! cmp -s a.ckpt c.ckpt || false
	# Any number of threads, the same bytes: at 64x64 the convolutions'
	# weight gradients are summed over several chunks of the batch.
	clstrain "${TINY[@]}" -e 1 --size 64x64 --batch 24 -j 1 -o j1.ckpt m.tsv
	clstrain "${TINY[@]}" -e 1 --size 64x64 --batch 24 -j 2 -o j2.ckpt m.tsv
	cmp j1.ckpt j2.ckpt
	# So do the variants.
	clstrain "${TINY[@]}" -e 2 --augment --oversample --loss cb -o d.ckpt m.tsv
	clstrain "${TINY[@]}" -e 2 --augment --oversample --loss cb -o e.ckpt m.tsv
	cmp d.ckpt e.ckpt
	! cmp -s a.ckpt d.ckpt || false
}

@test "clstrain: killed after two epochs, resumed: the bytes of an uninterrupted run" {
	# 28x28: epochs long enough to be killed in the middle of the run
	make_cls_set 40
	clstrain "${TINY[@]}" --size 28x28 -e 6 -o whole.ckpt --log whole.log m.tsv
	clstrain "${TINY[@]}" --size 28x28 -e 6 -o cut.ckpt --log cut.log m.tsv &
	local pid=$!
	# the second epoch logged (so the first one's model written), then
	# killed, four epochs (seconds) before the end
	while [ "$(cat cut.log 2>/dev/null | wc -l)" -lt 2 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
	kill -9 "$pid"
	wait "$pid" || true
	# It was cut short: a model of an epoch before the last, not the last.
	[ "$(wc -l <cut.log)" -ge 2 ]
	[ "$(wc -l <cut.log)" -lt 6 ]
	[ -s cut.ckpt ]
	run cmp -s whole.ckpt cut.ckpt
	assert_failure
	run clstrain "${TINY[@]}" --size 28x28 -e 6 -o cut.ckpt --log cut.log --resume m.tsv
	assert_success
	cmp whole.ckpt cut.ckpt
	# The log has each epoch once.
	[ "$(cut -f1 cut.log | tr '\n' ' ')" = "1 2 3 4 5 6 " ]
}

@test "clstrain: killed and resumed, --best keeps the first epoch of the best top-1" {
	make_cls_set 40
	# a learning rate of next to nothing: top-1 on three images, one of
	# each class, is 1/3 at every epoch (no float holds it exactly); the
	# best is epoch 1's, resumed or not
	awk -F'\t' '!seen[$2]++' m.tsv >three.tsv
	TINY+=(--size 28x28 -e 6 --lr 1e-9 --val three.tsv)
	clstrain "${TINY[@]}" -o whole.ckpt --log whole.log --best whole.best m.tsv
	[ "$(cut -f 4 whole.log | sort -u)" = 0.333333 ]
	clstrain "${TINY[@]}" -o cut.ckpt --log cut.log --best cut.best m.tsv &
	local pid=$!
	while [ "$(cat cut.log 2>/dev/null | wc -l)" -lt 2 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
	kill -9 "$pid"
	wait "$pid" || true
	[ "$(wc -l <cut.log)" -ge 2 ]
	[ "$(wc -l <cut.log)" -lt 6 ]
	run cmp -s whole.ckpt cut.ckpt
	assert_failure
	clstrain "${TINY[@]}" -o cut.ckpt --log cut.log --best cut.best --resume m.tsv
	cmp whole.best cut.best
	[ "$(head -c 200 cut.best | grep -a '^epoch')" = "$(printf 'epoch\t1')" ]
}

@test "clstrain: --resume with other options, or without a model, is refused" {
	make_cls_set
	clstrain "${TINY[@]}" -e 1 -o a.ckpt m.tsv
	run --separate-stderr clstrain "${TINY[@]}" -e 2 --lr 0.05 --resume -o a.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: a.ckpt: --lr: 0.1 in the checkpoint, 0.05 given" ]
	# every option that differs, each named, enums by name
	run --separate-stderr clstrain "${TINY[@]}" -e 2 --lr 0.05 --schedule step --loss cb --augment --resume -o a.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: a.ckpt: --lr: 0.1 in the checkpoint, 0.05 given; --schedule: cosine in the checkpoint, step given; --loss: ce in the checkpoint, cb given; --augment: 0 in the checkpoint, 1 given" ]
	run --separate-stderr clstrain "${TINY[@]}" -e 2 --resume -o none.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: none.ckpt: No such file or directory" ]
	# Images of another size than the model's, --size not given: said of
	# the images, not of an option the run did not give
	run --separate-stderr clstrain --arch resnet20 --width-mult 0.25 --batch 8 -q -e 2 --resume -o a.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: a.ckpt: was trained on images of 12x12, gray, not 28x28, gray" ]
	# Other classes, or the same renamed, or fewer.
	grep -v Sneaker m.tsv >two.tsv
	run --separate-stderr clstrain "${TINY[@]}" -e 2 --resume -o a.ckpt two.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: a.ckpt: was trained on other classes than those of two.tsv" ]
	sed 's/Sneaker$/Shoe/' m.tsv >renamed.tsv
	run --separate-stderr clstrain "${TINY[@]}" -e 2 --resume -o a.ckpt renamed.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: a.ckpt: was trained on other classes than those of renamed.tsv" ]
	# Fewer epochs than the model has done: nothing would be done, said so.
	clstrain "${TINY[@]}" -e 2 --resume -o a.ckpt m.tsv
	cp a.ckpt before.ckpt
	run --separate-stderr clstrain "${TINY[@]}" -e 1 --resume -o a.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: a.ckpt: has done 2 epochs, more than --epochs 1" ]
	cmp before.ckpt a.ckpt
	# As many: done already, nothing to do.
	run clstrain "${TINY[@]}" -e 2 --resume -o a.ckpt m.tsv
	assert_success
	cmp before.ckpt a.ckpt
}

@test "clstrain: the options in the checkpoint, one a line, enums by name" {
	make_cls_set
	clstrain "${TINY[@]}" -e 1 --optimizer adamw --schedule step --oversample -o a.ckpt m.tsv
	local hlen
	hlen=$(od -An -tu4 -j12 -N4 a.ckpt | tr -d ' ')
	tail -c +17 a.ckpt | head -c "$hlen" | grep '^train\.' >train.tsv
	[ "$(cut -f 1 train.tsv | paste -sd ' ')" = "train.arch train.width_mult train.size train.batch train.lr train.schedule train.warmup train.step_every train.gamma train.optimizer train.momentum train.nesterov train.wd train.loss train.beta train.tau train.oversample train.augment train.seed" ]
	[ "$(cut -f 2 train.tsv | paste -sd ' ')" = "resnet20 0.25 12x12 8 0.001 step 0 30 0.1 adamw 0.9 0 0.0005 ce 0.9999 1 1 0 1" ]
	# resumed with them: the same options, given or not
	clstrain "${TINY[@]}" -e 2 --optimizer adamw --lr 0.001 --schedule step --oversample --resume -o a.ckpt m.tsv
}

@test "clstrain: --loss la adds tau ln(prior) to the logits; tau 0 trains as ce" {
	copy_examples "Trouser:8" "Bag:4" "Sneaker:2"
	clstrain "${TINY[@]}" -e 2 --log ce.log -o ce.ckpt m.tsv
	clstrain "${TINY[@]}" -e 2 --loss la --tau 0 --log la0.log -o la0.ckpt m.tsv
	clstrain "${TINY[@]}" -e 2 --loss la --log la.log -o la.ckpt m.tsv
	assert_equal "$(header_line la.ckpt train.loss) $(header_line la.ckpt train.tau)" "la 1"
	assert_equal "$(header_line la0.ckpt train.tau)" "0"
	assert_equal "$(header_line ce.ckpt class_counts)" "4,2,8"
	# z + 0 is z: the same losses, the same weights
	[ "$(cut -f1-3 la0.log)" = "$(cut -f1-3 ce.log)" ]
	clsprob --all la0.ckpt m.tsv 2>/dev/null | cmp - <(clsprob --all ce.ckpt m.tsv 2>/dev/null)
	# the offsets change the loss
	[ "$(cut -f2 la.log)" != "$(cut -f2 ce.log)" ]
	run clstrain "${TINY[@]}" --tau -1 -o x.ckpt m.tsv
	assert_usage_error
}

@test "clstrain: a checkpoint from before --tau resumes as with the default" {
	make_cls_set
	clstrain "${TINY[@]}" -e 1 -o a.ckpt m.tsv
	edit_header a.ckpt old.ckpt '/^train.tau\t/d'
	[ -z "$(header_line old.ckpt train.tau)" ]
	cp old.ckpt old2.ckpt
	clstrain "${TINY[@]}" -e 2 --resume -o old.ckpt m.tsv
	clstrain "${TINY[@]}" -e 2 --resume -o a.ckpt m.tsv
	cmp a.ckpt old.ckpt
	run --separate-stderr clstrain "${TINY[@]}" -e 2 --loss la --tau 2 --resume -o old2.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: old2.ckpt: --loss: ce in the checkpoint, la given; --tau: 1 in the checkpoint, 2 given" ]
}

@test "clstrain: --steps N trains N steps, the last epoch ended there" {
	make_cls_set
	# 24 images in batches of 8: 3 steps an epoch
	clstrain "${TINY[@]}" --steps 7 --log s.log -o s.ckpt m.tsv
	assert_equal "$(cut -f1 s.log | paste -sd ' ')" "1 2 3"
	assert_equal "$(header_line s.ckpt epoch) $(header_line s.ckpt step) $(header_line s.ckpt optim_step)" "3 7 7"
	# whole epochs: the bytes of --epochs
	clstrain "${TINY[@]}" --steps 6 -o six.ckpt m.tsv
	clstrain "${TINY[@]}" -e 2 -o two.ckpt m.tsv
	cmp six.ckpt two.ckpt
	# done; a run ended part-way through an epoch cannot go on
	cp s.ckpt before.ckpt
	clstrain "${TINY[@]}" --steps 7 --resume -o s.ckpt m.tsv
	cmp before.ckpt s.ckpt
	for longer in "--steps 9" "-e 3"; do
		run --separate-stderr clstrain "${TINY[@]}" $longer --resume -o s.ckpt m.tsv
		assert_failure 1
		[ "$stderr" = "clstrain: s.ckpt: its run ended at step 7, part-way through epoch 3: it cannot go on; train anew" ]
	done
	cmp before.ckpt s.ckpt
	# shorter than done: refused, as a smaller --epochs is
	run --separate-stderr clstrain "${TINY[@]}" --steps 5 --resume -o six.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: six.ckpt: has done 6 steps, more than --steps 5" ]
	run clstrain "${TINY[@]}" --steps 9 -e 3 -o x.ckpt m.tsv
	assert_usage_error
	run clstrain "${TINY[@]}" --steps 0 -o x.ckpt m.tsv
	assert_usage_error
}

@test "clstrain: a checkpoint of the one train line still classifies; --resume refuses it" {
	make_cls_set
	# written before the options had a field each (tests/fixtures/README)
	cp "$FIXTURES"/ckpt/old-cls.ckpt old.ckpt
	cp old.ckpt before.ckpt
	run clsprob --classes old.ckpt
	assert_output "$(printf 'Bag\nSneaker\nTrouser')"
	clsprob old.ckpt m.tsv >prob.tsv
	clsfeat old.ckpt m.tsv >feat.tsv
	[ "$(wc -l <prob.tsv)" -eq 24 ]
	[ "$(wc -l <feat.tsv)" -eq 24 ]
	clseval old.ckpt m.tsv >eval.tsv
	grep -q '^top1	' eval.tsv
	fid -m old.ckpt m.tsv m.tsv >fid.tsv
	run --separate-stderr clstrain --width-mult 0.125 --size 12x12 --batch 8 -q -e 2 --resume -o old.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: old.ckpt: its options are the one train line of an earlier clstrain, which --resume does not read: train anew" ]
	cmp before.ckpt old.ckpt
}

# a.ckpt copied as COPY, its header edited by the sed script SCRIPT
# (edit_header); the command after them, given COPY, fails with exit 1 and
# the one line WANT.
refused_header() {
	local copy=$1 script=$2 want=$3
	shift 3
	edit_header a.ckpt "$copy" "$script"
	run --separate-stderr "$@"
	assert_failure 1
	[ "$stderr" = "$want" ] || fail "$*: $stderr"
}

@test "clstrain: a header line garbled or missing, or a name unknown: refused, naming the file" {
	make_cls_set
	clstrain "${TINY[@]}" -e 1 -o a.ckpt m.tsv
	refused_header sched.ckpt 's/^train.schedule\tcosine$/train.schedule\tlinear/' \
		"clstrain: sched.ckpt: its header's train.schedule is 'linear', not one of constant, step, cosine" \
		clstrain "${TINY[@]}" -e 2 --resume -o sched.ckpt m.tsv
	refused_header lr.ckpt 's/^train.lr\t0.1$/train.lr\t0.1x/' \
		"clstrain: lr.ckpt: its header's train.lr is '0.1x', not a number" \
		clstrain "${TINY[@]}" -e 2 --resume -o lr.ckpt m.tsv
	refused_header best.ckpt '/^best_top1\t/d' "clstrain: best.ckpt: its header lacks best_top1" \
		clstrain "${TINY[@]}" -e 2 --resume -o best.ckpt m.tsv
	refused_header sd.ckpt 's/^norm_sd\t.*/norm_sd\tx/' \
		"clsprob: sd.ckpt: its header's norm_sd is 'x', not a number" clsprob sd.ckpt m.tsv
	refused_header mean.ckpt '/^norm_mean\t/d' "clseval: mean.ckpt: its header lacks norm_mean" \
		clseval mean.ckpt m.tsv
	# the checkpoint's own lines, the architecture's and the optimizer's,
	# are named as the caller's are
	refused_header opt.ckpt 's/^optimizer\tsgd$/optimizer\tlion/' \
		"clstrain: opt.ckpt: its header's optimizer is 'lion', not one of sgd, adam, adamw" \
		clstrain "${TINY[@]}" -e 2 --resume -o opt.ckpt m.tsv
	refused_header wm.ckpt 's/^width_mult\t.*/width_mult\twide/' \
		"clsprob: wm.ckpt: its header's width_mult is 'wide', not a number" clsprob wm.ckpt m.tsv
	# the file itself is good
	clstrain "${TINY[@]}" -e 2 --resume -o a.ckpt m.tsv
}

@test "clstrain: a loss that is not a number stops the run; the model of the last epoch stays" {
	make_cls_set
	clstrain "${TINY[@]}" -e 1 -o a.ckpt m.tsv
	# The last number of the checkpoint (fc.bias's momentum) made NaN.
	nan_last_number a.ckpt nan.ckpt
	cp nan.ckpt before.ckpt
	run --separate-stderr clstrain "${TINY[@]}" -e 2 --resume -o nan.ckpt m.tsv
	assert_failure 1
	[[ $stderr =~ ^"clstrain: loss is nan at epoch 2, step "[0-9]+": nan.ckpt keeps the model of epoch 1"$ ]]
	cmp before.ckpt nan.ckpt
}

@test "clstrain: --val and --best keep the model of best validation top-1" {
	make_cls_set
	run clstrain "${TINY[@]}" -e 3 --val m.tsv --best best.ckpt --log log.tsv -o last.ckpt m.tsv
	assert_success
	# val columns are numbers, and best.ckpt scores the best of them
	best=$(cut -f4 log.tsv | sort -g | tail -n 1)
	run --separate-stderr clseval best.ckpt m.tsv
	assert_line --index 0 "top1	$best"
}

@test "clstrain: bad data and usage" {
	make_cls_set
	: >empty.tsv
	run --separate-stderr clstrain "${TINY[@]}" -o x.ckpt empty.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: empty.tsv: empty manifest" ]
	grep Trouser m.tsv >one.tsv
	run --separate-stderr clstrain "${TINY[@]}" -o x.ckpt one.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: one.tsv: one class only (Trouser): nothing to tell apart" ]
	cp m.tsv gone.tsv
	printf 'gone.png\tBag\n' >>gone.tsv
	run --separate-stderr clstrain "${TINY[@]}" -o x.ckpt gone.tsv
	assert_failure 1
	[ "$stderr" = "clstrain: gone.tsv:25: gone.png: No such file or directory" ]
	[ ! -e x.ckpt ]
	run clstrain m.tsv
	assert_usage_error
	run clstrain -o x.ckpt --arch resnet99 m.tsv
	assert_usage_error
	run clstrain -o x.ckpt --arch cgan-g m.tsv
	assert_usage_error
	run clstrain -o x.ckpt --best b.ckpt m.tsv
	assert_usage_error
	run clstrain -o x.ckpt --optimizer rmsprop m.tsv
	assert_usage_error
	# one standard input cannot be read twice: before, "(stdin): empty
	# manifest", without saying which
	run clstrain -o x.ckpt --val - - <m.tsv
	assert_usage_error
	assert_line --index 0 "clstrain: --val and TRAIN cannot both be the standard input"
}
