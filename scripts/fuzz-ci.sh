#!/bin/sh
# fuzz-ci.sh - build every harness of fuzz/harnesses and run each for a bounded time on a copy
# of its seed corpus. A crash, leak, timeout, out-of-memory or sanitizer report fails the run.
# Prints one line per harness. Called by .ci/run; fine to run by hand.
#
#   sh scripts/fuzz-ci.sh [BUILD_DIR]     (default: build, configured by scripts/build.sh)
#   FUZZ_SECONDS=45   time per harness          FUZZ_JOBS=N   harnesses run at once
#                                                             (default: CPUs, at most 4)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
bld=${1:-$src/build}
secs=${FUZZ_SECONDS:-45}
jobs=${FUZZ_JOBS:-$(nproc)}
[ "$jobs" -le 4 ] || jobs=4
[ "$jobs" -ge 1 ] || jobs=1
work=$(mktemp -d "${TMPDIR:-/tmp}/pg-fuzz-ci.XXXXXX")
trap 'rm -rf "$work"' EXIT
[ -f "$bld/config.h" ] || BUILD_DIR="$bld" sh "$src/scripts/build.sh" >/dev/null

sh "$src/fuzz/build.sh" "$bld" "$work/bin" >"$work/build.log" 2>&1 || {
	cat "$work/build.log"; echo "fuzz: the harnesses do not build"; exit 1; }

# run_one NAME DICT: fuzz for $secs seconds; writes $work/NAME.status ("ok ..." or "FAIL ...")
run_one() {
	name=$1 dict=$2 dir="$work/$1"
	mkdir -p "$dir/corpus" "$dir/artifacts"
	[ ! -d "$src/fuzz/corpus/$name" ] || cp "$src/fuzz/corpus/$name"/* "$dir/corpus/" 2>/dev/null || true
	set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/" -detect_leaks=1
	[ "$dict" = - ] || set -- "$@" -dict="$src/fuzz/$dict"
	rc=0
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$work/bin/fuzz_$name" "$@" "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
	cov=$(sed -n 's/.*DONE *cov: \([0-9]*\).*/\1/p' "$dir/log" | tail -1)
	if [ "$rc" -ne 0 ] || grep -qE 'runtime error:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' \
		"$dir/log"; then
		what=$(grep -m1 -oE 'ERROR: [A-Za-z]+: [a-z-]+|runtime error: .*|deadly signal|timeout' \
			"$dir/log" || echo "exit $rc")
		echo "FAIL (exit $rc: $what)" >"$dir/status"
	else
		echo "ok (${runs:-?} runs in ${secs} s, cov ${cov:-?})" >"$dir/status"
	fi
}

# in batches of $jobs harnesses: total time is about ceil(harnesses / jobs) * FUZZ_SECONDS
names= running=0
while read -r name dict _srcs; do
	case "$name" in ''|'#'*) continue ;; esac
	names="$names $name"
	run_one "$name" "$dict" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then wait; running=0; fi
done <"$src/fuzz/harnesses"
wait

status=0
for name in $names; do
	line=$(cat "$work/$name/status" 2>/dev/null || echo "FAIL (no result)")
	echo "fuzz: fuzz_$name: $line"
	case "$line" in
	ok*) ;;
	*)
		status=1
		tail -40 "$work/$name/log" | sed 's/^/  | /'
		for a in "$work/$name/artifacts"/*; do
			[ -f "$a" ] || continue
			mkdir -p "$bld/fuzz-artifacts"
			cp "$a" "$bld/fuzz-artifacts/fuzz_${name}-$(basename "$a")"
			echo "  input kept: $bld/fuzz-artifacts/fuzz_${name}-$(basename "$a") (replay: fuzz_$name FILE)"
		done
		;;
	esac
done
[ "$status" -eq 0 ] && echo "fuzz: every harness ran ${secs} s clean" || echo "fuzz: FAILED"
exit "$status"
