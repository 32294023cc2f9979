#!/usr/bin/env bats
# imgpairs: floor(K*n + 0.5) seeded random pairs of two different images
# within each group (stream = the group's first-appearance position), or
# every unordered pair with --all.

load helper
bats_require_minimum_version 1.5.0

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w"
	TAB=$'\t'
	# Groups interleaved: g has 4 images, h 3, s 1.
	printf '%s\t%s\n' g a.png g b.png h x.png g c.png h y.png s z.png h w.png g d.png >q.tsv
}

# N images img<group>-<i>.png in each group given as name:N, lines of the
# groups interleaved round-robin.
make_groups() {
	awk -v spec="$*" 'BEGIN {
		ng = split(spec, s, " ")
		for (k = 1; k <= ng; k++) { split(s[k], p, ":"); name[k] = p[1]; n[k] = p[2]
			if (p[2] > max) max = p[2] }
		for (i = 1; i <= max; i++)
			for (k = 1; k <= ng; k++)
				if (i <= n[k]) printf "%s\timg%s-%d.png\tmeta\n", name[k], name[k], i
	}'
}

# Lines per group of a pair list: "group count" lines, by first appearance.
per_group() {
	awk -F'\t' '!($1 in c) { o[++n] = $1 } { c[$1]++ }
		END { for (i = 1; i <= n; i++) print o[i], c[o[i]] }'
}

@test "imgpairs: standard options" {
	check_standard_options imgpairs
}

@test "imgpairs: the pairs, exactly (K 2, seed 1)" {
	# Computed with an independent PCG32 (O'Neill's pcg32_srandom_r and
	# pcg32_boundedrand_r, in Python): stream 0 for g, 1 for h; i below n,
	# j below n-1, j++ when j >= i.
	run --separate-stderr imgpairs q.tsv
	assert_success
	assert_equal "$stderr" "imgpairs: warning: q.tsv:6: group 's' has a single image: skipped"
	assert_output "$(printf '%s\t%s\t%s\n' \
		g b.png c.png g b.png a.png g c.png a.png g a.png c.png \
		g d.png c.png g a.png d.png g a.png d.png g a.png b.png \
		h y.png x.png h y.png w.png h x.png w.png h w.png y.png \
		h w.png y.png h y.png w.png)"
}

@test "imgpairs: --lines: the same pairs, each image's input line before the paths" {
	# a path repeated: its first line
	printf 'g\ta.png\n' >>q.tsv
	run --separate-stderr imgpairs --lines --seed 3 q.tsv
	assert_success
	[ "$(cut -f 1,4,5 <<<"$output")" = "$(imgpairs --seed 3 q.tsv 2>/dev/null)" ]
	# each line number is the line of that group and path in the input
	awk -F'\t' 'NR == FNR { if (!(($1, $2) in at)) at[$1, $2] = FNR; next }
		at[$1, $4] != $2 || at[$1, $5] != $3 { print "wrong: " $0; bad = 1 }
		END { exit bad }' q.tsv - <<<"$output"
	grep -q "^g${TAB}1${TAB}" <<<"$output"
	run --separate-stderr imgpairs -l --all q.tsv
	assert_line --index 0 "g${TAB}1${TAB}2${TAB}a.png${TAB}b.png"
}

@test "imgpairs: the pairs, exactly, with another seed and K" {
	run --separate-stderr imgpairs --seed 7 q.tsv
	assert_success
	assert_output "$(printf '%s\t%s\t%s\n' \
		g b.png c.png g d.png c.png g a.png c.png g b.png d.png \
		g d.png a.png g d.png b.png g d.png c.png g d.png b.png \
		h w.png x.png h y.png w.png h x.png w.png h x.png w.png \
		h y.png x.png h y.png w.png)"
	# K 1.5: 6 pairs of g, floor(4.5 + 0.5) = 5 of h; the first ones as
	# with K 2, from the same streams.
	run --separate-stderr imgpairs -k 1.5 q.tsv
	assert_success
	assert_output "$(printf '%s\t%s\t%s\n' \
		g b.png c.png g b.png a.png g c.png a.png g a.png c.png \
		g d.png c.png g a.png d.png \
		h y.png x.png h y.png w.png h x.png w.png h w.png y.png \
		h w.png y.png)"
	# K 0.1: floor(0.4 + 0.5) = 0 and floor(0.3 + 0.5) = 0: one pair each.
	run --separate-stderr imgpairs -k 0.1 --seed 3 q.tsv
	assert_success
	assert_output "$(printf '%s\t%s\t%s\n' g b.png a.png h w.png y.png)"
}

