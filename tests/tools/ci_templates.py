#!/usr/bin/env python3
"""Drive the examples/ci templates locally (tests/e2e/ci_templates.sh).

usage: ci_templates.py SRCDIR BINDIR WORKDIR BUILDDIR
Parses every template, checks its structure, runs the shell commands each would run
(GitHub steps, GitLab scripts, Kubernetes container args, the composite action's action.sh
with INPUT_* variables as the runner sets them, the image's entrypoint) with `portgate` from
BINDIR on PATH, in WORKDIR (which holds infra/exposure.yaml and previous/evidence.json), and
checks the Dockerfile against the built binaries and debian/control against
scripts/install-deps.sh --build. scripts/image-test.sh runs the same templates inside the image. Prints "ok: ..." per check, "FAIL: ..." and exits 1 on the first failure.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

SRC, BIN, WORK, BUILD = sys.argv[1:5]
CI = os.path.join(SRC, "examples", "ci")


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)
    print("ok: " + what)


def load(name, multi=False):
    with open(os.path.join(CI, name)) as f:
        return list(yaml.safe_load_all(f)) if multi else yaml.safe_load(f)


def sh(script, env, cwd=WORK):
    e = dict(os.environ)
    e["PATH"] = BIN + os.pathsep + e["PATH"]
    e.update({k: str(v) for k, v in env.items()})
    return subprocess.run(["sh", "-e", "-c", script], env=e, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def fresh(*names):
    for n in names:
        p = os.path.join(WORK, n)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)


def step(job, sid):
    return next(s for s in job["steps"] if s.get("id") == sid)


def github():
    wf = load("github-actions.yml")
    jobs = wf["jobs"]
    shards = jobs["shard"]["strategy"]["matrix"]["shard"]
    check(len(shards) == int(wf["env"]["SHARDS"]), "github: matrix has SHARDS shards")
    check(set(jobs["merge"]["needs"]) == {"shard", "baseline"}, "github: merge needs shards and baseline")
    uses = [s.get("uses", "") for s in jobs["merge"]["steps"]]
    check("github/codeql-action/upload-sarif@v4" in uses, "github: SARIF upload with upload-sarif@v4")
    for name in ("shard", "merge"):
        c = jobs[name]["container"]
        check(c["image"] == "${{ vars.PORTGATE_IMAGE }}" and c.get("options") == "--user 0",
              "github: the %s job container runs as root (checkout writes the runner's files)" % name)
    check(any(u.startswith("actions/upload-artifact") for u in uses), "github: evidence artifact")
    check("gh run download" in jobs["baseline"]["steps"][0]["run"], "github: baseline from the previous run")
    env = {"PORTGATE_MANIFEST": wf["env"]["PORTGATE_MANIFEST"], "SHARDS": wf["env"]["SHARDS"]}
    fresh("shards", "evidence.json", "portgate.sarif", "summary.md", "gh-output")
    os.makedirs(os.path.join(WORK, "shards"))
    for i in shards:
        r = sh(step(jobs["shard"], "portgate-shard")["run"], dict(env, SHARD=i))
        check(r.returncode == 0 and os.path.exists(os.path.join(WORK, "evidence-%s.json" % i)),
              "github: shard %s/%s step succeeds (%s)" % (i, env["SHARDS"], r.stderr.strip()))
        shutil.move(os.path.join(WORK, "evidence-%s.json" % i), os.path.join(WORK, "shards"))
    out = os.path.join(WORK, "gh-output")
    r = sh(step(jobs["merge"], "portgate-merge")["run"],
           dict(env, GITHUB_OUTPUT=out, GITHUB_STEP_SUMMARY=os.path.join(WORK, "summary.md")))
    check(r.returncode == 0, "github: merge step runs (%s)" % r.stderr.strip())
    code = open(out).read().strip()
    check(code == "exit-code=1", "github: merge records the policy failure (%s)" % code)
    check("::error file=infra/exposure.yaml,line=" in r.stdout, "github: annotations on the job log")
    check(open(os.path.join(WORK, "summary.md")).read().startswith("## :x: portgate: fail"),
          "github: step summary written")
    ev = json.load(open(os.path.join(WORK, "evidence.json")))
    check(ev["run"]["drift"]["baseline"]["path"] == "previous/evidence.json", "github: baseline used")
    check(len(ev["run"]["shards"]) == len(shards), "github: every shard merged")
    sarif = json.load(open(os.path.join(WORK, "portgate.sarif")))
    check(sarif["version"] == "2.1.0" and sarif["runs"][0]["results"], "github: SARIF with results")
    r = sh(step(jobs["merge"], "portgate-verdict")["run"], {"CODE": code.split("=")[1]})
    check(r.returncode == 1, "github: the verdict step fails the workflow")
    r = sh(step(jobs["shard"], "portgate-shard")["run"],
           dict(env, SHARD=1, PORTGATE_MANIFEST="missing.yaml"))
    check(r.returncode == 2, "github: a shard with a bad manifest fails its job")


def gitlab():
    ci = load("gitlab-ci.yml")
    shard, merge = ci["portgate-shard"], ci["portgate-merge"]
    check(shard["parallel"] == 3, "gitlab: parallel shards")
    check(merge["artifacts"]["reports"] == {"junit": "junit.xml", "codequality": "gl-code-quality.json"},
          "gitlab: JUnit and Code Quality reports")
    env = {"PORTGATE_MANIFEST": ci["variables"]["PORTGATE_MANIFEST"], "CI_NODE_TOTAL": 3,
           # the baseline download goes to a closed loopback port: "no baseline yet"
           "CI_API_V4_URL": "http://127.0.0.1:%s/api/v4" % os.environ["PG_CLOSED_PORT"],
           "CI_PROJECT_ID": 1, "CI_DEFAULT_BRANCH": "main", "CI_JOB_TOKEN": "x"}
    fresh("gl", "previous.zip")
    os.makedirs(os.path.join(WORK, "gl"))
    gl = os.path.join(WORK, "gl")
    os.symlink(os.path.join(WORK, "infra"), os.path.join(gl, "infra"))
    for i in range(1, 4):
        r = sh("\n".join(shard["script"]), dict(env, CI_NODE_INDEX=i), cwd=gl)
        check(r.returncode == 0, "gitlab: shard %d/3 script succeeds (%s)" % (i, r.stderr.strip()))
    r = sh("\n".join(merge["script"]), env, cwd=gl)
    check(r.returncode == 1, "gitlab: merge exits with the policy failure (%s)" % r.stderr.strip())
    check("no baseline yet" in r.stdout, "gitlab: no baseline on a first run")
    x = subprocess.run(["xmllint", "--noout", "--schema",
                        os.path.join(SRC, "tests/fixtures/schemas/junit-10.xsd"),
                        os.path.join(gl, "junit.xml")], capture_output=True)
    check(x.returncode == 0, "gitlab: junit.xml validates")
    cq = json.load(open(os.path.join(gl, "gl-code-quality.json")))
    check(cq and all(i["location"]["path"] == "infra/exposure.yaml" for i in cq),
          "gitlab: Code Quality issues at the manifest")


def container_env(c, overrides):
    env = {e["name"]: e["value"] for e in c.get("env", [])}
    env.update(overrides)
    return env


def kubernetes():
    cron = load("k8s-cronjob.yaml")
    check(cron["kind"] == "CronJob", "k8s: a CronJob")
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    check(pod["securityContext"]["runAsNonRoot"] is True, "k8s: CronJob runs as non-root")
    local = {"PORTGATE_MANIFEST": os.path.join(WORK, "infra/exposure.yaml"),
             "EVIDENCE_DIR": os.path.join(WORK, "k8s"), "PORTGATE_STATE_DIR": os.path.join(WORK, "state")}
    fresh("k8s")
    os.makedirs(local["EVIDENCE_DIR"])
    c = pod["containers"][0]
    r = sh(c["args"][0], container_env(c, local))
    check(r.returncode == 1 and json.loads(r.stdout.splitlines()[0])["rule"],
          "k8s: CronJob command checks and prints NDJSON findings")
    shards, merge = load("k8s-indexed-job.yaml", multi=True)
    check(shards["spec"]["completionMode"] == "Indexed", "k8s: an Indexed Job")
    c = shards["spec"]["template"]["spec"]["containers"][0]
    n = int(container_env(c, {})["SHARDS"])
    check(shards["spec"]["completions"] == n, "k8s: completions = SHARDS")
    for i in range(n):
        r = sh(c["args"][0], container_env(c, dict(local, JOB_COMPLETION_INDEX=i)))
        check(r.returncode == 0, "k8s: shard pod %d succeeds (%s)" % (i, r.stderr.strip()))
    c = merge["spec"]["template"]["spec"]["containers"][0]
    r = sh(c["args"][0], container_env(c, dict(local, WAIT_SECONDS=10)))
    check(r.returncode == 1, "k8s: merge pod exits with the policy failure (%s)" % r.stderr.strip())
    ev = json.load(open(os.path.join(local["EVIDENCE_DIR"], "evidence.json")))
    check(len(ev["run"]["shards"]) == n, "k8s: every shard merged")


def action_run(env, bindir):
    """action.sh as the runner runs the action's step: INPUT_* variables, GITHUB_* files."""
    fresh("act-output", "act-summary.md", "act-argv", "portgate.sarif", "portgate-evidence.json")
    e = dict(env, GITHUB_OUTPUT=os.path.join(WORK, "act-output"),
             GITHUB_STEP_SUMMARY=os.path.join(WORK, "act-summary.md"),
             PORTGATE_ARGV_LOG=os.path.join(WORK, "act-argv"))
    for f in ("act-output", "act-summary.md"):
        open(os.path.join(WORK, f), "w").close()
    e["PATH"] = bindir + os.pathsep + os.environ["PATH"]
    r = subprocess.run(["sh", os.path.join(CI, "action.sh")], env=e, cwd=WORK,
                       capture_output=True, text=True, timeout=120)
    outs = dict(l.split("=", 1) for l in open(e["GITHUB_OUTPUT"]).read().splitlines())
    argv = open(e["PORTGATE_ARGV_LOG"]).read().split("\n")[:-1] if os.path.exists(
        e["PORTGATE_ARGV_LOG"]) else []
    return r, outs, argv


