#!/bin/bash
# bench/run.sh - portgate vs nmap -sT on issue 5's scenarios (driven by `make bench`).
#
# Environment:
#   PG_BIN            the portgate binary (required)
#   BENCH_SRC         this directory (default: where run.sh lives)
#   BENCH_BUILD       directory holding the built nfq-delay (default: BENCH_SRC)
#   BENCH_RUNS        runs per tool and scenario (default 5)
#   BENCH_SCENARIOS   default "1 2 3 4"
#   BENCH_SCALING     host counts for scenario 4's portgate-only scaling series
#                     (default "1250 2500 5000"; empty to skip)
#   BENCH_TIMEOUT     seconds allowed per scanner run (default 600)
#   BENCH_OUT         results directory (default ./bench-results)
#   BENCH_PG_ARGS     extra arguments for every portgate run
#   BENCH_KEEP        1 = keep the work directory (every tool's output)
#
# Every scanner runs inside the bench's own scanner namespace against
# 10.100.0.0/16 in the targets namespace (bench/netns.sh); nothing reaches a
# real network. Tools are interleaved (the order rotates every run) so drift
# in machine load hits all of them alike. Each run is checked against the
# ground truth; the table goes to stdout and $BENCH_OUT/table.txt.
set -u

: "${PG_BIN:?PG_BIN must name the portgate binary}"
BENCH_SRC=${BENCH_SRC:-$(cd "$(dirname "$0")" && pwd)}
BENCH_BUILD=${BENCH_BUILD:-$BENCH_SRC}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_SCENARIOS=${BENCH_SCENARIOS:-1 2 3 4}
BENCH_SCALING=${BENCH_SCALING-1250 2500 5000}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
BENCH_OUT=${BENCH_OUT:-$PWD/bench-results}
BENCH_PG_ARGS=${BENCH_PG_ARGS:-}
BENCH_WORK=$(mktemp -d /tmp/pg-bench.XXXXXX)
RESULTS=$BENCH_OUT/results.tsv
export BENCH_SRC BENCH_BUILD BENCH_WORK

die() { echo "bench: $*" >&2; exit 1; }

preflight() {
	[ "$(id -u)" = 0 ] || die "needs root (network namespaces, iptables)"
	[ -x "$PG_BIN" ] || die "PG_BIN=$PG_BIN is not executable"
	[ -x "$BENCH_BUILD/nfq-delay" ] || die "missing $BENCH_BUILD/nfq-delay (make bench builds it)"
	for t in nmap ip iptables iptables-restore timeout python3; do
		command -v "$t" >/dev/null || die "missing $t"
	done
	[ -x /usr/bin/time ] || die "missing GNU time: apt-get install time"
}

preflight
. "$BENCH_SRC/netns.sh"
cleanup() {
	bench_ns_down
	if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: outputs kept in $BENCH_WORK"; else rm -rf "$BENCH_WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$BENCH_OUT" || die "cannot create $BENCH_OUT"
bench_ns_up || die "could not build the bench namespaces"

# timed TF CMD...: run CMD in the scanner namespace under GNU time (wall
# seconds and peak RSS of the largest process into TF) and a hard timeout.
timed() {
	local tf=$1
	shift
	rm -f "$tf"
	bench_in_s /usr/bin/time -f '%e %M' -o "$tf" timeout -k 5 "$BENCH_TIMEOUT" "$@"
}

# One nmap run, checked against the ground truth (see record).
run_nmap() { # scen tool run
	local dir=$BENCH_WORK/$1 extra=()
	local out=$dir/$2.$3.out
	case $2 in
	nmap-T4) extra=(-T4) ;;
	nmap-T4-mr5000) extra=(-T4 --min-rate 5000) ;;
	esac
	rm -f "$out"
	timed "$dir/$2.$3.time" nmap -sT -Pn -n "${extra[@]}" -oX "$out" \
		-p "$(cat "$dir/ports.txt")" -iL "$dir/targets.txt" \
		>"$dir/$2.$3.stdout" 2>"$dir/$2.$3.stderr"
	record "$1" "$2" "$3" "$dir" "$out" "$dir/$2.$3.time" "$?" nmap
}

# portgate: `scan` with one --target per host (the JSON array of
# /v1-port-scanner results), and for multi-host scenarios also `check` on a
# generated manifest (tool "portgate-check": the full pipeline with policy and
# evidence). Probing is off: nmap -sT does not probe either. --retries 1 is
# issue 5's "a retry for unanswered ports".
run_pg() { # scen tool run
	local dir=$BENCH_WORK/$1 cmd fmt h
	local out=$dir/$2.$3.out
	if [ "$2" = portgate ]; then
		fmt=pg-scan
		cmd=("$PG_BIN" scan --compact --ports "$(cat "$dir/ports.txt")" --no-probe --retries 1)
		while read -r h; do cmd+=(--target "$h"); done <"$dir/targets.txt"
	else
		fmt=pg-evidence
		cmd=("$PG_BIN" check -q -m "$dir/manifest.yaml" --out "$out" --no-probe --retries 1)
	fi
	# shellcheck disable=SC2206 # BENCH_PG_ARGS is a word list on purpose
	cmd+=($BENCH_PG_ARGS)
	echo "${cmd[*]:0:12} ..." >"$dir/$2.cmd"
	rm -f "$out"
	timed "$dir/$2.$3.time" "${cmd[@]}" >"$dir/$2.$3.stdout" 2>"$dir/$2.$3.stderr"
	local rc=$?
	[ "$fmt" = pg-scan ] && mv "$dir/$2.$3.stdout" "$out"
	record "$1" "$2" "$3" "$dir" "$out" "$dir/$2.$3.time" "$rc" "$fmt"
}

