#!/bin/sh
# runstate.sh: a long pipeline run carried from one working session to the
# next, when no machine is kept between them (doc/DESIGN.md, "Long runs").
#
#   scripts/runstate.sh save DIR NAME      DIR's files -> runs/NAME.tar.xz
#   scripts/runstate.sh restore NAME DIR   runs/NAME.tar.xz -> DIR
#
# save packs every file of DIR but the image folders its data script makes
# again (trn/ and tst/ of examples/make-fashion-study.sh), the times of
# the files kept; restore unpacks it over DIR, which that script has made
# again first, so that the manifests get back their old times and make
# takes every finished stage as done, and a training resumes from its
# partial checkpoint.  Run from the top of the source tree.
set -eu
usage() {
	echo "usage: $0 save DIR NAME | restore NAME DIR" >&2
	exit 2
}
[ $# -eq 3 ] || usage
case $1 in
save)
	mkdir -p runs
	tar -C "$2" --exclude=./trn --exclude=./tst -cf - . | xz -1 -T2 >"runs/$3.tar.xz.tmp"
	mv "runs/$3.tar.xz.tmp" "runs/$3.tar.xz"
	ls -l "runs/$3.tar.xz"
	;;
restore)
	[ -f "runs/$2.tar.xz" ] || { echo "$0: runs/$2.tar.xz: no such run" >&2; exit 1; }
	[ -d "$3" ] || { echo "$0: $3: make it first with its data script" >&2; exit 1; }
	xz -dc "runs/$2.tar.xz" | tar -C "$3" -xf -
	;;
*) usage ;;
esac
