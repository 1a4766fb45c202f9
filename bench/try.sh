#!/bin/bash
# bench/try.sh - build one bench scenario and run a command against it.
#
#   bench/try.sh SCENARIO [--hosts N] -- COMMAND...
#
# Sets up the namespaces, listeners, filter rules and delay of SCENARIO
# (1-4, see bench.py), then runs COMMAND inside the scanner namespace with
# $BENCH_DIR (truth.json, ports.txt, targets.txt, manifest.yaml) exported, and
# tears everything down. For profiling and tuning the engine, e.g.
#
#   BENCH_BUILD=/tmp/b/bench bench/try.sh 1 -- sh -c \
#     'perf record -g -o /tmp/pg.data /tmp/b/portgate scan --target 10.100.1.1 \
#        --ports "$(cat $BENCH_DIR/ports.txt)" --no-probe >/dev/null'
#
# BENCH_BUILD must hold a built nfq-delay (make bench/nfq-delay) when the
# scenario has a delay.
set -u
[ $# -ge 3 ] || { sed -n '2,14p' "$0"; exit 2; }
BENCH_SRC=${BENCH_SRC:-$(cd "$(dirname "$0")" && pwd)}
BENCH_BUILD=${BENCH_BUILD:-$BENCH_SRC}
BENCH_WORK=$(mktemp -d /tmp/pg-try.XXXXXX)
export BENCH_SRC BENCH_BUILD BENCH_WORK
scen=$1
shift
gen=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do gen+=("$1"); shift; done
shift
. "$BENCH_SRC/netns.sh"
trap 'bench_ns_down; rm -rf "$BENCH_WORK"' EXIT
trap 'exit 130' INT TERM
BENCH_DIR=$BENCH_WORK/s
mkdir -p "$BENCH_DIR"
export BENCH_DIR
python3 "$BENCH_SRC/bench.py" gen "$scen" "$BENCH_DIR" "${gen[@]}" || exit 1
bench_ns_up || exit 1
bench_filter_set "$BENCH_DIR/filter.rules" || exit 1
bench_listen_start "$BENCH_DIR/listen.txt" || exit 1
bench_delay_start "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["delay_ms"])' \
	"$BENCH_DIR/truth.json")" || exit 1
bench_in_s "$@"
