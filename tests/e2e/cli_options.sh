#!/bin/sh
# cli_options: every option a command's getopt table accepts is in its --help and in the man page
# (tests/tools/cli_options.py reads the tables from core/cli/); `portgate rules` lists every core
# and drift rule, `explain` explains each (and says "did you mean"), docs/rules.md (the SARIF
# helpUri) has a section per rule; docs/settings.schema.json fits the settings files.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
cd "$PG_TMP"
pg_expect_exit 0 "options: tables, --help and the man page agree" python3 "$PG_TOOLS/cli_options.py" "$PG_SRCDIR" "$PG_BIN"

pg_expect_exit 0 "rules --json" "$PG_BIN" rules --json
cp "$PG_TMP/out" rules.json
pg_assert_eq "every core and drift rule, with action, severity and source" \
	"$(pg_json rules.json '[(r["id"], r["defaultAction"], r["severity"], r["source"]) for r in d if r["id"] in ("port-unapproved-open", "port-approved-closed", "port-newly-open")]')" \
	'[["port-unapproved-open", "fail", "high", "core"], ["port-approved-closed", "warn", "low", "core"], ["port-newly-open", "fail", "high", "drift"]]'
pg_assert_eq "16 rules" "$(pg_json rules.json 'len(d)')" "16"
pg_expect_exit 0 "rules as a table" "$PG_BIN" rules
pg_assert_grep "a header and a line per rule" "^port-unapproved-open  *fail  *high  *core  *A port is open" "$PG_TMP/out"
for id in $(pg_json rules.json '" ".join(r["id"] for r in d)'); do
	"$PG_BIN" explain "$id" >ex.out 2>&1 || pg_fail "explain $id"
	grep -q "^What to do:" ex.out || pg_fail "explain $id: no advice"
	grep -q "^## $id\$" "$PG_SRCDIR/docs/rules.md" || pg_fail "docs/rules.md has no section $id"
done
pg_ok "explain and docs/rules.md cover every rule"
pg_expect_exit 0 "explain port-unapproved-open" "$PG_BIN" explain port-unapproved-open
pg_assert_grep "its default and how to tune it" "^Default action: fail; severity: high." "$PG_TMP/out"
pg_assert_grep "an override to copy" "policy: { rules: { port-unapproved-open: pass|warn|fail } }" "$PG_TMP/out"
pg_expect_exit 2 "explain a mistyped rule" "$PG_BIN" explain port-unaproved-open
pg_assert_eq "with a suggestion" "$(cat "$PG_TMP/err")" "portgate: explain: unknown rule 'port-unaproved-open'; did you mean 'port-unapproved-open'?
Try 'portgate explain --help'."
pg_expect_exit 2 "explain without a rule" "$PG_BIN" explain
pg_expect_exit 2 "explain takes no --json" "$PG_BIN" explain --json port-unapproved-open

# the settings' JSON Schema: the example and every settings file the e2e tests write pass it, a
# misspelt key or an out-of-range value does not
if python3 -c 'import jsonschema, yaml' 2>/dev/null; then
	pg_expect_exit 0 "docs/settings.schema.json accepts conf/portgate.yaml and the tests' settings" \
		python3 "$PG_TOOLS/settings_schema.py" "$PG_SRCDIR/docs/settings.schema.json" \
		"$PG_SRCDIR/conf/portgate.yaml" --heredocs "$PG_SRCDIR"/tests/e2e/*.sh
	printf 'scan:\n  timeoutMz: 100\n' >typo.yaml
	printf 'probe:\n  totalMs: 5\n' >range.yaml
	pg_expect_exit 1 "a misspelt key fails the schema" python3 "$PG_TOOLS/settings_schema.py" \
		"$PG_SRCDIR/docs/settings.schema.json" typo.yaml
	pg_expect_exit 1 "a value out of range fails it" python3 "$PG_TOOLS/settings_schema.py" \
		"$PG_SRCDIR/docs/settings.schema.json" range.yaml
else
	pg_skip_part "python3 jsonschema or yaml missing: the settings schema is not checked"
fi
pg_done
