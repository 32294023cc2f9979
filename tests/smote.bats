#!/usr/bin/env bats
# smote: new images of the classes asked for, their determinism, errors.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	make_cls_set
}

@test "smote: standard options" {
	check_standard_options smote
}

@test "smote: N labelled frames of the class; imgsplit makes them files" {
	smote -c Sneaker -n 5 m.tsv >s.pam
	[ "$(grep -ac '^# label Sneaker$' s.pam)" -eq 5 ]
	[ "$(grep -a '^# id ' s.pam | tail -n 1)" = "# id smote/1/Sneaker/4" ]
	imgsplit out <s.pam >s.tsv
	[ "$(wc -l <s.tsv)" -eq 5 ]
	[ "$(cut -f 2 s.tsv | sort -u)" = Sneaker ]
	[ "$(head -c 100 s.pam | grep -aE '^(WIDTH|HEIGHT|DEPTH) ' | paste -sd ' ')" = "WIDTH 28 HEIGHT 28 DEPTH 1" ]
}

@test "smote: the same seed the same images; a class's images whatever else is asked" {
	smote -c Bag -n 7 m.tsv >a.pam
	smote -c Bag -n 7 m.tsv | cmp - a.pam
	smote -c Bag -n 7 --seed 2 m.tsv >c.pam
	! cmp -s a.pam c.pam || false
	smote -c Bag -n 7 -k 1 m.tsv >k.pam
	! cmp -s a.pam k.pam || false
	printf 'Trouser\t2\nBag\t4\nSneaker\t0\nBag\t3\n' >quota.tsv
	smote --quota quota.tsv m.tsv >q.pam
	[ "$(grep -a '^# label' q.pam | uniq -c | awk '{print $1 $4}' | paste -sd ' ')" = "7Bag 2Trouser" ]
	imgsplit qa <q.pam | head -n 7 | cut -f 1 >q.list
	imgsplit aa <a.pam | cut -f 1 >a.list
	paste q.list a.list | while IFS=$'\t' read -r q a; do cmp "$q" "$a"; done
	# another class in the manifest, another order of lines: Bag's images
	# are Bag's lines in their order, whatever surrounds them
	{ grep -v Bag m.tsv; printf '%s\tZebra\n' "$(head -n 1 m.tsv | cut -f1)"; grep Bag m.tsv; } >z.tsv
	smote -c Bag -n 7 z.tsv | cmp - a.pam
}

@test "smote: --first K begins at the class's K-th image" {
	smote -c Bag -n 10 m.tsv >ten.pam
	smote -c Bag -n 4 m.tsv >a.pam
	smote -c Bag -n 6 --first 4 m.tsv >b.pam
	cat a.pam b.pam | cmp - ten.pam
	[ "$(grep -a '^# id ' b.pam | sed -n '1p;$p' | paste -sd ' ')" = "# id smote/1/Bag/4 # id smote/1/Bag/9" ]
}

@test "smote: a class of K images or fewer: fewer neighbours, said once" {
	copy_examples "Coat:3"
	run --separate-stderr smote -c Coat -n 4 m.tsv
	assert_success
	[ "$stderr" = "smote: warning: m.tsv: class 'Coat' has 3 images: 2 neighbours each, not 5" ]
	run --separate-stderr smote -c Coat -n 4 -k 2 m.tsv
	assert_success
	[ "$stderr" = "" ]
}

@test "smote: bad data and usage" {
	copy_examples "Coat:1"
	run --separate-stderr smote -c Coat -n 2 m.tsv
	assert_failure 1
	assert_output ""
	[ "$stderr" = "smote: m.tsv: class 'Coat' has 1 image: SMOTE needs 2 or more" ]
	# checked before any frame, whatever the order
	printf 'Bag\t2\nCoat\t1\n' >q.tsv
	run --separate-stderr smote --quota q.tsv m.tsv
	assert_failure 1
	assert_output ""
	run --separate-stderr smote -c Zebra m.tsv
	assert_failure 1
	[ "$stderr" = "smote: m.tsv: no class 'Zebra' in its manifest" ]
	printf 'Bag\tx\n' >bad.tsv
	run --separate-stderr smote --quota bad.tsv m.tsv
	assert_failure 1
	[[ $stderr == "smote: bad.tsv:1: "* ]]
	run --separate-stderr smote -c Bag gone.tsv
	assert_failure 1
	[[ $stderr == "smote: gone.tsv: "* ]]
	run smote m.tsv
	assert_usage_error
	run smote -c Bag --quota q.tsv m.tsv
	assert_usage_error
	run smote -c Bag -k 0 m.tsv
	assert_usage_error
	run smote --quota - - <q.tsv
	assert_usage_error
	run smote -c Bag m.tsv m.tsv
	assert_usage_error
}
