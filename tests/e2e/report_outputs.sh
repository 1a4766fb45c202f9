#!/bin/sh
# report_outputs: where a run's outputs land. Two outputs into one file (however spelled:
# ./x, a/../x, a symlink, /dev/stdout and -) or an output onto an input (the manifest,
# --config, --baseline, a shard) are refused before the scan; a dangling symlink is
# written through; SARIF says when the run could not check; $GITHUB_STEP_SUMMARY is
# appended to; every format names the manifest by the same repository path.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
SCHEMAS=$(cd "$PG_SRCDIR/tests/fixtures/schemas" && pwd)

closed=$(pg_closed_port)
mkdir -p "$PG_TMP/repo/.git" "$PG_TMP/repo/infra"
cat >"$PG_TMP/repo/infra/exposure.yaml" <<YAML
version: 1
assets:
  - name: app
    target: 127.0.0.1
    ports: [$closed]
YAML
cd "$PG_TMP/repo"
M=infra/exposure.yaml
cp $M manifest.orig
check() { "$PG_BIN" check -m "$M" --no-probe --no-notify "$@"; }

# refused: exit 2 before scanning, both options named, nothing written
refused() { # DESC WORDS -- ARGS...
	desc=$1; words=$2; shift 3
	rm -f x.sarif
	pg_expect_exit 2 "$desc" check "$@"
	for w in $words; do pg_assert_grep "$desc: names $w" "$w" "$PG_TMP/err"; done
	cmp -s $M manifest.orig || pg_fail "$desc: the manifest changed"
	cp manifest.orig $M
}
refused "two outputs into one file" "sarif junit" -- \
	--format sarif --output x.sarif --format junit --output x.sarif
[ ! -e x.sarif ] || pg_fail "refused run wrote x.sarif"
refused "the same file spelled ./x and infra/../x" "sarif junit" -- \
	--format sarif --output ./x.sarif --format junit --output infra/../x.sarif
ln -s x.sarif link.sarif
refused "a symlink to another output's file" "--out link.sarif" -- \
	--out x.sarif --format sarif --output link.sarif
refused "/dev/stdout and - are one stream" "/dev/stdout junit" -- \
	--format sarif --output /dev/stdout --format junit --output -
refused "/dev/stdout and the default stdout" "/dev/stdout markdown" -- \
	--format sarif --output /dev/stdout --format markdown
refused "an output onto the manifest" "--manifest sarif" -- --format sarif --output $M
refused "--out onto the manifest, spelled otherwise" "--manifest --out" -- --out ./infra/../$M
printf 'scan:\n  timeout_ms: 500\n' >settings.yaml
cp settings.yaml settings.orig
refused "an output onto --config" "--config" -- --config settings.yaml --format junit \
	--output settings.yaml
cmp -s settings.yaml settings.orig || pg_fail "--config file changed"
pg_expect_exit 0 "a baseline run" check -o base.json
cp base.json base.orig
refused "--out onto --baseline" "--baseline --out" -- --baseline base.json -o base.json
cmp -s base.json base.orig || pg_fail "--baseline file changed"
pg_expect_exit 0 "/dev/null takes several outputs" check --format sarif --output /dev/null \
	-o /dev/null
pg_expect_exit 0 "distinct outputs still work" check --format sarif --output x.sarif -o x.json
pg_assert_eq "SARIF and evidence both written" \
	"$(pg_json x.sarif 'd["version"]') $(pg_json x.json 'len(d["assets"])')" "2.1.0 1"
pg_expect_exit 0 "a shard" check -o s1.json
cp s1.json s1.orig
pg_expect_exit 2 "merge refuses an output onto a shard" "$PG_BIN" merge --format json \
	--output ./s1.json s1.json
pg_assert_grep "merge names the shard" "shard s1.json" "$PG_TMP/err"
cmp -s s1.json s1.orig || pg_fail "merge overwrote its shard"

# --out onto a dangling symlink: written through, the link kept; into a missing directory:
# a usage error before the scan
mkdir evdir
ln -s evdir/ev.json ev.json
pg_expect_exit 0 "--out onto a dangling symlink" check -o ev.json
[ -L ev.json ] && pg_ok "the link is still a link" || pg_fail "the link was replaced"
pg_assert_eq "the link's target was created" "$(pg_json evdir/ev.json 'len(d["assets"])')" 1
ln -s nodir/ev.json lost.json
pg_expect_exit 2 "--out onto a link into a missing directory" check -o lost.json
pg_assert_grep "the message names the directory" "directory nodir does not exist" "$PG_TMP/err"
[ ! -e nodir ] || pg_fail "nodir was created"

