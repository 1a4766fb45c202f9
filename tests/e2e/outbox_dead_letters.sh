#!/bin/sh
# Issue 21 item 5: the outbox without the whole config.
# - `outbox flush --instance NAME` starts only that notifier: another instance
#   whose plugin is missing blocks a full flush (exit 2), not this one;
# - a notification whose delivery crashes its plugin 3 times becomes a dead
#   letter (`outbox list --dead`, with the reason): flushes and runs leave it,
#   `outbox flush --dead` tries it again (and only it);
# - flush says what it delivered, and while the receiver is down it tries
#   every entry with its retries (as `outbox --help` says), not only the first.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook
TP="$PG_BUILDDIR/tests/plugins/.libs"
[ -f "$TP/crashynotify.so" ] || pg_skip "test plugin crashynotify not built"
private_plugin_dir webhook
install -m 0644 "$TP/crashynotify.so" "$T/plugins/"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"; export ASAN_OPTIONS
port=$(pg_free_port)
cat >"$T/run.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
notifiers:
  hook: {plugin: webhook, url: "http://127.0.0.1:$port/hook", timeoutMs: 2000}
  boom: {plugin: crashynotify, how: segv}
notify: {retries: 2, backoffMs: 10}
YAML
# the same, plus an instance whose plugin is not installed
cp "$T/run.yaml" "$T/broken.yaml"
sed -i 's/^notify:/  gone: {plugin: notinstalled}\nnotify:/' "$T/broken.yaml"

# Three runs while the receiver is down: three entries for hook, three for boom.
write_report "$T/r1.json"
for r in 1 2 3; do
	sed "s/run_e2e_1/run_e2e_$r/" "$T/r1.json" >"$T/r$r.x.json"
	"$DRIVER" notify "$T/run.yaml" "$T/r$r.x.json" >/dev/null 2>>"$T/runs.err" || true
done
attempts() { # attempts of INSTANCE's living entries, sorted, one line
	"$PG_BIN" outbox list --config "$T/run.yaml" --json | python3 -c '
import json, sys
print(" ".join(str(e["attempts"]) for e in json.load(sys.stdin) if e["instance"] == sys.argv[1]))' "$1"
}
[ "$(attempts hook)" = "3 3 3" ] || fail "hook entries after the runs: $(attempts hook)"

# Each run tried its own boom entry 3 times (retries 2), crashing it each
# time: three dead letters, each saying why.
"$PG_BIN" outbox list --config "$T/run.yaml" --dead --json >"$T/dead.json" \
	|| fail "outbox list --dead"
python3 - "$T/dead.json" <<'PY' || fail "dead letters: $(cat "$T/dead.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d and all(e["instance"] == "boom" and e["status"] == "dead" for e in d), d
assert all(e["lastError"] == "crashed the plugin 3 times: plugin crashynotify crashed (SIGSEGV)"
           for e in d), d
PY
ndead=$(jq_py "$T/dead.json" 'len(d)')
[ "$ndead" = 3 ] || fail "dead letters: $ndead"
"$PG_BIN" outbox list --config "$T/run.yaml" >"$T/list" || fail "outbox list"
grep -q "^3 dead letters: portgate outbox list --dead$" "$T/list" \
	|| fail "outbox list does not point at the dead letters: $(cat "$T/list")"
grep -q " boom " "$T/list" && fail "outbox list shows dead letters among the living: $(cat "$T/list")"
grep -q "moved to the dead letters" "$T/runs.err" || fail "no warning: $(cat "$T/runs.err")"

# A full flush needs every instance: the missing plugin stops it.
rc=0
"$PG_BIN" outbox flush --config "$T/broken.yaml" >"$T/f0.out" 2>"$T/f0.err" || rc=$?
[ "$rc" = 2 ] && grep -q "notinstalled" "$T/f0.err" || fail "full flush: exit $rc $(cat "$T/f0.err")"

