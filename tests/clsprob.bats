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

# Through GNU parallel the records are split in jobs (-N), and each job
# classifies its own in batches (-b).  A record's fields must not depend on
# the batch it was classified in.

@test "clsprob: through GNU parallel (-j 2), jobs of a batch each, the same bytes" {
	need_parallel
	clsprob -b 8 model.ckpt m.tsv 2>/dev/null >one.tsv
	[ "$(wc -l <one.tsv)" -eq 24 ]
	run --separate-stderr bash -c 'parallel --pipe -N 8 -j 2 --keep-order clsprob -b 8 model.ckpt <m.tsv'
	assert_success
	[ "$output" = "$(cat one.tsv)" ]
	# and with --all; a job each of 16 and of 8 records, in batches of 8
	clsprob --all -b 8 model.ckpt m.tsv 2>/dev/null >one.tsv
	run --separate-stderr bash -c 'parallel --pipe -N 16 -j 2 --keep-order clsprob --all -b 8 model.ckpt <m.tsv'
	assert_success
	[ "$output" = "$(cat one.tsv)" ]
	[ "$(head -n 1 one.tsv | awk -F'\t' '{ print NF }')" -eq 8 ]
}

@test "clsprob: through GNU parallel, jobs unlike one process's batches, the same bytes" {
	need_parallel
	# One process: one batch of 24.  Jobs of 5 records: batches of 5 and 4.
	clsprob --all model.ckpt m.tsv 2>/dev/null >one.tsv
	parallel --pipe -N 5 -j 2 --keep-order clsprob --all model.ckpt <m.tsv 2>/dev/null >jobs.tsv
	cmp one.tsv jobs.tsv
	# and one process, batch by batch
	clsprob --all -b 1 model.ckpt m.tsv 2>/dev/null >b1.tsv
	cmp one.tsv b1.tsv
}

@test "clsprob: -S over two hosts (ssh replaced) gives the same bytes" {
	need_parallel
	command -v rsync >/dev/null || skip "rsync (GNU parallel's --basefile) is not installed"
	fake_ssh
	# The hosts read the images where they are here, the model as
	# --basefile copied it to them.
	awk -F'\t' -v OFS='\t' -v d="$PWD" '{ $1 = d "/" $1; print }' m.tsv >abs.tsv
	clsprob -b 4 model.ckpt abs.tsv 2>/dev/null >one.tsv
	run --separate-stderr parallel -S h1,h2 -j 1 --basefile model.ckpt --pipe -N 4 --keep-order \
		clsprob -b 4 model.ckpt <abs.tsv
	assert_success
	[ "$output" = "$(cat one.tsv)" ]
	assert_both_hosts_worked model.ckpt
	# From a login file, the model at a path every host resolves.
	printf 'h1\nh2\n' >logins
	rm -r hosts hosts.log
	run --separate-stderr parallel --sshloginfile logins -j 1 --pipe -N 4 --keep-order \
		clsprob -b 4 "$PWD/model.ckpt" <abs.tsv
	assert_success
	[ "$output" = "$(cat one.tsv)" ]
	assert_both_hosts_worked
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
	[ "$stderr" = "clsprob: tab.pam: frame 1: a label or id with a TAB 'a\tb'" ]
	run --separate-stderr bash -c 'clsprob model.ckpt m.tsv >/dev/full'
	assert_failure 1
	# (after the warning that the images were resized)
	assert_equal "${stderr_lines[-1]}" "clsprob: write error: No space left on device"
	[ "${#stderr_lines[@]}" -eq 2 ]
	run clsprob
	assert_usage_error
	# --classes reads no FILE: one given is refused, not ignored
	run clsprob --classes model.ckpt m.tsv
	assert_usage_error
	assert_line --index 0 "clsprob: --classes takes MODEL alone, no FILE, --all or --adjust"
	run clsprob --classes --all model.ckpt
	assert_usage_error
}

