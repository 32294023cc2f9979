#!/usr/bin/env bats
# diffsample: frames of the classes asked for, their determinism (whatever
# the batch, the threads and the jobs), the samplers, errors.

load helper

# A tiny diffusion model of make_cls_set's classes (Bag, Sneaker, Trouser),
# trained fast enough (no warm-up, no average) that its classes and its
# guidance change the images: its output convolutions start at 0.
DIFF=(--size 12 --width-mult 0.25 --batch 8 --kimg 0.032 --lr 0.005 --warmup 0 --ema 0 -q)

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	make_cls_set
	difftrain "${DIFF[@]}" -o d.ckpt m.tsv
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	cp -r "$BATS_FILE_TMPDIR/data" "$BATS_FILE_TMPDIR/m.tsv" "$BATS_FILE_TMPDIR/d.ckpt" .
}

# Few steps: the tests are of the bytes, not of the images' quality; one
# thread, where the thread count is not what a test is about (-j 2 after
# it then wins), on a machine that may be busy.
S=(--steps 4 -j 1)

@test "diffsample: standard options" {
	check_standard_options diffsample
}

@test "diffsample: N labelled frames of the class; imgsplit makes them files" {
	diffsample "${S[@]}" -c Sneaker -n 5 d.ckpt >s.pam
	[ "$(grep -ac '^# label Sneaker$' s.pam)" -eq 5 ]
	[ "$(grep -a '^# id ' s.pam | sed -n '1p;$p' | paste -sd ' ')" = "# id diffsample/1/Sneaker/0 # id diffsample/1/Sneaker/4" ]
	imgsplit out <s.pam >s.tsv
	[ "$(wc -l <s.tsv)" -eq 5 ]
	[ "$(cut -f 2 s.tsv | sort -u)" = Sneaker ]
	[ "$(head -c 100 s.pam | grep -aE '^(WIDTH|HEIGHT|DEPTH) ' | paste -sd ' ')" = "WIDTH 12 HEIGHT 12 DEPTH 1" ]
	# not one image five times
	[ "$(for f in $(cut -f 1 s.tsv); do md5sum <"$f"; done | sort -u | wc -l)" -eq 5 ]
}

@test "diffsample: the same bytes whatever the batch and the threads; another seed, others" {
	diffsample "${S[@]}" -c Bag -n 7 d.ckpt >a.pam
	diffsample "${S[@]}" -c Bag -n 7 -b 3 -j 2 d.ckpt | cmp - a.pam
	diffsample "${S[@]}" -c Bag -n 7 -b 1 -j 2 d.ckpt | cmp - a.pam
	diffsample "${S[@]}" -c Bag -n 7 --seed 2 d.ckpt >c.pam
	! cmp -s a.pam c.pam || false
	[ "$(grep -a '^# id ' c.pam | head -n 1)" = "# id diffsample/2/Bag/0" ]
}

@test "diffsample: a class's images whatever else is asked; the model's class order" {
	diffsample "${S[@]}" -c Bag -n 7 d.ckpt >a.pam
	printf 'Trouser\t2\nBag\t4\nSneaker\t0\nBag\t3\n' >quota.tsv
	diffsample "${S[@]}" --quota quota.tsv -b 5 d.ckpt >q.pam
	[ "$(grep -a '^# label' q.pam | uniq -c | awk '{print $1 $4}' | paste -sd ' ')" = "7Bag 2Trouser" ]
	imgsplit qa <q.pam | head -n 7 | cut -f 1 >q.list
	imgsplit aa <a.pam | cut -f 1 >a.list
	paste q.list a.list | while IFS=$'\t' read -r q a; do cmp "$q" "$a"; done
	# the same k of another class: another noise stream, seen where the
	# class changes nothing else (--cfg 0: the unconditional model alone)
	diffsample "${S[@]}" --cfg 0 -c Bag -n 1 d.ckpt | imgsplit u | cut -f 1 >u.list
	diffsample "${S[@]}" --cfg 0 -c Trouser -n 1 d.ckpt | imgsplit t | cut -f 1 >t.list
	! cmp -s "$(cat t.list)" "$(cat u.list)" || false
}

@test "diffsample: --first K begins at the class's K-th image" {
	diffsample "${S[@]}" -c Bag -n 10 d.ckpt >ten.pam
	diffsample "${S[@]}" -c Bag -n 4 d.ckpt >a.pam
	diffsample "${S[@]}" -c Bag -n 6 --first 4 -b 4 d.ckpt >b.pam
	cat a.pam b.pam | cmp - ten.pam
	[ "$(grep -a '^# id ' b.pam | sed -n '1p;$p' | paste -sd ' ')" = "# id diffsample/1/Bag/4 # id diffsample/1/Bag/9" ]
	diffsample "${S[@]}" -c Bag -n 2 --first 0 d.ckpt | cmp - <(diffsample "${S[@]}" -c Bag -n 2 d.ckpt)
}

