#!/bin/sh
# ci_limits: the CI formats inside GitHub's limits and paths. The manifest is named from the
# repository's top whatever the working directory (infra/exposure.yaml from infra/; the nearest
# .git, else $GITHUB_WORKSPACE, else --source-root), stdin as "stdin"; rules carry name, helpUri
# and the driver informationUri; 30,000 results make SARIF runs of at most 25,000 each (errors
# first, each its own category) that validate against the official schema, with a notice on
# stderr; GitHub annotations stop at 10 errors and 10 warnings with one notice counting the rest.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
python3 -c 'import jsonschema' 2>/dev/null || pg_skip "python3-jsonschema not installed"
SCHEMA="$PG_SRCDIR/tests/fixtures/schemas/sarif-schema-2.1.0.json"
cd "$PG_TMP"
pg_listen web "silent@127.0.0.1:0" "silent@127.0.0.1:0" "silent@127.0.0.1:0"
p1=$(pg_port web 1); p2=$(pg_port web 2); p3=$(pg_port web 3)
root=$(pwd -P)/repo
mkdir -p "$root/.git" "$root/infra"
cat >"$root/infra/exposure.yaml" <<YAML
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: [$p1]
    ports: [$p2]
YAML
sarif_loc() { # FILE: uri, uriBaseId and SRCROOT of the first result
	pg_json "$1" '[d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"].get(k) for k in ("uri", "uriBaseId")] + [d["runs"][0].get("originalUriBaseIds", {}).get("SRCROOT", {}).get("uri")]'
}
(cd "$root/infra" && "$PG_BIN" check -q -m exposure.yaml --no-probe -o "$PG_TMP/ev.json" \
	--format sarif --output "$PG_TMP/a.sarif" --format github --output "$PG_TMP/gh.txt") || true
pg_assert_eq "from infra/: the SARIF names infra/exposure.yaml under SRCROOT" "$(sarif_loc a.sarif)" \
	"[\"infra/exposure.yaml\", \"SRCROOT\", \"file://$root/\"]"
pg_assert_grep "the annotation too" "^::error file=infra/exposure.yaml,line=2,title=port-unapproved-open (app)::" gh.txt
pg_assert_eq "the evidence records it" "$(pg_json ev.json 'd["run"]["source"]')" \
	"{\"root\": \"$root\", \"manifest\": \"infra/exposure.yaml\"}"
pg_assert_eq "run.manifest stays as given" "$(pg_json ev.json 'd["run"]["manifest"]')" "exposure.yaml"
(cd "$root/infra" && "$PG_BIN" merge -q "$PG_TMP/ev.json" --format sarif --output "$PG_TMP/m.sarif") || true
pg_assert_eq "merge keeps the shards' place in the repository" "$(sarif_loc m.sarif)" \
	"[\"infra/exposure.yaml\", \"SRCROOT\", \"file://$root/\"]"

# rules: a readable name, where to read more, and the tool's home
pg_assert_eq "rule name, helpUri, informationUri" "$(pg_json a.sarif '[(r["name"], r["helpUri"].split("#")[1], r["helpUri"].startswith("https://")) for r in d["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "port-unapproved-open"] + [d["runs"][0]["tool"]["driver"]["informationUri"].startswith("https://")]')" \
	'[["PortUnapprovedOpen", "port-unapproved-open", true], true]'

# --source-root for a layout without .git where the job runs
mkdir -p other/deploy && cp "$root/infra/exposure.yaml" other/deploy/
(cd other/deploy && "$PG_BIN" check -q -m exposure.yaml --no-probe --source-root .. \
	--format sarif --output "$PG_TMP/b.sarif") || true
if (cd other && git rev-parse --show-toplevel >/dev/null 2>&1); then
	pg_skip_part "$PG_TMP is inside a git work tree: the no-.git cases cannot run"
