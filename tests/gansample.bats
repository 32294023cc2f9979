#!/usr/bin/env bats
# gansample: frames of the classes asked for, their determinism, errors.

load helper

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	make_cls_set
	gantrain --size 12 --width-mult 0.5 --batch 16 --kimg 0.064 -q -o g.ckpt m.tsv
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	cp -r "$BATS_FILE_TMPDIR/data" "$BATS_FILE_TMPDIR/m.tsv" "$BATS_FILE_TMPDIR/g.ckpt" .
}

@test "gansample: standard options" {
	check_standard_options gansample
}

@test "gansample: N labelled frames of the class; imgsplit makes them files" {
	gansample -c Sneaker -n 5 g.ckpt >s.pam
	[ "$(grep -ac '^# label Sneaker$' s.pam)" -eq 5 ]
	[ "$(grep -a '^# id ' s.pam | tail -n 1)" = "# id gansample/1/Sneaker/4" ]
	imgsplit out <s.pam >s.tsv
	[ "$(wc -l <s.tsv)" -eq 5 ]
	[ "$(cut -f 2 s.tsv | sort -u)" = Sneaker ]
	[ "$(head -c 100 s.pam | grep -aE '^(WIDTH|HEIGHT|DEPTH) ' | paste -sd ' ')" = "WIDTH 12 HEIGHT 12 DEPTH 1" ]
}

@test "gansample: the same seed the same images; a class's images whatever else is asked" {
	gansample -c Bag -n 7 g.ckpt >a.pam
	gansample -c Bag -n 7 -b 3 g.ckpt >b.pam
	cmp a.pam b.pam
	gansample -c Bag -n 7 --seed 2 g.ckpt >c.pam
	! cmp -s a.pam c.pam
	printf 'Trouser\t2\nBag\t4\nSneaker\t0\nBag\t3\n' >quota.tsv
	gansample --quota quota.tsv g.ckpt >q.pam
	[ "$(grep -a '^# label' q.pam | uniq -c | awk '{print $1 $4}' | paste -sd ' ')" = "7Bag 2Trouser" ]
	imgsplit qa <q.pam | head -n 7 | cut -f 1 >q.list
	imgsplit aa <a.pam | cut -f 1 >a.list
	paste q.list a.list | while IFS=$'\t' read -r q a; do cmp "$q" "$a"; done
	# truncated latents: other images, still labelled
	gansample -c Bag -n 7 --truncation 0.5 g.ckpt >t.pam
	! cmp -s a.pam t.pam
	[ "$(grep -ac '^# label Bag$' t.pam)" -eq 7 ]
}

@test "gansample: bad data and usage" {
	run --separate-stderr gansample -c Dress -n 2 g.ckpt
	assert_failure 1
	[ "$stderr" = "gansample: g.ckpt: no class 'Dress' in its generator" ]
	printf 'Bag\t2\nDress\t1\n' >q.tsv
	run --separate-stderr gansample --quota q.tsv g.ckpt
	assert_failure 1
	[ "$stderr" = "gansample: q.tsv:2: no class 'Dress' in the generator g.ckpt" ]
	printf 'Bag\t-1\n' >neg.tsv
	run --separate-stderr gansample --quota neg.tsv g.ckpt
	assert_failure 1
	[ "$stderr" = "gansample: neg.tsv:1: '-1' is not a count of images (0 to 1000000000)" ]
	printf 'Bag\n' >short.tsv
	run --separate-stderr gansample --quota short.tsv g.ckpt
	assert_failure 1
	[[ "$stderr" == "gansample: short.tsv:1: "* ]]
	clstrain "${TINY[@]}" -e 1 -o cls.ckpt m.tsv
	run --separate-stderr gansample -c Bag cls.ckpt
	assert_failure 1
	[ "$stderr" = "gansample: cls.ckpt: a resnet20 checkpoint, not a generator's (gantrain writes those)" ]
	run --separate-stderr clsprob g.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clsprob: g.ckpt: a cgan-g checkpoint, not a classifier's" ]
	run --separate-stderr gansample -c Bag missing.ckpt
	assert_failure 1
	[ "$stderr" = "gansample: missing.ckpt: No such file or directory" ]
	run --separate-stderr bash -c 'gansample -c Bag -n 3 g.ckpt >/dev/full'
	assert_failure 1
	[ "$stderr" = "gansample: write error: No space left on device" ]
	run gansample -c Bag -n 0 g.ckpt
	assert_usage_error
	run gansample g.ckpt
	assert_usage_error
	run gansample -c Bag --quota q.tsv g.ckpt
	assert_usage_error
	run gansample --quota q.tsv -n 3 g.ckpt
	assert_usage_error
	run gansample -c Bag --truncation 0.01 g.ckpt
	assert_usage_error
}
