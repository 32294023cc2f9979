#!/usr/bin/env bats
# expfit: y = base^(b*x - c) fitted by least squares; the paper's Table 5
# and Table 6; --predict, --params, --paper, --plot; every bad input.

load helper
bats_require_minimum_version 1.5.0

FIX="$BATS_TEST_DIRNAME/fixtures"

setup() {
	cd "$BATS_TEST_TMPDIR"
	cp "$FIX/paper-table5.tsv" t5.tsv
}

# The value of key $1 in the key<TAB>value lines of $output.
value() {
	awk -F'\t' -v k="$1" '$1 == k { print $2 }' <<<"$output"
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

table5_report() {
	printf '%s\t%s\n' b 212.121199 c 83.6148827 r2 0.874906818 mae 7.46890281 n 8 \
		A 176.567744 k 13.1250848 medae 4.78817704
}

@test "expfit: standard options" {
	check_standard_options expfit
}

@test "expfit: Table 5 fitted: every key, in order" {
	run --separate-stderr expfit t5.tsv
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(table5_report)"
}

@test "expfit: Table 5 reproduces Table 6 for cGAN-augCls: R2 0.8749, MAE 4.7882" {
	run expfit t5.tsv
	assert_success
	# Table 6 prints four decimals.  Its "MAE" is the median absolute
	# error of the least-squares fit; the mean is 7.4689.
	assert_equal "$(printf '%.4f' "$(value r2)")" 0.8749
	assert_equal "$(printf '%.4f' "$(value medae)")" 4.7882
	assert_equal "$(printf '%.4f' "$(value mae)")" 7.4689
}

@test "expfit: the paper's Eq. 4 itself does not reproduce Table 6" {
	run expfit --paper t5.tsv
	assert_success
	assert_output "$(printf '%s\t%s\n' b 202.74 c 79.92 r2 0.828216869 mae 7.4425451 n 8 \
		A 140.482407 k 12.5446193 medae 4.02437539)"
}

@test "expfit: b and c agree with scipy's curve_fit" {
	run expfit t5.tsv
	assert_success
	local key want got
	for key in b c r2 mae medae; do
		want=$(awk -F'\t' -v k=$key '$1 == k { print $2 }' "$FIX/paper-table5.scipy.tsv")
		got=$(value $key)
		# scipy stops at about 1e-8 relative; expfit is closer to the
		# true minimum (see tests/fixtures/README).
		awk -v g="$got" -v w="$want" -v k=$key 'BEGIN {
			d = g - w; if (d < 0) d = -d; if (w < 0) w = -w
			if (d > 1e-7 * w) { print k ": " g " vs scipy " w; exit 1 } }'
	done
}

@test "expfit: reads stdin, with no file and with -; several inputs add up" {
	run expfit <t5.tsv
	assert_output "$(table5_report)"
	run expfit - <t5.tsv
	assert_output "$(table5_report)"
	head -n 3 t5.tsv >a.tsv
	tail -n +4 t5.tsv >b.tsv
	run expfit a.tsv - <b.tsv
	assert_success
	assert_output "$(table5_report)"
}

@test "expfit: -x and -y choose the fields, extra fields are ignored" {
	awk -F'\t' '{ print "row" NR "\t" $2 "\tz\t" $1 "\textra" }' t5.tsv >f.tsv
	run expfit -x 4 -y 2 f.tsv
	assert_success
	assert_output "$(table5_report)"
	run expfit --x-field=4 --y-field=2 f.tsv
	assert_output "$(table5_report)"
	# A missing final newline is fine too.
	printf '0.1\t5\n0.2\t3\n0.3\t2' | expfit >out
	assert_equal "$(sed -n 5p out)" "$(printf 'n\t3')"
}

