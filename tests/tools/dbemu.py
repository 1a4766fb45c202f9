#!/usr/bin/env python3
"""Emulators of the data stores Debian does not ship, for the probe's tests.

usage: dbemu.py PORTFILE SPEC...
SPEC is KIND@HOST:PORT with PORT 0 for a free port. KIND is one of
  mongo          MongoDB 7.0 (wire version 21): OP_MSG hello / isMaster, and the legacy
                 OP_QUERY admin.$cmd isMaster
  mongo-legacy   MongoDB 3.4 (wire version 5): OP_QUERY isMaster only; closes on OP_MSG
                 (opcode 2013 appeared in 3.6)
  es             Elasticsearch 8.11.3: GET / answers the root document (no security)
  es-auth        Elasticsearch with security on: GET / without credentials is a 401
  opensearch     OpenSearch 2.11.1: GET / answers the root document
Written from the protocol documents: the MongoDB wire protocol (message header,
OP_MSG, OP_QUERY, OP_REPLY), the BSON specification (bsonspec.org), and the
Elasticsearch / OpenSearch REST root endpoint. Each answers only a valid request
and closes the connection on anything else, as mongod does on a bad header, so a
probe can name it only by sending the right thing. The chosen ports are written to
PORTFILE, one per line in SPEC order, once every socket listens. Runs until killed.
"""
import json
import os
import socket
import struct
import sys
import threading

OP_REPLY, OP_QUERY, OP_MSG = 1, 2004, 2013
MAX_MESSAGE = 48000000


# ---- BSON (the subset the answers and the requests use) ----

def bson_encode(doc):
    out = b""
    for key, val in doc.items():
        name = key.encode() + b"\0"
        if isinstance(val, bool):
            out += b"\x08" + name + (b"\x01" if val else b"\x00")
        elif isinstance(val, int):
            out += b"\x10" + name + struct.pack("<i", val)
        elif isinstance(val, float):
            out += b"\x01" + name + struct.pack("<d", val)
        elif isinstance(val, str):
            raw = val.encode() + b"\0"
            out += b"\x02" + name + struct.pack("<i", len(raw)) + raw
        elif isinstance(val, dict):
            out += b"\x03" + name + bson_encode(val)
        else:
            raise TypeError(key)
    return struct.pack("<i", len(out) + 5) + out + b"\0"


def bson_decode(raw):
    """Top-level fields of a BSON document; ValueError when it is malformed."""
    if len(raw) < 5:
        raise ValueError("short document")
    size = struct.unpack_from("<i", raw)[0]
    if size != len(raw) or raw[-1] != 0:
        raise ValueError("bad document length")
    fields, i = {}, 4
    while raw[i] != 0:
        kind = raw[i]
        end = raw.index(b"\0", i + 1)
        name = raw[i + 1:end].decode()
        i = end + 1
        if kind == 0x10:
            fields[name] = struct.unpack_from("<i", raw, i)[0]
            i += 4
        elif kind == 0x01:
            fields[name] = struct.unpack_from("<d", raw, i)[0]
            i += 8
        elif kind == 0x08:
            fields[name] = raw[i] == 1
            i += 1
        elif kind == 0x02:
            n = struct.unpack_from("<i", raw, i)[0]
            fields[name] = raw[i + 4:i + 4 + n - 1].decode()
            i += 4 + n
        else:
            raise ValueError("type %#x not expected in a handshake" % kind)
        if i >= len(raw):
            raise ValueError("field runs past the document")
    return fields


# ---- MongoDB ----

def hello_reply(wire, legacy_names):
    doc = {"ismaster" if legacy_names else "isWritablePrimary": True,
           "maxBsonObjectSize": 16777216, "maxMessageSizeBytes": MAX_MESSAGE,
           "maxWriteBatchSize": 100000, "logicalSessionTimeoutMinutes": 30,
           "connectionId": 1, "minWireVersion": 0, "maxWireVersion": wire,
           "readOnly": False, "ok": 1.0}
    return bson_encode(doc)


