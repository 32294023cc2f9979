#!/usr/bin/env bats
# ssimcls: the keys it prints against the same chain run by hand, the
# pass-through options, scaling out with GNU parallel (-j, and -S through a
# stand-in for ssh), and bad input.

load helper

EX="$BATS_TEST_DIRNAME/../examples/fashion-lt"

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w"
	# GNU parallel keeps state under ~/.parallel: not in the user's home.
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	TAB=$'\t'
}


# The chain by hand: supgroup ARGS | imgpairs PAIROPTS | ssimpair SSIMOPTS
# | meanreduce, with PAIROPTS and SSIMOPTS from the environment.
chain() {
	# shellcheck disable=SC2086
	supgroup "$@" | imgpairs ${PAIROPTS:-} | ssimpair ${SSIMOPTS:-} | meanreduce
}

# The seven keys ssimcls prints, computed by hand from the two reductions
# (flat.mean, groups.mean): the largest group mean by name order, expfit's
# Eq. 4 prediction, Table 5's threshold.
expected_keys() {
	local best x gain
	best=$(sort -t "$TAB" -k1,1 groups.mean |
		awk -F'\t' 'NR == 1 || $2 > m { m = $2; l = $0 } END { print l }')
	x=$(cut -f2 <<<"$best")
	gain=$(expfit --paper --predict "$x" | cut -f2)
	printf 'mergecls\t%s\n' "$(cut -f2 flat.mean)"
	printf 'mergecls_se\t%s\n' "$(cut -f5 flat.mean)"
	printf 'supsubcls\t%s\n' "$x"
	printf 'supsubcls_se\t%s\n' "$(cut -f5 <<<"$best")"
	printf 'argmax\t%s\n' "$(cut -f1 <<<"$best")"
	printf 'gain\t%s\n' "$gain"
	printf 'works\t%s\n' "$(awk -v x="$x" 'BEGIN { print (x + 0 <= 0.1652) ? "yes" : "no" }')"
}

# The --groups lines from a meanreduce output: sorted by name,
# group<TAB>NAME<TAB>MEAN<TAB>SE<TAB>PAIRS.
expected_groups() {
	sort -t "$TAB" -k1,1 "$1" | awk -F'\t' -v OFS='\t' '{ print "group", $1, $2, $5, $3 }'
}

# A directory holding a copy of ssimcls and links to the real programs
# but those named after DIR, which the test then writes as stand-ins
# (never through a link: that would overwrite the real program).  ssimcls
# runs the programs beside itself first.
make_stub_dir() {
	local d=$1 p
	shift
	mkdir -p "$d"
	cp "$SIMBAL_BIN/ssimcls" "$d/"
	for p in supgroup imgpairs ssimpair meanreduce expfit; do
		case " $* " in *" $p "*) continue ;; esac
		ln -s "$(command -v "$p")" "$d/$p"
	done
}

# A big pair stream: the whole example set (323 images) under absolute
# paths about 500 bytes long, so that each pass makes some 600 KB of pairs
# and GNU parallel's 256 KB blocks split it over several jobs.  big.tsv is
# the manifest.
make_long_paths() {
	local l
	l=$PWD/$(printf 'd%.0s' $(seq 200))/$(printf 'e%.0s' $(seq 200))
	mkdir -p "$l"
	ln -s "$(cd "$EX" && pwd)" "$l/fl"
	imgls "$EX" | awk -F'\t' -v OFS='\t' -v ex="$EX" -v l="$l/fl" \
		'{ $1 = l substr($1, length(ex) + 1); print }' >big.tsv
}

@test "ssimcls: standard options" {
	check_standard_options ssimcls
}

@test "ssimcls: the keys, in order, equal the chain run by hand" {
	make_small
	chain --flat=all m.tsv >flat.mean
	chain hier.tsv m.tsv >groups.mean
	run --separate-stderr ssimcls -H hier.tsv m.tsv
	assert_success
	[ "$stderr" = "" ]
	[ "$(cut -f1 <<<"$output" | paste -sd' ')" = "mergecls mergecls_se supsubcls supsubcls_se argmax gain works" ]
	assert_output "$(expected_keys)"
	# The known shape of this set: Trouser alone is the most alike.
	assert_line "argmax${TAB}legs"
	assert_line "works${TAB}no"
	assert_line "mergecls${TAB}$(cut -f2 flat.mean)"
	# supsubcls is the largest of the group means, and names its group.
	max=$(cut -f2 groups.mean | sort -g | tail -n 1)
	assert_line "supsubcls${TAB}$max"
	[ "$(awk -F'\t' -v m="$max" '$2 == m { print $1 }' groups.mean)" = legs ]
	# The long option gives the same.
	run ssimcls --hier=hier.tsv m.tsv
	assert_output "$(expected_keys)"
}

@test "ssimcls: --groups adds one line per super-class, as meanreduce has it" {
	make_small
	chain --flat=all m.tsv >flat.mean
	chain hier.tsv m.tsv >groups.mean
	run ssimcls -H hier.tsv --groups m.tsv
	assert_success
	assert_output "$(expected_keys; expected_groups groups.mean)"
	# Pairs: 2 x |X_k| within each super-class.
	[ "$(grep '^group' <<<"$output" | cut -f2,5 | paste -sd' ')" = "Bag${TAB}12 body${TAB}12 footwear${TAB}28 legs${TAB}16" ]
}

