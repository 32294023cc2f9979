#!/usr/bin/env bats
# quota: how many images each class must gain, by strategy and target.

load helper
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
	# cat 5, dog 3, ant 1, "b b" 1
	{
		for i in 1 2 3 4 5; do printf 'c%s.png\tcat\n' $i; done
		for i in 1 2 3; do printf 'd%s.png\tdog\n' $i; done
		printf 'a.png\tant\nb.png\tb b\n'
	} >m.tsv
}

@test "quota: standard options" {
	check_standard_options quota
}

@test "quota: every class up to the largest, in bytewise order, stdin too" {
	run quota m.tsv
	assert_success
	assert_output "$(printf '%s\t%s\n' ant 4 'b b' 4 cat 0 dog 2)"
	[ "$(quota <m.tsv)" = "$output" ]
	[ "$(quota - <m.tsv)" = "$output" ]
}

@test "quota: --target, --ratio, --over" {
	run quota --target 4 m.tsv
	assert_output "$(printf '%s\t%s\n' ant 3 'b b' 3 cat 0 dog 1)"
	# the largest class (cat) gains nothing under not-majority, all under all
	run quota --target 7 m.tsv
	assert_output "$(printf '%s\t%s\n' ant 6 'b b' 6 cat 0 dog 4)"
	run quota --target 7 -s all m.tsv
	assert_output "$(printf '%s\t%s\n' ant 6 'b b' 6 cat 2 dog 4)"
	# floor(0.6 * 5) = 3; 0.29 * 100 is 29 and 1.1 * 10 is 11, not one off
	run quota --ratio 0.6 m.tsv
	assert_output "$(printf '%s\t%s\n' ant 2 'b b' 2 cat 0 dog 0)"
	run quota --ratio 1.1 --over 1.5 m.tsv
	assert_output "$(printf '%s\t%s\n' ant 6 'b b' 6 cat 0 dog 3)"
	for i in $(seq 100); do printf 'x%s\tbig\n' $i; done >h.tsv
	printf 'y\tsmall\n' >>h.tsv
	[ "$(quota --ratio 0.29 h.tsv | grep small)" = "$(printf 'small\t28')" ]
	printf 'small\t10\n' >t.tsv
	[ "$(quota --targets t.tsv --over 1.1 h.tsv | grep small)" = "$(printf 'small\t10')" ]
}

@test "quota: the strategies minority and not-minority; ties bytewise" {
	# ant and "b b" tie for the smallest: ant is the minority
	run quota -s minority m.tsv
	assert_output "$(printf '%s\t%s\n' ant 4 'b b' 0 cat 0 dog 0)"
	run quota -s not-minority m.tsv
	assert_output "$(printf '%s\t%s\n' ant 0 'b b' 4 cat 0 dog 2)"
}

@test "quota: --targets, a class<TAB>N file; the classes not named gain nothing" {
	printf 'dog\t6\nant\t2\n' >t.tsv
	run quota --targets t.tsv m.tsv
	assert_success
	assert_output "$(printf '%s\t%s\n' ant 1 'b b' 0 cat 0 dog 3)"
	# the largest class named: it gains too, unless a strategy says not
	printf 'cat\t6\n' >t.tsv
	run quota --targets t.tsv m.tsv
	assert_output "$(printf '%s\t%s\n' ant 0 'b b' 0 cat 1 dog 0)"
	run quota --targets t.tsv -s not-majority m.tsv
	assert_output "$(printf '%s\t%s\n' ant 0 'b b' 0 cat 0 dog 0)"
	# its output feeds gansample --quota and thresh --quota: the same format
	quota m.tsv >q.tsv
	run quota --targets q.tsv m.tsv
	assert_output "$(printf '%s\t%s\n' ant 3 'b b' 3 cat 0 dog 0)"
}

@test "quota: bad data and usage" {
	printf 'bird\t3\n' >t.tsv
	run --separate-stderr quota --targets t.tsv m.tsv
	assert_failure 1
	[ "$stderr" = "quota: t.tsv:1: no class 'bird' in m.tsv" ]
	[ -z "$output" ]
	printf 'dog\tmany\n' >t.tsv
	run --separate-stderr quota --targets t.tsv m.tsv
	assert_failure 1
	[ "$stderr" = "quota: t.tsv:1: 'many' is not a count of images (0 to 1000000000)" ]
	printf 'a.png\n' >bad.tsv
	run --separate-stderr quota bad.tsv
	assert_failure 1
	[[ "$stderr" == "quota: bad.tsv:1: "* ]]
	: >empty.tsv
	run --separate-stderr quota empty.tsv
	assert_failure 1
	[ "$stderr" = "quota: empty.tsv: empty input" ]
	# more than gansample and thresh take: refused, nothing printed
	run --separate-stderr quota --target 1000000000 --over 2 m.tsv
	assert_failure 1
	[ "$stderr" = "quota: m.tsv: class 'dog' would gain 1999999994 images, more than 1000000000" ]
	[ -z "$output" ]
	run quota --target 1000000000 m.tsv
	assert_success
	assert_line --index 0 "ant${TAB:=$'\t'}999999999"
	run quota --targets - <m.tsv
	assert_usage_error
	run quota -s most m.tsv
	assert_usage_error
	run quota --target 3 --ratio 0.5 m.tsv
	assert_usage_error
	run quota --over 0.5 m.tsv
	assert_usage_error
	run quota --ratio 0 m.tsv
	assert_usage_error
	run quota m.tsv m.tsv
	assert_usage_error
}
