#!/usr/bin/env bash
# augreport: the results of a finished pipelines/augcls.mk run — the table
# of the paper's Tables 3-5, the class histograms before and after, a
# contact sheet of the kept images, for each generator the run has (the
# GAN's in OUT, the diffusion's in OUT/gd); see augreport(1).
set -uo pipefail

version=@VERSION@
prog=augreport
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
PATH="$here:$PATH"
export LC_ALL=C

usage() {
	cat <<'TXT'
Usage: augreport [OPTION]... OUT
  or:  augreport OUT1 OUT2...
Report on a finished GM-augCls run (make -f pipelines/augcls.mk OUT=OUT),
of the GAN (GEN=gan), of the diffusion (GEN=diffusion, in OUT/gd) or of
both: print, as TSV lines, each method's validation top-1, balanced
accuracy and relative gain over the original set (method<TAB>NAME<TAB>TOP1
<TAB>BALANCED<TAB>GAIN%), the steps taken, how long each classifier
trained (budget<TAB>epochs or steps<TAB>N), and the training set's
SSIM-mergeCls and SSIM-supSubCls; draw OUT/report/hist-before.png and
hist-after.png (images per class, before and after) and OUT/report/kept.png
(kept images, a row a class), gd-hist-after.png and gd-kept.png for the
diffusion's.  With several OUT, runs of one experiment with another SEED
each: print runs<TAB>N, then each method's mean and standard deviation
over them of top-1, balanced accuracy, G-mean and macro F1
(summary<TAB>METHOD<TAB>KEY<TAB>MEAN<TAB>SD<TAB>RUNS), and its gain over
the original set, paired by run, with a 95% interval
(gain<TAB>METHOD<TAB>MEAN%<TAB>LOW<TAB>HIGH<TAB>RUNS); no figures.

      --per-class=K     images a class on the contact sheet (default 8)
      --html=FILE       also write the same as one self-contained HTML page
  -h, --help            show this help and exit
      --version         show the version and exit

Exit status: 0 success, 1 bad data, 2 bad usage.
TXT
}

@CLI_SH@

# The methods of the table, in its order, as NAME:FILE under OUT: the
# original set first; then GM-augCls of the GAN (gm-augcls) and of the
# diffusion (gd-augcls), each beside its images unfiltered (noselect,
# gd-noselect) and its final set with the logit-adjusted loss; then the
# baselines the run has.
methods="original:c0.eval gm-augcls:final.eval noselect:base/noselect.eval gm-la:base/final-la.eval
	gd-augcls:gd/final.eval gd-noselect:gd/base/noselect.eval gd-la:gd/base/final-la.eval
	cb-loss:base/cb.eval la-loss:base/la.eval posthoc:base/posthoc.eval
	oversample:base/oversample.eval smote:base/smote.eval"

