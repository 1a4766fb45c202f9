#!/bin/sh
# udp_manifest: UDP ports in the manifest and on the command line, with the real binary (UDP
# datagrams go only to free loopback ports, once the engine scans UDP): "53/udp" and "1000-1010/udp" validate, plan (check --dry-run) and reach the
# evidence as the manifest wrote them; bad spellings ("53/sctp", "/udp", "70000/udp", UDP in
# tlsPorts) fail with file:line and write nothing; `scan --ports` refuses them the same way;
# `serve` scopes ports=N/udp by protocol; shards of a UDP manifest merge; a UDP finding is
# fingerprinted with "udp/" and named "53/udp" by the renderers; `diff` keeps 53/tcp and 53/udp
# apart. The scan engine's UDP results are tested by udp_check.sh.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/serve.sh"
cd "$PG_TMP"

closed=$(pg_closed_port)
cat >m.yaml <<YAML
version: 1
defaults:
  ports: [$closed, "53/udp"]
assets:
  - name: dns
    target: 127.0.0.1
    environment: production
    approvedPorts: [$closed, "53/udp", "1000-1010/udp"]
  - name: web
    target: 127.0.0.2
    approvedPorts: "$closed, 161/udp"
  - name: ntp
    target: 127.0.0.3
    approvedPorts: ["123/udp"]
    ports: []
YAML

# --- validate and plan --------------------------------------------------------------------
pg_expect_exit 0 "a manifest with UDP ports validates" "$PG_BIN" validate -m m.yaml
pg_assert_grep "valid" "m.yaml: valid, 3 assets" "$PG_TMP/out"
pg_expect_exit 0 "check --dry-run plans UDP ports" "$PG_BIN" check -m m.yaml --dry-run
pg_assert_grep "the plan names 53/udp and the UDP range, counted with TCP" \
	"^dns (127.0.0.1, line 5): ports $closed,53/udp,1000-1010/udp (13 ports)\$" "$PG_TMP/out"
pg_assert_grep "approved UDP ports join the defaults' candidates" \
	"^web (127.0.0.2, line 9): ports $closed,53/udp,161/udp (3 ports)\$" "$PG_TMP/out"
pg_assert_grep "ports: [] scans exactly the approved UDP port" \
	"^ntp (127.0.0.3, line 12): ports 123/udp (1 port)\$" "$PG_TMP/out"

# --- bad spellings: file:line, exit 2, nothing written --------------------------------------
cat >bad.yaml <<'YAML'
assets:
  - target: 127.0.0.1
    approvedPorts:
      - 53
      - "53/sctp"
      - "/udp"
      - "70000/udp"
    tlsPorts: ["443/udp"]
  - target: 127.0.0.2
    ports: "80,53/UDPX"
YAML
pg_expect_exit 2 "bad UDP spellings are refused" "$PG_BIN" check -m bad.yaml --out bad.json
pg_assert_eq "each with file:line and what is wrong" "$(cat "$PG_TMP/err")" \
	"portgate: bad.yaml:5: assets[0].approvedPorts: '53/sctp': protocol 'sctp' is not tcp or udp (use 53/udp)
portgate: bad.yaml:6: assets[0].approvedPorts: missing port number before '/udp'
portgate: bad.yaml:7: assets[0].approvedPorts: port 70000 is outside 1-65535
portgate: bad.yaml:8: assets[0].tlsPorts: TLS is checked on TCP ports only (no '/udp')
portgate: bad.yaml:10: assets[1].ports: '53/UDPX': protocol 'UDPX' is not tcp or udp (use 53/udp)"
[ ! -e bad.json ] && pg_ok "no evidence written" || pg_fail "bad.json was written"
pg_expect_exit 2 "validate says the same" "$PG_BIN" validate -m bad.yaml
pg_assert_grep "validate: file:line" "bad.yaml:5: assets\[0\].approvedPorts: '53/sctp'" "$PG_TMP/err"

# policy.exceptions name a UDP port as the ports fields do
cat >exc.yaml <<'YAML'
policy:
  exceptions:
    - { rule: port-unapproved-open, port: "53/udp", reason: resolver, owner: dns, expires: "2999-01-01" }
    - { rule: port-unapproved-open, port: "53-54/udp", reason: r, owner: o, expires: 2999-01-01 }
    - { rule: port-unapproved-open, port: "53/sctp", reason: r, owner: o, expires: 2999-01-01 }
assets:
  - target: 127.0.0.1
YAML
pg_expect_exit 2 "an exception's port: one port, tcp or udp" "$PG_BIN" validate -m exc.yaml
pg_assert_eq "the others named with file:line" "$(cat "$PG_TMP/err")" \
	"portgate: exc.yaml:4: policy.exceptions[1].port: '53-54/udp' names 2 ports; an exception names one (443 or \"53/udp\")
