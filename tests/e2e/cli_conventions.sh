#!/bin/sh
# cli_conventions: help and --version everywhere, -q/-v on every command, one message
# per bad option naming it (with "did you mean"), -m - and --targets-file, colour
# switches (NO_COLOR, TERM=dumb, --color) on a real pseudo-terminal, the CI heartbeat,
# validate --json.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
cd "$PG_TMP"
pg_listen web "http@127.0.0.1:0" "silent@127.0.0.1:0"
web=$(pg_port web 1); quiet=$(pg_port web 2)
cat >m.yaml <<YAML
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: [$web]
    ports: [$web]
YAML
version=$("$PG_BIN" --version)
for cmd in check scan validate diff merge plugins plugin-check outbox; do
	pg_expect_exit 0 "$cmd --version" "$PG_BIN" "$cmd" --version
	pg_assert_eq "$cmd --version prints the version" "$(cat "$PG_TMP/out")" "$version"
	pg_expect_exit 0 "$cmd takes -q and -v" "$PG_BIN" "$cmd" -q -v --help
	pg_expect_exit 0 "help $cmd" "$PG_BIN" help "$cmd"
	cp "$PG_TMP/out" help.out
	"$PG_BIN" "$cmd" --help >cmdhelp.out 2>&1 || true
	pg_assert_eq "help $cmd = $cmd --help" "$(cat help.out)" "$(cat cmdhelp.out)"
done

# one message naming the error, with a suggestion when one is near
one_error() { # DESC WANT CMD...
	desc=$1; msg=$2; shift 2
	pg_expect_exit 2 "$desc" "$@"
	pg_assert_eq "$desc: one message" "$(cat "$PG_TMP/err")" "$msg"
}
one_error "mistyped option" "portgate: check: unknown option '--outt'; did you mean '--out'?
Try 'portgate check --help'." "$PG_BIN" check --outt x -m m.yaml
one_error "missing argument, short" "portgate: check: option '-m' needs an argument
Try 'portgate check --help'." "$PG_BIN" check -m
one_error "missing argument, long" "portgate: merge: option '--baseline' needs an argument
Try 'portgate merge --help'." "$PG_BIN" merge --baseline
one_error "mistyped outbox verb" "portgate: outbox: unknown subcommand 'lst'; did you mean 'list'?
Try 'portgate outbox --help'." "$PG_BIN" outbox lst
one_error "mistyped command" "portgate: unknown command 'chek'; did you mean 'check'?
Try 'portgate --help'." "$PG_BIN" chek
one_error "an option before the command" "portgate: option '--verbose' given before the command (options follow it: portgate COMMAND [OPTIONS])
Try 'portgate --help'." "$PG_BIN" --verbose check
one_error "unknown short option" "portgate: scan: unknown option '-x'
Try 'portgate scan --help'." "$PG_BIN" scan -x
one_error "mistyped --color" "portgate: check: --color: expected auto, always or never, got 'sometimes'
Try 'portgate check --help'." "$PG_BIN" check -m m.yaml --color sometimes

# an empty plugin directory: the listing says where it looked (-v: each directory)
mkdir -p emptyplugins
pg_expect_exit 0 "plugins in an empty directory" "$PG_BIN" plugins -v --plugin-dir emptyplugins
pg_assert_grep "no plugins found, and where" "^no plugins found (-v names each directory searched" "$PG_TMP/out"
pg_assert_grep "-v names the directory searched" "plugins: searching emptyplugins" "$PG_TMP/err"

# stdin and files of targets
pg_expect_exit 0 "-m - reads the manifest from stdin" sh -c '"$1" check -m - --no-probe -o ev.json <m.yaml' sh "$PG_BIN"
pg_assert_eq "stdin manifest recorded as -" "$(pg_json ev.json 'd["run"]["manifest"]')" "-"
printf '# targets\n127.0.0.1   # loopback\n\n::1\n' >targets.txt
pg_expect_exit 0 "scan --targets-file" "$PG_BIN" scan --targets-file targets.txt -p "$web" --no-probe --compact
pg_assert_eq "both targets scanned, comments skipped" "$(pg_json "$PG_TMP/out" '[s["target"] for s in d]')" '["127.0.0.1", "::1"]'
one_error "a missing targets file" "portgate: scan: --targets-file nope.txt: No such file or directory" \
	"$PG_BIN" scan --targets-file nope.txt
