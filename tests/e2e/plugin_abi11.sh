#!/bin/sh
# ABI 1.1 through the real host (pg_plugin_driver): assetContext on findings
# given to enrich() and inside notify events; PG_SCOPE_ASSET memoizes per
# asset (two assets on one IP with different domains get different answers,
# while a target-scoped enricher shares one); CAA and SOA answers from the
# test's dnsmasq; response headers of host->http; a plugin built against the
# 1.0 header (descriptor and HTTP request) still works.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
TP="$PG_BUILDDIR/tests/plugins/.libs"
for p in testenrich testasset testnotifyeach oldabi; do
	[ -f "$TP/$p.so" ] || pg_skip "test plugin $p not built"
done
command -v dnsmasq >/dev/null 2>&1 || pg_skip "dnsmasq not installed"
mkdir -p "$T/plugins" "$T/events"; chmod 0755 "$T/plugins"
for p in testenrich testasset testnotifyeach oldabi; do install -m 0644 "$TP/$p.so" "$T/plugins/"; done

# A small HTTP server answering every GET with known headers (one folded).
python3 - "$T/hport" <<'PY' &
import http.server, os, socketserver, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("X-Test-One", "first value")
        self.send_header("Strict-Transport-Security", "max-age=31536000")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
s = socketserver.TCPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
threading.Timer(60, s.shutdown).start()
s.serve_forever()
PY
LISTENER_PID=$!
i=0
while [ ! -s "$T/hport" ]; do
	i=$((i + 1)); [ $i -le 100 ] || fail "http server did not start"
	sleep 0.1
done
HPORT=$(cat "$T/hport")

# SOA as raw rdata: ns1.example.test. hostmaster.example.test. 2026120101 7200 3600 1209600 300
SOA_HEX=$(python3 -c '
import struct
def n(s): return b"".join(bytes([len(p)]) + p.encode() for p in s.split(".")) + b"\0"
print((n("ns1.example.test") + n("hostmaster.example.test") +
       struct.pack("!5I", 2026120101, 7200, 3600, 1209600, 300)).hex())')
dns_start --caa-record=example.test,0,issue,letsencrypt.org \
	--caa-record=example.test,128,iodef,mailto:sec@example.test \
	--dns-rr=example.test,6,"$SOA_HEX" --host-record=example.test,127.0.0.3 \
	|| fail "dnsmasq did not start"
EXTRA_CLEANUP=dns_stop

cat >"$T/report.json" <<'JSON'
{"run": {"id": "run_abi11", "manifest": "/srv/manifests/prod.yaml"}, "assets": [
  {"name": "shop", "target": "127.0.0.1", "line": 4,
   "manifest": {"name": "shop", "target": "127.0.0.1", "owner": "team-shop", "domain": "shop.example"},
   "findings": [{"rule": "port-unapproved-open", "action": "fail", "asset": "shop",
     "target": "127.0.0.1", "ip": "127.0.0.1", "port": 8080, "fingerprint": "aaaa000011112222"}]},
  {"name": "blog", "target": "127.0.0.1", "line": 9,
   "manifest": {"name": "blog", "target": "127.0.0.1", "owner": "team-blog", "domain": "blog.example"},
   "findings": [{"rule": "port-unapproved-open", "action": "fail", "asset": "blog",
     "target": "127.0.0.1", "ip": "127.0.0.1", "port": 8080, "fingerprint": "bbbb000011112222"}]}]}
JSON
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
dns:
  server: "$DNS_SERVER"
  timeoutMs: 1000
enrichers:
  perasset: {plugin: testasset, mode: context, countFile: $T/asset-calls}
  pertarget: {plugin: testenrich, mode: context, countFile: $T/target-calls}
  caa: {plugin: testasset, mode: dns, dnsName: example.test, dnsType: CAA}
  soa: {plugin: testasset, mode: dns, dnsName: example.test, dnsType: SOA}
  headers: {plugin: testasset, mode: http, url: "http://127.0.0.1:$HPORT/"}
  old: {plugin: oldabi, url: "http://127.0.0.1:$HPORT/"}
notifiers:
  each: {plugin: testnotifyeach, logFile: $T/notify.log, eventDir: $T/events}
notify:
  on: [fail]
YAML
"$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" --skip-cache >"$T/out.json" 2>"$T/err" \
	|| fail "enrich: $(cat "$T/err")"
python3 - "$T/out.json" "$T/asset-calls" "$T/target-calls" <<'PY' || fail "enrichment: $(cat "$T/out.json")"
import json, sys
d = json.load(open(sys.argv[1]))
shop, blog = (a["findings"][0] for a in d["assets"])
for f in (shop, blog):
    assert "assetContext" not in f, f          # the plugin's view, not evidence
a, b = shop["enrichment"]["perasset"], blog["enrichment"]["perasset"]
assert a["domain"] == "shop.example" and a["owner"] == "team-shop", a
assert b["domain"] == "blog.example" and b["owner"] == "team-blog", b
assert a["line"] == 4 and b["line"] == 9 and a["manifest"] == "/srv/manifests/prod.yaml", (a, b)
assert len(open(sys.argv[2]).read().splitlines()) == 2   # one call per asset
# target scope: one call for target+ip, so both share the first asset's view
t = [f["enrichment"]["pertarget"] for f in (shop, blog)]
assert t[0] == t[1] and t[0]["domain"] == "shop.example", t
assert len(open(sys.argv[3]).read().splitlines()) == 1
caa = shop["enrichment"]["caa"]
assert sorted(caa["answers"]) == ['0 issue "letsencrypt.org"',
                                  '128 iodef "mailto:sec@example.test"'], caa
assert caa["timeLeftPositive"] is True, caa
soa = shop["enrichment"]["soa"]["answers"]
assert soa == ["ns1.example.test hostmaster.example.test 2026120101 7200 3600 1209600 300"], soa
h = shop["enrichment"]["headers"]
assert h["status"] == 200, h
assert h["responseSize"] > 288, h  # 1.3: set by the host (1.2 struct: 288 bytes on LP64)
names = [x["name"] for x in h["headers"]]
assert names[:1] == ["server"] and "x-test-one" in names, names
assert {"name": "x-test-one", "value": "first value"} in h["headers"], h
assert {"name": "strict-transport-security", "value": "max-age=31536000"} in h["headers"], h
old = shop["enrichment"]["old"]
# 1.3's pg_http_response.size is never written into a pre-1.3 plugin's struct
assert old == {"old": True, "target": "127.0.0.1", "status": 200, "responseIntact": True}, old
PY

# Notify: every per-finding event carries the finding's assetContext.
"$DRIVER" notify "$T/portgate.yaml" "$T/report.json" >"$T/nout" 2>"$T/nerr" \
	|| fail "notify: $(cat "$T/nerr")"
python3 - "$T/events" <<'PY' || fail "events"
import glob, json, sys
ev = [json.load(open(p)) for p in sorted(glob.glob(sys.argv[1] + "/*.json"))]
assert len(ev) == 2, ev
ctx = sorted((e["finding"]["assetContext"]["name"], e["finding"]["assetContext"]["owner"],
              e["finding"]["assetContext"]["domain"]) for e in ev)
assert ctx == [("blog", "team-blog", "blog.example"), ("shop", "team-shop", "shop.example")], ctx
assert all(e["finding"]["assetContext"]["manifest"] == "/srv/manifests/prod.yaml" for e in ev)
PY
python3 "$PG_SRCDIR/tests/tools/validate_events.py" "$PG_SRCDIR/docs/schema/event-v1.schema.json" \
	"$T"/events/*.json >/dev/null || fail "events do not match the schema"

echo "ok"
