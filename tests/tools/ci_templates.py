#!/usr/bin/env python3
"""Drive the examples/ci templates locally (tests/e2e/ci_templates.sh).

usage: ci_templates.py SRCDIR BINDIR WORKDIR BUILDDIR
Parses every template, checks its structure, runs the shell commands each would run
(GitHub steps, GitLab scripts, Kubernetes container args, the composite action) with
`portgate` from BINDIR on PATH, in WORKDIR (which holds infra/exposure.yaml and
previous/evidence.json), and compares the Dockerfile with the README and the built
binaries. Prints "ok: ..." per check, "FAIL: ..." and exits 1 on the first failure.
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
    check(any(u.startswith("github/codeql-action/upload-sarif") for u in uses), "github: SARIF upload")
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


def action():
    a = load("action.yml")
    check(a["runs"]["using"] == "composite", "action: a composite action")
    s = a["runs"]["steps"][0]
    env = {k: v for k, v in s["env"].items()}
    for k in list(env):
        name = k[len("INPUT_"):].lower()
        env[k] = a["inputs"][name]["default"]
    fresh("act-output", "act-summary.md")
    env.update(GITHUB_OUTPUT=os.path.join(WORK, "act-output"),
               GITHUB_STEP_SUMMARY=os.path.join(WORK, "act-summary.md"),
               INPUT_BASELINE="previous/evidence.json")
    r = sh(s["run"], env)
    check(r.returncode == 1, "action: its step exits with portgate's status")
    check(open(env["GITHUB_OUTPUT"]).read().strip() == "exit-code=1", "action: exit-code output")
    check(json.load(open(os.path.join(WORK, "portgate.sarif")))["version"] == "2.1.0", "action: SARIF")


def readme_build_steps():
    text = open(os.path.join(SRC, "README.md")).read()
    block = re.search(r"## Building by hand\n\n```sh\n(.*?)```", text, re.S).group(1)
    return [re.sub(r"\s+#.*$", "", l).strip() for l in block.splitlines() if l.strip()]


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
    text = open(os.path.join(CI, "Dockerfile")).read().replace("\\\n", " ")
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    check(stages[0].startswith("debian:12 "), "Dockerfile: builds on Debian 12")
    check(stages[1].startswith("debian:12-slim"), "Dockerfile: runs on Debian 12 slim")
    runs = [l[4:].strip() for l in stages[0].splitlines() if l.startswith("RUN ")]
    check(runs == readme_build_steps(), "Dockerfile: its build steps are the README's")
    final = stages[1]
    user = re.findall(r"^USER (\S+)", final, re.M)
    check(user and user[-1] not in ("root", "0"), "Dockerfile: runs as a non-root user")
    apt = set(re.search(r"apt-get install -y --no-install-recommends([^&]*)", final).group(1).split())
    check("ca-certificates" in apt, "Dockerfile: CA store included")
    check("COPY --from=build /usr/local/ /usr/local/" in final, "Dockerfile: plugins copied with the binary")
    missing = runtime_packages() - apt
    check(not missing, "Dockerfile: runtime packages cover the linked libraries (missing: %s;"
          " a new plugin library goes into examples/ci/Dockerfile's apt-get install list)"
          % " ".join(sorted(missing)))


github()
gitlab()
kubernetes()
action()
dockerfile()
