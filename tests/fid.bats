#!/usr/bin/env bats
# fid: FID and KID of feature vectors against scipy's, of images through a
# classifier's features, and the errors.

load helper

setup_file() {
	train_tiny_model
}

setup() {
	copy_tiny_model
	cp "$FIXTURES"/fid/*.tsv .
}

# The value of key in fid's output, and whether two numbers agree to rel.
value() { awk -F'\t' -v k="$1" '$1 == k { print $2 }'; }
close_to() { awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= r * (b < 0 ? -b : b)) }'; }

@test "fid: standard options" {
	check_standard_options fid
}

@test "fid: --features agrees with scipy (sqrtm) and numpy's unbiased MMD" {
	run fid --features -d 4 a.tsv b.tsv
	assert_success
	assert_line --index 3 $'n_a\t60'
	assert_line --index 4 $'n_b\t50'
	close_to "$(value fid <<<"$output")" "$(value fid <expected.tsv)" 1e-7
	[ "$(value kid_sd <<<"$output")" != 0 ]
	# one subset of all 50 of each: KID over the whole sets
	head -n 50 a.tsv >a50.tsv
	run fid --features -d 4 --subsets 1 a50.tsv b.tsv
	close_to "$(value kid <<<"$output")" "$(value kid_a50_b <expected.tsv)" 1e-7
	[ "$(value kid_sd <<<"$output")" = 0 ]
	# a set against itself: 0, to rounding
	run fid --features -d 4 a.tsv a.tsv
	awk -F'\t' '$1 == "fid" && ($2 > 1e-9 || $2 < -1e-9) { exit 1 }' <<<"$output"
	# the same seed, the same KID
	[ "$(fid --features -d 4 a.tsv b.tsv)" = "$(fid --features -d 4 a.tsv b.tsv)" ]
}

@test "fid: images through a classifier's features, from manifests or PAM streams" {
	grep Bag m.tsv >bag.tsv
	grep Trouser m.tsv >trouser.tsv
	run --separate-stderr fid -m model.ckpt bag.tsv trouser.tsv
	assert_success
	# 8 images of 16 features: singular covariances, said
	[[ "$stderr" == *"bag.tsv: 8 vectors of 16 dimensions: its covariance is singular"* ]]
	local far=$(value fid <<<"$output")
	awk -v f="$far" 'BEGIN { exit !(f > 0) }'
	assert_line --index 3 $'n_a\t8'
	# what clsfeat prints gives the same distance through --features
	clsfeat model.ckpt bag.tsv >bag.feat
	clsfeat model.ckpt trouser.tsv >trouser.feat
	local dim=$(($(head -n 1 bag.feat | awk -F'\t' '{ print NF }') - 2))
	run --separate-stderr fid --features -d "$dim" bag.feat trouser.feat
	close_to "$(value fid <<<"$output")" "$far" 1e-4
	imgcat bag.tsv | fid -m model.ckpt - trouser.tsv >piped.tsv 2>/dev/null
	close_to "$(value fid <piped.tsv)" "$far" 1e-9
}

@test "fid: bad data and usage" {
	printf 'x\t1\t2\n' >short.tsv
	run --separate-stderr fid --features -d 4 a.tsv short.tsv
	assert_failure 1
	[ "$stderr" = "fid: short.tsv:1: 3 fields, fewer than the 4 of a vector" ]
	# the id taken for a number: the lines hold fewer than D numbers
	run --separate-stderr fid --features -d 5 a.tsv b.tsv
	assert_failure 1
	[ "$stderr" = "fid: a.tsv:1: field 1 ('a0') is not a finite number" ]
	printf 'x\t1\tNA\t3\t4\n' >na.tsv
	run --separate-stderr fid --features -d 4 a.tsv na.tsv
	assert_failure 1
	[ "$stderr" = "fid: na.tsv:1: field 3 ('NA') is not a finite number" ]
	printf 'x\t1e308\t0\t0\t0\ny\t-1e308\t0\t0\t0\nz\t1\t2\t3\t4\n' >huge.tsv
	run --separate-stderr fid --features -d 4 a.tsv huge.tsv
	assert_failure 1
	[ "$(tail -n 1 <<<"$stderr")" = "fid: the distances overflow: features this large are out of range" ]
	head -n 1 a.tsv >one.tsv
	run --separate-stderr fid --features -d 4 a.tsv one.tsv
	assert_failure 1
	[ "$stderr" = "fid: one.tsv: 1 vector: a covariance needs two at least" ]
	head -n 3 a.tsv >three.tsv
	run --separate-stderr fid --features -d 4 a.tsv three.tsv
	assert_success
	[ "$stderr" = "fid: warning: three.tsv: 3 vectors of 4 dimensions: its covariance is singular; 1e-06 is added to the diagonals" ]
	assert_output --partial $'n_b\t3'
	run --separate-stderr fid -m a.tsv a.tsv b.tsv
	assert_failure 1
	[ "$stderr" = "fid: a.tsv: not a simbal checkpoint" ]
	run --separate-stderr bash -c 'fid --features -d 4 a.tsv b.tsv >/dev/full'
	assert_failure 1
	[ "$stderr" = "fid: write error: No space left on device" ]
	run fid a.tsv b.tsv
	assert_usage_error
	run fid -m model.ckpt --features -d 4 a.tsv b.tsv
	assert_usage_error
	run fid --features a.tsv b.tsv
	assert_usage_error
	run fid -m model.ckpt -d 4 a.tsv b.tsv
	assert_usage_error
	run fid -m model.ckpt - -
	assert_usage_error
	run fid --features -d 4 a.tsv
	assert_usage_error
}
