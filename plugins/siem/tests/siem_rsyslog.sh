#!/bin/sh
# siem: the same findings over UDP (CEF), TCP with octet counting (ECS JSON)
# and TLS (RFC 5424 structured data) to a real rsyslog started here on
# loopback with its own config, work dir and pid file; rsyslog writes each
# message as JSON (%jsonmesg%) and the test parses it back field by field,
# including the escaping of a banner holding | = ] quotes, a newline and the
# probe's \xff for an invalid UTF-8 byte. A TLS collector with a certificate
# for another name is refused.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
. "$PG_SRCDIR/tests/e2e/lib/notifiers.sh"
. "$PG_SRCDIR/tests/e2e/lib/tls.sh"
need_plugin siem
command -v rsyslogd >/dev/null 2>&1 || pg_skip "rsyslogd not installed"
[ -n "$(find /usr/lib -name lmnsd_ossl.so 2>/dev/null)" ] || pg_skip "rsyslog-openssl not installed"
private_plugin_dir siem
write_notify_report "$T/report.json"
mkdir -p "$T/pki" "$T/rs/work"
tls_make_pki "$T/pki" >/dev/null 2>&1 || fail "test PKI"
set -- $(python3 -c '
import socket
ss = [socket.socket(socket.AF_INET, t) for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM, socket.SOCK_STREAM)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
UDP=$1 TCP=$2 TLS=$3
cat >"$T/rs/rsyslog.conf" <<CONF
global(workDirectory="$T/rs/work" maxMessageSize="64k"
       defaultNetstreamDriverCAFile="$T/pki/ca.pem"
       defaultNetstreamDriverCertFile="$T/pki/valid.pem"
       defaultNetstreamDriverKeyFile="$T/pki/valid.key")
module(load="imudp")
module(load="imtcp" maxSessions="50")
template(name="j" type="string" string="%jsonmesg%\n")
ruleset(name="udp") { action(type="omfile" file="$T/rs/udp.log" template="j") }
ruleset(name="tcp") { action(type="omfile" file="$T/rs/tcp.log" template="j") }
ruleset(name="tls") { action(type="omfile" file="$T/rs/tls.log" template="j") }
input(type="imudp" address="127.0.0.1" port="$UDP" ruleset="udp")
input(type="imtcp" address="127.0.0.1" port="$TCP" ruleset="tcp")
input(type="imtcp" address="127.0.0.1" port="$TLS" ruleset="tls" streamDriver.name="ossl"
      streamDriver.mode="1" streamDriver.authMode="anon")
CONF
rsyslogd -n -f "$T/rs/rsyslog.conf" -i "$T/rs/rsyslogd.pid" >"$T/rs/out" 2>&1 &
API_PIDS="$API_PIDS $!"
i=0
until python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$TLS" 2>/dev/null; do
	i=$((i + 1)); [ $i -le 100 ] || fail "rsyslogd did not start: $(cat "$T/rs/out")"
	sleep 0.1
done

cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
notify: { on: [warn, fail], retries: 0, evidenceUrl: "https://ci.example/e" }
notifiers:
  soc-udp: { plugin: siem, transport: udp, host: 127.0.0.1, port: $UDP, format: cef }
  soc-tcp: { plugin: siem, transport: tcp, host: 127.0.0.1, port: $TCP, format: ecs }
  soc-tls: { plugin: siem, transport: tls, host: localhost, port: $TLS, format: rfc5424, caFile: "$T/pki/ca.pem", timeoutMs: 5000 }
YAML
left=$("$DRIVER" notify "$T/portgate.yaml" "$T/report.json" 2>"$T/run.err") || fail "driver: $(cat "$T/run.err")"
[ "$left" = 0 ] || fail "$left left: $(cat "$T/run.err")"
for f in udp tcp tls; do
	i=0
	while [ "$(cat "$T/rs/$f.log" 2>/dev/null | wc -l)" -lt 3 ]; do
		i=$((i + 1)); [ $i -le 100 ] || { cp -r "$T/rs" /tmp/nf/rs; fail "$f: rsyslog wrote $(cat "$T/rs/$f.log" 2>/dev/null | wc -l) of 3"; }
		sleep 0.1
	done
done


python3 -c '
import json, sys
L = {n: [json.loads(l) for l in open(sys.argv[1] + "/" + n + ".log")] for n in ("udp", "tcp", "tls")}
for n, ev in L.items():
    assert len(ev) == 3, (n, ev)
    fps = [e["structured-data"].split("fingerprint=\"")[1][:16] for e in ev]
    assert sorted(fps) == ["aaaa000011112222", "bbbb000011112222", "cccc000011112222"], (n, fps)
    for e in ev:
        assert e["app-name"] == "portgate", e
by = lambda n, fp: [e for e in L[n] if fp in e["structured-data"]][0]
# PRI: facility 10 (authpriv); high -> err(3), medium -> warning(4), low -> notice(5)
assert [by("udp", f)["pri"] for f in ("aaaa", "bbbb", "cccc")] == ["83", "84", "85"], L["udp"]
assert by("udp", "aaaa")["msgid"] == "port-unapproved-open", by("udp", "aaaa")
# CEF: header escapes | and \\, extension escapes = \\ and newlines
cef = by("udp", "aaaa")["msg"]
assert cef.startswith("CEF:0|portgate|portgate|1.0.0|port-unapproved-open|[FAIL] pay-api: port 2222/tcp is open but not in approvedPorts|8|rt="), cef
assert " dhost=pay.example dst=127.0.0.1 dpt=2222 proto=TCP act=fail externalId=aaaa000011112222 " in cef, cef
assert " cs6Label=banner cs6=SSH-2.0-x|a\\=b]c\"d\\\\x5c | line2\\\\xff cn1Label=asn cn1=64501 " in cef, cef
assert " cs3Label=owner cs3=payments cs4Label=environment cs4=production cs5Label=evidenceUrl cs5=https://ci.example/e" in cef, cef
cef2 = by("udp", "bbbb")["msg"]
assert "|[FAIL] pay-stage: weird = reason ] with newline and é|5|" in cef2, cef2
assert " msg=weird \\= reason ] with\\nnewline and é " in cef2, cef2
# ECS over TCP (octet counting: the JSON arrives whole)
e = json.loads(by("tcp", "bbbb")["msg"])
assert e["event"]["kind"] == "alert" and e["event"]["category"] == ["network"], e
assert e["destination"] == {"domain": "pay-stage.example", "ip": "127.0.0.2", "port": 8080}, e
assert e["rule"] == {"id": "port-unapproved-open", "name": "port-unapproved-open", "ruleset": "portgate"}, e
assert e["event"]["reason"] == "weird = reason ] with\nnewline\tand é", e
assert e["labels"]["fingerprint"] == "bbbb000011112222" and e["network"] == {"transport": "tcp"}, e
a = json.loads(by("tcp", "aaaa")["msg"])
assert a["destination"]["as"] == {"number": 64501, "organization": {"name": "Rogue \"Net\" | Ltd"}}, a
assert a["labels"]["banner"] == "SSH-2.0-x|a=b]c\"d\\x5c | line2\\xff", a
assert a["event"]["url"] == "https://ci.example/e" and a["observer"]["product"] == "portgate", a
# RFC 5424 SD over TLS: " \\ ] escaped in PARAM-VALUE
sd = by("tls", "aaaa")["structured-data"]
assert sd.startswith("[portgate@32473 fingerprint=\"aaaa000011112222\" key=\""), sd
assert " banner=\"SSH-2.0-x|a=b\\]c\\\"d\\\\x5c | line2\\\\xff\"" in sd, sd
assert " owner=\"payments\" environment=\"production\"" in sd, sd
assert by("tls", "aaaa")["msg"] == "[FAIL] pay-api: port 2222/tcp is open but not in approvedPorts", by("tls", "aaaa")
' "$T/rs" || fail "rsyslog fields"

# The investigation packet: CEF over TCP to rsyslog and ECS over HEC carry every
# aspect of a finding that has all of them (CEF as portgate<Label> extension
# keys and cn1 the ASN, ECS as portgate.message.<Label>, destination.as/geo);
# the hostile 200 KB registry name is one escaped line, bounded.
python3 "$PG_SRCDIR/tests/tools/packet_fixture.py" "$T/packet.json"
export CI_JOB_URL="https://ci.example/job/42" PG_HEC_TOKEN="hec-token-7"
start_api phec hec --token-env PG_HEC_TOKEN
cat >"$T/packet.yaml" <<YAML
stateDir: $T/state-packet
pluginDirs: [$T/plugins]
notify: { retries: 0, evidenceUrl: "\${CI_JOB_URL}/artifacts/evidence.json" }
notifiers:
  soc-cef: { plugin: siem, transport: tcp, host: 127.0.0.1, port: $TCP, format: cef }
  soc-hec: { plugin: siem, transport: hec, url: "http://127.0.0.1:$(api_port phec)", tokenEnv: PG_HEC_TOKEN }
YAML
left=$("$DRIVER" notify "$T/packet.yaml" "$T/packet.json" 2>"$T/packet.err") || fail "packet: $(cat "$T/packet.err")"
[ "$left" = 0 ] || fail "packet: $left left: $(cat "$T/packet.err")"
i=0
while [ "$(grep -c eeee000011112222 "$T/rs/tcp.log" 2>/dev/null)" -lt 1 ]; do
	i=$((i + 1)); [ $i -le 100 ] || fail "packet: rsyslog did not write the CEF events"
	sleep 0.1
done
python3 - "$T/rs/tcp.log" "$T/phec.log" "$PG_SRCDIR/tests/tools" <<'PY' || fail "packet in CEF/ECS"
import json, re, sys
sys.path.insert(0, sys.argv[3])
from packet_fixture import WANT, HOSTILE_LINE, one_line_bounded
ev = [json.loads(l) for l in open(sys.argv[1])]
def cef(fp):
    [m] = [e["msg"] for e in ev if fp in e["structured-data"]]
    ext = m.split("|", 7)[7]
    out = {}
    for k, v in re.findall(r"(?:^| )([A-Za-z0-9]+)=((?:[^\\=]|\\.)*?)(?= [A-Za-z0-9]+=|$)", ext):
        out[k] = re.sub(r"\\(.)", lambda x: {"n": "\n", "r": "\r"}.get(x.group(1), x.group(1)), v)
    return m, out
m, x = cef("dddd000011112222")
key = lambda label: "portgate" + "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", label))
for label, value in WANT:
    if label not in ("Evidence", "Fingerprint"):
        assert x.get(key(label)) == value, (label, x.get(key(label)), value)
