#!/bin/sh
# settings_schema_tables: docs/settings.schema.json follows the binary's settings tables
# (tests/tools/settings_tables.py): the same keys per section, the same integer ranges, and the
# binary (`validate --config`) and the schema agree at every bound and on samples of other types.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
python3 -c 'import jsonschema, yaml' 2>/dev/null || pg_skip "python3 jsonschema or yaml missing"
PLUGINS="$PG_BUILDDIR/plugins/.libs"
[ -f "$PLUGINS/headers.so" ] || PLUGINS= # the instance keys' bounds need a plugin
[ -n "$PLUGINS" ] || pg_skip_part "plugin headers not built: an instance's keys are not asked"
pg_expect_exit 0 "schema and binary tables agree" python3 "$PG_TOOLS/settings_tables.py" \
	"$PG_SRCDIR" "$PG_SRCDIR/docs/settings.schema.json" "$PG_BIN" ${PLUGINS:+"$PLUGINS"}
sed 's/^/  /' "$PG_TMP/out"
pg_assert_grep "every section, 34 integer keys" "^7 sections, 34 integer keys" "$PG_TMP/out"
# drift is caught: a schema with one maximum off fails
python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); d["properties"]["notify"]["properties"]["retries"]["maximum"] = 21
json.dump(d, open(sys.argv[2], "w"))' "$PG_SRCDIR/docs/settings.schema.json" "$PG_TMP/drift.json"
pg_expect_exit 1 "a schema that drifted fails" python3 "$PG_TOOLS/settings_tables.py" \
	"$PG_SRCDIR" "$PG_TMP/drift.json"
pg_assert_grep "naming the key" "notify.retries: schema ('integer', 0, 21), binary integer 0..20" \
	"$PG_TMP/out"
pg_done
