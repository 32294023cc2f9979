#!/usr/bin/env bats
# imgls DIR: an ImageFolder tree as a manifest, path<TAB>class, sorted
# bytewise by class, then path.

load helper
bats_require_minimum_version 1.5.0

# Work in a directory of our own: bats keeps its own files (the stderr of
# run --separate-stderr) in BATS_TEST_TMPDIR.
setup() {
	mkdir "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w"
}

# A tree with nested directories, a class name with a space, classes whose
# bytewise order differs from the order of their paths ("a" < "a b" as
# classes, but "D/a b/" < "D/a/" as paths, since ' ' < '/'), an upper-case
# class (sorts before lower case bytewise), and JPEG, PAM, PGM besides PNG.
make_mixed_tree() {
	local d=$1
	mkdir -p "$d/a/sub/deep" "$d/a b" "$d/Zeta" "$d/dog/x"
	make_png "$d/a/2.png" 4 3
	make_png "$d/a/10.png" 4 3
	pgmramp -lr 5 4 | cjpeg >"$d/a/sub/deep/p.jpg"
	make_rgb_png "$d/a b/1.png" 6 2
	pgmramp -tb 3 3 | pamtopam >"$d/Zeta/z.pam"
	pgmramp -tb 3 3 >"$d/dog/x/plain.pgm"
	# Recognised by content, not by name.
	make_png "$d/dog/x.txt" 2 2
	echo 'not an image' >"$d/dog/y.png"
}

mixed_manifest() {
	local d=$1
	printf '%s\t%s\n' \
		"$d/Zeta/z.pam" Zeta \
		"$d/a/10.png" a \
		"$d/a/2.png" a \
		"$d/a/sub/deep/p.jpg" a \
		"$d/a b/1.png" "a b" \
		"$d/dog/x.txt" dog \
		"$d/dog/x/plain.pgm" dog
}

@test "imgls: standard options" {
	check_standard_options imgls
}

@test "imgls: the example tree of the helper, exact" {
	make_tree T
	run --separate-stderr imgls T
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(printf '%s\t%s\n' T/a/1.png a T/a/2.png a T/a/3.png a \
		T/b/1.png b T/b/2.png b T/c/1.png c)"
}

@test "imgls: nested dirs, spaces, JPEG/PAM/PGM, content sniffing, bytewise order" {
	make_mixed_tree D
	run --separate-stderr imgls D
	assert_success
	assert_output "$(mixed_manifest D)"
	# One warning, counting the one text file named y.png.
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgls: warning: .* 1 non-image'
}

@test "imgls: non-images are counted in one warning, stdout stays exact" {
	make_tree T
	echo hello >T/a/notes.txt
	echo hello >T/b/fake.png
	: >T/c/empty.jpg
	printf 'P' >T/c/short.pam
	run --separate-stderr imgls T
	assert_success
	assert_output "$(printf '%s\t%s\n' T/a/1.png a T/a/2.png a T/a/3.png a \
		T/b/1.png b T/b/2.png b T/c/1.png c)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgls: warning: .* 4 non-image'
}

@test "imgls: hidden files and directories are ignored, not counted" {
	make_tree T
	mkdir -p T/.git T/a/.cache
	make_png T/.git/x.png 2 2
	make_png T/a/.hidden.png 2 2
	make_png T/a/.cache/y.png 2 2
	echo junk >T/a/.DS_Store
	echo junk >T/.secret
	run --separate-stderr imgls T
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(printf '%s\t%s\n' T/a/1.png a T/a/2.png a T/a/3.png a \
		T/b/1.png b T/b/2.png b T/c/1.png c)"
}

@test "imgls: images directly in DIR are skipped with a warning" {
	make_tree T
	make_png T/stray.png 2 2
	run --separate-stderr imgls T
	assert_success
	assert_output "$(printf '%s\t%s\n' T/a/1.png a T/a/2.png a T/a/3.png a \
		T/b/1.png b T/b/2.png b T/c/1.png c)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgls: warning: .*1 image.*T'
}

@test "imgls: only images directly in DIR is no images: exit 1" {
	mkdir T
	make_png T/stray.png 2 2
	run --separate-stderr imgls T
	assert_failure 1
	assert_output ""
	assert_regex "${stderr_lines[-1]}" '^imgls: T: '
}

