#!/bin/sh
# bench/netenrich.sh - the network enrichers at portfolio size (not a timed test):
# 2,000 findings over 1,000 addresses and 300 domains, enriched by dns, ip
# (Team Cymru TXT from dnsmasq) and whois (port 43, IANA -> registry ->
# registrar) against local servers, through the real plugin host
# (pg_plugin_driver). Reports the lookups each server saw, the wall time, and
# a second run that the plugins' caches serve.
#   sh bench/netenrich.sh BUILD_DIR      (after `make check` built the driver)
set -eu
PG_BUILDDIR=$(cd "${1:?usage: bench/netenrich.sh BUILD_DIR}" && pwd)
PG_SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
PG_BIN=$PG_BUILDDIR/portgate
export PG_BUILDDIR PG_SRCDIR PG_BIN
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
need_plugin dns ip whois
stop_all() { dns_stop; netenrich_stop; }
EXTRA_CLEANUP=stop_all
private_plugin_dir dns ip whois
NADDR=${BENCH_ADDRS:-1000}
NDOM=${BENCH_DOMAINS:-300}
NFIND=${BENCH_FINDINGS:-2000}

# dnsmasq: A for each asset name, one Cymru origin TXT per address, AS names.
python3 - "$T/dnsmasq.conf" "$NADDR" "$NDOM" <<'PY'
import sys
out, naddr, ndom = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(out, "w") as f:
    for i in range(naddr):
        a, b = 1 + i // 250, 1 + i % 250
        f.write("host-record=h%d.d%d.example.com,127.0.%d.%d\n" % (i, i % ndom, a, b))
        asn = 64500 + i % 20
        f.write('txt-record=%d.%d.0.127.origin.cymru.test,"%d | 127.0.%d.0/24 | NL | ripencc | 2001-01-01"\n'
                % (b, a, asn, a))
    for n in range(20):
        f.write('txt-record=AS%d.cymru.test,"%d | NL | ripencc | 2001-01-01 | NET%d"\n' % (64500 + n, 64500 + n, n))
PY
dns_start --conf-file="$T/dnsmasq.conf" --cache-size=0 || fail "dnsmasq"

mkdir -p "$T/fx"
cp "$PG_SRCDIR"/tests/fixtures/whois/*.txt "$T/fx/"
cat >"$T/whois.json" <<JSON
{"fixtures": "$T/fx", "log": "$T/whois.log", "servers": {
  "iana": {"default": "iana-com.txt"}, "verisign": {"default": "gtld-registry.txt"},
  "registrar": {"default": "gtld-registrar.txt"}}}
JSON
whois_start "$T/whois.json"

# The report: NFIND findings; finding k is on address k % NADDR, whose domain is (k % NADDR) % NDOM.
python3 - "$T/report.json" "$NADDR" "$NDOM" "$NFIND" <<'PY'
import json, sys
out, naddr, ndom, nfind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
assets = {}
for k in range(nfind):
    i = k % naddr
    a, b = 1 + i // 250, 1 + i % 250
    name = "h%d.d%d.example.com" % (i, i % ndom)
    asset = assets.setdefault(name, {"name": name, "target": name, "line": 1 + i,
        "manifest": {"name": name, "target": name, "domain": "d%d.example.com" % (i % ndom),
                     "expectedNetwork": ["AS64500"]}, "findings": []})
    asset["findings"].append({"rule": "port-unapproved-open", "action": "fail", "severity": "high",
        "asset": name, "target": name, "ip": "127.0.%d.%d" % (a, b), "port": 8000 + k // naddr,
        "protocol": "tcp", "fingerprint": "%016x" % k})
json.dump({"run": {"id": "bench"}, "assets": list(assets.values())}, open(out, "w"))
PY
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
dns: {server: "$DNS_SERVER", timeoutMs: 2000}
enrich: {timeoutMs: 30000, concurrency: 8}
enrichers:
  dns: {plugin: dns, types: "A,CNAME,NS,MX,TXT"}
  ip: {plugin: ip, sources: cymru, cymruZone: cymru.test}
  whois: {plugin: whois, rdap: false, server: "127.0.0.1:$(whois_port iana)",
          verisignServers: "127.0.0.1:$(whois_port verisign)", paceMs: 0}
YAML

run() { # LABEL
	: >"$T/whois.log"
	_q0=$(grep -c 'query\[' "$DNS_DIR/dnsmasq.log" || true)
	_s=$(date +%s.%N)
	"$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" --skip-cache >"$T/out.json" 2>"$T/err" \
		|| fail "enrich: $(cat "$T/err")"
	_e=$(date +%s.%N)
	_q1=$(grep -c 'query\[' "$DNS_DIR/dnsmasq.log" || true)
	python3 - "$T/out.json" "$1" "$(echo "$_e - $_s" | bc)" "$((_q1 - _q0))" "$T/whois.log" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); label, wall, dnsq = sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
whois = len(open(sys.argv[5]).read().splitlines())
f = [x for a in d["assets"] for x in a["findings"] if x["rule"] == "port-unapproved-open"]
ok = {k: sum(1 for x in f if "error" not in x["enrichment"].get(k, {"error": 1})) for k in ("dns", "ip", "whois")}
cached = {k: sum(1 for x in f if x["enrichment"].get(k, {}).get("cached")) for k in ("ip", "whois")}
net = sum(1 for a in d["assets"] for x in a["findings"] if x["rule"] == "network-unexpected")
print("%-6s findings=%d wall=%.2fs dns_queries=%d whois_queries=%d enriched(dns/ip/whois)=%d/%d/%d "
      "cached(ip/whois)=%d/%d network-unexpected=%d" % (label, len(f), wall, dnsq, whois, ok["dns"],
      ok["ip"], ok["whois"], cached["ip"], cached["whois"], net))
PY
}
echo "netenrich bench: $NFIND findings, $NADDR addresses, $NDOM domains ($(nproc) cores)"
run first
run second