@test "ssimcls: without -H each class is its own super-class" {
	make_small
	chain --flat=all m.tsv >flat.mean
	chain --self m.tsv >groups.mean
	run ssimcls --groups m.tsv
	assert_success
	assert_output "$(expected_keys; expected_groups groups.mean)"
	[ "$(grep -c '^group' <<<"$output")" -eq 5 ]
	assert_line "argmax${TAB}Trouser"
	# A hierarchy mapping each class to itself is the same grouping.
	cut -f2 m.tsv | sort -u | awk -v OFS='\t' '{ print $0, $0 }' >self.tsv
	run ssimcls --groups -H self.tsv m.tsv
	assert_output "$(expected_keys; expected_groups groups.mean)"
}

@test "ssimcls: gain is expfit's Eq. 4 prediction for supsubcls; works by Table 5's threshold" {
	make_small
	run ssimcls -H hier.tsv m.tsv
	assert_success
	x=$(awk -F'\t' '$1 == "supsubcls" { print $2 }' <<<"$output")
	assert_line "gain${TAB}$(expfit --paper --predict "$x" | cut -f2)"
	assert_line "works${TAB}no"
	# Every class in one super-class: the same images in the same order
	# as the flat grouping, drawn from the same stream, so supsubcls is
	# mergecls exactly, and below 0.1652 for these very different classes.
	cut -f2 m.tsv | sort -u | awk -v OFS='\t' '{ print $0, "one" }' >one.tsv
	run ssimcls -H one.tsv m.tsv
	assert_success
	m=$(awk -F'\t' '$1 == "mergecls" { print $2 }' <<<"$output")
	s=$(awk -F'\t' '$1 == "supsubcls" { print $2 }' <<<"$output")
	[ "$m" = "$s" ]
	awk -v s="$s" 'BEGIN { exit !(s < 0.1652) }'
	assert_line "argmax${TAB}one"
	assert_line "works${TAB}yes"
	assert_line "gain${TAB}$(expfit --paper --predict "$s" | cut -f2)"
}

