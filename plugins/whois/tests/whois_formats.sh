#!/bin/sh
# The whois enricher on every registry format portgate parses, with portgate's own fixtures:
# tests/fixtures/whois/formats/whois/NAME is an answer written for portgate in the published
# format of NAME's registry (made-up domains, dates, registrars and handles; see the README
# there) and expected/NAME the values it must give. Each answer is served for its domain by
# tests/tools/whois_server.py on loopback and read through the real host and plugin
# (rdap: false, maxReferrals: 0: the registry's answer alone, no referral followed and no
# name looked up). Every file's expires, registrar, created and registrantOrganization are
# asserted exactly (a key the expected file leaves out must be absent from the result),
# and its name servers when it lists them, so one format that stops parsing fails here.
# The same replay on real third-party answers: whois_corpus.sh (PG_WHOIS_CORPUS).
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin whois
private_plugin_dir whois
F="$PG_SRCDIR/tests/fixtures/whois/formats"
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
EXTRA_CLEANUP=netenrich_stop

python3 - "$F" "$T" <<'PY' || fail "formats config"
import json, os, sys
f, t = sys.argv[1:3]
names = sorted(os.listdir(os.path.join(f, "expected")))
assert sorted(os.listdir(os.path.join(f, "whois"))) == names, "an answer for each expected file"
json.dump({"fixtures": os.path.join(f, "whois"), "log": t + "/whois.log",
           "servers": {"registry": {"answers": {n: n for n in names}}}}, open(t + "/whois.json", "w"))
assets = [{"name": n, "target": n, "manifest": {"name": n, "target": n, "domain": n},
           "findings": [{"rule": "port-unapproved-open", "action": "fail", "severity": "high",
                         "asset": n, "target": n, "ip": "127.0.0.1", "port": 443,
                         "protocol": "tcp", "fingerprint": "%016x" % i}]}
          for i, n in enumerate(names)]
json.dump({"run": {"id": "run_whois_formats"}, "assets": assets}, open(t + "/r.json", "w"))
PY
whois_start "$T/whois.json"
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrich: {timeoutMs: 8000, concurrency: 4}
enrichers:
  whois: {plugin: whois, rdap: false, server: "127.0.0.1:$(whois_port registry)", maxReferrals: 0,
          lookupTimeoutMs: 3000, paceMs: 0, maxInflightPerServer: 4, cacheSeconds: 0}
YAML
"$DRIVER" enrich "$T/portgate.yaml" "$T/r.json" --skip-cache >"$T/o.json" 2>"$T/e" \
	|| fail "enrich: $(cat "$T/e")"
python3 - "$F" "$T/o.json" "$T/whois.log" >"$T/result" 2>&1 <<'PY' || fail "formats: $(cat "$T/result")"
import json, os, sys
f, out, log = sys.argv[1:4]
E = {a["name"]: a["findings"][0]["enrichment"]["whois"] for a in json.load(open(out))["assets"]}
asked = sorted(l.split("\t")[1] for l in open(log).read().splitlines())
assert asked == sorted(E), "each domain asked once, as itself: %s" % asked
KEYS = ("expires", "registrar", "created", "registrantOrganization")
bad, values = [], 0
for name in sorted(E):
    want = json.load(open(os.path.join(f, "expected", name)))
    assert want.get("format"), "%s: expected file names its format" % name
    got = E[name]
    for k in KEYS + (("nameservers",) if "nameservers" in want else ()):
        if got.get(k) != want.get(k):
            bad.append("%s (%s): %s %r, expected %r" % (name, want["format"], k, got.get(k),
                                                       want.get(k)))
        elif k in want:
            values += 1
summary = "%d answers, %d values matched, %d wrong" % (len(E), values, len(bad))
print(summary)
for b in bad:
    print("  " + b)
assert len(E) >= 37 and not bad, summary
PY
cat "$T/result"
echo ok
