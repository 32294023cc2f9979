#!/bin/sh
# Checks man pages as each formatter reads them: mandoc's lint, groff -ww
# (what man-db formats with) and man -l itself, for UTF-8 and for ASCII
# terminals.  mandoc misses some of groff's failures, e.g. a word that is an
# mdoc macro's name in a parsed argument (".%T An Algorithm ..." calls .An
# and drops the reference).  A page must also be ASCII, other characters
# written as escapes (\('e, \(S2): groff without preconv reads its bytes as
# Latin-1.  Prints each diagnostic as "manlint: PAGE: ..." and exits 1 if
# there was any (make lint, tests/man.bats).
set -u
for tool in mandoc groff man; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "manlint: $tool not found (scripts/deps.sh installs it)" >&2
		exit 2
	}
done
[ $# -gt 0 ] || {
	echo "manlint: usage: manlint.sh PAGE..." >&2
	exit 2
}

# The diagnostics of PAGE, one a line, none if it is clean.
diagnose() {
	mandoc -T lint -W warning "$1" 2>&1
	groff -mandoc -ww -z -Tutf8 "$1" 2>&1
	# 80 columns whatever the terminal's: groff 1.22.4 loops forever on a
	# page header wider than the line (simbal(7) below 46 columns)
	{ MANWIDTH=80 LC_ALL=C.UTF-8 man -l "$1" >/dev/null; } 2>&1
	{ MANWIDTH=80 LC_ALL=C man -l "$1" >/dev/null; } 2>&1
	LC_ALL=C grep -n '[^	 -~]' "$1" | sed 's/^\([0-9]*\):.*/line \1: a character outside ASCII/'
}

status=0
for page; do
	diagnose "$page" | sed "s|^|manlint: $page: |" | grep . >&2 && status=1
done
exit $status
