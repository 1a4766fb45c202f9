#!/bin/sh
# headers rules: portgate's own header rules and the grouping of findings,
# on nginx inside a private network namespace (generated config, one test CA):
#   portal 127.0.0.2, 4 TLS ports, no security headers, CORS reflecting any
#     Origin with credentials, Cache-Control public: one finding per failing
#     test listing the 4 ports (not one per port), the CORS rule warns (not an
#     authentication surface), the cache rule stays silent (not one either);
#     a second run with 2 of the ports gives the same fingerprints;
#   login 127.0.0.3:443, tagged auth, good headers, CORS reflecting any Origin
#     with credentials and `Cache-Control: public, max-age=3600`: both
#     headers-cors-reflects-origin and headers-cache-public-auth fail, and the
#     Observatory's grade is untouched (restricted access, 130 A+, the
#     agreement test's `cors` case; headers_agreement.sh compares it with the
#     npm Observatory);
#   login-ok 127.0.0.4:443, tagged auth, CORS for one fixed origin with
#     credentials, `Cache-Control: private, max-age=600`: neither rule.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/netns.sh"
. "$PG_SRCDIR/tests/e2e/lib/tls.sh"

SO="$PG_BUILDDIR/plugins/.libs/headers.so"
[ -f "$SO" ] || pg_skip "plugin headers not built (--disable-plugin-headers)"
for t in nginx openssl python3; do
	command -v $t >/dev/null 2>&1 || pg_skip "$t not installed (scripts/install-deps.sh)"
done
pg_netns_up

pki="$PG_TMP/pki"
tls_test_ca "$pki" "Portgate Headers Rules CA"
tls_issue "$pki" site "/CN=rules" "IP:127.0.0.2,IP:127.0.0.3,IP:127.0.0.4" "$(tls_day -1)" \
	"$(tls_day 30)"
[ -s "$pki/site.pem" ] || { echo "FAIL: site certificate" >&2; exit 1; }

GOOD="add_header Content-Security-Policy \"default-src 'none'; frame-ancestors 'none'\" always;
add_header Strict-Transport-Security \"max-age=31536000\" always;
add_header X-Content-Type-Options nosniff always; add_header X-Frame-Options DENY always;
add_header Referrer-Policy no-referrer always; add_header Cross-Origin-Resource-Policy same-origin always;"
REFLECT='add_header Access-Control-Allow-Origin $http_origin always;
add_header Access-Control-Allow-Credentials true always;'
PAGE="<html><head><title>Sign in</title></head><body><form method=post><input name=user></form></body></html>"
PORTAL_PORTS="443 8443 9443 10443"
{
	pg_ns_nginx_head
	echo "  default_type text/html;"
	echo "  ssl_certificate $pki/site.pem; ssl_certificate_key $pki/site.key;"
	printf '  server {'
	for p in $PORTAL_PORTS; do printf ' listen 127.0.0.2:%s ssl;' "$p"; done
	echo
	echo "    location / { $REFLECT add_header Cache-Control \"public, max-age=3600\" always;"
	echo "      return 200 '$PAGE'; } }"
	echo "  server { listen 127.0.0.3:443 ssl;"
	echo "    location / { $GOOD $REFLECT"
	echo "      add_header Cache-Control \"public, max-age=3600\" always; return 200 '$PAGE'; } }"
	# 127.0.0.1:443 only tells pg_ns_nginx that nginx is up
	echo "  server { listen 127.0.0.4:443 ssl; listen 127.0.0.1:443 ssl;"
	echo "    location / { $GOOD add_header Access-Control-Allow-Origin https://app.rules.test always;"
	echo "      add_header Access-Control-Allow-Credentials true always;"
	echo "      add_header Cache-Control \"private, max-age=600\" always; return 200 '$PAGE'; } }"
	echo "}"
} >"$PG_TMP/nginx.conf"
pg_ns_nginx "$PG_TMP/nginx.conf" 443

mkdir -p "$PG_TMP/plugins"
chmod 0755 "$PG_TMP/plugins"
install -m 0644 "$SO" "$PG_TMP/plugins/headers.so"
cat >"$PG_TMP/portgate.yaml" <<YAML
stateDir: $PG_TMP/state
pluginDirs: [$PG_TMP/plugins]
enrichers:
  headers:
    plugin: headers
    caFile: $pki/ca.pem
    timeoutMs: 60000
