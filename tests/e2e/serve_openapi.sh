#!/bin/sh
# serve_openapi: /openapi.json is the document in the tree, valid OpenAPI 3.1 for
# a real validator (@seriousme/openapi-schema-validator), and the live answers of
# every endpoint and status the test can provoke match its schemas
# (tests/serve/check_responses.py, JSON Schema 2020-12).
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/node.sh"
. "$PG_SRCDIR/tests/e2e/lib/serve.sh"
command -v curl >/dev/null 2>&1 || pg_skip "curl not installed"
python3 -c 'import jsonschema' 2>/dev/null || pg_skip "python3-jsonschema not installed"
pg_node_deps
export PG_NPM_DIR

doc="$PG_SRCDIR/core/serve/openapi.json"
if node "$PG_SRCDIR/tests/serve/validate_openapi.mjs" "$doc" >"$PG_TMP/v.out" 2>&1; then
	pg_assert_eq "the validator accepts the document" "$(cat "$PG_TMP/v.out")" "valid OpenAPI 3.1"
else
	pg_fail "openapi.json is not valid"; cat "$PG_TMP/v.out" >&2
fi
# The validator must be able to say no: break the document once.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["paths"]["/healthz"]["get"]["responses"]["200"].pop("description"); json.dump(d, open(sys.argv[2], "w"))' \
	"$doc" "$PG_TMP/broken.json"
if node "$PG_SRCDIR/tests/serve/validate_openapi.mjs" "$PG_TMP/broken.json" >/dev/null 2>&1; then
	pg_fail "the validator accepted a response without description"
else pg_ok "the validator rejects a broken copy"; fi

python3 "$PG_TOOLS/listen.py" "$PG_TMP/l.ports" http@127.0.0.1:0 &
pg_on_exit "kill $!"
i=0
while [ ! -s "$PG_TMP/l.ports" ]; do i=$((i + 1)); [ $i -le 100 ] || exit 1; sleep 0.05; done
port=$(sed -n 1p "$PG_TMP/l.ports")
closed=$(pg_closed_port)
cat >"$PG_TMP/manifest.yaml" <<EOF2
version: 1
assets:
  - target: 127.0.0.1
    name: web
    owner: platform-web
    approvedPorts: [$closed]
    ports: [$port, $closed]
EOF2
printf 'stateDir: %s\nserve:\n  requestsPerMinutePerTarget: 1\n' "$PG_TMP/state" >"$PG_TMP/portgate.yaml"
KEY="k-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
PORTGATE_API_KEYS=$KEY
export PORTGATE_API_KEYS
serve_start api --manifest "$PG_TMP/manifest.yaml" --config "$PG_TMP/portgate.yaml"
H="x-api-key: $KEY"

code=$(serve_get "$PG_TMP/openapi.json" /openapi.json)
pg_assert_eq "GET /openapi.json: 200" "$code" 200
pg_assert_eq "served document is the one in the tree" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])))' "$doc" "$PG_TMP/openapi.json")" True

n=0
set --
get() { # STATUS-WANTED PATH-IN-DOC URL [CURL ARGS]
	want=$1; opath=$2; url=$3; shift 3
	n=$((n + 1))
	got=$(serve_get "$PG_TMP/a$n.json" "$url" "$@")
	pg_assert_eq "$want $url" "$got" "$want"
	echo "$opath GET $got $PG_TMP/a$n.json" >>"$PG_TMP/answers"
}
: >"$PG_TMP/answers"
get 200 /v1-port-scanner "/v1-port-scanner?target=127.0.0.1&ports=$port,$closed&timeout=3000" -H "$H"
get 200 /v1-port-scanner "/v1-port-scanner?target=127.0.0.1&timeout=3000" -H "$H" # the cached answer
get 400 /v1-port-scanner "/v1-port-scanner?target=127.0.0.1&ports=x" -H "$H"
get 401 /v1-port-scanner "/v1-port-scanner?target=127.0.0.1"
get 403 /v1-port-scanner "/v1-port-scanner?target=127.0.0.9" -H "$H"
get 403 /v1-port-scanner "/v1-port-scanner?target=127.0.0.1&ports=1" -H "$H"
get 429 /v1-port-scanner "/v1-port-scanner?target=127.0.0.1&skipCache=true" -H "$H"
get 200 /healthz /healthz
post() { # STATUS BODY [CURL ARGS]
	want=$1; body=$2; shift 2
	n=$((n + 1))
	got=$(curl -s -o "$PG_TMP/a$n.json" -w '%{http_code}' --max-time 60 -X POST --data "$body" "$@" \
		"$SERVE_URL/v1-check")
	pg_assert_eq "$want POST /v1-check $body" "$got" "$want"
	echo "/v1-check POST $got $PG_TMP/a$n.json" >>"$PG_TMP/answers"
}
post 200 '{}' -H "$H"
post 400 '{"mode": "loud"}' -H "$H"
post 401 '{}'
post 403 '{"assets": ["nope"]}' -H "$H"
pg_assert_eq "v1-check: exit code 1, unapproved open port" \
	"$(pg_json "$PG_TMP/a9.json" '[d["exitCode"], d["exitMeaning"]]')" '[1, "policy failed"]'
# shellcheck disable=SC2046
if python3 "$PG_SRCDIR/tests/serve/check_responses.py" "$PG_TMP/openapi.json" $(cat "$PG_TMP/answers") \
	>"$PG_TMP/schemas.out" 2>&1; then
	pg_ok "every answer matches the OpenAPI schemas ($(grep -c '^ok' "$PG_TMP/schemas.out") answers)"
else
	pg_fail "answers against schemas"; cat "$PG_TMP/schemas.out" >&2
fi
# The check must be able to fail: a scan answer without its summary.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("summary"); json.dump(d, open(sys.argv[2], "w"))' \
	"$PG_TMP/a1.json" "$PG_TMP/nosummary.json"
if python3 "$PG_SRCDIR/tests/serve/check_responses.py" "$PG_TMP/openapi.json" \
	/v1-port-scanner GET 200 "$PG_TMP/nosummary.json" >/dev/null 2>&1; then
	pg_fail "a scan without summary passed the schema"
else pg_ok "the schema check rejects a scan without summary"; fi
serve_stop
pg_done
