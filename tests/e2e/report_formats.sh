#!/bin/sh
# report_formats: every --format of one run, checked by real validators (the official
# SARIF 2.1.0 JSON schema, a JUnit XSD with xmllint) and by exact values; outputs to
# stdout, pipes and symlinks are written in place, never replaced.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
SCHEMAS=$(cd "$PG_SRCDIR/tests/fixtures/schemas" && pwd)
command -v xmllint >/dev/null || pg_skip "xmllint (libxml2-utils) not installed"
python3 -c 'import jsonschema' 2>/dev/null || pg_skip "python3-jsonschema not installed"

pg_on_exit dns_stop
dns_start
pg_listen web "http@127.0.0.1:0" "banner=SSH-2.0-OpenSSH_9.2p1@127.0.0.1:0"
web=$(pg_port web 1); admin=$(pg_port web 2); closed=$(pg_closed_port)

# names with markup and separators every renderer must escape
cat >"$PG_TMP/m.yaml" <<YAML
version: 1
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: [$web, $closed]
    ports: [$web, $admin, $closed]
  - name: "edge,a:b|<x>&"
    target: 127.0.0.1
    approvedPorts: [$web, $admin, $closed]
    ports: [$web, $admin, $closed]
  - name: gone
    target: gone.example.test
    ports: [$web]
YAML
cd "$PG_TMP"
run_all() {
	"$PG_BIN" check -m m.yaml --no-probe --dns-server "$DNS_SERVER" \
		--format sarif --output "$1.sarif" --format junit --output "$1.xml" \
		--format gitlab --output "$1.gl.json" --format markdown --output "$1.md" \
		--format github --output "$1.gh" --format ndjson --output "$1.ndjson" -o "$1.json"
}
pg_expect_exit 1 "one run writes seven outputs" run_all a
pg_expect_exit 1 "a second run for stable fingerprints" run_all b
ev=a.json

# SARIF: the official schema, then exact values
pg_expect_exit 0 "SARIF validates against the official 2.1.0 schema" python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft4Validator.check_schema(schema)
jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
    json.load(open(sys.argv[2])))' "$SCHEMAS/sarif-schema-2.1.0.json" a.sarif
# SARIF lists errors first, each level in evidence order (Python's sort is stable)
pg_assert_eq "SARIF results = evidence findings (rule, level, line), errors first" \
	"$(pg_json a.sarif '" ".join("%s:%s:%s" % (r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in d["runs"][0]["results"])')" \
	"$(pg_json $ev '" ".join("%s:%s:%s" % (f["rule"], {"fail":"error","warn":"warning"}[f["action"]], a["line"]) for a, f in sorted(((a, f) for a in d["assets"] for f in a["findings"]), key=lambda x: x[1]["action"] != "fail"))')"
pg_assert_eq "SARIF result located at the manifest file" \
	"$(pg_json a.sarif 'sorted(set(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in d["runs"][0]["results"]))')" '["m.yaml"]'
pg_assert_eq "SARIF partialFingerprints are the evidence fingerprints" \
	"$(pg_json a.sarif '[r["partialFingerprints"]["portgateFingerprint/v1"] for r in d["runs"][0]["results"]]')" \
	"$(pg_json $ev '[f["fingerprint"] for a, f in sorted(((a, f) for a in d["assets"] for f in a["findings"]), key=lambda x: x[1]["action"] != "fail")]')"
pg_assert_eq "SARIF fingerprints stable across runs" \
	"$(pg_json a.sarif '[r["partialFingerprints"] for r in d["runs"][0]["results"]]')" \
	"$(pg_json b.sarif '[r["partialFingerprints"] for r in d["runs"][0]["results"]]')"
pg_assert_eq "SARIF ruleIndex points at the rule" \
	"$(pg_json a.sarif 'all(d["runs"][0]["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in d["runs"][0]["results"])')" "true"
