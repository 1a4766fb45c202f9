#!/usr/bin/env python3
"""evidence_synth.py ONE.json N MANIFEST OUT.json: a large evidence file for the renderers' limits
(tests/e2e/ci_limits.sh): N copies of the only asset of ONE (a real check), each with one
port-unapproved-open finding per port of its approvedPorts, and the manifest (written here)
they come from, recorded as one unsharded check would, so `portgate merge` takes it."""
import copy, hashlib, json, sys

one, n, man, out = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3], sys.argv[4]
a0 = one["assets"][0]
ports = a0["manifest"]["approvedPorts"]
lines, assets = ["assets:"], []
for i in range(n):
    a = copy.deepcopy(a0)
    a["name"], a["line"] = "a%d" % i, len(lines) + 1
    a["manifest"] = {"name": a["name"], "target": "127.0.0.1", "approvedPorts": [1], "ports": ports}
    lines += ["  - name: a%d" % i, "    target: 127.0.0.1", "    approvedPorts: [1]",
              "    ports: [%s]" % ", ".join(map(str, ports))]
    a["findings"] = []
    for p in ports:
        a["findings"].append({"rule": "port-unapproved-open", "defaultAction": "fail", "severity": "high",
            "reason": "port %d/tcp is open but not in approvedPorts" % p, "asset": a["name"],
            "target": "127.0.0.1", "ip": "127.0.0.1", "port": p, "protocol": "tcp", "source": "core",
            "action": "fail", "fingerprint": hashlib.sha256(b"%d/%d" % (i, p)).hexdigest()[:16]})
    assets.append(a)
text = "\n".join(lines) + "\n"
open(man, "w").write(text)
one["assets"] = assets
one["run"]["manifest"] = man
one["run"]["manifestSha256"] = hashlib.sha256(text.encode()).hexdigest()
one["run"]["shard"] = {"index": 1, "count": 1, "manifestAssets": n}
json.dump(one, open(out, "w"))
