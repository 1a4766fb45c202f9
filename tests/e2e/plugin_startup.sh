#!/bin/sh
# Plugin start-up costs the plugin that fails, never the run (issue 21, items
# 1 and 2): create() that segfaults or hangs (bounded by timeoutMs) leaves its
# instance out, and `check` completes, writes its evidence (run.plugins says
# how each enricher fared), exits by the policy and names the plugin; a
# notifier that could not start keeps its notification in the outbox;
# plugin-test says "crash" instead of dying; a library constructor that
# faults is reported by plugin-check (file or directory) and is a warning for
# `check`; a wrong-ABI file beside a good one warns and breaks nobody.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
TP="$PG_BUILDDIR/tests/plugins/.libs"
for p in crashy crashynotify crashyctor testenrich wrongmajor; do
	[ -f "$TP/$p.so" ] || pg_skip "test plugin $p not built"
done
mkdir -p "$T/plugins" "$T/shared"
chmod 0755 "$T/plugins" "$T/shared"
for p in crashy crashynotify testenrich; do install -m 0644 "$TP/$p.so" "$T/plugins/"; done
# a shared directory: a good plugin, one built for another ABI, one whose constructor faults
for p in testenrich wrongmajor crashyctor; do install -m 0644 "$TP/$p.so" "$T/shared/"; done
# a SIGSEGV stays a signal under ASan, as in a normal build
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_abort=0"
export ASAN_OPTIONS
app_manifest

# 1. An enricher whose create() crashes or hangs: the run goes on without it.
for how in segv hang; do
	{ printf 'stateDir: %s\npluginDirs: [%s]\nenrichers:\n' "$T/state-$how" "$T/plugins"
	  printf '  bad: {plugin: crashy, how: ok, createHow: %s, timeoutMs: 1500}\n' "$how"
	  printf '  good: {plugin: testenrich}\n'; } >"$T/portgate.yaml"
	want="plugin crashy: create() crashed (SIGSEGV)"
	[ "$how" = segv ] || want="plugin crashy: create() timed out after 1500 ms"
	policy_check "create $how"
	[ "$took" -le 10 ] || fail "create $how: check took ${took}s (timeoutMs 1500)"
	grep -qF "$want" "$T/err" || fail "create $how: no message naming the plugin: $(cat "$T/err")"
	python3 - "$T/ev.json" "$want" <<'PY' || fail "create $how: evidence: $(cat "$T/ev.json")"
import json, sys
d = json.load(open(sys.argv[1]))
want = sys.argv[2]
assert d["run"]["verdict"] == "fail" and d["run"]["exitCode"] == 1, d["run"]
f = [x for x in d["assets"][0]["findings"] if x["rule"] == "port-unapproved-open"][0]
assert f["enrichment"]["bad"] == {"error": want}, f["enrichment"]
assert f["enrichment"]["good"]["seen"] == "127.0.0.1", f["enrichment"]
assert d["run"]["judges"]["bad"]["failed"] >= 1, d["run"]["judges"]
p = d["run"]["plugins"]
assert p["bad"]["startError"] == want.split(": ", 1)[1], p
assert p["bad"]["crashes"] == p["bad"]["calls"] >= 1, p
assert p["good"]["calls"] >= 1 and p["good"]["errors"] == 0 and "startError" not in p["good"], p
for k in ("timeouts", "msMedian", "msMax", "cacheHits"):
    assert isinstance(p["good"][k], int), (k, p)
PY
done

# run.plugins counts the enrichment cache: a second run answers from it, with no call.
printf 'stateDir: %s\npluginDirs: [%s]\nenrichers:\n  good: {plugin: testenrich, cacheTtlSeconds: 600}\n' \
	"$T/cstate" "$T/plugins" >"$T/portgate.yaml"
policy_check "cache 1"
policy_check "cache 2"
python3 - "$T/ev.json" <<'PY' || fail "cache: $(cat "$T/ev.json")"
import json, sys
p = json.load(open(sys.argv[1]))["run"]["plugins"]["good"]
assert p["cacheHits"] >= 1 and p["calls"] == 0 and p["msMax"] == 0, p
PY

# 2. plugin-test on a create() that crashes: a "crash" result and exit 1, not 139.
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state-pt
pluginDirs: [$T/plugins]
enrichers:
  bad: {plugin: crashy, how: ok, createHow: segv}
YAML
echo '{"rule": "port-unapproved-open", "asset": "app", "target": "127.0.0.1", "port": 22}' \
	>"$T/finding.json"
