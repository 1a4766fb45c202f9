#!/usr/bin/env python3
"""settings_tables.py SRCDIR SCHEMA [PORTGATE [PLUGIN_DIR]]: docs/settings.schema.json follows
the binary's settings tables (tests/e2e/settings_schema_tables.sh).

1. Reads every settings key and integer range from the C tables the binary is built from:
   core/config/settings.c (top_keys, the *_opts tables, *_extra, read_size), the stages'
   pg_plugin_section_keys/pg_plugin_section_uint (core/enrich, core/notify) and
   core/serve/serve_settings.c; compares them with the schema: the same keys in each section,
   every integer with the same minimum and maximum.
2. With PORTGATE: asks the binary (`portgate validate --config`) at every integer's bounds
   (min and max accepted, min-1 and max+1 refused) and a few samples of other types, and the
   schema the same question: both must agree, so the source reading above cannot be wrong
   either. With PLUGIN_DIR also an instance's host keys (timeoutMs, cacheTtlSeconds)."""
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema
import yaml

src, schema_path = sys.argv[1], sys.argv[2]
portgate = sys.argv[3] if len(sys.argv) > 3 else None
plugin_dir = sys.argv[4] if len(sys.argv) > 4 else None
problems = []


def read(rel):
    return open(os.path.join(src, rel)).read()


def c_int(expr):
    """A constant C integer expression of a table (2 << 20, 24 * 365, 7 * 86400000u)."""
    expr = re.sub(r"(\d+)(?:[uU]?[lL]{0,2}|[lL]{1,2}[uU])\b", r"\1", expr.strip())
    if not re.fullmatch(r"[\d\s*<+()-]+", expr):
        raise SystemExit("settings_tables.py: cannot read C expression %r" % expr)
    return int(eval(expr))  # digits and operators only, checked above


def strings(body):
    return re.findall(r'"(\w+)"', body)


def found(what, items):
    if not items:
        raise SystemExit("settings_tables.py: no %s found: the C source changed shape" % what)
    return items


def core_tables(sections, ints):
    text = read("core/config/settings.c")
    top = strings(found("top_keys", re.search(r"top_keys\[\] = \{(.*?)\};", text, re.S)).group(1))
    for name, body in found("int_opt tables",
                            re.findall(r"int_opt (\w+)_opts\[\] = \{(.*?)\n\};", text, re.S)):
        for key, lo, hi in re.findall(r'\{ "(\w+)", ([^,]+), ([^,]+), CFG_OFF', body):
            ints[(name, key)] = (c_int(lo), c_int(hi))
            sections.setdefault(name, set()).add(key)
    for name, body in re.findall(r"(\w+)_extra\[\] = \{([^}]*)\}", text):
        sections.setdefault(name, set()).update(strings(body))
    size_max = c_int(found("read_size's bound", re.search(
        r"pg_node_uint\(n, ([^,]+), &v\) && v >= min", text)).group(1))
    for key, sec, lo in found("read_size calls", re.findall(
            r'read_size\(c, pg_node_get\(n, "(\w+)"\), "(\w+)\.\w+", (\w+),', text)):
        ints[(sec, key)] = (c_int(lo), size_max)
    return top


def stage_tables(sections, ints):
    for rel in ("core/enrich/enrich_settings.c", "core/notify/notify_settings.c"):
        text = read(rel)
        for body in text.split("\n}\n"):
            keys = re.search(r"keys\[\] = \{(.*?)\};", body, re.S)
            sec = re.search(r'pg_plugin_section_keys\(sec, keys, "(\w+)"', body)
            if keys and sec:
                sections.setdefault(sec.group(1), set()).update(strings(keys.group(1)))
        for key, lo, hi, sec in found("pg_plugin_section_uint in " + rel, re.findall(
                r'pg_plugin_section_uint\(sec,\s*"(\w+)",\s*([^,]+),\s*([^,]+),\s*&[^,]+,\s*"(\w+)"',
                text)):
            ints[(sec, key)] = (c_int(lo), c_int(hi))


def serve_tables(sections, ints):
    text = read("core/serve/serve_settings.c")
    keys = sections.setdefault("serve", set())
    for key, lo, hi in found("serve's table", re.findall(
            r'\{ "(\w+)", ([^,]+), ([^,]+), [^,]+, SET_OFF', text)):
        ints[("serve", key)] = (c_int(lo), c_int(hi))
        keys.add(key)
    keys.update(re.findall(r'strcmp\(k->scalar, "(\w+)"\)', text))