portgate: exc.yaml:5: policy.exceptions[2].port: '53/sctp': protocol 'sctp' is not tcp or udp (use 53/udp)"
if python3 -c 'import jsonschema, yaml' 2>/dev/null; then
	pg_assert_eq "the JSON Schema takes the UDP spellings (ports fields, exception port)" \
		"$(python3 - "$PG_SRCDIR/docs/manifest.schema.json" m.yaml exc.yaml <<'PY'
import json, sys, jsonschema, yaml
schema = json.load(open(sys.argv[1]))
for f in sys.argv[2:]:
    d = yaml.safe_load(open(f))
    if f == "exc.yaml":
        d["policy"]["exceptions"] = d["policy"]["exceptions"][:1]
    errs = list(jsonschema.Draft7Validator(schema).iter_errors(d))
    print(f, "valid" if not errs else "invalid: " + errs[0].message)
PY
)" "m.yaml valid
exc.yaml valid"
else
	pg_skip_part "python3 jsonschema or yaml missing: the schema's UDP spellings are not checked"
fi

pg_expect_exit 2 "scan --ports 53/sctp is a usage error" "$PG_BIN" scan --target 127.0.0.1 --ports 53/sctp
pg_assert_grep "naming the protocol" "scan: --ports: '53/sctp': protocol 'sctp' is not tcp or udp" "$PG_TMP/err"
pg_expect_exit 2 "scan --ports /udp" "$PG_BIN" scan --target 127.0.0.1 --ports 80,/udp
pg_assert_grep "missing number" "scan: --ports: missing port number before '/udp'" "$PG_TMP/err"
pg_expect_exit 2 "scan --ports 70000/udp" "$PG_BIN" scan --target 127.0.0.1 --ports 70000/udp
pg_assert_grep "out of range" "scan: --ports: port 70000 is outside 1-65535" "$PG_TMP/err"
pg_expect_exit 2 "scan --tls-ports 443/udp" "$PG_BIN" scan --target 127.0.0.1 --tls-ports 443,443/udp
pg_assert_grep "TLS is TCP" "scan: --tls-ports: TLS is checked on TCP ports only (no '/udp')" "$PG_TMP/err"
# the help a user reads first says how UDP is spelled and what --no-probe does to it
pg_expect_exit 0 "scan --help" "$PG_BIN" scan --help
pg_assert_grep "scan --help: TCP and UDP" "^Scan TCP and UDP ports of HOST" "$PG_TMP/out"
pg_assert_grep "scan --help: --ports names the UDP spelling" "--ports LIST .*UDP as 53/udp" "$PG_TMP/out"
pg_assert_grep "scan --help: --no-probe on UDP" "(UDP: one empty" "$PG_TMP/out"
# UDP alone is not "no ports": the built-in TCP list is not added
pg_expect_exit 0 "scan --ports with UDP only scans no TCP port" \
	"$PG_BIN" scan --target 127.0.0.1 --ports "$closed/udp" --no-probe --timeout-ms 200 --retries 0
pg_assert_eq "no TCP port" "$(pg_json "$PG_TMP/out" '[p["port"] for p in d["ports"] if p["protocol"] == "tcp"]')" "[]"

# --- evidence: the manifest's UDP ports as written, shards, merge -------------------------
# What is scanned from here on: free UDP ports (nothing answers there), never a well-known one
# of this machine, once the engine scans UDP.
set -- $(pg_free_port 2 udp)
u1=$1 u2=$2
cat >scan.yaml <<YAML
version: 1
defaults:
  ports: [$closed]
assets:
  - name: dns
    target: 127.0.0.1
    environment: production
    approvedPorts: [$closed, "$u1/udp", "$u2/udp"]
  - name: web
    target: 127.0.0.2
    approvedPorts: "$u1/udp"
  - name: ntp
    target: 127.0.0.3
    approvedPorts: ["$u2/udp"]
    ports: []
YAML
for i in 1 2; do
	set +e
	"$PG_BIN" check -m scan.yaml --shard "$i/2" --out "s$i.json" --no-probe --timeout-ms 200 --retries 0 -q
	rc=$?
	set -e
	[ "$rc" -le 1 ] || pg_fail "shard $i/2: exit $rc"
done
pg_assert_eq "the shards split the assets" \
	"$(python3 -c 'import json,sys; print(sorted(a["name"] for f in sys.argv[1:] for a in json.load(open(f))["assets"]))' s1.json s2.json)" \
	"['dns', 'ntp', 'web']"
python3 - s1.json s2.json <<'PY'
# A UDP finding as the engine will make it once UDP scans run: inject it undecided into the
# shard that holds "dns", for merge to decide, fingerprint and render.
import json, sys
for f in sys.argv[1:]:
    d = json.load(open(f))
    for a in d["assets"]:
        if a["name"] == "dns":
            a["findings"].append({"rule": "port-unapproved-open", "defaultAction": "fail",
                "severity": "high", "reason": "port 5353/udp is open but not in approvedPorts",
                "asset": "dns", "target": "127.0.0.1", "ip": "127.0.0.1", "port": 5353,
                "protocol": "udp", "source": "core", "evidence": {"port": 5353}})
    json.dump(d, open(f, "w"))