@test "ssimcls: the threshold and the argmax on given means (meanreduce replaced)" {
	make_small
	make_stub_dir stub meanreduce
	[ ! -e stub/meanreduce ]
	# meanreduce's stand-in prints $GROUPS_ for the super-classes and $FLAT
	# for the whole set, their groups tagged G and F as ssimcls tags them
	# in its one stream of pairs.
	cat >stub/meanreduce <<'SH'
#!/bin/sh
cat >/dev/null
printf '%b\n' "$GROUPS_" | awk '{ print "G" $0 }'
printf 'F%b\n' "$FLAT"
SH
	chmod +x stub/meanreduce
	export FLAT='all\t0.1\t68\t0.2\t0.02'
	for case in 0.1651:yes 0.16519999:yes 0.1652:yes 0.16520001:no 0.5:no; do
		x=${case%:*} want=${case#*:}
		export GROUPS_="b\t$x\t10\t0.1\t0.03\na\t0.05\t12\t0.1\t0.01"
		run stub/ssimcls -H hier.tsv m.tsv
		assert_success
		assert_output "$(printf 'mergecls\t0.1\nmergecls_se\t0.02\nsupsubcls\t%s\nsupsubcls_se\t0.03\nargmax\tb\ngain\t%s\nworks\t%s' \
			"$x" "$(expfit --paper --predict "$x" | cut -f2)" "$want")"
	done
	# Ties go to the first super-class in name order; a negative mean is
	# a number, not an option.
	export GROUPS_='zeta\t0.3\t10\t0.1\t0.03\nalpha\t0.3\t10\t0.1\t0.04\nmid\t-0.2\t4\t0.1\t0.05'
	run stub/ssimcls --groups -H hier.tsv m.tsv
	assert_success
	assert_line "argmax${TAB}alpha"
	assert_line "supsubcls_se${TAB}0.04"
	assert_line --index 7 "group${TAB}alpha${TAB}0.3${TAB}0.04${TAB}10"
	assert_line --index 8 "group${TAB}mid${TAB}-0.2${TAB}0.05${TAB}4"
	export GROUPS_='neg\t-0.05\t10\t0.1\t0.03'
	run stub/ssimcls -H hier.tsv m.tsv
	assert_success
	assert_line "gain${TAB}$(expfit --paper --predict=-0.05 | cut -f2)"
	assert_line "gain${TAB}263.041873"
	assert_line "works${TAB}yes"
}

@test "ssimcls: --from-means prints the keys from meanreduce's two outputs" {
	make_small
	chain --flat=all m.tsv >flat.mean
	chain hier.tsv m.tsv >groups.mean
	run --separate-stderr ssimcls --from-means flat.mean groups.mean
	assert_success
	[ "$stderr" = "" ]
	assert_output "$(expected_keys)"
	# What ssimcls measures itself, and --groups as there.
	assert_output "$(ssimcls -H hier.tsv m.tsv)"
	run ssimcls --groups --from-means flat.mean groups.mean
	assert_output "$(expected_keys; expected_groups groups.mean)"
	# Either from the standard input.
	run ssimcls --from-means - groups.mean <flat.mean
	assert_output "$(expected_keys)"
	run ssimcls --from-means flat.mean - <groups.mean
	assert_output "$(expected_keys)"
	# The threshold, the argmax and its ties, on means given by hand.
	printf 'all\t0.1\t68\t0.2\t0.02\n' >flat.mean
	for case in 0.1652:yes 0.16520001:no; do
		x=${case%:*} want=${case#*:}
		printf 'b\t%s\t10\t0.1\t0.03\na\t0.05\t12\t0.1\t0.01\n' "$x" >groups.mean
		run ssimcls --from-means flat.mean groups.mean
		assert_success
		assert_output "$(printf 'mergecls\t0.1\nmergecls_se\t0.02\nsupsubcls\t%s\nsupsubcls_se\t0.03\nargmax\tb\ngain\t%s\nworks\t%s' \
			"$x" "$(expfit --paper --predict "$x" | cut -f2)" "$want")"
	done
	printf 'zeta\t0.3\t10\t0.1\t0.03\nalpha\t0.3\t10\t0.1\t0.04\nmid\t-0.2\t4\t0.1\t0.05\n' >groups.mean
	run ssimcls --from-means flat.mean groups.mean
	assert_line "argmax${TAB}alpha"
	ssimcls --help | grep -q -- '--from-means'
}

@test "ssimcls: --from-means: bad means, bad usage" {
	printf 'all\t0.1\t68\t0.2\t0.02\n' >flat.mean
	printf 'a\t0.2\t10\t0.1\t0.03\n' >groups.mean
	printf 'a\t0.2\t10\n' >short.mean
	printf 'a\tx\t10\t0.1\t0.03\n' >nan.mean
	: >empty.mean
	cat flat.mean groups.mean >two.mean
	for c in "short.mean:short.mean:1: expected 5 TAB-separated fields, found 3" \
		"nan.mean:nan.mean:1: field 2: mean 'x' is not a number" \
		"empty.mean:empty.mean: empty input" \
		"two.mean:two.mean: expected the one line of the whole set, found 2" \
		"nope.mean:nope.mean: No such file or directory"; do
		run --separate-stderr ssimcls --from-means "${c%%:*}" groups.mean
		assert_failure 1
		[ "$output" = "" ]
		[ "$stderr" = "ssimcls: ${c#*:}" ] || { echo "$stderr"; false; }
	done
	run --separate-stderr ssimcls --from-means flat.mean short.mean
	assert_failure 1
	[ "$stderr" = "ssimcls: short.mean:1: expected 5 TAB-separated fields, found 3" ]
	run --separate-stderr ssimcls --from-means flat.mean - <nan.mean
	assert_failure 1
	[ "$stderr" = "ssimcls: (stdin):1: field 2: mean 'x' is not a number" ]
	# It measures nothing: no option of the measurement, two files.
	for o in "-H groups.mean" "-k 3" "--all" "--seed 2" "-s 8x8" "-g" "-j 2" "-S h1"; do
		# shellcheck disable=SC2086
		run --separate-stderr ssimcls --from-means $o flat.mean groups.mean
		[ "$status" -eq 2 ] || { echo "$o: status $status"; false; }
		[ "$(head -n 1 <<<"$stderr")" = "ssimcls: --from-means measures nothing: no ${o%% *}" ]
	done
	run --separate-stderr ssimcls --from-means flat.mean
	assert_failure 2
	[ "$(head -n 1 <<<"$stderr")" = "ssimcls: --from-means: expected FLAT and GROUPS, got 1" ]
	run --separate-stderr ssimcls --from-means - - <flat.mean
	assert_failure 2
	[ "$(head -n 1 <<<"$stderr")" = "ssimcls: FLAT and GROUPS cannot both be the standard input" ]
}

@test "ssimcls: --from-means: an infinite mean; expfit's failure, as ssimcls's, its Try line dropped" {
	printf 'all\t0.5\t10\t0.1\t0.03\n' >flat.mean
	for m in 1e400 -1e400; do
		printf 'a\t0.2\t10\t0.1\t0.01\nb\t%s\t10\t0.1\t0.01\n' "$m" >groups.mean
		run --separate-stderr ssimcls --from-means flat.mean groups.mean
		assert_failure 1
		[ "$output" = "" ]
		[ "$stderr" = "ssimcls: groups.mean:2: field 2: mean '$m' is not a finite number" ] || { echo "$stderr"; false; }
	done
	printf 'all\t1e999\t10\t0.1\t0.03\n' >inf.mean
	run --separate-stderr ssimcls --from-means inf.mean - <flat.mean
	assert_failure 1
	[ "$stderr" = "ssimcls: inf.mean:1: field 2: mean '1e999' is not a finite number" ]
	# a finite mean where the curve is out of the range of numbers
	printf 'a\t-1000\t10\t0.1\t0.01\n' >groups.mean
	run --separate-stderr ssimcls --from-means flat.mean groups.mean
	assert_failure 1
	[ "$output" = "" ]
	[[ $stderr == "ssimcls: "*": the curve is out of the range of numbers there" ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
	# a usage error of expfit's is not one of ssimcls's: its message alone
	make_stub_dir stub expfit
	printf '#!/bin/sh\necho "expfit: --predict: stub" >&2\necho "Try '"'"'expfit --help'"'"' for more information." >&2\nexit 2\n' >stub/expfit
	chmod +x stub/expfit
	printf 'a\t0.5\t10\t0.1\t0.03\n' >groups.mean
	run --separate-stderr stub/ssimcls --from-means flat.mean groups.mean
	assert_failure 1
	[ "$stderr" = "ssimcls: --predict: stub" ]
	make_small
	run --separate-stderr stub/ssimcls m.tsv
	assert_failure 1
	[ "$stderr" = "ssimcls: --predict: stub" ]
}

@test "ssimcls: --seed changes the pairs and the values; a seed repeats exactly" {
	make_small
	ssimcls -H hier.tsv m.tsv >s1.out
	ssimcls -H hier.tsv --seed 1 m.tsv >s1b.out
	ssimcls -H hier.tsv --seed 2 m.tsv >s2.out
	ssimcls -H hier.tsv --seed=2 m.tsv >s2b.out
	cmp s1.out s1b.out
	cmp s2.out s2b.out
	[ "$(grep mergecls s1.out | head -n 1)" != "$(grep mergecls s2.out | head -n 1)" ]
	[ "$(grep supsubcls s1.out | head -n 1)" != "$(grep supsubcls s2.out | head -n 1)" ]
	# And seed 2 is the hand chain's seed 2.
	PAIROPTS="--seed 2" chain --flat=all m.tsv >flat.mean
	PAIROPTS="--seed 2" chain hier.tsv m.tsv >groups.mean
	[ "$(cat s2.out)" = "$(expected_keys)" ]
}

@test "ssimcls: -k, --size and --gray pass through" {
	make_small
	PAIROPTS="-k 3 --seed 5" SSIMOPTS="--size 14x14 --gray" chain --flat=all m.tsv >flat.mean
	PAIROPTS="-k 3 --seed 5" SSIMOPTS="--size 14x14 --gray" chain hier.tsv m.tsv >groups.mean
	run ssimcls -H hier.tsv -k 3 --seed 5 --size 14x14 --gray --groups m.tsv
	assert_success
	assert_output "$(expected_keys; expected_groups groups.mean)"
	[ "$(grep '^group' <<<"$output" | cut -f5 | paste -sd' ')" = "18 18 42 24" ]
	# Short options, values attached or apart.
	run ssimcls -Hhier.tsv -k3 --seed 5 -s 14x14 -g --groups m.tsv
	assert_output "$(expected_keys; expected_groups groups.mean)"
}

@test "ssimcls: --all is the exact mean over every pair" {
	mkdir -p tiny/A tiny/B
	for f in $(ls "$EX/Bag" | head -n 3); do cp "$EX/Bag/$f" tiny/A/; done
	for f in $(ls "$EX/Sandal" | head -n 3); do cp "$EX/Sandal/$f" tiny/B/; done
	imgls tiny >t.tsv
	# Every unordered pair, listed here without imgpairs, in input order.
	all_pairs() {
		awk -F'\t' -v OFS='\t' -v g="$1" '{ p[NR] = $1 }
			END { for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++) print g, p[i], p[j] }'
	}
	all_pairs all <t.tsv | ssimpair >flat.ssim
	{ grep "${TAB}A\$" t.tsv | all_pairs A; grep "${TAB}B\$" t.tsv | all_pairs B; } | ssimpair >groups.ssim
	[ "$(wc -l <flat.ssim)" -eq 15 ]
	[ "$(wc -l <groups.ssim)" -eq 6 ]
	meanreduce flat.ssim >flat.mean
	meanreduce groups.ssim >groups.mean
	run ssimcls --all --groups t.tsv
	assert_success
	assert_output "$(expected_keys; expected_groups groups.mean)"
	assert_line --index 7 --regexp "^group${TAB}A${TAB}[^${TAB}]*${TAB}[^${TAB}]*${TAB}3\$"
	# The plain mean of the 15 SSIMs, summed here, agrees to 1e-9.
	awk -F'\t' '{ s += $NF } END { printf "%.12f\n", s / NR }' flat.ssim >sum.txt
	m=$(awk -F'\t' '$1 == "mergecls" { print $2 }' <<<"$output")
	awk -v m="$m" -v s="$(cat sum.txt)" 'BEGIN { d = m - s; if (d < 0) d = -d; exit !(d < 1e-9) }'
	# --all takes no seed into account: every seed gives the same.
	run ssimcls --all --seed 9 --groups t.tsv
	assert_output "$(expected_keys; expected_groups groups.mean)"
	# -k means random pairs: with --all it is a usage error.
	run ssimcls --all -k 3 t.tsv
	assert_usage_error
	assert_line --index 0 "ssimcls: -k and --all exclude each other"
}

@test "ssimcls: reads the manifest from stdin ('-') and from a pipe given as a file" {
	make_small
	ssimcls -H hier.tsv --groups m.tsv >file.out
	run ssimcls -H hier.tsv --groups - <m.tsv
	assert_success
	assert_output "$(cat file.out)"
	# A process substitution can be read only once; ssimcls reads it twice.
	run --separate-stderr ssimcls -H hier.tsv --groups <(cat m.tsv)
	assert_success
	[ "$stderr" = "" ]
	assert_output "$(cat file.out)"
	# The hierarchy from stdin, the manifest from a file.
	run ssimcls -H - --groups m.tsv <hier.tsv
	assert_success
	assert_output "$(cat file.out)"
}

@test "ssimcls: --all streams its pairs: nothing grows in TMPDIR with them" {
	make_small
	mkdir tmp
	make_stub_dir stub ssimpair
	# The stand-in notes the largest file in TMPDIR when the first pair
	# arrives (the pairs of the whole set would be some 60 KB).
	printf '#!/bin/sh\nIFS= read -r l\nfind "%s" -type f -printf "%%s\\n" | sort -n | tail -n 1 >"%s"\n{ printf "%%s\\n" "$l"; exec cat; } | exec "%s" "$@"\n' \
		"$PWD/tmp" "$PWD/largest" "$SIMBAL_BIN/ssimpair" >stub/ssimpair
	chmod +x stub/ssimpair
	ssimcls --all --groups m.tsv >want.out
	TMPDIR=$PWD/tmp run stub/ssimcls --all --groups m.tsv
	assert_success
	assert_output "$(cat want.out)"
	# 34 images: 561 pairs of the whole set, some 60 KB of lines.
	[ "$(cat largest)" -lt 4096 ]
	[ -z "$(ls tmp)" ]
}

@test "ssimcls: -j 2 gives the same bytes as one process" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	make_long_paths
	# A logging ssimpair shows that the pairs were split over several jobs.
	# A logging meanreduce keeps the SSIM stream it reduces: the same
	# lines in the same order, not just the same means to 9 digits.
	make_stub_dir stub ssimpair meanreduce
	[ ! -e stub/ssimpair ]
	[ ! -e stub/meanreduce ]
	printf '#!/bin/sh\necho job >>"%s"\nexec "%s" "$@"\n' "$PWD/jobs.log" "$SIMBAL_BIN/ssimpair" >stub/ssimpair
	printf '#!/bin/sh\ntee -a "%s" | exec "%s" "$@"\n' "$PWD/stream.log" "$SIMBAL_BIN/meanreduce" >stub/meanreduce
	chmod +x stub/ssimpair stub/meanreduce
	stub/ssimcls --groups big.tsv >one.out
	[ "$(grep -c '^group' one.out)" -eq 10 ]
	mv stream.log one.stream
	[ "$(wc -l <one.stream)" -eq 1292 ]
	: >jobs.log
	run --separate-stderr stub/ssimcls -j 2 --groups big.tsv
	assert_success
	[ "$stderr" = "" ]
	assert_output "$(cat one.out)"
	cmp one.stream stream.log
	# One stream for both passes, over two long-lived workers.
	[ "$(wc -l <jobs.log)" -eq 2 ]
	rm stream.log
	run stub/ssimcls --jobs=3 --groups big.tsv
	assert_output "$(cat one.out)"
}

@test "ssimcls: -j larger than the number of blocks" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	make_small
	# One 256 KB block of pairs for eight jobs: seven get no line.
	ssimcls -H hier.tsv --groups m.tsv >one.out
	run --separate-stderr ssimcls -j 8 -H hier.tsv --groups m.tsv
	assert_success
	[ "$stderr" = "" ]
	assert_output "$(cat one.out)"
}

@test "ssimcls: -S over two hosts (ssh replaced) gives the same bytes" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	make_long_paths
	fake_ssh
	# A logging meanreduce (it runs here) keeps the SSIM stream.
	make_stub_dir stub meanreduce
	[ ! -e stub/meanreduce ]
	printf '#!/bin/sh\ntee -a "%s" | exec "%s" "$@"\n' "$PWD/stream.log" "$SIMBAL_BIN/meanreduce" >stub/meanreduce
	chmod +x stub/meanreduce
	stub/ssimcls --groups big.tsv >one.out
	mv stream.log one.stream
	run --separate-stderr stub/ssimcls -S h1,h2 --groups big.tsv
	assert_equal "$stderr" ""
	assert_success
	assert_output "$(cat one.out)"
	cmp one.stream stream.log
	assert_both_hosts_worked
	# The same from a login file, and with -j.
	printf 'h1\nh2\n' >logins
	rm hosts.log
	run ssimcls --sshloginfile logins -j 1 --groups big.tsv
	assert_success
	assert_output "$(cat one.out)"
	assert_both_hosts_worked
}