pg_assert_eq "SARIF rule port-unapproved-open: severity, help, description" \
	"$(pg_json a.sarif '[(r["properties"]["security-severity"], r["defaultConfiguration"]["level"], "approvedPorts" in r["help"]["text"], r["shortDescription"]["text"]) for r in d["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "port-unapproved-open"]')" \
	'[["8.0", "error", true, "A port is open that the manifest does not approve"]]'
pg_assert_eq "SARIF exit code recorded" "$(pg_json a.sarif 'd["runs"][0]["invocations"][0]["exitCode"]')" "1"

# JUnit: the XSD, then one test case per asset and rule
pg_expect_exit 0 "JUnit validates against the JUnit XSD" \
	xmllint --noout --schema "$SCHEMAS/junit-10.xsd" a.xml
nrules=$(pg_json a.sarif 'len(d["runs"][0]["tool"]["driver"]["rules"])')
junit() { python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); print(eval(sys.argv[2]))' a.xml "$1"; }
pg_assert_eq "JUnit: a test case per asset and rule" "$(junit 'len(r.findall("testsuite/testcase"))')" "$((3 * nrules))"
pg_assert_eq "JUnit: suites named after assets" "$(junit '[s.get("name") for s in r.findall("testsuite")]')" "['app', 'edge,a:b|<x>&', 'gone']"
pg_assert_eq "JUnit: the failing case" \
	"$(junit '[(s.get("name"), c.get("name"), c.find("failure").text.strip()) for s in r.findall("testsuite") for c in s.findall("testcase") if c.find("failure") is not None]')" \
	"[('app', 'port-unapproved-open', 'fail: port $admin/tcp is open but not in approvedPorts')]"
pg_assert_eq "JUnit: the unresolved asset errors on dns-unresolved and skips port rules" \
	"$(junit '(lambda s: (s.get("errors"), s.get("skipped"), [c.get("name") for c in s.findall("testcase") if c.find("error") is not None]))(r.findall("testsuite")[2])')" \
	"('1', '$((nrules - 2))', ['dns-unresolved'])"
pg_assert_eq "JUnit totals" "$(junit '(r.get("tests"), r.get("failures"), r.get("errors"))')" "('$((3 * nrules))', '1', '1')"

# GitLab Code Quality
pg_assert_eq "Code Quality issues" \
	"$(pg_json a.gl.json '[(i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in d]')" \
	"$(pg_json $ev '[(f["rule"], {"high":"critical","medium":"major","low":"minor"}[f["severity"] if f["action"] == "fail" or f["severity"] == "low" else "medium"], "m.yaml", a["line"]) for a in d["assets"] for f in a["findings"]]')"
pg_assert_eq "Code Quality fingerprints unique" "$(pg_json a.gl.json 'len(set(i["fingerprint"] for i in d)) == len(d) > 0')" "true"

# GitHub annotations: exact lines, properties escaped
pg_assert_eq "GitHub annotations" "$(sort a.gh)" "$(sort <<EOT
::warning file=m.yaml,line=3,title=port-approved-closed (app)::approved port $closed/tcp is closed
::error file=m.yaml,line=3,title=port-unapproved-open (app)::port $admin/tcp is open but not in approvedPorts
::warning file=m.yaml,line=7,title=port-approved-closed (edge%2Ca%3Ab|<x>&)::approved port $closed/tcp is closed
::warning file=m.yaml,line=11,title=dns-unresolved (gone)::gone.example.test does not resolve: NXDOMAIN (name does not exist)
::notice title=portgate::verdict fail (enforce mode): 3 asset(s), 0 pass, 1 warn, 1 fail, 1 could not check
EOT
)"

# Markdown: the table escapes what would break it
pg_assert_grep "Markdown verdict heading" '^## :x: portgate: fail$' a.md
pg_assert_grep "Markdown asset row escaped" '^| edge,a:b\\|\\<x\\>\\& | 127.0.0.1 | :warning: warn | 2 | 1 |$' a.md
pg_assert_grep "Markdown finding row" "^| :x: fail | \`port-unapproved-open\` | app | $admin | port $admin/tcp is open but not in approvedPorts |$" a.md

