#!/bin/sh
# check_basic: the decision matrix end to end against real listeners on loopback.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"

pg_listen web "http@127.0.0.1:0" "banner=SSH-2.0-OpenSSH_9.2p1 Debian@127.0.0.1:0"
web=$(pg_port web 1); admin=$(pg_port web 2); closed=$(pg_closed_port)

cat >"$PG_TMP/fail.yaml" <<YAML
version: 1
defaults:
  owner: platform-web
  environment: production
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: [$web, $closed]
    ports: [$web, $admin, $closed]
    criticality: high
    tags: [edge]
YAML
pg_expect_exit 1 "unapproved open port fails the check" \
	"$PG_BIN" check -m "$PG_TMP/fail.yaml" --out "$PG_TMP/ev.json" --no-probe
cp "$PG_TMP/out" "$PG_TMP/stdout"
ev="$PG_TMP/ev.json"
pg_assert_eq "run verdict" "$(pg_json "$ev" 'd["run"]["verdict"]')" "fail"
pg_assert_eq "run exit code recorded" "$(pg_json "$ev" 'd["run"]["exitCode"]')" "1"
pg_assert_eq "scan target" "$(pg_json "$ev" 'd["assets"][0]["scan"]["target"]')" "127.0.0.1"
pg_assert_eq "scan ip" "$(pg_json "$ev" 'd["assets"][0]["scan"]["ip"]')" "127.0.0.1"
pg_assert_eq "scanId shape" "$(pg_json "$ev" 'd["assets"][0]["scan"]["scanId"].startswith("scan_")')" "true"
pg_assert_eq "timestamp is ISO 8601 UTC" \
	"$(pg_json "$ev" '__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", d["assets"][0]["scan"]["timestamp"]) is not None')" "true"
pg_assert_eq "scanDurationMs is a number" "$(pg_json "$ev" 'isinstance(d["assets"][0]["scan"]["scanDurationMs"], int)')" "true"
pg_assert_eq "port states" \
	"$(pg_json "$ev" '" ".join("%d=%s" % (p["port"], p["state"]) for p in d["assets"][0]["scan"]["ports"])')" \
	"$(printf '%s\n' "$web=open" "$admin=open" "$closed=closed" | sort -t= -k1,1n | tr '\n' ' ' | sed 's/ $//')"
pg_assert_eq "summary" "$(pg_json "$ev" 'd["assets"][0]["scan"]["summary"]')" \
	'{"totalScanned": 3, "open": 2, "closed": 1, "filtered": 0, "error": 0}'
pg_assert_eq "every port has protocol and service" \
	"$(pg_json "$ev" 'all(p["protocol"] == "tcp" and isinstance(p["service"], str) for p in d["assets"][0]["scan"]["ports"])')" "true"
pg_assert_eq "findings" \
	"$(pg_json "$ev" '" ".join("%s:%s:%s" % (f["rule"], f.get("port"), f["action"]) for f in d["assets"][0]["findings"])')" \
	"$(if [ "$admin" -lt "$closed" ]; then echo "port-unapproved-open:$admin:fail port-approved-closed:$closed:warn"; else echo "port-approved-closed:$closed:warn port-unapproved-open:$admin:fail"; fi)"
pg_assert_eq "fingerprints are 16 hex chars" \
	"$(pg_json "$ev" 'all(len(f["fingerprint"]) == 16 and int(f["fingerprint"], 16) >= 0 for f in d["assets"][0]["findings"])')" "true"
pg_assert_eq "manifest fields kept in evidence" "$(pg_json "$ev" 'd["assets"][0]["manifest"]["owner"]')" "platform-web"
pg_assert_eq "asset line recorded" "$(pg_json "$ev" 'd["assets"][0]["line"]')" "6"
pg_assert_grep "terminal line per asset" "^FAIL  *app 127.0.0.1: 2 open, 1 closed, 0 filtered" "$PG_TMP/stdout"
pg_assert_grep "failing finding listed" "fail port-unapproved-open: port $admin/tcp is open" "$PG_TMP/stdout"
if grep -q "$(printf '\033')" "$PG_TMP/stdout"; then pg_fail "no colour when stdout is not a TTY"; else pg_ok "no colour off a TTY"; fi

pg_expect_exit 0 "monitor mode reports without failing" \
	"$PG_BIN" check -m "$PG_TMP/fail.yaml" --mode monitor --out "$PG_TMP/mon.json" --no-probe
pg_assert_eq "monitor verdict still fail" "$(pg_json "$PG_TMP/mon.json" 'd["run"]["verdict"] + "/" + d["run"]["mode"]')" "fail/monitor"

cat >"$PG_TMP/pass.yaml" <<YAML
assets:
  - target: 127.0.0.1
    approvedPorts: [$web, $admin]
YAML
pg_expect_exit 0 "approved open ports pass" "$PG_BIN" check -m "$PG_TMP/pass.yaml" --out "$PG_TMP/pass.json" --no-probe
pg_assert_eq "default candidates include approved ports" \
	"$(pg_json "$PG_TMP/pass.json" 'all(any(p["port"] == x and p["state"] == "open" for p in d["assets"][0]["scan"]["ports"]) for x in ('"$web, $admin"'))')" "true"
pg_assert_eq "pass verdict" "$(pg_json "$PG_TMP/pass.json" 'd["assets"][0]["verdict"]')" "pass"

# with probes, the finding says what answered on the unapproved port
pg_expect_exit 1 "probed check" "$PG_BIN" check -m "$PG_TMP/fail.yaml" --out "$PG_TMP/probed.json"
pg_assert_grep "reason names the service and banner" \
	"port $admin/tcp is open but not in approvedPorts (ssh: SSH-2.0-OpenSSH_9.2p1 Debian)" "$PG_TMP/out"
pg_assert_eq "banner in the evidence" \
	"$(pg_json "$PG_TMP/probed.json" '[p.get("banner") for p in d["assets"][0]["scan"]["ports"] if p["port"] == '"$admin"']')" \
	'["SSH-2.0-OpenSSH_9.2p1 Debian"]'

# the raw scan, as the API returns it
pg_expect_exit 0 "scan subcommand" "$PG_BIN" scan --target 127.0.0.1 --ports "$web,$admin,$closed" --no-probe
cp "$PG_TMP/out" "$PG_TMP/scan.json"
pg_assert_eq "scan keys in API order" "$(pg_json "$PG_TMP/scan.json" '",".join(d.keys())')" \
	"target,ip,scanId,timestamp,scanDurationMs,ports,summary"
pg_assert_eq "scan summary" "$(pg_json "$PG_TMP/scan.json" '[d["summary"][k] for k in ("totalScanned","open","closed","filtered")]')" "[3, 2, 1, 0]"
# names from the manifest (and reasons from plugins) cannot drive the terminal
printf 'assets:\n  - name: "evil\\e]0;owned\\a\\e[31m"\n    target: 127.0.0.1\n    approvedPorts: [%s]\n    ports: [%s]\n' \
	"$web" "$web" >"$PG_TMP/esc.yaml"
pg_expect_exit 0 "asset name with escape sequences" "$PG_BIN" check -m "$PG_TMP/esc.yaml" --no-probe
if grep -q "$(printf '\033')" "$PG_TMP/out"; then pg_fail "escape bytes reached the terminal"; else pg_ok "escape bytes neutralised"; fi
pg_assert_grep "shown escaped" 'evil\\x1b' "$PG_TMP/out"
pg_done