@test "diffsample: through GNU parallel (-j 2), a quota line or --first a job, the same bytes" {
	need_parallel
	printf 'Bag\t3\nSneaker\t2\nTrouser\t3\n' >quota.tsv
	diffsample "${S[@]}" --quota quota.tsv d.ckpt >one.pam
	[ "$(grep -ac '^# label' one.pam)" -eq 8 ]
	parallel --pipe -N 1 -j 2 --keep-order diffsample "${S[@]}" --quota - d.ckpt <quota.tsv >jobs.pam
	cmp one.pam jobs.pam
	# one class over three jobs, at boundaries that are not the batch's
	diffsample "${S[@]}" -c Sneaker -n 9 -b 4 d.ckpt >one.pam
	parallel -j 2 --keep-order diffsample "${S[@]}" -c Sneaker -n 3 --first {} d.ckpt ::: 0 3 6 >jobs.pam
	cmp one.pam jobs.pam
}

@test "diffsample: ddpm, DDIM with eta and each guidance weight: other images, each deterministic" {
	diffsample "${S[@]}" -c Bag -n 4 d.ckpt >ddim.pam
	local v
	for v in "--sampler ddpm" "--eta 0.5" "--eta 1" "--cfg 1" "--cfg 0" "--cfg 3.5" "--steps 5"; do
		# shellcheck disable=SC2086
		diffsample "${S[@]}" $v -c Bag -n 4 d.ckpt >x.pam
		! cmp -s x.pam ddim.pam || fail "$v gave the default's images"
		# shellcheck disable=SC2086
		diffsample "${S[@]}" $v -c Bag -n 4 -b 3 -j 2 d.ckpt | cmp - x.pam || fail "$v: not the same bytes"
		[ "$(grep -ac '^# label Bag$' x.pam)" -eq 4 ]
	done
	# the defaults: DDIM, eta 0, 25 steps, --cfg 2
	diffsample "${S[@]}" --sampler ddim --eta 0 --cfg 2 -c Bag -n 4 d.ckpt | cmp - ddim.pam
	diffsample -j 1 -c Bag -n 2 d.ckpt | cmp - <(diffsample -j 1 --steps 25 -c Bag -n 2 d.ckpt)
}

@test "diffsample: a model without its unconditional half refuses guidance; an unconditional one, classes" {
	difftrain "${DIFF[@]}" --p-uncond 0 -o p0.ckpt m.tsv
	run --separate-stderr diffsample "${S[@]}" -c Bag p0.ckpt
	assert_failure 1
	[ "$stderr" = "diffsample: p0.ckpt: trained with --p-uncond 0, it has no unconditional model for --cfg 2 (give --cfg 1)" ]
	[ -z "$output" ]
	run --separate-stderr diffsample "${S[@]}" -c Bag --cfg 0 p0.ckpt
	assert_failure 1
	[[ "$stderr" == *"for --cfg 0 (give --cfg 1)" ]]
	diffsample "${S[@]}" -c Bag -n 2 --cfg 1 p0.ckpt >p0.pam
	[ "$(grep -ac '^# label Bag$' p0.pam)" -eq 2 ]
	difftrain "${DIFF[@]}" --p-uncond 1 -o p1.ckpt m.tsv
	run --separate-stderr diffsample "${S[@]}" -c Bag --cfg 1 p1.ckpt
	assert_failure 1
	[ "$stderr" = "diffsample: p1.ckpt: an unconditional model (trained with --p-uncond 1) draws no class without --classifier and a --guidance above 0" ]
	[ -z "$output" ]
	run --separate-stderr diffsample "${S[@]}" --quota - p1.ckpt <<<$'Bag\t1'
	assert_failure 1
}

