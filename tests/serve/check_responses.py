#!/usr/bin/env python3
"""check_responses.py OPENAPI PATH METHOD STATUS FILE [...]: validate live answers
against the OpenAPI document's schemas (JSON Schema 2020-12, python3-jsonschema).

For each answer: the status must be documented for that operation, and the body
must validate against the schema of its application/json content. Prints one
line per answer; exits 1 when any fails."""
import json
import sys

import jsonschema


def response_schema(doc, path, method, status):
    op = doc["paths"][path][method.lower()]
    resp = op["responses"].get(status)
    if resp is None:
        return None
    if "$ref" in resp:  # "#/components/responses/X"
        resp = doc["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
    return resp["content"]["application/json"]["schema"]


def main(argv):
    doc = json.load(open(argv[1]))
    bad = 0
    args = argv[2:]
    for i in range(0, len(args), 4):
        path, method, status, file = args[i:i + 4]
        schema = response_schema(doc, path, method, status)
        if schema is None:
            print("FAIL: %s %s %s is not documented" % (method, path, status))
            bad += 1
            continue
        # validate with the whole document as root, so "#/components/..." resolve
        root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": doc["components"], **schema}
        errors = list(jsonschema.Draft202012Validator(root).iter_errors(json.load(open(file))))
        if errors:
            print("FAIL: %s %s %s: %s" % (method, path, status, errors[0].message))
            bad += 1
        else:
            print("ok: %s %s %s matches its schema" % (method, path, status))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main(sys.argv)
