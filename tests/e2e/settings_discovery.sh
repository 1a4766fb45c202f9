#!/bin/sh
# settings_discovery: the settings file is found like trivy's (--config, $PORTGATE_CONFIG,
# ./.portgate.yaml, $XDG_CONFIG_HOME/portgate/portgate.yaml, ~/.config/...), -v names it, the
# evidence records it (run.settings: path, source, sha256); the shipped example is inert;
# check --no-notify stores and sends nothing; --dry-run connects to nothing; an output that
# cannot be written is a usage error before the scan. (The system directory is covered by
# test_util's pg_config_find case: this test writes nothing outside its own directory.)
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
cd "$PG_TMP"
pg_listen web "http@127.0.0.1:0"
web=$(pg_port web 1)
cat >m.yaml <<YAML
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: [$web]
    ports: [$web]
YAML
# every layer starts empty: nothing of the machine's own settings leaks in
export HOME="$PG_TMP/home" XDG_CONFIG_HOME="$PG_TMP/xdg"
unset PORTGATE_CONFIG || true
mkdir -p "$HOME" "$XDG_CONFIG_HOME"

settings_of() { # the run.settings the evidence recorded, and what -v said
	"$PG_BIN" check -m m.yaml --no-probe -v -o ev.json >/dev/null 2>v.err || true
	pg_json ev.json '[d["run"]["settings"]["path"], d["run"]["settings"]["source"]]'
}
pg_assert_eq "no file: built-in defaults" "$(settings_of)" '[null, "built-in"]'
pg_assert_grep "-v says so" "settings: none found, built-in defaults" v.err

# each layer, lowest first; a higher one hides it (the timeout tells which file was read)
mkdir -p "$HOME/.config/portgate"
printf 'scan:\n  timeoutMs: 101\n' >"$HOME/.config/portgate/portgate.yaml"
pg_assert_eq "XDG_CONFIG_HOME without the file: nothing there" "$(settings_of)" '[null, "built-in"]'
(unset XDG_CONFIG_HOME; settings_of) >home.out
pg_assert_eq "no XDG_CONFIG_HOME: ~/.config/portgate/portgate.yaml" "$(cat home.out)" \
	"[\"$HOME/.config/portgate/portgate.yaml\", \"user\"]"
mkdir -p "$XDG_CONFIG_HOME/portgate"
printf 'scan:\n  timeoutMs: 102\n' >"$XDG_CONFIG_HOME/portgate/portgate.yaml"
pg_assert_eq "XDG_CONFIG_HOME/portgate/portgate.yaml" "$(settings_of)" \
	"[\"$XDG_CONFIG_HOME/portgate/portgate.yaml\", \"user\"]"
pg_assert_grep "-v names the user's file" "settings: $XDG_CONFIG_HOME/portgate/portgate.yaml (user)" v.err
printf 'scan:\n  timeoutMs: 103\n' >.portgate.yaml
pg_assert_eq "./.portgate.yaml wins over the user's" "$(settings_of)" '[".portgate.yaml", "working directory"]'
pg_assert_grep "-v names it" "settings: .portgate.yaml (working directory)" v.err
pg_assert_eq "its sha256 recorded" "$(pg_json ev.json 'd["run"]["settings"]["sha256"]')" \
	"$(sha256sum .portgate.yaml | cut -d' ' -f1)"
printf 'scan:\n  timeoutMs: 104\n' >env.yaml
pg_assert_eq "PORTGATE_CONFIG wins over ./.portgate.yaml" "$(PORTGATE_CONFIG=env.yaml settings_of)" \
	'["env.yaml", "PORTGATE_CONFIG"]'
printf 'scan:\n  timeoutMs: 105\n' >flag.yaml
"$PG_BIN" check -m m.yaml --no-probe -v --config flag.yaml -o ev.json >/dev/null 2>v.err || true
pg_assert_eq "--config wins over all" \
	"$(pg_json ev.json '[d["run"]["settings"]["path"], d["run"]["settings"]["source"]]')" \
	'["flag.yaml", "--config"]'

# a discovered file is read like a named one: its errors stop the run, at file:line
printf 'scan:\n  timeoutMz: 1\n' >.portgate.yaml
pg_expect_exit 2 "a bad ./.portgate.yaml is a configuration error" "$PG_BIN" check -m m.yaml --no-probe
pg_assert_grep "at its line" "^portgate: .portgate.yaml:2: scan: unknown key 'timeoutMz'" "$PG_TMP/err"
pg_expect_exit 2 "validate checks the file check would use" "$PG_BIN" validate -m m.yaml
printf 'scan:\n  timeoutMs: 103\n' >.portgate.yaml
pg_expect_exit 0 "validate names the found file" "$PG_BIN" validate -m m.yaml
pg_assert_eq "validate's lines" "$(cat "$PG_TMP/out")" "m.yaml: valid, 1 asset
.portgate.yaml: valid"
rm .portgate.yaml

# the shipped example: valid, and a run with it (plugins loaded) notifies no one
pg_expect_exit 0 "the example settings validate with the built plugins" "$PG_BIN" validate -m m.yaml \
	--config "$PG_SRCDIR/conf/portgate.yaml" --plugin-dir "$PG_BUILDDIR/plugins/.libs"