@test "ssimcls: a missing manifest" {
	run --separate-stderr ssimcls nope.tsv
	assert_failure 1
	[ "$stderr" = "ssimcls: nope.tsv: No such file or directory" ]
	[ "$output" = "" ]
	printf 'x\ty\n' >locked.tsv
	chmod 000 locked.tsv
	if [ ! -r locked.tsv ]; then
		run --separate-stderr ssimcls locked.tsv
		assert_failure 1
		[ "$stderr" = "ssimcls: locked.tsv: Permission denied" ]
	fi
}

@test "ssimcls: a class missing from the hierarchy: one line, naming the manifest's line" {
	make_small
	grep -v '^Dress' hier.tsv >partial.tsv
	line=$(grep -n "${TAB}Dress\$" m.tsv | head -n 1 | cut -d: -f1)
	run --separate-stderr ssimcls -H partial.tsv m.tsv
	assert_failure 1
	[ "$output" = "" ]
	[ "$stderr" = "ssimcls: m.tsv:$line: class 'Dress' is not in partial.tsv" ]
	# The manifest read from a pipe is named as given, not as the copy
	# that supgroup reads.
	run --separate-stderr ssimcls -H partial.tsv - <m.tsv
	assert_failure 1
	[ "$stderr" = "ssimcls: (stdin):$line: class 'Dress' is not in partial.tsv" ]
	run --separate-stderr ssimcls -H partial.tsv <(cat m.tsv)
	assert_failure 1
	[[ $stderr =~ ^"ssimcls: /dev/fd/"[0-9]+":$line: class 'Dress' is not in partial.tsv"$ ]]
	# A hierarchy that is not there.
	run --separate-stderr ssimcls -H nope.tsv m.tsv
	assert_failure 1
	[ "$stderr" = "ssimcls: nope.tsv: No such file or directory" ]
}

