#!/usr/bin/env bats
# classcount: images per class, largest first, ties by name; --plot draws
# the bar chart with gnuplot.

load helper
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# cat 3, dog 3, "b b" 2, Zebra 1, ant 1: ties broken bytewise, so "cat"
# before "dog" and "Zebra" (upper case) before "ant".
make_manifest() {
	printf '%s\t%s\t%s\n' \
		d1.png dog x \
		a1.png ant x \
		c1.png cat y \
		z1.png Zebra y \
		d2.png dog x \
		b1.png "b b" y \
		c2.png cat y \
		b2.png "b b" x \
		d3.png dog y \
		c3.png cat y >m.tsv
}

expected_counts() {
	printf '%s\t%s\n' cat 3 dog 3 "b b" 2 Zebra 1 ant 1
}

# A gnuplot stand-in on PATH: saves the script it is fed, writes a fake PNG
# (or fails with status $1 when given).
fake_gnuplot() {
	mkdir -p fakebin
	cat >fakebin/gnuplot <<EOF
#!/bin/sh
cat >"$BATS_TEST_TMPDIR/script.gp"
${1:+exit $1}
printf 'PNGDATA'
EOF
	chmod +x fakebin/gnuplot
}

@test "classcount: standard options" {
	check_standard_options classcount
}

@test "classcount: largest first, ties by name bytewise" {
	make_manifest
	run --separate-stderr classcount m.tsv
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(expected_counts)"
}

@test "classcount: reads stdin, with no file and with -" {
	make_manifest
	run classcount <m.tsv
	assert_success
	assert_output "$(expected_counts)"
	run classcount - <m.tsv
	assert_success
	assert_output "$(expected_counts)"
}

@test "classcount: several manifests add up" {
	make_manifest
	printf 'e1.png\tant\ne2.png\tant\ne3.png\tant\ne4.png\tant\n' >more.tsv
	run classcount m.tsv - <more.tsv
	assert_success
	assert_output "$(printf '%s\t%s\n' ant 5 cat 3 dog 3 "b b" 2 Zebra 1)"
}

@test "classcount: --field takes the class from another field" {
	make_manifest
	run classcount --field 3 m.tsv
	assert_success
	assert_output "$(printf 'y\t6\nx\t4\n')"
	run classcount -f 1 m.tsv
	assert_success
	assert_equal "${#lines[@]}" 10
	assert_line --index 0 "$(printf 'a1.png\t1')"
}

@test "classcount: extra fields and a missing final newline are fine" {
	printf 'p\tq\tr\ts\np2\tq' | classcount >out
	assert_equal "$(cat out)" "$(printf 'q\t2')"
}

@test "classcount: a short line names file and line, exit 1" {
	printf 'a.png\tcat\nb.png\n' >short.tsv
	run --separate-stderr classcount short.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "classcount: short.tsv:2: expected at least 2 TAB-separated fields, found 1"
	make_manifest
	run --separate-stderr classcount -f 4 m.tsv
	assert_failure 1
	assert_equal "$stderr" "classcount: m.tsv:1: expected at least 4 TAB-separated fields, found 3"
}

@test "classcount: an empty class names file and line, exit 1" {
	printf 'a.png\tcat\nb.png\t\tx\n' >empty.tsv
	run --separate-stderr classcount empty.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "classcount: empty.tsv:2: empty class name"
	# Also in the field -f takes, and as the last field.
	printf 'a.png\tcat\tx\nb.png\tdog\t\n' >empty3.tsv
	run --separate-stderr classcount -f 3 - <empty3.tsv
	assert_failure 1
	assert_equal "$stderr" "classcount: (stdin):2: empty class name"
}

@test "classcount: empty input is an error" {
	: >empty.tsv
	run --separate-stderr classcount empty.tsv
	assert_failure 1
	assert_equal "$stderr" "classcount: empty.tsv: empty input"
	run --separate-stderr classcount </dev/null
	assert_failure 1
	assert_equal "$stderr" "classcount: (stdin): empty input"
}

@test "classcount: a missing file, exit 1" {
	run --separate-stderr classcount nosuch.tsv
	assert_failure 1
	assert_equal "$stderr" "classcount: nosuch.tsv: No such file or directory"
}

