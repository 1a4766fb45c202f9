# serve.sh - start `portgate serve` for a test (sourced after common.sh).
# serve_start NAME ARGS... : portgate serve --listen 127.0.0.1:0 ARGS, in the
#   background; waits for its "listening on" line and sets SERVE_URL and
#   SERVE_PID; its stdout and stderr are in $PG_TMP/NAME.out and NAME.err.
serve_start() {
	name=$1; shift
	"$PG_BIN" serve --listen 127.0.0.1:0 "$@" >"$PG_TMP/$name.out" 2>"$PG_TMP/$name.err" &
	SERVE_PID=$!
	pg_on_exit "kill $SERVE_PID"
	i=0
	while ! grep -q 'listening on' "$PG_TMP/$name.out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$SERVE_PID" 2>/dev/null; then
			echo "FAIL: portgate serve did not start:" >&2
			cat "$PG_TMP/$name.out" "$PG_TMP/$name.err" >&2
			exit 1
		fi
		sleep 0.05
	done
	SERVE_URL=$(sed -n 's/.*listening on \([^ ]*\) .*/\1/p' "$PG_TMP/$name.out")
}

# serve_stop : SIGTERM, and the server must exit 0 within 10 s.
serve_stop() {
	kill -TERM "$SERVE_PID"
	i=0
	while kill -0 "$SERVE_PID" 2>/dev/null && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
	if kill -0 "$SERVE_PID" 2>/dev/null; then pg_fail "serve did not stop on SIGTERM"; return; fi
	set +e; wait "$SERVE_PID"; rc=$?; set -e
	pg_assert_eq "serve exits 0 on SIGTERM" "$rc" 0
}

# serve_get OUT PATH [CURL ARGS...] : GET with curl; status code on stdout, body in OUT,
# headers in OUT.h
serve_get() {
	out=$1; path=$2; shift 2
	curl -s -o "$out" -D "$out.h" -w '%{http_code}' --max-time 30 "$@" "$SERVE_URL$path"
}

# serve_count_listener NAME HOST [silent] : a listener on HOST:0 counting the
#   connections it accepts (tests/tools/serve_client.py count-listener); waits for
#   it, sets the variable NAME to its port; count NAME prints the count so far.
serve_count_listener() {
	python3 "$PG_TOOLS/serve_client.py" count-listener "$2" "$PG_TMP/$1.port" \
		"$PG_TMP/$1.count" ${3:-} &
	pg_on_exit "kill $!"
	pg_wait_file "$PG_TMP/$1.port" "FAIL: listener $1 did not start"
	eval "$1=\$(cat \"\$PG_TMP/$1.port\")"
}
count() { cat "$PG_TMP/$1.count" 2>/dev/null || echo 0; }

# A loopback address of its own (127.x.y.z), so a test may bind ports 80 and 443.
serve_loopback_ip() {
	python3 -c 'import os; b=os.urandom(3); print("127.%d.%d.%d" % (20 + b[0] % 200, b[1] % 250 + 1, b[2] % 250 + 2))'
}