@test "imgpairs: floor(K*n + 0.5) pairs per group, at least one" {
	make_groups a:2 b:3 c:7 d:50 e:1 >m.tsv
	local k want
	for k in 2 1 0.25 0.2 0.5 3.7; do
		want=$(awk -v k="$k" 'BEGIN { split("a:2 b:3 c:7 d:50", s, " ")
			for (i = 1; i <= 4; i++) { split(s[i], p, ":")
				c = int(k * p[2] + 0.5); if (c < 1) c = 1; print p[1], c } }')
		assert_equal "$(imgpairs -k "$k" m.tsv 2>/dev/null | per_group)" "$want"
	done
	# The default K is 2.
	assert_equal "$(imgpairs m.tsv 2>/dev/null | per_group | tr '\n' ' ')" "a 4 b 6 c 14 d 100 "
}

@test "imgpairs: two different images per pair, each from its own group" {
	make_groups a:2 b:3 c:7 d:50 >m.tsv
	imgpairs -k 20 --seed 11 m.tsv >pairs.tsv
	assert_equal "$(wc -l <pairs.tsv)" 1240
	# Every output line has three fields, A != B.
	assert_equal "$(awk -F'\t' 'NF != 3 || $2 == $3' pairs.tsv | wc -l)" 0
	# Both images belong to the group of the line.
	run awk -F'\t' 'NR == FNR { in_group[$1 SUBSEP $2] = 1; next }
		!(($1 SUBSEP $2) in in_group) || !(($1 SUBSEP $3) in in_group) { bad++ }
		END { print bad + 0 }' m.tsv pairs.tsv
	assert_output 0
	# Groups come out in order of first appearance, each in one block.
	assert_equal "$(cut -f1 pairs.tsv | uniq | tr '\n' ' ')" "a b c d "
}

@test "imgpairs: a path repeated in its group is one image, with a warning naming the line" {
	# q.tsv and three repeats: the same groups of the same images.
	{ cat q.tsv; printf '%s\t%s\n' g b.png h x.png g b.png; } >dup.tsv
	local warnings="imgpairs: warning: dup.tsv:9: 'b.png' is already in group 'g': counted once
imgpairs: warning: dup.tsv:10: 'x.png' is already in group 'h': counted once
imgpairs: warning: dup.tsv:11: 'b.png' is already in group 'g': counted once
imgpairs: warning: dup.tsv:6: group 's' has a single image: skipped"
	run --separate-stderr imgpairs dup.tsv
	assert_success
	assert_equal "$stderr" "$warnings"
	assert_output "$(imgpairs q.tsv 2>/dev/null)"
	run --separate-stderr imgpairs --all dup.tsv
	assert_success
	assert_equal "$stderr" "$warnings"
	assert_output "$(imgpairs --all q.tsv 2>/dev/null)"
	# Every line three times: never a pair of an image with itself.
	make_groups a:2 b:5 >m.tsv
	awk '{ print; print; print }' m.tsv >m3.tsv
	imgpairs -k 50 m3.tsv 2>/dev/null >pairs.tsv
	assert_equal "$(wc -l <pairs.tsv)" 350
	assert_equal "$(awk -F'\t' '$2 == $3' pairs.tsv | wc -l)" 0
	assert_equal "$(cat pairs.tsv)" "$(imgpairs -k 50 m.tsv)"
	assert_equal "$(imgpairs -a m3.tsv 2>/dev/null)" "$(imgpairs -a m.tsv)"
	# A group whose one image is repeated has a single image.
	printf 'g\tp.png\ng\tp.png\nh\ta.png\nh\tb.png\n' >one.tsv
	run --separate-stderr imgpairs --all one.tsv
	assert_success
	assert_output "$(printf 'h\ta.png\tb.png')"
	assert_equal "$stderr" "imgpairs: warning: one.tsv:2: 'p.png' is already in group 'g': counted once
imgpairs: warning: one.tsv:1: group 'g' has a single image: skipped"
	# Paths are compared as text, and only within a group: the same path
	# in two groups is no repeat.
	printf 'g\tp.png\nh\tp.png\ng\t./p.png\nh\tq.png\n' >two.tsv
	run --separate-stderr imgpairs --all two.tsv
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(printf 'g\tp.png\t./p.png\nh\tp.png\tq.png')"
}

@test "imgpairs: same seed, same output; another seed, other pairs; default seed 1" {
	make_groups a:30 b:40 >m.tsv
	imgpairs --seed 5 m.tsv >a.tsv
	imgpairs --seed 5 m.tsv >b.tsv
	imgpairs --seed 6 m.tsv >c.tsv
	run cmp a.tsv b.tsv
	assert_success
	run cmp -s a.tsv c.tsv
	assert_failure
	assert_equal "$(per_group <a.tsv)" "$(per_group <c.tsv)"
	assert_equal "$(imgpairs m.tsv)" "$(imgpairs -s 1 m.tsv)"
	run cmp -s a.tsv <(imgpairs m.tsv)
	assert_failure
}