pg_assert_eq "no notifier and no enricher on in the example" "$(python3 -c '
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
print(sorted(k for k in ("notifiers", "enrichers") if d.get(k)))' "$PG_SRCDIR/conf/portgate.yaml")" "[]"
printf 'assets:\n  - target: 127.0.0.1\n    approvedPorts: [1]\n    ports: [%s]\n' "$web" >fail.yaml
PORTGATE_STATE_DIR="$PG_TMP/st-example" "$PG_BIN" check -m fail.yaml --no-probe -q \
	--config "$PG_SRCDIR/conf/portgate.yaml" --plugin-dir "$PG_BUILDDIR/plugins/.libs" || true
pg_assert_eq "a failing run with the example leaves no notification" \
	"$(find "$PG_TMP/st-example" -name '*.json' -path '*outbox*' 2>/dev/null | wc -l)" "0"

# --no-notify: a notifier nobody answers would keep the finding in the outbox
hook=$(pg_free_port)
cat >hook.yaml <<YAML
stateDir: $PG_TMP/state
notifiers:
  hook: { plugin: webhook, url: "http://127.0.0.1:$hook/x", timeoutMs: 500 }
notify: { retries: 0 }
YAML
outbox_n() { find "$PG_TMP/state" -path '*outbox*' -name '*.json' 2>/dev/null | wc -l; }
pg_expect_exit 1 "--no-notify: the check still runs and fails" "$PG_BIN" check -m fail.yaml --no-probe \
	--config hook.yaml --plugin-dir "$PG_BUILDDIR/plugins/.libs" --no-notify -o nn.json
pg_assert_eq "--no-notify: the evidence is written" "$(pg_json nn.json 'd["run"]["verdict"]')" "fail"
pg_assert_eq "--no-notify: nothing stored in the outbox" "$(outbox_n)" "0"
"$PG_BIN" check -m fail.yaml --no-probe -q --config hook.yaml --plugin-dir "$PG_BUILDDIR/plugins/.libs" || true
pg_assert_eq "without it the undeliverable notification waits in the outbox" "$(outbox_n)" "1"

# --dry-run: resolution and scope, no connection (the listener counts none)
cat >dry.yaml <<YAML
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: [$web]
    ports: [8000-8002]
  - name: elsewhere
    target: 127.0.0.2
    approvedPorts: [$web]
    ports: [$web]
    expectedNetwork: [10.0.0.0/8]
YAML
# a listener that only counts: every connection the kernel completed waits in its backlog
python3 - <<'PY' &
import os, socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open("count.port.tmp", "w").write("%d\n" % s.getsockname()[1]); os.rename("count.port.tmp", "count.port")
for _ in range(600):
    if os.path.exists("count.done"): break
    time.sleep(0.05)
s.setblocking(False); n = 0
while True:
    try: s.accept(); n += 1
    except BlockingIOError: break
open("count.tmp", "w").write("%d\n" % n); os.rename("count.tmp", "count.out")
PY
pg_on_exit "kill $!"
pg_wait_file count.port "counting listener did not start"
web=$(cat count.port)
sed -i "s/approvedPorts: \[[0-9]*\]/approvedPorts: [$web]/; s/ports: \[[0-9]*\]/ports: [$web]/" dry.yaml
pg_expect_exit 0 "--dry-run exits 0 when everything resolves" "$PG_BIN" check -m dry.yaml --dry-run \
	--format sarif --output dry.sarif
[ ! -e dry.sarif ] && pg_ok "--dry-run writes no output" || pg_fail "--dry-run wrote dry.sarif"
touch count.done
pg_wait_file count.out "counting listener did not answer"
pg_assert_eq "--dry-run connected to nothing" "$(cat count.out)" "0"
pg_assert_eq "--dry-run prints the plan" "$(cat "$PG_TMP/out")" "app (127.0.0.1, line 2): ports 8000-8002,$web (4 ports)
  127.0.0.1: scan
elsewhere (127.0.0.2, line 6): ports $web (1 port)
  127.0.0.2: skip (network-unexpected)
dry run: 2 of 2 asset(s) resolved; nothing was connected to"
printf 'assets:\n  - target: not-there.invalid\n    approvedPorts: [80]\n' >unres.yaml
# a DNS server port nobody answers on (never the system resolver for a made-up name)
pg_expect_exit 3 "--dry-run exits 3 when a target does not resolve" "$PG_BIN" check -m unres.yaml --dry-run \
	--dns-server "127.0.0.1:$(pg_free_port 1 udp)"
pg_assert_grep "and says why" "not-there.invalid (not-there.invalid, line 2): not resolved" "$PG_TMP/out"

# outputs that cannot be written: exit 2 before anything is scanned
pg_expect_exit 2 "an output in a missing directory" "$PG_BIN" check -m m.yaml --format sarif --output nodir/x.sarif
pg_assert_eq "said before the scan" "$(cat "$PG_TMP/err")" "portgate: check: --output nodir/x.sarif: directory nodir does not exist
Try 'portgate check --help'."
pg_expect_exit 2 "an empty output path (unset \$GITHUB_STEP_SUMMARY)" "$PG_BIN" check -m m.yaml --format markdown --output ""
pg_assert_grep "named" "--output: empty path" "$PG_TMP/err"
pg_expect_exit 2 "-o into a directory" "$PG_BIN" check -m m.yaml -o "$PG_TMP"
pg_expect_exit 2 "merge checks its outputs too" "$PG_BIN" merge nn.json -o nodir/m.json
pg_done