# Several runs of one experiment (augcls.mk with another SEED each; the
# directories checked to be there, and distinct, by the caller): every
# method's scores over the runs that have it, mean and sample standard
# deviation, and its gain over the original set paired by run, with the
# 95% interval of Student's t (its quantile for 1 to 30 degrees of
# freedom, 1.96 + 2.5 / df beyond, within 0.002 of it).
summary() {
	local o name file
	sumtmp=$(mktemp "${TMPDIR:-/tmp}/augreport.XXXXXX" 2>&1) ||
		die "${TMPDIR:-/tmp}: cannot make a temporary file: ${sumtmp##*: }"
	trap 'rm -f "$sumtmp"' EXIT
	for o in "$@"; do
		o=${o%/}
		[ -s "$o/c0.eval" ] || die "$o: no c0.eval: not a finished augcls.mk run (make -f pipelines/augcls.mk OUT=$o)"
		for name in $methods; do
			file=$o/${name#*:}
			[ -s "$file" ] || continue
			# top1 and balanced in every file, as in one run's table
			awk -F'\t' -v OFS='\t' -v run="$o" -v m="${name%%:*}" \
				'$1 ~ /^(top1|balanced|gmean|macro_f1)$/ { print run, m, $1, $2; had[$1] }
				END { exit !("top1" in had) ? 3 : !("balanced" in had) ? 4 : 0 }' "$file"
			case $? in
			3) die "$file: no top1 line" ;;
			4) die "$file: no balanced line" ;;
			esac
		done
	done | awk -F'\t' -v OFS='\t' -v runs=$# -v methods="$methods" '
		BEGIN {
			split("12.7062 4.3027 3.1824 2.7764 2.5706 2.4469 2.3646 2.3060 2.2622 2.2281 " \
			      "2.2010 2.1788 2.1604 2.1448 2.1314 2.1199 2.1098 2.1009 2.0930 2.0860 " \
			      "2.0796 2.0739 2.0687 2.0639 2.0595 2.0555 2.0518 2.0484 2.0452 2.0423", t, " ")
			nk = split("top1 balanced gmean macro_f1", keys, " ")
			# the methods in the table order: NAME:FILE words
			nw = split(methods, w, /[ \t\n]+/)
			for (i = 1; i <= nw; i++)
				if (w[i] != "") { sub(/:.*/, "", w[i]); order[++nm] = w[i] }
		}
		{ v[$2, $3, $1] = $4; n[$2, $3]++; s[$2, $3] += $4; ss[$2, $3] += $4 * $4; run[$1] }
		# the sample standard deviation from the sums (never below 0 by rounding)
		function deviation(n, s, ss,   mean, var) {
			mean = s / n
			var = (ss - n * mean * mean) / (n - 1)
			return var > 0 ? sqrt(var) : 0
		}
		function sd(m, k) {
			return n[m, k] < 2 ? "-" : sprintf("%.6f", deviation(n[m, k], s[m, k], ss[m, k]))
		}
		function quantile(df) { return df <= 30 ? t[df] : 1.96 + 2.5 / df }
		END {
			print "runs", runs
			for (i = 1; i <= nm; i++) {
				m = order[i]
				if (!n[m, "top1"]) continue
				for (j = 1; j <= nk; j++)
					if (n[m, keys[j]])
						print "summary", m, keys[j], sprintf("%.6f", s[m, keys[j]] / n[m, keys[j]]), sd(m, keys[j]), n[m, keys[j]]
				if (m == "original") continue
				g = 0; gs = 0; gn = 0
				for (r in run)
					if ((m, "top1", r) in v && ("original", "top1", r) in v && v["original", "top1", r] > 0) {
						x = 100 * (v[m, "top1", r] - v["original", "top1", r]) / v["original", "top1", r]
						g += x; gs += x * x; gn++
					}
				if (!gn) continue
				mean = g / gn
				if (gn < 2) { print "gain", m, sprintf("%.4f", mean), "-", "-", gn; continue }
				half = quantile(gn - 1) * deviation(gn, g, gs) / sqrt(gn)
				print "gain", m, sprintf("%.4f", mean), sprintf("%.4f", mean - half), sprintf("%.4f", mean + half), gn
			}
		}' >"$sumtmp" || exit 1
	emit cat -- "$sumtmp"
}

per_class=8 html= html_given= per_class_given=
while [ $# -gt 0 ]; do
	case $1 in
	--per-class=*) per_class=${1#*=} per_class_given=1 ;;
	--per-class) [ $# -ge 2 ] || die_usage "option '$1' needs a value"; per_class=$2 per_class_given=1; shift ;;
	--html=*) html=${1#*=} html_given=1 ;;
	--html) [ $# -ge 2 ] || die_usage "option '$1' needs a value"; html=$2 html_given=1; shift ;;
	-h | --help) emit usage; exit 0 ;;
	--version) emit echo "$prog (simbal) $version"; exit 0 ;;
	--) shift; break ;;
	-?*) die_usage "unrecognized option '$1'" ;;
	*) break ;;
	esac
	shift