@test "imgls: a trailing slash on DIR gives no double slash" {
	make_tree T
	run --separate-stderr imgls T/
	assert_success
	assert_output "$(printf '%s\t%s\n' T/a/1.png a T/a/2.png a T/a/3.png a \
		T/b/1.png b T/b/2.png b T/c/1.png c)"
	run --separate-stderr imgls T//
	assert_success
	refute_output --partial //
}

@test "imgls: absolute DIR gives absolute paths" {
	make_tree T
	run --separate-stderr imgls "$PWD/T"
	assert_success
	assert_equal "${lines[0]}" "$(printf '%s\t%s' "$PWD/T/a/1.png" a)"
	assert_equal "${#lines[@]}" 6
}

@test "imgls: missing DIR: exit 1, names it" {
	run --separate-stderr imgls nope
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "imgls: nope: No such file or directory"
}

@test "imgls: DIR that is a file: exit 1" {
	make_png f.png 2 2
	run --separate-stderr imgls f.png
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgls: f\.png: '
}

@test "imgls: no images: exit 1" {
	mkdir -p E/a E/b
	echo text >E/a/readme.txt
	run --separate-stderr imgls E
	assert_failure 1
	assert_output ""
	assert_regex "${stderr_lines[-1]}" '^imgls: E: '
	mkdir Empty
	run --separate-stderr imgls Empty
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
}

@test "imgls: wrong argument count: exit 2" {
	run --separate-stderr imgls
	assert_failure 2
	assert_regex "$stderr" "Try 'imgls --help'"
	mkdir A B
	run --separate-stderr imgls A B
	assert_failure 2
	assert_output ""
	assert_regex "$stderr" "Try 'imgls --help'"
}

@test "imgls: a file name with a TAB: exit 1" {
	make_tree T
	make_png "T/a/x	y.png" 2 2
	run --separate-stderr imgls T
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgls: .*TAB'
}

@test "imgls: a class directory ending in a carriage return: exit 1, no manifest" {
	# what mkdir of the lines of a DOS text file makes
	make_tree T
	mkdir "T/$(printf 'd\r')"
	make_png "T/$(printf 'd\r')/1.png" 2 2
	run --separate-stderr imgls T
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" 'imgls: T/d\r: class name ends with a carriage return; a manifest cannot hold it'
	# deeper down, such a name is only part of a path, which readers take
	rmdir "T/$(printf 'd\r')" 2>/dev/null || rm -r "T/$(printf 'd\r')"
	mkdir "T/a/$(printf 'x\r')"
	make_png "T/a/$(printf 'x\r')/1.png" 2 2
	imgls T >m.tsv
	classcount m.tsv
}

@test "imgls: a class directory with a TAB: exit 1" {
	make_tree T
	mkdir "T/c	d"
	make_png "T/c	d/1.png" 2 2
	run --separate-stderr imgls T
	assert_failure 1
	assert_output ""
	assert_regex "$stderr" '^imgls: .*TAB'
}

@test "imgls: write error: exit 1" {
	make_tree T
	run --separate-stderr bash -c 'imgls T >/dev/full'
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^imgls: .*write error'
}

@test "imgls: broken symbolic links and links back up are skipped with warnings" {
	mkdir -p t/a
	make_png t/a/1.png 4 3
	ln -s nowhere t/a/gone.png
	ln -s self t/a/self
	ln -s .. t/a/up
	ln -s ../a t/a/again
	run --separate-stderr imgls t
	assert_success
	assert_output "$(printf 't/a/1.png\ta')"
	[ "${stderr_lines[0]}" = "imgls: warning: skipped 1 broken symbolic link" ]
	[ "${stderr_lines[1]}" = "imgls: warning: skipped 3 symbolic link loops (a link back to a directory above it, or through links to itself)" ]
}

@test "imgls: a link to a directory above DIR, / say, is a loop: nothing outside DIR is walked" {
	mkdir -p above/t/a
	cd above
	make_png t/a/1.png 4 3
	make_png outside.png 4 3
	ln -s / t/a/root
	ln -s "$PWD" t/a/here
	ln -s ../../.. t/a/up
	ln -s one t/a/two
	ln -s two t/a/one
	run --separate-stderr timeout 60 imgls t
	assert_success
	assert_output "$(printf 't/a/1.png\ta')"
	[ "$stderr" = "imgls: warning: skipped 5 symbolic link loops (a link back to a directory above it, or through links to itself)" ]
}
