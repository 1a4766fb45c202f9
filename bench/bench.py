#!/usr/bin/env python3
"""bench.py - scenario generator, ground-truth checker and table for `make bench`.

  bench.py gen SCENARIO DIR [--hosts N] [--seed S]
      Write DIR/truth.json, listen.txt (ADDR PORT per open port), filter.rules
      (iptables-restore input for the targets namespace), targets.txt,
      ports.txt (port spec for --ports / nmap -p) and manifest.yaml.
  bench.py check TRUTH FORMAT FILE
      FORMAT: pg-scan (portgate scan JSON), pg-evidence (portgate check --out),
      nmap (nmap -oX). Prints "PCT MISMATCHES SAMPLE": the share of
      (host, port) pairs whose state equals the ground truth.
  bench.py table RESULTS_TSV
      Median wall time, peak RSS, correctness and the issue-5 ratios.

Scenarios (issue 5): 1 = one host, ports 1-65535, 50 open, no delay;
2 = one host, ports 1-10000, 100 open, 1000 filtered, RTT 40 ms;
3 = 200 hosts x 10 common ports, ~2 open per host, 10% hosts filtered, RTT 20 ms;
4 = 10,000 hosts x 3 ports (memory/scaling; --hosts for the scaling series).
All addresses are in 10.100.0.0/16, which only exists inside the bench's
namespaces. Generation is deterministic for a given seed.
"""
import ipaddress
import json
import random
import statistics
import sys
import xml.etree.ElementTree as ET

COMMON10 = [21, 22, 25, 53, 80, 110, 143, 443, 3306, 8080]


