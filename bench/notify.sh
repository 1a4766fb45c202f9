#!/bin/sh
# bench/notify.sh - delivery time of one run with N failed findings (default
# 2000) through each notifier, against receivers on loopback (rsyslog for
# syslog, tests/tools/apirecv.py for HTTP). `make bench-notify` from a build
# directory after `make check` (needs tests/plugins/pg_plugin_driver).
#
# Reference: the same findings delivered one event per finding (HEC with
# batchSize 1; the host's per-finding path with the test notifier, one
# outbox write and one call each). Prints a table of wall milliseconds and
# the ratio to the reference; nothing leaves 127.0.0.1.
#   BENCH_FINDINGS  findings in the run (default 2000)
#   BENCH_RUNS      repetitions, the median is reported (default 3)
set -eu
: "${PG_SRCDIR:?}" "${PG_BUILDDIR:?}"
N=${BENCH_FINDINGS:-2000}
RUNS=${BENCH_RUNS:-3}
DRIVER="$PG_BUILDDIR/tests/plugins/pg_plugin_driver"
PLUGINS="$PG_BUILDDIR/plugins/.libs"
TESTPLUGINS="$PG_BUILDDIR/tests/plugins/.libs"
APIRECV="$PG_SRCDIR/tests/tools/apirecv.py"
[ -x "$DRIVER" ] || { echo "bench-notify: build pg_plugin_driver first (make check)" >&2; exit 1; }
W=$(mktemp -d /tmp/pg-bench-notify.XXXXXX)
chmod 0755 "$W"
PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$W"' EXIT INT TERM
mkdir -p "$W/plugins"
for p in webhook siem ticket; do install -m 0644 "$PLUGINS/$p.so" "$W/plugins/"; done
install -m 0644 "$TESTPLUGINS/testnotifyeach.so" "$W/plugins/"

python3 - "$W/report.json" "$N" <<'PY'
import json, sys
n = int(sys.argv[2])
assets = []
for a in range(n // 10):
    assets.append({"name": "app%d" % a, "target": "app%d.example" % a, "line": a + 1, "verdict": "fail",
        "manifest": {"owner": "team%d" % (a % 7), "environment": "production", "criticality": "high"},
        "findings": [{"rule": "port-unapproved-open", "action": "fail", "severity": "high",
                      "asset": "app%d" % a, "target": "app%d.example" % a, "ip": "10.0.%d.%d" % (a // 250, a % 250),
                      "port": 8000 + k, "protocol": "tcp", "fingerprint": "%016x" % (a * 10 + k),
                      "reason": "port %d/tcp is open but not in approvedPorts" % (8000 + k),
                      "evidence": {"banner": "SSH-2.0-OpenSSH_9.2"}} for k in range(10)]})
json.dump({"portgate": {"version": "0.1.0", "evidenceSchema": 1},
           "run": {"id": "run_bench", "manifest": "bench.yaml", "verdict": "fail"}, "assets": assets},
          open(sys.argv[1], "w"))
PY

api() { # NAME KIND ARGS...
	n=$1; k=$2; shift 2
	python3 "$APIRECV" --kind "$k" --port-file "$W/$n.port" --max-seconds 3600 "$@" &
	PIDS="$PIDS $!"
	while [ ! -s "$W/$n.port" ]; do sleep 0.05; done
}
export BENCH_TOKEN=t0k BENCH_USER=u
api hook hook
api hec hec --token-env BENCH_TOKEN
api gh github --token-env BENCH_TOKEN --repo org/infra
# rsyslog TCP input writing to a file
TCP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$W/rs"
cat >"$W/rs/c.conf" <<CONF
global(workDirectory="$W/rs")
module(load="imtcp")
ruleset(name="t") { action(type="omfile" file="$W/rs/tcp.log") }
input(type="imtcp" address="127.0.0.1" port="$TCP" ruleset="t")
CONF
rsyslogd -n -f "$W/rs/c.conf" -i "$W/rs/pid" >/dev/null 2>&1 &
PIDS="$PIDS $!"
sleep 1

case_yaml() { # NAME "instance yaml"
	cat >"$W/$1.yaml" <<YAML
pluginDirs: [$W/plugins]
notify: { retries: 0 }
notifiers:
  n: $2
YAML
}
case_yaml webhook "{ plugin: webhook, url: \"http://127.0.0.1:$(cat "$W/hook.port")/x\", timeoutMs: 60000 }"
case_yaml slack "{ plugin: webhook, format: slack, url: \"http://127.0.0.1:$(cat "$W/hook.port")/s\" }"
case_yaml siem-tcp "{ plugin: siem, transport: tcp, host: 127.0.0.1, port: $TCP, format: cef }"
case_yaml hec-100 "{ plugin: siem, transport: hec, url: \"http://127.0.0.1:$(cat "$W/hec.port")\", tokenEnv: BENCH_TOKEN, batchSize: 100 }"
case_yaml hec-1 "{ plugin: siem, transport: hec, url: \"http://127.0.0.1:$(cat "$W/hec.port")\", tokenEnv: BENCH_TOKEN, batchSize: 1, timeoutMs: 600000 }"
case_yaml ticket-github "{ plugin: ticket, system: github, url: \"http://127.0.0.1:$(cat "$W/gh.port")\", repo: org/infra, tokenEnv: BENCH_TOKEN, timeoutMs: 600000 }"
case_yaml per-finding-host "{ plugin: testnotifyeach, logFile: $W/each.log }"

run_case() { # NAME [stateDir?] -> median wall ms
	for r in $(seq "$RUNS"); do
		sd=""
		[ "$1" = per-finding-host ] && { rm -rf "$W/state"; sd="stateDir: $W/state"; }
		cp "$W/$1.yaml" "$W/run.yaml"
		[ -n "$sd" ] && echo "$sd" >>"$W/run.yaml"
		s=$(date +%s%N)
		left=$("$DRIVER" notify "$W/run.yaml" "$W/report.json" 2>"$W/$1.err")
		e=$(date +%s%N)
		[ "$left" = 0 ] || { echo "bench-notify: $1 left $left: $(tail -3 "$W/$1.err")" >&2; exit 1; }
		echo $(( (e - s) / 1000000 ))
	done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

printf "%-18s %10s %10s  %s\n" "case ($N findings)" "wall ms" "per find." "requests / notes"
ref_hec=$(run_case hec-1)
ref_host=$(run_case per-finding-host)
for c in webhook slack siem-tcp hec-100 ticket-github; do
	ms=$(run_case "$c")
	note=""
	case $c in
	webhook|slack) note="1 POST";;
	siem-tcp) note="1 connection, $N frames";;
	hec-100) note="$((N / 100)) POSTs; ratio to batchSize 1 (${ref_hec} ms): $(awk "BEGIN{printf \"%.1f\", $ref_hec / ($ms > 0 ? $ms : 1)}")x faster";;
	ticket-github) note="search + create/comment per finding (runs 2.. comment)";;
	esac
	printf "%-18s %10s %10s  %s\n" "$c" "$ms" "$(awk "BEGIN{printf \"%.2f\", $ms / $N}")" "$note"
done
printf "%-18s %10s %10s  %s\n" "hec-1 (reference)" "$ref_hec" "$(awk "BEGIN{printf \"%.2f\", $ref_hec / $N}")" "$N POSTs"
printf "%-18s %10s %10s  %s\n" "per-finding host" "$ref_host" "$(awk "BEGIN{printf \"%.2f\", $ref_host / $N}")" "$N outbox writes + calls (PG_NOTIFY_PER_FINDING)"
