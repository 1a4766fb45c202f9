#!/bin/sh
# build.sh - build the libFuzzer harnesses (by hand; not part of `make check`).
#
# Usage: fuzz/build.sh BUILD_DIR [OUT_DIR]
#   BUILD_DIR: a configured (out-of-tree) build directory, for its config.h
#   OUT_DIR:   where the binaries go (default BUILD_DIR/fuzz)
# Needs clang with libFuzzer (Debian 12: clang-14 + libclang-rt-14-dev).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
bld=${1:?usage: fuzz/build.sh BUILD_DIR [OUT_DIR]}
out=${2:-$bld/fuzz}
[ -f "$bld/config.h" ] || { echo "no config.h in $bld (run configure there)" >&2; exit 1; }
mkdir -p "$out"

CC=${CC:-clang}
CFLAGS="-g -O1 -std=c11 -Wall -Wextra -D_GNU_SOURCE -fno-omit-frame-pointer \
 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 -I$src/include -I$src/core -I$bld"
LIBS="$(pkg-config --cflags --libs jansson yaml-0.1 libcares openssl libcurl) -lltdl -lpthread"
c=$src/core

set -x
$CC $CFLAGS -o "$out/fuzz_manifest" "$src/fuzz/fuzz_manifest.c" \
	"$c/doc/doc.c" "$c"/manifest/manifest*.c "$c/manifest/ports.c" "$c/util/util.c" "$c/util/log.c" $LIBS
$CC $CFLAGS -o "$out/fuzz_ports" "$src/fuzz/fuzz_ports.c" \
	"$c/manifest/ports.c" "$c/util/util.c" "$c/util/log.c" $LIBS
$CC $CFLAGS -o "$out/fuzz_probe_text" "$src/fuzz/fuzz_probe_text.c" \
	"$c/probe/probe_text.c" "$c/util/util.c" "$c/util/log.c" $LIBS
$CC $CFLAGS -o "$out/fuzz_settings" "$src/fuzz/fuzz_settings.c" \
	"$c/config/settings.c" "$c/doc/doc.c" "$c"/scan/scan*.c "$c/probe/probe.c" \
	"$c/probe/probe_text.c" "$c/probe/probe_tls.c" "$c/manifest/ports.c" "$c/util/util.c" "$c/util/log.c" $LIBS