@test "ssimcls: a class of one image: the messages name the manifest, not its pipe" {
	make_small
	mkdir data/Solo
	cp "$(head -n 1 m.tsv | cut -f1)" data/Solo/
	imgls data >solo.tsv
	n=$(grep -n "${TAB}Solo\$" solo.tsv | cut -d: -f1)
	[ "$n" -gt 1 ]
	run --separate-stderr ssimcls solo.tsv
	assert_success
	[ "$stderr" = "ssimcls: warning: solo.tsv:$n: group 'Solo' has a single image: skipped" ]
	run --separate-stderr ssimcls -H hier.tsv --groups solo.tsv
	assert_failure 1
	[ "$stderr" = "ssimcls: solo.tsv:$n: class 'Solo' is not in hier.tsv" ]
	run --separate-stderr ssimcls - <solo.tsv
	assert_success
	[ "$stderr" = "ssimcls: warning: (stdin):$n: group 'Solo' has a single image: skipped" ]
	# Only classes of one image: nothing to measure.
	head -n 1 m.tsv >one.tsv
	run --separate-stderr ssimcls one.tsv
	assert_failure 1
	[ "$output" = "" ]
	[ "$stderr" = "ssimcls: one.tsv: no group has two images or more" ]
	run --separate-stderr ssimcls <(cat one.tsv)
	assert_failure 1
	[[ $stderr =~ ^"ssimcls: /dev/fd/"[0-9]+": no group has two images or more"$ ]]
}

