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
	! cmp -s a.pam c.pam || false
	printf 'Trouser\t2\nBag\t4\nSneaker\t0\nBag\t3\n' >quota.tsv
	gansample --quota quota.tsv g.ckpt >q.pam
	[ "$(grep -a '^# label' q.pam | uniq -c | awk '{print $1 $4}' | paste -sd ' ')" = "7Bag 2Trouser" ]
	imgsplit qa <q.pam | head -n 7 | cut -f 1 >q.list
	imgsplit aa <a.pam | cut -f 1 >a.list
	paste q.list a.list | while IFS=$'\t' read -r q a; do cmp "$q" "$a"; done
	# truncated latents: other images, still labelled
	gansample -c Bag -n 7 --truncation 0.5 g.ckpt >t.pam
	! cmp -s a.pam t.pam || false
	[ "$(grep -ac '^# label Bag$' t.pam)" -eq 7 ]
}

@test "gansample: --first K begins at the class's K-th image" {
	gansample -c Bag -n 10 g.ckpt >ten.pam
	gansample -c Bag -n 4 g.ckpt >a.pam
	gansample -c Bag -n 6 --first 4 g.ckpt >b.pam
	cat a.pam b.pam | cmp - ten.pam
	[ "$(grep -a '^# id ' b.pam | sed -n '1p;$p' | paste -sd ' ')" = "# id gansample/1/Bag/4 # id gansample/1/Bag/9" ]
	# The latents of the images before K are drawn (with a truncation,
	# some values twice), in batches other than -b's.
	gansample -c Bag -n 10 --truncation 0.5 --seed 3 g.ckpt >ten.pam
	gansample -c Bag -n 3 --truncation 0.5 --seed 3 g.ckpt >a.pam
	gansample -c Bag -n 7 --first=3 -b 2 --truncation 0.5 --seed 3 g.ckpt >b.pam
	cat a.pam b.pam | cmp - ten.pam
	gansample -c Bag -n 2 --first 0 g.ckpt | cmp - <(gansample -c Bag -n 2 g.ckpt)
}

# Scaling out: a job a quota line, or a class split with --first.  The
# k-th image of a class must not depend on the batch it was drawn in.

@test "gansample: through GNU parallel (-j 2), a quota line or --first a job, the same bytes" {
	need_parallel
	# A quota with each class once, in the generator's order: one process
	# writes them in that order too.
	printf 'Bag\t5\nSneaker\t3\nTrouser\t4\n' >quota.tsv
	gansample --quota quota.tsv g.ckpt >one.pam
	[ "$(grep -ac '^# label' one.pam)" -eq 12 ]
	parallel --pipe -N 1 -j 2 --keep-order gansample --quota - g.ckpt <quota.tsv >jobs.pam
	cmp one.pam jobs.pam
	# One class over three jobs, each job a batch of one process's.
	gansample -c Sneaker -n 12 -b 4 g.ckpt >one.pam
	parallel -j 2 --keep-order gansample -c Sneaker -n 4 --first {} -b 4 g.ckpt ::: 0 4 8 >jobs.pam
	cmp one.pam jobs.pam
}

@test "gansample: one class over jobs at any boundary, the same bytes" {
	need_parallel
	# One process: batches of 256; ten jobs: batches of 100.
	gansample -c Bag -n 1000 g.ckpt >one.pam
	parallel -j 2 --keep-order gansample -c Bag -n 100 --first {} g.ckpt ::: $(seq 0 100 900) >jobs.pam
	cmp one.pam jobs.pam
}

@test "gansample: -S over two hosts (ssh replaced) gives the same bytes" {
	need_parallel
	command -v rsync >/dev/null || skip "rsync (GNU parallel's --basefile) is not installed"
	fake_ssh
	# A quota line a job, the generator copied to the hosts by --basefile.
	printf 'Bag\t5\nSneaker\t3\nTrouser\t4\n' >quota.tsv
	gansample --quota quota.tsv g.ckpt >one.pam
	parallel -S h1,h2 -j 1 --basefile g.ckpt --pipe -N 1 --keep-order \
		gansample --quota - g.ckpt <quota.tsv >jobs.pam
	cmp one.pam jobs.pam
	assert_both_hosts_worked g.ckpt
	# --first, the hosts from a login file, the generator at a path every
	# host resolves
	printf 'h1\nh2\n' >logins
	rm -r hosts hosts.log
	gansample -c Trouser -n 12 -b 4 g.ckpt >one.pam
	parallel --sshloginfile logins -j 1 --keep-order \
		gansample -c Trouser -n 4 --first {} -b 4 "$PWD/g.ckpt" ::: 0 4 8 >jobs.pam
	cmp one.pam jobs.pam
	assert_both_hosts_worked
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
	[ "$stderr" = "gansample: cls.ckpt: is a classifier checkpoint, not a GAN's (made by clstrain)" ]
	run --separate-stderr clsprob g.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clsprob: g.ckpt: is a GAN checkpoint, not a classifier's (made by gantrain)" ]
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
	run --separate-stderr gansample -c "$(printf 'Ba\ng')" g.ckpt
	assert_failure 1
	assert_equal "$stderr" "gansample: g.ckpt: no class 'Ba\\ng' in its generator"
	run gansample -c Bag --truncation 0.01 g.ckpt
	assert_usage_error
	# too small for a float: checked as given, not as the 0 (none) it becomes
	run gansample -c Bag --truncation 1e-300 g.ckpt
	assert_usage_error
	assert_line --index 0 "gansample: --truncation: 1e-300 leaves next to no latents (0.1 at least, or 0)"
	run gansample --quota q.tsv --first 2 g.ckpt
	assert_usage_error
	assert_line --index 0 "gansample: --first goes with --class, not --quota"
	run gansample -c Bag --first -1 g.ckpt
	assert_usage_error
	assert_line --index 0 "gansample: --first: -1 is out of range [0, 1000000000]"
	run gansample -c Bag --first 2k g.ckpt
	assert_usage_error
	assert_line --index 0 "gansample: --first: '2k' is not an integer"
}
