#!/bin/sh
# The ip enricher through the real host against real servers on loopback:
# .mmdb files written with libmaxmind-db-writer-perl, dnsmasq serving Team
# Cymru-style TXT records under a test zone, nginx serving RDAP IP-network
# JSON with a bootstrap file pointing at it. First answer wins in the
# configured order; network-unexpected when the ASN is not in expectedNetwork;
# broken JSON, a redirect loop and a silent DNS server cost only that answer;
# the second run is served from the cache and says when it was fetched.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin ip
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
command -v dnsmasq >/dev/null 2>&1 || pg_skip "dnsmasq not installed"
stop_all() { dns_stop; netenrich_stop; }
EXTRA_CLEANUP=stop_all
private_plugin_dir ip

mmdb_write "$T/asn.mmdb" asn "127.0.0.1/32=64501:Other Net B.V." "::1/128=64501:Other Net B.V."
mmdb_write "$T/country.mmdb" country "127.0.0.1/32=NL" "127.0.0.3/32=DE"

dns_start \
	--txt-record=1.0.0.127.origin.cymru.test,"64500 | 127.0.0.0/24 | US | arin | 2000-01-01" \
	--txt-record=2.0.0.127.origin.cymru.test,"64500 | 127.0.0.0/24 | US | arin | 2000-01-01" \
	--dns-rr=AS64500.cymru.test,16,"$(txt_hex '64500 | US | arin | 2000-03-30 | EXAMPLE-NET, US')" \
	|| fail "dnsmasq did not start"

mkdir -p "$T/www/rdap/ip"
cat >"$T/www/rdap/ip/127.0.0.3" <<'JSON'
{"objectClassName": "ip network", "handle": "NET-127-0-0-0-1", "startAddress": "127.0.0.0",
 "endAddress": "127.0.0.255", "ipVersion": "v4", "name": "EXAMPLE-HOSTING-NET", "type": "ASSIGNMENT",
 "country": "DE", "port43": "whois.ripe.net",
 "cidr0_cidrs": [{"v4prefix": "127.0.0.0", "length": 24}],
 "arin_originas0_originautnums": [64502],
 "entities": [{"objectClassName": "entity", "roles": ["registrant"],
   "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Example Hosting GmbH"]]]}]}
JSON
printf '{"objectClassName": "ip network", "name": ' >"$T/www/rdap/ip/127.0.0.5"
rdap_nginx_start "$T/www" '
    location = /rdap/ip/127.0.0.6 { return 302 /rdap/ip/127.0.0.7; }
    location = /rdap/ip/127.0.0.7 { return 302 /rdap/ip/127.0.0.6; }'
cat >"$T/ipv4.json" <<JSON
{"version": "1.0", "services": [[["10.0.0.0/8"], ["http://127.0.0.1:9/nowhere/"]],
  [["127.0.0.0/8"], ["$RDAP_BASE"]]]}
JSON
cat >"$T/ipv6.json" <<JSON
{"version": "1.0", "services": [[["::1/128"], ["$RDAP_BASE"]]]}
JSON

asset() { # NAME IP
	printf '{"name": "%s", "target": "%s", "line": 3, "manifest": {"name": "%s", "target": "%s", "expectedNetwork": ["AS64500", "192.0.2.0/24"]}, "findings": [{"rule": "port-unapproved-open", "action": "fail", "severity": "high", "asset": "%s", "target": "%s", "ip": "%s", "port": 8080, "protocol": "tcp", "fingerprint": "%s"}]}' \
		"$1" "$2" "$1" "$2" "$1" "$2" "$2" "$(printf '%s' "$1" | sha256sum | cut -c1-16)"
}
{
	printf '{"run": {"id": "run_ip"}, "assets": ['
	asset a1 127.0.0.1; printf ','; asset a2 127.0.0.2; printf ','; asset a3 127.0.0.3
	printf ','; asset a4 127.0.0.4; printf ','; asset a5 127.0.0.5; printf ','
	asset a6 127.0.0.6; printf ','; asset a7 ::1
	printf ']}\n'
} >"$T/report.json"

write_config() { # DNS_SERVER
	cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
dns: {server: "$1", timeoutMs: 300, tries: 1}
enrich: {timeoutMs: 8000}
enrichers:
  ip:
    plugin: ip
    asnDb: $T/asn.mmdb
    countryDb: $T/country.mmdb
    cymruZone: cymru.test
    rdapBootstrapV4: $T/ipv4.json
    rdapBootstrapV6: $T/ipv6.json
    lookupTimeoutMs: 1500
  cymrufirst:
    plugin: ip
    sources: cymru,mmdb
    asnDb: $T/asn.mmdb
    cymruZone: cymru.test
  rdaponly:
    plugin: ip
    sources: rdap
    rdapBaseUrl: "$RDAP_BASE"
    cacheSeconds: 0
YAML
}
write_config "$DNS_SERVER"
"$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" --skip-cache >"$T/out.json" 2>"$T/err" \
	|| fail "enrich: $(cat "$T/err")"
