#!/bin/sh
# bench/serve.sh - `portgate serve` against `portgate scan` run per request (owner: serve).
#
# One small target on loopback (a server-first SSH banner and a closed port, probed), then:
#   cached    wrk on GET /v1-port-scanner (answers from the result cache)
#   uncached  wrk on the same with skipCache=true (a real scan per request)
#   reference `portgate scan --target ... --ports ...` started per request
# each with 1 client and with BENCH_CONNS (16) clients. Prints requests per second and
# latency (p50, p99) and the ratios against the reference. Needs wrk and python3.
#   make bench-serve   (or: PG_BUILDDIR=build PG_SRCDIR=. sh bench/serve.sh)
# Environment: BENCH_SECONDS (10 per wrk run), BENCH_CONNS (16), BENCH_REF_RUNS (200).
set -eu
: "${PG_SRCDIR:?}" "${PG_BUILDDIR:?}"
PG_BIN="$PG_BUILDDIR/portgate"
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNS:-16}
refruns=${BENCH_REF_RUNS:-200}
command -v wrk >/dev/null 2>&1 || { echo "bench-serve: wrk not installed (apt-get install wrk)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pg-bench-serve.XXXXXX")
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT

python3 "$PG_SRCDIR/tests/tools/listen.py" "$tmp/ports" "banner=SSH-2.0-OpenSSH_9.2p1@127.0.0.1:0" &
pids="$pids $!"
i=0
while [ ! -s "$tmp/ports" ]; do i=$((i + 1)); [ $i -le 100 ] || exit 1; sleep 0.05; done
open=$(sed -n 1p "$tmp/ports")
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ports="$open,$closed"
printf 'version: 1\nassets:\n  - target: 127.0.0.1\n    name: bench\n    approvedPorts: [%s]\n    ports: [%s, %s]\n' \
	"$open" "$open" "$closed" >"$tmp/manifest.yaml"
printf 'stateDir: %s\nserve:\n  cacheTtlSeconds: 3600\n  requestsPerMinutePerKey: 1000000\n%s\n' "$tmp/state" \
	'  requestsPerMinutePerTarget: 1000000
  concurrentScansPerKey: 1024
  concurrentScansPerTarget: 1024
  workers: 16' >"$tmp/portgate.yaml"
key=bench-key-0123456789
PORTGATE_API_KEYS=$key "$PG_BIN" serve -q --manifest "$tmp/manifest.yaml" --config "$tmp/portgate.yaml" \
	--listen 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
spid=$!
pids="$pids $spid"
i=0
while ! grep -q 'listening on' "$tmp/serve.out"; do i=$((i + 1)); [ $i -le 200 ] || exit 1; sleep 0.05; done
url=$(sed -n 's/.*listening on \([^ ]*\) .*/\1/p' "$tmp/serve.out")
q="/v1-port-scanner?target=127.0.0.1&ports=$open,$closed&timeout=5000"
curl -s -H "x-api-key: $key" "$url$q" >/dev/null # fill the cache

run_wrk() { # NAME CONNS PATH
	wrk -t "$([ "$2" -gt 1 ] && echo 2 || echo 1)" -c "$2" -d "${secs}s" --latency \
		-H "x-api-key: $key" "$url$3" >"$tmp/$1.wrk"
	python3 "$PG_SRCDIR/bench/serve_stats.py" wrk "$tmp/$1.wrk" "$1"
}

{
	run_wrk cached-1 1 "$q"
	run_wrk "cached-$conns" "$conns" "$q"
	run_wrk uncached-1 1 "$q&skipCache=true"
	run_wrk "uncached-$conns" "$conns" "$q&skipCache=true"
	python3 "$PG_SRCDIR/bench/serve_stats.py" scan "$PG_BIN" "$ports" "$refruns" 1 scan-1
	python3 "$PG_SRCDIR/bench/serve_stats.py" scan "$PG_BIN" "$ports" "$refruns" "$conns" "scan-$conns"
} >"$tmp/results"
rss=$(awk '/VmHWM/ {print $2}' "/proc/$spid/status")
python3 "$PG_SRCDIR/bench/serve_stats.py" table "$tmp/results" "$conns" "$rss" "$secs" "$refruns"