@test "ssimcls: an unreadable image: one line naming the manifest's line, also through parallel" {
	make_small
	echo text >data/Bag/bad.png
	# A class of two images, one missing: every pair of it has it.
	cp "$(head -n 1 m.tsv | cut -f1)" solo.png
	{ cat m.tsv; printf 'gone.png\tSolo\nsolo.png\tSolo\n'; } >bad.tsv
	n=$(grep -n '^gone.png' bad.tsv | cut -d: -f1)
	run --separate-stderr ssimcls bad.tsv
	assert_failure 1
	[ "$output" = "" ]
	[ "$stderr" = "ssimcls: bad.tsv:$n: gone.png: No such file or directory" ]
	run --separate-stderr ssimcls - <bad.tsv
	assert_failure 1
	[ "$stderr" = "ssimcls: (stdin):$n: gone.png: No such file or directory" ]
	if command -v parallel >/dev/null; then
		run --separate-stderr ssimcls -j 2 bad.tsv
		assert_failure 1
		[ "$output" = "" ]
		[ "$stderr" = "ssimcls: bad.tsv:$n: gone.png: No such file or directory" ]
	fi
	# Not an image at all (imgls would skip it: listed by hand) on line 2,
	# in a class of two again.
	{ printf 'solo.png\tSolo\ndata/Bag/bad.png\tSolo\n'; cat m.tsv; } >m2.tsv
	run --separate-stderr ssimcls m2.tsv
	assert_failure 1
	[ "$stderr" = "ssimcls: m2.tsv:2: data/Bag/bad.png: not a PNG, JPEG or netpbm image" ]
}

@test "ssimcls: images that cannot be compared: both named, with their lines" {
	make_small
	pgmramp -lr 30 28 | pnmtopng >wide.png
	{ cat m.tsv; printf 'wide.png\tTrouser\n'; } >sizes.tsv
	n=$(wc -l <sizes.tsv)
	run --separate-stderr ssimcls sizes.tsv
	assert_failure 1
	[[ $stderr =~ ^"ssimcls: sizes.tsv:"([0-9]+)": "([^ ]+)" and "([^ ]+)" (line "([0-9]+)"): sizes differ ("[0-9x]+" and "[0-9x]+"); use --size WxH"$ ]]
	# the lines named are those of the two paths named
	[ "$(sed -n "${BASH_REMATCH[1]}p" sizes.tsv | cut -f1)" = "${BASH_REMATCH[2]}" ]
	[ "$(sed -n "${BASH_REMATCH[4]}p" sizes.tsv | cut -f1)" = "${BASH_REMATCH[3]}" ]
	grep -q "wide.png" <<<"$stderr"
	# what it says to use works
	run ssimcls --size 28x28 sizes.tsv
	assert_success
}