@test "imgpairs: input order does not matter beyond first appearance" {
	# The same groups and members in the same order, grouped: same output.
	printf '%s\t%s\n' g a.png g b.png g c.png g d.png h x.png h y.png h w.png s z.png >sorted.tsv
	run imgpairs q.tsv
	assert_success
	assert_equal "$(imgpairs sorted.tsv 2>/dev/null)" "$(imgpairs q.tsv 2>/dev/null)"
	# Several files are one input.
	head -n 3 q.tsv >part1.tsv
	tail -n +4 q.tsv >part2.tsv
	assert_equal "$(imgpairs part1.tsv - <part2.tsv 2>/dev/null)" "$(imgpairs q.tsv 2>/dev/null)"
	# Fields after the path are ignored.
	awk '{ print $0 "\tmore\tfields" }' q.tsv >wide.tsv
	assert_equal "$(imgpairs wide.tsv 2>/dev/null)" "$(imgpairs q.tsv 2>/dev/null)"
}

@test "imgpairs: a group's pairs do not depend on the other groups' members" {
	make_groups a:5 b:40 >m1.tsv
	make_groups a:30 b:40 >m2.tsv
	imgpairs m1.tsv | awk -F'\t' '$1 == "b"' >b1.tsv
	imgpairs m2.tsv | awk -F'\t' '$1 == "b"' >b2.tsv
	assert_equal "$(wc -l <b1.tsv)" 80
	run cmp b1.tsv b2.tsv
	assert_success
	# It does depend on its position: b first draws from stream 0.
	awk -F'\t' '$1 == "b"' m1.tsv >bonly.tsv
	run cmp -s b1.tsv <(imgpairs bonly.tsv)
	assert_failure
}

@test "imgpairs: --all: every unordered pair once, in input order" {
	run --separate-stderr imgpairs --all q.tsv
	assert_success
	assert_equal "$stderr" "imgpairs: warning: q.tsv:6: group 's' has a single image: skipped"
	assert_output "$(printf '%s\t%s\t%s\n' \
		g a.png b.png g a.png c.png g a.png d.png g b.png c.png g b.png d.png g c.png d.png \
		h x.png y.png h x.png w.png h y.png w.png)"
	make_groups a:20 b:2 c:13 >m.tsv
	imgpairs -a m.tsv >all.tsv
	# n(n-1)/2: 190, 1, 78.
	assert_equal "$(per_group <all.tsv | tr '\n' ' ')" "a 190 b 1 c 78 "
	# Distinct as unordered pairs, never an image with itself.
	assert_equal "$(awk -F'\t' '{ print $1, ($2 < $3 ? $2 " " $3 : $3 " " $2) }' all.tsv |
		sort -u | wc -l)" 269
	assert_equal "$(awk -F'\t' '$2 == $3' all.tsv | wc -l)" 0
	# The seed does not matter.
	assert_equal "$(imgpairs --all --seed 9 m.tsv)" "$(cat all.tsv)"
}

@test "imgpairs: images and pairs are drawn uniformly (loose bounds)" {
	# One group of 10 images, K 1000: 10000 pairs.  Each image is A of
	# about 1000 (sd 30) and B of about 1000; each of the 45 unordered
	# pairs comes about 222 times (sd 15).
	make_groups g:10 >m.tsv
	imgpairs -k 1000 m.tsv >pairs.tsv
	assert_equal "$(wc -l <pairs.tsv)" 10000
	run awk -F'\t' '{ a[$2]++; b[$3]++; u[$2 < $3 ? $2 " " $3 : $3 " " $2]++ }
		END {
			na = nb = nu = 0
			for (k in a) { na++; if (a[k] < 850 || a[k] > 1150) print "A", k, a[k] }
			for (k in b) { nb++; if (b[k] < 850 || b[k] > 1150) print "B", k, b[k] }
			for (k in u) { nu++; if (u[k] < 150 || u[k] > 300) print "pair", k, u[k] }
			print na, nb, nu }' pairs.tsv
	assert_success
	assert_output "10 10 45"
}

@test "imgpairs: memory grows with the images, not with the pairs" {
	# 10^7 pairs of 100 images: held in memory they would take 80 MB at
	# least; streamed, the program fits in 64 MB of address space.
	skip_if_address_space_tools imgpairs
	make_groups g:100 >m.tsv
	run bash -c 'ulimit -v 65536 && imgpairs -k 100000 m.tsv | wc -l'
	assert_success
	assert_output 10000000
}