python3 - "$T/out.json" <<'PY' || fail "ip enrichment: $(cat "$T/out.json")"
import json, sys
d = json.load(open(sys.argv[1]))
A = {a["name"]: a for a in d["assets"]}
def e(n, inst="ip"): return A[n]["findings"][0]["enrichment"][inst]
def net(n): return [f for f in A[n]["findings"] if f["rule"] == "network-unexpected"
                    and f.get("source") == "ip"]
a1 = e("a1")
assert (a1["ip"], a1["asn"], a1["org"], a1["asName"], a1["country"], a1["prefix"], a1["source"]) == \
    ("127.0.0.1", 64501, "Other Net B.V.", "Other Net B.V.", "NL", "127.0.0.1/32", "mmdb"), a1
assert a1["fetchedAt"].endswith("Z") and "cached" not in a1, a1
[f] = net("a1")
assert f["defaultAction"] == "fail" and f["severity"] == "high", f
assert "AS64501 (Other Net B.V.)" in f["reason"] and "AS64500" in f["reason"], f["reason"]
assert f["evidence"]["expected"] == [64500] and f["evidence"]["asn"] == 64501, f
a2 = e("a2")   # not in the mmdb: Team Cymru answers
assert (a2["asn"], a2["asName"], a2["org"], a2["country"], a2["prefix"], a2["registry"], a2["source"]) == \
    (64500, "EXAMPLE-NET, US", "EXAMPLE-NET", "US", "127.0.0.0/24", "arin", "cymru"), a2
assert net("a2") == [], A["a2"]
a3 = e("a3")   # neither: RDAP through the bootstrap file; country from RDAP
assert (a3["asn"], a3["org"], a3["asName"], a3["country"], a3["prefix"], a3["registry"], a3["source"]) == \
    (64502, "Example Hosting GmbH", "EXAMPLE-HOSTING-NET", "DE", "127.0.0.0/24", "ripe", "rdap"), a3
assert len(net("a3")) == 1
assert "no source answered" in e("a4")["error"], e("a4")
a7 = e("a7")   # IPv6 through the same .mmdb
assert (a7["ip"], a7["asn"], a7["prefix"]) == ("::1", 64501, "::1/128"), a7
# order matters: cymru first answers 64500 for 127.0.0.1, so no finding from it
c1 = e("a1", "cymrufirst")
assert (c1["asn"], c1["source"]) == (64500, "cymru"), c1
assert e("a3", "rdaponly")["asn"] == 64502
assert "broken JSON" in e("a5", "rdaponly")["error"], e("a5", "rdaponly")
assert "redirect loop" in e("a6", "rdaponly")["error"], e("a6", "rdaponly")
PY

# Second run: every answer of "ip" from the cache, with its fetch time.
"$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" >"$T/out2.json" 2>"$T/err2" \
	|| fail "enrich (cache): $(cat "$T/err2")"
python3 - "$T/out.json" "$T/out2.json" <<'PY' || fail "cache: $(cat "$T/out2.json")"
import json, sys
one, two = (json.load(open(p)) for p in sys.argv[1:3])
for a, b in zip(one["assets"][:3], two["assets"][:3]):
    x, y = a["findings"][0]["enrichment"]["ip"], b["findings"][0]["enrichment"]["ip"]
    assert y["cached"] is True and y["fetchedAt"] == x["fetchedAt"] and y["asn"] == x["asn"], (x, y)
PY
# 127.0.0.3: "ip" once (then cached), "rdaponly" (cacheSeconds: 0) in both runs
[ "$(grep -c 'GET /rdap/ip/127.0.0.3 ' "$T/nginx/access.log")" = 3 ] \
	|| fail "RDAP asked again despite the cache: $(cat "$T/nginx/access.log")"

# A DNS server that never answers: Team Cymru costs its answer, not the run.
dns_start_silent || fail "silent server"
write_config "$DNS_SILENT_SERVER"
sed -i 's/sources: cymru,mmdb/sources: cymru/; s/cymruZone: cymru.test$/cymruZone: cymru.test\n    cacheSeconds: 0/' \
	"$T/portgate.yaml"
start=$(date +%s)
"$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" --skip-cache >"$T/out3.json" 2>"$T/err3" \
	|| fail "enrich (silent dns): $(cat "$T/err3")"
[ $(( $(date +%s) - start )) -le 20 ] || fail "silent DNS not bounded"
python3 - "$T/out3.json" <<'PY' || fail "silent dns: $(cat "$T/out3.json")"
import json, sys
d = json.load(open(sys.argv[1]))
e = d["assets"][1]["findings"][0]["enrichment"]["cymrufirst"]
assert "cymru" in e["error"] and "no source answered" in e["error"], e
PY
echo ok
