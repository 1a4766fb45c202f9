#!/bin/sh
# The dns enricher through the host's DNS helper (c-ares) against a local
# dnsmasq: A/AAAA/CNAME/MX answers land under enrichment.dns, NXDOMAIN gives
# empty lists, the registered domain's NS/MX/TXT/CAA/SOA, and a silent server
# gives a recorded error, not a hang.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin dns
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
command -v dnsmasq >/dev/null 2>&1 || pg_skip "dnsmasq not installed"
EXTRA_CLEANUP=dns_stop

private_plugin_dir dns
dns_start --host-record=www.example.test,127.0.0.1 --host-record=www.example.test,::1 \
	--cname=alias.example.test,www.example.test \
	--host-record=example.test,127.0.0.3 --mx-host=example.test,mail.example.test,10 \
	|| fail "dnsmasq did not start"

cat >"$T/report.json" <<'JSON'
{"run": {"id": "run_dns"}, "assets": [
  {"name": "a", "target": "alias.example.test", "findings": [
    {"rule": "port-unapproved-open", "action": "fail", "target": "alias.example.test", "ip": "127.0.0.1", "port": 1}]},
  {"name": "b", "target": "example.test", "findings": [
    {"rule": "port-unapproved-open", "action": "fail", "target": "example.test", "ip": "127.0.0.3", "port": 1}]},
  {"name": "c", "target": "gone.example.test", "findings": [
    {"rule": "dns-unresolved", "action": "fail", "target": "gone.example.test"}]}]}
JSON
write_config() { # SERVER [DNS_TIMEOUT_MS [CALL_TIMEOUT_MS]]
	cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
dns:
  server: "$1"
  timeoutMs: ${2:-300}
  tries: 1
enrichers:
  dns:
    plugin: dns
    types: A,AAAA,CNAME,MX
    timeoutMs: ${3:-4000}
YAML
}
write_config "$DNS_SERVER"
"$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" --skip-cache >"$T/out.json" 2>"$T/err" \
	|| fail "enrich: $(cat "$T/err")"
python3 - "$T/out.json" <<'PY' || fail "dns enrichment: $(cat "$T/out.json")"
import json, sys
d = json.load(open(sys.argv[1]))
e = [a["findings"][0]["enrichment"]["dns"] for a in d["assets"]]
assert e[0]["CNAME"] == ["www.example.test"], e[0]
assert e[0]["A"] == ["127.0.0.1"], e[0]
assert e[0]["AAAA"] == ["::1"], e[0]
assert e[1]["A"] == ["127.0.0.3"] and e[1]["MX"] == ["10 mail.example.test"], e[1]
assert e[2]["A"] == [] and e[2]["CNAME"] == [], e[2]          # NXDOMAIN: empty, not an error
PY

