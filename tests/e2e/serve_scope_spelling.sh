#!/bin/sh
# serve_scope_spelling: `portgate serve` checks and scans one spelling of a target. A manifest
# target 127.0.0.77 asked as "127.0.0.77." must be scanned as the literal the manifest names,
# never sent to DNS (this test's dnsmasq answers that name with 127.0.0.2, where a trap counts
# connections); it shares the literal's rate limit; the answer cache is keyed by the key's scope
# and the timeout; every address out of scope is a 403, and a 502 names no resolver.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
. "$PG_SRCDIR/tests/e2e/lib/serve.sh"
command -v curl >/dev/null 2>&1 || pg_skip "curl not installed"
pg_on_exit dns_stop

serve_count_listener trap 127.0.0.2
dns_start --address=/127.0.0.77/127.0.0.2 --address=/fenced.example.test/127.0.0.3 \
	--address=/web.example.test/127.0.0.1
cat >"$PG_TMP/manifest.yaml" <<EOF2
version: 1
assets:
  - name: literal
    target: 127.0.0.77
    owner: web
    ports: [$trap]
  - name: fenced
    target: fenced.example.test
    owner: web
    expectedNetwork: ["127.0.0.1/32"]
    ports: [$trap]
  - name: web
    target: web.example.test
    owner: web
    ports: [$trap]
  - name: gone
    target: gone.example.test
    owner: web
    ports: [$trap]
EOF2
KEY="k-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
cat >"$PG_TMP/portgate.yaml" <<EOF2
serve:
  cacheTtlSeconds: 60
  requestsPerMinutePerTarget: 2
EOF2
PORTGATE_API_KEYS=$KEY
export PORTGATE_API_KEYS
serve_start main --manifest "$PG_TMP/manifest.yaml" --config "$PG_TMP/portgate.yaml" \
	--dns-server "$DNS_SERVER"
H="x-api-key: $KEY"
get() { serve_get "$PG_TMP/r.json" "$1" -H "$H"; }

code=$(get "/v1-port-scanner?target=127.0.0.77.")
pg_assert_eq "trailing dot: scanned as the manifest's literal" \
	"$code $(pg_json "$PG_TMP/r.json" '[d["target"], d["ip"]]')" '200 ["127.0.0.77", "127.0.0.77"]'
pg_assert_eq "trailing dot: nothing sent to DNS, the trap saw no connection" "$(count trap)" 0
if grep -q 'query.*127\.0\.0\.77' "$DNS_DIR/dnsmasq.log"; then pg_fail "127.0.0.77. was asked of DNS"; else pg_ok "no DNS query for the literal"; fi
code=$(get "/v1-port-scanner?target=127.0.0.77&skipCache=true")
pg_assert_eq "the literal and its dotted spelling share one rate limit (2 a minute)" \
	"$code $(get "/v1-port-scanner?target=127.0.0.77.&skipCache=true")" "200 429"

code=$(get "/v1-port-scanner?target=web.example.test&timeout=100")
pg_assert_eq "a timeout=100 answer is cached under its timeout" "$code $(sed -n 's/^X-Cache: \([A-Z]*\).*/\1/p' "$PG_TMP/r.json.h")" "200 MISS"
code=$(get "/v1-port-scanner?target=web.example.test")
pg_assert_eq "a default request does not get the timeout=100 answer" "$code $(sed -n 's/^X-Cache: \([A-Z]*\).*/\1/p' "$PG_TMP/r.json.h")" "200 MISS"
code=$(get "/v1-port-scanner?target=WEB.example.test.")
pg_assert_eq "the same request again is a hit, whatever its spelling" "$code $(sed -n 's/^X-Cache: \([A-Z]*\).*/\1/p' "$PG_TMP/r.json.h")" "200 HIT"

code=$(get "/v1-port-scanner?target=fenced.example.test")
pg_assert_eq "every address out of scope: 403 saying why, nothing connected" \
	"$code $(pg_json "$PG_TMP/r.json" '[d["error"].startswith("every address of the target is outside its manifest scope"), d["ips"]]') $(count trap)" \
	'403 [true, ["127.0.0.3"]] 0'
code=$(get "/v1-port-scanner?target=gone.example.test")
pg_assert_eq "unresolvable: 502 without the resolver's address" \
	"$code $(pg_json "$PG_TMP/r.json" 'd["error"]')" "502 target could not be resolved"
pg_done
