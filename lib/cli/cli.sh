# The messages and exit codes of simbal's shell front-ends, as base/err
# gives them to the C programs: the build puts this file in place of a
# script's line @CLI_SH@.  $prog is the program's name.

die_usage() {
	printf '%s: %s\nTry '\''%s --help'\'' for more information.\n' "$prog" "$1" "$prog" >&2
	exit 2
}

die() {
	printf '%s: %s\n' "$prog" "$1" >&2
	exit 1
}

# Runs "$@", its output ours: a write error (a full disk, a closed
# standard output) is one line of the program's own and exit 1, with the
# reason the tool gave, rather than the tool's message and, for a shell
# builtin, status 0.  Duplicating the standard output fails only when it
# is closed: then the reason is EBADF's.
emit() {
	local err="Bad file descriptor"
	{ err=$("$@" 2>&1 >&3 3>&-) && return; } 2>/dev/null 3>&1
	die "write error: ${err##*: }"
}