@test "imgpairs: single-image groups: one warning each, exit 0" {
	printf '%s\t%s\n' one a.png g b.png g c.png two d.png g e.png >m.tsv
	run --separate-stderr imgpairs --all m.tsv
	assert_success
	assert_output "$(printf '%s\t%s\t%s\n' g b.png c.png g b.png e.png g c.png e.png)"
	assert_equal "$stderr" "imgpairs: warning: m.tsv:1: group 'one' has a single image: skipped
imgpairs: warning: m.tsv:4: group 'two' has a single image: skipped"
	# The skipped group keeps its position: g draws from stream 1
	# (independent PCG32, as above).
	run --separate-stderr imgpairs m.tsv
	assert_success
	assert_output "$(printf '%s\t%s\t%s\n' g c.png b.png g c.png e.png g b.png e.png \
		g e.png c.png g e.png c.png g c.png e.png)"
	# Alone, g is group 0 and draws from stream 0.
	printf '%s\t%s\n' g b.png g c.png g e.png >gonly.tsv
	run imgpairs gonly.tsv
	assert_output "$(printf '%s\t%s\t%s\n' g c.png e.png g b.png c.png g c.png b.png \
		g e.png b.png g e.png b.png g c.png b.png)"
	# From stdin, the warning names (stdin).
	run --separate-stderr imgpairs <m.tsv
	assert_success
	assert_equal "${stderr%%$'\n'*}" "imgpairs: warning: (stdin):1: group 'one' has a single image: skipped"
}

@test "imgpairs: no group with two images is an error" {
	printf '%s\t%s\n' one a.png two b.png >m.tsv
	run --separate-stderr imgpairs m.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "imgpairs: m.tsv: no group has two images or more"
	run --separate-stderr imgpairs --all <m.tsv
	assert_failure 1
	assert_equal "$stderr" "imgpairs: (stdin): no group has two images or more"
}

@test "imgpairs: a manifest without its group field: says supgroup is missing" {
	printf '%s\t%s\n' a/1.png a a/2.png a b/1.png b >m.tsv
	run --separate-stderr imgpairs m.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "imgpairs: m.tsv: every line is a group of its own, and field 2 repeats as a class would: a manifest (path<TAB>class) needs its groups put in front by supgroup (supgroup --self MANIFEST | imgpairs)"
	run bash -c 'supgroup --self m.tsv | imgpairs'
	assert_success
}

@test "imgpairs: empty input is an error" {
	: >empty.tsv
	run --separate-stderr imgpairs empty.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "imgpairs: empty.tsv: empty input"
	run --separate-stderr imgpairs </dev/null
	assert_failure 1
	assert_equal "$stderr" "imgpairs: (stdin): empty input"
	run --separate-stderr imgpairs --all empty.tsv empty.tsv
	assert_failure 1
	assert_equal "$stderr" "imgpairs: empty.tsv: empty input"
}

@test "imgpairs: a record without a path, an empty group or path" {
	printf 'g\ta.png\ng\n' >short.tsv
	run --separate-stderr imgpairs short.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "imgpairs: short.tsv:2: expected at least 2 TAB-separated fields, found 1"
	printf 'g\ta.png\n\tb.png\n' >nogroup.tsv
	run --separate-stderr imgpairs nogroup.tsv
	assert_failure 1
	assert_equal "$stderr" "imgpairs: nogroup.tsv:2: empty group name"
	printf 'g\ta.png\ng\t\tx\n' >nopath.tsv
	run --separate-stderr imgpairs - <nopath.tsv
	assert_failure 1
	assert_equal "$stderr" "imgpairs: (stdin):2: empty path"
	run --separate-stderr imgpairs nosuch.tsv
	assert_failure 1
	assert_equal "$stderr" "imgpairs: nosuch.tsv: No such file or directory"
}

@test "imgpairs: bad option values are usage errors" {
	local bad
	for bad in "-k 0" "-k -1" "-k abc" "-k inf" "-k nan" "-k 1e7" "--factor=" \
		"--seed -1" "--seed x" "-a -k 2"; do
		# shellcheck disable=SC2086
		run imgpairs $bad q.tsv
		assert_usage_error
	done
	run --separate-stderr imgpairs -k 0 q.tsv
	assert_equal "$stderr" "imgpairs: -k: must be greater than 0
Try 'imgpairs --help' for more information."
	run --separate-stderr imgpairs --all -k 3 q.tsv
	assert_equal "$stderr" "imgpairs: -k and --all exclude each other
Try 'imgpairs --help' for more information."
	run --separate-stderr imgpairs -k x q.tsv
	assert_equal "$stderr" "imgpairs: -k: 'x' is not a number
Try 'imgpairs --help' for more information."
}

@test "imgpairs: a write error is reported" {
	run --separate-stderr bash -c 'imgpairs q.tsv 2>/dev/null >/dev/full; echo $?'
	assert_output 1
	run --separate-stderr bash -c 'imgpairs --all q.tsv >/dev/full'
	assert_failure 1
	assert_equal "$stderr" "imgpairs: warning: q.tsv:6: group 's' has a single image: skipped
imgpairs: write error: No space left on device"
}
