#!/bin/sh
# Rules judged by enrichers fire on every asset they can judge, not only on
# assets that already have a core finding (issue 20): in one `portgate check`
# with every port approved and open,
#   - a login site tagged `auth` served without CSP and frame protection FAILS
#     with the headers rules (the same site untagged passes: nothing judges it);
#   - an asset whose expectedNetwork names AS64500 while its address is in
#     AS64501 (Team Cymru-style TXT from the test's dnsmasq) FAILS with
#     network-unexpected, a finding about the asset: no port, a message that
#     names the target, a fingerprint without a port; an approved closed port
#     on a second such asset does not pin it to that port.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin headers ip
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
command -v dnsmasq >/dev/null 2>&1 || skip "dnsmasq not installed"
EXTRA_CLEANUP=dns_stop
private_plugin_dir headers ip

dns_start --dns-rr=1.0.0.127.origin.cymru.test,16,"$(txt_hex '64501 | 127.0.0.0/24 | NL | ripencc | 2001-01-01')" \
	--dns-rr=AS64501.cymru.test,16,"$(txt_hex '64501 | NL | ripencc | 2001-01-01 | OTHER-NET, NL')" \
	|| fail "dnsmasq did not start"

# The login page: an HTTP server that sends no security header at all.
python3 "$PG_SRCDIR/tests/tools/listen.py" "$T/web.ports" "http@127.0.0.1:0" &
LISTENER_PID=$!
i=0
while [ ! -s "$T/web.ports" ]; do
	i=$((i + 1)); [ $i -le 100 ] || fail "http listener did not start"
	sleep 0.1
done
web=$(sed -n 1p "$T/web.ports")
closed=$(pg_closed_port)

cat >"$T/manifest.yaml" <<YAML
version: 1
assets:
  - name: login
    target: 127.0.0.1
    tags: [auth]
    approvedPorts: [$web]
    ports: [$web]
  - name: plain
    target: 127.0.0.1
    approvedPorts: [$web]
    ports: [$web]
  - name: net
    target: 127.0.0.1
    expectedNetwork: [AS64500]
    approvedPorts: [$web]
    ports: [$web]
  - name: net-closed
    target: 127.0.0.1
    expectedNetwork: [AS64500]
    approvedPorts: [$web, $closed]
    ports: [$web, $closed]
YAML
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
dns: {server: "$DNS_SERVER", timeoutMs: 1000}
enrich: {on: [fail], timeoutMs: 20000}
enrichers:
  headers: {plugin: headers}
  ip: {plugin: ip, sources: cymru, cymruZone: cymru.test}
YAML
rc=0
"$PG_BIN" check --config "$T/portgate.yaml" -m "$T/manifest.yaml" --out "$T/ev.json" \
	>"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "check exit $rc, want 1: $(cat "$T/err")"
python3 - "$T/ev.json" "$web" "$closed" <<'PY' || fail "evidence: $(cat "$T/ev.json")"
import hashlib, json, sys
d = json.load(open(sys.argv[1])); web, closed = int(sys.argv[2]), int(sys.argv[3])
a = {x["name"]: x for x in d["assets"]}
verdicts = {n: x["verdict"] for n, x in a.items()}
assert verdicts == {"login": "fail", "plain": "pass", "net": "fail", "net-closed": "fail"}, verdicts

# the login site: the auth rules fail on its web port, and nothing from the core
rules = {f["rule"]: f for f in a["login"]["findings"]}
for r in ("headers-content-security-policy", "headers-x-frame-options"):
    assert rules[r]["action"] == "fail" and rules[r]["source"] == "headers", rules[r]
    assert rules[r].get("ports") == [web], rules[r]  # grouped per asset and test
assert all(f["source"] == "headers" for f in a["login"]["findings"]), a["login"]["findings"]
assert a["plain"]["findings"] == [], a["plain"]["findings"]

def fp(rule, target, host, port):
    raw = b"v1\0%s\0%s\0%s\0tcp/%d" % (rule.encode(), target.encode(), host.encode(), port)
    return hashlib.sha256(raw).hexdigest()[:16]

for name in ("net", "net-closed"):
    [n] = [f for f in a[name]["findings"] if f["rule"] == "network-unexpected"]
    assert n["action"] == "fail" and n["source"] == "ip", n
    assert "port" not in n and "protocol" not in n, n
    assert n["reason"].startswith("127.0.0.1 resolves to 127.0.0.1 in AS64501 (OTHER-NET)"), n
    assert "AS64500" in n["reason"], n
    assert n["fingerprint"] == fp("network-unexpected", "127.0.0.1", "127.0.0.1", 0), n
    assert n["evidence"]["asn"] == 64501, n
rules = sorted(f["rule"] for f in a["net-closed"]["findings"])
assert rules == ["network-unexpected", "port-approved-closed"], rules
PY
# The terminal says what failed without a port for the asset-level finding.
grep -q "network-unexpected" "$T/out" || fail "summary: $(cat "$T/out")"
echo ok
