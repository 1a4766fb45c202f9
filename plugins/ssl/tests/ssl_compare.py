#!/usr/bin/env python3
"""ssl_compare.py DIR CASES - the ssl agreement test's verdict table.

Reads DIR/ev.json (portgate check with the ssl enricher), DIR/sslscan.NAME.xml
and DIR/testssl.NAME.json; prints one row per case and verdict with what each
tool says, and exits 1 when portgate disagrees with a reference.
Verdicts: weak key, weak signature, expiring (< 30 days) with the day count,
chain incomplete, and each of TLS 1.0 / 1.1 / 1.2 / 1.3 accepted.
sslscan does not judge trust chains or expiry windows; those rows compare
with testssl.sh only (sslscan's notAfter is still checked against the days).
"""
import json
import re
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

VERSIONS = [("TLSv1.0", "1.0", "TLS1"), ("TLSv1.1", "1.1", "TLS1_1"),
            ("TLSv1.2", "1.2", "TLS1_2"), ("TLSv1.3", "1.3", "TLS1_3")]


def portgate(ev, port):
    asset = ev["assets"][0]
    rules = {f["rule"] for f in asset["findings"] if f.get("port") == port}
    enr = asset["findings"][0]["enrichment"]["ssl"]
    p = next(x for x in enr["ports"] if x["port"] == port)
    v = {"weak key": "tls-weak-key" in rules, "weak signature": "tls-weak-signature" in rules,
         "expiring": "tls-expiring-soon" in rules, "days": p["daysRemaining"],
         "chain incomplete": "tls-chain-incomplete" in rules}
    for name, _, _ in VERSIONS:
        v[name] = p["protocols"][name]
    assert ("tls-legacy-protocol" in rules) == (v["TLSv1.0"] or v["TLSv1.1"]), rules
    return v


def sslscan(path):
    root = ET.parse(path).getroot()
    v = {}
    for name, num, _ in VERSIONS:
        el = root.find(".//protocol[@type='tls'][@version='%s']" % num)
        v[name] = el is not None and el.get("enabled") == "1"
    pk = root.find(".//certificate/pk")
    bits = int(pk.get("bits"))
    v["weak key"] = (bits < 2048) if pk.get("type") in ("RSA", "DSA") else bits < 256
    sig = root.find(".//certificate/signature-algorithm").text.strip().lower()
    v["weak signature"] = sig.startswith(("sha1", "md5"))
    after = root.find(".//certificate/not-valid-after").text.strip()
    end = datetime.strptime(re.sub(r"\s+", " ", after), "%b %d %H:%M:%S %Y GMT")
    left = end.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)
    v["days"] = left.days
    v["expiring"] = left.days < 30
    return v


def testssl(path):
    rows = {x["id"]: x for x in json.load(open(path))}
    v = {}
    for name, _, tid in VERSIONS:
        v[name] = rows[tid]["finding"].startswith("offered")
    v["weak key"] = rows["cert_keySize"]["severity"] not in ("OK", "INFO")
    v["weak signature"] = re.match(r"(SHA1|MD5)\b", rows["cert_signatureAlgorithm"]["finding"]) \
        is not None
    exp = rows["cert_expirationStatus"]["finding"]
    m = re.match(r"expires < 30 days \((\d+)\)", exp) or re.match(r"(\d+) >= \d+ days", exp)
    v["days"] = int(m.group(1)) if m else None
    v["expiring"] = exp.startswith(("expires < 30", "expired"))
    v["chain incomplete"] = "chain incomplete" in rows["cert_chain_of_trust"]["finding"]
    return v


def main():
    d, cases = sys.argv[1], sys.argv[2]
    ev = json.load(open(d + "/ev.json"))
    bad = 0
    keys = ["weak key", "weak signature", "expiring", "days", "chain incomplete"] + \
        [n for n, _, _ in VERSIONS]
    print("| case | verdict | portgate | sslscan | testssl.sh |")
    print("|---|---|---|---|---|")
    for line in cases.splitlines():
        name, port = line.split()[:2]
        pg = portgate(ev, int(port))
        ss = sslscan("%s/sslscan.%s.xml" % (d, name))
        ts = testssl("%s/testssl.%s.json" % (d, name))
        for k in keys:
            s = ss.get(k, "-")
            ok = pg[k] == ts[k] and (s == "-" or s == pg[k] or k == "days" and abs(s - pg[k]) <= 1)
            bad += not ok
            print("| %s | %s | %s | %s | %s |%s" % (name, k, pg[k], s, ts[k],
                                                    "" if ok else "  <-- DIFFERS"))
    return 1 if bad else 0


sys.exit(main())
