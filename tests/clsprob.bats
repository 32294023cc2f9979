#!/usr/bin/env bats
# clsprob: what it appends to manifests and streams.

load helper

setup_file() {
	train_tiny_model
}

setup() {
	copy_tiny_model
}

@test "clsprob: standard options" {
	check_standard_options clsprob
}

@test "clsprob: three fields after each line; --all the whole distribution" {
	run --separate-stderr clsprob model.ckpt m.tsv
	assert_success
	[ "${#lines[@]}" -eq 24 ]
	paste m.tsv <(printf '%s\n' "${lines[@]}" | cut -f3-) >want.tsv
	[ "$(printf '%s\n' "${lines[@]}")" = "$(cat want.tsv)" ]
	# predicted class known, probabilities in [0, 1], own class's <= predicted
	printf '%s\n' "${lines[@]}" | awk -F'\t' 'NF != 5 || $3 !~ /^(Bag|Sneaker|Trouser)$/ ||
		$4 <= 0 || $4 > 1 || $5 > $4 + 1e-9 { exit 1 }'
	run --separate-stderr clsprob --all model.ckpt m.tsv
	printf '%s\n' "${lines[@]}" | awk -F'\t' '
		NF != 8 { exit 1 }
		{ s = $6 + $7 + $8; if (s < 0.9999 || s > 1.0001) exit 1 }'
}

@test "clsprob: a PAM stream gives id and label; the same numbers" {
	clsprob model.ckpt m.tsv 2>/dev/null | cut -f3- >from-files
	run --separate-stderr bash -c 'imgcat m.tsv | clsprob model.ckpt'
	assert_success
	[ "$(printf '%s\n' "${lines[@]}" | cut -f1,2)" = "$(cat m.tsv)" ]
	[ "$(printf '%s\n' "${lines[@]}" | cut -f3-)" = "$(cat from-files)" ]
	# A frame without a label: the own class's probability is empty.
	pngtopam "$(head -n 1 m.tsv | cut -f1)" >bare.pam
	run --separate-stderr clsprob model.ckpt bare.pam
	assert_output --regexp $'^1\t\t(Bag|Sneaker|Trouser)\t[0-9.e-]+\t$'
}

@test "clsprob: errors" {
	run --separate-stderr clsprob model.ckpt /dev/null
	assert_failure 1
	[ "$stderr" = "clsprob: /dev/null: empty input" ]
	imgcat m.tsv | head -c 1500 >cut.pam
	run --separate-stderr clsprob model.ckpt cut.pam
	assert_failure 1
	[[ $stderr =~ ^"clsprob: cut.pam: frame 2: truncated" ]]
	printf 'gone.png\tBag\n' >gone.tsv
	run --separate-stderr clsprob model.ckpt gone.tsv
	assert_failure 1
	[ "$stderr" = "clsprob: gone.tsv:1: gone.png: No such file or directory" ]
	# An id with a TAB would break the fields it is printed in.
	printf 'P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\n# id a\tb\nENDHDR\n\x05' >tab.pam
	run --separate-stderr clsprob model.ckpt tab.pam
	assert_failure 1
	assert_output ""
	[ "$stderr" = "clsprob: tab.pam: frame 1: a label or id with a TAB 'a	b'" ]
	run clsprob
	assert_usage_error
}
