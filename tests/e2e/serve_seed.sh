#!/bin/sh
# serve_seed: the seed article's two clients, unchanged but for the base URL,
# against `portgate serve` on loopback: its curl command (and the GitHub Actions
# jq gate) and its TypeScript scanPorts/evaluateExposure compiled with tsc and run
# with node. The target app.example.com (the article's, resolved by the test's
# dnsmasq to a loopback address of its own) has an unapproved open port (8443)
# and a bad certificate on 443; good.example.com passes. Also: the result cache,
# POST /v1-check, and HTTPS served directly.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/tls.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
. "$PG_SRCDIR/tests/e2e/lib/node.sh"
. "$PG_SRCDIR/tests/e2e/lib/serve.sh"

command -v nginx >/dev/null 2>&1 || pg_skip "nginx not installed (apt-get install nginx-light)"
command -v curl >/dev/null 2>&1 || pg_skip "curl not installed"
[ "$(id -u)" -eq 0 ] || pg_skip "binding ports 80 and 443 needs root"
pg_node_deps

pki="$PG_TMP/pki"
tls_make_pki "$pki" || { echo "FAIL: could not make the test PKI" >&2; exit 1; }
read -r vstart vend <"$pki/valid.dates"
tls_issue "$pki" good "/CN=good.example.com" "DNS:good.example.com" "$vstart" "$vend"

bad=$(serve_loopback_ip)
good=$(serve_loopback_ip)
[ "$bad" != "$good" ] || good=127.19.0.2
mkdir -p "$PG_TMP/nginx/logs" "$PG_TMP/nginx/tmp"
cat >"$PG_TMP/nginx.conf" <<NGX
user root; worker_processes 1; pid $PG_TMP/nginx/nginx.pid;
error_log $PG_TMP/nginx/logs/error.log;
events { worker_connections 64; }
http { access_log off; client_body_temp_path $PG_TMP/nginx/tmp; proxy_temp_path $PG_TMP/nginx/tmp;
  fastcgi_temp_path $PG_TMP/nginx/tmp; uwsgi_temp_path $PG_TMP/nginx/tmp; scgi_temp_path $PG_TMP/nginx/tmp;
  server { listen $bad:80; location / { return 200 'app\n'; } }
  server { listen $bad:443 ssl; ssl_protocols TLSv1.2 TLSv1.3; ssl_certificate $pki/self.pem; ssl_certificate_key $pki/self.key;
    location / { return 200 'app tls\n'; } }
  server { listen $bad:8443; location / { return 200 'forgotten admin\n'; } }
  server { listen $good:80; location / { return 200 'good\n'; } }
  server { listen $good:443 ssl; ssl_protocols TLSv1.2 TLSv1.3; ssl_certificate $pki/good.pem; ssl_certificate_key $pki/good.key;
    location / { return 200 'good tls\n'; } }
}
NGX
nginx -c "$PG_TMP/nginx.conf" -p "$PG_TMP/nginx" -g 'daemon off;' 2>"$PG_TMP/nginx.stderr" &
pg_on_exit "kill $!"
i=0
while ! curl -s -o /dev/null "http://$bad:8443/" || ! curl -s -o /dev/null "http://$good:80/"; do
	i=$((i + 1))
	[ $i -le 100 ] || { echo "FAIL: nginx did not start" >&2; cat "$PG_TMP/nginx.stderr" >&2; exit 1; }
	sleep 0.05
done

dns_start --host-record=app.example.com,$bad --host-record=good.example.com,$good ||
	{ echo "FAIL: dnsmasq did not start" >&2; exit 1; }
pg_on_exit "kill $DNS_PID"

cat >"$PG_TMP/manifest.yaml" <<EOF2
version: 1
assets:
  - target: app.example.com
    name: app
    owner: platform-web
    approvedPorts: [80, 443]
    ports: [80, 443, 8443]
    tlsPorts: [443]
  - target: good.example.com
    name: good
    owner: web-good
    approvedPorts: [80, 443]
    ports: [80, 443]
    tlsPorts: [443]
EOF2
cat >"$PG_TMP/portgate.yaml" <<EOF2
caFile: $pki/ca.pem
stateDir: $PG_TMP/state
serve:
  cacheTtlSeconds: 300
EOF2
OPS_TOOLS_API_KEY="seed-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export OPS_TOOLS_API_KEY
PORTGATE_API_KEYS="other-key-0123456789,$OPS_TOOLS_API_KEY"
export PORTGATE_API_KEYS
serve_start seed --manifest "$PG_TMP/manifest.yaml" --config "$PG_TMP/portgate.yaml" \
	--dns-server "$DNS_SERVER"