def compare(schema, top, sections, ints):
    props = schema["properties"]
    if set(props) != set(top):
        problems.append("top level: schema %s, binary %s" % (sorted(props), sorted(top)))
    for sec, keys in sorted(sections.items()):
        got = set(props.get(sec, {}).get("properties", {}))
        if got != keys:
            problems.append("%s: schema keys %s, binary %s" % (sec, sorted(got), sorted(keys)))
        if props.get(sec, {}).get("additionalProperties") is not False:
            problems.append("%s: the schema allows unknown keys, the binary does not" % sec)
    for (sec, key), (lo, hi) in sorted(ints.items()):
        p = props.get(sec, {}).get("properties", {}).get(key, {})
        got = (p.get("type"), p.get("minimum"), p.get("maximum"))
        if got != ("integer", lo, hi):
            problems.append("%s.%s: schema %s, binary integer %d..%d" % (sec, key, got, lo, hi))


def samples(ints):
    """(settings document, accepted?) pairs: every integer's bounds, and other types."""
    pairs = "serve", "defaultTimeoutMs", "maxTimeoutMs"  # default <= max, both checked
    out = []
    for (sec, key), (lo, hi) in sorted(ints.items()):
        for v, ok in ((lo, True), (hi, True), (lo - 1, False), (hi + 1, False)):
            body = {key: v}
            if (sec, key) == pairs[:2]:
                body[pairs[2]] = 600000
            elif (sec, key) == (pairs[0], pairs[2]):
                body[pairs[1]] = 100
            out.append(({sec: body}, ok))
    out += [({"enrich": {"on": "all"}}, True), ({"notify": {"on": "all"}}, False),
            ({"notify": {"on": ["warn", "fail"]}}, True), ({"notify": {"on": ["fial"]}}, False),
            ({"scan": {"probe": False}}, True), ({"scan": {"probe": "maybe"}}, False),
            ({"serve": {"keysFile": "keys.yaml"}}, True), ({"serve": {"keysFile": ""}}, False),
            ({"notify": {"evidenceUrl": "${CI_JOB_URL}/x"}}, True),
            ({"notify": {"evidenceUrl": "ftp://x"}}, False), ({"enrich": {"tries": 1}}, False),
            ({"dns": {"server": "127.0.0.1:53"}}, True), ({"stateDir": ""}, False)]
    if plugin_dir:
        for key, lo in (("timeoutMs", 1), ("cacheTtlSeconds", 0)):
            for v, ok in ((lo, True), (31536000, True), (lo - 1, False), (31536001, False)):
                out.append(({"enrichers": {"h": {"plugin": "headers", key: v}}}, ok))
    return out


def ask_binary(doc, tmp):
    path = os.path.join(tmp, "s.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(doc, f)
    cmd = [portgate, "validate", "-q", "-m", os.path.join(tmp, "m.yaml"), "--config", path]
    if plugin_dir:
        cmd += ["--plugin-dir", plugin_dir]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if r.returncode not in (0, 2):
        problems.append("%s: portgate exited %d: %s" % (doc, r.returncode, r.stderr.strip()))
    return r.returncode == 0


def probe(schema, ints):
    validator = jsonschema.Draft7Validator(schema)
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "m.yaml"), "w") as f:
            f.write("assets:\n  - name: a\n    target: 127.0.0.1\n    ports: [1]\n")
        for doc, want in samples(ints):
            binary, schema_ok = ask_binary(doc, tmp), validator.is_valid(doc)
            if binary != want or schema_ok != want:
                problems.append("%s: binary %s, schema %s, want %s" % (
                    json.dumps(doc), binary, schema_ok, want))
        return len(samples(ints))


def main():
    schema = json.load(open(schema_path))
    jsonschema.Draft7Validator.check_schema(schema)
    sections, ints = {}, {}
    top = core_tables(sections, ints)
    stage_tables(sections, ints)
    serve_tables(sections, ints)
    compare(schema, top, sections, ints)
    asked = probe(schema, ints) if portgate else 0
    for p in problems:
        print("FAIL: " + p)
    print("%d sections, %d integer keys from the tables; %d documents asked of the binary; "
          "%d problems" % (len(sections), len(ints), asked, len(problems)))
    return 1 if problems else 0


sys.exit(main())
