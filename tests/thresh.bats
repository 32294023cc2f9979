#!/usr/bin/env bats
# thresh: the records at or above alpha; with a quota, the best of each
# class up to it.

load helper
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
	printf '%s\t%s\t%s\t%s\n' \
		a.png x y 0.95 \
		b.png y y 0.5 \
		c.png x x 0.99 \
		d.png x x 0.91 \
		e.png y y 0.92 \
		f.png x x 0.95 \
		g.png y x 0.9 >s.tsv
}

@test "thresh: standard options" {
	check_standard_options thresh
}

@test "thresh: keeps the lines at or above alpha, as read, stdin too" {
	run thresh -a 0.92 s.tsv
	assert_success
	assert_output "$(printf '%s\t%s\t%s\t%s\n' a.png x y 0.95 c.png x x 0.99 e.png y y 0.92 f.png x x 0.95)"
	[ "$(thresh -a 0.92 <s.tsv)" = "$output" ]
	[ "$(thresh --alpha=0.92 - <s.tsv)" = "$output" ]
	run thresh -a 1 s.tsv
	assert_success
	assert_output ""
	# another field than the last
	awk -F'\t' -v OFS='\t' '{ print $1, $4, 1 - $4 }' s.tsv >f.tsv
	run thresh -a 0.92 -f 2 f.tsv
	assert_success
	assert_output "$(printf '%s\t%s\t%s\n' a.png 0.95 0.05 c.png 0.99 0.01 e.png 0.92 0.08 f.png 0.95 0.05)"
}

@test "thresh: --quota keeps the most probable of each class, in input order" {
	printf 'x\t3\ny\t1\n' >q.tsv
	run --separate-stderr thresh -a 0.9 -q q.tsv s.tsv
	assert_success
	# x: c 0.99, then a and f at 0.95 (d 0.91 dropped); y: e 0.92 over g 0.9
	assert_output "$(printf '%s\t%s\t%s\t%s\n' a.png x y 0.95 c.png x x 0.99 e.png y y 0.92 f.png x x 0.95)"
	[ -z "$stderr" ]
	# among equals, the first read: a before f
	printf 'x\t2\ny\t0\n' >q.tsv
	run thresh -a 0.9 -q q.tsv s.tsv
	assert_output "$(printf '%s\t%s\t%s\t%s\n' a.png x y 0.95 c.png x x 0.99)"
	# the class from another field
	printf 'x\t1\ny\t5\n' >q.tsv
	run --separate-stderr thresh -a 0.9 -c 3 -q q.tsv s.tsv
	assert_success
	assert_output "$(printf '%s\t%s\t%s\t%s\n' a.png x y 0.95 c.png x x 0.99 e.png y y 0.92)"
	[ "$stderr" = "thresh: warning: class 'y': 2 kept of 5 (3 read, 2 at 0.9 or more)" ]
}

@test "thresh: a class with nothing above alpha is reported, the others kept" {
	printf 'x\t2\ny\t2\nz\t1\n' >q.tsv
	run --separate-stderr thresh -a 0.93 -q q.tsv s.tsv
	assert_success
	assert_output "$(printf '%s\t%s\t%s\t%s\n' a.png x y 0.95 c.png x x 0.99)"
	[ "$stderr" = "$(printf '%s\n' \
		"thresh: warning: class 'y': 0 kept of 2 (3 read, 0 at 0.93 or more)" \
		"thresh: warning: class 'z': 0 kept of 1 (0 read, 0 at 0.93 or more)")" ]
}

@test "thresh: bad data and usage" {
	printf 'h.png\tx\tmaybe\n' >>s.tsv
	run --separate-stderr thresh -a 0.5 s.tsv
	assert_failure 1
	[ "$stderr" = "thresh: s.tsv:8: field 3: 'maybe' is not a probability (0 to 1)" ]
	# the one syntax of numbers: no blanks, no hexadecimal
	printf 'a.png\tx\t 0x1p-1\n' >h.tsv
	run --separate-stderr thresh -a 0.5 h.tsv
	assert_failure 1
	[ "$stderr" = "thresh: h.tsv:1: field 3: ' 0x1p-1' is not a probability (0 to 1)" ]
	printf 'a.png\tx\t1.5\n' >p.tsv
	run --separate-stderr thresh -a 0.5 p.tsv
	assert_failure 1
	[ "$stderr" = "thresh: p.tsv:1: field 3: '1.5' is not a probability (0 to 1)" ]
	run --separate-stderr thresh -a 0.5 -f 9 p.tsv
	assert_failure 1
	[[ "$stderr" == "thresh: p.tsv:1: "* ]]
	# a class the quota does not name: refused, nothing printed
	printf 'y\t2\n' >q.tsv
	run --separate-stderr thresh -a 0.5 -q q.tsv s.tsv
	assert_failure 1
	[ "$stderr" = "thresh: s.tsv:1: class 'x' has no line in the quota q.tsv" ]
	[ -z "$output" ]
	for a in 0 1.5 -0.1 x; do
		run thresh -a "$a" s.tsv
		assert_usage_error
	done
	run thresh s.tsv
	assert_usage_error
	run thresh -a 0.5 -q - -
	assert_usage_error
	run thresh -a 0.5 s.tsv s.tsv
	assert_usage_error
}
