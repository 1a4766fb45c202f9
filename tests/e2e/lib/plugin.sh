# tests/e2e/lib/plugin.sh - shared helpers for the plugin e2e tests (sourced). On top of
# lib/common.sh: its skip convention (pg_skip), free ports (pg_free_port) and clean-up.
: "${PG_BIN:?}" "${PG_BUILDDIR:?}" "${PG_SRCDIR:?}"
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
DRIVER="$PG_BUILDDIR/tests/plugins/pg_plugin_driver"
RECEIVER="$PG_SRCDIR/tests/tools/receiver.py"
PLUGINS="$PG_BUILDDIR/plugins/.libs"

# A failed step ends the test at once (pg_fail counts and goes on).
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v python3 >/dev/null 2>&1 || pg_skip "python3 not installed"
[ -x "$DRIVER" ] || pg_skip "pg_plugin_driver not built"
# need_plugin NAME...: skip when ./configure --disable-plugin-NAME left it out
need_plugin() {
	for _p in "$@"; do
		[ -f "$PLUGINS/$_p.so" ] || pg_skip "plugin $_p not built (--disable-plugin-$_p)"
	done
}

T=$(mktemp -d /tmp/pg-plugin-e2e.XXXXXX)
chmod 0755 "$T"
RECEIVER_PID=
LISTENER_PID=
EXTRA_CLEANUP=:
cleanup() {
	rc=$?
	$EXTRA_CLEANUP || true
	if [ -n "$LISTENER_PID" ]; then
		kill "$LISTENER_PID" 2>/dev/null || true
		wait "$LISTENER_PID" 2>/dev/null || true
	fi
	if [ -n "$RECEIVER_PID" ]; then
		kill "$RECEIVER_PID" 2>/dev/null || true
		wait "$RECEIVER_PID" 2>/dev/null || true
	fi
	rm -rf "$T"
	pg_cleanup
	exit $rc
}
trap cleanup EXIT INT TERM

# start_receiver PORT ARGS... : background receiver on 127.0.0.1:PORT, waits until it listens.
start_receiver() {
	port=$1; shift
	rm -f "$T/port"
	python3 "$RECEIVER" --port "$port" --port-file "$T/port" --max-seconds 120 "$@" &
	RECEIVER_PID=$!
	i=0
	while [ ! -s "$T/port" ]; do
		i=$((i + 1)); [ $i -le 100 ] || fail "receiver did not start"
		sleep 0.1
	done
}

# start_listener: a plain TCP listener (an "unapproved open port"); prints its port.
start_listener() {
	rm -f "$T/lport"
	python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)' "$T/lport" &
	LISTENER_PID=$!
	i=0
	while [ ! -s "$T/lport" ]; do
		i=$((i + 1)); [ $i -le 100 ] || fail "listener did not start"
		sleep 0.1
	done
}

stop_receiver() {
	kill "$RECEIVER_PID" 2>/dev/null || true
	wait "$RECEIVER_PID" 2>/dev/null || true
	RECEIVER_PID=
}

# rstat NAME: a field of the receiver's /stats.
rstat() {
	python3 - "$(cat "$T/port")" "$1" <<'PY'
import json, sys, urllib.request
print(json.load(urllib.request.urlopen("http://127.0.0.1:%s/stats" % sys.argv[1], timeout=5))[sys.argv[2]])
PY
}

# A plugin directory only we can write: the loader refuses anything else.
private_plugin_dir() {
	mkdir -p "$T/plugins"; chmod 0755 "$T/plugins"
	for p in "$@"; do install -m 0644 "$PLUGINS/$p.so" "$T/plugins/$p.so"; done
}

# A minimal evidence report with two fail findings on one asset and a warn.
write_report() {
	cat >"$1" <<'JSON'
{"portgate": {"version": "0.1.0", "evidenceSchema": 1},
 "run": {"id": "run_e2e_1", "verdict": "fail", "exitCode": 1},
 "assets": [
  {"name": "app", "target": "app.example", "verdict": "fail", "findings": [
    {"rule": "port-unapproved-open", "action": "fail", "severity": "high", "asset": "app",
     "target": "app.example", "ip": "127.0.0.1", "port": 8080, "protocol": "tcp", "fingerprint": "aaaa000011112222"},
    {"rule": "port-unapproved-open", "action": "fail", "severity": "high", "asset": "app",
     "target": "app.example", "ip": "127.0.0.1", "port": 9090, "protocol": "tcp", "fingerprint": "bbbb000011112222"}]},
  {"name": "db", "target": "db.example", "verdict": "warn", "findings": [
    {"rule": "port-approved-closed", "action": "warn", "severity": "low", "asset": "db",
     "target": "db.example", "ip": "127.0.0.2", "port": 5432, "protocol": "tcp", "fingerprint": "cccc000011112222"}]}]}
JSON
}

# jq_py FILE EXPR : a Python expression over the JSON document `d`, printed as JSON.
jq_py() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(eval(sys.argv[2])))' "$1" "$2"
}

# hook_config FILE PORT TIMEOUT_MS: stateDir $T/state, the private plugin dir
# and one webhook notifier "hook" posting to 127.0.0.1:PORT; append the rest
# (more notifiers at two spaces, other sections) to FILE afterwards.
hook_config() {
	cat >"$1" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
notifiers:
  hook:
    plugin: webhook
    url: http://127.0.0.1:$2/hook
    timeoutMs: $3
YAML
}

# app_manifest: a listener (start_listener) and $T/manifest.yaml with one asset
# "app" on 127.0.0.1 whose open port is not approved, so the policy fails (exit 1).
app_manifest() {
	start_listener
	printf 'version: 1\nassets:\n  - name: app\n    target: 127.0.0.1\n    approvedPorts: []\n    ports: [%s]\n' \
		"$(cat "$T/lport")" >"$T/manifest.yaml"
}

# policy_check NAME: `check` of $T/manifest.yaml with $T/portgate.yaml into
# $T/ev.json, $T/out, $T/err; it must exit 1 (the policy's). Sets took (seconds).
policy_check() {
	rm -f "$T/ev.json"
	_start=$(date +%s)
	_rc=0
	"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --out "$T/ev.json" \
		--no-probe >"$T/out" 2>"$T/err" || _rc=$?
	took=$(( $(date +%s) - _start ))
	[ "$_rc" = 1 ] || fail "$1: check exit $_rc (want 1, the policy's): $(cat "$T/err")"
}
