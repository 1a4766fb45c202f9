#!/usr/bin/env python3
"""Check an HTML report as a browser saw it (tests/e2e/report_html.sh).

usage: html_report.py EVIDENCE REPORT DOM SCREENSHOT
EVIDENCE is the run's evidence JSON, REPORT the file portgate wrote, DOM what
`chromium --dump-dom` printed for it, SCREENSHOT chromium's PNG of it. Checks that
the browser built no script, image or event handler from the evidence's text; that
every failed finding of the evidence is there with its packet, in the order of
action then criticality; that the hostile banners are text; that nothing refers to
a resource over the network; that the chart drew each asset's port states; and that
the screenshot is the page drawn (its size, not one blank colour). Prints
"ok: ..." per check, "FAIL: ..." per failure; exits 1 when any failed.
"""
import json
import re
import struct
import sys
import zlib
from html.parser import HTMLParser

EVIDENCE, REPORT, DOM, SHOT = sys.argv[1:5]
FAILS = 0


def check(cond, what):
    global FAILS
    print(("ok: " if cond else "FAIL: ") + what)
    FAILS += 0 if cond else 1


class Dom(HTMLParser):
    """Elements, attributes, and each <details> as its summary text and dt/dd pairs."""

    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.details, self.text = [], [], [], []
        self.cur = None  # the open <details>: {"open", "summary", "fields"}
        self.where = None  # "summary", "dt" or "dd" while inside one
        self.dt = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        if tag == "details":
            self.cur = {"open": any(k == "open" for k, _ in attrs), "summary": "",
                        "fields": {}}
        elif tag in ("summary", "dt", "dd") and self.cur is not None:
            self.where = tag
            if tag == "dd":
                self.cur["fields"][self.dt] = ""

    def handle_endtag(self, tag):
        if tag == "details" and self.cur is not None:
            self.details.append(self.cur)
            self.cur = None
        if tag == self.where:
            self.where = None

    def handle_data(self, data):
        self.text.append(data)
        if self.where == "summary":
            self.cur["summary"] += data
        elif self.where == "dt":
            self.dt = data
        elif self.where == "dd":
            self.cur["fields"][self.dt] += data


def png_facts(path):
    """(width, height, distinct colours in the top rows) of an 8-bit RGB(A) PNG: the top
    holds the verdict, the summary and the chart; decoding stops there (pure Python)."""
    data = open(path, "rb").read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    bpp = {2: 3, 6: 4}.get(ctype)
    if depth != 8 or bpp is None or interlace:
        return w, h, None
    raw, stride, prev, colours = zlib.decompress(idat), w * bpp, bytearray(w * bpp), set()
    for y in range(min(h, 480)):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 8 == 0:
            colours.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp))
        prev = line
    return w, h, len(colours)


def main():
    ev = json.load(open(EVIDENCE))
    page = open(REPORT, encoding="utf-8").read()
    dom = Dom()
    dom.feed(open(DOM, encoding="utf-8").read())
    text = "".join(dom.text)

    check("script" not in dom.tags, "the browser built no <script> element")
    check("img" not in dom.tags, "no <img> element either")
    handlers = [(t, k) for t, k, _ in dom.attrs if k.startswith("on")]
    check(not handlers, "no element has an event handler attribute (%s)" % handlers)
    check("<script>alert(1)</script>" in text, "the banner <script>alert(1)</script> is text")
    check('"><img src=x onerror=alert(2)>' in text, 'the banner "><img src=x onerror=...> is text')

    remote = re.findall(r"""(?:src|href|xlink:href|action)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    remote += re.findall(r"""url\(|@import""", page, re.I)
    check(not remote, "the file refers to no resource over the network (%s)" % remote)
    urls = [v for _, k, v in dom.attrs if k in ("src", "href") and re.match(r"\s*(https?:)?//", v)]
    check(not urls, "nor does the page the browser built (%s)" % urls)

    failed = [(a["name"], f) for a in ev["assets"] for f in a.get("findings", []) if f["action"] == "fail"]
    listed = [f for a in ev["assets"] for f in a.get("findings", [])]
    check(len(failed) >= 3, "the run failed findings to show (%d)" % len(failed))
    check(len(dom.details) == len(listed), "one <details> per listed finding (%d of %d)"
          % (len(dom.details), len(listed)))
    for name, f in failed:
        hit = [d for d in dom.details if d["fields"].get("Fingerprint") == f["fingerprint"]
               and d["fields"].get("Asset", "").startswith(name + " ")]
        ok = len(hit) == 1 and hit[0]["open"] and f["reason"] in hit[0]["summary"] \
            and f["rule"] in hit[0]["summary"] and f["reason"] in hit[0]["fields"].get("Policy", "")
        check(ok, "failed finding %s %s on %s: open, with its rule, reason and packet"
              % (f["rule"], f["fingerprint"], name))
    packets = [d for d in dom.details if d["summary"].strip().lower().startswith("fail")]
    check(all(set(("Asset", "Exposed", "Policy", "Evidence", "Fingerprint")) <= set(d["fields"])
              for d in packets), "each failure's packet has Asset, Exposed, Policy, Evidence, Fingerprint")
    rank = {"fail": 0, "warn": 1, "pass": 2}
    crit = {a["name"]: a.get("manifest", {}).get("criticality") for a in ev["assets"]}
    crank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    keys = []
    for d in dom.details:
        action = d["summary"].split()[0].lower()
        asset = d["fields"]["Asset"].split(" ")[0]
        keys.append((rank.get(action, 3), crank.get(crit.get(asset), 4)))
    check(keys == sorted(keys), "findings sorted by action, then criticality (%s)" % keys)

    bars = [v for t, k, v in dom.attrs if t == "rect" and k == "fill"]
    check("svg" in dom.tags and len(bars) >= 4 + 2 + len(ev["assets"]),
          "the chart drew the legend and each asset's bars (%d rects)" % len(bars))
    for a in ev["assets"]:
        check(a["name"] in text, "asset %s is shown" % a["name"])

    w, h, colours = png_facts(SHOT)
    check((w, h) == (1280, 2000), "the screenshot is the window size asked (%dx%d)" % (w, h))
    check(colours is None or colours >= 8, "the screenshot is the page drawn (%s colours)" % colours)
    sys.exit(1 if FAILS else 0)


main()