def read_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def mongo_answer(kind, req_id, op, body):
    """The reply to one message, or None to hang up."""
    wire = 5 if kind == "mongo-legacy" else 21
    if op == OP_MSG and kind == "mongo":
        flags, section = struct.unpack_from("<IB", body)
        if flags & ~0x3 or section != 0:
            return None
        cmd = bson_decode(body[5:])
        first = next(iter(cmd), "")
        if first not in ("hello", "isMaster", "ismaster") or cmd.get("$db") != "admin":
            return None
        payload = struct.pack("<IB", 0, 0) + hello_reply(wire, first != "hello")
        reply_op = OP_MSG
    elif op == OP_QUERY:
        end = body.index(b"\0", 4)
        if body[4:end] != b"admin.$cmd":
            return None
        cmd = bson_decode(body[end + 9:])
        if next(iter(cmd), "") not in ("isMaster", "ismaster"):
            return None
        payload = struct.pack("<iqii", 0, 0, 0, 1) + hello_reply(wire, True)
        reply_op = OP_REPLY
    else:
        return None
    return struct.pack("<iiii", 16 + len(payload), 1, req_id, reply_op) + payload


def mongo(conn, kind):
    while True:
        head = read_exact(conn, 16)
        length, req_id, _resp_to, op = struct.unpack("<iiii", head)
        if length < 21 or length > MAX_MESSAGE:
            return
        try:
            reply = mongo_answer(kind, req_id, op, read_exact(conn, length - 16))
        except (ValueError, IndexError, struct.error, UnicodeDecodeError):
            reply = None
        if reply is None:
            return
        conn.sendall(reply)


# ---- Elasticsearch / OpenSearch ----

ROOTS = {
    "es": {"name": "node-1", "cluster_name": "portgate-test", "cluster_uuid": "Yd7bKq3aQ1mZ2z0rW4b9xg",
           "version": {"number": "8.11.3", "build_flavor": "default", "build_type": "deb",
                       "lucene_version": "9.8.0", "minimum_wire_compatibility_version": "7.17.0"},
           "tagline": "You Know, for Search"},
    "opensearch": {"name": "node-1", "cluster_name": "portgate-test",
                   "cluster_uuid": "Yd7bKq3aQ1mZ2z0rW4b9xg",
                   "version": {"distribution": "opensearch", "number": "2.11.1",
                               "build_type": "deb", "lucene_version": "9.7.0"},
                   "tagline": "The OpenSearch Project: https://opensearch.org/"},
}
ES_401 = {"error": {"root_cause": [{"type": "security_exception",
                                    "reason": "missing authentication credentials for REST request [/]",
                                    "header": {"WWW-Authenticate": ["Basic realm=\"security\" charset=\"UTF-8\""]}}],
                    "type": "security_exception",
                    "reason": "missing authentication credentials for REST request [/]"},
          "status": 401}


def http_response(status, body, extra=b""):
    reason = {200: b"OK", 401: b"Unauthorized"}[status]
    return (b"HTTP/1.1 %d %s\r\n" % (status, reason) + extra +
            b"X-elastic-product: Elasticsearch\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n" % len(body) + body)


def search(conn, kind):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk or len(data) > 65536:
            return
        data += chunk
    line = data.split(b"\r\n", 1)[0].split(b" ")
    if len(line) != 3 or line[0] != b"GET" or not line[2].startswith(b"HTTP/1."):
        return  # only a valid HTTP request gets an answer
    if kind == "es-auth":
        conn.sendall(http_response(401, json.dumps(ES_401).encode(),
                                   b"WWW-Authenticate: Basic realm=\"security\" charset=\"UTF-8\"\r\n"))
    elif line[1] == b"/":
        resp = http_response(200, json.dumps(ROOTS[kind], indent=2).encode())
        if kind == "opensearch":  # OpenSearch does not send Elastic's product header
            resp = resp.replace(b"X-elastic-product: Elasticsearch\r\n", b"")
        conn.sendall(resp)


def handle(conn, kind):
    try:
        conn.settimeout(10)
        if kind.startswith("mongo"):
            mongo(conn, kind)
        else:
            search(conn, kind)
    except (OSError, ConnectionError):
        pass
    finally:
        conn.close()


def serve(sock, kind):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=handle, args=(conn, kind), daemon=True).start()


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    socks = []
    for spec in sys.argv[2:]:
        kind, addr = spec.split("@", 1)
        if kind not in ("mongo", "mongo-legacy", "es", "es-auth", "opensearch"):
            raise SystemExit("unknown kind " + kind)
        host, port = addr.rsplit(":", 1)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
        s.listen(64)
        socks.append((s, kind))
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        for s, _ in socks:
            f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, sys.argv[1])
    for s, kind in socks[1:]:
        threading.Thread(target=serve, args=(s, kind), daemon=True).start()
    serve(*socks[0])


if __name__ == "__main__":
    main()
