#!/usr/bin/env python3
"""cli_options.py SRCDIR PORTGATE: every long option a command's getopt table accepts is in its
--help and in the man page, and every option its --help lists is in the table
(tests/e2e/cli_options.sh). The tables are read from core/cli/*.c: each `struct option NAME[]`
array and the shared PG_CLI_COMMON_LONGOPTS / PG_CLI_OUTPUT_LONGOPTS macros it names."""
import re
import subprocess
import sys

src, binary = sys.argv[1], sys.argv[2]
OPT = r'"([a-z][a-z0-9-]*)",\s*(?:no|required|optional)_argument'


def macro(name, path):
    text = open(path).read()
    m = re.search(r"#define %s(.*?)\n\n" % name, text, re.S)
    return set(re.findall(OPT, m.group(1)))


SHARED = {"PG_CLI_COMMON_LONGOPTS": macro("PG_CLI_COMMON_LONGOPTS", src + "/core/cli/cli.h"),
          "PG_CLI_OUTPUT_LONGOPTS": macro("PG_CLI_OUTPUT_LONGOPTS", src + "/core/cli/cli_output.h")}


def tables(path):
    """{array name: its long options} of one source file."""
    out = {}
    for name, body in re.findall(r"struct option (\w+)\[\] = \{(.*?)\n\t*\};", open(path).read(), re.S):
        opts = set(re.findall(OPT, body))
        for m, v in SHARED.items():
            if m in body:
                opts |= v
        out[name] = opts
    return out


def table(f, name="longopts"):
    t = tables(src + "/core/cli/" + f)
    if name not in t:
        sys.exit("no option table %s in %s: the test's map is out of date" % (name, f))
    return t[name]


# command -> its table; plugins, plugin-check, plugin-test and outbox share cli_plugins.c's
COMMANDS = {"check": table("cli_check.c"), "scan": table("cli_scan.c"),
            "validate": table("cli_validate.c"), "diff": table("cli_diff.c"),
            "merge": table("cli_merge.c"), "serve": table("cli_serve.c"),
            "rules": table("cli_rules.c", "rules_longopts"),
            "explain": table("cli_rules.c", "explain_longopts")}
man = open(src + "/docs/portgate.1").read().replace("\\-", "-")
problems = []
for cmd, opts in COMMANDS.items():
    text = subprocess.run([binary, cmd, "--help"], capture_output=True, text=True).stdout
    # option lines only: "  -m, --manifest FILE  ..." or "      --config FILE ..."
    listed = set(re.findall(r"^\s+(?:-\w, )?--([a-z][a-z0-9-]*)", text, re.M))
    problems += ["%s: --%s accepted, not in --help" % (cmd, o) for o in sorted(opts - listed)]
    problems += ["%s: --%s in --help, not accepted" % (cmd, o) for o in sorted(listed - opts)]
    problems += ["%s: --%s not in the man page" % (cmd, o) for o in sorted(opts)
                 if not re.search(r"(?<![\w-])--%s(?![\w-])" % re.escape(o), man)]
    print("%s: %d options" % (cmd, len(opts)))
for p in problems:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