# Append "scenario tool run wall_s rss_kb correct_pct exit mismatches sample"
# to RESULTS. GNU time puts "Command exited with non-zero status" first, so
# the numbers are on the last line of the time file.
record() { # scen tool run dir out timefile rc format
	local wall rss chk
	wall=$(awk 'END { print ($1 == "" ? -1 : $1) }' "$6" 2>/dev/null)
	rss=$(awk 'END { print ($2 == "" ? 0 : $2) }' "$6" 2>/dev/null)
	[ "$7" = 124 ] || [ "$7" = 137 ] && wall=-1
	chk=$(python3 "$BENCH_SRC/bench.py" check "$4/truth.json" "$8" "$5")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${wall:--1}" "${rss:-0}" \
		"${chk%% *}" "$7" "${chk#* }" >>"$RESULTS"
	printf '  %-15s run %s: %7ss %8s KiB rc=%-3s correct%%/wrong/sample: %s\n' \
		"$2" "$3" "$wall" "$rss" "$7" "$chk"
	bench_delay_alive || die "nfq-delay died during $2 run $3"
}

scenario() { # name num [gen-args...]
	name=$1 num=$2
	shift 2
	dir=$BENCH_WORK/$name
	mkdir -p "$dir"
	python3 "$BENCH_SRC/bench.py" gen "$num" "$dir" "$@" || die "gen $name failed"
	delay=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["delay_ms"])' "$dir/truth.json")
	bench_filter_set "$dir/filter.rules" || die "filter rules failed"
	bench_listen_start "$dir/listen.txt" || die "listener failed"
	bench_delay_start "$delay" || die "delay failed"
	local first rtt
	first=$(head -n1 "$dir/listen.txt")
	rtt=$(bench_rtt "${first% *}" "${first#* }")
	echo "scenario $name: $(wc -l <"$dir/targets.txt") hosts, $(wc -l <"$dir/listen.txt") open," \
		"delay ${delay} ms, measured connect RTT $rtt ms"
	# The delay must be what the scenario says, or the comparison means nothing.
	awk -v r="$rtt" -v d="$delay" 'BEGIN { exit !(r >= 0.9 * d && r <= 1.25 * d + 3) }' ||
		die "measured RTT $rtt ms does not match the ${delay} ms delay"
}

scenario_end() {
	bench_delay_stop
	bench_listen_stop
	cp "$BENCH_WORK/$1/truth.json" "$BENCH_OUT/truth-$1.json" 2>/dev/null
}

# The tools of one run, starting at a different one each run (interleaved).
tools_rotated() { # run ntargets
	local tools=(portgate nmap nmap-T4 nmap-T4-mr5000) i n
	[ "$2" -gt 1 ] && tools+=(portgate-check)
	n=${#tools[@]}
	for ((i = 0; i < n; i++)); do printf '%s ' "${tools[(i + $1 - 1) % n]}"; done
}

run_tool() { # scen tool run
	case $2 in
	portgate*) run_pg "$1" "$2" "$3" ;;
	*) run_nmap "$1" "$2" "$3" ;;
	esac
}

printf '# scenario\ttool\trun\twall_s\trss_kb\tcorrect_pct\texit\tmismatches sample\n' >"$RESULTS"
echo "portgate vs nmap: $(nproc) CPUs, $(uname -r), ulimit -n $(ulimit -n), $BENCH_RUNS runs, $(date -u +%FT%TZ)"
for s in $BENCH_SCENARIOS; do
	scenario "$s" "$s"
	for r in $(seq "$BENCH_RUNS"); do
		for t in $(tools_rotated "$r" "$(wc -l <"$BENCH_WORK/$s/targets.txt")"); do
			run_tool "$s" "$t" "$r"
		done
	done
	scenario_end "$s"
	if [ "$s" = 4 ]; then
		for h in $BENCH_SCALING; do
			scenario "4-$h" 4 --hosts "$h"
			run_tool "4-$h" portgate 1
			scenario_end "4-$h"
		done
	fi
done
echo
python3 "$BENCH_SRC/bench.py" table "$RESULTS" | tee "$BENCH_OUT/table.txt"
echo "raw results: $RESULTS"