@test "expfit: --base changes b and c, not the curve" {
	run expfit --base 2.718281828459045 t5.tsv
	assert_success
	assert_output "$(printf '%s\t%s\n' b -13.1250848 c -5.17370462 r2 0.874906818 \
		mae 7.46890281 n 8 A 176.567744 k 13.1250848 medae 4.78817704)"
}

@test "expfit: --predict with the fitted curve, a comma list, repeatable" {
	run --separate-stderr expfit --predict 0.0792,0.1652 --predict 0.3834 t5.tsv
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(printf '%s\t%s\n' 0.0792 62.4394884 0.1652 20.1951122 0.3834 1.15205476)"
}

@test "expfit: --paper --predict uses Eq. 4 and reads no input" {
	run expfit --paper --predict 0,0.1652,1 <<<"not a number"
	assert_success
	assert_output "$(printf '%s\t%s\n' 0 140.482407 0.1652 17.6848997 1 0.000500683154)"
	# A negative x is a value, not an option.
	run expfit --paper --predict=-0.5,1e-1
	assert_success
	assert_output "$(printf '%s\t%s\n' -0.5 74413.4467 0.1 40.0696957)"
}

@test "expfit: --params gives the curve; with --base" {
	run expfit --params 212.121199,83.6148827 --predict 0.1652
	assert_success
	assert_output "$(printf '0.1652\t20.1951123')"
	# b = -k, c = -ln A for base e: the same curve as above.
	run expfit --base 2.718281828459045 --params -13.1250848,-5.17370462 --predict 0.1652
	assert_success
	assert_output "$(printf '0.1652\t20.1951123')"
}

@test "expfit: --params without --predict scores that curve on the input" {
	run expfit --params 202.74,79.92 t5.tsv
	assert_success
	assert_line --index 2 "$(printf 'r2\t0.828216869')"
	assert_line --index 7 "$(printf 'medae\t4.02437539')"
}

@test "expfit: NaN or infinity in the input names the line, exit 1" {
	printf '0.1\t5\n0.2\tnan\n0.3\t2\n' >nan.tsv
	run --separate-stderr expfit nan.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "expfit: nan.tsv:2: field 2: 'nan' is not a number"
	run --separate-stderr expfit <<<$'0.1\t5\n0.2\t3\ninf\t2'
	assert_failure 1
	assert_equal "$stderr" "expfit: (stdin):3: field 1: 'inf' is not a finite number"
	printf '0.1\t5\n0.2\t1e999\n0.3\t2\n' >big.tsv
	run --separate-stderr expfit big.tsv
	assert_failure 1
	assert_equal "$stderr" "expfit: big.tsv:2: field 2: '1e999' is not a finite number"
}

@test "expfit: numbers are decimal, as in meanreduce: no hexadecimal, no blanks" {
	local v
	for v in 0x10 0X1p3 1e 1e+ . + - e5 1.2.3 1,5 " 1" "1 " +-1 nan NaN NA nan\(1\); do
		printf '0.1\t5\n0.2\t%s\n0.3\t2\n' "$v" >bad.tsv
		run --separate-stderr expfit bad.tsv
		assert_failure 1
		assert_output ""
		assert_equal "$stderr" "expfit: bad.tsv:2: field 2: '$v' is not a number"
	done
	for v in inf -Infinity 1e999; do
		printf '0.1\t5\n0.2\t%s\n0.3\t2\n' "$v" >bad.tsv
		run --separate-stderr expfit bad.tsv
		assert_equal "$stderr" "expfit: bad.tsv:2: field 2: '$v' is not a finite number"
	done
	# Every decimal form, an exponent, a sign: the same points as 0.1 0.2 0.3.
	printf '+.1\t5\n2E-1\t3.0\n0.30e0\t+2.\n' >forms.tsv
	printf '0.1\t5\n0.2\t3\n0.3\t2\n' >plain.tsv
	run expfit forms.tsv
	assert_success
	assert_output "$(expfit plain.tsv)"
}

