# Loaded by every tests/*.bats: assertions, the programs under test on PATH,
# and fixture makers.
bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${SIMBAL_BIN:=$BATS_TEST_DIRNAME/../build/bin}"
PATH="$SIMBAL_BIN:$PATH"
export LC_ALL=C

# A bad-usage failure: exit 2 and a pointer to --help.
assert_usage_error() {
	assert_failure 2
	assert_output --partial "Try '"
}

# Every program: --help, --version, an unknown option.
check_standard_options() {
	local prog=$1
	run "$prog" --help
	assert_success
	assert_output --partial "Usage: $prog"
	run "$prog" --version
	assert_success
	assert_output --regexp "^$prog \(simbal\) [0-9]"
	run "$prog" --no-such-option
	assert_usage_error
	assert_line --index 0 "$prog: unrecognized option '--no-such-option'"
}

# Writes a gray 8-bit PNG of W x H with a gradient (-force: no palette or
# bit-depth reduction); extra args go to pnmtopng.
make_png() {
	local out=$1 w=$2 h=$3
	shift 3
	pgmramp -diagonal "$w" "$h" | pnmtopng -force "$@" >"$out"
}

# Writes a colour PNG of W x H (pnmtopng picks a palette for so few colours
# unless -force is given).
make_rgb_png() {
	local out=$1 w=$2 h=$3
	shift 3
	ppmrainbow -width="$w" -height="$h" red green blue 2>/dev/null | pnmtopng "$@" >"$out"
}

# The offset of JPEG $1's first marker segment of type $2 (a decimal byte:
# 192 SOF0, 194 SOF2, 218 SOS), walking the segments from SOI; with $3, the
# offset of the first marker $2 after byte $3 (an RSTn inside a scan, where
# any other 0xff byte is followed by 0).
jpeg_marker_at() {
	od -An -v -tu1 "$1" | tr -s ' ' '\n' | grep . | awk -v m="$2" -v from="${3:--1}" '
		{ b[n++] = $1 }
		END {
			if (from >= 0) {
				for (i = from; i + 1 < n; i++)
					if (b[i] == 255 && b[i + 1] == m) { print i; exit }
				exit
			}
			for (i = 2; i + 3 < n && b[i] == 255; i += 2 + b[i + 2] * 256 + b[i + 3])
				if (b[i + 1] == m) { print i; exit }
		}'
}

# Patches the frame header (SOF0 or SOF2) of JPEG $1 to declare $2 x $3
# pixels; the scans stay as they are.
jpeg_declare() {
	local f=$1 w=$2 h=$3 at
	at=$(jpeg_marker_at "$f" 192)
	[ -n "$at" ] || at=$(jpeg_marker_at "$f" 194)
	printf "$(printf '\\x%02x' $((h >> 8)) $((h & 255)) $((w >> 8)) $((w & 255)))" |
		dd of="$f" bs=1 seek=$((at + 5)) conv=notrunc 2>/dev/null
}

# A small ImageFolder tree under $1: classes a (3 images), b (2), c (1).
make_tree() {
	local d=$1
	mkdir -p "$d/a" "$d/b" "$d/c"
	make_png "$d/a/1.png" 8 6
	make_png "$d/a/2.png" 8 6
	make_png "$d/a/3.png" 8 6
	make_rgb_png "$d/b/1.png" 8 6
	make_rgb_png "$d/b/2.png" 8 6
	make_png "$d/c/1.png" 8 6
}

# split_set NAME CLASS:N...: NAME.tsv, N images of each class of the
# examples (under NAME/data), and NAME.val.tsv, 3 others of each (under
# NAME/val).
split_set() {
	local d=$1 c n f ex="$BATS_TEST_DIRNAME/../examples/fashion-lt"
	shift
	for c in "$@"; do
		n=${c#*:} c=${c%:*}
		mkdir -p "$d/data/$c" "$d/val/$c"
		for f in $(ls "$ex/$c" | head -n "$n"); do cp "$ex/$c/$f" "$d/data/$c/"; done
		for f in $(ls "$ex/$c" | tail -n 3); do cp "$ex/$c/$f" "$d/val/$c/"; done
	done
	imgls "$d/data" >"$d.tsv"
	imgls "$d/val" >"$d.val.tsv"
}

# setup of the pipelines' suites: a directory of the test's own, BIN the
# programs' absolute path, TAB, and no make variables of a calling make
# (make's own messages then say "make:").
pipeline_setup() {
	mkdir -p "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w"
	BIN=$(cd "$SIMBAL_BIN" && pwd)
	TAB=$'\t'
	unset MAKEFLAGS MFLAGS MAKELEVEL
}

# The first N images of each CLASS:N of examples/fashion-lt under
# data/CLASS/, and their manifest m.tsv.
copy_examples() {
	local c n f ex="$BATS_TEST_DIRNAME/../examples/fashion-lt"
	for c in "$@"; do
		n=${c#*:} c=${c%:*}
		mkdir -p "data/$c"
		for f in $(ls "$ex/$c" | head -n "$n"); do
			cp "$ex/$c/$f" "data/$c/"
		done
	done
	imgls data >m.tsv
}

# A small training set: the first N (default 8) images of Trouser, Bag
# and Sneaker.
make_cls_set() {
	local n=${1:-8}
	copy_examples "Trouser:$n" "Bag:$n" "Sneaker:$n"
}

# The options of a tiny, fast classifier for the tests.
TINY=(--arch resnet20 --width-mult 0.25 --size 12x12 --batch 8 -q)

# setup_file of the suites that use a trained model: a tiny one on
# make_cls_set's images, and setup copying both into each test's directory.
train_tiny_model() {
	cd "$BATS_FILE_TMPDIR"
	make_cls_set
	clstrain "${TINY[@]}" -e 2 -o model.ckpt m.tsv
}

copy_tiny_model() {
	cd "$BATS_TEST_TMPDIR"
	cp -r "$BATS_FILE_TMPDIR/data" "$BATS_FILE_TMPDIR/m.tsv" "$BATS_FILE_TMPDIR/model.ckpt" .
}

# Appends to checkpoint file f the CRC-32 of all its bytes, as a
# checkpoint ends (gzip's trailer holds zlib's CRC-32, little-endian).
append_crc() {
	gzip -c "$1" | tail -c 8 | head -c 4 >>"$1"
}

# The 4 bytes of $1, little-endian.
le32() {
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)))"
}