rc=0
"$PG_BIN" plugin-test enrich "$T/portgate.yaml" "$T/finding.json" >"$T/pt.json" 2>"$T/pterr" ||
	rc=$?
[ "$rc" = 1 ] || fail "plugin-test: exit $rc: $(cat "$T/pterr")"
grep -q '"crash"' "$T/pt.json" || fail "plugin-test: $(cat "$T/pt.json")"
grep -qF "create() crashed (SIGSEGV)" "$T/pt.json" "$T/pterr" || fail "plugin-test: no reason"

# 3. A notifier whose create() crashes: its notification waits in the outbox.
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/nstate
pluginDirs: [$T/plugins]
notifiers:
  pager: {plugin: crashynotify, how: ok, createHow: segv}
notify:
  retries: 3
  backoffMs: 2000
YAML
policy_check "notifier create"
# retrying cannot start it: no backoff (3 retries would wait 2+4+8 s)
[ "$took" -le 5 ] || fail "notifier create: took ${took}s"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/ev.json" || fail "evidence"
grep -qF "plugin crashynotify: create() crashed (SIGSEGV)" "$T/err" ||
	fail "notifier create: $(cat "$T/err")"
"$PG_BIN" outbox list --config "$T/portgate.yaml" --json >"$T/ob.json"
python3 - "$T/ob.json" <<'PY' || fail "notifier create: outbox $(cat "$T/ob.json")"
import json, sys
e = json.load(open(sys.argv[1]))
assert len(e) == 1 and "create() crashed (SIGSEGV)" in json.dumps(e), e
PY

# 4. A constructor that faults: plugin-check reports it (file and directory) and lives.
rc=0
"$PG_BIN" plugin-check "$T/shared/crashyctor.so" >"$T/pc" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "plugin-check file: exit $rc: $(cat "$T/pc")"
grep -qF "crashyctor.so: loading it crashed (SIGSEGV)" "$T/pc" || fail "plugin-check: $(cat "$T/pc")"
rc=0
"$PG_BIN" plugin-check "$T/shared" >"$T/pc" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "plugin-check dir: exit $rc: $(cat "$T/pc")"
grep -qF "testenrich.so: ok: testenrich" "$T/pc" || fail "plugin-check dir: $(cat "$T/pc")"
grep -qF "crashyctor.so: loading it crashed (SIGSEGV)" "$T/pc" || fail "plugin-check dir: $(cat "$T/pc")"
grep -qF "wrongmajor.so: plugin ABI" "$T/pc" || fail "plugin-check dir: $(cat "$T/pc")"

# 5. The shared directory: settings that name only the good plugin pass with a
# warning naming each bad file; naming the wrong-ABI one is still an error.
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/sstate
pluginDirs: [$T/shared]
enrichers:
  good: {plugin: testenrich}
YAML
policy_check "shared dir"
grep -q "wrongmajor.so: plugin ABI .* (skipped" "$T/err" || fail "shared dir: $(cat "$T/err")"
grep -q "crashyctor.so: loading it crashed (SIGSEGV)" "$T/err" || fail "shared dir: $(cat "$T/err")"
python3 - "$T/ev.json" <<'PY' || fail "shared dir: evidence $(cat "$T/ev.json")"
import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["assets"][0]["findings"] if x["rule"] == "port-unapproved-open"][0]
assert f["enrichment"]["good"]["seen"] == "127.0.0.1", f
PY
rc=0
"$PG_BIN" validate -m "$T/manifest.yaml" --config "$T/portgate.yaml" >"$T/vout" 2>"$T/verr" || rc=$?
[ "$rc" = 0 ] || fail "validate shared dir: exit $rc: $(cat "$T/verr")"
grep -q "wrongmajor.so" "$T/verr" || fail "validate: no warning: $(cat "$T/verr")"
cat >"$T/portgate.yaml" <<YAML
pluginDirs: [$T/shared]
notifiers:
  b: {plugin: bad}
YAML
rc=0
"$PG_BIN" validate -m "$T/manifest.yaml" --config "$T/portgate.yaml" >"$T/vout" 2>"$T/verr" || rc=$?
[ "$rc" = 2 ] || fail "validate naming the bad plugin: exit $rc: $(cat "$T/verr")"
grep -q "no plugin named 'bad'" "$T/verr" || fail "validate naming bad: $(cat "$T/verr")"
echo "ok"
