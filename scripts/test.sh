#!/bin/sh
# Set up a fresh Debian 12 machine and run the whole test suite (unit + end-to-end).
#   sh scripts/test.sh                 normal build (as root)
#   sh scripts/test.sh --sanitizers    ASan + UBSan build (separate build dir)
# Needs root: tests create network namespaces and iptables rules for filtered ports.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
"$src/scripts/install-deps.sh"
if [ "${1:-}" = "--sanitizers" ]; then
	export BUILD_DIR="${BUILD_DIR:-$src/build-san}"
	set -- --enable-sanitizers
	export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
else
	export BUILD_DIR="${BUILD_DIR:-$src/build}"
fi
"$src/scripts/build.sh" "$@"
cd "$BUILD_DIR"
status=0
make -j"$(nproc)" check || status=$?
log=test-suite.log
if [ -f "$log" ]; then
	pass=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
	fail=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
	xpass=$(sed -n 's/^# XPASS: *//p' "$log" | head -1)
	err=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
	skip=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
	[ "$status" -eq 0 ] || cat "$log" | tail -200
	echo "${pass:-0} passed, $(( ${fail:-0} + ${err:-0} + ${xpass:-0} )) failed, ${skip:-0} skipped"
fi
exit "$status"
