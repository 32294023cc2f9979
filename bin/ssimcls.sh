#!/usr/bin/env bash
# ssimcls: SSIM-mergeCls and SSIM-supSubCls of a dataset, end to end, and
# the advice the paper's curve gives.  A front-end over supgroup, imgpairs,
# ssimpair, meanreduce and expfit; see ssimcls(1).
set -uo pipefail

version=@VERSION@
prog=ssimcls
# The programs beside this script come first, so that a build tree works
# without being installed.
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
PATH="$here:$PATH"
export LC_ALL=C

# Table 5 of the paper: generative augmentation helped at and below this
# (flowers, at 0.1652 exactly, gained), and not above.
THRESHOLD_SUPSUBCLS=0.1652

usage() {
	cat <<'TXT'
Usage: ssimcls [OPTION]... MANIFEST
  or:  ssimcls --from-means [--groups] FLAT GROUPS
Measure how alike the classes of an image dataset are, as the paper does:
the mean SSIM of 2 x |X| random image pairs over the whole set
(SSIM-mergeCls) and within each super-class (SSIM-supSubCls: the largest of
the super-classes' means); then predict the relative top-1 gain of
generative re-balancing from the paper's Eq. 4.  Prints key<TAB>value lines:
mergecls, mergecls_se, supsubcls, supsubcls_se, argmax, gain, works.

  -H, --hier=FILE       class<TAB>superclass lines (default: each class is
                        its own super-class)
  -k K                  pairs per image in each group (default 2)
      --all             every pair instead of random ones (exact means)
      --seed=S          seed of the pair draws (default 1)
  -s, --size=WxH        resize images first (ssimpair --size)
  -g, --gray            compare luma (ssimpair --gray)
      --groups          also print each super-class's mean:
                        group<TAB>NAME<TAB>MEAN<TAB>SE<TAB>PAIRS
      --from-means      measure nothing: print the keys from FLAT and
                        GROUPS, meanreduce's outputs for the whole set and
                        for the super-classes
  -j, --jobs=N          SSIM in N processes (GNU parallel)
  -S, --sshlogin=HOSTS  and on these hosts (GNU parallel's -S; image paths
                        must resolve on every host)
      --sshloginfile=F  hosts from a file (GNU parallel's --sshloginfile)
  -h, --help            show this help and exit
      --version         show the version and exit

The result for a seed is the same whatever -j and -S.
Exit status: 0 success, 1 bad data, 2 bad usage.
TXT
}

@CLI_SH@

hier= k=2 k_given= all= seed=1 size= gray= groups= jobs= logins= loginfile=
from_means= measuring=
while [ $# -gt 0 ]; do
	# has_val: the value came with the option (--opt=VALUE, -jN), possibly
	# empty; otherwise it is the next argument.
	opt=$1 val= has_val=
	case $opt in
	--*=*) val=${opt#*=} opt=${opt%%=*} has_val=1 ;;
	-[HksjS]?*) val=${opt#-?} opt=${opt%"$val"} has_val=1 ;;
	esac
	needs_value() {
		if [ -z "$has_val" ]; then
			[ $# -ge 2 ] || die_usage "option '$opt' needs a value"
			val=$2
			shift_extra=1
		fi
	}
	takes_no_value() {
		[ -z "$has_val" ] || die_usage "option '$opt' takes no value"
	}
	shift_extra=0
	# The options of the measurement, which --from-means does not take.
	case $opt in
	-H | --hier | -k | --all | --seed | -s | --size | -g | --gray | -j | --jobs | \
		-S | --sshlogin | --sshloginfile) measuring=$opt ;;
	esac
	case $opt in
	-H | --hier)
		needs_value "$@"
		[ -n "$val" ] || die_usage "option '$opt' needs a file name"
		hier=$val
		;;
	-k) needs_value "$@" && k=$val k_given=1 ;;
	--all) takes_no_value && all=--all ;;
	--seed) needs_value "$@" && seed=$val ;;
	-s | --size) needs_value "$@" && size=$val ;;
	-g | --gray) takes_no_value && gray=--gray ;;
	--groups) takes_no_value && groups=1 ;;
	--from-means) takes_no_value && from_means=1 ;;
	-j | --jobs) needs_value "$@" && jobs=$val ;;
	-S | --sshlogin) needs_value "$@" && logins=$val ;;
	--sshloginfile) needs_value "$@" && loginfile=$val ;;
	-h | --help) emit usage; exit 0 ;;
	--version) emit echo "$prog (simbal) $version"; exit 0 ;;
	--) shift; break ;;
	-?*) die_usage "unrecognized option '$1'" ;;
	*) break ;;
	esac
	shift $((1 + shift_extra))