def host(i):
    """i-th target address: 10.100.1.1 .. 10.100.1.250, 10.100.2.1, ..."""
    return "10.100.%d.%d" % (1 + i // 250, 1 + i % 250)


def ranges(ports):
    """[1,2,3,7] -> "1-3,7"."""
    out, ports = [], sorted(ports)
    i = 0
    while i < len(ports):
        j = i
        while j + 1 < len(ports) and ports[j + 1] == ports[j] + 1:
            j += 1
        out.append(str(ports[i]) if i == j else "%d-%d" % (ports[i], ports[j]))
        i = j + 1
    return ",".join(out)


def scenario(num, rnd, nhosts=None):
    """Return (ports, delay_ms, {addr: {"open": [...], "filtered": [...]}}, filtered_hosts)."""
    hosts, fhosts = {}, []
    if num == 1:
        ports = list(range(1, 65536))
        hosts[host(0)] = {"open": sorted(rnd.sample(ports, 50)), "filtered": []}
        return ports, 0, hosts, fhosts
    if num == 2:
        ports = list(range(1, 10001))
        pick = rnd.sample(ports, 1100)
        hosts[host(0)] = {"open": sorted(pick[:100]), "filtered": sorted(pick[100:])}
        return ports, 40, hosts, fhosts
    if num == 3:
        nh = nhosts or 200
        for i in range(nh):
            hosts[host(i)] = {"open": sorted(rnd.sample(COMMON10, rnd.randint(1, 3))), "filtered": []}
        fhosts = sorted(rnd.sample(list(hosts), nh // 10), key=ipaddress.IPv4Address)
        return COMMON10, 20, hosts, fhosts
    if num == 4:
        nh = nhosts or 10000
        ports = [22, 80, 443]
        for i in range(nh):
            hosts[host(i)] = {"open": sorted(p for p in ports if rnd.random() < 0.3), "filtered": []}
        return ports, 0, hosts, fhosts
    raise SystemExit("unknown scenario %r" % num)


def filter_rules(hosts, fhosts):
    lines = ["*filter"]
    for h in fhosts:
        lines.append("-A INPUT -p tcp -d %s -j DROP" % h)
    for h, st in hosts.items():
        f = st["filtered"]
        for k in range(0, len(f), 15):  # multiport takes at most 15 ports
            lines.append("-A INPUT -p tcp -d %s -m multiport --dports %s -j DROP"
                         % (h, ",".join(map(str, f[k:k + 15]))))
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def manifest(hosts, ports):
    out = ["version: 1", "assets:"]
    spec = ", ".join(map(str, ports)) if len(ports) <= 20 else ranges(ports)
    for h, st in hosts.items():
        out.append("  - target: %s" % h)
        out.append("    approvedPorts: [%s]" % ", ".join(map(str, st["open"])))
        out.append("    ports: [%s]" % spec if len(ports) <= 20 else '    ports: "%s"' % spec)
    return "\n".join(out) + "\n"


def cmd_gen(args):
    num, d = int(args[0]), args[1]
    opts = dict(zip(args[2::2], args[3::2]))
    rnd = random.Random(int(opts.get("--seed", "5")))
    nh = int(opts["--hosts"]) if "--hosts" in opts else None
    ports, delay, hosts, fhosts = scenario(num, rnd, nh)
    truth = {"scenario": num, "ports": ports, "delay_ms": delay, "hosts": hosts,
             "filtered_hosts": fhosts}
    with open(d + "/truth.json", "w") as f:
        json.dump(truth, f)
    with open(d + "/listen.txt", "w") as f:
        for h, st in hosts.items():
            for p in st["open"]:
                f.write("%s %d\n" % (h, p))
    with open(d + "/filter.rules", "w") as f:
        f.write(filter_rules(hosts, fhosts))
    with open(d + "/targets.txt", "w") as f:
        f.write("\n".join(hosts) + "\n")
    with open(d + "/ports.txt", "w") as f:
        f.write(ranges(ports) + "\n")
    with open(d + "/manifest.yaml", "w") as f:
        f.write(manifest(hosts, ports))
    return 0


def expected(truth):
    fh = set(truth["filtered_hosts"])
    exp = {}
    for h, st in truth["hosts"].items():
        op, fp = set(st["open"]), set(st["filtered"])
        for p in truth["ports"]:
            if h in fh or p in fp:
                exp[(h, p)] = "filtered"
            else:
                exp[(h, p)] = "open" if p in op else "closed"
    return exp


def parse_ports_spec(spec):
    out = []
    for item in spec.split(","):
        if "-" in item:
            a, b = item.split("-")
            out.extend(range(int(a), int(b) + 1))
        elif item:
            out.append(int(item))
    return out


def got_nmap(path):
    got = {}
    root = ET.parse(path).getroot()
    for h in root.iter("host"):
        addr = h.find("address").get("addr")
        ports = h.find("ports")
        if ports is None:
            continue
        for ex in ports.iter("extraports"):
            for er in ex.iter("extrareasons"):
                for p in parse_ports_spec(er.get("ports", "")):
                    got[(addr, p)] = ex.get("state")
        for p in ports.iter("port"):
            got[(addr, int(p.get("portid")))] = p.find("state").get("state")
    return got


def scan_objects(doc):
    """Every object that looks like a /v1-port-scanner result (has ip + ports)."""
    if isinstance(doc, dict):
        ports = doc.get("ports")
        if (isinstance(ports, list) and ("ip" in doc or "target" in doc)
                and all(isinstance(p, dict) and "port" in p for p in ports)):
            yield doc  # not an asset's "manifest" block, whose ports are numbers
        else:
            for v in doc.values():
                yield from scan_objects(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from scan_objects(v)


def got_portgate(path):
    got = {}
    with open(path) as f:
        text = f.read()
    dec, i, docs = json.JSONDecoder(), 0, []
    while i < len(text):  # one document, or several (NDJSON / one per target)
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        obj, i = dec.raw_decode(text, i)
        docs.append(obj)
    for s in scan_objects(docs):
        addr = s.get("ip") or s.get("target")
        for p in s["ports"]:
            got[(addr, int(p["port"]))] = p.get("state")
    return got


def cmd_check(args):
    truth_path, fmt, path = args
    with open(truth_path) as f:
        truth = json.load(f)
    exp = expected(truth)
    try:
        got = got_nmap(path) if fmt == "nmap" else got_portgate(path)
    except (OSError, ValueError, ET.ParseError, KeyError, TypeError, AttributeError) as e:
        print("0.000 %d unparsable:%s" % (len(exp), type(e).__name__))
        return 0
    bad = [(k, v, got.get(k)) for k, v in exp.items() if got.get(k) != v]
    sample = ";".join("%s:%d=%s(want %s)" % (k[0], k[1], g, v) for k, v, g in bad[:3]) or "-"
    print("%.3f %d %s" % (100.0 * (len(exp) - len(bad)) / len(exp), len(bad), sample))
    return 0


TARGETS = {  # scenario: (baseline tool, max ratio, max RSS MiB or None)
    "1": ("nmap-T4", 0.8, 16),
    "2": ("nmap-T4-mr5000", 0.5, None),
    "3": ("nmap-T4-mr5000", 0.5, None),
    "4": (None, None, 64),
}
TOOLS = ["portgate", "portgate-check", "nmap", "nmap-T4", "nmap-T4-mr5000"]


def cmd_table(args):
    rows = {}
    with open(args[0]) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            scen, tool, _run, wall, rss, pct = line.split("\t")[:6]
            w = float(wall) if float(wall) >= 0 else float("inf")  # -1 = timed out
            rows.setdefault((scen, tool), []).append((w, int(rss), float(pct)))
    med = {k: statistics.median(w for w, _, _ in v) for k, v in rows.items()}
    hdr = "%-5s %-15s %4s %9s %9s %12s %9s %9s  %s" % (
        "scen", "tool", "runs", "median_s", "rss_MiB", "correct", "x_nmapT4", "x_mr5000", "target")
    print(hdr)
    print("-" * len(hdr))
    for scen in sorted({s for s, _ in rows}):
        for tool in TOOLS + sorted({t for s, t in rows if s == scen} - set(TOOLS)):
            v = rows.get((scen, tool))
            if not v:
                continue
            rss = max(r for _, r, _ in v) / 1024.0
            ok = sum(1 for _, _, p in v if p >= 100.0)
            corr = "%d/%d %.1f%%" % (ok, len(v), min(p for _, _, p in v))
            r4 = med[(scen, tool)] / med[(scen, "nmap-T4")] if (scen, "nmap-T4") in med else None
            r5 = (med[(scen, tool)] / med[(scen, "nmap-T4-mr5000")]
                  if (scen, "nmap-T4-mr5000") in med else None)
            verdict = ""
            if tool.startswith("portgate"):
                verdict = target_verdict(scen.split("-")[0], r4, r5, rss, ok == len(v))
            print("%-5s %-15s %4d %9.3f %9.1f %12s %9s %9s  %s" % (
                scen, tool, len(v), med[(scen, tool)], rss, corr,
                "%.2f" % r4 if r4 else "-", "%.2f" % r5 if r5 else "-", verdict))
    return 0


def target_verdict(scen, r4, r5, rss, all_ok):
    if scen not in TARGETS:
        return ""
    base, maxr, maxrss = TARGETS[scen]
    parts = ["correct " + ("PASS" if all_ok else "FAIL")]
    if base:
        r = r4 if base == "nmap-T4" else r5
        fast = all_ok and r is not None and r <= maxr  # a wrong answer is never fast enough
        parts.append("time<=%.1fx %s" % (maxr, "PASS" if fast else "FAIL"))
    if maxrss:
        parts.append("rss<%dMiB %s" % (maxrss, "PASS" if rss < maxrss else "FAIL"))
    return ", ".join(parts)


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("gen", "check", "table"):
        sys.stderr.write(__doc__)
        return 2
    return {"gen": cmd_gen, "check": cmd_check, "table": cmd_table}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