# --- 1. the seed's curl command, verbatim but for the base URL -------------
sed "s#https://api.ops.tools#$SERVE_URL#" "$PG_SRCDIR/tests/serve/seed_curl.sh" >"$PG_TMP/curl.sh"
grep -q "$SERVE_URL/v1-port-scanner" "$PG_TMP/curl.sh" || pg_fail "base URL not replaced"
sh "$PG_TMP/curl.sh" >"$PG_TMP/scan.json" 2>"$PG_TMP/curl.err" || pg_fail "seed curl failed"
j() { pg_json "$PG_TMP/scan.json" "$1"; }
pg_assert_eq "curl: target" "$(j 'd["target"]')" "app.example.com"
pg_assert_eq "curl: ip (the test's dnsmasq)" "$(j 'd["ip"]')" "$bad"
pg_assert_eq "curl: scanId shape" "$(j 'bool(__import__("re").fullmatch(r"scan_\d{8}T\d{6}Z_[0-9a-f]{8}", d["scanId"]))')" true
pg_assert_eq "curl: timestamp shape" \
	"$(j 'bool(__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", d["timestamp"]))')" true
pg_assert_eq "curl: scanDurationMs is a bounded integer" \
	"$(j 'isinstance(d["scanDurationMs"], int) and 0 <= d["scanDurationMs"] <= 5000')" true
pg_assert_eq "curl: ports, states, services" \
	"$(j '[[p["port"], p["protocol"], p["state"], p["service"]] for p in d["ports"]]')" \
	'[[80, "tcp", "open", "http"], [443, "tcp", "open", "https"], [8443, "tcp", "open", "http"]]'
pg_assert_eq "curl: 443 tlsVersion" "$(j 'd["ports"][1]["tlsVersion"]')" "TLSv1.3"
pg_assert_eq "curl: 443 certificate subject, issuer, valid" \
	"$(j '[d["ports"][1]["certificate"][k] for k in ("subject", "issuer", "valid")]')" \
	'["CN=localhost", "CN=localhost", false]'
pg_assert_eq "curl: 443 certificate expires is RFC 3339 without fractions" \
	"$(j 'bool(__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d["ports"][1]["certificate"]["expires"]))')" true
pg_assert_eq "curl: plain ports carry no certificate" \
	"$(j '["certificate" in p for p in d["ports"]]')" '[false, true, false]'
pg_assert_eq "curl: summary" "$(j '[d["summary"][k] for k in ("totalScanned", "open", "closed", "filtered")]')" \
	'[3, 3, 0, 0]'

# The article's GitHub Actions gate on the same answer: it must fail (8443 is open).
set +e
jq -e '
  [.ports[] | select(.state == "open" and (.port != 80 and .port != 443))] | length == 0
' "$PG_TMP/scan.json" >/dev/null
rc=$?
set -e
pg_assert_eq "GitHub Actions jq gate fails on the unapproved port" "$rc" 1

# --- 2. the result cache ---------------------------------------------------
sid=$(j 'd["scanId"]')
code=$(serve_get "$PG_TMP/c2.json" "/v1-port-scanner?target=app.example.com&ports=80,443,8443&timeout=5000" \
	-H "x-api-key: $OPS_TOOLS_API_KEY")
pg_assert_eq "again: 200" "$code" 200
pg_assert_eq "again: same scanId (cached)" "$(pg_json "$PG_TMP/c2.json" 'd["scanId"]')" "$sid"
pg_assert_grep "again: X-Cache HIT" "X-Cache: HIT" "$PG_TMP/c2.json.h"
code=$(serve_get "$PG_TMP/c3.json" "/v1-port-scanner?target=app.example.com&ports=80,443,8443&skipCache=true" \
	-H "x-api-key: $OPS_TOOLS_API_KEY")
pg_assert_eq "skipCache=true: 200" "$code" 200
pg_assert_grep "skipCache=true: X-Cache MISS" "X-Cache: MISS" "$PG_TMP/c3.json.h"
if [ "$(pg_json "$PG_TMP/c3.json" 'd["scanId"]')" != "$sid" ]; then pg_ok "skipCache=true: a new scan"
else pg_fail "skipCache=true answered the cached scan"; fi
code=$(serve_get "$PG_TMP/c4.json" "/v1-port-scanner?target=APP.example.com&ports=443" \
	-H "x-api-key: $OPS_TOOLS_API_KEY")
pg_assert_eq "other port set: its own scan, target as the manifest spells it" \
	"$code $(pg_json "$PG_TMP/c4.json" '[d["target"], [p["port"] for p in d["ports"]]]')" \
	'200 ["app.example.com", [443]]'

# --- 3. the seed's TypeScript client, compiled with tsc, run with node -----
ts="$PG_TMP/ts"
mkdir -p "$ts"
{ sed "s#https://api.ops.tools#$SERVE_URL#" "$PG_SRCDIR/tests/serve/seed_client.ts"
  cat "$PG_SRCDIR/tests/serve/seed_main.ts"; } >"$ts/client.ts"
cp "$PG_SRCDIR/tests/serve/seed_env.d.ts" "$PG_SRCDIR/tests/serve/tsconfig.json" "$ts/"
if (cd "$ts" && "$PG_NPM_DIR/node_modules/.bin/tsc" -p . >"$ts/tsc.out" 2>&1); then
	pg_ok "seed TypeScript compiles with tsc $("$PG_NPM_DIR/node_modules/.bin/tsc" -v | sed 's/Version //')"