done
[ $# -ge 1 ] || die_usage "expected one OUT directory or more, got 0"
[[ $per_class =~ ^[1-9][0-9]{0,3}$ ]] || die_usage "--per-class: '$per_class' is not a count from 1 to 9999"
[ -z "$html_given" ] || [ -n "$html" ] || die_usage "--html: empty file name"
[ -z "$html" ] || [ -n "${html##*/}" ] || die_usage "--html: '$html' names no file"
for o in "$@"; do
	[ -n "$o" ] || die_usage "OUT: empty file name"
done
# Several runs: the same run under two names would count twice, so runs
# are told apart by their directories themselves.
if [ $# -gt 1 ]; then
	for o in "$@"; do
		[ -d "$o" ] || die "${o%/}: no such directory"
	done
	twice=$(for o in "$@"; do printf '%s\t%s\n' "$(cd -- "$o" && pwd -P)" "${o%/}"; done |
		sort -t "$(printf '\t')" -k1,1 -s | awk -F'\t' '$1 == p { print $2; exit } { p = $1 }')
	[ -z "$twice" ] || die_usage "$twice: the same run given twice"
	[ -z "$html_given" ] || die_usage "--html reports one run, not $#"
	[ -z "$per_class_given" ] || die_usage "--per-class is of one run's contact sheet, not of $#"
	summary "$@"
	exit
fi
out=${1%/}
[ -d "$out" ] || die "$out: no such directory"
# A closed standard output is known before any drawing.
{ :; } 2>/dev/null 3>&1 || die "write error: Bad file descriptor"
unfinished() {
	die "$out: no $1: not a finished augcls.mk run (make -f pipelines/augcls.mk OUT=$out)"
}

# The generators of the run, as the directories of their stages under
# OUT: the GAN's OUT itself (""), the diffusion's gd/.  One is in the run
# once any of its last stages' files is there, and then it must have them
# all; the run must have one.
gen_files="steps.tsv final.step final.tsv final.eval"
gens=()
for g in "" gd/; do
	for f in $gen_files; do
		[ -e "$out/$g$f" ] || continue
		for f in $gen_files; do
			[ -s "$out/$g$f" ] || unfinished "$g$f"
		done
		gens+=("$g")
		break
	done
done
[ ${#gens[@]} -gt 0 ] || unfinished steps.tsv
for f in c0.eval metric.tsv; do
	[ -s "$out/$f" ] || unfinished "$f"
done

# The name of generator $1 in the report: "" (the GAN's, as before there
# was a choice) or "gd-".
prefix() {
	printf '%s' "${1:+${1%/}-}"
}

# key's value in a key<TAB>value file.
value() {
	awk -F'\t' -v k="$2" '$1 == k { print $2; found = 1; exit } END { exit !found }' "$1" ||
		die "$1: no $2 line"
}

# The table's lines, the methods the run has.
table() {
	local orig name file top1 balanced
	orig=$(value "$out/c0.eval" top1) || exit 1
	for name in $methods; do
		file=$out/${name#*:}
		[ -s "$file" ] || continue
		top1=$(value "$file" top1) && balanced=$(value "$file" balanced) || exit 1
		printf '%s\t%s\t%s\n' "${name%%:*}" "$top1" "$balanced"
	done | awk -F'\t' -v o="$orig" -v OFS='\t' \
		'{ print "method", $1, $2, $3, o == 0 ? "-" : sprintf("%.2f", 100 * ($2 - o) / o) }'
}

# How long every classifier of the run trained, as its stage's parameters
# say (augcls.mk BUDGET): EPOCHS epochs of its own set, or as many steps
# for every set; nothing for a run without them.
budget() {
	[ -e "$out/cls.params" ] || return 0
	# the last of them, as clstrain takes it, in any of its forms
	awk '{
		for (i = 1; i <= NF; i++)
			if (($i == "--epochs" || $i == "-e" || $i == "--steps") && i < NF) {
				kind = $i == "--steps" ? "steps" : "epochs"; n = $(i + 1)
			} else if ($i ~ /^--(epochs|steps)=/) {
				kind = $i ~ /^--steps/ ? "steps" : "epochs"; n = substr($i, index($i, "=") + 1)
			} else if ($i ~ /^-e[0-9]/) {
				kind = "epochs"; n = substr($i, 3)
			}
		}
		END { if (kind == "") exit 1; printf "budget\t%s\t%s\n", kind, n }' "$out/cls.params" ||
		die "$out/cls.params: no --epochs or --steps"
}

# The reason at the end of a tool's error message ("...: Not a directory").
reason() {
	printf '%s' "${1##*: }"
}

# Where the page goes, checked before any drawing: written under a
# temporary name beside it and renamed, as simbal's programs write their
# files (through a symbolic link its target, the link kept); a device or a
# FIFO (/dev/stdout) is written in place, never replaced.
tmp= stage= htmp= hdest=
trap 'rm -rf ${tmp:+"$tmp"} ${stage:+"$stage"} ${htmp:+"$htmp"}' EXIT
trap 'exit 1' HUP INT TERM
if [ -n "$html" ]; then
	hdest=$html
	if [ -d "$html" ]; then
		die "$html: is a directory"
	elif [ -e "$html" ] && [ ! -f "$html" ]; then
		: # a device or FIFO (through a link too): written in place
	else
		if [ -L "$html" ]; then
			hdest=$(readlink -f -- "$html") || hdest=$html
		fi
		err=$(mktemp "$(dirname -- "$hdest")/.$(basename -- "$hdest").XXXXXX" 2>&1) ||
			die "$html: cannot create: $(reason "$err")"
		htmp=$err
	fi
fi

err=$(mktemp -d "${TMPDIR:-/tmp}/augreport.XXXXXX" 2>&1) ||
	die "${TMPDIR:-/tmp}: cannot make a temporary directory: $(reason "$err")"
tmp=$err

{
	table || exit 1
	for g in "${gens[@]}"; do
		awk -F'\t' -v OFS='\t' -v s="$(prefix "$g")step" '{ print s, $1, $2 }' "$out/${g}steps.tsv"
	done
	budget || exit 1
	for k in mergecls supsubcls argmax; do
		v=$(value "$out/metric.tsv" $k) || exit 1
		printf '%s\t%s\n' "$k" "$v"
	done
} >"$tmp/report.tsv" || exit 1

# Runs a program of simbal's, its messages augreport's: they name the
# figures where they go, not the directory they are drawn in.
tool() {
	"$@" 2>"$tmp/tool.err"
	local st=$?
	OURS_IN=$stage/ OURS_IN_TO=$out/report/ ours "$1" <"$tmp/tool.err" >&2
	return $st
}

# The figures, drawn aside first (in the report directory, so that they
# are renamed in, not copied), then moved in: a failure to draw one leaves
# the report directory as it was.
err=$(mkdir -p -- "$out/report" 2>&1) || die "$out/report: cannot create: $(reason "$err")"
err=$(mktemp -d "$out/report/.augreport.XXXXXX" 2>&1) || die "$out/report: cannot create: $(reason "$err")"
stage=$err
# The original set: a final set less the kept images of its step, which
# augcls.mk appended to it.
kept_of() {
	local step
	step=$(cat "$out/${1}final.step") || die "$out: no ${1}final.step"
	[ -f "$out/$1$step/kept.tsv" ] || die "$out/$1$step/kept.tsv: missing"
	printf '%s' "$out/$1$step/kept.tsv"
}
kept=$(kept_of "${gens[0]}") || exit 1
final=$out/${gens[0]}final.tsv
head -n $(($(wc -l <"$final") - $(wc -l <"$kept"))) "$final" >"$tmp/orig.tsv"
tool classcount --plot "$stage/hist-before.png" --title 'images per class, before' "$tmp/orig.tsv" \
	>/dev/null || exit 1
# Each generator's: the set after, the images kept.
for g in "${gens[@]}"; do
	p=$(prefix "$g")
	kept=$(kept_of "$g") || exit 1
	tool classcount --plot "$stage/${p}hist-after.png" \
		--title "images per class, after $([ -z "$g" ] && echo GM || echo GD)-augCls" \
		"$out/${g}final.tsv" >/dev/null || exit 1
	if [ -s "$kept" ]; then
		tool imgcat "$kept" >"$tmp/kept.pam" &&
			tool imgrid --per-label "$per_class" -n "$per_class" --captions -o "$stage/${p}kept.png" \
				"$tmp/kept.pam" || exit 1
	fi
done

figures="hist-before hist-after kept gd-hist-after gd-kept"

# The page: the table and the figures inline (base64), nothing fetched.
html_escape() {
	sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'
}

write_html() {
	local f
	printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>GM-augCls: %s</title></head><body>\n' \
		"$(printf '%s' "$out" | html_escape)"
	printf '<h1>GM-augCls: %s</h1>\n<table border="1">\n' "$(printf '%s' "$out" | html_escape)"
	printf '<tr><th>method</th><th>top-1</th><th>balanced</th><th>gain %%</th></tr>\n'
	awk -F'\t' '$1 == "method" { printf "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", $2, $3, $4, $5 }' \
		"$tmp/report.tsv"
	printf '</table>\n<p>'
	awk -F'\t' '$1 == "step" { printf "%s top-1 %s; ", $2, $3 } $1 == "gd-step" { printf "gd-%s top-1 %s; ", $2, $3 }
		$1 == "budget" { printf "every classifier %s %s; ", $3, $2 }
		$1 == "mergecls" || $1 == "supsubcls" || $1 == "argmax" { printf "%s %s; ", $1, $2 }' \
		"$tmp/report.tsv" | html_escape
	printf '</p>\n'
	for f in $figures; do
		[ -s "$stage/$f.png" ] || continue
		printf '<h2>%s</h2>\n<img alt="%s" src="data:image/png;base64,%s">\n' "$f" "$f" \
			"$(base64 -w 0 "$stage/$f.png")"
	done
	printf '</body></html>\n'
}

# The page: written whole, then copied where it goes, so that a write
# error is one line, cat's reason.  The file is opened out of the command
# substitution, where /dev/stdout would be the substitution's own.
if [ -n "$html" ]; then
	write_html >"$tmp/page.html" || die "$tmp/page.html: write error"
	err="cannot open it"
	{ err=$(cat "$tmp/page.html" 2>&1 >&3); } 3>"${htmp:-$hdest}" 2>/dev/null ||
		die "$html: ${err#cat: }"
	[ -z "$htmp" ] || chmod "$(printf %o $((0666 & ~0$(umask))))" "$htmp"
fi
# A figure of a run before that this one did not draw (no image kept, a
# generator no longer in OUT) goes.
for f in $figures; do
	rm -f "$out/report/$f.png"
done
mv "$stage"/*.png "$out/report/" || die "$out/report: cannot move the figures in"
[ -z "$htmp" ] || mv "$htmp" "$hdest" || die "$html: cannot rename into place"
emit cat -- "$tmp/report.tsv"
