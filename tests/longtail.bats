#!/usr/bin/env bats
# longtail: a long-tailed subset of a manifest, CIFAR-10-LT protocol:
# class i of C keeps floor(max * R^(-i/(C-1))) images, chosen by a seeded
# per-class shuffle, printed in input order.

load helper
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# N lines for each of the classes c0..c(C-1), classes interleaved so that
# input order and class order differ; a third field to check it is kept.
make_balanced() {
	local nc=$1 n=$2 j c
	for j in $(seq 1 "$n"); do
		for c in $(seq 0 $((nc - 1))); do
			printf 'img/c%s/%s.png\tc%s\tmeta%s\n' "$c" "$j" "$c" "$j"
		done
	done
}

# Lines kept per class, by class name: "class count" lines.
per_class() {
	cut -f2 | sort | uniq -c | awk '{ print $2, $1 }'
}

# True when every line of $1 is a line of $2, and in the same order.
is_subsequence() {
	awk 'BEGIN { i = n = 0 }
		NR == FNR { want[n++] = $0; next }
		i < n && $0 == want[i] { i++ }
		END { exit i == n ? 0 : 1 }' "$1" "$2"
}

@test "longtail: standard options" {
	check_standard_options longtail
}

@test "longtail: 10 x 50, ratio 10, max 50: 50 38 29 23 17 13 10 8 6 5" {
	make_balanced 10 50 >m.tsv
	# floor(50 * 10^(-i/9)), i = 0..9
	local want='c0 50
c1 38
c2 29
c3 23
c4 17
c5 13
c6 10
c7 8
c8 6
c9 5'
	run --separate-stderr longtail --ratio 10 --max 50 m.tsv
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 199
	assert_equal "$(longtail --ratio 10 --max 50 m.tsv | per_class)" "$want"
	run longtail --ratio 10 --max 50 --plan m.tsv
	assert_success
	assert_output "$(tr ' ' '\t' <<<"$want")"
}

@test "longtail: defaults: ratio 100, max the smallest class" {
	# c0 30, c1 25, c2 20, c3 40 lines: max 20;
	# floor(20 * 100^(-i/3)) = 20, 4.30 -> 4, 0.93 -> 0, 0.2 -> 0.
	{
		make_balanced 4 20
		for j in $(seq 21 25); do printf 'x%s\tc0\nx%s\tc1\nx%s\tc3\n' $j $j $j; done
		for j in $(seq 26 30); do printf 'x%s\tc0\nx%s\tc3\n' $j $j; done
		for j in $(seq 31 40); do printf 'x%s\tc3\n' $j; done
	} >m.tsv
	run --separate-stderr longtail --plan m.tsv
	assert_success
	assert_output "$(printf 'c0\t20\nc1\t4\nc2\t0\nc3\t0\n')"
	assert_equal "$stderr" "longtail: warning: 2 classes keep no image at ratio 100"
	assert_equal "$(longtail m.tsv 2>/dev/null | per_class)" "$(printf 'c0 20\nc1 4')"
	# Ratio 8: 20, 10, 5, 2.5 -> 2.
	run longtail -r 8 --plan m.tsv
	assert_output "$(printf 'c0\t20\nc1\t10\nc2\t5\nc3\t2\n')"
}

@test "longtail: whole counts are not floored one lower by rounding" {
	# 40 * 32^(-i/5) = 40 / 2^i: 40 20 10 5 2.5 1.25.  Computed plainly,
	# 40 * 32^(-2/5) is 9.9999999999999982; the epsilon makes it 10.
	make_balanced 6 40 >m.tsv
	run longtail -r 32 --plan m.tsv
	assert_success
	assert_output "$(printf 'c0\t40\nc1\t20\nc2\t10\nc3\t5\nc4\t2\nc5\t1\n')"
	assert_equal "$(longtail -r 32 m.tsv | wc -l)" 78
}

