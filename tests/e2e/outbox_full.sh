#!/bin/sh
# A full state dir (issue 22 item 8): the outbox lives on a full 64 KiB tmpfs (mounted in a
# private mount namespace, so nothing outside the test sees it) and the receiver is down. The
# notification can be neither stored nor delivered: the run says it is lost (never "kept in
# the outbox") and exits 3, "could not check", even in monitor mode. The same run with room
# in the state dir keeps it in the outbox and exits 0.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook
[ "$(id -u)" = 0 ] || pg_skip "needs root for a private mount namespace (unshare -m)"
command -v unshare >/dev/null 2>&1 || pg_skip "unshare (util-linux) not installed"
unshare -m --propagation private true 2>/dev/null ||
	pg_skip "cannot make a private mount namespace here (unshare -m)"

private_plugin_dir webhook
start_listener
open_port=$(cat "$T/lport")
down=$(pg_closed_port)
cat >"$T/manifest.yaml" <<YAML
version: 1
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: []
    ports: [$open_port]
YAML
# settings STATEDIR
settings() {
	cat >"$T/portgate.yaml" <<YAML
stateDir: $1
pluginDirs: [$T/plugins]
notifiers:
  hook: {plugin: webhook, url: "http://127.0.0.1:$down/hook", timeoutMs: 2000}
notify:
  retries: 0
YAML
}

# 1. Room in the state dir: the notification waits in the outbox, monitor mode exits 0.
settings "$T/state"
rc=0
"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --mode monitor --no-probe \
	--out "$T/ev.json" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 0 ] || fail "room: exit $rc (want 0): $(cat "$T/err")"
grep -q "kept in the outbox" "$T/err" || fail "room: $(cat "$T/err")"
[ "$(ls "$T/state/outbox" | grep -c '\.json$')" = 1 ] || fail "room: outbox $(ls "$T/state/outbox")"

# 2. The state dir on a full tmpfs: lost, said so, exit 3.
settings "$T/full/state"
mkdir -p "$T/full"
unshare -m --propagation private sh -c '
	set -u
	mount -t tmpfs -o size=64k,mode=0700 pg-full "$1/full" || exit 90
	mkdir -p "$1/full/state/outbox"
	dd if=/dev/zero of="$1/full/fill" bs=4k count=64 2>/dev/null
	rc=0
	"$2" check -m "$1/manifest.yaml" --config "$1/portgate.yaml" --mode monitor --no-probe \
		--out "$1/fev.json" >"$1/fout" 2>"$1/ferr" || rc=$?
	echo "$rc" >"$1/frc"
	ls -A "$1/full/state/outbox" >"$1/fls"
' sh "$T" "$PG_BIN" || { [ $? = 90 ] && pg_skip "cannot mount a tmpfs in the namespace"; }
rc=$(cat "$T/frc")
[ "$rc" = 3 ] || pg_fail "full: exit $rc (want 3, could not check): $(cat "$T/ferr")"
grep -q "cannot store .*: No space left on device; delivering without" "$T/ferr" || pg_fail "full: no 'cannot store' with the reason: $(cat "$T/ferr")"
grep -q "could not be stored and was not delivered: lost" "$T/ferr" ||
	pg_fail "full: the loss is not said: $(cat "$T/ferr")"
! grep -q "kept in the outbox" "$T/ferr" || pg_fail "full: claims it was kept: $(cat "$T/ferr")"
[ ! -s "$T/fls" ] || pg_fail "full: outbox holds $(cat "$T/fls")"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/fev.json" ||
	pg_fail "full: the evidence file"
pg_done
