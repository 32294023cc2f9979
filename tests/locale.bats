#!/usr/bin/env bats
# Numbers do not depend on the locale: the demo, ssimcls, augreport and
# the pipelines give under de_DE.UTF-8, whose decimal separator is a
# comma, the very bytes they give in C.

load helper

TOP="$BATS_TEST_DIRNAME/.."

# A de_DE.UTF-8 of the suite's own (a fresh machine has none installed):
# compiled by localedef from the sources of Debian's locales package into
# a directory that LOCPATH names, nothing under /etc or /usr touched.
setup_file() {
	export LOCPATH="$BATS_FILE_TMPDIR/locales"
	mkdir -p "$LOCPATH"
	localedef --quiet -i de_DE -f UTF-8 "$LOCPATH/de_DE.UTF-8" || [ -d "$LOCPATH/de_DE.UTF-8" ]
}

setup() {
	pipeline_setup
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	# The locale is real: a comparison that passes for want of it would
	# prove nothing.
	[ "$(comma printf '%.1f' 0.5)" = "0,5" ]
	[ "$(comma awk 'BEGIN { printf "%.2f", 1 / 4 }')" = "0,25" ]
	[ "$(printf '0.8\n' | comma awk '{ print $1 * 10 }')" = 0 ]
}

# COMMAND under the comma locale, as a user who has it set would run it.
comma() {
	env LC_ALL=de_DE.UTF-8 "$@"
}

@test "locale: the demo says what it says in C" {
	# The demo's build directory: the programs under test, its output
	# beside them.
	mkdir build
	ln -s "$BIN" build/bin
	(cd "$TOP" && scripts/demo.sh "$BATS_TEST_TMPDIR/w/build") >c.txt
	mv build/demo c
	(cd "$TOP" && comma scripts/demo.sh "$BATS_TEST_TMPDIR/w/build") >de.txt
	diff c.txt de.txt
	diff -r c build/demo
	grep -Eq '^== advice: SSIM-supSubCls is 0\.[0-9]{4} \(super-class [^)]+\)\.$' de.txt
	grep -Eq 'top-1 gain of [0-9]+\.[0-9]%' de.txt
}


@test "locale: ssimcls and metric.mk give the bytes they give in C" {
	make_small
	ssimcls -H hier.tsv --groups m.tsv >c.tsv
	comma ssimcls -H hier.tsv --groups m.tsv >de.tsv
	cmp c.tsv de.tsv
	grep -Eq "^supsubcls$TAB"'0\.[0-9]+$' de.tsv
	if command -v parallel >/dev/null; then
		comma ssimcls -j 2 -H hier.tsv --groups m.tsv >de2.tsv
		cmp c.tsv de2.tsv
	fi
	# K a fraction, the SSIMs over two jobs where GNU parallel is
	metric() {
		"$@" make --no-print-directory -f "$TOP/pipelines/metric.mk" BIN="$BIN" DATA=m.tsv \
			HIER=hier.tsv K=1.5 $(command -v parallel >/dev/null && echo JOBS=2) OUT=out >/dev/null
	}
	mkdir c de
	(cd c && ln -s ../data ../m.tsv ../hier.tsv . && metric)
	(cd de && ln -s ../data ../m.tsv ../hier.tsv . && metric comma)
	diff -r c/out de/out
}

# The tiny GM-augCls run of tests/augcls.bats, in directory DIR of its own
# (the manifests name the images by relative paths): DIR/out.
augcls_in() {
	local dir=$1
	shift
	mkdir -p "$dir"
	(cd "$dir" && split_set m Trouser:10 Bag:5 Sneaker:3 &&
		"$@" make --no-print-directory -f "$TOP/pipelines/augcls.mk" BIN="$BIN" \
			DATA=m.tsv VAL=m.val.tsv OUT=out EPOCHS=1 KIMG=0.064 ALPHA=0.3 EPS=-1 \
			GANTRAIN="--size 12 --width-mult 0.5 --batch 16" \
			CLSTRAIN="--size 12x12 --width-mult 0.25 --batch 8" augcls baselines >/dev/null 2>&1)
}

@test "locale: augcls.mk and augreport give the bytes they give in C" {
	augcls_in c
	augcls_in de comma
	# every file of the run: manifests, evaluations, steps, checkpoints;
	# the logs but for their last field, the seconds taken
	diff -r -x '*.log' c/out de/out
	for f in $(cd c/out && find . -name '*.log'); do
		diff <(sed 's/\t[^\t]*$//' c/out/$f) <(sed 's/\t[^\t]*$//' de/out/$f)
	done
	grep -Eq "^s2$TAB"'0\.[0-9]+$' de/out/steps.tsv
	(cd c && augreport --html page.html out) >c.txt
	(cd de && comma augreport --html page.html out) >de.txt
	cmp c.txt de.txt
	cmp c/page.html de/page.html
	diff -r c/out/report de/out/report
}

@test "locale: study.mk gives the points, the fit and the curve it gives in C" {
	split_set a Trouser:10 Bag:5 Sneaker:3
	printf '%s\ta.tsv\ta.val.tsv\n' a b c >study.tsv
	# One real run, twice copied (the copies up to date: the same data
	# and parameters), then SSIM-supSubCls and top-1s made up for points
	# (0.15, 12.5%), (0.2, 5%), (0.25, 2.5%): a comma locale would read
	# the top-1s as 0, and write a gain of 0/0.
	make --no-print-directory -f "$TOP/pipelines/study.mk" BIN="$BIN" STUDY=study.tsv OUT=out \
		EPOCHS=1 KIMG=0.064 STEPS=1 GANTRAIN="--size 12 --width-mult 0.5 --batch 16" \
		CLSTRAIN="--size 12x12 --width-mult 0.25 --batch 8" out/a/point.tsv >/dev/null 2>&1
	cp -rp out/a out/b
	cp -rp out/a out/c
	local n t x
	for n in a b c; do
		printf 'top1\t0.8\nbalanced\t0.8\ngmean\t0\nn\t9\n' >out/$n/c0.eval
		case $n in a) x=0.15 t=0.9 ;; b) x=0.2 t=0.84 ;; c) x=0.25 t=0.82 ;; esac
		sed -i "s/^supsubcls\t.*/supsubcls\t$x/" out/$n/metric.tsv
		printf 'top1\t%s\nbalanced\t%s\ngmean\t0\nn\t9\n' $t $t >out/$n/s1/cls.eval
	done
	cp -rp . ../de
	run_study() {
		"$@" make --no-print-directory -f "$TOP/pipelines/study.mk" BIN="$BIN" STUDY=study.tsv \
			OUT=out EPOCHS=1 KIMG=0.064 STEPS=1 GANTRAIN="--size 12 --width-mult 0.5 --batch 16" \
			CLSTRAIN="--size 12x12 --width-mult 0.25 --batch 8"
	}
	run_study
	(cd ../de && run_study comma)
	[ "$(paste -sd ' ' out/points.tsv)" = "a${TAB}0.15${TAB}12.5 b${TAB}0.2${TAB}5 c${TAB}0.25${TAB}2.5" ]
	for f in points.tsv positive.tsv fit.tsv curve.png; do
		cmp out/$f ../de/out/$f
	done
}