else
	pg_assert_eq "--source-root names the manifest from there" "$(sarif_loc b.sarif)" \
		"[\"deploy/exposure.yaml\", \"SRCROOT\", \"file://$PG_TMP/other/\"]"
	(cd other/deploy && GITHUB_WORKSPACE="$PG_TMP/other" "$PG_BIN" check -q -m exposure.yaml \
		--no-probe --format sarif --output "$PG_TMP/c.sarif") || true
	pg_assert_eq "\$GITHUB_WORKSPACE when there is no .git" "$(sarif_loc c.sarif)" \
		"[\"deploy/exposure.yaml\", \"SRCROOT\", \"file://$PG_TMP/other/\"]"
	(cd other/deploy && "$PG_BIN" check -q -m exposure.yaml --no-probe --format sarif \
		--output "$PG_TMP/d.sarif") || true
	pg_assert_eq "no root: the path as given, no base" "$(sarif_loc d.sarif)" '["exposure.yaml", null, null]'
fi
pg_expect_exit 2 "a --source-root that does not exist" "$PG_BIN" check -m "$root/infra/exposure.yaml" --source-root nope
(cd "$root/infra" && "$PG_BIN" check -q -m - --no-probe --format sarif --output "$PG_TMP/s.sarif" \
	--format github --output "$PG_TMP/sgh.txt" <exposure.yaml) || true
pg_assert_eq "-m -: the artifact is stdin" "$(sarif_loc s.sarif)" '["stdin", null, null]'
pg_assert_grep "annotations say stdin" "^::error file=stdin,line=2," sgh.txt

# 30,000 results: 10,000 assets x 3 open unapproved ports, from one real asset's evidence
printf 'assets:\n  - name: a0\n    target: 127.0.0.1\n    approvedPorts: [%s, %s, %s]\n' "$p1" "$p2" "$p3" >one.yaml
"$PG_BIN" check -q -m one.yaml --no-probe -o one.json
python3 "$PG_TOOLS/evidence_synth.py" one.json 10000 big.yaml big.json
pg_expect_exit 1 "merge renders 30,000 failed findings" "$PG_BIN" merge -q big.json \
	--format sarif --output big.sarif --format github --output big.gh
pg_assert_grep "stderr says the SARIF was split" \
	"sarif: 30000 results in 2 runs of at most 25000 each (GitHub code scanning's limit per run)" "$PG_TMP/err"
pg_assert_eq "two runs of 25,000 and 5,000, each its own category" \
	"$(pg_json big.sarif '[(len(r["results"]), r["automationDetails"]["id"]) for r in d["runs"]]')" \
	'[[25000, "portgate/part-1/"], [5000, "portgate/part-2/"]]'
pg_assert_eq "every finding once" "$(pg_json big.sarif 'len({r["partialFingerprints"]["portgateFingerprint/v1"] for run in d["runs"] for r in run["results"]})')" "30000"
pg_expect_exit 0 "the split SARIF validates against the official 2.1.0 schema" python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
    json.load(open(sys.argv[2])))' "$SCHEMA" big.sarif
pg_assert_eq "annotations: 10 errors, then one notice counting the rest, then the verdict" \
	"$(grep -c '^::error ' big.gh) $(grep -c '^::warning ' big.gh) $(grep -c '^::notice ' big.gh)" "10 0 2"
pg_assert_grep "the notice counts what is only in the evidence" \
	"^::notice title=portgate::29990 more finding(s) (29990 error, 0 warning) not annotated" big.gh

# errors before warnings, in both formats: a warning-only asset first in the manifest
closed=$(pg_closed_port)
cat >mixed.yaml <<YAML
assets:
  - name: quiet
    target: 127.0.0.1
    approvedPorts: [$closed]
  - name: loud
    target: 127.0.0.1
    approvedPorts: [$p1]
    ports: [$p2]
YAML
"$PG_BIN" check -q -m mixed.yaml --no-probe --format sarif --output mixed.sarif --format github --output mixed.gh || true
pg_assert_eq "SARIF: the error first" "$(pg_json mixed.sarif '[r["level"] for r in d["runs"][0]["results"]]')" '["error", "warning"]'
pg_assert_eq "annotations: the error first" "$(cut -c1-8 mixed.gh | head -2 | tr '\n' ' ')" "::error  ::warnin "
pg_done