else
	pg_fail "tsc failed"; cat "$ts/tsc.out" >&2
fi
node "$ts/client.js" app.example.com 80,443,8443 >"$ts/bad.out" 2>"$ts/bad.err" || pg_fail "node client (app)"
pg_assert_eq "evaluateExposure: app.example.com fails on 8443 and the certificate of 443" \
	"$(cat "$ts/bad.out")" \
	"{\"passed\":false,\"target\":\"app.example.com\",\"ip\":\"$bad\",\"openPorts\":[80,443,8443],\"unapprovedPorts\":[8443],\"invalidTlsPorts\":[443]}"
node "$ts/client.js" good.example.com 80,443 >"$ts/good.out" 2>"$ts/good.err" || pg_fail "node client (good)"
pg_assert_eq "evaluateExposure: good.example.com passes" "$(cat "$ts/good.out")" \
	"{\"passed\":true,\"target\":\"good.example.com\",\"ip\":\"$good\",\"openPorts\":[80,443],\"unapprovedPorts\":[],\"invalidTlsPorts\":[]}"
set +e
node "$ts/client.js" app.example.com 22 >"$ts/refused.out" 2>"$ts/refused.err"
rc=$?
set -e
pg_assert_eq "seed client: a port outside the manifest throws 403" "$rc:$(cat "$ts/refused.err")" \
	"1:Error: Port check failed for app.example.com: 403"

# --- 4. POST /v1-check ------------------------------------------------------
post() { # OUT BODY
	curl -s -o "$1" -w '%{http_code}' --max-time 60 -X POST -H "x-api-key: $OPS_TOOLS_API_KEY" \
		-H 'Content-Type: application/json' --data "$2" "$SERVE_URL/v1-check"
}
code=$(post "$PG_TMP/chk.json" '{"assets": ["app"]}')
pg_assert_eq "v1-check app: 200" "$code" 200
pg_assert_eq "v1-check app: exit code and meaning" \
	"$(pg_json "$PG_TMP/chk.json" '[d["exitCode"], d["exitMeaning"], d["run"]["exitCode"], d["run"]["verdict"]]')" \
	'[1, "policy failed", 1, "fail"]'
pg_assert_eq "v1-check app: failing findings" \
	"$(pg_json "$PG_TMP/chk.json" 'sorted([f["rule"], f.get("port")] for a in d["assets"] for f in a["findings"] if f["action"] == "fail")')" \
	'[["port-unapproved-open", 8443], ["tls-certificate-invalid", 443]]'
code=$(post "$PG_TMP/chk2.json" '{"owners": ["web-good"]}')
pg_assert_eq "v1-check by owner: only good, passes" \
	"$code $(pg_json "$PG_TMP/chk2.json" '[[a["name"] for a in d["assets"]], d["exitCode"], d["exitMeaning"]]')" \
	'200 [["good"], 0, "pass"]'
code=$(post "$PG_TMP/chk3.json" '{"mode": "monitor"}')
pg_assert_eq "v1-check all in monitor mode: exit 0" \
	"$code $(pg_json "$PG_TMP/chk3.json" '[len(d["assets"]), d["exitCode"], d["run"]["mode"]]')" \
	'200 [2, 0, "monitor"]'
code=$(post "$PG_TMP/chk4.json" '{"assets": ["nope"]}')
pg_assert_eq "v1-check unknown asset: 403 naming it" \
	"$code $(pg_json "$PG_TMP/chk4.json" 'd')" '403 {"error": "asset is not in the manifest", "asset": "nope"}'
serve_stop

# --- 5. HTTPS served by libmicrohttpd itself --------------------------------
serve_start tls --manifest "$PG_TMP/manifest.yaml" --config "$PG_TMP/portgate.yaml" \
	--dns-server "$DNS_SERVER" --tls-cert "$pki/valid.pem" --tls-key "$pki/valid.key"
case "$SERVE_URL" in https://127.0.0.1:*) pg_ok "https URL announced";; *) pg_fail "URL $SERVE_URL";; esac
code=$(serve_get "$PG_TMP/h.json" /healthz --cacert "$pki/ca.pem")
pg_assert_eq "https healthz with the test CA" "$code $(pg_json "$PG_TMP/h.json" 'd["status"]')" "200 ok"
code=$(serve_get "$PG_TMP/h2.json" "/v1-port-scanner?target=good.example.com&ports=443" --cacert "$pki/ca.pem" \
	-H "x-api-key: $OPS_TOOLS_API_KEY")
pg_assert_eq "https scan" "$code $(pg_json "$PG_TMP/h2.json" 'd["ports"][0]["certificate"]["valid"]')" "200 true"
set +e; curl -s -o /dev/null --max-time 10 "$SERVE_URL/healthz"; rc=$?; set -e
pg_assert_eq "https without the CA: curl refuses the certificate (60)" "$rc" 60
serve_stop
if grep -q "$OPS_TOOLS_API_KEY" "$PG_TMP"/*.err "$PG_TMP"/*.out; then pg_fail "the API key reached a log"
else pg_ok "the API key is in no log"; fi
pg_done