@test "longtail: step profile" {
	make_balanced 10 50 >m.tsv
	run longtail --profile step --ratio 10 --plan m.tsv
	assert_success
	assert_output "$(printf 'c%s\t50\n' 0 1 2 3 4; printf 'c%s\t5\n' 5 6 7 8 9)"
	assert_equal "$(longtail -p step -r 10 m.tsv | per_class | tr '\n' ' ')" \
		"c0 50 c1 50 c2 50 c3 50 c4 50 c5 5 c6 5 c7 5 c8 5 c9 5 "
	# Odd C: floor(5/2) = 2 classes keep max; floor(20/3) = 6 for the rest.
	make_balanced 5 20 >m5.tsv
	run longtail -p step -r 3 --plan m5.tsv
	assert_output "$(printf 'c0\t20\nc1\t20\nc2\t6\nc3\t6\nc4\t6\n')"
}

@test "longtail: a single class keeps max, both profiles" {
	make_balanced 1 7 >m.tsv
	run longtail m.tsv
	assert_success
	assert_output "$(cat m.tsv)"
	run longtail -p step --plan m.tsv
	assert_output "$(printf 'c0\t7')"
	run longtail --max 3 --plan m.tsv
	assert_output "$(printf 'c0\t3')"
}

@test "longtail: the selection, exactly (PCG32 stream i per class)" {
	# 3 classes x 6, ratio 4: keeps 6, 3, 1.  Expected lines computed with an
	# independent implementation of PCG32 and the Fisher-Yates shuffle.
	for j in 1 2 3 4 5 6; do printf '%s%s.png\t%s\n' x $j x y $j y z $j z; done >m.tsv
	run longtail -r 4 m.tsv
	assert_success
	assert_output "$(printf '%s\t%s\n' x1.png x y1.png y x2.png x z2.png z x3.png x \
		y3.png y x4.png x x5.png x x6.png x y6.png y)"
	run longtail -r 4 --seed 1 m.tsv
	assert_output "$(printf '%s\t%s\n' x1.png x y1.png y x2.png x z2.png z x3.png x \
		y3.png y x4.png x x5.png x x6.png x y6.png y)"
	run longtail -r 4 --seed 5 m.tsv
	assert_output "$(printf '%s\t%s\n' x1.png x y1.png y x2.png x y2.png y x3.png x \
		y3.png y x4.png x z4.png z x5.png x x6.png x)"
	# With --order the stream is the position in that order: z 0, y 1, x 2.
	printf 'z\ny\nx\n' >zyx.txt
	run longtail -r 4 --order zyx.txt m.tsv
	assert_output "$(printf '%s\t%s\n' y1.png y z1.png z x2.png x z2.png z y3.png y \
		z3.png z z4.png z z5.png z y6.png y z6.png z)"
}

@test "longtail: output keeps input order and every field" {
	make_balanced 10 50 >m.tsv
	longtail -r 10 --seed 9 m.tsv >out.tsv
	assert_equal "$(wc -l <out.tsv)" 199
	is_subsequence out.tsv m.tsv
	# Not trivially: the output is not a prefix of the input.
	run cmp -s out.tsv <(head -n 199 m.tsv)
	assert_failure
	assert_equal "$(awk -F'\t' 'NF != 3' out.tsv | wc -l)" 0
	# No line twice.
	assert_equal "$(sort -u out.tsv | wc -l)" 199
}

@test "longtail: same seed, same output; another seed, another selection" {
	make_balanced 10 50 >m.tsv
	longtail -r 10 --seed 3 m.tsv >a.tsv
	longtail -r 10 --seed 3 m.tsv >b.tsv
	longtail -r 10 --seed 4 m.tsv >c.tsv
	run cmp a.tsv b.tsv
	assert_success
	run cmp -s a.tsv c.tsv
	assert_failure
	# The counts do not depend on the seed.
	assert_equal "$(per_class <a.tsv)" "$(per_class <c.tsv)"
	# The default seed is 1.
	assert_equal "$(longtail -r 10 m.tsv)" "$(longtail -r 10 -s 1 m.tsv)"
}

@test "longtail: a class's selection does not depend on the other classes" {
	make_balanced 2 50 >m.tsv
	# The same c0 lines, c1 cut to 30: c0 keeps 30 of its own in both.
	awk -F'\t' '$2 == "c0" || ++n <= 30' m.tsv >m2.tsv
	longtail --max 30 -r 2 m.tsv | awk -F'\t' '$2 == "c0"' >a.tsv
	longtail --max 30 -r 2 m2.tsv | awk -F'\t' '$2 == "c0"' >b.tsv
	assert_equal "$(wc -l <a.tsv)" 30
	run cmp a.tsv b.tsv
	assert_success
}