@test "diffsample: --classifier guides by a noisy classifier of D, deterministically; one of another D is refused" {
	diffcls --width-mult 0.375 --batch 8 --kimg 0.032 -q --diffusion d.ckpt -o c.ckpt m.tsv
	diffsample "${S[@]}" -c Bag -n 3 --cfg 1 d.ckpt >plain.pam
	diffsample "${S[@]}" -c Bag -n 3 --cfg 1 --classifier c.ckpt --guidance 30 d.ckpt >g.pam
	diffsample "${S[@]}" -c Bag -n 3 --cfg 1 --classifier c.ckpt --guidance 30 -b 1 -j 2 d.ckpt >g2.pam
	cmp g.pam g2.pam
	! cmp -s plain.pam g.pam || false
	# scale 0 is no guidance; the default scale is 1
	diffsample "${S[@]}" -c Bag -n 3 --cfg 1 --classifier c.ckpt --guidance 0 d.ckpt >g0.pam
	cmp plain.pam g0.pam
	diffsample "${S[@]}" -c Bag -n 3 --cfg 1 --classifier c.ckpt d.ckpt >g1.pam
	diffsample "${S[@]}" -c Bag -n 3 --cfg 1 --classifier c.ckpt --guidance 1 d.ckpt >g1b.pam
	cmp g1.pam g1b.pam
	# an unconditional model draws classes with a classifier
	difftrain "${DIFF[@]}" --p-uncond 1 -o p1.ckpt m.tsv
	diffcls --width-mult 0.375 --batch 8 --kimg 0.016 -q --diffusion p1.ckpt -o c1.ckpt m.tsv
	diffsample "${S[@]}" -c Sneaker -n 2 --classifier c1.ckpt --guidance 10 p1.ckpt >u.pam
	[ "$(grep -ac '^# label Sneaker$' u.pam)" -eq 2 ]
	# ... at a scale above 0, and --cfg is nothing to it
	run --separate-stderr diffsample "${S[@]}" -c Sneaker --classifier c1.ckpt --guidance 0 p1.ckpt
	assert_failure 1
	[[ "$stderr" == *"draws no class without --classifier and a --guidance above 0" ]]
	run --separate-stderr diffsample "${S[@]}" -c Sneaker --classifier c1.ckpt --cfg 3 p1.ckpt
	assert_failure 1
	[[ "$stderr" == *"has no classifier-free guidance: --cfg does nothing" ]]
	[ -z "$output" ]
	# ancestral steps are guided too (their mean moved), deterministically
	diffsample "${S[@]}" -c Bag -n 3 --cfg 1 --sampler ddpm d.ckpt >ddpm.pam
	diffsample "${S[@]}" -c Bag -n 3 --cfg 1 --sampler ddpm --classifier c.ckpt --guidance 30 d.ckpt >gddpm.pam
	diffsample "${S[@]}" -c Bag -n 3 --cfg 1 --sampler ddpm --classifier c.ckpt --guidance 30 -b 2 -j 2 d.ckpt >gddpm2.pam
	cmp gddpm.pam gddpm2.pam
	! cmp -s ddpm.pam gddpm.pam || false
	# a classifier of another process, or not a noisy classifier: refused
	difftrain "${DIFF[@]}" --kimg 0.008 --schedule linear -o lin.ckpt m.tsv
	diffcls --width-mult 0.375 --batch 8 --kimg 0.008 -q --diffusion lin.ckpt -o clin.ckpt m.tsv
	run --separate-stderr diffsample "${S[@]}" -c Bag --classifier clin.ckpt d.ckpt
	assert_failure 1
	[[ "$stderr" == "diffsample: clin.ckpt: a noisy classifier whose classes, size or schedule do not match d.ckpt"* ]]
	[ -z "$output" ]
	run --separate-stderr diffsample "${S[@]}" -c Bag --classifier d.ckpt d.ckpt
	assert_failure 1
	[[ "$stderr" == "diffsample: d.ckpt: is a diffusion model's checkpoint, not a noisy classifier's"* ]]
	run diffsample -c Bag --guidance 2 d.ckpt
	assert_usage_error
	run diffsample -c Bag --classifier c.ckpt --guidance -1 d.ckpt
	assert_usage_error
}

@test "diffsample: a classifier's or a GAN's checkpoint is named as such" {
	clstrain "${TINY[@]}" -e 1 -o cls.ckpt m.tsv
	run --separate-stderr diffsample -c Bag cls.ckpt
	assert_failure 1
	[ "$stderr" = "diffsample: cls.ckpt: is a classifier checkpoint, not a diffusion model's (made by clstrain)" ]
	[ -z "$output" ]
	gantrain --size 12 --width-mult 0.5 --batch 16 --kimg 0.016 -q -o g.ckpt m.tsv
	run --separate-stderr diffsample -c Bag g.ckpt
	assert_failure 1
	[ "$stderr" = "diffsample: g.ckpt: is a GAN checkpoint, not a diffusion model's (made by gantrain)" ]
	# and the other way round
	run --separate-stderr gansample -c Bag d.ckpt
	assert_failure 1
	[ "$stderr" = "gansample: d.ckpt: is a diffusion model's checkpoint, not a GAN's (made by difftrain)" ]
}