YAML
manifest() { # PORTAL_PORTS -> the manifest (no port approved: every asset fails, so each is enriched)
	cat <<YAML
version: 1
defaults: { approvedPorts: [] }
assets:
  - { name: portal, target: 127.0.0.2, ports: [$1], tlsPorts: [$1] }
  - { name: login, target: 127.0.0.3, ports: [443], tlsPorts: [443], tags: [auth] }
  - { name: login-ok, target: 127.0.0.4, ports: [443], tlsPorts: [443], tags: [auth] }
YAML
}
run() { # N PORTAL_PORTS
	manifest "$2" >"$PG_TMP/manifest$1.yaml"
	rc=0
	pg_ns "$PG_BIN" check -m "$PG_TMP/manifest$1.yaml" --config "$PG_TMP/portgate.yaml" \
		--out "$PG_TMP/ev$1.json" >"$PG_TMP/pg$1.out" 2>"$PG_TMP/pg$1.err" || rc=$?
	[ "$rc" = 1 ] || { echo "FAIL: check $1 exit $rc: $(cat "$PG_TMP/pg$1.err")" >&2; exit 1; }
}
run 1 "443, 8443, 9443, 10443"
run 2 "443, 8443"
pg_rules_declared "$PG_TMP/ev1.json" headers headers "$PG_TMP/plugins" # ABI 1.4

python3 - "$PG_TMP/ev1.json" "$PG_TMP/ev2.json" <<'PY' || pg_fail "headers findings"
import json, sys
runs = [{a["name"]: a for a in json.load(open(p))["assets"]} for p in sys.argv[1:3]]
d = runs[0]
def hdr(a, run=0):
    return {f["rule"]: f for f in runs[run][a]["findings"] if f["rule"].startswith("headers-")}
def sites(a):
    [f] = [f for f in d[a]["findings"] if "headers" in f.get("enrichment", {})][:1]
    return f["enrichment"]["headers"]["sites"]

# portal: 4 sites graded alike; one finding per failing test, listing the 4 ports
portal, ps = hdr("portal"), sites("portal")
assert sorted(s["httpsPort"] for s in ps) == [443, 8443, 9443, 10443], ps
failing = {"headers-" + t for t, r in ps[0]["tests"].items() if not r["pass"]}
assert all({t for t, r in s["tests"].items() if not r["pass"]} ==
           {f[8:] for f in failing} for s in ps), ps
assert len(failing) >= 4, failing   # csp, hsts, xcto, xfo at least
assert set(portal) == failing | {"headers-cors-reflects-origin"}, sorted(portal)
for rule, f in portal.items():
    assert f["ports"] == [443, 8443, 9443, 10443], f
    assert "port" not in f and f["assetLevel"] is True, f
    assert "ports 443, 8443, 9443, 10443" in f["reason"], f["reason"]
    assert [s["port"] for s in f["evidence"]["sites"]] == [443, 8443, 9443, 10443], f
print("portal: %d header findings for %d ports (one per port and test: %d)"
      % (len(portal), len(ps), len(portal) * len(ps)))
cors = portal["headers-cors-reflects-origin"]
assert (cors["action"], cors["severity"]) == ("warn", "high"), cors     # not an auth surface
assert cors["evidence"]["sites"][0]["origin"] == "https://cors-probe.portgate.invalid", cors
assert all(s["corsReflectsOrigin"] is True and s["sharedCacheable"] is True for s in ps), ps
assert "headers-cache-public-auth" not in portal, portal            # public is fine there
# fingerprint per asset and rule: the same with 2 of the 4 ports
p2 = hdr("portal", 1)
assert set(p2) == set(portal), (sorted(p2), sorted(portal))
for rule, f in p2.items():
    assert f["ports"] == [443, 8443], f
    assert f["fingerprint"] == portal[rule]["fingerprint"], (rule, f, portal[rule])
assert len({f["fingerprint"] for f in portal.values()}) == len(portal), portal

# login: both rules fail; the Observatory's grade is what it was (restricted access, 130 A+)
login, [ls] = hdr("login"), sites("login")
assert sorted(login) == ["headers-cache-public-auth", "headers-cors-reflects-origin"], sorted(login)
for f in login.values():
    assert (f["action"], f["severity"], f["ports"]) == ("fail", "high", [443]), f
    assert f["reason"].endswith("on port 443 (authentication surface)"), f["reason"]
assert login["headers-cache-public-auth"]["reason"] == \
    "Cache-Control: public, max-age=3600 (shared caches may store it) on port 443 " \
    "(authentication surface)", login["headers-cache-public-auth"]
assert login["headers-cache-public-auth"]["evidence"]["sites"] == \
    [{"cacheControl": "public, max-age=3600", "port": 443}], login
t = ls["tests"]["cross-origin-resource-sharing"]
assert (t["result"], t["pass"], t["scoreModifier"]) == \
    ("cross-origin-resource-sharing-implemented-with-restricted-access", True, 0), t
assert (ls["score"], ls["grade"]) == (130, "A+"), (ls["score"], ls["grade"])
assert (ls["corsReflectsOrigin"], ls["cacheControl"], ls["sharedCacheable"]) == \
    (True, "public, max-age=3600", True), ls

# login-ok: a fixed allowed origin and a private response: neither rule
ok, [oks] = hdr("login-ok"), sites("login-ok")
assert ok == {}, ok
assert (oks["corsReflectsOrigin"], oks["sharedCacheable"]) == (False, False), oks
assert d["login"]["verdict"] == "fail" and d["login-ok"]["verdict"] == "fail", d
PY
pg_done