done
if [ -n "$from_means" ]; then
	[ -z "$measuring" ] || die_usage "--from-means measures nothing: no $measuring"
	[ $# -eq 2 ] || die_usage "--from-means: expected FLAT and GROUPS, got $#"
	[ "$1" = - ] && [ "$2" = - ] &&
		die_usage "FLAT and GROUPS cannot both be the standard input"
else
	[ $# -eq 1 ] || die_usage "expected one MANIFEST, got $#"
fi
[[ $k =~ ^[0-9]*\.?[0-9]+$ ]] || die_usage "-k: '$k' is not a positive number"
[ -z "$all" ] || [ -z "$k_given" ] || die_usage "-k and --all exclude each other"
[[ $seed =~ ^[0-9]+$ ]] || die_usage "--seed: '$seed' is not a non-negative integer"
# The size goes into a shell command line under -j and -S: only WxH.
[ -z "$size" ] || [[ $size =~ ^[0-9]+x[0-9]+$ ]] || die_usage "--size: '$size' is not WxH"
[ -z "$jobs" ] || [[ $jobs =~ ^[1-9][0-9]*$ ]] || die_usage "--jobs: '$jobs' is not a positive integer"
[ "$hier" = - ] && [ "$1" = - ] &&
	die_usage "HIER and MANIFEST cannot both be the standard input"

# The options the programs of the chain are given, checked by them before
# the chain runs, on no input (the ranges are theirs, not copies): a bad
# value is a usage error of ssimcls's, not of a program the user did not
# call.
pairs_opts=(--seed "$seed")
if [ -n "$all" ]; then pairs_opts+=("$all"); else pairs_opts+=(-k "$k"); fi
ssim_opts=()
[ -n "$size" ] && ssim_opts+=(--size "$size")
[ -n "$gray" ] && ssim_opts+=("$gray")
check_values() {
	local err
	err=$("$@" </dev/null 2>&1 >/dev/null)
	[ $? -ne 2 ] || die_usage "$(head -n 1 <<<"${err#*: }")"
}
if [ -z "$from_means" ]; then
	check_values imgpairs "${pairs_opts[@]}"
	[ ${#ssim_opts[@]} -eq 0 ] || check_values ssimpair "${ssim_opts[@]}"
fi
# A closed standard output is known before any work (a full disk only
# once written to).
{ :; } 2>/dev/null 3>&1 || die "write error: Bad file descriptor"
if [ -n "$jobs$logins$loginfile" ] &&
	! parallel --version 2>/dev/null | head -n 1 | grep -q '^GNU parallel'; then
	die "-j and -S need GNU parallel (Debian package parallel)"
fi
for f in "$@"; do
	[ "$f" = - ] || [ -r "$f" ] && continue
	[ -e "$f" ] && die "$f: Permission denied"
	die "$f: No such file or directory"
done

# mktemp's own message names it, not ssimcls: its reason, after the last ': '.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ssimcls.XXXXXX" 2>&1) ||
	die "${TMPDIR:-/tmp}: cannot make a temporary directory: ${tmp##*: }"
trap 'rm -rf "$tmp"' EXIT
tab=$'\t'

# The name of an input in messages, as the programs of the chain give it.
shown() {
	if [ "$1" = - ]; then echo '(stdin)'; else printf '%s\n' "$1"; fi
}

# Prints a name under which the input FILE can be read more than once:
# the standard input, a pipe or a process substitution is kept in the
# temporary file NAME first.
rereadable() {
	if [ "$1" != - ] && [ -f "$1" ]; then
		printf '%s\n' "$1"
		return
	fi
	if [ "$1" = - ]; then cat; else cat -- "$1"; fi >"$tmp/$2" 2>/dev/null || {
		say "$1: cannot read"
		return 1
	}
	printf '%s\n' "$tmp/$2"
}

# Checks that FILE, shown as NAME, is a meanreduce output:
# group<TAB>mean<TAB>count<TAB>sd<TAB>se lines, the mean a finite number;
# with ONE, a single line.
check_means() {
	local why
	why=$(awk -F'\t' -v one="${3:-}" '
	function bad(msg) { print msg; failed = 1; exit 1 }
	NF != 5 { bad(sprintf(":%d: expected 5 TAB-separated fields, found %d", FNR, NF)) }
	$2 !~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ {
		bad(sprintf(":%d: field 2: mean \047%s\047 is not a number", FNR, $2))
	}
	# beyond DBL_MAX: infinite (mawk calls NaN equal to everything)
	$2 + 0 > 1.7976931348623157e308 || $2 + 0 < -1.7976931348623157e308 {
		bad(sprintf(":%d: field 2: mean \047%s\047 is not a finite number", FNR, $2))
	}
	END {
		if (failed) exit 1
		if (NR == 0) bad(": empty input")
		if (one && NR > 1) bad(sprintf(": expected the one line of the whole set, found %d", NR))
	}' "$1") || die "$2$why"
}

# The messages of the chain.  When a stage fails, the ones after it
# complain too (empty input, or a pipe closed under them: 141, SIGPIPE).
# Each stage's messages go to a file of its own, and only those of the
# stages up to the first that failed are shown (warnings before it, then
# its error), with its status.
#
# The messages of stage N (0 supgroup, 1 imgpairs, 2 ssimpair, 3
# meanreduce, 4 expfit) as the user of ssimcls should read them: its own,
# about the files and lines given.  GNU parallel follows a failed job's
# own message with two lines of its own (that it failed, and the
# command): the message is enough.  supgroup may read a copy of the
# manifest; imgpairs reads supgroup's lines, one for each of the
# manifest, and ssimpair pairs that carry the lines of their images, from
# the pipe "(stdin)": all name the manifest given.
show_errors() {
	local from= parallel=
	case $1 in
	0) [ "$manifest" = "$manifest_name" ] || from=$manifest ;;
	1) from='(stdin)' ;;
	2)
		from='(stdin)'
		[ -z "$jobs$logins$loginfile" ] || parallel=1
		;;
	esac
	awk -v parallel="$parallel" '
	parallel && /^parallel: This job failed:$/ { skip = 1; next }
	skip { skip = 0; next }
	{ print }' |
		OURS_AT=$from OURS_AT_TO=${manifest_name:-} OURS_IN=${hier_copy:-} OURS_IN_TO=${hier_name:-} \
			ours supgroup imgpairs ssimpair meanreduce expfit | once
}

# The lines of the standard input not shown before: the stages that read
# the manifest again (the hierarchy's check, then each set of pairs) would
# repeat their warnings about it.
once() {
	: >>"$tmp/shown"
	awk 'FILENAME == ARGV[1] { seen[$0]; next } !($0 in seen) { print; print >>ARGV[1] }' "$tmp/shown" -
}

# Shows the messages of the stages of the chain, in order, each given as
# STAGE:STATUS:FILE (STAGE numbers as show_errors has them), up to the
# first that failed, and returns its status.  A stage killed by SIGPIPE
# (141) failed only because a later one did: its messages are not shown.
verdict() {
	local stage st file
	for arg; do
		IFS=: read -r stage st file <<<"$arg"
		[ "$st" -eq 141 ] || show_errors "$stage" <"$file" >&2
		if [ "$st" -ne 0 ] && [ "$st" -ne 141 ]; then
			return "$st"
		fi
	done
}

# The seven keys from FLAT and GROUPS, meanreduce's outputs for the whole
# set and for the super-classes; with --groups, a line per super-class.
report() {
	local best gain
	# The super-class with the largest mean; ties to the first in name order.
	best=$(sort -t "$tab" -k1,1 "$2" |
		awk -F'\t' 'NR == 1 || $2 > max { max = $2; line = $0 } END { print line }')
	gain=$(expfit --paper --predict "$(cut -f2 <<<"$best")" 2>"$tmp/err.gain" | cut -f2) ||
		{ show_errors 4 <"$tmp/err.gain" >&2; return 1; }
	printf '%s\n' "$best" | awk -F'\t' -v OFS='\t' -v gain="$gain" \
		-v threshold="$THRESHOLD_SUPSUBCLS" 'NR == FNR { m2 = $2; m5 = $5; next } {
		print "mergecls", m2; print "mergecls_se", m5
		print "supsubcls", $2; print "supsubcls_se", $5
		print "argmax", $1; print "gain", gain
		print "works", ($2 + 0 <= threshold + 0 ? "yes" : "no")
	}' "$1" -
	if [ -n "$groups" ]; then
		sort -t "$tab" -k1,1 "$2" | awk -F'\t' -v OFS='\t' '{ print "group", $1, $2, $5, $3 }'
	fi
}

if [ -n "$from_means" ]; then
	flat=$(rereadable "$1" flat) && per_group=$(rereadable "$2" groups) || exit 1
	check_means "$flat" "$(shown "$1")" one
	check_means "$per_group" "$(shown "$2")"
	report "$flat" "$per_group" >"$tmp/report" || exit 1
	emit cat -- "$tmp/report"
	exit
fi

# ssimpair, alone or spread by GNU parallel over -j processes that live
# for the whole stream (--round-robin), so that each keeps its cache of
# decoded images.  The lines are numbered on the way out and put back in
# order on the way back, so that meanreduce sums the same numbers in the
# same order, and the answer does not depend on -j or -S.  A pair's line,
# TAGgroup<TAB>lineA<TAB>lineB<TAB>pathA<TAB>pathB, carries the manifest
# lines of its images (imgpairs --lines), which ssimpair's messages give.
ssim() {
	if [ -z "$jobs$logins$loginfile" ]; then
		ssimpair --lines 2,3 "${ssim_opts[@]}"
		return
	fi
	local p=(parallel --pipe --round-robin --block 256k --halt now,fail=1 -j "${jobs:-100%}")
	[ -n "$logins" ] && p+=(-S "$logins")
	[ -n "$loginfile" ] && p+=(--sshloginfile "$loginfile")
	# --round-robin starts every job slot, also those that no block
	# reaches (-j 8 on a small set, or more slots on the hosts than
	# blocks); ssimpair calls empty input an error, so a job that gets no
	# line ends quietly instead.  sh -c, for whatever shell a host logs in.
	local job='IFS= read -r l || [ -n "$l" ] || exit 0; { printf "%s\n" "$l"; exec cat; } | exec ssimpair --lines 3,4'
	[ ${#ssim_opts[@]} -eq 0 ] || job+=" ${ssim_opts[*]}"
	awk -v OFS='\t' '{ print NR, $0 }' | "${p[@]}" "sh -c '$job'" |
		sort -t "$tab" -k1,1n | cut -f2-
}

# The manifest as messages name it, and a name to read it by twice.
manifest_name=$(shown "$1")
manifest=$(rereadable "$1" manifest) || exit 1
# The hierarchy is read twice too (checked first, then used): from the
# standard input or a pipe, through a copy that messages name as given.
hier_name=$hier hier_copy=
if [ "$hier" = - ] || { [ -e "$hier" ] && [ ! -f "$hier" ]; }; then
	hier=$(rereadable "$hier" hier) || exit 1
	hier_copy=$hier hier_name=$(shown "$hier_name")
fi

# One set of pairs, its groups tagged TAG: supgroup "$@" and imgpairs,
# their messages and statuses kept in $tmp under TAG.
tagged_pairs() {
	local tag=$1
	shift
	supgroup "$@" "$manifest" 2>"$tmp/err.0.$tag" |
		imgpairs --lines "${pairs_opts[@]}" 2>"$tmp/err.1.$tag" | awk -v t="$tag" '{ print t $0 }'
	echo "${PIPESTATUS[0]} ${PIPESTATUS[1]}" >"$tmp/st.$tag"
}

# The hierarchy first: a class missing from it fails before any SSIM.
group_by=(--self)
if [ -n "$hier" ]; then
	group_by=("$hier")
	supgroup "$hier" "$manifest" 2>"$tmp/err.check" >/dev/null
	verdict "0:$?:$tmp/err.check" || exit $?
fi

# Then the mean SSIM of the pairs of each group,
# group<TAB>mean<TAB>count<TAB>sd<TAB>se, from one SSIM stream for the
# pairs of the super-classes (tagged G) and those of the whole set (F), so
# that each image is decoded once for both; the tags keep their means
# apart and come off after.  Nothing is stored but the means: --all's
# pairs grow with the square of the set.
{
	tagged_pairs G "${group_by[@]}"
	tagged_pairs F --flat=all
} | ssim 2>"$tmp/err.2" | meanreduce 2>"$tmp/err.3" >"$tmp/means"
sts=("${PIPESTATUS[@]}")
read -r group_st0 group_st1 <"$tmp/st.G"
read -r flat_st0 flat_st1 <"$tmp/st.F"
verdict "0:$group_st0:$tmp/err.0.G" "1:$group_st1:$tmp/err.1.G" \
	"0:$flat_st0:$tmp/err.0.F" "1:$flat_st1:$tmp/err.1.F" \
	"2:${sts[1]}:$tmp/err.2" "3:${sts[2]}:$tmp/err.3" || exit $?
awk '/^G/ { print substr($0, 2) }' "$tmp/means" >"$tmp/groups.mean"
awk '/^F/ { print substr($0, 2) }' "$tmp/means" >"$tmp/flat.mean"
report "$tmp/flat.mean" "$tmp/groups.mean" >"$tmp/report" || exit 1
emit cat -- "$tmp/report"
