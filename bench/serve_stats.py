#!/usr/bin/env python3
"""serve_stats.py - the numbers of bench/serve.sh.

  wrk FILE NAME                          one line "NAME req/s p50 p99 non2xx" from wrk --latency
  scan BIN PORTS RUNS CONC NAME          run `portgate scan` RUNS times, CONC at once: the same line
  table RESULTS CONNS RSS SECS RUNS      the markdown table with ratios against scan per request
"""
import re
import subprocess
import sys
import threading
import time


def ms(s):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(us|ms|s|m)", s)
    if not m:
        sys.exit("serve_stats: cannot read the latency '%s' of wrk" % s)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]


def wrk(path, name):
    t = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    dist = t[t.index("Latency Distribution"):]
    p50 = ms(re.search(r"\s50%\s+(\S+)", dist).group(1))
    p99 = ms(re.search(r"\s99%\s+(\S+)", dist).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    print("%s %.1f %.3f %.3f %s" % (name, rps, p50, p99, non2xx.group(1) if non2xx else 0))


def scan(binp, ports, runs, conc, name):
    lat, lock, left = [], threading.Lock(), [runs]

    def worker():
        while True:
            with lock:
                if not left[0]:
                    return
                left[0] -= 1
            t = time.monotonic()
            subprocess.run([binp, "scan", "--target", "127.0.0.1", "--ports", ports, "--compact"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            with lock:
                lat.append((time.monotonic() - t) * 1000)

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.monotonic() - t0
    lat.sort()
    print("%s %.1f %.3f %.3f 0" % (name, runs / wall, lat[len(lat) // 2],
                                   lat[min(len(lat) - 1, int(len(lat) * 0.99))]))


def table(results, conns, rss, secs, runs):
    rows = {l.split()[0]: l.split()[1:] for l in open(results)}
    print("portgate serve vs `portgate scan` per request: one target, 2 ports (1 open with an SSH banner, "
          "probed), loopback; %s s per wrk run, %s scan runs per reference; serve peak RSS %s KiB"
          % (secs, runs, rss))
    print()
    print("| clients | mode | req/s | p50 ms | p99 ms | non-2xx | req/s vs scan per request |")
    print("|---|---|---|---|---|---|---|")
    labels = {"cached": "serve, cached", "uncached": "serve, skipCache=true",
              "scan": "`portgate scan` per request"}
    for c in ("1", conns):
        ref = float(rows["scan-" + c][0])
        for mode in ("cached", "uncached", "scan"):
            r = rows[mode + "-" + c]
            print("| %s | %s | %s | %s | %s | %s | %.1fx |"
                  % (c, labels[mode], r[0], r[1], r[2], r[3], float(r[0]) / ref))


def main(a):
    if a[1] == "wrk":
        wrk(a[2], a[3])
    elif a[1] == "scan":
        scan(a[2], a[3], int(a[4]), int(a[5]), a[6])
    elif a[1] == "table":
        table(a[2], a[3], a[4], a[5], a[6])


if __name__ == "__main__":
    main(sys.argv)
