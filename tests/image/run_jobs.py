#!/usr/bin/env python3
"""Run the examples/ci templates' jobs inside the portgate image the way their runners do.

usage: run_jobs.py SRCDIR IMAGE WORKDIR WEBPORT ADMINPORT CLOSEDPORT
(scripts/image-test.sh builds IMAGE and starts the listeners on the host's loopback.)

GitLab (docker executor): the job container starts through the image's entrypoint with the
runner's shell-detection `sh -c ...` as its command and the job script on standard input; the
project directory is a volume the runner cloned into as root with umask 0000, and the job runs
as the image's user.
GitHub (container job): `podman create --entrypoint tail IMAGE -f /dev/null` with the job's
`container.options`, the runner's work folder mounted at /__w, owned by the runner user
(uid 1001) like the per-step file-command files ($GITHUB_OUTPUT, $GITHUB_STATE, ...);
actions/checkout runs in the container as the container's user and writes the workspace and
those files; `run:` steps are `podman exec ... sh -e FILE`. Artifact steps are emulated on
the host; the baseline job (gh on the host) and the SARIF upload are checked, not run.
The composite action (examples/ci/action.yml) runs its steps in such a job container too.
Every podman call is bounded by a timeout. Prints "ok: ..." per check, "FAIL: ..." and exits
1 on the first failure.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid

import yaml

SRC, IMAGE, WORK, WEB, ADMIN, CLOSED = sys.argv[1:7]
CI = os.path.join(SRC, "examples", "ci")
RUNNER_UID = 1001  # the hosted runner's user, owner of its work folder
PODMAN = ["podman", "--runtime", "runc"]
TIMEOUT = 300

# gitlab-runner's shell detection: the container's command, the job script on stdin
GITLAB_DETECT = """if [ -x /usr/local/bin/bash ]; then
\texec /usr/local/bin/bash
elif [ -x /usr/bin/bash ]; then
\texec /usr/bin/bash
elif [ -x /bin/bash ]; then
\texec /bin/bash
elif [ -x /usr/local/bin/sh ]; then
\texec /usr/local/bin/sh
elif [ -x /usr/bin/sh ]; then
\texec /usr/bin/sh
elif [ -x /bin/sh ]; then
\texec /bin/sh
else
\techo shell not found
\texit 1
fi
"""


def check(cond, what, detail=""):
    if not cond:
        print("FAIL: %s%s" % (what, detail and ": " + str(detail)))
        sys.exit(1)
    print("ok: " + what)


def load(name):
    with open(os.path.join(CI, name)) as f:
        return yaml.safe_load(f)


def podman(args, stdin=None):
    return subprocess.run(PODMAN + args, input=stdin, capture_output=True, text=True,
                          timeout=TIMEOUT)


def tail(r):
    return (r.stdout + r.stderr).strip()[-600:]


def manifest(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("version: 1\nassets:\n")
        for n in range(1, 5):
            f.write("  - name: svc%d\n    target: 127.0.0.1\n    approvedPorts: [%s]\n"
                    "    ports: [%s, %s]\n" % (n, WEB, WEB, ADMIN))


def image_basics():
    r = podman(["run", "--rm", IMAGE, "--version"])
    check(r.returncode == 0 and r.stdout.startswith("portgate "), "image: IMAGE --version runs portgate")
    r = podman(["run", "--rm", IMAGE])
    check(r.returncode == 0 and "Usage: portgate" in r.stdout, "image: no arguments print the help")
    r = podman(["run", "--rm", IMAGE, "check", "--help"])
    check(r.returncode == 0 and "check" in r.stdout, "image: IMAGE check --help runs portgate check")
    r = podman(["run", "--rm", IMAGE, "sh", "-c", "id -u; command -v portgate"])
    check(r.returncode == 0 and r.stdout.split() == ["10001", "/usr/local/bin/portgate"],
          "image: IMAGE sh -c ... runs the shell, as uid 10001", tail(r))
    r = podman(["run", "--rm", IMAGE, "plugins"])
    check(r.returncode == 0 and "headers" in r.stdout and "webhook" in r.stdout,
          "image: the plugins load from the installed plugin directory")
    r = podman(["run", "--rm", "--entrypoint", "sh", IMAGE, "-c",
                "find / -xdev -name '*.la' -path '*portgate*' | wc -l"])
    check(r.stdout.strip() == "0", "image: no .la files")


# ---------------------------------------------------------------- GitLab


def gitlab():
    ci = load("gitlab-ci.yml")
    variables = dict(ci.get("variables", {}))
    project = "/builds/group/project"
    root = os.path.join(WORK, "gitlab")
    shutil.rmtree(root, ignore_errors=True)
    host = os.path.join(root, "project")
    old = os.umask(0)  # the runner's clone: umask 0000 so that any image user can write
    try:
        os.makedirs(host, 0o777)
        manifest(os.path.join(host, variables["PORTGATE_MANIFEST"]))
    finally:
        os.umask(old)
    env = {"CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": project, "CI_PROJECT_ID": "1",
           "CI_DEFAULT_BRANCH": "main", "CI_JOB_TOKEN": "x", "CI_REGISTRY_IMAGE": "localhost/x",
           "CI_API_V4_URL": "http://127.0.0.1:%s/api/v4" % CLOSED}
    env.update({k: str(v) for k, v in variables.items() if k != "PORTGATE_IMAGE"})

    def job(name, extra):
        j = ci[name]
        image = j["image"] if isinstance(j["image"], dict) else {"name": j["image"]}
        e = dict(env, **{k: str(v) for k, v in extra.items()})
        script = "set -eo pipefail\ncd %s\n" % shlex.quote(project)
        script += "\n".join(j["script"]) + "\n"
        args = ["run", "--rm", "-i", "--network", "host", "-v", "%s:%s" % (host, project),
                "-w", project]
        for k, v in e.items():
            args += ["-e", "%s=%s" % (k, v)]
        if "entrypoint" in image:  # the template overrides the image's entrypoint
            args += ["--entrypoint", json.dumps(image["entrypoint"])]
        return podman(args + [IMAGE, "sh", "-c", GITLAB_DETECT], stdin=script)

    n = ci["portgate-shard"]["parallel"]
    for i in range(1, n + 1):
        r = job("portgate-shard", {"CI_NODE_INDEX": i, "CI_NODE_TOTAL": n})
        check(r.returncode == 0 and os.path.exists(os.path.join(host, "evidence-%d.json" % i)),
              "gitlab: shard job %d/%d passes through the entrypoint" % (i, n), tail(r))
    r = job("portgate-merge", {})
    check(r.returncode == 1, "gitlab: merge job fails on the policy, exit 1", tail(r))
    check("no baseline yet" in r.stdout, "gitlab: merge job without a baseline")
    for f in ("junit.xml", "gl-code-quality.json", "evidence.json", "portgate-summary.md"):
        check(os.path.getsize(os.path.join(host, f)) > 0, "gitlab: merge job wrote %s" % f)
    cq = json.load(open(os.path.join(host, "gl-code-quality.json")))
    check(cq and cq[0]["location"]["path"] == variables["PORTGATE_MANIFEST"],
          "gitlab: Code Quality issues at the manifest")


# ---------------------------------------------------------------- GitHub


class GitHubJob:
    """A job container as the runner makes it, and its steps as the runner runs them."""

    def __init__(self, name, container, env):
        self.root = os.path.join(WORK, "github-" + name)
        shutil.rmtree(self.root, ignore_errors=True)
        self.work = os.path.join(self.root, "_work")
        self.ws_host = os.path.join(self.work, "portgate", "portgate")
        self.ws = "/__w/portgate/portgate"
        self.temp = os.path.join(self.work, "_temp")
        for d in (self.ws_host, os.path.join(self.temp, "_runner_file_commands"),
                  os.path.join(self.temp, "_github_home"), os.path.join(self.root, "src"),
                  os.path.join(self.root, "artifacts")):
            os.makedirs(d)
        self.own(self.work)
        self.env = dict(env)
        self.outputs = {}
        self.name = "pg-gh-%s-%s" % (name, uuid.uuid4().hex[:8])
        options = shlex.split(container.get("options", "")) if isinstance(container, dict) else []
        args = ["create", "--name", self.name, "--network", "host", "--workdir", self.ws,
                "-e", "HOME=/github/home", "-e", "CI=true", "-e", "GITHUB_ACTIONS=true",
                "-v", "%s:/__w" % self.work, "-v", "%s:/__w/_temp" % self.temp,
                "-v", "%s:/github/home" % os.path.join(self.temp, "_github_home"),
                "-v", "%s:/__e/src:ro" % os.path.join(self.root, "src"),
                "-v", "%s:/__w/_actions/portgate/examples/ci:ro" % CI]
        r = podman(args + options + ["--entrypoint", "tail", IMAGE, "-f", "/dev/null"])
        check(r.returncode == 0, "github: %s: job container created (options: %s)" % (name, " ".join(options)),
              tail(r))
        r = podman(["start", self.name])
        check(r.returncode == 0, "github: %s: job container started" % name, tail(r))

    def own(self, top):
        for d, dirs, files in os.walk(top):
            for p in [d] + [os.path.join(d, f) for f in files]:
                os.chown(p, RUNNER_UID, RUNNER_UID)

    def close(self):
        podman(["rm", "-f", "-t", "0", self.name])

    def file_commands(self):
        """Fresh per-step files, created by the runner user with its umask (0644)."""
        fc = {}
        for var in ("GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_ENV", "GITHUB_PATH",
                    "GITHUB_STEP_SUMMARY"):
            name = "%s_%s" % (var.lower(), uuid.uuid4())
            path = os.path.join(self.temp, "_runner_file_commands", name)
            open(path, "w").close()
            os.chmod(path, 0o644)
            os.chown(path, RUNNER_UID, RUNNER_UID)
            fc[var] = "/__w/_temp/_runner_file_commands/" + name
        return fc

    def expand(self, value, ctx):
        """${{ ... }} as far as the templates use it."""
        def one(m):
            expr = m.group(1).strip()
            for pre, table in (("matrix.", ctx.get("matrix", {})),
                               ("inputs.", ctx.get("inputs", {}))):
                if expr.startswith(pre):
                    return str(table.get(expr[len(pre):], ""))
            s = re.match(r"steps\.([\w-]+)\.outputs\.([\w-]+)$", expr)
            if s:
                return self.outputs.get(s.group(1), {}).get(s.group(2), "")
            if expr == "github.token":
                return "x"
            raise ValueError("expression not emulated: " + expr)
        return re.sub(r"\$\{\{(.*?)\}\}", one, str(value))

    def exec(self, script, env, shell="sh -e {0}"):
        fc = self.file_commands()
        name = "%s.sh" % uuid.uuid4()
        with open(os.path.join(self.temp, name), "w") as f:
            f.write(script)
        os.chown(os.path.join(self.temp, name), RUNNER_UID, RUNNER_UID)
        e = dict(self.env, **env, **fc, GITHUB_WORKSPACE=self.ws)
        args = ["exec", "-i", "-w", self.ws]
        for k, v in e.items():
            args += ["-e", "%s=%s" % (k, v)]
        cmd = shlex.split(shell.replace("{0}", "/__w/_temp/" + name))
        r = podman(args + [self.name] + cmd)
        host_out = os.path.join(self.temp, "_runner_file_commands", os.path.basename(fc["GITHUB_OUTPUT"]))
        outs = dict(l.split("=", 1) for l in open(host_out).read().splitlines() if "=" in l)
        return r, outs

    def checkout(self, repo_files):
        """actions/checkout in the container: as the container's user, it writes the
        workspace and its state and outputs through the file-command files."""
        for rel, text in repo_files.items():
            p = os.path.join(self.root, "src", rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            open(p, "w").write(text)
        return self.exec('cp -R /__e/src/. "$GITHUB_WORKSPACE"/\n'
                         'echo "isPost=true" >>"$GITHUB_STATE"\n'
                         'echo "ref=refs/heads/main" >>"$GITHUB_OUTPUT"\n', {})


def gh_steps(job, steps, ctx, repo_files, artifacts):
    """Runs a job's steps; returns (failed step id or None, its result)."""
    for s in steps:
        uses = s.get("uses", "")
        cond = str(s.get("if", ""))
        if "hashFiles('portgate.sarif')" in cond and not os.path.exists(
                os.path.join(job.ws_host, "portgate.sarif")):
            continue
        if uses.startswith("actions/checkout"):
            r, _ = job.checkout(repo_files)
            if r.returncode:
                return "checkout", r
        elif uses.startswith("actions/upload-artifact"):
            w = s["with"]
            src = os.path.join(job.ws_host, job.expand(w["path"], ctx))
            if os.path.exists(src):
                d = os.path.join(artifacts, job.expand(w["name"], ctx))
                os.makedirs(d, exist_ok=True)
                shutil.copy(src, d)
        elif uses.startswith("actions/download-artifact"):
            w = s["with"]
            dest = os.path.join(job.ws_host, w.get("path", "."))
            names = [n for n in os.listdir(artifacts)
                     if re.fullmatch(w.get("pattern", w.get("name", "")).replace("*", ".*"), n)]
            for n in names:
                os.makedirs(dest, exist_ok=True)
                for f in os.listdir(os.path.join(artifacts, n)):
                    shutil.copy(os.path.join(artifacts, n, f), dest)
            job.own(job.ws_host)
        elif uses.startswith("github/codeql-action/upload-sarif"):
            path = os.path.join(job.ws_host, job.expand(s["with"]["sarif_file"], ctx))
            check(uses.endswith("@v4"), "github: upload-sarif@v4")
            check(json.load(open(path))["version"] == "2.1.0", "github: SARIF 2.1.0 to upload", path)
        elif "run" in s:
            env = {k: job.expand(v, ctx) for k, v in s.get("env", {}).items()}
            shell = {"sh": "sh -e {0}", "bash": "bash --noprofile --norc -eo pipefail {0}"}[
                s.get("shell", "bash")]
            r, outs = job.exec(job.expand(s["run"], ctx), env, shell)
            job.outputs[s.get("id", "")] = outs
            if r.returncode:
                return s.get("id", "run"), r
    return None, None