assert x["cn1Label"] == "asn" and x["cn1"] == "64501", x
assert x["cs5"] == dict(WANT)["Evidence"] and x["externalId"] == dict(WANT)["Fingerprint"], x
m, x = cef("eeee000011112222")
reg = x["portgateRegistration"]
assert reg.startswith(HOSTILE_LINE) and one_line_bounded(reg, 363), reg[:200]
assert "| a\\=b " in m and "\n" not in m, m[:600]
hec = [e for r in (json.loads(l) for l in open(sys.argv[2])) for e in r["events"]]
[shop] = [e["event"] for e in hec if e["event"]["labels"]["fingerprint"] == "dddd000011112222"]
[evil] = [e["event"] for e in hec if e["event"]["labels"]["fingerprint"] == "eeee000011112222"]
lines = shop["portgate"]["message"]
for label, value in WANT:
    if label not in ("Evidence", "Fingerprint"):
        assert lines.get(label) == value, (label, lines.get(label), value)
assert shop["destination"]["as"] == {"number": 64501, "organization": {"name": "OTHER-NET"}}, shop
assert shop["destination"]["geo"] == {"country_iso_code": "NL"}, shop
assert shop["event"]["url"] == dict(WANT)["Evidence"], shop["event"]
assert shop["message"].splitlines() == ["%s: %s" % kv for kv in WANT], shop["message"]
reg = evil["portgate"]["message"]["Registration"]
assert reg.startswith(HOSTILE_LINE) and one_line_bounded(reg, 363), reg[:200]
PY

