#!/usr/bin/env python3
"""Port by port: portgate's and nmap's states against a ground truth.

usage: nmap_compare.py TRUTH PG_JSON NMAP_XML [tcp|udp]
TRUTH has "port state reason" lines. Only ports of the given protocol (default
tcp) count; nmap's open|filtered is portgate's filtered (UDP: no answer).
Prints one line per port and exits 1 on any disagreement.
"""
import json
import sys
import xml.etree.ElementTree as ET


def portgate(path, proto):
    doc = json.load(open(path))
    scan = doc[0] if isinstance(doc, list) else doc.get("scan", doc)
    if "ports" not in scan and "assets" in doc:
        scan = doc["assets"][0]["scan"]
    return {p["port"]: (p["state"], p.get("reason", "")) for p in scan["ports"]
            if p.get("protocol", "tcp") == proto}


def nmap(path, proto):
    got = {}
    for port in ET.parse(path).getroot().iter("port"):
        if port.get("protocol") != proto:
            continue
        st = port.find("state")
        state = "filtered" if st.get("state") == "open|filtered" else st.get("state")
        got[int(port.get("portid"))] = (state, st.get("reason"))
    return got


def main():
    truth_file, pg_file, nmap_file = sys.argv[1:4]
    proto = sys.argv[4] if len(sys.argv) > 4 else "tcp"
    truth = {}
    for line in open(truth_file):
        port, state, reason = line.split()
        truth[int(port)] = (state, reason)
    pg, nm = portgate(pg_file, proto), nmap(nmap_file, proto)
    bad = 0
    for port, (state, reason) in sorted(truth.items()):
        got = pg.get(port, ("missing", ""))
        nstate, nreason = nm.get(port, ("missing", ""))
        ok = got == (state, reason) and nstate == state
        print("%s %5d/%s truth=%-8s portgate=%s/%s nmap=%s/%s" % (
            "ok  " if ok else "FAIL", port, proto, state, got[0], got[1], nstate, nreason))
        bad += not ok
    if set(pg) != set(truth):
        print("FAIL portgate reported %s ports %s, asked for %s" % (proto, sorted(pg), sorted(truth)))
        bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
