#!/bin/sh
# The network enrichers in a real `portgate check`: a manifest with domain,
# expectedNetwork [AS64500] and an unapproved open port yields a failed
# finding enriched with the DNS records (dnsmasq), the ASN/org/country (Team
# Cymru-style TXT from the same dnsmasq) and the registration (a port-43
# responder), plus network-unexpected because the address is in AS64501.
# The same check through `portgate serve` twice: the instances (and the
# whois/ip memo and gate in shared memory) live across requests.
# Also: `scan --target` refuses invalid names before any DNS query and sends
# internationalised names in ACE form. The webhook's JSON event carries the
# packet lines the real run gives: DNS chain, Registration, Network.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin dns ip whois webhook
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
. "$PG_SRCDIR/tests/e2e/lib/notifiers.sh"
command -v dnsmasq >/dev/null 2>&1 || pg_skip "dnsmasq not installed"
stop_all() { dns_stop; netenrich_stop; notifiers_cleanup; }
EXTRA_CLEANUP=stop_all
private_plugin_dir dns ip whois webhook
start_api hook hook

SOA_HEX=$(python3 -c '
import struct
def n(s): return b"".join(bytes([len(p)]) + p.encode() for p in s.split(".")) + b"\0"
print((n("ns1.example.com") + n("hostmaster.example.com") +
       struct.pack("!5I", 2026120101, 7200, 3600, 1209600, 300)).hex())')
dns_start --host-record=app.example.com,127.0.0.1 --host-record=www.xn--bcher-kva.example.com,127.0.0.1 \
	--cname=www.example.com,app.example.com \
	--mx-host=example.com,mail.example.com,10 --txt-record=example.com,"v=spf1 -all" \
	--caa-record=example.com,0,issue,letsencrypt.org --dns-rr=example.com,6,"$SOA_HEX" \
	--dns-rr=example.com,2,"$(python3 -c 'print(b"".join(bytes([len(p)]) + p.encode() for p in "ns1.example.com".split(".")).hex() + "00")')" \
	--dns-rr=1.0.0.127.origin.cymru.test,16,"$(txt_hex '64501 | 127.0.0.0/24 | NL | ripencc | 2001-01-01')" \
	--dns-rr=AS64501.cymru.test,16,"$(txt_hex '64501 | NL | ripencc | 2001-01-01 | OTHER-NET, NL')" \
	|| fail "dnsmasq did not start"

mkdir -p "$T/fx"
cp "$PG_SRCDIR"/tests/fixtures/whois/*.txt "$T/fx/"
cat >"$T/whois.json" <<JSON
{"fixtures": "$T/fx", "log": "$T/whois.log", "servers": {
  "registry": {"answers": {"example.com": "gtld-registry.txt"}, "default": "gtld-notfound.txt"},
  "registrar": {"default": "gtld-registrar.txt"}}}
JSON
whois_start "$T/whois.json"

start_listener
open_port=$(cat "$T/lport")
cat >"$T/manifest.yaml" <<YAML
version: 1
assets:
  - name: app
    target: www.example.com
    domain: example.com
    owner: team-app
    expectedNetwork: [AS64500]
    approvedPorts: [1]
    ports: [$open_port]
YAML
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
dns: {server: "$DNS_SERVER", timeoutMs: 1000}
enrich: {on: [fail], timeoutMs: 8000}
enrichers:
  dns: {plugin: dns}
  ip: {plugin: ip, sources: cymru, cymruZone: cymru.test}
  whois:
    plugin: whois
    rdap: false
    server: "127.0.0.1:$(whois_port registry)"
    verisignServers: "127.0.0.1:$(whois_port registry)"
notifiers:
  hook: { plugin: webhook, url: "http://127.0.0.1:$(api_port hook)/in", route: { rule: port-unapproved-open } }
YAML
rc=0
"$PG_BIN" check --config "$T/portgate.yaml" -m "$T/manifest.yaml" --out "$T/ev.json" --no-probe \
	>"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "check exit $rc, want 1: $(cat "$T/err")"
pg_rules_declared "$T/ev.json" ip ip "$T/plugins" # ABI 1.4: network-unexpected
! grep -q "does not declare" "$T/err" || fail "an undeclared plugin rule: $(cat "$T/err")"
python3 - "$T/ev.json" "$open_port" <<'PY' || fail "evidence: $(cat "$T/ev.json")"
import json, sys
d = json.load(open(sys.argv[1])); port = int(sys.argv[2])
[a] = d["assets"]
[f] = [f for f in a["findings"] if f["rule"] == "port-unapproved-open"]
assert f["action"] == "fail" and f["port"] == port, f
e = f["enrichment"]
dns, ip, who = e["dns"], e["ip"], e["whois"]
assert dns["CNAME"] == ["app.example.com"] and dns["A"] == ["127.0.0.1"], dns
assert dns["domain"] == "example.com" and dns["domainSource"] == "manifest", dns
assert dns["NS"] == ["ns1.example.com"] and dns["MX"] == ["10 mail.example.com"], dns
assert dns["TXT"] == ["v=spf1 -all"] and dns["CAA"] == ['0 issue "letsencrypt.org"'], dns
assert dns["SOA"] == ["ns1.example.com hostmaster.example.com 2026120101 7200 3600 1209600 300"], dns
assert (ip["asn"], ip["org"], ip["country"], ip["prefix"], ip["source"]) == \
    (64501, "OTHER-NET", "NL", "127.0.0.0/24", "cymru"), ip
assert (who["domain"], who["registrar"], who["source"]) == \
    ("example.com", "Example Registrar, Inc.", "whois"), who
assert who["daysUntilExpiry"] == 1800 and who["expires"].endswith("Z"), who
[n] = [x for x in a["findings"] if x["rule"] == "network-unexpected" and x.get("source") == "ip"]
assert n["action"] == "fail" and "AS64501 (OTHER-NET)" in n["reason"] and "AS64500" in n["reason"], n
assert d["run"]["verdict"] == "fail"
PY
pylog '
[e] = L
[f] = e["body"]["findings"]
lines = [(x["name"], x["value"]) for x in f["message"]["fields"]]
names = [n for n, v in lines]
assert names[:3] == ["Asset", "Exposed", "Owner"] and names[-3:] == ["Policy", "Evidence", "Fingerprint"], names
v = dict(lines)
assert v["DNS"] == "www.example.com -> app.example.com -> 127.0.0.1", v
assert v["Registration"] == "Example Registrar, Inc.; registrant %s; expires %s (1800 days left)" % (
    f["enrichment"]["whois"]["registrantOrganization"], f["enrichment"]["whois"]["expires"][:10]), v
assert v["Network"] == "AS64501 OTHER-NET 127.0.0.0/24, NL; expected AS64500", v
assert names.index("DNS") < names.index("Registration") < names.index("Network") < names.index("Policy"), names
' "$T/hook.log" || fail "the packet of a real check: $(cat "$T/hook.log")"

# serve: two POST /v1-check on the same plugin instances (workers forked once
# from them), both enriched, the registration from the cache of the check above
# (no query reaches the registry).
: >"$T/whois.log"
PORTGATE_API_KEYS=netenrich-key-0123456 "$PG_BIN" serve --listen 127.0.0.1:0 --manifest "$T/manifest.yaml" \
	--config "$T/portgate.yaml" >"$T/serve.out" 2>"$T/serve.err" &
SERVE_PID=$!
i=0
until grep -q 'listening on' "$T/serve.out" 2>/dev/null; do
	i=$((i + 1))
	{ [ $i -le 200 ] && kill -0 "$SERVE_PID" 2>/dev/null; } || fail "serve: $(cat "$T/serve.err")"
	sleep 0.05
done
url=$(sed -n 's/.*listening on \([^ ]*\) .*/\1/p' "$T/serve.out")
for n in 1 2; do
	code=$(curl -s -o "$T/sv$n.json" -w '%{http_code}' --max-time 60 -X POST \
		-H "x-api-key: netenrich-key-0123456" --data '{}' "$url/v1-check")
	[ "$code" = 200 ] || fail "serve check $n: $code $(cat "$T/sv$n.json")"
	python3 - "$T/sv$n.json" <<'PY' || fail "serve check $n: $(cat "$T/sv$n.json")"
import json, sys
d = json.load(open(sys.argv[1]))
[f] = [f for f in d["assets"][0]["findings"] if f["rule"] == "port-unapproved-open"]
e = f["enrichment"]
assert e["whois"]["registrar"] == "Example Registrar, Inc." and e["ip"]["asn"] == 64501, e
PY
done
kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
[ ! -s "$T/whois.log" ] || fail "serve asked again: $(cat "$T/whois.log")"

# Names: invalid ones are usage errors before any query; an IDN goes out as ACE.
: >"$T/dnsmasq-before"
for bad in 'bad_host!' 10.0.0.300; do
	rc=0
	"$PG_BIN" scan --target "$bad" --ports 1 --dns-server "$DNS_SERVER" --no-probe \
		>"$T/o" 2>"$T/e" || rc=$?
	[ "$rc" = 2 ] || fail "scan --target $bad: exit $rc"
	grep -q "is not a valid host name" "$T/e" || fail "scan --target $bad: $(cat "$T/e")"
done
if dns_log | grep -q 'bad_host\|10\.0\.0\.300'; then fail "an invalid name reached DNS"; fi
rc=0
"$PG_BIN" scan --target "www.b$(printf '\303\274')cher.example.com" --ports "$open_port" \
	--dns-server "$DNS_SERVER" --no-probe >"$T/idn.json" 2>"$T/e" || rc=$?
[ "$rc" = 0 ] || fail "scan IDN: exit $rc $(cat "$T/e")"
python3 - "$T/idn.json" <<'PY' || fail "IDN scan: $(cat "$T/idn.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["target"] == "www.xn--bcher-kva.example.com" and d["ip"] == "127.0.0.1", d
PY
echo ok