@test "diffsample: bad data: one line, exit 1, no frame" {
	run --separate-stderr diffsample "${S[@]}" -c Dress -n 2 d.ckpt
	assert_failure 1
	[ "$stderr" = "diffsample: d.ckpt: no class 'Dress' in its model" ]
	[ -z "$output" ]
	printf 'Bag\t2\nDress\t1\n' >q.tsv
	run --separate-stderr diffsample "${S[@]}" --quota q.tsv d.ckpt
	assert_failure 1
	[ "$stderr" = "diffsample: q.tsv:2: no class 'Dress' in the model d.ckpt" ]
	[ -z "$output" ]
	run --separate-stderr diffsample -c Bag --steps 1001 d.ckpt
	assert_failure 1
	[ "$stderr" = "diffsample: d.ckpt: --steps 1001, more than the 1000 steps of its process" ]
	[ -z "$output" ]
	diffsample -j 1 -c Bag --steps 1000 --cfg 1 d.ckpt >t.pam
	[ "$(grep -ac '^# label Bag$' t.pam)" -eq 1 ]
	head -c $(($(stat -c %s d.ckpt) / 2)) d.ckpt >half.ckpt
	run --separate-stderr diffsample -c Bag half.ckpt
	assert_failure 1
	[ "$stderr" = "diffsample: half.ckpt: it is corrupted or truncated (its CRC does not match)" ]
	[ -z "$output" ]
	run --separate-stderr diffsample -c Bag missing.ckpt
	assert_failure 1
	[ "$stderr" = "diffsample: missing.ckpt: No such file or directory" ]
	# the process as difftrain records it, and the label drop
	edit_header d.ckpt nosched.ckpt '/^train\.schedule\t/d'
	run --separate-stderr diffsample -c Bag nosched.ckpt
	assert_failure 1
	[ "$stderr" = "diffsample: nosched.ckpt: its header lacks train.schedule" ]
	edit_header d.ckpt steps.ckpt 's/^train\.diffusion_steps\t.*/train.diffusion_steps\t1/'
	run --separate-stderr diffsample -c Bag steps.ckpt
	assert_failure 1
	[ "$stderr" = "diffsample: steps.ckpt: its header's train.diffusion_steps is '1', not a count of at least 2" ]
	edit_header d.ckpt badtarget.ckpt 's/^train\.predict\t.*/train.predict\tx0/'
	run --separate-stderr diffsample -c Bag badtarget.ckpt
	assert_failure 1
	[ "$stderr" = "diffsample: badtarget.ckpt: its header's train.predict is 'x0', not one of eps, v" ]
	edit_header d.ckpt nodrop.ckpt '/^train\.p_uncond\t/d'
	run --separate-stderr diffsample -c Bag nodrop.ckpt
	assert_failure 1
	[ "$stderr" = "diffsample: nodrop.ckpt: its header lacks train.p_uncond" ]
	assert_write_errors diffsample "diffsample ${S[*]} -c Bag -n 3 d.ckpt"
}

@test "diffsample: bad usage" {
	local bad
	for bad in "--steps 0" "--steps 1" "--steps x" "--eta -1" "--eta 1.5" "--cfg -1" "--sampler ddpx" \
		"--sampler ddpm --eta 0.5" "--first -1" "-n 0" "-b 0" "--seed -1"; do
		# shellcheck disable=SC2086
		run diffsample -c Bag $bad d.ckpt
		assert_usage_error
	done
	run diffsample -c Bag --steps 1 d.ckpt
	assert_line --index 0 "diffsample: --steps: 1 is out of range [2, 1000000]"
	run diffsample -c Bag --eta -1 d.ckpt
	assert_line --index 0 "diffsample: --eta: -1 is out of range [0, 1]"
	run diffsample -c Bag --cfg -1 d.ckpt
	assert_line --index 0 "diffsample: --cfg: -1 is out of range [0, 1000]"
	run diffsample -c Bag --eta 0.5 --sampler ddpm d.ckpt
	assert_line --index 0 "diffsample: --eta goes with --sampler ddim"
	run diffsample -c Bag --sampler ddpx d.ckpt
	assert_line --index 0 "diffsample: --sampler: unknown value 'ddpx' (ddim, ddpm)"
	run diffsample d.ckpt
	assert_usage_error
	assert_line --index 0 "diffsample: give either --class (with -n) or --quota"
	run diffsample -c Bag
	assert_usage_error
	assert_line --index 0 "diffsample: expected one diffusion model D, got 0 arguments"
	printf 'Bag\t1\n' >q.tsv
	run diffsample -c Bag --quota q.tsv d.ckpt
	assert_usage_error
	run diffsample --quota q.tsv -n 3 d.ckpt
	assert_usage_error
	run diffsample --quota q.tsv --first 2 d.ckpt
	assert_usage_error
	assert_line --index 0 "diffsample: --first goes with --class, not --quota"
}