@test "expfit: fewer than three points: says how many" {
	printf '0.1\t5\n0.2\t3\n' >two.tsv
	run --separate-stderr expfit two.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "expfit: two.tsv: only 2 points: at least 3 are needed"
	run --separate-stderr expfit <<<$'0.1\t5'
	assert_failure 1
	assert_equal "$stderr" "expfit: (stdin): only 1 point: at least 3 are needed"
}

@test "expfit: y <= 0 cannot be fitted: says why, names the line" {
	printf '0.1\t5\n0.2\t0\n0.3\t2\n' >zero.tsv
	run --separate-stderr expfit zero.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "expfit: zero.tsv:2: y = 0 is not positive: the model base^(b*x - c) is always positive and cannot fit y <= 0"
	printf '0.1\t5\n0.2\t3\n0.3\t-2.5\n' >neg.tsv
	run --separate-stderr expfit neg.tsv
	assert_failure 1
	assert_equal "$stderr" "expfit: neg.tsv:3: y = -2.5 is not positive: the model base^(b*x - c) is always positive and cannot fit y <= 0"
}

@test "expfit: non-numeric, empty and missing fields name file and line" {
	printf '0.1\t5\nabc\t3\n0.3\t2\n' >bad.tsv
	run --separate-stderr expfit bad.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "expfit: bad.tsv:2: field 1: 'abc' is not a number"
	printf '0.1\t5\n0.2\t3x\n' >bad2.tsv
	run --separate-stderr expfit bad2.tsv
	assert_equal "$stderr" "expfit: bad2.tsv:2: field 2: '3x' is not a number"
	printf '0.1\t 5\n' >space.tsv
	run --separate-stderr expfit space.tsv
	assert_equal "$stderr" "expfit: space.tsv:1: field 2: ' 5' is not a number"
	printf '0.1\t5\n0.2\t\n' >empty.tsv
	run --separate-stderr expfit empty.tsv
	assert_failure 1
	assert_equal "$stderr" "expfit: empty.tsv:2: field 2: empty value"
	printf '0.1\t5\n0.2\n' >short.tsv
	run --separate-stderr expfit short.tsv
	assert_failure 1
	assert_equal "$stderr" "expfit: short.tsv:2: expected at least 2 TAB-separated fields, found 1"
	run --separate-stderr expfit -y 3 t5.tsv
	assert_equal "$stderr" "expfit: t5.tsv:1: expected at least 3 TAB-separated fields, found 2"
}

@test "expfit: empty input, a missing file" {
	: >empty.tsv
	run --separate-stderr expfit empty.tsv
	assert_failure 1
	assert_equal "$stderr" "expfit: empty.tsv: empty input"
	run --separate-stderr expfit </dev/null
	assert_failure 1
	assert_equal "$stderr" "expfit: (stdin): empty input"
	run --separate-stderr expfit nosuch.tsv
	assert_failure 1
	assert_equal "$stderr" "expfit: nosuch.tsv: No such file or directory"
}

@test "expfit: all x equal, all y equal: no fit, no garbage" {
	printf '0.2\t5\n0.2\t3\n0.2\t2\n' >samex.tsv
	run --separate-stderr expfit samex.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "expfit: samex.tsv: all x values are equal: the curve is undetermined"
	run --separate-stderr expfit <samex.tsv
	assert_equal "$stderr" "expfit: (stdin): all x values are equal: the curve is undetermined"
	printf '0.1\t4\n0.2\t4\n0.3\t4\n' >samey.tsv
	run --separate-stderr expfit samey.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "expfit: samey.tsv: all 3 y values are equal: r2 is undefined"
	# Scoring a given curve needs the spread of y as well.
	run --separate-stderr expfit --paper samey.tsv
	assert_failure 1
	assert_equal "$stderr" "expfit: samey.tsv: all 3 y values are equal: r2 is undefined"
	# x so close together that the slope is beyond the range of numbers.
	printf '0\t1\n1e-300\t2\n2e-300\t4\n' >closex.tsv
	run --separate-stderr expfit closex.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "expfit: closex.tsv: the log-linear fit is out of the range of numbers"
	# The flat curve itself is fine for predictions.
	run expfit --predict 7 samey.tsv
	assert_success
	assert_output "$(printf '7\t4')"
}

