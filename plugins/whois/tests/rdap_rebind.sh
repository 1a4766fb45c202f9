#!/bin/sh
# DNS rebinding against the RDAP redirect guard, deterministically: in a
# network namespace, a "public" RDAP server (198.51.100.43, TEST-NET-2 on the
# namespace's lo) redirects to http://rebind.test:8081/. portgate's resolver
# (dns.server: dnsmasq in the namespace, the only one portgate asks, issue 22
# item 13) answers rebind.test with 127.0.0.1, where an RDAP server waits: an
# answer that may differ from any earlier look-up (rebinding), so the plugin
# proves nothing by looking the name up first. The system resolver (the
# namespace's hosts file) says the public 198.51.100.7 and must not matter.
# The redirect must be refused where the host connects (ABI 1.2
# refuse_internal), and the loopback server must never see a request.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin whois
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
command -v dnsmasq >/dev/null 2>&1 || pg_skip "dnsmasq not installed"
rdap_ns_up pgrb
printf '127.0.0.1 localhost\n198.51.100.7 rebind.test\n' >"/etc/netns/$NS/hosts"
private_plugin_dir whois
in_ns ip addr add 198.51.100.43/32 dev lo

# portgate's resolver: rebind.test is internal; every other name NXDOMAIN
in_ns dnsmasq --no-daemon --port=5353 --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
	--no-hosts --conf-file=/dev/null --pid-file --local=/#/ \
	--host-record=rebind.test,127.0.0.1 >"$T/dnsmasq.log" 2>&1 &
# the public redirector and the internal RDAP server (which logs what it is asked)
: >"$T/inner.log"
in_ns timeout 60 python3 - "$T/inner.log" <<'PY' &
import http.server, sys, threading
log = sys.argv[1]
class Pub(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", "http://rebind.test:8081" + self.path)
        self.end_headers()
    def log_message(self, *a): pass
class Inner(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open(log, "a").write(self.path + "\n")
        body = b'{"objectClassName": "domain", "ldhName": "example.org", "entities": [{"roles": ["registrar"], "vcardArray": ["vcard", [["fn", {}, "text", "Inner Registrar"]]]}]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/rdap+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
inner = http.server.HTTPServer(("127.0.0.1", 8081), Inner)
threading.Thread(target=inner.serve_forever, daemon=True).start()
http.server.HTTPServer(("198.51.100.43", 8080), Pub).serve_forever()
PY
i=0
until in_ns python3 -c 'import socket
for a in (("198.51.100.43", 8080), ("127.0.0.1", 8081)): socket.create_connection(a, 0.2)' \
	2>/dev/null && in_ns python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2); s.sendto(bytes.fromhex("abcd0100000100000000000006726562696e6404746573740000010001"), ("127.0.0.1", 5353)); s.recv(512)' \
	2>/dev/null; do
	i=$((i + 1)); [ $i -le 100 ] || fail "servers in the namespace did not start: $(cat "$T/dnsmasq.log")"
	sleep 0.1
done
# the premise: the two resolvers disagree (portgate must ask only its own)
in_ns getent hosts rebind.test | grep -q '^198\.51\.100\.7 ' || fail "the namespace's hosts file is not used"

cat >"$T/r.json" <<'JSON'
{"run": {"id": "run_rebind"}, "assets": [{"name": "g1", "target": "www.example.org", "findings": [
  {"rule": "port-unapproved-open", "action": "fail", "asset": "g1", "target": "www.example.org",
   "ip": "198.51.100.9", "port": 443, "fingerprint": "re0000000000bind"}]}]}
JSON
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
dns: {server: "127.0.0.1:5353", timeoutMs: 1000}
enrich: {timeoutMs: 8000}
enrichers:
  whois: {plugin: whois, rdapBaseUrl: "http://198.51.100.43:8080/rdap/", server: "198.51.100.43:9",
          lookupTimeoutMs: 2000, paceMs: 0, cacheSeconds: 0}
YAML
in_ns "$DRIVER" enrich "$T/portgate.yaml" "$T/r.json" --skip-cache >"$T/o.json" 2>"$T/e" \
	|| fail "enrich: $(cat "$T/e")"
python3 - "$T/o.json" "$T/inner.log" <<'PY' || fail "rebinding: $(cat "$T/o.json")"
import json, sys
d = json.load(open(sys.argv[1])); inner = open(sys.argv[2]).read()
w = d["assets"][0]["findings"][0]["enrichment"]["whois"]
assert inner == "", "the loopback server was asked: " + inner
assert w.get("registrar") != "Inner Registrar", w
# RDAP refused, then port 43 (a closed port here) failed too; the server is
# named by its host alone (common/url.c: no userinfo, no port)
assert w["error"].startswith("example.org: RDAP rebind.test: refused: rebind.test connects"
                             " to internal address 127.0.0.1; "), w
PY
echo ok
