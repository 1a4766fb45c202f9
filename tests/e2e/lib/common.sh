# common.sh - shared helpers for end-to-end tests (sourced; POSIX sh + bash-isms avoided).
# Every test: real binary ($PG_BIN), real listeners on loopback, cleanup on exit.
set -eu
: "${PG_BIN:?PG_BIN must point at the built portgate binary}"
: "${PG_SRCDIR:?PG_SRCDIR must point at the source tree}"
PG_TOOLS="$PG_SRCDIR/tests/tools"
PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pg-e2e.XXXXXX")
PG_CLEANUP=""
PG_FAILS=0

pg_on_exit() { PG_CLEANUP="$1; $PG_CLEANUP"; }
pg_cleanup() {
	eval "$PG_CLEANUP" >/dev/null 2>&1 || true
	rm -rf "$PG_TMP"
}
trap pg_cleanup EXIT
trap 'exit 1' INT TERM

# The one skip convention of every e2e test (lib/plugin.sh too): a line "SKIP: reason", then exit
# 77, which automake counts as SKIP. A skip after a failed check is a failure: the skip must not
# hide it.
pg_skip() {
	if [ "$PG_FAILS" -ne 0 ]; then echo "FAIL: $PG_FAILS check(s) failed before: $*" >&2; exit 1; fi
	echo "SKIP: $*"; exit 77
}
# pg_skip_part REASON : one part of the test cannot run here (no IPv6 loopback, say); the rest
# runs, and pg_done then reports the whole test as skipped with every reason, so a machine that
# ran only part of it never shows a plain PASS.
PG_SKIPPED=""
pg_skip_part() { echo "SKIP (part): $*"; PG_SKIPPED="${PG_SKIPPED:+$PG_SKIPPED; }$*"; }
pg_fail() { echo "FAIL: $*" >&2; PG_FAILS=$((PG_FAILS + 1)); }
pg_ok() { echo "ok: $*"; }
pg_done() {
	if [ "$PG_FAILS" -ne 0 ]; then echo "$PG_FAILS check(s) failed" >&2; exit 1; fi
	[ -z "$PG_SKIPPED" ] || pg_skip "$PG_SKIPPED"
	exit 0
}

# True when the loopback has ::1 (containers may run without IPv6).
pg_have_ipv6() {
	python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null
}

# pg_wait_file FILE MESSAGE : wait (5 s at most) until a fixture started in the background
#   wrote FILE (its ports); exit 1 saying MESSAGE if it never does.
pg_wait_file() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1)); [ $i -le 100 ] || { echo "$2" >&2; exit 1; }
		sleep 0.05
	done
}

# pg_listen NAME SPEC... : start tests/tools/listen.py; ports land in $PG_TMP/NAME.ports
pg_listen() {
	name=$1; shift
	python3 "$PG_TOOLS/listen.py" "$PG_TMP/$name.ports" "$@" &
	pg_on_exit "kill $!"
	pg_wait_file "$PG_TMP/$name.ports" "listener $name did not start"
}
# pg_port NAME N : the N-th (1-based) port of listener NAME
pg_port() { sed -n "${2}p" "$PG_TMP/$1.ports"; }

# pg_free_port [N [udp]] : N (default 1) distinct ports nothing listens on now on 127.0.0.1, one
# a line, for listeners the test starts there later: bound together, then released. With udp
# each is free for UDP too (a DNS server takes both); that fails when the TCP twin is taken.
# The one free-port helper: lib/netns.sh runs the same program inside its namespace.
PG_FREE_PORT_PY='
import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    t = socket.socket()
    if sys.argv[2:] == ["udp"]:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        held.append(u)
        t.bind(("127.0.0.1", u.getsockname()[1]))
    else:
        t.bind(("127.0.0.1", 0))
    held.append(t)
    print(t.getsockname()[1])
'
pg_free_port() { python3 -c "$PG_FREE_PORT_PY" "${1:-1}" ${2:+"$2"}; }

# pg_closed_port: a port that answers RST for the whole test. It stays bound (not listening)
# while the test's shell lives, so neither another test's listener nor an ephemeral source port
# (a loopback self-connect looks open) can take it meanwhile. A released port can be taken (the
# likely cause of a report_formats run under load that saw 2 of its 4 findings: its two
# "approved port closed" findings need the port closed). The holder ends by itself with the
# shell, within 30 minutes at most.
pg_closed_port() {
	python3 -c '
import os, socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
if os.fork(): sys.exit(0)
fd = os.open(os.devnull, os.O_RDWR)
for i in (0, 1, 2): os.dup2(fd, i)
for _ in range(3600):
    try: os.kill(int(sys.argv[1]), 0)
    except OSError: break
    time.sleep(0.5)' "$$"
}

# pg_json FILE EXPR : evaluate a Python expression over the JSON document `d`.
pg_json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(json.dumps(v) if isinstance(v,(dict,list,bool)) or v is None else v)' "$1" "$2"
}

# pg_expect_exit CODE DESC CMD... : run CMD, compare its exit status.
pg_expect_exit() {
	want=$1; desc=$2; shift 2
	set +e; "$@" >"$PG_TMP/out" 2>"$PG_TMP/err"; got=$?; set -e
	if [ "$got" -eq "$want" ]; then pg_ok "$desc (exit $got)"
	else pg_fail "$desc: exit $got, want $want"; sed 's/^/  | /' "$PG_TMP/out" "$PG_TMP/err" >&2; fi
}

# pg_rules_declared EVIDENCE INSTANCE PLUGIN DIR : every rule the findings of INSTANCE (source)
#   in EVIDENCE carry is a row of `portgate rules --plugin-dir DIR` with source PLUGIN (a plugin
#   declares what it emits, ABI 1.4); the rules in $PG_TMP/emitted; exit 1 otherwise.
pg_rules_declared() {
	python3 -c 'import json, sys
print("\n".join(sorted({f["rule"] for a in json.load(open(sys.argv[1]))["assets"]
                         for f in a.get("findings", []) if f.get("source") == sys.argv[2]})))' \
		"$1" "$2" >"$PG_TMP/emitted" || { echo "FAIL: evidence $1" >&2; exit 1; }
	"$PG_BIN" rules --plugin-dir "$4" --json >"$PG_TMP/rules.json" || { echo "FAIL: rules" >&2; exit 1; }
	python3 -c 'import json, sys
rows = {(r["id"], r["source"]) for r in json.load(open(sys.argv[1]))}
missing = [r for r in open(sys.argv[2]).read().split() if (r, sys.argv[3]) not in rows]
assert not missing, "emitted but not declared: %s" % missing' "$PG_TMP/rules.json" \
		"$PG_TMP/emitted" "$3" || { echo "FAIL: $3 emits rules it does not declare" >&2; exit 1; }
}

pg_assert_eq() { # DESC GOT WANT
	if [ "$2" = "$3" ]; then pg_ok "$1"; else pg_fail "$1: got '$2', want '$3'"; fi
}
pg_assert_grep() { # DESC PATTERN FILE
	if grep -q -- "$2" "$3"; then pg_ok "$1"; else pg_fail "$1: '$2' not in $3"; sed 's/^/  | /' "$3" >&2; fi
}