# The value of KEY's line in the header of checkpoint FILE: header_line
# FILE KEY.
header_line() {
	local hlen
	hlen=$(od -An -tu4 -j12 -N4 "$1" | tr -d ' ')
	tail -c +17 "$1" | head -c "$hlen" | awk -F'\t' -v k="$2" '$1 == k { print $2 }'
}

# A copy of checkpoint IN as OUT, its header (simbal-checkpoint(5)) edited
# by the sed script SCRIPT, its length and CRC made to match.
edit_header() {
	local in=$1 out=$2 script=$3 n hlen
	n=$(stat -c %s "$in")
	hlen=$(od -An -tu4 -j12 -N4 "$in" | tr -d ' ')
	tail -c +17 "$in" | head -c "$hlen" | sed "$script" >"$out.header"
	{
		head -c 12 "$in"
		le32 "$(stat -c %s "$out.header")"
		cat "$out.header"
		tail -c +$((17 + hlen)) "$in" | head -c $((n - 20 - hlen))
	} >"$out"
	rm "$out.header"
	append_crc "$out"
}

# A copy of checkpoint IN as OUT whose last number (the last tensor's last
# float) is NaN, its CRC made to match.
nan_last_number() {
	local n
	n=$(stat -c %s "$1")
	head -c $((n - 8)) "$1" >"$2"
	printf '\000\000\300\177' >>"$2"
	append_crc "$2"
}

# The suites that scale out with GNU parallel: skip without it, and a HOME
# of the test's own (GNU parallel keeps state under ~/.parallel).
need_parallel() {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
}

# Hosts for GNU parallel's -S without remote machines: a stand-in for ssh,
# $PWD/fakessh, in PARALLEL_SSH.  GNU parallel reaches a host by running
# "$PARALLEL_SSH HOST -- exec COMMAND...", ssh joining the words after the
# host into one command line for the remote shell (rsync, for --basefile,
# runs "$PARALLEL_SSH HOST rsync --server ...").  The stand-in logs "HOST
# WORD" (the line's second word: perl, GNU parallel's worker, runs a job)
# to $PWD/hosts.log and runs the line here, in $PWD/hosts/HOST, the host's
# login directory (paths must be absolute, or copied there), and with a
# PATH and a SHELL of its own, as sshd gives a host with simbal installed
# (GNU parallel's remote worker runs the job with $SHELL: where it is
# unset, as it may be where the tests run, the job does nothing).
fake_ssh() {
	cat >fakessh <<SH
#!/bin/sh
host=\$1
shift
[ "\$1" = -- ] && shift
echo "\$host \$2" >>"$PWD/hosts.log"
mkdir -p "$PWD/hosts/\$host" && cd "$PWD/hosts/\$host" &&
	PATH="$SIMBAL_BIN:/usr/bin:/bin" SHELL=/bin/sh exec sh -c "\$*"
SH
	chmod +x fakessh
	export PARALLEL_SSH=$PWD/fakessh
}

# After a run over fake_ssh's hosts h1 and h2: each ran a job ("perl ...",
# GNU parallel's worker) and holds a copy of each FILE (--basefile) given.
assert_both_hosts_worked() {
	local f h
	for h in h1 h2; do
		for f in "$@"; do
			cmp "$f" "hosts/$h/$f"
		done
		grep -qx "$h perl" hosts.log
	done
}

# A test that limits address space (ulimit -v) cannot run PROG under
# AddressSanitizer or valgrind (make valgrind's wrappers), which reserve
# more than any such limit: skipped there, and said so.
skip_if_address_space_tools() {
	local path
	path=$(command -v "$1")
	if grep -q __asan_init "$path"; then
		skip "AddressSanitizer reserves more address space than the limit"
	fi
	if grep -q '^exec "[^"]*valgrind" ' "$path"; then
		skip "valgrind reserves more address space than the limit"
	fi
}

# A small Fashion-MNIST set: the first images of five classes (Trouser 8,
# Dress 6, Sandal 8, Sneaker 6, Bag 6) and a hierarchy hier.tsv with Sandal
# and Sneaker in one super-class.
make_small() {
	copy_examples Trouser:8 Dress:6 Sandal:8 Sneaker:6 Bag:6
	printf 'Trouser\tlegs\nDress\tbody\nSandal\tfootwear\nSneaker\tfootwear\nBag\tBag\n' >hier.tsv
}

# The command line CMD (run by bash) fails with PROG's own message when
# its standard output is a full disk, and when it is closed: exit 1.
assert_write_errors() {
	local prog=$1 cmd=$2
	run --separate-stderr bash -c "$cmd >/dev/full"
	[ "$status" -eq 1 ] || fail "$cmd >/dev/full: status $status"
	[ "$stderr" = "$prog: write error: No space left on device" ] || fail "$cmd >/dev/full: $stderr"
	run --separate-stderr bash -c "$cmd >&-"
	[ "$status" -eq 1 ] || fail "$cmd >&-: status $status"
	[ "$stderr" = "$prog: write error: Bad file descriptor" ] || fail "$cmd >&-: $stderr"
}
