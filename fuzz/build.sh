#!/bin/sh
# build.sh - build the libFuzzer harnesses listed in fuzz/harnesses (not part of `make check`;
# scripts/fuzz-ci.sh builds and runs them in CI).
#
# Usage: fuzz/build.sh BUILD_DIR [OUT_DIR] [NAME...]
#   BUILD_DIR: a configured (out-of-tree) build directory, for its config.h
#   OUT_DIR:   where the binaries go (default BUILD_DIR/fuzz)
#   NAME:      build only these harnesses (default: every line of fuzz/harnesses)
# Needs clang with libFuzzer (Debian 12: clang-14 + libclang-rt-14-dev).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
bld=${1:?usage: fuzz/build.sh BUILD_DIR [OUT_DIR] [NAME...]}
shift
out=${1:-$bld/fuzz}
[ $# -eq 0 ] || shift
names="$*"
[ -f "$bld/config.h" ] || { echo "no config.h in $bld (run configure there)" >&2; exit 1; }
mkdir -p "$out"

CC=${CC:-clang}
# the paths make passes to core (Makefile.am's AM_CPPFLAGS): no harness reads a file there
CFLAGS="-g -O1 -std=c11 -Wall -Wextra -D_GNU_SOURCE -fno-omit-frame-pointer \
 -DPG_SYSCONFDIR=\"/nonexistent\" -DPG_PLUGINDIR=\"/nonexistent\" \
 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 -I$src/include -I$src/core -I$src -I$bld"
LIBS="$(pkg-config --cflags --libs jansson yaml-0.1 libcares openssl libcurl libpsl libidn2) -lltdl -lpthread"

wanted() { # NAME: true when no names were given or NAME is one of them
	[ -z "$names" ] && return 0
	for w in $names; do [ "$w" = "$1" ] && return 0; done
	return 1
}
built=0
# shellcheck disable=SC2086 # $srcs is a word list with globs, on purpose
while read -r name _dict srcs; do
	case "$name" in ''|'#'*) continue ;; esac
	wanted "$name" || continue
	files=
	for s in $srcs; do
		for f in "$src"/$s; do
			[ -f "$f" ] || { echo "fuzz/harnesses: $name: no file $s" >&2; exit 1; }
			files="$files $f"
		done
	done
	echo "fuzz build: fuzz_$name"
	$CC $CFLAGS -o "$out/fuzz_$name" "$src/fuzz/fuzz_$name.c" $files $LIBS
	built=$((built + 1))
done <"$src/fuzz/harnesses"
[ "$built" -gt 0 ] || { echo "fuzz build: no harness matched '$names'" >&2; exit 1; }