@test "longtail: --order sets the class order" {
	make_balanced 10 50 >m.tsv
	printf 'c%s\n' 9 8 7 6 5 4 3 2 1 0 >order.txt
	run longtail -r 10 --order order.txt --plan m.tsv
	assert_success
	assert_output "$(printf '%s\t%s\n' c9 50 c8 38 c7 29 c6 23 c5 17 c4 13 c3 10 \
		c2 8 c1 6 c0 5)"
	# Output still in input order, counts by the new order.
	longtail -r 10 -o order.txt m.tsv >out.tsv
	is_subsequence out.tsv m.tsv
	assert_equal "$(per_class <out.tsv | tr '\n' ' ')" \
		"c0 5 c1 6 c2 8 c3 10 c4 13 c5 17 c6 23 c7 29 c8 38 c9 50 "
	# Blank lines are skipped.
	printf 'c%s\n\n' 1 0 >o2.txt
	make_balanced 2 9 >m2.tsv
	run longtail -r 3 -o o2.txt --plan m2.tsv
	assert_output "$(printf 'c1\t9\nc0\t3\n')"
}

@test "longtail: --order errors name the class, file and line" {
	make_balanced 3 4 >m.tsv
	printf 'c0\nc2\n' >missing.txt
	run --separate-stderr longtail -o missing.txt m.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "longtail: m.tsv:2: class 'c1' is not listed in missing.txt"
	printf 'c0\nc1\nc2\nc1\n' >twice.txt
	run --separate-stderr longtail -o twice.txt m.tsv
	assert_failure 1
	assert_equal "$stderr" "longtail: twice.txt:4: class 'c1' listed twice (first on line 2)"
	printf 'c0\nc1\nc2\nc3\n' >extra.txt
	run --separate-stderr longtail -o extra.txt m.tsv
	assert_failure 1
	assert_equal "$stderr" "longtail: extra.txt:4: class 'c3' is not in m.tsv"
	run --separate-stderr longtail -o nosuch.txt m.tsv
	assert_failure 1
	assert_equal "$stderr" "longtail: nosuch.txt: No such file or directory"
}

@test "longtail: --order - with the manifest on stdin too is a usage error" {
	make_balanced 2 3 >m.tsv
	printf 'c1\nc0\n' >order.txt
	local args
	for args in "-o -" "-o - -" "--order=- -"; do
		# shellcheck disable=SC2086
		run --separate-stderr longtail $args <m.tsv
		assert_failure 2
		assert_output ""
		assert_equal "$stderr" "longtail: --order: cannot read stdin, the manifest is read from it
Try 'longtail --help' for more information."
	done
	# The order alone on stdin is fine.
	run longtail -r 3 -o - --plan m.tsv <order.txt
	assert_success
	assert_output "$(printf 'c1\t3\nc0\t1\n')"
}

@test "longtail: --counts keeps what a plan says, as the ratio that made it" {
	make_balanced 10 50 >m.tsv
	longtail -r 10 -o <(printf 'c%s\n' 9 8 7 6 5 4 3 2 1 0) --seed 4 --plan m.tsv >plan.tsv
	run --separate-stderr longtail --counts plan.tsv --seed 4 m.tsv
	assert_success
	assert_equal "$stderr" ""
	# the same images: the classes' streams are their places in the file
	assert_output "$(longtail -r 10 -o <(printf 'c%s\n' 9 8 7 6 5 4 3 2 1 0) --seed 4 m.tsv)"
	assert_equal "$(per_class <<<"$output" | tr '\n' ' ')" \
		"c0 5 c1 6 c2 8 c3 10 c4 13 c5 17 c6 23 c7 29 c8 38 c9 50 "
	# any counts, 0 included; --plan prints them back in the file's order
	printf 'c%s\t%s\n' 3 7 1 0 0 50 2 1 4 1 5 1 6 1 7 1 8 1 9 1 >given.tsv
	run --separate-stderr longtail -c given.tsv -n m.tsv
	assert_success
	assert_output "$(cat given.tsv)"
	assert_equal "$stderr" "longtail: warning: 1 class keeps no image in given.tsv"
	assert_equal "$(longtail -c given.tsv m.tsv 2>/dev/null | wc -l)" 64
}

