#!/usr/bin/env python3
"""settings_schema.py SCHEMA FILE... [--heredocs SCRIPT...]: validate settings files against
docs/settings.schema.json (tests/e2e/cli_options.sh). With --heredocs, the settings the given
e2e scripts write (`cat >...portgate.yaml <<YAML` and `.conf`: the YAML maps among them, not
nginx's or rsyslog's), shell variables made "1000"."""
import json
import re
import sys

import jsonschema
import yaml



class Loader(yaml.SafeLoader):
    """portgate's reading of a scalar: only true and false are booleans (pg_node_bool), so
    `on:` is the key "on", not YAML 1.1's True."""


Loader.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))

schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)
args = sys.argv[2:]
docs = []
if "--heredocs" in args:
    k = args.index("--heredocs")
    scripts, args = args[k + 1:], args[:k]
    for path in scripts:
        text = open(path).read()
        for target, tag, body in re.findall(r"cat >\"?([^\s\"]*(?:portgate\.yaml|\.conf))\"? <<'?(\w+)'?\n(.*?)\n\2\n", text, re.S):
            body = re.sub(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z_0-9]*|\$\([^)]*\)", "1000", body)
            docs.append(("%s: %s" % (path, target), body))
for path in args:
    docs.append((path, open(path).read()))
bad = 0
for name, text in docs:
    try:
        doc = yaml.load(text, Loader=Loader)
    except yaml.YAMLError as e:
        continue  # a test's deliberately broken file: portgate's own errors cover it
    if not isinstance(doc, dict):
        continue  # another program's configuration
    errors = list(validator.iter_errors(doc))
    for e in errors:
        print("FAIL: %s: %s: %s" % (name, "/".join(map(str, e.path)), e.message))
    bad += bool(errors)
print("%d settings files, %d invalid" % (len(docs), bad))
sys.exit(1 if bad else 0)