# SARIF of a run that could not check (exit 3): executionSuccessful false, and why
pg_on_exit dns_stop
dns_start
cat >gone.yaml <<YAML
version: 1
assets:
  - name: app
    target: 127.0.0.1
    ports: [$closed]
  - name: gone
    target: gone.example.test
    ports: [$closed]
YAML
pg_expect_exit 3 "a run that could not check" "$PG_BIN" check -m gone.yaml --no-probe \
	--no-notify --dns-server "$DNS_SERVER" --format sarif --output gone.sarif
pg_assert_eq "SARIF: executionSuccessful false, exitCode 3" \
	"$(pg_json gone.sarif '[(i["executionSuccessful"], i["exitCode"]) for i in d["runs"][0]["invocations"]]')" \
	'[[false, 3]]'
pg_assert_eq "SARIF: one error notification naming the asset and why" \
	"$(pg_json gone.sarif '[(n["level"], n["message"]["text"].split(":")[0]) for n in d["runs"][0]["invocations"][0]["toolExecutionNotifications"]]')" \
	'[["error", "could not check gone (gone.example.test)"]]'
pg_assert_eq "SARIF of a checked run: executionSuccessful true, no notification" \
	"$(pg_json x.sarif '[(i["executionSuccessful"], "toolExecutionNotifications" in i) for i in d["runs"][0]["invocations"]]')" \
	'[[true, false]]'
if python3 -c 'import jsonschema' 2>/dev/null; then
	pg_expect_exit 0 "SARIF of exit 3 validates against the official 2.1.0 schema" python3 -c '
import json, sys, jsonschema
jsonschema.Draft4Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))' \
		"$SCHEMAS/sarif-schema-2.1.0.json" gone.sarif
else
	pg_skip_part "python3-jsonschema not installed: SARIF schema"
fi

# $GITHUB_STEP_SUMMARY is appended to, as GitHub does (>>): earlier steps' lines stay
echo "earlier step" >summary.md
echo "old" >other.md
ln -s summary.md summary-link.md
GITHUB_STEP_SUMMARY=$PWD/summary.md pg_expect_exit 0 "markdown into the step summary" check \
	--format markdown --output "$PWD/summary.md"
GITHUB_STEP_SUMMARY=$PWD/summary.md pg_expect_exit 0 "again, named through a link" check \
	--format markdown --output summary-link.md --format markdown --output other.md
pg_assert_eq "the earlier line stays, then both runs' summaries" \
	"$(head -1 summary.md) $(grep -c '^## .*portgate: pass' summary.md)" "earlier step 2"
pg_assert_eq "another file is still replaced" "$(grep -c 'old\|portgate: pass' other.md)" 1
[ -L summary-link.md ] || pg_fail "the link to the step summary was replaced"

# run inside infra/: every format names the manifest from the repository's top
cd infra
pg_expect_exit 0 "check run inside infra/" "$PG_BIN" check -m exposure.yaml --no-probe \
	--no-notify --format markdown --output ../in.md --format html --output ../in.html \
	-o ../in.json
cd ..
pg_assert_eq "the evidence's run.source (what SARIF locates by) is infra/exposure.yaml" \
	"$(pg_json in.json 'd["run"]["source"]["manifest"]')" infra/exposure.yaml
pg_assert_grep "markdown names infra/exposure.yaml" 'manifest `infra/exposure.yaml`' in.md
pg_assert_grep "HTML names infra/exposure.yaml" '<code>infra/exposure.yaml</code>' in.html
pg_assert_grep "HTML title names infra/exposure.yaml" '<title>portgate pass: infra/exposure.yaml' in.html
# a manifest on stdin is no output's input: '-' there is stdin, not stdout
pg_expect_exit 0 "-m - with an output to stdout" "$PG_BIN" check -m - --no-probe --no-notify \
	--format markdown <$M
pg_assert_grep "markdown names stdin" 'manifest `stdin`' "$PG_TMP/out"

pg_done
