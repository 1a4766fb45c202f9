#!/bin/sh
# manifest_schema: the JSON Schema installed for editors agrees with `portgate validate` on
# the fixture manifests and the examples (valid ones pass it, ones it can judge fail it).
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
python3 -c 'import jsonschema, yaml' 2>/dev/null || pg_skip "python3-jsonschema or python3-yaml missing"
SCHEMA="$PG_SRCDIR/docs/manifest.schema.json"
schema_ok() {
	python3 - "$SCHEMA" "$1" <<'PY'
import json, sys, jsonschema, yaml
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
class Loader(yaml.SafeLoader):
    pass
# YAML 1.2 (what editors' language servers use) has no timestamps: dates stay strings
Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                  for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
doc = yaml.load(open(sys.argv[2]), Loader=Loader)
errs = list(jsonschema.Draft7Validator(schema).iter_errors(doc))
print("valid" if not errs else "invalid: " + errs[0].message)
PY
}
for f in good.yaml good.json defaults.yaml; do
	m="$PG_SRCDIR/tests/fixtures/manifests/$f"
	pg_expect_exit 0 "portgate validate accepts $f" "$PG_BIN" validate -q -m "$m"
	pg_assert_eq "the schema accepts $f" "$(schema_ok "$m")" "valid"
done
for f in version2.yaml noassets.yaml; do
	m="$PG_SRCDIR/tests/fixtures/manifests/$f"
	pg_expect_exit 2 "portgate validate refuses $f" "$PG_BIN" validate -q -m "$m"
	case "$(schema_ok "$m")" in invalid*) pg_ok "the schema refuses $f" ;; *) pg_fail "the schema accepts $f" ;; esac
done
cat >"$PG_TMP/rollout.yaml" <<'YAML'
version: 1
policy:
  mode: monitor
  enforce: [port-unapproved-open]
  exceptions:
    - { rule: port-unapproved-open, asset: app, port: 8080, reason: r, owner: o, expires: 2999-01-01 }
assets:
  - name: app
    target: 192.0.2.10
    approvedPorts: [443, "8000-8010"]
YAML
pg_expect_exit 0 "validate accepts the rollout keys" "$PG_BIN" validate -q -m "$PG_TMP/rollout.yaml"
pg_assert_eq "so does the schema" "$(schema_ok "$PG_TMP/rollout.yaml")" "valid"
sed 's/owner: o, //' "$PG_TMP/rollout.yaml" >"$PG_TMP/noowner.yaml"
pg_expect_exit 2 "validate refuses an exception without owner" "$PG_BIN" validate -q -m "$PG_TMP/noowner.yaml"
pg_assert_eq "so does the schema" "$(schema_ok "$PG_TMP/noowner.yaml")" "invalid: 'owner' is a required property"
pg_done