@test "ssimcls: a set of 8- and 16-bit images is measured, each picture as it looks" {
	make_small
	# every image of the set again, in 16 bits: the same pictures
	mkdir data16
	while IFS=$TAB read -r p c; do
		pngtopam "$p" | pamdepth 65535 | pnmtopng -force >"data16/${p//\//_}"
		printf '%s\t%s\n' "data16/${p//\//_}" "$c"
	done <m.tsv >m16.tsv
	pngtopam "$(head -n 1 m16.tsv | cut -f1)" | pamfile | grep -q "maxval 65535"
	# half the images in 8 bits, half in 16, in the manifest's order
	awk -F'\t' 'NR == FNR { p16[FNR] = $0; next } { print (FNR % 2 ? $0 : p16[FNR]) }' m16.tsv m.tsv >mixed.tsv
	[ "$(grep -c '^data16/' mixed.tsv)" -eq $(($(wc -l <m.tsv) / 2)) ]
	# every pair (--all: the same pairs in each set, whatever the paths)
	ssimcls --all --groups -H hier.tsv m.tsv >eight.tsv
	for set in m16 mixed; do
		run --separate-stderr ssimcls --all --groups -H hier.tsv $set.tsv
		assert_success
		[ "$stderr" = "" ]
		# SSIM does not change with the scale of the samples when L scales
		# with it: each value the 8-bit set's, to single precision
		# (key lines side by side: 4 fields; group lines: 10)
		paste eight.tsv - <<<"$output" | awk -F'\t' -v set=$set '
			function far(a, b) { return a - b > 1e-5 || b - a > 1e-5 }
			{ same = 0 }
			NF == 4 && $1 == $3 { same = $1 ~ /^(mergecls|supsubcls)(_se)?$/ ? !far($2, $4) : $1 != "argmax" || $2 == $4 }
			NF == 10 && $6 == "group" { same = $2 == $7 && $5 == $10 && !far($3, $8) && !far($4, $9) }
			!same { print set ": " $0; bad = 1 }
			END { exit bad }'
	done
}

@test "ssimcls: a TMPDIR it cannot write in: one line of its own" {
	make_small
	run --separate-stderr env TMPDIR="$PWD/none" ssimcls m.tsv
	assert_failure 1
	assert_output ""
	[ "$stderr" = "ssimcls: $PWD/none: cannot make a temporary directory: No such file or directory" ]
}

