#!/usr/bin/env bats
# The man pages: clean as mandoc, groff and man -l read them, one for every
# program, and naming every long option the program's --help lists.

load helper

TOP=$BATS_TEST_DIRNAME/..

# The programs: bin/NAME.c and bin/NAME.sh.
programs() {
	local f
	for f in "$TOP"/bin/*.c "$TOP"/bin/*.sh; do
		f=${f##*/}
		echo "${f%.*}"
	done
}

@test "man: every page is clean under mandoc -T lint, groff -ww and man -l" {
	run "$TOP/scripts/manlint.sh" "$TOP"/man/man*/*.[1-9]
	assert_success
	assert_output ''
}

@test "man: the check fails on what only groff sees, and on non-ASCII" {
	cd "$BATS_TEST_TMPDIR"
	# ".%T An ..." calls mdoc's .An: groff drops the reference, mandoc is silent.
	cat >t.1 <<'EOF'
.Dd May 1, 2024
.Dt T 1
.Os
.Sh NAME
.Nm t
.Nd a test
.Sh SEE ALSO
.Rs
.%A Donald W. Marquardt
.%T An Algorithm for Least-Squares Estimation of Nonlinear Parameters
.%D 1963
.Re
EOF
	run mandoc -T lint -W warning t.1
	assert_success
	assert_output ''
	run "$TOP/scripts/manlint.sh" t.1
	assert_failure 1
	assert_output --partial "manlint: t.1: troff: t.1:12: cannot chop empty macro"
	sed 's/^\.%T An/.%T \\\&An/; s/Marquardt/Marqu\xc3\xa9rdt/' t.1 >u.1
	run "$TOP/scripts/manlint.sh" u.1
	assert_failure 1
	assert_output "manlint: u.1: line 9: a character outside ASCII"
}

@test "man: expfit(1) as man shows it names both its references" {
	run bash -c "MANWIDTH=80 man -l '$TOP/man/man1/expfit.1' 2>/dev/null | col -b"
	assert_success
	assert_output --partial "Chenqi Guo"
	assert_output --partial "Donald W. Marquardt, \"An Algorithm for Least-Squares Estimation of"
}

@test "man: every program has a section 1 page, every section 1 page a program" {
	local p
	cd "$BATS_TEST_TMPDIR"
	for p in $(programs); do
		[ -f "$TOP/man/man1/$p.1" ] || echo "$p has no man/man1/$p.1"
	done >missing
	for p in "$TOP"/man/man1/*.1; do
		p=${p##*/}
		programs | grep -qx "${p%.1}" || echo "man/man1/$p has no program"
	done >>missing
	run cat missing
	assert_output ''
}

@test "man: every long option of a program's --help is in its page" {
	local p o page
	cd "$BATS_TEST_TMPDIR"
	for p in $(programs); do
		page=$(mandoc -T ascii "$TOP/man/man1/$p.1" | col -b)
		for o in $("$p" --help | grep -oE -- '--[[:alnum:]][-[:alnum:]]*' | sort -u); do
			grep -qF -- "$o" <<<"$page" || echo "$p: $o is not in $p(1)"
		done
	done >missing
	run cat missing
	assert_output ''
}
