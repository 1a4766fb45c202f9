#!/bin/sh
# The container image's entrypoint. `IMAGE check -m ...`, `IMAGE --version` or no arguments run
# portgate; anything else runs as given, so CI runners that start a job's shell through the
# image's entrypoint (GitLab: `IMAGE sh -c ...`) get their shell.
# portgate's commands are read from its own --help, so a new command needs no change here.
set -eu
case "${1:-}" in
"") exec portgate --help ;;
-* | help) exec portgate "$@" ;;
esac
if portgate --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\)  .*/\1/p' | grep -qxF -- "$1"; then
	exec portgate "$@"
fi
exec "$@"
