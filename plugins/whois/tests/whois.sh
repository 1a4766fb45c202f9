#!/bin/sh
# The whois enricher through the real host against real servers on loopback:
# nginx serving RDAP domain JSON (bootstrap file pointing at it, a redirect,
# a redirect loop, broken JSON, a 404), and tests/tools/whois_server.py as
# IANA -> thin registry (Verisign "domain NAME" form) -> registrar (which
# refers to itself), a ccTLD server, and hostile servers (never answers,
# never closes, 10 MiB, invalid UTF-8, rate limit, a referral loop).
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin whois
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
EXTRA_CLEANUP=netenrich_stop
private_plugin_dir whois

# --- RDAP over nginx
mkdir -p "$T/www/rdap/domain"
rdap_domain() { # NAME EXPIRES
	cat <<JSON
{"objectClassName": "domain", "ldhName": "$1", "status": ["client transfer prohibited", "active"],
 "events": [{"eventAction": "registration", "eventDate": "1992-01-01T05:00:00Z"},
            {"eventAction": "last changed", "eventDate": "2025-12-02T10:11:12Z"},
            {"eventAction": "expiration", "eventDate": "$2"}],
 "entities": [{"objectClassName": "entity", "roles": ["registrar"], "handle": "292",
   "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Example Registrar LLC"]]]},
  {"objectClassName": "entity", "roles": ["registrant"],
   "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["kind", {}, "text", "org"],
                            ["fn", {}, "text", "Example Holdings Ltd"]]]}],
 "nameservers": [{"objectClassName": "nameserver", "ldhName": "NS1.EXAMPLE.ORG."},
                 {"objectClassName": "nameserver", "ldhName": "ns2.example.org"}]}
JSON
}
rdap_domain example.org 2031-01-02T03:04:05Z >"$T/www/rdap/domain/example.org"
rdap_domain example2.org 2030-06-01T00:00:00Z >"$T/www/rdap/domain/example2.org"
# an IDN (bücher.org) expiring in 10 days: evidence names it in both forms
rdap_domain xn--bcher-kva.org "$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc) + d.timedelta(days=10, hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ"))')" \
	>"$T/www/rdap/domain/xn--bcher-kva.org"