@test "clsprob, clseval, fid: an input that cannot be read is a read error, not empty input" {
	mkdir dir
	run --separate-stderr clsprob model.ckpt dir
	assert_failure 1
	assert_equal "$stderr" "clsprob: dir: read error: Is a directory"
	run --separate-stderr bash -c 'clsprob model.ckpt <&-'
	assert_failure 1
	assert_equal "$stderr" "clsprob: (stdin): read error: Bad file descriptor"
	run --separate-stderr clseval model.ckpt dir
	assert_failure 1
	assert_equal "$stderr" "clseval: dir: read error: Is a directory"
	run --separate-stderr fid -m model.ckpt dir m.tsv
	assert_failure 1
	assert_equal "$stderr" "fid: dir: read error: Is a directory"
}

@test "clsprob, clseval: --adjust TAU divides each probability by its class's prior to the power TAU" {
	mkdir lt && cd lt
	copy_examples "Trouser:8" "Bag:4" "Sneaker:2"
	clstrain "${TINY[@]}" -e 1 -o lt.ckpt m.tsv
	# the training images of each class, in the model's order
	assert_equal "$(clsprob --classes lt.ckpt | paste -sd ' ')" "Bag Sneaker Trouser"
	assert_equal "$(header_line lt.ckpt class_counts)" "4,2,8"
	clsprob --all lt.ckpt m.tsv >p.tsv 2>/dev/null
	clsprob --all --adjust 0.5 lt.ckpt m.tsv >q.tsv 2>/dev/null
	# q's fields 6-8 against p's divided by (n / 14)^0.5, normalised
	paste p.tsv q.tsv | awk -F'\t' '
		BEGIN { n[6] = 4; n[7] = 2; n[8] = 8; name[6] = "Bag"; name[7] = "Sneaker"; name[8] = "Trouser" }
		{
			s = 0
			for (c = 6; c <= 8; c++) { r[c] = $c / sqrt(n[c] / 14); s += r[c] }
			best = 6
			for (c = 6; c <= 8; c++) {
				if (r[c] > r[best]) best = c
				d = r[c] / s - $(c + 8); if (d < 0) d = -d
				if (d > 2e-5 + 1e-4 * $(c + 8)) { print "line " NR ": " c; bad = 1 }
			}
			if ($11 != name[best]) { print "line " NR ": " $11; bad = 1 }
		}
		END { exit bad }'
	# clseval scores the same predictions; --adjust 0 is none
	clseval lt.ckpt m.tsv >e0.tsv 2>/dev/null
	clseval --adjust 0 lt.ckpt m.tsv 2>/dev/null | cmp - e0.tsv
	right=$(awk -F'\t' '$2 == $3' q.tsv | wc -l)
	assert_equal "$(clseval --adjust 0.5 lt.ckpt m.tsv 2>/dev/null | sed -n 1p)" \
		"$(awk -v r="$right" 'BEGIN { printf "top1\t%.6f", r / 14 }')"
}

@test "clsprob, clseval: --adjust refused: a negative TAU, --classes, a model without its counts" {
	run clsprob --adjust -1 model.ckpt m.tsv
	assert_usage_error
	run clseval --adjust x model.ckpt m.tsv
	assert_usage_error
	run clsprob --classes --adjust 1 model.ckpt
	assert_usage_error
	run clsprob --classes --adjust 0 model.ckpt
	assert_usage_error
	# written before the counts were kept (tests/fixtures/README)
	cp "$FIXTURES"/ckpt/old-cls.ckpt old.ckpt
	run --separate-stderr clsprob --adjust 1 old.ckpt m.tsv
	assert_failure 1
	assert_output ""
	[ "$stderr" = "clsprob: old.ckpt: its header lacks class_counts (--adjust needs the counts of its training images, which clstrain keeps since December 2026)" ]
	run --separate-stderr clseval --adjust 1 old.ckpt m.tsv
	assert_failure 1
}
