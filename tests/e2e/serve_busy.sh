#!/bin/sh
# serve_busy: a scan or check refused because every worker is taken and the
# queue is full (queueLength) is answered 503 with Retry-After and gives back
# what it took: the per-key and per-target concurrency slots and the job (the
# sanitizer build's LeakSanitizer checks the job at exit). Once the worker is
# free, the same key and target are served again, and serve still stops cleanly.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/serve.sh"
command -v curl >/dev/null 2>&1 || pg_skip "curl not installed"

# Two silent TLS ports keep the one worker busy for a scan's whole budget each.
serve_count_listener web 127.0.0.1
serve_count_listener slow 127.0.0.4 silent
serve_count_listener slow2 127.0.0.5 silent
cat >"$PG_TMP/manifest.yaml" <<EOF2
version: 1
assets:
  - { target: 127.0.0.1, name: web, approvedPorts: [$web], ports: [$web] }
  - { target: 127.0.0.4, name: slow, ports: [$slow], tlsPorts: [$slow] }
  - { target: 127.0.0.5, name: slow2, ports: [$slow2], tlsPorts: [$slow2] }
EOF2
# One slot per key and per target: a slot a refusal kept would turn the later
# requests of that key or target into 429s.
cat >"$PG_TMP/portgate.yaml" <<EOF2
stateDir: $PG_TMP/state
serve:
  cacheTtlSeconds: 0
  workers: 1
  queueLength: 1
  concurrentScansPerKey: 1
  concurrentScansPerTarget: 1
EOF2
rnd() { od -An -N8 -tx1 /dev/urandom | tr -d ' \n'; }
K1="k1-$(rnd)" K2="k2-$(rnd)" K3="k3-$(rnd)"
PORTGATE_API_KEYS="$K1,$K2,$K3"
export PORTGATE_API_KEYS
serve_start busy --manifest "$PG_TMP/manifest.yaml" --config "$PG_TMP/portgate.yaml"
# timeout 8000: a silent TLS port holds the worker for the probe budget, a quarter of it
scan() { serve_get "$PG_TMP/$1.json" "/v1-port-scanner?target=$2&timeout=8000" -H "x-api-key: $3"; }
check() { serve_get "$PG_TMP/$1.json" /v1-check -H "x-api-key: $K3" -X POST --data '{"assets": ["web"]}'; }

scan a 127.0.0.4 "$K1" >"$PG_TMP/a.code" & apid=$!
i=0
while [ "$(count slow)" -lt 1 ] && [ $i -lt 250 ]; do i=$((i + 1)); sleep 0.02; done
pg_assert_eq "the first scan holds the only worker" "$(count slow)" 1
scan b 127.0.0.5 "$K2" >"$PG_TMP/b.code" & bpid=$!
# b waits in the queue (its target is not connected to before it runs): /healthz says so
load() { serve_get "$PG_TMP/h.json" /healthz >/dev/null && pg_json "$PG_TMP/h.json" \
	'"%d %d" % (d["workers"]["busy"], d["workers"]["queued"])'; }
i=0
while [ "$(load)" != "1 1" ] && [ $i -lt 250 ]; do i=$((i + 1)); sleep 0.02; done
pg_assert_eq "healthz: one worker busy, one request queued" "$(load)" "1 1"
pg_assert_eq "queue full: a scan is refused 503" "$(scan c 127.0.0.1 "$K3")" 503
pg_assert_eq "... saying why" "$(pg_json "$PG_TMP/c.json" 'd["error"]')" \
	"server busy: every worker is taken; retry after 1 s"
pg_assert_grep "... with Retry-After" "^Retry-After: 1" "$PG_TMP/c.json.h"
pg_assert_eq "queue full: a check of the same key is refused 503 too (not 429)" "$(check d)" 503
pg_assert_grep "check refusal with Retry-After" "^Retry-After: 1" "$PG_TMP/d.json.h"
wait $apid; wait $bpid
pg_assert_eq "the running and the queued scan are answered" "$(cat "$PG_TMP/a.code") $(cat "$PG_TMP/b.code")" "200 200"
pg_assert_eq "web was not connected to while refused" "$(count web)" 0

# The refusals gave their slots back: the same key and target are served.
pg_assert_eq "the refused key and target scan again: 200" "$(scan e 127.0.0.1 "$K3")" 200
pg_assert_eq "... the port open" "$(pg_json "$PG_TMP/e.json" 'd["ports"][0]["state"]')" open
pg_assert_eq "the refused key checks again: 200" "$(check f)" 200
pg_assert_grep "the refusals are in the access log" "GET /v1-port-scanner 503 .* key=" "$PG_TMP/busy.err"
kill -0 "$SERVE_PID" && pg_ok "serve still running"
serve_stop
pg_done
