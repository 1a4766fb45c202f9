#!/usr/bin/env python3
"""udp_responder.py PORTFILE FACTOR HOST PORT: a UDP service for the policy's UDP tests
(tests/e2e/udp_check.sh). It answers every datagram of n bytes with max(1, n * FACTOR) bytes
(at most 8192), from the port it received on, so FACTOR 1 is an echo and FACTOR 10 an amplifier
whose bandwidth amplification factor (answer / request payload bytes, US-CERT TA14-017A) is 10.
Writes the bound port to PORTFILE; ends by itself after 10 minutes (a test that dies without
killing it leaves nothing running)."""
import os, socket, sys, time

portfile, factor, host, port = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, port))
s.settimeout(0.5)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
deadline = time.monotonic() + 600
while time.monotonic() < deadline:
    try:
        data, peer = s.recvfrom(65535)
    except socket.timeout:
        continue
    n = min(8192, max(1, int(len(data) * factor)))
    s.sendto(b"A" * n, peer)
