#!/usr/bin/env python3
"""udp_emul.py - small UDP servers written from the protocol documents, for test_probe_udp.

Usage: udp_emul.py PORTFILE KIND...   (KIND: ssdp netbios mdns wsd coap ike ikenatt openvpn
quic sip). Binds one UDP socket per kind on 127.0.0.1 (free port), writes "KIND PORT" lines to
PORTFILE (atomically), then answers. Each emulator checks the request the way its document
defines a valid one and answers only that, so an answer proves portgate's request valid; a
rejected request is logged to stderr with the reason and gets no answer. Loopback only."""
import os
import re
import select
import socket
import struct
import sys


class Bad(Exception):
    pass


def need(cond, why):
    if not cond:
        raise Bad(why)


# --- SSDP: UPnP Device Architecture 2.0, 1.3.2 (M-SEARCH) and 1.3.3 (response) ---
def ssdp(req):
    text = req.decode("ascii")
    need(text.endswith("\r\n\r\n"), "no blank line")
    lines = text[:-4].split("\r\n")
    need(lines[0] == "M-SEARCH * HTTP/1.1", "request line %r" % lines[0])
    hdr = {}
    for line in lines[1:]:
        k, sep, v = line.partition(":")
        need(sep, "header %r" % line)
        hdr[k.strip().upper()] = v.strip()
    need(hdr.get("MAN") == '"ssdp:discover"', "MAN")
    need("HOST" in hdr and "ST" in hdr, "HOST/ST")
    need(hdr.get("MX", "1").isdigit(), "MX")
    return ("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\n"
            "LOCATION: http://127.0.0.1:49152/desc.xml\r\n"
            "SERVER: Linux/6.1 UPnP/2.0 PortgateTestDevice/1.4\r\n"
            "ST: upnp:rootdevice\r\nUSN: uuid:11111111-2222-3333-4444-555555555555::upnp:rootdevice\r\n"
            "\r\n").encode()


# --- DNS message helpers (RFC 1035 4.1) ---
def read_name(msg, off):
    labels = []
    while True:
        need(off < len(msg), "name past end")
        n = msg[off]
        off += 1
        if n == 0:
            return ".".join(labels), off
        need(n < 64, "compression in a query name")
        labels.append(msg[off:off + n].decode("latin-1"))
        off += n


def enc_name(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


# --- NetBIOS NBSTAT: RFC 1002 4.2.17 / 4.2.18 ---
def nb_encode(name16):
    return bytes(c for b in name16 for c in (0x41 + (b >> 4), 0x41 + (b & 15)))


def netbios(req):
    need(len(req) == 50, "length %d" % len(req))
    tid, flags, qd, an, ns, ar = struct.unpack(">6H", req[:12])
    need(flags & 0xF800 == 0 and qd == 1 and an == ns == ar == 0, "header")
    need(req[12] == 32, "name length")
    need(req[13:45] == nb_encode(b"*" + b"\0" * 15), "not the wildcard name")
    need(req[45] == 0 and struct.unpack(">HH", req[46:50]) == (0x21, 1), "type/class")
    names = [(b"PGTEST".ljust(15), 0x00, 0x0400), (b"PGTEST".ljust(15), 0x20, 0x0400),
             (b"WORKGROUP".ljust(15), 0x00, 0x8400)]
    rdata = bytes([len(names)]) + b"".join(n + bytes([s]) + struct.pack(">H", f)
                                           for n, s, f in names) + b"\0" * 46
    return (struct.pack(">6H", tid, 0x8400, 0, 1, 0, 0) + req[12:46] +
            struct.pack(">HHIH", 0x21, 1, 0, len(rdata)) + rdata)


# --- mDNS legacy unicast: RFC 6762 6.7, DNS-SD enumeration RFC 6763 9 ---
def mdns(req):
    tid, flags, qd, an, ns, ar = struct.unpack(">6H", req[:12])
    need(flags & 0x8000 == 0 and qd == 1 and an == 0, "header")
    name, off = read_name(req, 12)
    qtype, qclass = struct.unpack(">HH", req[off:off + 4])
    need(off + 4 == len(req), "trailing bytes")
    need(name.lower() == "_services._dns-sd._udp.local" and qtype == 12 and qclass & 0x7FFF == 1,
         "question %s %d %d" % (name, qtype, qclass))
    q = req[12:off + 4]
    answers = b""
    for svc in ("_http._tcp.local", "_ssh._tcp.local"):
        rd = enc_name(svc)
        # the owner name compressed: a pointer to the question at offset 12
        answers += b"\xc0\x0c" + struct.pack(">HHIH", 12, 1, 10, len(rd)) + rd
    return struct.pack(">6H", tid, 0x8400, 1, 2, 0, 0) + q + answers


# --- WS-Discovery 2005/04 Probe / ProbeMatches ---
WSD_NS = "http://schemas.xmlsoap.org/ws/2005/04/discovery"


def wsd(req):
    import xml.etree.ElementTree as ET
    root = ET.fromstring(req)
    soap = "{http://www.w3.org/2003/05/soap-envelope}"
    wsa = "{http://schemas.xmlsoap.org/ws/2004/08/addressing}"
    need(root.tag == soap + "Envelope", "not a SOAP 1.2 envelope")
    head, body = root.find(soap + "Header"), root.find(soap + "Body")
    need(head is not None and body is not None, "header/body")
    need(head.findtext(wsa + "Action") == WSD_NS + "/Probe", "Action")
    need(head.findtext(wsa + "To") == "urn:schemas-xmlsoap-org:ws:2005:04:discovery", "To")
    mid = head.findtext(wsa + "MessageID") or ""
    need(re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", mid),
         "MessageID %r" % mid)
    need(body.find("{%s}Probe" % WSD_NS) is not None, "no Probe")
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" '
            'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
            'xmlns:d="%s" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">'
            '<SOAP-ENV:Header><wsa:MessageID>urn:uuid:aaaaaaaa-0000-4000-8000-000000000001</wsa:MessageID>'
            '<wsa:RelatesTo>%s</wsa:RelatesTo>'
            '<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>'
            '<wsa:Action>%s/ProbeMatches</wsa:Action></SOAP-ENV:Header>'
            '<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>'
            '<wsa:EndpointReference><wsa:Address>urn:uuid:bbbbbbbb-0000-4000-8000-000000000002'
            '</wsa:Address></wsa:EndpointReference>'
            '<d:Types>dn:NetworkVideoTransmitter</d:Types>'
            '<d:XAddrs>http://127.0.0.1/onvif/device_service</d:XAddrs>'
            '<d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches>'
            '</SOAP-ENV:Body></SOAP-ENV:Envelope>' % (WSD_NS, mid, WSD_NS)).encode()


