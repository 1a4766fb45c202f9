#!/bin/sh
# report_html: `--format html` from a real check against loopback listeners, one of them with a
# hostile banner, opened in headless Chromium: a screenshot (kept as report_html.png in the
# working directory, or at $PG_HTML_SHOT, for a person to look at), and the DOM the browser built
# checked by tests/tools/html_report.py: no script, image or handler made from the evidence's
# text, every failed finding with its packet in order of action then criticality, no resource
# referred to over the network, the chart drawn. Chromium runs with every name mapped to
# NOTFOUND and its background networking off: the page is a file, nothing leaves the machine.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"

browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || pg_skip "chromium not installed (scripts/install-deps.sh)"
shot=${PG_HTML_SHOT:-$PWD/report_html.png}

pg_listen svc "banner=<script>alert(1)</script>@127.0.0.1:0" \
	'banner="><img src=x onerror=alert(2)>@127.0.0.1:0' "http@127.0.0.1:0"
evil=$(pg_port svc 1) img=$(pg_port svc 2) web=$(pg_port svc 3)
closed=$(pg_closed_port)
cd "$PG_TMP"
cat >m.yaml <<YAML
version: 1
assets:
  - name: blog
    target: 127.0.0.1
    criticality: low
    approvedPorts: [$web]
    ports: [$evil]
  - name: shop
    target: 127.0.0.1
    owner: team-shop
    environment: production
    criticality: high
    escalation: [oncall-shop]
    approvedPorts: [$web, $closed]
    ports: [$evil, $img]
YAML
pg_expect_exit 1 "a check with failures writes the HTML report" "$PG_BIN" check -m m.yaml -q \
	--format html --output report.html --format json --output ev.json
pg_assert_grep "one file, a whole page" "</html>" report.html

chrome() {
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$PG_TMP/chrome" \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --disable-default-apps --disable-breakpad \
		--host-resolver-rules="MAP * ~NOTFOUND" "$@" "file://$PG_TMP/report.html"
}
chrome --screenshot="$shot" --window-size=1280,2000 >chrome.out 2>&1 ||
	{ pg_fail "chromium could not take the screenshot"; sed 's/^/  | /' chrome.out >&2; }
chrome --dump-dom >dom.html 2>chrome.err ||
	{ pg_fail "chromium could not dump the DOM"; sed 's/^/  | /' chrome.err >&2; }
if [ -s "$shot" ] && [ -s dom.html ]; then
	if python3 "$PG_TOOLS/html_report.py" ev.json report.html dom.html "$shot"; then
		pg_ok "the page Chromium built is the report (screenshot: $shot)"
	else
		pg_fail "the page Chromium built (screenshot: $shot)"
	fi
fi
pg_done