@test "longtail: --replace draws with replacement, as many as asked" {
	make_balanced 3 4 >m.tsv
	printf 'c0\t10\nc1\t0\nc2\t3\n' >want.tsv
	run --separate-stderr longtail --counts want.tsv --replace --seed 3 m.tsv
	assert_success
	assert_equal "$(per_class <<<"$output" | tr '\n' ' ')" "c0 10 c2 3 "
	# lines of the manifest only, more than once some, in input order
	[ "$(printf '%s\n' "${lines[@]}" | sort -u | comm -23 - <(sort m.tsv) | wc -l)" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | grep -c "${TAB}c0")" -eq 10 ]
	is_subsequence <(printf '%s\n' "${lines[@]}" | uniq) m.tsv
	# the same seed, the same draws; another, others
	longtail --counts want.tsv --replace --seed 3 m.tsv 2>/dev/null | cmp - <(printf '%s\n' "${lines[@]}")
	! longtail --counts want.tsv --replace --seed 4 m.tsv 2>/dev/null | cmp -s - <(printf '%s\n' "${lines[@]}") || false
	# without it, 10 of 4 is refused
	run --separate-stderr longtail --counts want.tsv m.tsv
	assert_failure 1
}

@test "longtail: --counts errors name the file and line, or the option" {
	make_balanced 3 4 >m.tsv
	printf 'c0\t1\nc1\t5\nc2\t1\n' >over.tsv
	run --separate-stderr longtail --counts over.tsv m.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "longtail: over.tsv:2: class 'c1' has 4 images in m.tsv, fewer than 5"
	printf 'c0\t1\nc2\t1\n' >missing.tsv
	run --separate-stderr longtail --counts missing.tsv m.tsv
	assert_failure 1
	assert_equal "$stderr" "longtail: m.tsv:2: class 'c1' is not listed in missing.tsv"
	printf 'c0\t1\nc1\t1\nc2\t1\nc9\t1\n' >extra.tsv
	run --separate-stderr longtail --counts extra.tsv m.tsv
	assert_failure 1
	assert_equal "$stderr" "longtail: extra.tsv:4: class 'c9' is not in m.tsv"
	# a manifest given for the counts fails on its first line, stdin unread
	run --separate-stderr longtail --counts m.tsv </dev/null
	assert_failure 1
	assert_equal "$stderr" "longtail: m.tsv:1: expected 2 TAB-separated fields, found 3"
	for shape in '-r 10' '--max 2' '-p step' '--order m.tsv'; do
		run --separate-stderr longtail $shape --counts over.tsv m.tsv
		assert_failure 2
		[[ $stderr == "longtail: --counts gives the counts: --"*" cannot shape them"* ]]
	done
	run --separate-stderr longtail --counts - <over.tsv
	assert_failure 2
	[[ $stderr == "longtail: --counts: cannot read stdin, the manifest is read from it"* ]]
}

@test "longtail: --max larger than a class needs: error with both numbers" {
	# c0 50, c1 20: --max 40 -r 2 needs floor(40 / 2) = 20 of c1 (fine),
	# --max 41 needs 20 too, --max 42 needs 21 of c1's 20.
	{
		make_balanced 2 20
		for j in $(seq 21 50); do printf 'x%s\tc0\n' $j; done
	} >m.tsv
	run longtail --max 41 -r 2 --plan m.tsv
	assert_success
	assert_output "$(printf 'c0\t41\nc1\t20\n')"
	run --separate-stderr longtail --max 42 -r 2 m.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" \
		"longtail: m.tsv: class 'c1' has 20 images, fewer than the 21 it must keep (--max 42)"
	run --separate-stderr longtail --max 51 -r 2 m.tsv
	assert_failure 1
	assert_equal "$stderr" \
		"longtail: m.tsv: class 'c0' has 50 images, fewer than the 51 it must keep (--max 51)"
}