@test "expfit: Levenberg-Marquardt that does not converge is an error" {
	run --separate-stderr expfit --max-iter 1 t5.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "expfit: t5.tsv: Levenberg-Marquardt did not converge within the iteration limit (--max-iter 1)"
	run expfit --max-iter 50 t5.tsv
	assert_success
	assert_output "$(table5_report)"
}

@test "expfit: a prediction out of the range of numbers is an error" {
	run --separate-stderr expfit --paper --predict 0.1,-1e6
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "expfit: --predict -1000000: the curve is out of the range of numbers there"
}

@test "expfit: bad option values are usage errors" {
	local bad
	for bad in "--base 1" "--base 0" "--base -2" "--base abc" "--base nan" \
		"--params 1" "--params 1,2,3" "--params 1,x" "--params ,1" \
		"--predict 1,,2" "--predict abc" "--predict inf" "--predict 0x10" \
		"--base 0x1p-1" "-x 0" "-y abc" \
		"--max-iter 0" "--paper --params 1,2" "--paper --base 0.5"; do
		# shellcheck disable=SC2086
		run expfit $bad t5.tsv
		assert_usage_error
	done
	run --separate-stderr expfit --base 1 t5.tsv
	assert_equal "${stderr_lines[0]}" "expfit: --base: '1': the base must be positive and not 1"
	run expfit --plot '' t5.tsv
	assert_usage_error
	run --separate-stderr expfit --paper --predict 0.1 t5.tsv
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "expfit: --predict with --paper reads no input: 't5.tsv' is not used"
}

@test "expfit: a write error is reported" {
	run --separate-stderr bash -c 'expfit t5.tsv >/dev/full'
	assert_failure 1
	assert_equal "$stderr" "expfit: write error: No space left on device"
}

@test "expfit: --plot draws a PNG, prints the report, leaves no temporary" {
	mkdir out
	run --separate-stderr expfit --paper --plot out/fig7.png --title "Fig. 7 'cGAN'" t5.tsv
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 2 "$(printf 'r2\t0.828216869')"
	run sh -c 'pngtopam out/fig7.png | pamfile'
	assert_success
	assert_output --partial "800 by 600"
	assert_equal "$(ls -A out)" "fig7.png"
}

@test "expfit: --plot script: points, the fit, Eq. 4, literal labels" {
	fake_gnuplot
	PATH="$PWD/fakebin:$PATH" run expfit --paper --plot f.png --title 't"_\' \
		--xlabel "x's" t5.tsv
	assert_success
	assert_equal "$(cat f.png)" "PNGDATA"
	run grep -F -x 'set title "t\"_\\" noenhanced' script.gp
	assert_success
	run grep -F -x "set xlabel \"x's\"" script.gp
	assert_success
	run grep -F -x 'set ylabel "relative accuracy improvement (%)"' script.gp
	assert_success
	run grep -c '^fit(x) = \|^given(x) = ' script.gp
	assert_output 2
	run grep -F 'title "Eq. 4 (paper): 0.94^(202.74 x - 79.92)"' script.gp
	assert_success
	run grep -F 'title "least-squares fit: 0.94^(212.121 x - 83.6149)"' script.gp
	assert_success
	# The eight points, once.
	run grep -c -x '0.0792 83.35' script.gp
	assert_output 1
	run grep -c -x 'e' script.gp
	assert_output 1
}