printf '127.0.0.1\n# next\nbad_host!\n' >badtargets.txt
one_error "a bad line of a targets file: file:line" "portgate: scan: --targets-file badtargets.txt:3: target 'bad_host!' is not a valid host name, IPv4 or IPv6 address
Try 'portgate scan --help'." "$PG_BIN" scan --targets-file badtargets.txt
printf '127.0.0.1\n\000\n127.0.0.2\n' >nultargets.txt
one_error "a NUL byte in a targets file: file:line, not the rest dropped" "portgate: scan: --targets-file nultargets.txt:2: NUL byte
Try 'portgate scan --help'." "$PG_BIN" scan --targets-file nultargets.txt
printf '# nothing yet\n\n' >notargets.txt
one_error "a targets file without a target says so" "portgate: scan: --targets-file notargets.txt: no target in it
Try 'portgate scan --help'." "$PG_BIN" scan --targets-file notargets.txt

# colour: a real pseudo-terminal
pty_run() { # ENV... -- prints whether the output had an escape byte
	python3 - "$PG_BIN" "$@" <<'PY'
import os, pty, sys
binary, args = sys.argv[1], sys.argv[2:]
env = dict(os.environ)
env.pop("NO_COLOR", None)
env["TERM"] = "xterm"
while args and "=" in args[0]:
    k, v = args.pop(0).split("=", 1)
    env[k] = v
pid, fd = pty.fork()
if pid == 0:
    os.execve(binary, [binary] + args, env)
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
print("color" if b"\x1b[" in out else "plain")
PY
}
pg_assert_eq "a terminal gets colour" "$(pty_run check -m m.yaml --no-probe)" "color"
pg_assert_eq "NO_COLOR turns it off" "$(pty_run NO_COLOR=1 check -m m.yaml --no-probe)" "plain"
pg_assert_eq "TERM=dumb turns it off" "$(pty_run TERM=dumb check -m m.yaml --no-probe)" "plain"
pg_assert_eq "--color never turns it off" "$(pty_run check -m m.yaml --no-probe --color never)" "plain"
"$PG_BIN" check -m m.yaml --no-probe --color always >always.out || true
if grep -q "$(printf '\033')\[" always.out; then pg_ok "--color always colours a pipe"; else pg_fail "--color always"; fi
# FORCE_COLOR (force-color.org): set and non-empty colours a pipe, over NO_COLOR; --color never wins
pipe_colour() { # ENV [OPTION...] : colour or plain of check's summary on a pipe
	e=$1; shift
	env "$e" "$PG_BIN" check -m m.yaml --no-probe "$@" | grep -q "$(printf '\033')\[" && echo color || echo plain
}
pg_assert_eq "FORCE_COLOR=1 colours a pipe" "$(pipe_colour FORCE_COLOR=1)" "color"
pg_assert_eq "FORCE_COLOR over NO_COLOR" "$(NO_COLOR=1 pipe_colour FORCE_COLOR=1)" "color"
pg_assert_eq "an empty FORCE_COLOR does nothing" "$(pipe_colour FORCE_COLOR=)" "plain"
pg_assert_eq "--color never over FORCE_COLOR" "$(pipe_colour FORCE_COLOR=1 --color never)" "plain"

# heartbeat off a terminal: a probe of a silent port takes seconds
cat >slow.yaml <<YAML
assets:
  - target: 127.0.0.1
    approvedPorts: [$quiet]
    ports: [$quiet]
YAML
printf 'probe:\n  bannerWaitMs: 1200\n  totalMs: 2500\n' >slow.conf
PORTGATE_HEARTBEAT_SECONDS=1 "$PG_BIN" check -m slow.yaml --config slow.conf >/dev/null 2>beat.err || true
pg_assert_grep "a heartbeat line in a CI log (open so far, the probe running)" \
	"^portgate: [0-9]*s elapsed, scanning: 0/1 ports done (0%), 1 open, probing 1$" beat.err

# validate --json
printf 'assets:\n  - target: 127.0.0.1\n    approvedPorts: [99999]\n' >bad.yaml
pg_expect_exit 2 "validate --json on a bad manifest" "$PG_BIN" validate --json -m bad.yaml
pg_assert_eq "errors as data" "$(pg_json "$PG_TMP/out" 'd')" \
	'{"manifest": "bad.yaml", "valid": false, "assets": 0, "errors": [{"file": "bad.yaml", "line": 3, "message": "assets[0].approvedPorts: port 99999 is outside 1-65535"}], "warnings": []}'
pg_expect_exit 0 "validate --json on a good one" "$PG_BIN" validate --json -m m.yaml
pg_assert_eq "valid" "$(pg_json "$PG_TMP/out" '[d["valid"], d["assets"], d["errors"]]')" '[true, 1, []]'
pg_expect_exit 0 "validate -q prints nothing" "$PG_BIN" validate -q -m m.yaml
pg_assert_eq "nothing" "$(cat "$PG_TMP/out")" ""
pg_done