# A collector whose certificate names another host: refused, kept in the outbox.
cat >"$T/bad.yaml" <<YAML
stateDir: $T/state-bad
pluginDirs: [$T/plugins]
notify: { retries: 0 }
notifiers:
  soc: { plugin: siem, transport: tls, host: 127.0.0.1, serverName: wrong.example, port: $TLS, caFile: "$T/pki/ca.pem", timeoutMs: 3000 }
YAML
left=$("$DRIVER" notify "$T/bad.yaml" "$T/report.json" 2>"$T/bad.err") || true
[ "$left" = 1 ] || fail "wrong-name TLS collector accepted: $(cat "$T/bad.err")"
grep -q "not trusted" "$T/bad.err" || fail "no TLS error: $(cat "$T/bad.err")"

# Splunk HEC: token from the environment, batches of batchSize events per request.
export PG_HEC_TOKEN="hec-token-7"
start_api hec hec --token-env PG_HEC_TOKEN
cat >"$T/hec.yaml" <<YAML
stateDir: $T/state-hec
pluginDirs: [$T/plugins]
notify: { on: [warn, fail], retries: 0 }
notifiers:
  hec: { plugin: siem, transport: hec, url: "http://127.0.0.1:$(api_port hec)", tokenEnv: PG_HEC_TOKEN, index: sec, batchSize: 2 }