@test "classcount: bad --field is a usage error" {
	make_manifest
	run classcount --field 0 m.tsv
	assert_usage_error
	run classcount --field abc m.tsv
	assert_usage_error
	run classcount --plot '' m.tsv
	assert_usage_error
}

@test "classcount: a write error is reported" {
	make_manifest
	run --separate-stderr bash -c 'classcount m.tsv >/dev/full'
	assert_failure 1
	assert_equal "$stderr" "classcount: write error: No space left on device"
}

@test "classcount: --plot writes a PNG of the documented size, prints the counts" {
	make_manifest
	mkdir out
	run --separate-stderr classcount --plot out/chart.png --title "it's a_title" m.tsv
	assert_success
	assert_output "$(expected_counts)"
	# 5 classes: 640 wide (the minimum); longest name 5 bytes: 400 + 7 * 5.
	run sh -c 'pngtopam out/chart.png | pamfile'
	assert_success
	assert_output --partial "640 by 435"
	# Nothing else left in the directory (no temporary file).
	assert_equal "$(ls -A out)" "chart.png"
}

@test "classcount: --plot grows with the class count and name length" {
	for i in $(seq 10 29); do printf 'p%s\tclass %s\n' "$i" "$i"; done >m20.tsv
	run classcount --plot c.png m20.tsv
	assert_success
	assert_equal "${#lines[@]}" 20
	# 160 + 40 * 20 = 960 wide; 400 + 7 * 8 = 456 high.
	run sh -c 'pngtopam c.png | pamfile'
	assert_output --partial "960 by 456"
}

@test "classcount: --plot draws names with quotes, spaces and underscores" {
	printf "a\\tit's\\nb\\t\"q\" and _u_ {x}^2 @\\\\n\\nc\\tit's\\n" >odd.tsv
	run --separate-stderr classcount --plot odd.png --title "'t' \"_\"" odd.tsv
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(printf '%s\t%s\n' "it's" 2 '"q" and _u_ {x}^2 @\n' 1)"
	# Longest name 21 bytes: 400 + 7 * 21 high.
	run sh -c 'pngtopam odd.png | pamfile'
	assert_output --partial "640 by 547"
}

@test "classcount: --plot script quotes names literally, no enhanced text" {
	fake_gnuplot
	printf 'a\tit'"'"'s\nb\t"q" _u_\nc\tit'"'"'s\nd\ta\\b\re\n' >odd.tsv
	PATH="$PWD/fakebin:$PATH" run classcount --plot odd.png --title "t'_\\" odd.tsv
	assert_success
	assert_equal "$(cat odd.png)" "PNGDATA"
	# Both terminal choices, termoption, title, xtics.
	run grep -c noenhanced script.gp
	assert_output 5
	run grep -F -x 'set title "t'"'"'_\\" noenhanced' script.gp
	assert_success
	run grep -F -x 'set xtics ("it'"'"'s" 0)' script.gp
	assert_success
	run grep -F -x 'set xtics add ("\"q\" _u_" 1)' script.gp
	assert_success
	# Backslash doubled; a carriage return in octal.
	run grep -F -x 'set xtics add ("a\\b\015e" 2)' script.gp
	assert_success
	# The data: bar positions and counts, twice (bars, then their labels).
	run grep -c -x '0 2' script.gp
	assert_output 2
	run grep -c -x '2 1' script.gp
	assert_output 2
}

@test "classcount: a failing gnuplot leaves no file and prints nothing" {
	fake_gnuplot 1
	make_manifest
	mkdir out
	PATH="$PWD/fakebin:$PATH" run --separate-stderr classcount --plot out/c.png m.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "classcount: out/c.png: gnuplot failed"
	assert_equal "$(ls -A out)" ""
}

