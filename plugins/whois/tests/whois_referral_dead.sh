#!/bin/sh
# A registrar referral whose host does not resolve keeps what the registry said (issue 22
# item 15): the registry's registrar and expiry stay, referralError says why the chain
# stopped, and the name went to the configured resolver. In a network namespace, the test's
# dnsmasq (dns.server) answers NXDOMAIN for every name; the namespace's system resolver points
# at 127.0.0.1:53, where nothing listens, so no query for the made-up name can leave it.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin whois
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
for t in dnsmasq ip; do
	command -v $t >/dev/null 2>&1 || pg_skip "$t not installed"
done
rdap_ns_up pgwd
private_plugin_dir whois
DNSP=15354

ns_dns_up $DNSP
mkdir -p "$T/fx"
printf 'Domain Name: {DOMAIN}\nRegistrar WHOIS Server: whois.gone-registrar.test\nRegistrar: Registry-Named Registrar\nRegistry Expiry Date: {expires}\nName Server: NS1.EXAMPLE.NET\n' \
	>"$T/fx/registry.txt"
cat >"$T/whois.json" <<JSON
{"fixtures": "$T/fx", "log": "$T/whois.log", "servers": {
  "registry": {"default": "registry.txt", "expiresInDays": {"shop.com": 400}}}}
JSON
in_ns python3 "$PG_SRCDIR/tests/tools/whois_server.py" "$T/whois.json" "$T/whois.ports" \
	--max-seconds 60 &
i=0
until [ -s "$T/whois.ports" ]; do
	i=$((i + 1)); [ $i -le 100 ] || fail "whois responder in the namespace did not start"
	sleep 0.1
done
# the premise: the namespace's system resolver cannot know the name
ns_name_unknown whois.gone-registrar.test
reg=$(awk '$1 == "registry" { print $2 }' "$T/whois.ports")

one_finding_report "$T/r.json" run_whois_dead s shop.com wd0000000000dead
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrichers:
  whois: {plugin: whois, rdap: false, server: "127.0.0.1:$reg", lookupTimeoutMs: 2000, paceMs: 0,
          cacheSeconds: 0}
enrich: {timeoutMs: 8000}
dns: {server: "127.0.0.1:$DNSP", timeoutMs: 1000}
YAML
in_ns "$DRIVER" enrich "$T/portgate.yaml" "$T/r.json" --skip-cache >"$T/o.json" 2>"$T/e" \
	|| fail "enrich: $(cat "$T/e")"
python3 - "$T/o.json" "127.0.0.1:$reg" <<'PY' || fail "dead referral: $(cat "$T/o.json") $(cat "$T/e")"
import json, sys
w = json.load(open(sys.argv[1]))["assets"][0]["findings"][0]["enrichment"]["whois"]
assert "error" not in w and w.get("source") == "whois", w
assert w.get("registrar") == "Registry-Named Registrar", w
assert w.get("expires", "").endswith("Z") and 399 <= w.get("daysUntilExpiry", 0) <= 400, w
assert w.get("nameservers") == ["ns1.example.net"], w
assert w.get("servers") == [sys.argv[2], "whois.gone-registrar.test:43"], w
assert "whois.gone-registrar.test" in w.get("referralError", ""), w
assert [l for l in w["message"] if l["label"] == "Registration"], w
PY
grep -q "query\[A\] whois.gone-registrar.test from 127.0.0.1" "$T/dnsmasq.log" ||
	fail "dnsmasq was not asked: $(cat "$T/dnsmasq.log")"
[ "$(cat "$T/whois.log")" = "registry	shop.com" ] || fail "queries: $(cat "$T/whois.log")"
echo ok