PY
pg_expect_exit 1 "merge decides the UDP finding (fail)" "$PG_BIN" merge s1.json s2.json -o merged.json \
	--format markdown --output merged.md --format sarif --output merged.sarif
pg_assert_eq "evidence keeps the manifest's UDP ports as written" \
	"$(pg_json merged.json '[a["manifest"]["approvedPorts"] for a in d["assets"] if a["name"] == "dns"][0]')" \
	"$(printf '[%s, "%s/udp", "%s/udp"]' "$closed" "$(printf '%s\n' "$u1" "$u2" | sort -n | head -1)" "$(printf '%s\n' "$u1" "$u2" | sort -n | tail -1)")"
fp=$(python3 -c 'import hashlib; print(hashlib.sha256(b"v1\x00port-unapproved-open\x00127.0.0.1\x00127.0.0.1\x00udp/5353").hexdigest()[:16])')
pg_assert_eq "the UDP finding's fingerprint hashes udp/5353" \
	"$(pg_json merged.json '[f["fingerprint"] for a in d["assets"] for f in a["findings"] if f.get("port") == 5353]')" \
	"[\"$fp\"]"
pg_assert_grep "markdown names 5353/udp" "| dns | 5353/udp | port 5353/udp is open" merged.md
pg_assert_grep "markdown keeps TCP ports bare" "| dns | $closed | approved port $closed/tcp is closed" merged.md
pg_assert_eq "SARIF properties carry the protocol for UDP only" \
	"$(pg_json merged.sarif 'sorted([r["properties"]["port"] == 5353, r["properties"].get("protocol")] for r in d["runs"][0]["results"] if r["properties"].get("asset") == "dns" and r["properties"].get("port") in (5353, '"$closed"'))' | tr -d '\n')" \
	'[[false, null], [true, "udp"]]'

# --- diff: 53/tcp and 53/udp are two ports ---------------------------------------------------
python3 - merged.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a = [a for a in d["assets"] if a["name"] == "dns"][0]
a["findings"] = []
base = json.loads(json.dumps(d))
a["scan"]["ports"] += [{"port": 53, "protocol": "tcp", "state": "closed", "service": "domain"},
                       {"port": 53, "protocol": "udp", "state": "open", "service": "domain"}]
[b for b in base["assets"] if b["name"] == "dns"][0]["scan"]["ports"] += [
    {"port": 53, "protocol": "tcp", "state": "open", "service": "domain"}]
json.dump(base, open("base.json", "w"))
json.dump(d, open("cur.json", "w"))
PY
pg_expect_exit 1 "diff sees 53/udp open where 53/tcp was" "$PG_BIN" diff --json base.json cur.json
pg_assert_eq "one port opened (udp), one closed (tcp)" \
	"$(pg_json "$PG_TMP/out" 'sorted((c["change"], c["port"], c.get("protocol", "tcp"), c["reason"]) for c in d if c["change"].startswith("port-"))')" \
	"[[\"port-newly-closed\", 53, \"tcp\", \"port 53/tcp was open in the baseline and is closed now\"], [\"port-newly-open\", 53, \"udp\", \"port 53/udp is open and was not in the baseline\"]]"

# --- serve: ports=N/udp within the manifest's candidates, by protocol -----------------------
KEY="udp-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
PORTGATE_API_KEYS=$KEY
export PORTGATE_API_KEYS
printf 'stateDir: %s/state\n' "$PG_TMP" >portgate.yaml
if command -v curl >/dev/null 2>&1; then
	serve_start udp --manifest scan.yaml --config portgate.yaml
	code=$(serve_get r.json "/v1-port-scanner?target=127.0.0.1&ports=$u1/udp,$u2/udp&timeout=500" -H "x-api-key: $KEY")
	pg_assert_eq "candidate UDP ports are in scope" "$code" "200"
	code=$(serve_get r.json "/v1-port-scanner?target=127.0.0.1&ports=$closed,2000/udp" -H "x-api-key: $KEY")
	pg_assert_eq "a UDP port outside the candidates: 403 naming it" \
		"$code $(pg_json r.json '[d["error"], d["ports"]]')" \
		"403 [\"port 2000/udp is not a candidate port of the target in the manifest\", [\"2000/udp\"]]"
	code=$(serve_get r.json "/v1-port-scanner?target=127.0.0.3&ports=$u2,2000/udp" -H "x-api-key: $KEY")
	pg_assert_eq "$u2/udp does not put $u2/tcp in scope" \
		"$code $(pg_json r.json 'd["ports"]')" "403 [$u2, \"2000/udp\"]"
	code=$(serve_get r.json "/v1-port-scanner?target=127.0.0.1&ports=53/sctp" -H "x-api-key: $KEY")
	pg_assert_eq "a bad protocol is a 400" "$code $(pg_json r.json 'd["error"]')" \
		"400 ports: '53/sctp': protocol 'sctp' is not tcp or udp (use 53/udp)"
	serve_stop
else
	pg_skip_part "curl not installed: serve's UDP scope not checked"
fi
pg_done
