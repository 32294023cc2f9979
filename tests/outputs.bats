#!/usr/bin/env bats
# Output files and trees, whatever program writes them: complete or absent,
# and never a device, FIFO or symbolic link replaced by a regular file.

load helper

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w"
	make_png a.png 6 4
	printf 'a.png\tx\n' >m.tsv
	imgcat m.tsv >s.pam
}

@test "outputs: -o FIFO is written in place, the FIFO stays" {
	mkfifo f
	timeout 20 cat f >got.png &
	run imgrid -o f s.pam
	assert_success
	wait
	[ -p f ]
	run bash -c 'pngtopam got.png | pamfile'
	assert_output --partial "10 by 8"
}

@test "outputs: -o through a symbolic link replaces the file, keeps the link" {
	echo old >real.png
	ln -s real.png link.png
	run imgrid -o link.png s.pam
	assert_success
	[ -L link.png ]
	[ "$(readlink link.png)" = real.png ]
	run bash -c 'pngtopam real.png | pamfile'
	assert_output --partial "10 by 8"
	[ "$(ls -A | grep -c '^\.')" -eq 0 ]
}

@test "outputs: -o naming a directory is refused before any work" {
	mkdir d
	run --separate-stderr imgrid -o d s.pam
	assert_failure 1
	[ "$stderr" = "imgrid: d: is a directory" ]
	[ -z "$(ls -A d)" ]
}

@test "outputs: a failed run leaves an existing output untouched" {
	echo keep >out.png
	run imgrid -o out.png /dev/null
	assert_failure 1
	[ "$(cat out.png)" = keep ]
	[ "$(ls -A | grep -c '^\.')" -eq 0 ]
}

@test "outputs: imgsplit DIR with a TAB is a usage error, nothing made" {
	run --separate-stderr imgsplit "$(printf 'o\tt')" s.pam
	assert_failure 2
	[[ "${stderr_lines[0]}" == *"a TAB or newline in DIR cannot be written to a manifest" ]]
	[ "$(ls -A | sort | tr '\n' ' ')" = "a.png m.tsv s.pam " ]
}

@test "outputs: imgsplit DIR that is a symbolic link is refused at once" {
	mkdir target
	ln -s target link
	run --separate-stderr imgsplit link s.pam
	assert_failure 1
	[ "$stderr" = "imgsplit: link: is a symbolic link; give the directory itself" ]
	[ -z "$(ls -A target)" ]
}

@test "outputs: SIGTERM during an import leaves no directory behind" {
	d=/usr/share/datasets/fashion-mnist
	idx2png -q $d/train-images-idx3-ubyte.gz $d/train-labels-idx1-ubyte.gz O >/dev/null &
	pid=$!
	# Wait until the staged directory exists, then stop the import.
	for _ in $(seq 100); do
		ls -A | grep -q '^\.O\.' && break
		sleep 0.05
	done
	ls -A | grep -q '^\.O\.'
	kill -TERM $pid
	st=0
	wait $pid || st=$?
	[ "$st" -eq 143 ]
	[ ! -e O ]
	[ "$(ls -A | grep -c '^\.')" -eq 0 ]
}

# Each command line on stdin exits with status WANT, the first line of
# its message matching the extended regular expression RE, and leaves
# nothing in the (empty) directory.
each_refused() {
	local want=$1 re=$2 cmd
	while IFS= read -r cmd; do
		run --separate-stderr bash -c "$cmd"
		[ "$status" -eq "$want" ] || fail "$cmd: exit $status: $stderr"
		[[ ${stderr_lines[0]} =~ $re ]] || fail "$cmd: $stderr"
		[ -z "$(ls -A)" ] || fail "$cmd: left $(ls -A)"
	done
}

@test "outputs: an empty output name is bad usage, refused before reading any input" {
	rm -f m.tsv s.pam a.png
	each_refused 2 ': empty file name$' <<'CMDS'
clstrain -o '' none.tsv
clstrain -o x.ckpt --best '' --val none.tsv none.tsv
clstrain -o x.ckpt --log '' none.tsv
gantrain -o '' none.tsv
gantrain -o g.ckpt --sheet '' none.tsv
gantrain -o g.ckpt --log '' none.tsv
clseval --confusion '' none.ckpt none.tsv
idx2png none.idx none.idx ''
imgsplit '' none.pam
imgrid -o '' none.pam
classcount --plot '' none.tsv
expfit --plot '' none.tsv
CMDS
}