@test "longtail: reads stdin, with no file and with -; adds a last newline" {
	make_balanced 2 3 >m.tsv
	run longtail -r 3 <m.tsv
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_equal "$(longtail -r 3 - <m.tsv)" "$(longtail -r 3 m.tsv)"
	printf 'a\tk\nb\tk' | longtail >out.tsv
	assert_equal "$(od -c out.tsv | head -n 2 | tr -s ' ')" \
		"$(printf 'a\tk\nb\tk\n' | od -c | head -n 2 | tr -s ' ')"
}

@test "longtail: empty input is an error" {
	: >empty.tsv
	run --separate-stderr longtail empty.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "longtail: empty.tsv: empty input"
	run --separate-stderr longtail </dev/null
	assert_failure 1
	assert_equal "$stderr" "longtail: (stdin): empty input"
}

@test "longtail: a line without a class field, or an empty class" {
	printf 'a\tk\nb\tk\nc\n' >short.tsv
	run --separate-stderr longtail short.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "longtail: short.tsv:3: expected at least 2 TAB-separated fields, found 1"
	printf 'a\tk\nb\t\n' >emptyclass.tsv
	run --separate-stderr longtail - <emptyclass.tsv
	assert_failure 1
	assert_equal "$stderr" "longtail: (stdin):2: empty class name"
	run --separate-stderr longtail nosuch.tsv
	assert_failure 1
	assert_equal "$stderr" "longtail: nosuch.tsv: No such file or directory"
}

@test "longtail: an empty class is refused, whatever follows it" {
	# The same check and message as every manifest reader (tsv_class).
	printf 'a\tk\tx\nb\t\tmeta\n' >emptyclass.tsv
	run --separate-stderr longtail emptyclass.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "longtail: emptyclass.tsv:2: empty class name"
	printf 'a\tk\n\t\n' >emptyboth.tsv
	run --separate-stderr longtail emptyboth.tsv
	assert_failure 1
	assert_equal "$stderr" "longtail: emptyboth.tsv:2: empty class name"
}

@test "longtail: classes that keep no image: one warning, exit 0" {
	make_balanced 10 50 >m.tsv
	# 50 * 1e12^(-i/9): c0 50, c1 2, and 0 for the 8 others.
	run --separate-stderr longtail -r 1e12 --plan m.tsv
	assert_success
	assert_equal "$stderr" "longtail: warning: 8 classes keep no image at ratio 1e+12"
	assert_equal "$(awk -F'\t' '$2 == 0' <<<"$output" | wc -l)" 8
	run --separate-stderr longtail -r 1e12 m.tsv
	assert_success
	assert_equal "${#lines[@]}" 52
	assert_equal "$stderr" "longtail: warning: 8 classes keep no image at ratio 1e+12"
	# One class: the singular; none: no warning.
	make_balanced 2 3 >m2.tsv
	run --separate-stderr longtail -r 4 m2.tsv
	assert_success
	assert_equal "$stderr" "longtail: warning: 1 class keeps no image at ratio 4"
	run --separate-stderr longtail -r 3 m2.tsv
	assert_success
	assert_equal "$stderr" ""
}

@test "longtail: bad option values are usage errors" {
	make_balanced 2 3 >m.tsv
	local bad
	for bad in "--ratio 0.5" "--ratio abc" "--ratio 0" "--ratio inf" "--max 0" \
		"--max -3" "--max abc" "--profile log" "--seed -1" "--seed x"; do
		# shellcheck disable=SC2086
		run longtail $bad m.tsv
		assert_usage_error
	done
	run --separate-stderr longtail --ratio 0.5 m.tsv
	assert_equal "$stderr" "longtail: --ratio: 0.5 is out of range [1, 1e+12]
Try 'longtail --help' for more information."
	run longtail m.tsv m.tsv
	assert_usage_error
}

@test "longtail: a write error is reported" {
	make_balanced 2 3 >m.tsv
	run --separate-stderr bash -c 'longtail -r 3 m.tsv >/dev/full'
	assert_failure 1
	assert_equal "$stderr" "longtail: write error: No space left on device"
}
