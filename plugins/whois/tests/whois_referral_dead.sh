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
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$NS/resolv.conf"
printf '127.0.0.1 localhost\n' >"/etc/netns/$NS/hosts"
private_plugin_dir whois
DNSP=15354

in_ns dnsmasq --no-daemon --port=$DNSP --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
	--no-hosts --conf-file=/dev/null --pid-file --local=/#/ --log-queries --log-facility=- \
	>"$T/dnsmasq.log" 2>&1 &
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
until [ -s "$T/whois.ports" ] && in_ns python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
s.sendto(bytes.fromhex("abcd01000001000000000000066865616c74680474657374000001" "0001"), ("127.0.0.1", int(sys.argv[1])))
s.recv(512)' "$DNSP" 2>/dev/null; do
	i=$((i + 1)); [ $i -le 100 ] || fail "servers in the namespace did not start: $(cat "$T/dnsmasq.log")"
	sleep 0.1
done
# the premise: the namespace's system resolver cannot know the name
! in_ns getent hosts whois.gone-registrar.test >/dev/null 2>&1 || fail "the system resolver knows the name"
reg=$(awk '$1 == "registry" { print $2 }' "$T/whois.ports")

cat >"$T/r.json" <<'JSON'
{"run": {"id": "run_whois_dead"}, "assets": [{"name": "s", "target": "shop.com", "findings": [
  {"rule": "port-unapproved-open", "action": "fail", "asset": "s", "target": "shop.com",
   "ip": "127.0.0.1", "port": 443, "fingerprint": "wd0000000000dead"}]}]}
JSON
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
dns: {server: "127.0.0.1:$DNSP", timeoutMs: 1000}
enrich: {timeoutMs: 8000}
enrichers:
  whois: {plugin: whois, rdap: false, server: "127.0.0.1:$reg", lookupTimeoutMs: 2000, paceMs: 0,
          cacheSeconds: 0}
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
