# The messages and exit codes of simbal's shell front-ends, as base/err
# gives them to the C programs: the build puts this file in place of a
# script's line @CLI_SH@.  $prog is the program's name; the script runs
# under LC_ALL=C (a character is a byte).

# $1 as base/err prints a message: a control character as its C escape
# (\n, \r, \t, else \ooo), so that a name with a newline in it does not
# break the one line a message is.
visible() {
	local s=$1 out= c e i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		$'\n') out+='\n' ;;
		$'\r') out+='\r' ;;
		$'\t') out+='\t' ;;
		[[:cntrl:]]) printf -v e '\\%03o' "'$c" && out+=$e ;;
		*) out+=$c ;;
		esac
	done
	printf '%s\n' "$out"
}

# A message of the program's own on the standard error.
say() {
	printf '%s: %s\n' "$prog" "$(visible "$1")" >&2
}

die_usage() {
	say "$1"
	printf 'Try '\''%s --help'\'' for more information.\n' "$prog" >&2
	exit 2
}

die() {
	say "$1"
	exit 1
}

# Runs "$@", its output ours: a write error (a full disk, a closed
# standard output) is one line of the program's own and exit 1, with the
# reason the command gave, rather than the command's message and, for a
# shell builtin, status 0.  The command's standard error is read for that
# reason only: on success it is dropped (what is run here, cat or echo of
# the program's own text, writes nothing there).  Duplicating the
# standard output fails only when it is closed: then the reason is
# EBADF's.  A command killed by a signal (SIGPIPE: the reader of the
# output has gone) kills the program with it, as it kills the C programs.
emit() {
	local err= st= sig
	{
		err=$("$@" 2>&1 >&3 3>&-)
		st=$?
	} 2>/dev/null 3>&1
	case $st in
	0) return ;;
	'') die "write error: Bad file descriptor" ;;
	esac
	if [ "$st" -gt 128 ] && sig=$(kill -l "$st" 2>/dev/null); then
		trap - "$sig"
		kill -s "$sig" $$
	fi
	# Still here: the signal is ignored (by the shell that started this
	# one), or the command failed with a reason, or without one.
	[ -n "$err" ] && die "write error: ${err##*: }"
	die "write error: $1: exit status $st"
}

# Prints the messages of the programs PROG... of simbal's, read on the
# standard input, as the script's own: it ran them, the user did not.
# "PROG: " becomes "$prog: ", and PROG's "Try 'PROG --help' ..." line
# goes.  Names that the script gave the programs for those the user gave
# (a copy, a staging directory) are put back, given in the environment:
# a message about OURS_AT ("PROG: [warning: ]OURS_AT:...") is about
# OURS_AT_TO, and OURS_IN anywhere in a line is OURS_IN_TO.  The names
# are given as they are; the programs print them escaped (visible).
ours() {
	OURS_AT=$(visible "${OURS_AT-}") OURS_AT_TO=$(visible "${OURS_AT_TO-}") \
		OURS_IN=$(visible "${OURS_IN-}") OURS_IN_TO=$(visible "${OURS_IN_TO-}") \
		awk -v prog="$prog" -v progs="$*" '
	BEGIN { n = split(progs, p, " "); for (i = 1; i <= n; i++) tool[p[i]] }
	/^Try \047[^ ]+ --help\047 for more information\.$/ && substr($2, 2) in tool { next }
	(n = index($0, ": ")) && substr($0, 1, n - 1) in tool { rename(n + 2) }
	ENVIRON["OURS_IN"] != "" { $0 = replace($0, ENVIRON["OURS_IN"], ENVIRON["OURS_IN_TO"]) }
	{ print }
	# "PROG: [warning: ]OURS_AT:..." becomes "prog: [warning: ]OURS_AT_TO:...",
	# the rest of the message starting at AT.
	function rename(at,   head, rest, from) {
		head = prog ": "
		rest = substr($0, at)
		if (substr(rest, 1, 9) == "warning: ") {
			head = head "warning: "
			rest = substr(rest, 10)
		}
		from = ENVIRON["OURS_AT"]
		if (from != "" && substr(rest, 1, length(from) + 1) == from ":")
			rest = ENVIRON["OURS_AT_TO"] substr(rest, length(from) + 1)
		$0 = head rest
	}
	# s with every from in it to.
	function replace(s, from, to,   n, done) {
		while (n = index(s, from)) {
			done = done substr(s, 1, n - 1) to
			s = substr(s, n + length(from))
		}
		return done s
	}'
}