@test "classcount: gnuplot missing: one error naming the package, before reading" {
	mkdir bin out
	ln -s "$(command -v classcount)" bin/classcount
	make_manifest
	run --separate-stderr env PATH="$PWD/bin" classcount --plot out/c.png m.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" \
		"classcount: --plot needs gnuplot, which is not on PATH (Debian package gnuplot-nox)"
	assert_equal "$(ls -A out)" ""
	# Checked before the input: empty input would be another error.
	run --separate-stderr env PATH="$PWD/bin" classcount --plot out/c.png </dev/null
	assert_failure 1
	assert_equal "$stderr" \
		"classcount: --plot needs gnuplot, which is not on PATH (Debian package gnuplot-nox)"
}

@test "classcount: --plot into a missing directory fails cleanly" {
	fake_gnuplot
	make_manifest
	PATH="$PWD/fakebin:$PATH" run --separate-stderr classcount --plot nodir/c.png m.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "classcount: nodir/c.png: cannot create: No such file or directory"
}

@test "classcount: --plot under a name too long for a temporary beside it: refused before reading" {
	fake_gnuplot
	# 250 bytes: a valid name, but not with the 8 of the temporary name
	local name
	name=$(printf 'a%.0s' $(seq 246)).png
	# input that would be another error, were it read
	printf 'no tab\n' >bad.tsv
	PATH="$PWD/fakebin:$PATH" run --separate-stderr classcount --plot "$name" bad.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "classcount: $name: cannot create: File name too long"
	[ ! -e script.gp ]
	[ "$(ls -A | grep -c '^\.')" -eq 0 ]
}

@test "classcount: --plot into a directory fails before reading or plotting" {
	fake_gnuplot
	make_manifest
	mkdir out
	PATH="$PWD/fakebin:$PATH" run --separate-stderr classcount --plot out m.tsv
	assert_failure 1
	assert_output ""
	assert_regex "$stderr" '^classcount: out: .*is a directory'
	# Refused before gnuplot runs, and before the input is read: empty
	# input would be another error.
	[ ! -e script.gp ]
	PATH="$PWD/fakebin:$PATH" run --separate-stderr classcount --plot out </dev/null
	assert_failure 1
	assert_regex "$stderr" '^classcount: out: .*is a directory'
	[ ! -e script.gp ]
	assert_equal "$(ls -A out)" ""
}

@test "classcount: with the standard error closed, a warning does not go into the --plot file" {
	fake_gnuplot
	printf '\xef\xbb\xbfa.png\tcat\n' >bom.tsv
	PATH="$PWD/fakebin:$PATH" run bash -c 'classcount --plot c.png bom.tsv 2>&-'
	assert_success
	assert_output "$(printf 'cat\t1')"
	assert_equal "$(cat c.png)" "PNGDATA"
}

@test "classcount, imgrid: a name with a newline or carriage return is shown escaped, the error one line" {
	run --separate-stderr classcount "$(printf 'no\nsuch')"
	assert_failure 1
	assert_equal "$stderr" 'classcount: no\nsuch: No such file or directory'
	run --separate-stderr imgrid -o "$(printf 'no\rdir')/x.png" /dev/null
	assert_failure 1
	assert_equal "$stderr" 'imgrid: no\rdir/x.png: cannot create: No such file or directory'
}

@test "classcount: a UTF-8 byte order mark at the start is skipped with a warning" {
	printf '\xef\xbb\xbfa.png\tcat\nb.png\tcat\nc.png\tdog\n' >bom.tsv
	run --separate-stderr classcount bom.tsv
	assert_success
	assert_output "$(printf 'cat\t2\ndog\t1')"
	assert_equal "$stderr" "classcount: warning: bom.tsv:1: byte order mark (UTF-8 BOM) at the start ignored"
	# only at the start of the input: elsewhere it is part of the text
	printf 'a.png\tcat\n\xef\xbb\xbfb.png\tcat\n' | classcount -f 1 >out.tsv 2>err
	[ ! -s err ]
	grep -q "$(printf '\xef\xbb\xbf')b.png" out.tsv
}

@test "classcount: a class ending in a carriage return before further fields: exit 1, the line named" {
	printf 'a.png\tcat\tx\nb.png\tdog\r\tx\n' >cr.tsv
	run --separate-stderr classcount cr.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "classcount: cr.tsv:2: class name 'dog\r' ends with a carriage return"
}