# NDJSON: one finding per line
pg_assert_eq "NDJSON lines are the findings" \
	"$(python3 -c 'import json,sys; print(json.dumps([[f["rule"], f["fingerprint"], f["manifestLine"]] for f in map(json.loads, open(sys.argv[1]))]))' a.ndjson)" \
	"$(pg_json $ev '[[f["rule"], f["fingerprint"], a["line"]] for a in d["assets"] for f in a["findings"]]')"

# stdout: only the output, no summary around it
"$PG_BIN" check -m m.yaml --no-probe --dns-server "$DNS_SERVER" --format sarif --output - \
	>stdout.sarif 2>/dev/null || true
pg_assert_eq "--output - is pure SARIF on stdout" "$(pg_json stdout.sarif 'd["version"]')" "2.1.0"
pg_expect_exit 2 "two outputs on stdout refused" "$PG_BIN" check -m m.yaml --format sarif --format junit
pg_assert_eq "it says so once" "$(cat "$PG_TMP/err" | head -1)" \
	"portgate: check: 2 outputs go to stdout; give all but one an --output FILE"
pg_expect_exit 2 "unknown format refused" "$PG_BIN" check -m m.yaml --format sraif
pg_assert_grep "unknown format named" "unknown format 'sraif'" "$PG_TMP/err"
pg_expect_exit 2 "--output without --format refused" "$PG_BIN" check -m m.yaml --output x.sarif
pg_assert_grep "--output needs a format" "'x.sarif' needs a --format before it" "$PG_TMP/err"

# non-regular targets are written in place
"$PG_BIN" check -m m.yaml --no-probe --dns-server "$DNS_SERVER" -q --out /dev/stdout \
	>devstdout.json 2>/dev/null || true
pg_assert_eq "--out /dev/stdout writes through" "$(pg_json devstdout.json 'd["run"]["verdict"]')" "fail"
if [ -L /dev/stdout ]; then pg_ok "/dev/stdout is still a symlink"; else pg_fail "/dev/stdout replaced"; fi
"$PG_BIN" check -m m.yaml --no-probe --dns-server "$DNS_SERVER" -q --out /dev/stdout \
	| python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["verdict"])' >piped.txt || true
pg_assert_eq "--out /dev/stdout into a pipe" "$(cat piped.txt)" "fail"
mkfifo fifo
cat fifo >fifo.out & reader=$!
pg_on_exit "kill $reader"
"$PG_BIN" check -m m.yaml --no-probe --dns-server "$DNS_SERVER" -q --format ndjson \
	--output fifo || true
wait $reader || true
if [ -p fifo ]; then pg_ok "a FIFO stays a FIFO"; else pg_fail "the FIFO was replaced"; fi
pg_assert_eq "the FIFO got the findings" "$(wc -l <fifo.out | tr -d ' ')" "4"
# a full disk: the cause named, the check not passed
pg_expect_exit 1 "--out /dev/full fails" \
	"$PG_BIN" check -m m.yaml --no-probe --dns-server "$DNS_SERVER" -q --out /dev/full
pg_assert_grep "it names the full disk" \
	"cannot write evidence to /dev/full: No space left on device" "$PG_TMP/err"
pg_expect_exit 1 "--format junit --output /dev/full fails" "$PG_BIN" check -m m.yaml --no-probe \
	--dns-server "$DNS_SERVER" -q --format junit --output /dev/full
pg_assert_grep "junit names the full disk too" \
	"cannot write junit output to /dev/full: No space left on device" "$PG_TMP/err"
echo old >real.json
ln -s real.json link.json
"$PG_BIN" check -m m.yaml --no-probe --dns-server "$DNS_SERVER" -q -o link.json || true
if [ -L link.json ]; then pg_ok "a symlink stays a symlink"; else pg_fail "the symlink was replaced"; fi
pg_assert_eq "its target got the evidence atomically" "$(pg_json real.json 'd["run"]["verdict"]')" "fail"
pg_assert_eq "no temp file left" "$(ls -A | grep -c portgate-tmp || true)" "0"
pg_done
