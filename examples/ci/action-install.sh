#!/bin/sh
# The action's install step (action.yml): nothing when portgate is on PATH (a job in the portgate
# image); else build it from the action's own source (the repository root, two levels up)
# into $RUNNER_TEMP/portgate and put that on the job's PATH. Build dependencies only
# (scripts/install-deps.sh --build), through sudo when not root (GitHub's hosted runners).
set -eu
if command -v portgate >/dev/null 2>&1; then
	echo "portgate: using $(command -v portgate) ($(portgate --version))"
	exit 0
fi
src=$(cd "$(dirname "$0")/../.." && pwd)
prefix=${RUNNER_TEMP:-/tmp}/portgate
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo sh "$src/scripts/install-deps.sh" --build
(cd "$src" && autoreconf -fi)
mkdir -p "$prefix/build"
cd "$prefix/build"
"$src/configure" -q --prefix="$prefix" --disable-werror
make -j"$(nproc)" >/dev/null
make install >/dev/null
echo "$prefix/bin" >>"${GITHUB_PATH:-/dev/null}"
echo "portgate: built $("$prefix/bin/portgate" --version) into $prefix"