@test "outputs: through a dangling symbolic link the file is made where it points, the link stays" {
	mkdir sub
	ln -s sub/real.png link.png
	run imgrid -o link.png s.pam
	assert_success
	[ -L link.png ]
	[ "$(readlink link.png)" = sub/real.png ]
	run bash -c 'pngtopam sub/real.png | pamfile'
	assert_output --partial "10 by 8"
	# a chain of links, the last dangling and relative to its own directory
	ln -s ../sub/two.png sub/hop.png
	ln -s sub/hop.png chain.png
	imgrid -o chain.png s.pam
	[ -L chain.png ]
	[ -L sub/hop.png ]
	[ -f sub/two.png ]
	[ "$(ls -A | grep -c '^\.')" -eq 0 ]
	[ "$(ls -A sub | grep -c '^\.')" -eq 0 ]
	# a link to a directory that does not exist, and a loop: refused
	ln -s nodir/x.png bad.png
	run --separate-stderr imgrid -o bad.png s.pam
	assert_failure 1
	[ "$stderr" = "imgrid: bad.png: cannot create: No such file or directory" ]
	ln -s loop1 loop2
	ln -s loop2 loop1
	run --separate-stderr imgrid -o loop1 s.pam
	assert_failure 1
	[ "$stderr" = "imgrid: loop1: Too many levels of symbolic links" ]
	[ -L loop1 ]
	[ -L loop2 ]
	[ -L bad.png ]
}

@test "outputs: a name ending in '/', or in a directory that does not exist, is refused before reading any input" {
	rm -f m.tsv s.pam a.png
	each_refused 1 ": (x/: a file name cannot end with '/'|no/x: cannot create: No such file or directory)$" <<'CMDS'
clstrain -o x/ none.tsv
clstrain -o x.ckpt --best x/ --val none.tsv none.tsv
clstrain -o x.ckpt --log x/ none.tsv
gantrain -o x/ none.tsv
gantrain -o g.ckpt --sheet x/ none.tsv
gantrain -o g.ckpt --log x/ none.tsv
clseval --confusion x/ none.ckpt none.tsv
imgrid -o x/ none.pam
imgrid -o no/x none.pam
classcount --plot x/ none.tsv
expfit --plot x/ none.tsv
CMDS
}

@test "outputs: a closed standard output is no error for a program that writes nothing to it" {
	run bash -c 'imgrid -o out.png s.pam >&-'
	assert_success
	assert_output ""
	run bash -c 'pngtopam out.png | pamfile'
	assert_output --partial "10 by 8"
	# one that writes to it fails, as before
	run bash -c 'imgcat m.tsv >&-'
	assert_failure 1
	assert_output "imgcat: write error: Bad file descriptor"
}

@test "outputs: an output naming another output, or an input, is bad usage, refused before any work" {
	cp m.tsv keep.tsv
	ln -s m.tsv link.tsv
	local cmd
	while IFS= read -r cmd; do
		run --separate-stderr bash -c "$cmd"
		[ "$status" -eq 2 ] || fail "$cmd: exit $status: $stderr"
		[[ "${stderr_lines[0]}" == *" are the same file, "*": "*" would replace the "* ]] ||
			fail "$cmd: $stderr"
		cmp m.tsv keep.tsv || fail "$cmd: changed m.tsv"
		[ "$(ls -A | tr '\n' ' ')" = "a.png keep.tsv link.tsv m.tsv s.pam " ] ||
			fail "$cmd: left $(ls -A)"
	done <<'CMDS'
clstrain -o x.ckpt --log x.ckpt m.tsv
clstrain -o x.ckpt --log ./x.ckpt m.tsv
clstrain -o x.ckpt --val m.tsv --best x.ckpt m.tsv
clstrain -o m.tsv m.tsv
clstrain -o link.tsv m.tsv
clstrain -o x.ckpt --log m.tsv --val link.tsv keep.tsv
gantrain -o g --sheet g m.tsv
gantrain -o g --log g.png m.tsv
gantrain -o g --log m.tsv m.tsv
clseval --confusion m.tsv none.ckpt m.tsv
imgrid -o s.pam s.pam
classcount --plot m.tsv keep.tsv link.tsv
expfit --plot m.tsv m.tsv
CMDS
}