YAML
left=$("$DRIVER" notify "$T/hec.yaml" "$T/report.json" 2>"$T/hec.err") || fail "hec: $(cat "$T/hec.err")"
[ "$left" = 0 ] || fail "hec: $left left: $(cat "$T/hec.err")"
if grep -q hec-token-7 "$T/hec.err"; then fail "HEC token in the log"; fi
pylog '
L.sort(key=lambda e: e["n"])  # arrival order: a receiver thread may log the next request first
assert [len(e["events"]) for e in L] == [2, 1], L
for e in L:
    assert e["headers"]["authorization"] == "Splunk hec-token-7" and e["answer"] == 200, e
ev = [x for e in L for x in e["events"]]
assert [x["event"]["labels"]["fingerprint"] for x in ev] == ["aaaa000011112222", "bbbb000011112222", "cccc000011112222"]
assert all(x["index"] == "sec" and x["sourcetype"] == "_json" and x["source"] == "portgate" for x in ev), ev
' "$T/hec.log" || fail "hec batches"

# HEC down for the whole run: kept in the outbox, delivered once when it is back.
stop_api hec
: >"$T/hec.log"
left=$("$DRIVER" notify "$T/hec.yaml" "$T/report.json" 2>"$T/hec2.err") || true
[ "$left" = 1 ] || fail "hec down: expected 1 kept, got '$left'"
start_api hec hec --token-env PG_HEC_TOKEN --port "$(cat "$T/hec.port")"
"$PG_BIN" outbox flush --config "$T/hec.yaml" >/dev/null 2>"$T/f1.err" || fail "outbox flush: $(cat "$T/f1.err")"
"$PG_BIN" outbox flush --config "$T/hec.yaml" >/dev/null 2>"$T/f2.err" || fail "second outbox flush: $(cat "$T/f2.err")"
# Each finding arrives exactly once, in batches of at most batchSize (which entry goes
# in which batch depends on which claims the flushes got first).
pylog '
fp = sorted(x["event"]["labels"]["fingerprint"] for e in L for x in e["events"])
assert fp == ["aaaa000011112222", "bbbb000011112222", "cccc000011112222"], L
assert all(1 <= len(e["events"]) <= 2 for e in L), L
' "$T/hec.log" || fail "hec redelivery"

# A token longer than any fixed header buffer (4 KiB) reaches HEC whole.
PG_HEC_LONG=$(python3 -c 'print("L" * 4000 + "-end")')
export PG_HEC_LONG
start_api heclong hec --token-env PG_HEC_LONG
sed -e "s/PG_HEC_TOKEN/PG_HEC_LONG/" -e "s/$(api_port hec)/$(api_port heclong)/" \
	-e "s|state-hec|state-heclong|" "$T/hec.yaml" >"$T/heclong.yaml"
left=$("$DRIVER" notify "$T/heclong.yaml" "$T/report.json" 2>"$T/heclong.err") || true
[ "$left" = 0 ] || fail "hec long token: $left left: $(cat "$T/heclong.err")"
if grep -q LLLLLLLL "$T/heclong.err"; then fail "long HEC token in the log"; fi
pylog '
assert L and all(e["answer"] == 200 for e in L), [(e["answer"], len(e["headers"]["authorization"])) for e in L]
assert all(e["headers"]["authorization"].endswith("L-end") and len(e["headers"]["authorization"]) == 7 + 4004 for e in L), L[0]["headers"]
' "$T/heclong.log" || fail "hec long token: $(cat "$T/heclong.err")"
stop_api heclong

# A TLS collector that accepts and never answers the handshake: bounded by timeoutMs.
start_listener
cat >"$T/hang.yaml" <<YAML
stateDir: $T/state-hang
pluginDirs: [$T/plugins]
notify: { retries: 0 }
notifiers:
  soc: { plugin: siem, transport: tls, host: 127.0.0.1, port: $(cat "$T/lport"), caFile: "$T/pki/ca.pem", timeoutMs: 800 }
YAML
s0=$(date +%s%N)
left=$("$DRIVER" notify "$T/hang.yaml" "$T/report.json" 2>"$T/hang.err") || true
ms=$(( ($(date +%s%N) - s0) / 1000000 ))
[ "$left" = 1 ] || fail "hung collector: expected 1 kept, got '$left'"
[ "$ms" -lt 3000 ] || fail "hung collector took ${ms} ms with timeoutMs 800"
grep -q "timed out" "$T/hang.err" || fail "no timeout reported: $(cat "$T/hang.err")"
echo ok
