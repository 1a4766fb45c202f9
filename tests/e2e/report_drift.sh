#!/bin/sh
# report_drift: --baseline against a real earlier run (a port opens, another closes),
# overrides on drift rules, and `portgate diff` exit codes and lines.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"

pg_listen keep "http@127.0.0.1:0"
pg_listen going "silent@127.0.0.1:0"
keep=$(pg_port keep 1); going=$(pg_port going 1); coming=$(pg_free_port) # it opens in the second run
going_pid=$(pgrep -f "listen.py $PG_TMP/going.ports" | head -1)

cat >"$PG_TMP/m.yaml" <<YAML
version: 1
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: [$keep, $going, $coming]
YAML
cd "$PG_TMP"
pg_expect_exit 0 "baseline run passes (one approved port closed: warn)" \
	"$PG_BIN" check -m m.yaml --no-probe -q -o base.json
pg_assert_eq "baseline state" "$(pg_json base.json '[f["rule"] for f in d["assets"][0]["findings"]]')" \
	'["port-approved-closed"]'

kill "$going_pid"
pg_listen coming "silent@127.0.0.1:$coming"
pg_expect_exit 1 "a port newly open fails the run" \
	"$PG_BIN" check -m m.yaml --no-probe -o cur.json --baseline base.json
cp "$PG_TMP/out" check.out
pg_assert_eq "drift findings" \
	"$(pg_json cur.json 'sorted("%s:%s:%s" % (f["rule"], f.get("port"), f["action"]) for f in d["assets"][0]["findings"] if f["source"] == "drift")')" \
	"[\"port-newly-closed:$going:warn\", \"port-newly-open:$coming:fail\"]"
pg_assert_eq "drift changes recorded in run.drift" \
	"$(pg_json cur.json 'sorted((c["change"], c.get("port")) for c in d["run"]["drift"]["changes"])')" \
	"[[\"finding-gone\", $coming], [\"finding-new\", $going], [\"port-newly-closed\", $going], [\"port-newly-open\", $coming]]"
pg_assert_eq "baseline named in the evidence" \
	"$(pg_json cur.json 'd["run"]["drift"]["baseline"]["runId"] == json.load(open("base.json"))["run"]["id"] and d["run"]["drift"]["baseline"]["path"]')" "base.json"
pg_assert_grep "terminal lists the changes" "^  port-newly-open     app: port $coming/tcp is open and was not in the baseline$" check.out
pg_assert_grep "and counts them" "^portgate: 4 changes since baseline run_" check.out
pg_assert_eq "drift findings have fingerprints" \
	"$(pg_json cur.json 'all(len(f["fingerprint"]) == 16 for f in d["assets"][0]["findings"])')" "true"

cat >"$PG_TMP/warn.yaml" <<YAML
version: 1
policy:
  rules: { port-newly-open: warn }
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: [$keep, $going, $coming]
YAML
pg_expect_exit 0 "port-newly-open overridden to warn" \
	"$PG_BIN" check -m warn.yaml --no-probe -q -o warn.json --baseline base.json
pg_assert_eq "its action is warn" \
	"$(pg_json warn.json '[f["action"] for f in d["assets"][0]["findings"] if f["rule"] == "port-newly-open"]')" '["warn"]'

printf 'not json' >bad.json
pg_expect_exit 2 "a baseline that is not JSON is a usage error before scanning" \
	"$PG_BIN" check -m m.yaml --no-probe -q --baseline bad.json
pg_assert_eq "named once with file:line" "$(cat "$PG_TMP/err")" \
	"portgate: check: --baseline bad.json:1: not JSON: '[' or '{' expected near 'not'"
echo '{"a": 1}' >other.json
pg_expect_exit 2 "JSON that is not evidence is refused" "$PG_BIN" diff base.json other.json
pg_assert_eq "says so" "$(cat "$PG_TMP/err")" \
	"portgate: diff: other.json: not portgate evidence (no portgate.evidenceSchema or assets)"

# "_folded" only lives in check's memory: in a file it would hide the scan
python3 -c 'import json,sys; d=json.load(open("base.json")); d["assets"][0]["_folded"]="{\"scan\":{\"ports\":[]}}"; json.dump(d,open("folded.json","w"))'
pg_expect_exit 2 "evidence with a fold in it is refused" "$PG_BIN" diff base.json folded.json
pg_assert_eq "names the asset" "$(cat "$PG_TMP/err")" \
	"portgate: diff: folded.json: assets[0] has \"_folded\", which portgate keeps in memory and never writes"

# Garbled members must not compare as "nothing there": diff said "0 changes" (exit 0),
# --baseline read every open port as newly open (fail). Refused with the JSON path.
python3 - base.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def edit(dst, fn):
    e = json.loads(json.dumps(d)); fn(e); json.dump(e, open(dst, "w"))
