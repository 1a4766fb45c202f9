#!/bin/sh
# Configure and build portgate out of tree in BUILD_DIR (default build/).
# Extra arguments go to ./configure (e.g. --enable-sanitizers).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build}
cd "$src"
[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi >/dev/null
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ] || [ "${PG_RECONFIGURE:-0}" = 1 ]; then
	"$src/configure" -q "$@" 2>&1 | grep -v "cannot remove 'core'" || true
fi
make -j"$(nproc)" >/dev/null
echo "build: $build/portgate"