# The registered domain's records (ABI 1.1): NS, MX, TXT, CAA, SOA at the
# manifest's domain, else the target's registrable domain (libpsl); a CNAME
# chain of two hops; an invalid target refused before any query.
dns_stop
SOA_HEX=$(python3 -c '
import struct
def n(s): return b"".join(bytes([len(p)]) + p.encode() for p in s.split(".")) + b"\0"
print((n("ns1.example.test") + n("hostmaster.example.test") +
       struct.pack("!5I", 2026120101, 7200, 3600, 1209600, 300)).hex())')
NS_HEX=$(python3 -c 'print(b"".join(bytes([len(p)]) + p.encode() for p in "ns1.example.test".split(".")).hex() + "00")')
dns_start --host-record=www.example.test,127.0.0.1 --cname=a.shop.example.test,b.example.test \
	--cname=b.example.test,www.example.test --mx-host=example.test,mail.example.test,10 \
	--txt-record=example.test,"v=spf1 -all" --caa-record=example.test,0,issue,letsencrypt.org \
	--dns-rr=example.test,6,"$SOA_HEX" --dns-rr=example.test,2,"$NS_HEX" \
	--mx-host=other.test,mx.other.test,5 || fail "dnsmasq did not start"
cat >"$T/report5.json" <<'JSON'
{"run": {"id": "run_dns5"}, "assets": [
  {"name": "chain", "target": "a.shop.example.test", "line": 2,
   "manifest": {"name": "chain", "target": "a.shop.example.test"}, "findings": [
    {"rule": "port-unapproved-open", "action": "fail", "target": "a.shop.example.test", "ip": "127.0.0.1", "port": 1}]},
  {"name": "given", "target": "www.example.test", "line": 5,
   "manifest": {"name": "given", "target": "www.example.test", "domain": "other.test"}, "findings": [
    {"rule": "port-unapproved-open", "action": "fail", "target": "www.example.test", "ip": "127.0.0.1", "port": 1}]},
  {"name": "bad", "target": "bad_host!", "line": 8, "manifest": {"name": "bad", "target": "bad_host!"}, "findings": [
    {"rule": "port-unapproved-open", "action": "fail", "target": "bad_host!", "ip": "127.0.0.1", "port": 1}]},
  {"name": "idn", "target": "www.xn--bcher-kva.example.test", "line": 11,
   "manifest": {"name": "idn", "target": "www.xn--bcher-kva.example.test", "domain": "xn--bcher-kva.test"},
   "findings": [{"rule": "port-unapproved-open", "action": "fail", "target": "www.xn--bcher-kva.example.test",
                 "ip": "127.0.0.1", "port": 1}]}]}
JSON
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
dns: {server: "$DNS_SERVER", timeoutMs: 1000, tries: 1}
enrichers:
  dns: {plugin: dns}
YAML
"$DRIVER" enrich "$T/portgate.yaml" "$T/report5.json" --skip-cache >"$T/out5.json" 2>"$T/err5" \
	|| fail "enrich (domain): $(cat "$T/err5")"
python3 - "$T/out5.json" <<'PY' || fail "domain records: $(cat "$T/out5.json")"
import json, sys
d = json.load(open(sys.argv[1]))
c, g, b, i = (a["findings"][0]["enrichment"]["dns"] for a in d["assets"])
# an IDN in both forms: ACE (what was asked) and Unicode
assert (i["name"], i["nameUnicode"]) == ("www.xn--bcher-kva.example.test", "www.b\u00fccher.example.test"), i
assert (i["domain"], i["domainUnicode"]) == ("xn--bcher-kva.test", "b\u00fccher.test"), i
assert "nameUnicode" not in c and "domainUnicode" not in c, c
assert c["CNAME"] == ["b.example.test", "www.example.test"] and c["A"] == ["127.0.0.1"], c
assert c["domain"] == "example.test" and c["domainSource"] == "psl", c
assert c["NS"] == ["ns1.example.test"] and c["MX"] == ["10 mail.example.test"], c
assert c["TXT"] == ["v=spf1 -all"] and c["CAA"] == ['0 issue "letsencrypt.org"'], c
assert c["SOA"] == ["ns1.example.test hostmaster.example.test 2026120101 7200 3600 1209600 300"], c
assert g["domain"] == "other.test" and g["domainSource"] == "manifest", g
assert g["MX"] == ["5 mx.other.test"] and g["CNAME"] == [], g
assert "not a valid host name" in b["error"], b
PY
if dns_log | grep -q 'bad_host'; then fail "an invalid target reached DNS"; fi

# A server that never answers: an error on the finding, within the timeouts.
dns_start_silent || fail "silent server"
write_config "$DNS_SILENT_SERVER"
start=$(date +%s)
"$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" --skip-cache >"$T/out2.json" 2>"$T/err2" \
	|| fail "enrich (silent): $(cat "$T/err2")"
[ $(( $(date +%s) - start )) -le 8 ] || fail "DNS timeouts not honoured"
python3 - "$T/out2.json" <<'PY' || fail "silent dns: $(cat "$T/out2.json")"
import json, sys
d = json.load(open(sys.argv[1]))
e = d["assets"][0]["findings"][0]["enrichment"]["dns"]
assert "error" in e and "timeout" in e["error"].lower(), e
PY

# The DNS timeout longer than the call's: each lookup stops at the call's
# deadline with its own error, so the instance is not abandoned as hung and
# every asset still gets its (error) result.
write_config "$DNS_SILENT_SERVER" 2000 700
start=$(date +%s)
"$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" --skip-cache >"$T/out3.json" 2>"$T/err3" \
	|| fail "enrich (deadline): $(cat "$T/err3")"
[ $(( $(date +%s) - start )) -le 8 ] || fail "call deadline not honoured"
python3 - "$T/out3.json" <<'PY' || fail "deadline: $(cat "$T/out3.json") $(cat "$T/err3")"
import json, sys
d = json.load(open(sys.argv[1]))
for a in d["assets"]:
    e = a["findings"][0]["enrichment"]["dns"]
    assert "deadline" in e.get("error", ""), e
PY

# A server given as [::1]:PORT, as --dns-server accepts it.
if pg_have_ipv6; then
	dns_stop
	DNS_IPV6=1 dns_start --host-record=www.example.test,127.0.0.1 || fail "dnsmasq (v6) did not start"
	write_config "[::1]:$DNS_PORT"
	"$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" --skip-cache >"$T/out4.json" 2>"$T/err4" \
		|| fail "enrich ([::1]): $(cat "$T/err4")"
	python3 - "$T/out4.json" <<'PY' || fail "[::1] server: $(cat "$T/out4.json")"
import json, sys
d = json.load(open(sys.argv[1]))
e = d["assets"][0]["findings"][0]["enrichment"]["dns"]
assert "error" not in e and e["CNAME"] == [], e
PY
else
	pg_skip_part "no ::1 on this machine: the [::1]:PORT server is not exercised"
fi
echo "ok"
pg_done
