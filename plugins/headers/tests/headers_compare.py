#!/usr/bin/env python3
"""headers_compare.py DIR CASES - the headers agreement test's table.

DIR/ev.json holds `portgate check` with the headers enricher (site 80+443 of
each asset), DIR/obs.NAME.json the Observatory CLI's output for NAME.obs.test.
Prints, per case, each test's result id from both, then score and grade;
exits 1 on any difference (result, pass, modifier, score, grade).
"""
import json
import sys


def main():
    d, cases = sys.argv[1], sys.argv[2].split()
    ev = json.load(open(d + "/ev.json"))
    sites = {}
    for a in ev["assets"]:
        f = a["findings"][0]["enrichment"]["headers"]
        sites[a["name"]] = f["sites"][0]
    bad = 0
    print("| case | test | portgate | Observatory |")
    print("|---|---|---|---|")
    for c in cases:
        obs = json.load(open("%s/obs.%s.json" % (d, c)))
        pg = sites[c]
        if "error" in obs or "error" in pg:
            same = obs.get("error") is not None and pg.get("error") is not None
            bad += not same
            print("| %s | (scan) | %s | %s |%s" % (c, pg.get("error"), obs.get("error"),
                                                   "" if same else "  <-- DIFFERS"))
            continue
        for name, t in sorted(obs["tests"].items()):
            p = pg["tests"][name]
            same = (p["result"], p["pass"], p["scoreModifier"]) == \
                (t["result"], t["pass"], t["scoreModifier"])
            bad += not same
            print("| %s | %s | %s (%+d) | %s (%+d) |%s" % (
                c, name, p["result"], p["scoreModifier"], t["result"], t["scoreModifier"],
                "" if same else "  <-- DIFFERS pass %s/%s" % (p["pass"], t["pass"])))
        same = (pg["score"], pg["grade"]) == (obs["scan"]["score"], obs["scan"]["grade"])
        bad += not same
        print("| %s | **score, grade** | **%s %s** | **%s %s** |%s" % (
            c, pg["score"], pg["grade"], obs["scan"]["score"], obs["scan"]["grade"],
            "" if same else "  <-- DIFFERS"))
    return 1 if bad else 0


sys.exit(main())