def github():
    wf = load("github-actions.yml")
    jobs = wf["jobs"]
    env = {k: str(v) for k, v in wf["env"].items()}
    files = {}
    manifest(os.path.join(WORK, "gh-manifest", "m.yaml"))
    files[env["PORTGATE_MANIFEST"]] = open(os.path.join(WORK, "gh-manifest", "m.yaml")).read()
    artifacts = os.path.join(WORK, "gh-artifacts")
    shutil.rmtree(artifacts, ignore_errors=True)
    os.makedirs(artifacts)
    for name in ("shard", "merge"):
        check(isinstance(jobs[name].get("container"), dict) and
              "--user 0" in jobs[name]["container"].get("options", ""),
              "github: %s job container runs as root (options: --user 0)" % name)

    # the reason for --user 0: checkout as the image's user cannot write the runner's files
    nonroot = dict(jobs["shard"]["container"], options="")
    job = GitHubJob("nonroot", nonroot, env)
    try:
        r, _ = job.checkout(files)
        check(r.returncode != 0 and "Permission denied" in r.stderr,
              "github: without --user 0 checkout fails on the runner's files", tail(r))
    finally:
        job.close()

    shards = jobs["shard"]["strategy"]["matrix"]["shard"]
    for i in shards:
        job = GitHubJob("shard%s" % i, jobs["shard"]["container"], env)
        try:
            failed, r = gh_steps(job, jobs["shard"]["steps"], {"matrix": {"shard": i}}, files,
                                 artifacts)
            check(failed is None, "github: shard job %s passes" % i, failed and tail(r))
        finally:
            job.close()
    job = GitHubJob("merge", jobs["merge"]["container"], env)
    try:
        failed, r = gh_steps(job, jobs["merge"]["steps"], {}, files, artifacts)
        check(failed == "portgate-verdict" and r.returncode == 1,
              "github: merge job fails at its verdict step, exit 1", failed and tail(r))
        check(job.outputs["portgate-merge"].get("exit-code") == "1",
              "github: merge step output exit-code=1")
        check(os.path.exists(os.path.join(artifacts, "portgate-evidence", "evidence.json")),
              "github: evidence artifact uploaded")
    finally:
        job.close()

    # the composite action in a job container of the same kind
    action = load("action.yml")
    job = GitHubJob("action", jobs["shard"]["container"], env)
    try:
        inputs = {k: v.get("default", "") for k, v in action["inputs"].items()}
        inputs["manifest"] = env["PORTGATE_MANIFEST"]
        job.env["GITHUB_ACTION_PATH"] = "/__w/_actions/portgate/examples/ci"
        steps = [{"uses": "actions/checkout@v4"}] + action["runs"]["steps"]
        failed, r = gh_steps(job, steps, {"inputs": inputs}, files, artifacts)
        outs = job.outputs["portgate-action"]
        check(failed == "portgate-verdict" and r.returncode == 1,
              "github: the action fails the job on the policy", failed and tail(r))
        check(outs.get("verdict") == "fail" and outs.get("exit-code") == "1"
              and outs.get("sarif") == "portgate.sarif",
              "github: the action's outputs verdict, exit-code, sarif", outs)
    finally:
        job.close()


image_basics()
gitlab()
github()
