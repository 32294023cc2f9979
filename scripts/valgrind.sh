#!/usr/bin/env bash
# make valgrind: the bats suites of the core programs (the metric's chain,
# image I/O, the record filters) with every program under valgrind's
# memcheck: an invalid read or write, a use of uninitialised memory or a
# leak (definitely lost) is an error, exit 99, so the test fails, and its
# report is printed.  Ends with "N passed, M failed, K valgrind reports".
#   scripts/valgrind.sh BUILD [SUITE.bats...]
set -u
build=$(cd "${1:-build}" && pwd) || exit 2
shift
top=$(cd "$(dirname "$0")/.." && pwd)
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(imgcat imgsplit imgls imgpairs ssimpair meanreduce supgroup
	ssimcls longtail idx2png classcount expfit quota thresh)
# by its full name: a test may run a program with a PATH of its own
valgrind=$(command -v valgrind) || { echo "valgrind.sh: valgrind is not installed" >&2; exit 1; }

dir=$build/valgrind
rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/real" "$dir/logs"
# Each program becomes a script that runs a copy of it under valgrind (a
# copy, so that a rebuild during the long run changes nothing); the shell
# front-ends are copied, since they run the programs beside them.
for prog in "$build"/bin/*; do
	name=${prog##*/}
	if head -c 2 "$prog" | grep -q '^#!'; then
		cp "$prog" "$dir/bin/$name"
		continue
	fi
	cp "$prog" "$dir/real/$name"
	cat >"$dir/bin/$name" <<SH
#!/bin/sh
exec "$valgrind" -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \\
	--log-file="$dir/logs/$name.%p.log" "$dir/real/$name" "\$@"
SH
	chmod +x "$dir/bin/$name"
done

files=()
for s in "${suites[@]}"; do files+=("$top/tests/${s%.bats}.bats"); done
log=$dir/tap
SIMBAL_BIN=$dir/bin FIXTURES=$top/tests/fixtures bats --tap "${files[@]}" 2>&1 | tee "$log"
# With -q, valgrind writes a log only when it has something to report.
reports=0
for f in "$dir"/logs/*.log; do
	[ -s "$f" ] || continue
	reports=$((reports + 1))
	echo "# valgrind: $f"
	sed 's/^/#   /' "$f"
done
passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
echo "$passed passed, $failed failed, $reports valgrind reports"
[ "$failed" -eq 0 ] && [ "$reports" -eq 0 ] && [ "$passed" -gt 0 ]
