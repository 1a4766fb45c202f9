#!/usr/bin/env python3
"""validate_events.py SCHEMA FILE... - check notify events against the event schema.

Each FILE holds one event, or an outbox entry ({"event": ...}), or a receiver
log line per request (JSON lines with a "body"). Exit 0 when every event is
valid and at least one was found, 1 naming the file and the first error."""
import json
import sys

import jsonschema


def events_of(path):
    text = open(path).read()
    try:
        docs = [json.loads(text)]
    except ValueError:
        docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    for d in docs:
        if isinstance(d, dict) and "event" in d and "type" not in d:
            yield d["event"]
        elif isinstance(d, dict) and "body" in d and "type" not in d:
            if isinstance(d["body"], dict) and str(d["body"].get("type", "")).startswith("portgate."):
                yield d["body"]
        else:
            yield d


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: validate_events.py SCHEMA FILE...")
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    n = 0
    for path in sys.argv[2:]:
        for e in events_of(path):
            err = next(iter(v.iter_errors(e)), None)
            if err is not None:
                sys.exit("%s: %s at %s" % (path, err.message, "/".join(map(str, err.absolute_path))))
            n += 1
    if n == 0:
        sys.exit("no events found in %s" % " ".join(sys.argv[2:]))
    print("%d events valid" % n)


if __name__ == "__main__":
    main()
