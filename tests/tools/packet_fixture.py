#!/usr/bin/env python3
"""The investigation-packet report for the notifier e2e tests (docs/notify.md).

usage: packet_fixture.py REPORT.json   writes the report

Imported (sys.path has tests/tools): WANT, the lines every notifier must carry
for the "shop" finding, in order; HOSTILE, the start of the hostile registry
text the "evil" finding carries; one_line_bounded(text, limit) checks it.

"shop" has every aspect: the asset's manifest fields, its resolution (a CNAME
chain), and the five built-in enrichments as the plugins write them (whois,
ssl and headers with their own message lines) plus a CMDB enricher's on-call
line. "evil" carries a registrar of 200 KB holding newlines, a Markdown
heading, a link, an image and a team mention.
"""
import json
import sys

WANT = [
    ("Asset", "shop (shop.example), production, criticality high"),
    ("Exposed", "443/tcp on 127.0.0.1, service https, banner \"nginx\""),
    ("Owner", "payments; escalation: pay-oncall"),
    ("On-call", "Ann Example (+1 555 0100)"),
    ("DNS", "shop.example -> shop-lb.example -> edge.example -> 127.0.0.1"),
    ("Registration", "Reg Inc; registrant Shop Ltd; expires 2026-12-17 (11 days left)"),
    ("Network", "AS64501 OTHER-NET 127.0.0.0/8, NL; expected AS64500"),
    ("TLS", "443/tcp: untrusted (self-signed certificate), 20 days left, hostname does not "
            "match, accepts legacy TLSv1.0"),
    ("Headers", "443/tcp: grade F (score 0), failing: content-security-policy, "
                "strict-transport-security, x-frame-options"),
    ("Policy", "fail port-unapproved-open (high): port 443/tcp is open but not in approvedPorts"),
    ("Evidence", "https://ci.example/job/42/artifacts/evidence.json"),
    ("Fingerprint", "dddd000011112222"),
]

HOSTILE = ("Evil\n# Heading\r\n[click](https://evil.example) "
           "![img](https://evil.example/x.png) @org/team <b>x</b> *bold* | a=b "
           "[code]<img src=x onerror=alert(1)>[/code] ")
# the bytes a notifier's text starts with once the host made it one line
HOSTILE_LINE = HOSTILE.replace("\r", " ").replace("\n", " ")


def one_line_bounded(text, limit):
    """True when text is one line of at most limit characters."""
    return "\n" not in text and "\r" not in text and len(text) <= limit


def line(label, text):
    return {"label": label, "text": text}


def report():
    want = dict(WANT)
    shop = {
        "rule": "port-unapproved-open", "action": "fail", "severity": "high", "asset": "shop",
        "target": "shop.example", "ip": "127.0.0.1", "port": 443, "protocol": "tcp",
        "fingerprint": "dddd000011112222",
        "reason": "port 443/tcp is open but not in approvedPorts",
        "evidence": {"port": 443, "state": "open", "service": "https", "banner": "nginx"},
        "enrichment": {
            "cmdb": {"ci": "CI042", "message": [line("On-call", want["On-call"])]},
            "dns": {"name": "shop.example", "CNAME": ["edge.example"], "A": ["127.0.0.1"],
                    "AAAA": []},
            "ip": {"ip": "127.0.0.1", "asn": 64501, "asName": "OTHER-NET", "org": "OTHER-NET",
                   "prefix": "127.0.0.0/8", "country": "NL"},
            "whois": {"domain": "shop.example", "registrar": "Reg Inc",
                      "registrantOrganization": "Shop Ltd", "expires": "2026-12-17T00:00:00Z",
                      "daysUntilExpiry": 11,
                      "message": [line("Registration", want["Registration"])]},
            "ssl": {"target": "shop.example", "ports": [{"port": 443, "trusted": False}],
                    "message": [line("TLS", want["TLS"])]},
            "headers": {"target": "shop.example", "sites": [{"httpsPort": 443, "grade": "F"}],
                        "message": [line("Headers", want["Headers"])]}}}
    hostile = HOSTILE + "\u00e9" * (100 * 1024)  # 200 KB: 'é' is two bytes
    evil = {
        "rule": "domain-expiring-soon", "action": "fail", "severity": "medium",
        "asset": "evil", "target": "evil.example", "fingerprint": "eeee000011112222",
        "reason": "evil.example expires soon",
        "enrichment": {"whois": {"registrar": hostile,
                                 "message": [line("Registration", hostile)]}}}
    manifest = {"owner": "payments", "environment": "production", "criticality": "high",
                "escalation": ["pay-oncall"], "expectedNetwork": ["AS64500"]}
    return {
        "portgate": {"version": "0.1.0", "evidenceSchema": 1},
        "run": {"id": "run_packet_1", "manifest": "infra/exposure.yaml", "verdict": "fail",
                "exitCode": 1},
        "assets": [
            {"name": "shop", "target": "shop.example", "line": 3, "verdict": "fail",
             "manifest": manifest,
             "resolution": {"literal": False, "addresses": ["127.0.0.1"],
                            "cnames": ["shop-lb.example", "edge.example"]},
             "findings": [shop]},
            {"name": "evil", "target": "evil.example", "line": 9, "verdict": "fail",
             "manifest": dict(manifest, escalation=[], expectedNetwork=[]),
             "findings": [evil]}]}


if __name__ == "__main__":
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(report(), out)
