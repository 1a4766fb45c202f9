# tests/e2e/lib/notifiers.sh - helpers for the notifier e2e tests (webhook, siem, ticket).
# Sourced after plugin.sh. Receivers: tests/tools/apirecv.py, one per personality.
APIRECV="$PG_SRCDIR/tests/tools/apirecv.py"
API_PIDS=
notifiers_cleanup() {
	for _p in $API_PIDS; do kill "$_p" 2>/dev/null; wait "$_p" 2>/dev/null; done
	return 0
}
EXTRA_CLEANUP=notifiers_cleanup

# start_api NAME KIND ARGS...: receiver logging to $T/NAME.log, port in $T/NAME.port
start_api() {
	_n=$1; _k=$2; shift 2
	rm -f "$T/$_n.port"
	python3 "$APIRECV" --kind "$_k" --port-file "$T/$_n.port" --log "$T/$_n.log" \
		--max-seconds 300 "$@" &
	API_PIDS="$API_PIDS $!"
	eval "API_PID_$(echo "$_n" | tr -c 'A-Za-z0-9_\n' _)=$!"
	_i=0
	while [ ! -s "$T/$_n.port" ]; do
		_i=$((_i + 1)); [ $_i -le 100 ] || fail "receiver $_n did not start"
		sleep 0.05
	done
}
stop_api() {
	eval "_p=\$API_PID_$(echo "$1" | tr -c 'A-Za-z0-9_\n' _)"
	kill "$_p" 2>/dev/null || true
	wait "$_p" 2>/dev/null || true
}
api_port() { cat "$T/$1.port"; }

# The notifier test report: three assets with manifests (owner, environment,
# criticality, tags), fail findings, a warn, and a banner as the probe writes
# it for the bytes  SSH-2.0-x|a=b]c"d\\ CR LF line2 0xff  plus a reason
# holding a newline, a tab and a non-ASCII character.
write_notify_report() {
	cat >"$1" <<'JSON'
{"portgate": {"version": "0.1.0", "evidenceSchema": 1},
 "run": {"id": "run_notify_1", "manifest": "infra/exposure.yaml", "verdict": "fail", "exitCode": 1},
 "assets": [
  {"name": "pay-api", "target": "pay.example", "line": 7, "verdict": "fail",
   "manifest": {"owner": "payments", "environment": "production", "criticality": "high",
                "tags": ["pci", "edge"], "escalation": ["oncall-pay"], "expectedNetwork": ["AS64500"]},
   "findings": [
    {"rule": "port-unapproved-open", "action": "fail", "severity": "high", "asset": "pay-api",
     "target": "pay.example", "ip": "127.0.0.1", "port": 2222, "protocol": "tcp",
     "fingerprint": "aaaa000011112222",
     "reason": "port 2222/tcp is open but not in approvedPorts",
     "evidence": {"port": 2222, "state": "open", "service": "ssh",
                  "banner": "SSH-2.0-x|a=b]c\"d\\x5c | line2\\xff"},
     "enrichment": {"asn": {"asn": 64501, "asName": "Rogue \"Net\" | Ltd", "prefix": "127.0.0.0/8"}}}]},
  {"name": "pay-stage", "target": "pay-stage.example", "line": 15, "verdict": "fail",
   "manifest": {"owner": "payments", "environment": "staging", "criticality": "medium"},
   "findings": [
    {"rule": "port-unapproved-open", "action": "fail", "severity": "medium", "asset": "pay-stage",
     "target": "pay-stage.example", "ip": "127.0.0.2", "port": 8080, "protocol": "tcp",
     "fingerprint": "bbbb000011112222",
     "reason": "weird = reason ] with\nnewline\tand é"}]},
  {"name": "web", "target": "web.example", "line": 22, "verdict": "warn",
   "manifest": {"owner": "web", "environment": "production", "criticality": "low"},
   "findings": [
    {"rule": "port-approved-closed", "action": "warn", "severity": "low", "asset": "web",
     "target": "web.example", "ip": "127.0.0.3", "port": 443, "protocol": "tcp",
     "fingerprint": "cccc000011112222", "reason": "port 443/tcp is approved but closed"}]}]}
JSON
}

# jq-less JSON checks: py 'python code' FILE... runs with the log lines loaded as L.
pylog() {
	_code=$1; shift
	python3 -c "
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])] if sys.argv[1:] else []
$_code" "$@"
}