# --- CoAP: RFC 7252 3, 3.1, 5.2.1; link format RFC 6690 ---
def coap_opts(data, off):
    num, opts = 0, []
    while off < len(data):
        b = data[off]
        off += 1
        if b == 0xFF:
            need(off < len(data), "payload marker without payload")
            return opts, data[off:]
        vals = []
        for nib in (b >> 4, b & 15):
            need(nib != 15, "reserved nibble")
            if nib == 13:
                nib, off = 13 + data[off], off + 1
            elif nib == 14:
                nib, off = 269 + struct.unpack(">H", data[off:off + 2])[0], off + 2
            vals.append(nib)
        num += vals[0]
        opts.append((num, data[off:off + vals[1]]))
        need(len(data) >= off + vals[1], "option past end")
        off += vals[1]
    return opts, b""


def coap(req):
    ver, typ, tkl = req[0] >> 6, (req[0] >> 4) & 3, req[0] & 15
    need(ver == 1 and typ == 0 and tkl <= 8, "header %02x" % req[0])
    need(req[1] == 0x01, "not GET")
    mid, token = req[2:4], req[4:4 + tkl]
    opts, payload = coap_opts(req, 4 + tkl)
    path = [v.decode() for n, v in opts if n == 11]
    need(path == [".well-known", "core"], "path %r" % path)
    links = b'</sensors/temp>;rt="temperature-c";if="sensor",</sensors/light>;if="sensor",</fw>;ct=0,</x>'
    return (bytes([0x60 | tkl, 0x45]) + mid + token + bytes([0xC1, 40]) + b"\xff" + links)


# --- IKEv2: RFC 7296 3.1-3.4, 3.9, 3.10 ---
def ike_payloads(msg):
    spi_i, spi_r, nxt, ver, xchg, flags, mid, length = struct.unpack(">8s8sBBBBII", msg[:28])
    need(spi_i != b"\0" * 8 and spi_r == b"\0" * 8, "SPIs")
    need(ver == 0x20 and xchg == 34 and flags == 0x08 and mid == 0, "header")
    need(length == len(msg), "length %d != %d" % (length, len(msg)))
    off, seen = 28, {}
    while nxt:
        n2, crit, plen = struct.unpack(">BBH", msg[off:off + 4])
        need(plen >= 4 and off + plen <= len(msg), "payload length")
        seen[nxt] = msg[off + 4:off + plen]
        nxt, off = n2, off + plen
    need(off == len(msg), "trailing bytes")
    return spi_i, seen


def ike_sa_groups(sa):
    last, _, plen, num, proto, spisz, nx = struct.unpack(">BBHBBBB", sa[:8])
    need(last == 0 and plen == len(sa) and proto == 1 and spisz == 0, "proposal")
    off, kinds, groups = 8, set(), []
    for i in range(nx):
        tl, _, tlen, ttype, _, tid = struct.unpack(">BBHBBH", sa[off:off + 8])
        need(tl == (0 if i == nx - 1 else 3), "transform last flag")
        if ttype == 1 and tid == 12:
            need(sa[off + 8:off + 12] == b"\x80\x0e\x00\x80", "AES key length attribute")
        kinds.add(ttype)
        if ttype == 4:
            groups.append(tid)
        off += tlen
    need(off == len(sa) and kinds == {1, 2, 3, 4}, "transform set")
    return groups