edit("g-scan.json", lambda e: e["assets"][0].__setitem__("scan", "garbage"))
edit("g-ports.json", lambda e: e["assets"][0]["scan"].__setitem__("ports", [{"port": "x", "state": 5}]))
edit("g-state.json", lambda e: e["assets"][0]["scan"]["ports"][0].__setitem__("state", "opened"))
edit("g-proto.json", lambda e: e["assets"][0]["scan"]["ports"][1].__setitem__("protocol", "sctp"))
edit("g-port0.json", lambda e: e["assets"][0]["scan"]["ports"][0].__setitem__("port", 0))
edit("g-name.json", lambda e: e["assets"][0].__setitem__("name", 7))
edit("g-asset.json", lambda e: e["assets"].append("app"))
edit("g-findings.json", lambda e: e["assets"][0].__setitem__("findings", {}))
edit("g-more.json", lambda e: e["assets"][0].__setitem__("additionalScans", [{"ports": None}]))
PY
for g in "g-scan.json: assets[0].scan: expected an object" \
	"g-ports.json: assets[0].scan.ports[0].port: expected an integer from 1 to 65535" \
	'g-state.json: assets[0].scan.ports[0].state: expected one of "open", "closed", "filtered", "error"' \
	'g-proto.json: assets[0].scan.ports[1].protocol: expected "tcp" or "udp"' \
	"g-port0.json: assets[0].scan.ports[0].port: expected an integer from 1 to 65535" \
	"g-name.json: assets[0].name: expected a string" \
	"g-asset.json: assets[1]: expected an object" \
	"g-findings.json: assets[0].findings: expected an array" \
	"g-more.json: assets[0].additionalScans[0].ports: expected an array"; do
	f=${g%%:*}
	pg_expect_exit 2 "diff refuses $f" "$PG_BIN" diff base.json "$f"
	pg_assert_eq "$f: file and JSON path" "$(cat "$PG_TMP/err")" "portgate: diff: $g"
done
pg_expect_exit 2 "a garbled baseline is refused before scanning" \
	"$PG_BIN" check -m m.yaml --no-probe -q --baseline g-ports.json
pg_assert_eq "named with its JSON path" "$(cat "$PG_TMP/err")" \
	"portgate: check: --baseline g-ports.json: assets[0].scan.ports[0].port: expected an integer from 1 to 65535"

# diff: same, different, certificate and ASN changes on real evidence edited
pg_expect_exit 0 "diff of a file with itself: same" "$PG_BIN" diff base.json base.json
pg_assert_eq "prints no change" "$(cat "$PG_TMP/out")" "portgate: 0 changes"
pg_expect_exit 1 "diff of two runs: different" "$PG_BIN" diff base.json cur.json
pg_assert_eq "diff lines" "$(grep -c '^port-newly-\|^finding-' "$PG_TMP/out")" "4"
python3 - base.json cur.json <<'PY'
import json, sys
for name, sha, asn, addr in ((sys.argv[1], "aa" * 32, 64500, "127.0.0.1"),
                             (sys.argv[2], "bb" * 32, 64501, "127.0.0.2")):
    d = json.load(open(name))
    a = d["assets"][0]
    a["scan"]["ports"][0]["certificate"] = {"sha256": sha}
    a["resolution"]["addresses"] = [addr]
    a["findings"][0].setdefault("enrichment", {})["asn"] = {"asn": asn}
    json.dump(d, open(name + ".edited", "w"))
PY
pg_expect_exit 1 "certificate, address and ASN changes" "$PG_BIN" diff --json base.json.edited cur.json.edited
pg_assert_eq "as JSON" \
	"$(pg_json "$PG_TMP/out" 'sorted((c["change"], c.get("before"), c.get("after")) for c in d if c["change"] in ("certificate-changed", "address-changed", "asn-changed"))')" \
	"[[\"address-changed\", [\"127.0.0.1\"], [\"127.0.0.2\"]], [\"asn-changed\", [\"AS64500\"], [\"AS64501\"]], [\"certificate-changed\", \"$(printf 'aa%.0s' $(seq 32))\", \"$(printf 'bb%.0s' $(seq 32))\"]]"
pg_expect_exit 2 "diff needs two files" "$PG_BIN" diff base.json
pg_assert_eq "one message" "$(head -1 "$PG_TMP/err")" "portgate: diff: expected two evidence files, got 1"
pg_expect_exit 2 "a missing file" "$PG_BIN" diff base.json nope.json
pg_assert_grep "named" "portgate: diff: nope.json: No such file or directory" "$PG_TMP/err"
pg_done