# --instance hook with the receiver still down: every entry tried with its retries.
rc=0
"$PG_BIN" outbox flush --config "$T/broken.yaml" --instance hook >"$T/f1.out" 2>"$T/f1.err" || rc=$?
[ "$rc" = 1 ] || fail "flush --instance hook (down): exit $rc $(cat "$T/f1.err")"
[ "$(cat "$T/f1.out")" = "delivered 0, 3 still waiting" ] || fail "flush said: $(cat "$T/f1.out")"
[ "$(attempts hook)" = "6 6 6" ] || fail "not every entry was tried 3 times: $(attempts hook)"
grep -q "boom\|crash" "$T/f1.err" && fail "flush --instance hook touched boom: $(cat "$T/f1.err")"

# Receiver up: delivered, said so, exit 0 (boom's entries are not this flush's).
start_receiver "$port" --log "$T/recv.log"
"$PG_BIN" outbox flush --config "$T/broken.yaml" --instance hook >"$T/f2.out" 2>"$T/f2.err" \
	|| fail "flush --instance hook: $(cat "$T/f2.err")"
[ "$(cat "$T/f2.out")" = "delivered 3, 0 still waiting" ] || fail "flush said: $(cat "$T/f2.out")"
[ "$(rstat deliveries)" = 3 ] || fail "deliveries: $(rstat deliveries)"
rc=0
"$PG_BIN" outbox flush --config "$T/broken.yaml" --instance nosuch 2>"$T/f3.err" || rc=$?
[ "$rc" = 2 ] && grep -q "configures no notifier 'nosuch'" "$T/f3.err" \
	|| fail "--instance nosuch: exit $rc $(cat "$T/f3.err")"

# A plain flush leaves the dead letters alone (no crash, no attempt).
before=$(jq_py "$T/dead.json" 'sorted(e["attempts"] for e in d)')
"$PG_BIN" outbox flush --config "$T/run.yaml" >"$T/f4.out" 2>"$T/f4.err" || true
grep -q "crash" "$T/f4.err" && fail "a plain flush tried a dead letter: $(cat "$T/f4.err")"
"$PG_BIN" outbox list --config "$T/run.yaml" --dead --json >"$T/dead2.json"
[ "$(jq_py "$T/dead2.json" 'sorted(e["attempts"] for e in d)')" = "$before" ] \
	|| fail "dead letters changed: $before -> $(cat "$T/dead2.json")"

# flush --dead tries them again (only them): still crashing, dead again, exit 1.
rc=0
"$PG_BIN" outbox flush --config "$T/run.yaml" --dead --instance boom >"$T/f5.out" 2>"$T/f5.err" \
	|| rc=$?
[ "$rc" = 1 ] || fail "flush --dead: exit $rc $(cat "$T/f5.err")"
grep -q "^delivered 0, $ndead still waiting, $ndead moved to the dead letters" "$T/f5.out" \
	|| fail "flush --dead said: $(cat "$T/f5.out")"
"$PG_BIN" outbox list --config "$T/run.yaml" --dead --json >"$T/dead3.json"
python3 - "$T/dead2.json" "$T/dead3.json" <<'PY' || fail "flush --dead did not retry each 3 times"
import json, sys
a = {e["id"]: e["attempts"] for e in json.load(open(sys.argv[1]))}
b = {e["id"]: e["attempts"] for e in json.load(open(sys.argv[2]))}
assert a.keys() == b.keys() and all(b[k] == a[k] + 3 for k in a), (a, b)
PY
# options where they do not belong: one message, exit 2
rc=0
"$PG_BIN" outbox list --config "$T/run.yaml" --instance hook 2>"$T/f6.err" || rc=$?
[ "$rc" = 2 ] && grep -q "option '--instance' does not apply here" "$T/f6.err" \
	|| fail "list --instance: exit $rc $(cat "$T/f6.err")"
echo "ok"