@test "expfit: --error-fields: each point's interval drawn as error bars, not fitted" {
	printf '0.2\t20\t15\t25\n0.3\t10\t8\t13\n0.4\t5\t3\t7\n0.5\t2\t1\t30\n' >e.tsv
	expfit e.tsv >plain.txt
	fake_gnuplot
	PATH="$PWD/fakebin:$PATH" run --separate-stderr expfit -e 3,4 --plot f.png e.tsv
	assert_success
	assert_equal "$output" "$(cat plain.txt)"
	run grep -c "using 1:2:3:4 with yerrorbars" script.gp
	assert_output 1
	run grep -c -x '0.5 2 1 30' script.gp
	assert_output 1
	# the y range holds the highest end (30), not only the highest point
	run grep -c -x 'set yrange \[0:33\]' script.gp
	assert_output 1
	# and an end below 0
	printf '0.1\t1\t-10\t40\n' >>e.tsv
	PATH="$PWD/fakebin:$PATH" expfit -e 3,4 --plot f.png e.tsv >/dev/null
	run grep -c -x 'set yrange \[-11:44\]' script.gp
	assert_output 1
	sed -i '$d' e.tsv
	printf '0.6\t2\t2.5\t3\n' >>e.tsv
	run --separate-stderr expfit --error-fields=3,4 e.tsv
	assert_failure 1
	[ "$stderr" = "expfit: e.tsv:5: y = 2 is not within its interval [2.5, 3]" ]
	run --separate-stderr expfit -e 3,9 e.tsv
	assert_failure 1
	[[ $stderr == "expfit: e.tsv:1: "* ]]
	for bad in 3 3,x ,4 0,1 3,4,5; do
		run expfit -e "$bad" e.tsv
		assert_usage_error
	done
}

@test "expfit: --plot with --paper --predict: the curve and the predicted point" {
	fake_gnuplot
	PATH="$PWD/fakebin:$PATH" run expfit --paper --predict 0.1652 --plot p.png </dev/null
	assert_success
	assert_output "$(printf '0.1652\t17.6848997')"
	run grep -c '^fit(x)' script.gp
	assert_output 0
	run grep -c 'title .predicted.' script.gp
	assert_output 1
	# Gnuplot's own run of the same script.
	run expfit --paper --predict 0.1652 --plot p.png
	assert_success
	run sh -c 'pngtopam p.png | pamfile'
	assert_output --partial "800 by 600"
}

@test "expfit: a failing gnuplot leaves no file and prints nothing" {
	fake_gnuplot 1
	mkdir out
	PATH="$PWD/fakebin:$PATH" run --separate-stderr expfit --plot out/f.png t5.tsv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "expfit: out/f.png: gnuplot failed"
	assert_equal "$(ls -A out)" ""
}

@test "expfit: gnuplot missing, or --plot a directory: refused before reading" {
	mkdir bin out
	ln -s "$(command -v expfit)" bin/expfit
	run --separate-stderr env PATH="$PWD/bin" expfit --plot out/f.png </dev/null
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" \
		"expfit: --plot needs gnuplot, which is not on PATH (Debian package gnuplot-nox)"
	fake_gnuplot
	PATH="$PWD/fakebin:$PATH" run --separate-stderr expfit --plot out </dev/null
	assert_failure 1
	assert_regex "$stderr" '^expfit: out: .*is a directory'
	[ ! -e script.gp ]
	assert_equal "$(ls -A out)" ""
}

@test "expfit: a backtick in a title is drawn, never run by gnuplot's shell" {
	cd "$BATS_TEST_TMPDIR"
	run expfit --paper --predict 0.1 --plot t.png --title 'x`touch PWNED`'
	assert_success
	[ ! -e PWNED ]
	[ -s t.png ]
}

@test "expfit: the --plot chart is the same whatever the user's ~/.gnuplot says" {
	expfit --plot plain.png t5.tsv >/dev/null
	mkdir home
	printf "set decimalsign ','\nset border 0\n" >home/.gnuplot
	HOME=$PWD/home expfit --plot own.png t5.tsv >/dev/null
	cmp plain.png own.png
}