def ike_core(req):
    spi_i, p = ike_payloads(req)
    need(set(p) == {33, 34, 40}, "payloads %r" % sorted(p))
    groups = ike_sa_groups(p[33])
    grp = struct.unpack(">H", p[34][:2])[0]
    need(grp in groups and grp == 14 and len(p[34]) == 4 + 256, "KE")
    need(16 <= len(p[40]) <= 256, "nonce length")
    # answer like a responder that wants another group (RFC 7296 1.2): INVALID_KE_PAYLOAD
    notify = struct.pack(">BBHBBH", 0, 0, 10, 0, 0, 17) + struct.pack(">H", 19)
    hdr = struct.pack(">8s8sBBBBII", spi_i, b"\0" * 8, 41, 0x20, 34, 0x20, 0, 28 + len(notify))
    return hdr + notify


def ike(req):
    return ike_core(req)


def ikenatt(req):
    need(req[:4] == b"\0\0\0\0", "no non-ESP marker")
    return b"\0\0\0\0" + ike_core(req[4:])


# --- OpenVPN: P_CONTROL_HARD_RESET_CLIENT_V2 (no tls-auth) ---
def openvpn(req):
    need(len(req) == 14, "length %d" % len(req))
    need(req[0] == (7 << 3), "opcode/key id %02x" % req[0])
    sid, acks, pid = req[1:9], req[9], struct.unpack(">I", req[10:14])[0]
    need(acks == 0 and pid == 0, "ack/packet-id")
    return bytes([8 << 3]) + b"SERVERID" + b"\x01" + struct.pack(">I", 0) + sid + struct.pack(">I", 0)


# --- QUIC: RFC 8999 5.1, RFC 9000 6, 14.1, 17.2.1 ---
def quic(req):
    need(len(req) >= 1200, "datagram of %d bytes (< 1200)" % len(req))
    need(req[0] & 0xC0 == 0xC0, "not a long header")
    ver = struct.unpack(">I", req[1:5])[0]
    need(ver not in (1, 0x6B3343CF) and ver != 0, "a supported version")
    dl = req[5]
    dcid = req[6:6 + dl]
    sl = req[6 + dl]
    scid = req[7 + dl:7 + dl + sl]
    need(8 <= dl <= 20 and sl <= 20, "connection id lengths")
    return (bytes([0x80 | 0x2A]) + b"\0\0\0\0" + bytes([sl]) + scid + bytes([dl]) + dcid +
            struct.pack(">III", 0x0A1A2A3A, 1, 0x6B3343CF))


# --- SIP: RFC 3261 8.1.1, 8.2.6, 11.2 ---
def sip(req):
    text = req.decode("utf-8")
    need(text.endswith("\r\n\r\n"), "no blank line")
    lines = text[:-4].split("\r\n")
    m = re.fullmatch(r"OPTIONS (sips?:\S+) SIP/2\.0", lines[0])
    need(m, "request line %r" % lines[0])
    hdr = {}
    for line in lines[1:]:
        k, sep, v = line.partition(":")
        need(sep, "header %r" % line)
        hdr.setdefault(k.strip().lower(), v.strip())
    for k in ("via", "max-forwards", "from", "to", "call-id", "cseq"):
        need(k in hdr, "missing %s" % k)
    need(re.match(r"SIP/2\.0/UDP \S+;branch=z9hG4bK", hdr["via"]), "Via/branch")
    need(hdr["cseq"].split()[1] == "OPTIONS", "CSeq method")
    need(hdr["max-forwards"].isdigit(), "Max-Forwards")
    need(";tag=" in hdr["from"], "From tag")
    return ("SIP/2.0 200 OK\r\nVia: %s;received=127.0.0.1\r\nFrom: %s\r\nTo: %s;tag=emul\r\n"
            "Call-ID: %s\r\nCSeq: %s\r\nAllow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\n"
            "Server: PortgateTestPBX 2.3\r\nContent-Length: 0\r\n\r\n" %
            (hdr["via"], hdr["from"], hdr["to"], hdr["call-id"], hdr["cseq"])).encode()


HANDLERS = {"ssdp": ssdp, "netbios": netbios, "mdns": mdns, "wsd": wsd, "coap": coap, "ike": ike,
            "ikenatt": ikenatt, "openvpn": openvpn, "quic": quic, "sip": sip}


def main():
    portfile, kinds = sys.argv[1], sys.argv[2:]
    socks = {}
    for k in kinds:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        socks[s] = k
    with open(portfile + ".tmp", "w") as f:
        for s, k in socks.items():
            f.write("%s %d\n" % (k, s.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    while True:
        ready, _, _ = select.select(list(socks), [], [])
        for s in ready:
            data, peer = s.recvfrom(65535)
            try:
                s.sendto(HANDLERS[socks[s]](data), peer)
            except Exception as e:  # Bad, or a parse error: the request was not valid
                print("udp_emul: %s: rejected: %s" % (socks[s], e), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