def action():
    a = load("action.yml")
    check(a["runs"]["using"] == "composite", "action: a composite action")
    steps = {s.get("id"): s for s in a["runs"]["steps"]}
    check(set(a["outputs"]) == {"verdict", "exit-code", "sarif"}, "action: outputs verdict, exit-code, sarif")
    check({"manifest", "settings", "formats", "mode", "args"} <= set(a["inputs"]),
          "action: inputs manifest, settings, formats, mode, args")
    up = [s for s in a["runs"]["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif")]
    check(up and up[0]["uses"].endswith("@v4"), "action: uploads SARIF with upload-sarif@v4")
    check(list(steps)[-1] == "portgate-verdict" and "exit" in steps["portgate-verdict"]["run"],
          "action: its last step exits with portgate's code (after the upload)")
    # the install step uses the portgate on PATH
    r = subprocess.run(["sh", os.path.join(CI, "action-install.sh")], capture_output=True, text=True,
                       env=dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"]), timeout=60)
    check(r.returncode == 0 and "using " in r.stdout, "action: install step keeps the portgate on PATH")
    # a shim records the argv, then runs the real portgate
    shim = os.path.join(WORK, "shim")
    os.makedirs(shim, exist_ok=True)
    with open(os.path.join(shim, "portgate"), "w") as f:
        f.write('#!/bin/sh\nprintf \'%%s\\n\' "$@" >"$PORTGATE_ARGV_LOG"\nexec %s "$@"\n'
                % os.path.join(BIN, "portgate"))
    os.chmod(os.path.join(shim, "portgate"), 0o755)
    env = {}
    for k, v in steps["portgate-action"]["env"].items():
        name = re.match(r"\$\{\{ inputs\.([\w-]+) \}\}$", v).group(1)
        check(k == "INPUT_" + name.upper().replace("-", "_"), "action: %s carries input %s" % (k, name))
        env[k] = a["inputs"][name]["default"]
    r, outs, argv = action_run(env, shim)
    check(r.returncode == 0, "action: its check step records the code and goes on (%s)" % r.stderr.strip())
    check(outs == {"verdict": "fail", "exit-code": "1", "sarif": "portgate.sarif"},
          "action: outputs verdict=fail exit-code=1 sarif=portgate.sarif (%s)" % outs)
    check(argv[:8] == ["check", "-m", "infra/exposure.yaml", "--mode", "enforce", "-q", "--out",
                       "portgate-evidence.json"], "action: default inputs -> check -m ... (%s)" % argv)
    check(" ".join(argv).endswith("--format sarif --output portgate.sarif --format github --output -"
                                  " --format markdown --output " + os.path.join(WORK, "act-summary.md")),
          "action: default formats -> sarif, annotations, step summary")
    check(open(os.path.join(WORK, "act-summary.md")).read().startswith("## "), "action: step summary")
    check(json.load(open(os.path.join(WORK, "portgate.sarif")))["version"] == "2.1.0", "action: SARIF")
    # every input reaches the command
    open(os.path.join(WORK, "act-settings.yaml"), "w").write("stateDir: %s\n" % os.path.join(WORK, "st"))
    r, outs, argv = action_run(dict(env, INPUT_SETTINGS="act-settings.yaml", INPUT_MODE="monitor",
                                    INPUT_FORMATS="junit:act-junit.xml, ndjson",
                                    INPUT_ARGS="--retries 0  --timeout-ms 500",
                                    INPUT_SHARD="1/2", INPUT_BASELINE="previous/evidence.json"), shim)
    joined = " ".join(argv)
    for frag in ("--config act-settings.yaml", "--mode monitor", "--shard 1/2",
                 "--baseline previous/evidence.json", "--format junit --output act-junit.xml",
                 "--format ndjson --output portgate.ndjson", "--retries 0 --timeout-ms 500"):
        check(frag in joined, "action: inputs -> %s" % frag)
    check("sarif" not in joined and outs["sarif"] == "", "action: no sarif format, no sarif output")
    check(outs["exit-code"] == "0" and outs["verdict"] == "fail",
          "action: monitor mode exits 0, the verdict stays fail (%s)" % outs)
    check(os.path.getsize(os.path.join(WORK, "act-junit.xml")) > 0, "action: junit:PATH written")
    r, outs, argv = action_run(dict(env, INPUT_FORMATS="sarif pdf"), shim)
    check(outs == {"verdict": "error", "exit-code": "2", "sarif": ""} and "unknown format 'pdf'" in r.stderr,
          "action: an unknown format is an error (exit-code 2) before any scan")
    r, outs, argv = action_run(dict(env, INPUT_SETTINGS="missing.yaml"), shim)
    check(outs["exit-code"] == "2" and outs["verdict"] == "error", "action: bad settings -> exit-code 2")


def entrypoint():
    """The image's entrypoint: portgate for its commands and options, else the command."""
    ep = os.path.join(CI, "portgate-entrypoint.sh")
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"])

    def run(*args):
        return subprocess.run(["sh", ep] + list(args), env=env, capture_output=True, text=True,
                              timeout=60)
    usage = subprocess.run([os.path.join(BIN, "portgate"), "--help"], capture_output=True,
                           text=True).stdout
    cmds = re.findall(r"^  ([a-z][a-z-]*)  ", usage.split("Commands:")[1].split("\n\n")[0], re.M)
    check(len(cmds) >= 5, "entrypoint: commands read from portgate --help (%s)" % " ".join(cmds))
    for c in cmds:
        r = run(c, "--help")
        check(r.returncode == 0 and "portgate" in r.stdout + r.stderr, "entrypoint: %s runs portgate %s" % (c, c))
    r = run("--version")
    check(r.returncode == 0 and r.stdout.startswith("portgate "), "entrypoint: --version runs portgate")
    r = run()
    check(r.returncode == 0 and "Usage: portgate" in r.stdout, "entrypoint: no arguments -> help")
    r = run("sh", "-c", "echo from-the-shell; exit 7")
    check(r.returncode == 7 and r.stdout == "from-the-shell\n", "entrypoint: sh -c runs the shell (GitLab)")
    r = run("true")
    check(r.returncode == 0 and not r.stdout, "entrypoint: another program runs as given")


def build_packages():
    """scripts/install-deps.sh --build's list."""
    text = open(os.path.join(SRC, "scripts", "install-deps.sh")).read()
    return set(re.search(r'BUILD_PKGS="([^"]*)"', text).group(1).split())


def runtime_packages():
    """Debian packages of the libraries the binary and plugins link directly."""
    files = [os.path.join(BUILD, "portgate")]
    libs = os.path.join(BUILD, "plugins", ".libs")
    if os.path.isdir(libs):  # none when every plugin is disabled
        files += [os.path.join(libs, f) for f in sorted(os.listdir(libs)) if f.endswith(".so")]
    pkgs = set()
    for f in files:
        needed = re.findall(r"\(NEEDED\).*\[(.*)\]", subprocess.run(
            ["readelf", "-d", f], capture_output=True, text=True).stdout)
        paths = dict(re.findall(r"^\s*(\S+) => (\S+)", subprocess.run(
            ["ldd", f], capture_output=True, text=True).stdout, re.M))
        for so in needed:
            if so.startswith(("libc.so", "libm.so", "libpthread", "libdl", "ld-linux")):
                continue  # libc6 is in every image
            if so.startswith(("libasan", "libubsan", "liblsan", "libtsan")):
                continue  # a --enable-sanitizers build, not what the image builds
            real = os.path.realpath(paths[so])
            for cand in (real, "/usr" + real):
                r = subprocess.run(["dpkg", "-S", cand], capture_output=True, text=True)
                if r.returncode == 0:
                    pkgs.add(r.stdout.split(":")[0])
                    break
    return pkgs


def dockerfile():
    text = open(os.path.join(SRC, "Dockerfile")).read().replace("\\\n", " ")
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", text, re.M))
    check(args.get("BASE") == "debian:12" and args.get("RUNTIME_BASE") == "debian:12-slim",
          "Dockerfile: builds on Debian 12, runs on Debian 12 slim (BASE, RUNTIME_BASE)")
    stages = dict(re.findall(r"^FROM \S+ AS (\w+)\n(.*?)(?=^FROM |\Z)", text, re.M | re.S))
    check(list(stages) == ["build", "test", "runtime"], "Dockerfile: build, test, runtime stages")
    build = stages["build"]
    check("install-deps.sh --build" in build and "make check" not in build and "npm" not in build,
          "Dockerfile: the build stage installs build dependencies only, runs no tests")
    check("make" in stages["test"] and "check" in stages["test"], "Dockerfile: tests in the optional test stage")
    check(text.rstrip().splitlines()[-1].startswith("CMD") and "AS runtime" in text.split("FROM")[-1],
          "Dockerfile: the runtime stage is the default target")
    final = stages["runtime"]
    labels = set(re.findall(r"(org\.opencontainers\.image\.[a-z.]+)=", final))
    check({"org.opencontainers.image." + k for k in ("source", "version", "revision", "licenses",
                                                     "title")} <= labels, "Dockerfile: OCI labels")
    ac = re.search(r"AC_INIT\(\[portgate\], \[([^]]+)\]", open(os.path.join(SRC, "configure.ac")).read())
    check(args.get("VERSION") == ac.group(1), "Dockerfile: VERSION is configure.ac's (%s)" % ac.group(1))
    user = re.findall(r"^USER (\S+)", final, re.M)
    check(user and user[-1] not in ("root", "0"), "Dockerfile: runs as a non-root user")
    check('ENTRYPOINT ["/usr/local/bin/portgate-entrypoint"]' in final and
          "COPY examples/ci/portgate-entrypoint.sh /usr/local/bin/portgate-entrypoint" in final,
          "Dockerfile: the entrypoint script")
    apt = set(re.search(r"apt-get install -y --no-install-recommends([^&]*)", final).group(1).split())
    check("ca-certificates" in apt, "Dockerfile: CA store included")
    check("COPY --from=build /stage/ /" in final, "Dockerfile: plugins copied with the binary")
    missing = runtime_packages() - apt
    check(not missing, "Dockerfile: runtime packages cover the linked libraries (missing: %s;"
          " a new plugin library goes into the Dockerfile's apt-get install list)"
          % " ".join(sorted(missing)))
    ignore = open(os.path.join(SRC, ".dockerignore")).read().split()
    check({".git", "build", "build-*", "demo-*"} <= set(ignore),
          ".dockerignore: .git, build folders and demo outputs stay out of the context")


def debian():
    control = open(os.path.join(SRC, "debian", "control")).read()
    bd = re.search(r"^Build-Depends:(.*?)^\S", control, re.M | re.S).group(1)
    deps = {re.sub(r"\s*\(.*", "", d).strip() for d in bd.split(",") if d.strip()}
    check("debhelper-compat (= 13)" in bd, "debian: debhelper-compat 13")
    # autoconf, automake, libtool come with debhelper (dh-autoreconf), build-essential is implied
    want = build_packages() - {"build-essential", "autoconf", "automake", "libtool"}
    check(want <= deps, "debian: Build-Depends has install-deps.sh --build's packages (missing: %s)"
          % " ".join(sorted(want - deps)))
    pkgs = re.findall(r"^Package: (\S+)", control, re.M)
    check(pkgs == ["portgate", "portgate-plugins", "portgate-dev"], "debian: the three packages")
    rules = open(os.path.join(SRC, "debian", "rules")).read()
    check("override_dh_auto_test:" in rules and "-delete" in rules, "debian: test skipped, no .la")

github()
gitlab()
kubernetes()
action()
entrypoint()
dockerfile()
debian()
