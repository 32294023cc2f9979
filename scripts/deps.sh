#!/bin/sh
# Installs the Debian packages simbal needs, and only those missing.
# Run by `make deps` (and so by `make check` and `make demo`); `deps.sh fuzz`
# (make fuzz) adds clang, its libFuzzer and OpenMP runtimes, `deps.sh
# valgrind` (make valgrind) valgrind, `deps.sh bench` (make bench) the
# peers it measures simbal against: PIL, scikit-image and PyTorch.  locales:
# the sources from which tests/locale.bats compiles a de_DE locale.
set -eu
pkgs="gcc make libc6-dev pkgconf libpng-dev zlib1g-dev libjpeg62-turbo-dev libopenblas-dev
parallel rsync bats bats-assert bats-support mandoc groff-base man-db gnuplot-nox netpbm
libjpeg-turbo-progs dataset-fashion-mnist locales"
case ${1:-} in
fuzz) pkgs="$pkgs clang libclang-rt-14-dev libomp-dev" ;;
valgrind) pkgs="$pkgs valgrind" ;;
bench) pkgs="$pkgs python3-numpy python3-pil python3-skimage python3-torch" ;;
esac
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps: need root (or sudo) to install:$missing" >&2
		exit 1
	}
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
