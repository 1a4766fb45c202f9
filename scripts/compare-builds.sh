#!/bin/sh
# compare-builds.sh - the same check, with the same inputs, through two builds of portgate,
# and the difference of everything it writes: evidence, SARIF, JUnit, GitLab, Markdown,
# GitHub annotations, ndjson, the terminal text and the messages the notifiers delivered.
# For a refactor that must not change behaviour (docs/CODE_STYLE.md): run ids, times,
# durations and round-trip times are masked; anything else that differs is printed.
#   sh scripts/compare-builds.sh OLD_BUILD_DIR NEW_BUILD_DIR   (as root; exit 0 = identical)
# The lab is this machine's loopback only: dnsmasq for names, a web server and a banner
# listener, nginx with the test PKI for TLS, a Slack emulator and a GitHub emulator.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 OLD_BUILD_DIR NEW_BUILD_DIR" >&2; exit 2; }
old=$(cd "$1" && pwd); new=$(cd "$2" && pwd)
PG_SRCDIR=$(cd "$(dirname "$0")/.." && pwd); PG_BIN=$new/portgate
export PG_SRCDIR PG_BIN
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
. "$PG_SRCDIR/tests/e2e/lib/tls.sh"

pg_on_exit dns_stop
pg_listen web "http@127.0.0.1:0" "banner=SSH-2.0-OpenSSH_9.2p1@127.0.0.1:0"
web=$(pg_port web 1); admin=$(pg_port web 2); closed=$(pg_closed_port)
tls_make_pki "$PG_TMP/pki"
tls_start_nginx "$PG_TMP/pki"
good=$(tls_port "$PG_TMP/pki" valid); bad=$(tls_port "$PG_TMP/pki" expired)
dns_start --cname=www.shop.test,edge.shop.test --address=/edge.shop.test/127.0.0.1
export PG_CMP_TOKEN=cmp-token
slack=$(pg_free_port); github=$(pg_free_port)
receivers() { # DIR: a fresh Slack and GitHub emulator for one run (no state from the other)
	for k in slack github; do
		eval "p=\$$k"
		python3 "$PG_TOOLS/apirecv.py" --kind $k --port "$p" --port-file "$1/$k.port" \
			--log "$1/$k.log" --token-env PG_CMP_TOKEN --repo acme/infra --max-seconds 120 &
		RECV="$RECV $!"
		pg_wait_file "$1/$k.port"
	done
}
RECV=""
pg_on_exit 'kill $RECV'

cat >"$PG_TMP/m.yaml" <<YAML
version: 1
defaults: { owner: payments, environment: production, criticality: high }
assets:
  - name: shop
    target: www.shop.test
    domain: shop.test
    approvedPorts: [$web, $good]
    ports: [$web, $admin, $closed, $good]
    tlsPorts: [$good]
    escalation: ["#payments-oncall"]
  - name: legacy
    target: 127.0.0.1
    approvedPorts: [$web, $bad, $closed]
    ports: [$web, $bad, $closed]
    tlsPorts: [$bad]
  - name: gone
    target: gone.shop.test
    ports: [$web]
YAML
settings() { # STATEDIR
	cat <<YAML
stateDir: $1
enrichers:
  headers: { plugin: headers }
  ssl: { plugin: ssl, caFile: $PG_TMP/pki/ca.pem }
  dns: { plugin: dns }
notifiers:
  chat: { plugin: webhook, format: slack, url: "http://127.0.0.1:$slack/services/T0/B0/x" }
  issues:
    plugin: ticket
    system: github
    url: "http://127.0.0.1:$github"
    repo: acme/infra
    tokenEnv: PG_CMP_TOKEN
YAML
}
run() { # NAME BUILD
	mkdir -p "$PG_TMP/$1"
	settings "$PG_TMP/$1/state" >"$PG_TMP/$1/portgate.yaml"
	receivers "$PG_TMP/$1"
	(cd "$PG_TMP" && "$2/portgate" check -m m.yaml --config "$1/portgate.yaml" \
		--plugin-dir "$2/plugins/.libs" --dns-server "$DNS_SERVER" --color never \
		-o "$1/evidence.json" --format sarif --output "$1/out.sarif" \
		--format junit --output "$1/out.xml" --format gitlab --output "$1/out.gl.json" \
		--format markdown --output "$1/out.md" --format github --output "$1/out.gh" \
		--format ndjson --output "$1/out.ndjson" >"$1/stdout.txt" 2>"$1/stderr.txt") || true
	kill $RECV; wait $RECV 2>/dev/null || true; RECV=""
}
run old "$old"
run new "$new"

python3 - "$PG_TMP" <<'PY'
import json, re, sys, os
top = sys.argv[1]
MASK = {"n", "scanId", "idempotency-key", "x-portgate-delivery", "tlsHandshakeBytes", "id", "runId", "startedAt", "finishedAt", "durationMs", "wallMs", "rttMs", "rtt",
        "time", "timestamp", "storedAt", "startTimeUtc", "endTimeUtc", "elapsedMs", "ms",
        "scanDurationMs", "responseMs", "date"}
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
RUN = re.compile(r"run_[0-9a-zA-Z_]+")
NUMS = re.compile(r"\b\d+(\.\d+)? ?ms\b")
HEX = re.compile(r"\b[0-9a-f]{32}\b")
TIME = re.compile(r' time="[0-9.]+"')
def text(s):
    s = TIME.sub(' time="<t>"', HEX.sub("<key>", s))
    return NUMS.sub("<ms>", RUN.sub("<run>", ISO.sub("<time>", s)))
def norm(v):
    if isinstance(v, dict):
        return {k: ("<masked>" if k in MASK else norm(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, str):
        return text(v)
    return v
def load(path):
    raw = open(path, errors="replace").read()
    try:
        return json.dumps(norm(json.loads(raw)), indent=1, sort_keys=True).splitlines()
    except ValueError:
        out = []
        for line in raw.splitlines():
            try:
                out.append(json.dumps(norm(json.loads(line)), sort_keys=True))
            except ValueError:
                out.append(text(line))
        return out
import difflib
bad = 0
for f in sorted(os.listdir(os.path.join(top, "old"))):
    if f in ("state", "portgate.yaml") or f.endswith(".port"):
        continue
    a, b = load(os.path.join(top, "old", f)), load(os.path.join(top, "new", f))
    if f.endswith(".log"):  # receivers: requests of parallel deliveries arrive in any order
        a, b = sorted(a), sorted(b)
    d = list(difflib.unified_diff(a, b, "old/" + f, "new/" + f, lineterm="", n=1))
    size = os.path.getsize(os.path.join(top, "new", f))
    print("%-14s %7d bytes  %s" % (f, size, "identical" if not d else "DIFFERS (%d lines)" % len(d)))
    if d:
        bad += 1
        print("\n".join(d[:80]))
sys.exit(1 if bad else 0)
PY
