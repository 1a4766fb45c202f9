#!/bin/sh
# Plugin calls run in worker processes: an enricher that segfaults, aborts,
# exits or hangs costs that call only. `portgate check` completes, writes a
# complete evidence file, exits by the policy (1: the open port fails), and
# the finding says what happened; a healthy enricher next to it still
# answers. A notifier that crashes or hangs leaves its notification in the
# outbox, bounded by its timeoutMs.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
TP="$PG_BUILDDIR/tests/plugins/.libs"
for p in crashy crashynotify testenrich; do
	[ -f "$TP/$p.so" ] || pg_skip "test plugin $p not built"
done
mkdir -p "$T/plugins"; chmod 0755 "$T/plugins"
for p in crashy crashynotify testenrich; do install -m 0644 "$TP/$p.so" "$T/plugins/"; done
# Under ASan a SIGSEGV would become ASan's report and exit 1: let the signal be
# the signal, as in a normal build.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_abort=0"
export ASAN_OPTIONS
start_listener
open_port=$(cat "$T/lport")
cat >"$T/manifest.yaml" <<YAML
version: 1
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: []
    ports: [$open_port]
YAML

# run_check HOW EXPECTED-ERROR: crashy misbehaves HOW; the evidence must say EXPECTED-ERROR.
run_check() {
	cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state-$1
pluginDirs: [$T/plugins]
enrichers:
  bad: {plugin: crashy, how: $1, timeoutMs: 1500}
  good: {plugin: testenrich}
YAML
	rm -f "$T/ev.json"
	rc=0
	start=$(date +%s)
	"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --out "$T/ev.json" \
		--no-probe >"$T/out" 2>"$T/err" || rc=$?
	took=$(( $(date +%s) - start ))
	[ "$rc" = 1 ] || fail "$1: check exit $rc (want 1, the policy's): $(cat "$T/err")"
	[ "$took" -le 10 ] || fail "$1: check took ${took}s"
	python3 - "$T/ev.json" "$2" <<'PY' || fail "$1: evidence: $(cat "$T/ev.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["run"]["verdict"] == "fail" and d["run"]["exitCode"] == 1, d["run"]
f = [x for x in d["assets"][0]["findings"] if x["rule"] == "port-unapproved-open"][0]
assert f["enrichment"]["bad"] == {"error": sys.argv[2]}, f["enrichment"]
assert f["enrichment"]["good"]["seen"] == "127.0.0.1", f["enrichment"]
PY
	grep -q "$2" "$T/err" || fail "$1: no warning naming the plugin: $(cat "$T/err")"
}
run_check segv "plugin crashy crashed (SIGSEGV)"
run_check abort "plugin crashy crashed (SIGABRT)"
run_check exit "plugin crashy exited with status 3 during a call"
run_check hang "timed out after 1500 ms"
# no worker outlives the run (a hung one is killed at its deadline): wait, 5 s at most, for
# the last one to be reaped rather than sleeping a guess
i=0
while pgrep -f "$T/plugins" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -le 100 ] || fail "a worker process survived"
	sleep 0.05
done

# A result that is not JSON (a NUL in a string) fails that call only: the worker stays and
# serves the next call (crashy how=nul answers a NUL on the first call of each process, so a
# replaced worker would fail the second asset too).
# two targets, so two calls (one target's findings share one call)
pg_listen second "http@127.0.0.2:0"
cat >"$T/nul-manifest.yaml" <<YAML
version: 1
assets:
  - {name: app1, target: 127.0.0.1, approvedPorts: [], ports: [$open_port]}
  - {name: app2, target: 127.0.0.2, approvedPorts: [], ports: [$(pg_port second 1)]}
YAML
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state-nul
pluginDirs: [$T/plugins]
enrich: {concurrency: 1} # one worker serves both calls
enrichers:
  bad: {plugin: crashy, how: nul, timeoutMs: 5000}
YAML
rc=0
"$PG_BIN" check -m "$T/nul-manifest.yaml" --config "$T/portgate.yaml" --out "$T/ev.json" \
	--no-probe >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "nul: check exit $rc: $(cat "$T/err")"
python3 - "$T/ev.json" <<'PY' || fail "nul: evidence: $(cat "$T/ev.json") $(cat "$T/err")"
import json, sys
d = json.load(open(sys.argv[1]))
e = sorted((json.dumps(a["findings"][0]["enrichment"]["bad"], sort_keys=True)
            for a in d["assets"]))
want = "plugin crashy sent a result that is not valid JSON in UTF-8 (a NUL or a byte that " \
       "is not UTF-8 in a string); this call failed"
assert e == sorted([json.dumps({"error": want}), json.dumps({"call": 2})]), e
PY
! grep -q "worker protocol" "$T/err" || fail "nul: the worker was killed: $(cat "$T/err")"

# A notifier that crashes or hangs: the run's verdict stands, the notification waits.
for how in segv hang; do
	cat >"$T/portgate.yaml" <<YAML
stateDir: $T/nstate-$how
pluginDirs: [$T/plugins]
notifiers:
  bad: {plugin: crashynotify, how: $how, timeoutMs: 1000}
notify:
  retries: 0
YAML
	rc=0
	start=$(date +%s)
	"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --out "$T/nev.json" \
		--no-probe >"$T/nout" 2>"$T/nerr" || rc=$?
	took=$(( $(date +%s) - start ))
	[ "$rc" = 1 ] || fail "notifier $how: exit $rc: $(cat "$T/nerr")"
	[ "$took" -le 6 ] || fail "notifier $how: took ${took}s (timeoutMs 1000)"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/nev.json" || fail "evidence"
	"$PG_BIN" outbox list --config "$T/portgate.yaml" --json >"$T/ob.json"
	python3 - "$T/ob.json" "$how" <<'PY' || fail "notifier $how: outbox $(cat "$T/ob.json")"
import json, sys
e = json.load(open(sys.argv[1]))
assert len(e) == 1, e
want = "crashed (SIGSEGV)" if sys.argv[2] == "segv" else "timed out after 1000 ms"
assert want in json.dumps(e), e
PY
done

# A worker's environment holds no instance's secret (nor serve's API keys): a
# plugin reading getenv() finds neither another instance's token nor its own
# variable, while other variables stay.
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/sstate
pluginDirs: [$T/plugins]
enrichers:
  holder: {plugin: testenrich, tokenEnv: PG_T_SECRET}
  peek: {plugin: testenrich, mode: env, envName: PG_T_SECRET}
  peekkeys: {plugin: testenrich, mode: env, envName: PORTGATE_API_KEYS}
  peekplain: {plugin: testenrich, mode: env, envName: PG_T_PLAIN}
YAML
rc=0
PG_T_SECRET=s3cret-token PORTGATE_API_KEYS=k3y PG_T_PLAIN=visible "$PG_BIN" check \
	-m "$T/manifest.yaml" --config "$T/portgate.yaml" --out "$T/sev.json" --no-probe \
	>"$T/sout" 2>"$T/serr" || rc=$?
[ "$rc" = 1 ] || fail "secret env: exit $rc: $(cat "$T/serr")"
python3 - "$T/sev.json" <<'PY' || fail "secret env: $(cat "$T/sev.json")"
import json, sys
d = json.load(open(sys.argv[1]))
e = [x for x in d["assets"][0]["findings"] if x["rule"] == "port-unapproved-open"][0]["enrichment"]
assert e["peekplain"]["env"] == "visible", e
assert e["peek"]["env"] is None and e["peekkeys"]["env"] is None, e
PY
! grep -q "s3cret-token" "$T/sev.json" "$T/sout" "$T/serr" || fail "the secret was printed"
echo "ok"
