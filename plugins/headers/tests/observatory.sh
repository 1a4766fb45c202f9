#!/bin/sh
# observatory.sh [DIR] - install the MDN HTTP Observatory CLI (npm package
# @mdn/mdn-http-observatory, pinned below) into DIR (default: the cache dir
# ${PG_OBSERVATORY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portgate/observatory})
# and print the directory holding its src/scan.js. Offline parts:
#   - npm install --ignore-scripts: its postinstall downloads a CA bundle from
#     the internet; the test passes its own CA in NODE_EXTRA_CA_CERTS instead
#     and runs src/scan.js directly (bin/wrapper.js would override that);
#   - conf/hsts-preload.json (the HSTS preload list, a download) is written as
#     an empty list {}: none of the test's names is preloaded anyway.
set -eu
VERSION=1.4.8
dir=${1:-${PG_OBSERVATORY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portgate/observatory}}
pkg="$dir/node_modules/@mdn/mdn-http-observatory"
if [ ! -f "$pkg/src/scan.js" ] ||
	! grep -q "\"version\": \"$VERSION\"" "$pkg/package.json" 2>/dev/null; then
	command -v npm >/dev/null 2>&1 || { echo "observatory: npm not installed" >&2; exit 77; }
	mkdir -p "$dir"
	npm install --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error \
		"@mdn/mdn-http-observatory@$VERSION" >"$dir/npm.log" 2>&1 ||
		{ echo "observatory: npm install failed: $(tail -3 "$dir/npm.log")" >&2; exit 77; }
fi
[ -s "$pkg/conf/hsts-preload.json" ] || echo '{}' >"$pkg/conf/hsts-preload.json"
echo "$pkg"