@test "ssimcls: bad usage" {
	make_small
	for o in "-k abc" "-k -1" "-k" "--seed -1" "--seed x" "--seed=" "-j 0" "-j x" "--jobs=-2" \
		"--no-such-option" "--groups=yes" "-x" "-k 0" "-k 0.0" "-k 2000000" "--size 0x5" \
		"--size 70000x5" "--seed 18446744073709551616" "--all --seed 99999999999999999999"; do
		# shellcheck disable=SC2086
		run --separate-stderr ssimcls $o m.tsv
		[ "$status" -eq 2 ] || { echo "$o: status $status"; false; }
		[[ $stderr == *"Try 'ssimcls --help' for more information." ]] || { echo "$o: $stderr"; false; }
		[ "$output" = "" ]
	done
	run --separate-stderr ssimcls -k abc m.tsv
	[ "$(head -n 1 <<<"$stderr")" = "ssimcls: -k: 'abc' is not a positive number" ]
	run --separate-stderr ssimcls --seed -1 m.tsv
	[ "$(head -n 1 <<<"$stderr")" = "ssimcls: --seed: '-1' is not a non-negative integer" ]
	run --separate-stderr ssimcls -j 0 m.tsv
	[ "$(head -n 1 <<<"$stderr")" = "ssimcls: --jobs: '0' is not a positive integer" ]
	# the ranges of the programs of the chain, checked before it runs, as
	# ssimcls's
	run --separate-stderr ssimcls -k 0 m.tsv
	[ "$stderr" = "ssimcls: -k: must be greater than 0
Try 'ssimcls --help' for more information." ]
	run --separate-stderr ssimcls -k 2000000 m.tsv
	[ "$(head -n 1 <<<"$stderr")" = "ssimcls: -k: 2e+06 is out of range [0, 1e+06]" ]
	run --separate-stderr ssimcls -s 0x5 m.tsv
	[ "$(head -n 1 <<<"$stderr")" = "ssimcls: --size: 0 is out of range [1, 65535]" ]
	run --separate-stderr ssimcls --seed 18446744073709551616 m.tsv
	[ "$(head -n 1 <<<"$stderr")" = "ssimcls: --seed: '18446744073709551616' is not a non-negative integer" ]
	run --separate-stderr ssimcls
	assert_failure 2
	[ "$(head -n 1 <<<"$stderr")" = "ssimcls: expected one MANIFEST, got 0" ]
	run --separate-stderr ssimcls m.tsv m.tsv
	assert_failure 2
	[ "$(head -n 1 <<<"$stderr")" = "ssimcls: expected one MANIFEST, got 2" ]
	run --separate-stderr ssimcls -H
	assert_failure 2
	[ "$(head -n 1 <<<"$stderr")" = "ssimcls: option '-H' needs a value" ]
	run --separate-stderr ssimcls -H - - <m.tsv
	assert_failure 2
	[ "$(head -n 1 <<<"$stderr")" = "ssimcls: HIER and MANIFEST cannot both be the standard input" ]
	# An empty value is an empty value, not the next word.
	run --separate-stderr ssimcls --hier= m.tsv
	assert_failure 2
	[ "$(head -n 1 <<<"$stderr")" = "ssimcls: option '--hier' needs a file name" ]
}

@test "ssimcls: write errors: one line of its own, exit 1" {
	make_small
	for args in "m.tsv" "--help" "--version" \
		"--from-means $BATS_TEST_TMPDIR/flat $BATS_TEST_TMPDIR/groups"; do
		printf 'all\t0.5\t10\t0.1\t0.03\n' >"$BATS_TEST_TMPDIR/flat"
		printf 'a\t0.5\t10\t0.1\t0.03\n' >"$BATS_TEST_TMPDIR/groups"
		assert_write_errors ssimcls "ssimcls $args"
	done
	# a closed standard output is seen before any SSIM is computed
	make_stub_dir stub ssimpair
	printf '#!/bin/sh\necho run >>"%s"\nexec "%s" "$@"\n' "$PWD/runs.log" "$SIMBAL_BIN/ssimpair" >stub/ssimpair
	chmod +x stub/ssimpair
	run --separate-stderr bash -c "stub/ssimcls m.tsv >&-"
	assert_failure 1
	[ ! -e runs.log ]
}

@test "ssimcls: its output pipe closed: killed by SIGPIPE without a word, as the C programs are" {
	make_small
	printf 'all\t0.5\t10\t0.1\t0.03\n' >flat.mean
	printf 'a\t0.5\t10\t0.1\t0.03\n' >groups.mean
	mkdir tmp
	# the reader gone before a byte is written
	for args in "m.tsv" "--help" "--version" "--from-means flat.mean groups.mean"; do
		run --separate-stderr env TMPDIR="$PWD/tmp" bash -c \
			"{ sleep 0.3; exec ssimcls $args; } | true; exit \${PIPESTATUS[0]}"
		[ "$status" -eq 141 ] || { echo "$args: $status"; false; }
		[ "$stderr" = "" ] || { echo "$args: $stderr"; false; }
		[ -z "$(ls -A tmp)" ]
	done
	run bash -c "{ sleep 0.3; exec imgpairs --help; } | true; exit \${PIPESTATUS[0]}"
	[ "$status" -eq 141 ]
	# SIGPIPE ignored (by the shell that started it): a write error
	run --separate-stderr bash -c "trap '' PIPE; { sleep 0.3; exec ssimcls --help; } | true; exit \${PIPESTATUS[0]}"
	assert_failure 1
	[ "$stderr" = "ssimcls: write error: Broken pipe" ]
}

@test "ssimcls: a control character in a name or a value is escaped: a message is one line" {
	make_small
	run --separate-stderr ssimcls $'no\nsuch'
	assert_failure 1
	[ "$stderr" = 'ssimcls: no\nsuch: No such file or directory' ]
	run --separate-stderr ssimcls -k $'1\r\t\033\177' m.tsv
	assert_failure 2
	[ "${stderr_lines[0]}" = "ssimcls: -k: '1\\r\\t\\033\\177' is not a positive number" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	# a name of the user's in a message of a program of the chain: a
	# manifest from a FIFO, which ssimcls reads from a copy
	{ cat m.tsv; printf 'gone.png\tBag\n'; } >bad.tsv
	mkfifo $'fifo\nm'
	cat bad.tsv >$'fifo\nm' &
	run --separate-stderr ssimcls $'fifo\nm'
	assert_failure 1
	[ "$stderr" = "ssimcls: fifo\\nm:$(wc -l <bad.tsv): gone.png: No such file or directory" ]
	run --separate-stderr ssimcls --from-means $'no\nflat' groups.mean
	assert_failure 1
	[ "$stderr" = 'ssimcls: no\nflat: No such file or directory' ]
}

@test "ssimcls: a warning about the manifest is given once, not once a pass over it" {
	make_small
	{ printf '\357\273\277'; cat m.tsv; } >bom.tsv
	for h in "" "-H hier.tsv"; do
		# shellcheck disable=SC2086
		run --separate-stderr ssimcls $h bom.tsv
		assert_success
		[ "$stderr" = "ssimcls: warning: bom.tsv:1: byte order mark (UTF-8 BOM) at the start ignored" ] ||
			{ echo "$h: $stderr"; false; }
		# shellcheck disable=SC2086
		[ "$output" = "$(ssimcls $h m.tsv)" ]
	done
}

@test "ssimcls: -j and -S without GNU parallel on PATH" {
	make_small
	# A PATH with what ssimcls needs, and no parallel.
	mkdir tools
	for t in bash env sh dirname readlink mktemp rm cat sort awk mawk cut head grep tail; do
		p=$(command -v "$t") && ln -s "$p" "tools/$t"
	done
	for o in "-j 2" "-S h1" "--sshloginfile x"; do
		# shellcheck disable=SC2086
		run --separate-stderr env PATH="$PWD/tools" "$SIMBAL_BIN/ssimcls" $o m.tsv
		assert_failure 1
		[ "$output" = "" ]
		[ "$stderr" = "ssimcls: -j and -S need GNU parallel (Debian package parallel)" ]
	done
	# Another program called parallel (moreutils has one) will not do.
	printf '#!/bin/sh\necho "parallel: invalid option -- '"'"'-'"'"'" >&2\nexit 1\n' >tools/parallel
	chmod +x tools/parallel
	run --separate-stderr env PATH="$PWD/tools" "$SIMBAL_BIN/ssimcls" -j 2 m.tsv
	assert_failure 1
	[ "$stderr" = "ssimcls: -j and -S need GNU parallel (Debian package parallel)" ]
	rm tools/parallel
	# The same PATH is enough without -j.
	run env PATH="$PWD/tools" "$SIMBAL_BIN/ssimcls" m.tsv
	assert_success
	assert_line --index 0 --regexp "^mergecls${TAB}0\.[0-9]+\$"
}
