#!/bin/sh
# The whois enricher on real registry answers with a maintained parser's expected values:
# python-whois' test/samples (https://github.com/richardpenman/whois, measured at commit
# 3c050db: 66 answers, 47 expiry dates, 50 registrars). The corpus is third-party data and is
# not shipped: point PG_WHOIS_CORPUS at a directory laid out like its test/samples (whois/NAME,
# expected/NAME, optionally disputed.json); without it this test SKIPs. The formats it found
# broken have portgate's own fixtures in test_whois_parse. Each answer is served for its domain by
# tests/tools/whois_server.py on loopback and read through the real host and plugin
# (rdap: false, maxReferrals: 0: the registry's answer alone, no referral followed, so no
# name in a real answer is ever looked up). At least 45 of the 47 expiry dates and every
# registrar the corpus names must match (disputed.json: the three where portgate keeps what
# the answer says), and each file's own value is asserted, so one format that breaks fails.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin whois
private_plugin_dir whois
C=${PG_WHOIS_CORPUS:-}
[ -n "$C" ] && [ -d "$C/whois" ] && [ -d "$C/expected" ] \
	|| pg_skip "PG_WHOIS_CORPUS is not set to a python-whois test/samples directory"
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
EXTRA_CLEANUP=netenrich_stop

whois_replay "$C" run_whois_corpus
python3 - "$C" "$T/whois_results.json" >"$T/result" 2>&1 <<'PY' || fail "corpus: $(cat "$T/result")"
import datetime, json, os, sys
c, out = sys.argv[1:3]
E = json.load(open(out))
dp = os.path.join(c, "disputed.json")
disputed = json.load(open(dp))["registrar"] if os.path.exists(dp) else {}
exp_ok, exp_n, reg_ok, reg_n, bad = 0, 0, 0, 0, []
for name in sorted(E):
    want = json.load(open(os.path.join(c, "expected", name)))
    got = E[name]
    if want.get("expiration_date"):
        exp_n += 1
        # the corpus' calendar date in its own offset (it drops some formats' time)
        w = datetime.datetime.fromisoformat(want["expiration_date"])
        g = got.get("expires")
        g = g and datetime.datetime.fromisoformat(g.replace("Z", "+00:00")).astimezone(w.tzinfo)
        if g and g.date() == w.date():
            exp_ok += 1
        else:
            bad.append("%s: expires %s, corpus %s" % (name, got.get("expires"), w))
    if want.get("registrar"):
        reg_n += 1
        w = disputed[name]["portgate"] if name in disputed else want["registrar"]
        if name in disputed:
            assert disputed[name]["corpus"] == want["registrar"], name
        if got.get("registrar") == w:
            reg_ok += 1
        else:
            bad.append("%s: registrar %r, expected %r" % (name, got.get("registrar"), w))
summary = "expiry %d/%d, registrar %d/%d (%d disputed: portgate's value)" % (
    exp_ok, exp_n, reg_ok, reg_n, len(disputed))
print(summary)
for b in bad:
    print("  " + b)
assert exp_n == 47 and reg_n == 50, summary
assert exp_ok >= 45 and reg_ok == reg_n, summary
# every file, not just the count: a format that stops parsing fails here
assert not bad, summary
PY
cat "$T/result"
echo ok
