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
F="$PG_SRCDIR/tests/fixtures/whois/formats"
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
EXTRA_CLEANUP=netenrich_stop
private_plugin_dir whois
whois_replay "$F" run_whois_formats
python3 - "$F" "$T/whois_results.json" >"$T/result" 2>&1 <<'PY' || fail "formats: $(cat "$T/result")"
import json, os, sys
f, E = sys.argv[1], json.load(open(sys.argv[2]))
assert sorted(os.listdir(os.path.join(f, "whois"))) == sorted(E), "an expected file for each answer"
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
