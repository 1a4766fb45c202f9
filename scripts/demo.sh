#!/bin/sh
# Set up a fresh Debian 12 machine, build portgate, start a local target and check it.
#   sh scripts/demo.sh   (as root)
# The target is this machine's loopback: a web server on an approved port, a
# forgotten "admin" listener on a port nobody approved, and an approved port
# that is closed; and a forgotten cache on 127.0.0.2: a real memcached on its own
# port 11211, TCP and UDP, that nobody approved. portgate should fail the check (exit 1) and say why; the failed
# finding is enriched (HTTP security headers of the web port, graded like the MDN
# HTTP Observatory), the owning team's Slack channel gets one message (a local
# receiver emulating Slack's incoming webhook) with the finding's investigation
# packet, and the run leaves its evidence, a SARIF file, a Markdown summary and an
# HTML report. Nothing leaves loopback.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
"$src/scripts/install-deps.sh"
"$src/scripts/build.sh"
build=${BUILD_DIR:-$src/build}
bin=$build/portgate
work=$(mktemp -d /tmp/portgate-demo.XXXXXX)
pids=""
trap 'kill $pids 2>/dev/null; rm -rf "$work"' EXIT
wait_file() { i=0; while [ ! -s "$1" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done; }

python3 "$src/tests/tools/listen.py" "$work/ports" "http@127.0.0.1:0" \
	"banner=SSH-2.0-OpenSSH_9.2p1 temporary-admin@127.0.0.1:0" &
pids="$pids $!"
python3 "$src/tests/tools/apirecv.py" --kind slack --port-file "$work/slack.port" \
	--log "$work/slack.log" --max-seconds 120 &
pids="$pids $!"
wait_file "$work/ports"; wait_file "$work/slack.port"
web=$(sed -n 1p "$work/ports"); admin=$(sed -n 2p "$work/ports"); slack=$(cat "$work/slack.port")
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The cache sits on 127.0.0.2 (Debian's own memcached service, if it runs, holds only
# 127.0.0.1:11211): memcached answers there without authentication, and its UDP "stats"
# answer is many times the request (a reflector for amplified floods).
memcached -l 127.0.0.2 -p 11211 -U 11211 -u nobody &
pids="$pids $!"
i=0
while ! python3 -c 'import socket; socket.create_connection(("127.0.0.2", 11211), 0.2)' 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 50 ] || { echo "demo: memcached did not start on 127.0.0.2:11211" >&2; exit 1; }
	sleep 0.1
done
. "$src/scripts/demo-config.sh"
demo_config "$work" "$web" "$admin" "$closed" "$slack" "$work/state" 127.0.0.2
echo "== manifest ($work/exposure.yaml)"; cat "$work/exposure.yaml"
echo "== settings ($work/portgate.yaml)"; cat "$work/portgate.yaml"
echo "== portgate check"
set +e
"$bin" check -m "$work/exposure.yaml" --config "$work/portgate.yaml" \
	--plugin-dir "$build/plugins/.libs" --out "$src/demo-evidence.json" \
	--format sarif --output "$src/demo.sarif" --format markdown --output "$src/demo-summary.md" \
	--format html --output "$src/demo-report.html"
code=$?
set -e
echo "== exit status $code (1 = policy failed: port $admin and the cache's 11211 are open but not approved)"
python3 - "$src/demo-evidence.json" "$work/slack.log" "$src/demo.sarif" <<'PY'
import json, sys
ev, log, sarif = sys.argv[1:4]
d = json.load(open(ev))
f = [x for x in d["assets"][0]["findings"] if x["rule"] == "port-unapproved-open"][0]
h = f["enrichment"]["headers"]
site = h["sites"][0]
print("== enriched finding: %s -> headers grade %s, score %s" %
      (f["reason"], site.get("grade"), site.get("score")))
msgs = [json.loads(l) for l in open(log)]
print("== delivered to Slack: %d message(s); first says: %s" %
      (len(msgs), msgs[0]["body"]["text"][:160] if msgs else "-"))
# the investigation packet: one line per aspect (docs/notify.md)
for b in (msgs[0]["body"].get("blocks", []) if msgs else []):
    t = b.get("text", {}).get("text", "") if isinstance(b.get("text"), dict) else ""
    if "*Exposed*" in t:
        for line in t.splitlines():
            print("   " + line)
        break
by_rule = {}
for a in d["assets"]:
    for x in a.get("findings", []):
        by_rule.setdefault(x["rule"], x)
for rule, what in (("service-unauthenticated", "a data store named by its answer"),
                   ("udp-amplifier", "UDP")):
    print("== %s: %s" % (what, by_rule.get(rule, {}).get("reason", "-")))
s = json.load(open(sarif))
print("== SARIF %s: %d result(s) for rules %s" % (s["version"], len(s["runs"][0]["results"]),
      sorted({r["ruleId"] for r in s["runs"][0]["results"]})))
ok = bool(msgs) and site.get("grade") and s["runs"][0]["results"] and \
    "service-unauthenticated" in by_rule and "udp-amplifier" in by_rule
sys.exit(0 if ok else 1)
PY
echo "== full evidence: $src/demo-evidence.json; SARIF: $src/demo.sarif; summary: $src/demo-summary.md;"
echo "   report for people: $src/demo-report.html (open it in a browser: no script, no external resource)"
[ "$code" -eq 1 ]