printf '{"objectClassName": "domain", "ldhName": ' >"$T/www/rdap/domain/broken.org"
# a hostile answer: 300 name servers (each twice) and 300 statuses
python3 -c 'import json; print(json.dumps({"objectClassName": "domain", "ldhName": "many.org",
    "status": ["s%d" % i for i in range(300)],
    "nameservers": [{"ldhName": "NS%d.Many.Org." % (i // 2)} for i in range(600)]}))' \
	>"$T/www/rdap/domain/many.org"
rdap_nginx_start "$T/www" '
    location = /rdap/domain/moved.org { return 301 /rdap/domain/example2.org; }
    location = /rdap/domain/loop.org { return 302 /rdap/domain/loop2.org; }
    location = /rdap/domain/loop2.org { return 302 /rdap/domain/loop.org; }'
cat >"$T/dns.json" <<JSON
{"version": "1.0", "services": [[["org"], ["$RDAP_BASE"]], [["net"], ["http://127.0.0.1:9/x/"]]]}
JSON

# --- port 43
mkdir -p "$T/fx"
cp "$PG_SRCDIR"/tests/fixtures/whois/*.txt "$T/fx/"
printf 'Domain Name: BADUTF8.COM\nRegistrar: Caf\351 \377\376 Registrar\nRegistry Expiry Date: 2030-01-01T00:00:00Z\n' \
	>"$T/fx/badutf8.txt"
printf 'Domain Name: {DOMAIN}\nRegistrar WHOIS Server: {server:loopb}\nRegistry Expiry Date: {expires}\n' \
	>"$T/fx/loopa.txt"
printf 'Domain Name: {DOMAIN}\nRegistrar WHOIS Server: {server:loopa}\nRegistrar: Loop Registrar\n' \
	>"$T/fx/loopb.txt"
printf 'Domain Name: {DOMAIN}\nRegistrar: Slow Registrar\nRegistry Expiry Date: {expires}\n' \
	>"$T/fx/slow.txt"
cat >"$T/whois.json" <<JSON
{"fixtures": "$T/fx", "log": "$T/whois.log", "servers": {
  "iana": {"default": "iana-com.txt"},
  "verisign": {"answers": {"example.com": "gtld-registry.txt", "soon.com": "gtld-registry.txt",
                           "old.com": "gtld-registry.txt", "loop.org": "gtld-registry.txt",
                           "broken.org": "gtld-registry.txt"},
               "default": "gtld-notfound.txt",
               "expiresInDays": {"example.com": 1800, "soon.com": 10, "old.com": -5}},
  "registrar": {"default": "gtld-registrar.txt",
               "expiresInDays": {"example.com": 1800, "soon.com": 10, "old.com": -5}},
  "cctld": {"answers": {"example.co.uk": "uk.txt", "example.pl": "pl.txt", "nope.de": "de-free.txt"}},
  "hang": {"mode": "hang"},
  "noclose": {"mode": "noclose", "default": "gtld-registrar.txt"},
  "flood": {"mode": "flood", "default": "gtld-registrar.txt"},
  "badutf8": {"default": "badutf8.txt"},
  "ratelimit": {"default": "ratelimit.txt"},
  "loopa": {"default": "loopa.txt"}, "loopb": {"default": "loopb.txt"},
  "slow": {"default": "slow.txt", "delayMs": 300}},
 "stats": "$T/whois.stats"}
JSON
whois_start "$T/whois.json"
W() { echo "127.0.0.1:$(whois_port "$1")"; }

asset() { # NAME TARGET [DOMAIN]
	_dom=""; [ -z "${3:-}" ] || _dom=", \"domain\": \"$3\""
	printf '{"name": "%s", "target": "%s", "line": 7, "manifest": {"name": "%s", "target": "%s"%s}, "findings": [{"rule": "port-unapproved-open", "action": "fail", "severity": "high", "asset": "%s", "target": "%s", "ip": "127.0.0.1", "port": 8443, "protocol": "tcp", "fingerprint": "%s"}]}' \
		"$1" "$2" "$1" "$2" "$_dom" "$1" "$2" "$(printf '%s' "$1" | sha256sum | cut -c1-16)"
}
report() { # ASSET-SPECS: name:target[:domain] ...
	printf '{"run": {"id": "run_whois"}, "assets": ['
	_sep=""
	for _a in "$@"; do
		IFS=: read -r _n _t _d <<EOF2
$_a
EOF2
		printf '%s' "$_sep"; asset "$_n" "$_t" "$_d"; _sep=","
	done
	printf ']}\n'
}
out() { python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$1"; }

# 1. RDAP: bootstrap, redirect, 404 (notFound); loop and broken JSON fall back to port 43.
report r1:www.example.org r2:moved.org r3:gone.org r4:loop.org r5:broken.org r6:many.org \
	r7:www.xn--bcher-kva.org >"$T/r1.json"
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrich: {timeoutMs: 8000}
enrichers:
  whois:
    plugin: whois
    rdapBootstrap: $T/dns.json
    server: "$(W iana)"
    verisignServers: "$(W verisign)"
    lookupTimeoutMs: 2000
    paceMs: 0
    rawBytes: 300
YAML
"$DRIVER" enrich "$T/portgate.yaml" "$T/r1.json" --skip-cache >"$T/o1.json" 2>"$T/e1" \
	|| fail "enrich: $(cat "$T/e1")"
python3 - "$T/o1.json" "$(W iana)" "$(W verisign)" "$(W registrar)" <<'PY' \
	|| fail "rdap: $(cat "$T/o1.json")"
import json, sys
d = json.load(open(sys.argv[1])); iana, vs, reg = sys.argv[2:5]
E = {a["name"]: a["findings"][0]["enrichment"]["whois"] for a in d["assets"]}
r1 = E["r1"]
assert (r1["domain"], r1["source"], r1["registrar"], r1["created"], r1["updated"], r1["expires"]) == \
    ("example.org", "rdap", "Example Registrar LLC", "1992-01-01T05:00:00Z", "2025-12-02T10:11:12Z",
     "2031-01-02T03:04:05Z"), r1
assert r1["nameservers"] == ["ns1.example.org", "ns2.example.org"], r1
assert r1["registrantOrganization"] == "Example Holdings Ltd", r1
assert r1["status"] == ["client transfer prohibited", "active"] and r1["daysUntilExpiry"] > 1400, r1
assert E["r2"]["expires"] == "2030-06-01T00:00:00Z" and E["r2"]["source"] == "rdap", E["r2"]
assert E["r3"]["notFound"] is True and E["r3"]["source"] == "rdap", E["r3"]
for n in ("r4", "r5"):
    e = E[n]
    assert e["source"] == "whois" and e["registrar"] == "Example Registrar, Inc.", e
    assert e["servers"] == [iana, vs, reg], e
    assert e["registrantOrganization"] == "Example Org", e  # Registrant Organization:
assert "redirect loop" in E["r4"]["rdapError"] and "broken JSON" in E["r5"]["rdapError"], E
# the RDAP answer kept as raw text, capped like a WHOIS answer
assert r1["raw"].startswith('{"') and len(r1["raw"]) <= 300 and "domainUnicode" not in r1, r1
idn = E["r7"]
assert (idn["domain"], idn["domainUnicode"], idn["source"]) == ("xn--bcher-kva.org", "b\u00fccher.org", "rdap"), idn
[soon] = [f for a in d["assets"] if a["name"] == "r7" for f in a["findings"] if f["rule"] == "domain-expiring-soon"]
assert (soon["evidence"]["domain"], soon["evidence"]["domainUnicode"]) == ("xn--bcher-kva.org", "b\u00fccher.org"), soon
m = E["r6"]   # bounded like a port-43 answer: 32 of each, no duplicates
assert m["nameservers"] == ["ns%d.many.org" % i for i in range(32)], m
assert m["status"] == ["s%d" % i for i in range(32)], m
PY

# 2. Port 43 only: IANA -> registry ("domain NAME") -> registrar (refers to itself);
#    expiry findings; one lookup per domain; not found; ccTLD formats; rate limit.
report c1:www.example.com c2:api.example.com c3:shop.example:soon.com c4:old.com \
	c5:nope.com >"$T/r2.json"
report u1:www.example.co.uk u2:example.pl u3:nope.de >"$T/r3.json"
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrich: {timeoutMs: 8000}
enrichers:
  whois:
    plugin: whois
    rdap: false
    server: "$(W iana)"
    verisignServers: "$(W verisign)"
    lookupTimeoutMs: 2000
    paceMs: 0
  cc:
    plugin: whois
    rdap: false
    server: "$(W cctld)"
YAML
: >"$T/whois.log"
"$DRIVER" enrich "$T/portgate.yaml" "$T/r2.json" --skip-cache >"$T/o2.json" 2>"$T/e2" \
	|| fail "enrich: $(cat "$T/e2")"
pg_rules_declared "$T/o2.json" whois whois "$T/plugins" # ABI 1.4: domain-expir{ing-soon,ed}
python3 - "$T/o2.json" "$T/whois.log" "$(W iana)" "$(W verisign)" "$(W registrar)" <<'PY' \
	|| fail "whois chain: $(cat "$T/o2.json") $(cat "$T/whois.log")"
import datetime, json, sys
d = json.load(open(sys.argv[1])); log = open(sys.argv[2]).read().splitlines()
iana, vs, reg = sys.argv[3:6]
A = {a["name"]: a for a in d["assets"]}
E = {n: a["findings"][0]["enrichment"]["whois"] for n, a in A.items()}
c1 = E["c1"]
assert (c1["domain"], c1["source"], c1["registrar"], c1["created"], c1["updated"]) == \
    ("example.com", "whois", "Example Registrar, Inc.", "1995-08-14T04:00:00Z", "2025-08-14T07:01:44Z"), c1
# the registry's answer wins over the registrar's (two name servers, not three)
assert c1["nameservers"] == ["a.iana-servers.net", "b.iana-servers.net"], c1
assert c1["status"][0] == "clientDeleteProhibited" and len(c1["status"]) == 3, c1
assert c1["servers"] == [iana, vs, reg], c1          # the registrar's self-referral not followed
assert c1["daysUntilExpiry"] == 1800, c1
exp = datetime.datetime.strptime(c1["expires"], "%Y-%m-%dT%H:%M:%SZ")
assert c1["expires"].endswith("Z") and "Registrar Registration Expiration" in c1["raw"], c1  # the last answer
assert E["c2"]["expires"] == c1["expires"]
# one lookup per domain however many findings; Verisign asked in its form
assert log.count("verisign\tdomain example.com") == 1, log
assert log.count("registrar\texample.com") == 1 and log.count("iana\texample.com") == 1, log
assert not [l for l in log if l.startswith("verisign\t") and not l.startswith("verisign\tdomain ")], log
# the manifest's domain wins over the target
assert E["c3"]["domain"] == "soon.com" and E["c3"]["daysUntilExpiry"] == 10, E["c3"]
[s] = [f for f in A["c3"]["findings"] if f["rule"] == "domain-expiring-soon"]
assert s["defaultAction"] == "warn" and s["severity"] == "medium" and s["assetLevel"] is True, s
assert "soon.com expires on" in s["reason"] and "in 10 days" in s["reason"], s
assert s["evidence"]["daysUntilExpiry"] == 10 and s["evidence"]["registrar"] == "Example Registrar, Inc.", s
[x] = [f for f in A["c4"]["findings"] if f["rule"] == "domain-expired"]
assert x["defaultAction"] == "fail" and x["severity"] == "high" and E["c4"]["daysUntilExpiry"] == -5, x
assert not [f for f in A["c1"]["findings"] if f["rule"].startswith("domain-")], A["c1"]
assert E["c5"]["notFound"] is True and "expires" not in E["c5"], E["c5"]
# the message line the enricher gives every notification (docs/notify.md)
line = lambda n: [(l["label"], l["text"]) for l in E[n]["message"]]
assert c1["registrantOrganization"] == "Example Org", c1
assert line("c1") == [("Registration", "Example Registrar, Inc.; registrant Example Org; expires %s (1800 days left)" % c1["expires"][:10])], line("c1")
c4 = E["c4"]
org = "; registrant " + c4["registrantOrganization"] if "registrantOrganization" in c4 else ""
assert line("c4") == [("Registration", "%s%s; expired %s (5 days ago)" % (c4.get("registrar", "registrar unknown"), org, c4["expires"][:10]))], line("c4")
assert line("c5") == [("Registration", "not registered (the registry has no record)")], line("c5")
PY

# Second run: from the cache (fetchedAt kept), no query sent.
: >"$T/whois.log"
"$DRIVER" enrich "$T/portgate.yaml" "$T/r2.json" >"$T/o2b.json" 2>"$T/e2b" \
	|| fail "enrich (cache): $(cat "$T/e2b")"
[ ! -s "$T/whois.log" ] || fail "cached run asked again: $(cat "$T/whois.log")"
python3 - "$T/o2.json" "$T/o2b.json" <<'PY' || fail "cache: $(cat "$T/o2b.json")"
import json, sys
a, b = (json.load(open(p))["assets"][0]["findings"][0]["enrichment"]["whois"] for p in sys.argv[1:3])
assert b["cached"] is True and b["fetchedAt"] == a["fetchedAt"] and b["expires"] == a["expires"], (a, b)
PY

"$DRIVER" enrich "$T/portgate.yaml" "$T/r3.json" --skip-cache >"$T/o3.json" 2>"$T/e3" \
	|| fail "enrich: $(cat "$T/e3")"
python3 - "$T/o3.json" <<'PY' || fail "ccTLD: $(cat "$T/o3.json")"
import json, sys
d = json.load(open(sys.argv[1]))
E = {a["name"]: a["findings"][0]["enrichment"]["cc"] for a in d["assets"]}
u = E["u1"]
assert (u["domain"], u["registrar"], u["created"], u["expires"]) == \
    ("example.co.uk", "Example Registrar Ltd t/a Example", "1996-08-26T00:00:00Z", "2030-08-26T00:00:00Z"), u
assert u["nameservers"] == ["ns1.example.net", "ns2.example.net"], u
p = E["u2"]
assert (p["registrar"], p["expires"]) == ("Example Sp. z o.o.", "2030-01-17T13:00:00Z"), p
assert E["u3"]["notFound"] is True, E["u3"]
PY

# 3. Hostile servers: each costs its own answer, never the run.
report h1:hang.com h2:noclose.com h3:flood.com h4:bad.com h5:limited.com h6:loop.com >"$T/r4.json"
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrich: {timeoutMs: 6000, concurrency: 8}
enrichers:
YAML
for h in hang noclose flood badutf8 ratelimit loopa; do
	cat >>"$T/portgate.yaml" <<YAML
  $h: {plugin: whois, rdap: false, server: "$(W $h)", lookupTimeoutMs: 1500, cacheSeconds: 0,
       maxAnswerBytes: 65536, rawBytes: 1000}
YAML
done
cat >>"$T/portgate.yaml" <<YAML
  smallcap: {plugin: whois, rdap: false, server: "$(W flood)", lookupTimeoutMs: 1500,
             cacheSeconds: 0, maxAnswerBytes: 2000, rawBytes: 1000}
YAML
start=$(date +%s)
"$DRIVER" enrich "$T/portgate.yaml" "$T/r4.json" --skip-cache >"$T/o4.json" 2>"$T/e4" \
	|| fail "enrich (hostile): $(cat "$T/e4")"
[ $(( $(date +%s) - start )) -le 30 ] || fail "hostile servers not bounded: $(( $(date +%s) - start )) s"
python3 - "$T/o4.json" "$(W loopa)" "$(W loopb)" <<'PY' || fail "hostile: $(cat "$T/o4.json")"
import json, sys
d = json.load(open(sys.argv[1])); la, lb = sys.argv[2:4]
E = {a["name"]: a["findings"][0]["enrichment"] for a in d["assets"]}
assert "did not close" in E["h1"]["hang"]["error"], E["h1"]["hang"]
assert "did not close" in E["h2"]["noclose"]["error"], E["h2"]["noclose"]
f = E["h3"]["flood"]      # cut at maxAnswerBytes; the answer before the junk still parsed
assert f["registrar"] == "Example Registrar, Inc." and len(f["raw"]) <= 1000, f
s = E["h3"]["smallcap"]   # a cap under the 4 KiB first read: cut there, no overflow
assert s["registrar"] == "Example Registrar, Inc." and "error" not in s, s
b = E["h4"]["badutf8"]
assert b["registrar"] == "Caf\ufffd \ufffd\ufffd Registrar" and b["expires"] == "2030-01-01T00:00:00Z", b
r = E["h5"]["ratelimit"]
assert r["rateLimited"] is True and "expires" not in r and "registrar" not in r, r
l = E["h6"]["loopa"]
assert l["servers"] == [la, lb] and l["registrar"] == "Loop Registrar", l
PY
# 4. One registry, 40 findings over 8 domains, 4 worker processes (and, inline, 4
#    threads): at most maxInflightPerServer queries at once across the whole run
#    (and, the answers being slow, that many reached), each domain asked once.
specs=""
for i in $(seq 0 39); do specs="$specs s$i:h$i.d$((i % 8)).com"; done
# shellcheck disable=SC2086 # one word per asset
report $specs >"$T/r5.json"
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrich: {timeoutMs: 8000, concurrency: 4}
enrichers:
  whois: {plugin: whois, rdap: false, server: "$(W slow)", lookupTimeoutMs: 3000, paceMs: 0,
          cacheSeconds: 0, maxInflightPerServer: 2}
YAML
for iso in process inline; do
	: >"$T/whois.log"
	rm -f "$T/whois.stats"
	if [ $iso = process ]; then unset PORTGATE_PLUGIN_ISOLATION; else export PORTGATE_PLUGIN_ISOLATION=inline; fi
	"$DRIVER" enrich "$T/portgate.yaml" "$T/r5.json" --skip-cache >"$T/o5.json" 2>"$T/e5" \
		|| fail "enrich ($iso): $(cat "$T/e5")"
	python3 - "$T/o5.json" "$T/whois.log" "$T/whois.stats" <<'PY' \
		|| fail "in flight ($iso): $(cat "$T/whois.stats") $(cat "$T/whois.log")"
import json, sys
d = json.load(open(sys.argv[1])); log = open(sys.argv[2]).read().splitlines()
stats = json.load(open(sys.argv[3]))
E = {a["name"]: a["findings"][0]["enrichment"]["whois"] for a in d["assets"]}
assert all(e.get("registrar") == "Slow Registrar" for e in E.values()), E
assert sorted(log) == sorted("slow\td%d.com" % i for i in range(8)), log   # each domain once
assert stats["slow"]["maxConcurrent"] == 2, stats                          # <= N, and N reached
PY
done
unset PORTGATE_PLUGIN_ISOLATION
# 5. Referral guard: a public first server (198.51.100.43, TEST-NET-2 on lo of a
#    private network namespace) may not refer or redirect portgate to an internal
#    address (from an internal first server, as in every part above, it may).
[ "$(id -u)" -eq 0 ] && ip netns add "pgw-$$" 2>/dev/null || pg_skip "parts 1-4 ok; part 5 needs a network namespace"
NS=pgw-$$
ns_stop() { ip netns pids "$NS" | xargs -r kill 2>/dev/null; ip netns del "$NS"; netenrich_stop; }
EXTRA_CLEANUP=ns_stop
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip addr add 198.51.100.43/32 dev lo
printf 'Domain Name: {DOMAIN}\nRegistrar: Public Registry\nRegistrar WHOIS Server: {server:inner}\nRegistry Expiry Date: {expires}\n' \
	>"$T/fx/pub.txt"
cat >"$T/pub.json" <<JSON
{"fixtures": "$T/fx", "log": "$T/pub.log", "servers": {
  "pub": {"default": "pub.txt", "bind": "198.51.100.43"}, "inner": {"default": "gtld-registrar.txt"}}}
JSON
: >"$T/pub.log"
ip netns exec "$NS" python3 "$PG_SRCDIR/tests/tools/whois_server.py" "$T/pub.json" "$T/pub.ports" \
	--max-seconds 60 &
# RDAP on the public address: every query redirected to loopback
ip netns exec "$NS" timeout 60 python3 -c '
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302); self.send_header("Location", "http://127.0.0.1:9/rdap" + self.path)
        self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("198.51.100.43", 8080), H).serve_forever()' &
i=0
until [ -s "$T/pub.ports" ] && ip netns exec "$NS" python3 -c \
	'import socket; socket.create_connection(("198.51.100.43", 8080), 0.2)' 2>/dev/null; do
	i=$((i + 1)); [ $i -le 100 ] || fail "servers in the namespace did not start"
	sleep 0.1
done
pub=$(awk '$1 == "pub" { print $2 }' "$T/pub.ports")
report g1:www.example.com >"$T/r6.json"
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state6
pluginDirs: [$T/plugins]
enrich: {timeoutMs: 8000}
enrichers:
  whois: {plugin: whois, rdapBaseUrl: "http://198.51.100.43:8080/rdap/", server: "198.51.100.43:$pub",
          lookupTimeoutMs: 2000, paceMs: 0, cacheSeconds: 0}
YAML
ip netns exec "$NS" "$DRIVER" enrich "$T/portgate.yaml" "$T/r6.json" --skip-cache >"$T/o6.json" \
	2>"$T/e6" || fail "enrich (guard): $(cat "$T/e6")"
python3 - "$T/o6.json" "$T/pub.log" "198.51.100.43:$pub" <<'PY' || fail "guard: $(cat "$T/o6.json")"
import json, sys
d = json.load(open(sys.argv[1])); log = open(sys.argv[2]).read().splitlines()
w = d["assets"][0]["findings"][0]["enrichment"]["whois"]
assert "redirect to 127.0.0.1 refused: an internal address" in w["rdapError"], w
assert w["source"] == "whois" and w["registrar"] == "Public Registry", w
assert w["servers"] == [sys.argv[3]], w                         # the registrar was not asked
assert "refused: 127.0.0.1 is an internal address" in w["referralError"], w
assert log == ["pub\texample.com"], log
PY
echo ok
