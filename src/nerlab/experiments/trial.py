"""One grid trial on whichever node Ray put it: a DVC experiment run in a fresh clone, then pushed.

The node clones the shared git remote at the baseline commit, points DVC at the shared DVC
remote, fetches the run-cache entries there, runs ``dvc exp run --pull -n NAME [TARGET] -S ...``
(stages the remote already has outputs for, for these inputs, are pulled, not re-run: the
baseline's, and a stage another trial ran with the same inputs, such as the CRF of a dataset every
experiment switches to) and pushes the experiment with ``dvc exp push`` (its git ref to the git
remote, its outputs to the DVC remote) and its run-cache entries for the trials that start later.
The driver then pulls it into the user's project. A trial is idempotent: when the git remote
already holds the experiment (an earlier attempt pushed it before its node died), it is not run
again.

``dvc exp run`` runs under a small guard process that leads its own process group and asks the
kernel for a signal when its parent (the Ray worker) dies, then kills the whole group: a dead node
leaves no stage running on behind Ray's retry.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nerlab.config.params import flatten

BASELINE_REFS = "refs/nerlab/baselines"  # where the driver pushes the commit every trial starts from
DVC_REMOTE = "nerlab-grid"  # the DVC remote's name in a trial clone's .dvc/config.local (and the driver's project)

# Runs as `python -c GUARD PARENT_PID CMD...`: self-contained, so it works whatever nerlab the node has.
GUARD = r"""
import ctypes, os, signal, subprocess, sys
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: tell me when my parent dies
if os.getppid() != int(sys.argv[1]):
    sys.exit(137)  # the parent died before the request took effect
def stop(*_):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(0, signal.SIGKILL)
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
child = subprocess.Popen(sys.argv[2:])
sys.exit(child.wait())
"""


class TrialFailed(Exception):
    """A trial that failed on its own account (bad params, a stage error): recorded, not retried.
    ``log`` is the tail of what ``dvc exp run`` printed."""

    def __init__(self, message: str, log: str = "", node: str = "-"):
        super().__init__(message)
        self.log, self.node = log, node

    def __reduce__(self):  # Ray pickles it back to the driver: keep the log and the node
        return TrialFailed, (str(self), self.log, self.node)


@dataclass(frozen=True)
class Stores:
    """Where results travel: the git remote (experiments), the DVC remote (outputs), the MLflow tracking URI."""

    git_remote: str
    dvc_remote: str
    tracking_uri: str


@dataclass(frozen=True)
class Job:
    """Everything a node needs to run one experiment."""

    name: str
    target: str | None  # the stage the experiment runs (None: the whole pipeline)
    run_args: tuple[str, ...]  # what follows `dvc exp run`
    baseline: str  # the commit
    stores: Stores
    threads: int
    env: tuple[tuple[str, str], ...] = ()  # extra environment (NERLAB_DATA_DIR and the like)
    workdir: str | None = None  # where clones go (default: the node's temp dir)
    keep: bool = False  # keep the clone (debugging)


def exp_ref(baseline: str, name: str) -> str:
    """DVC's ref of an experiment: ``refs/exps/<sha[:2]>/<sha[2:]>/<name>``."""
    return f"refs/exps/{baseline[:2]}/{baseline[2:]}/{name}"


def captured(cmd: list[str], cwd: Path | None = None, env: dict | None = None,
             timeout: float | None = None) -> subprocess.CompletedProcess:
    """A git/dvc command run to the end with its output captured (the grid's one way to run them)."""
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def remote_has(git_remote: str, ref: str, env: dict | None = None) -> bool:
    out = captured(["git", "ls-remote", git_remote, ref], None, env or dict(os.environ))
    return out.returncode == 0 and ref in out.stdout


def _checked(proc: subprocess.CompletedProcess, what: str) -> str:
    text = (proc.stdout or "") + (proc.stderr or "")
    if proc.returncode != 0:
        raise TrialFailed(f"{what} failed (exit {proc.returncode}): {last_error(text)}")
    return text


def last_error(text: str) -> str:
    """The line that says what went wrong: a stage's own error (``HH:MM:SS ERROR nerlab...: message`` and its
    indented continuation lines, joined), else DVC's or git's last ``ERROR``/``error:``/``fatal:`` line, else the
    last non-empty line."""
    raw = text.splitlines()
    own = [i for i, line in enumerate(raw) if " ERROR nerlab" in line]
    if own:
        parts = [raw[own[-1]].split(": ", 1)[-1].strip()]
        for line in raw[own[-1] + 1:own[-1] + 6]:
            if not line.startswith((" ", "\t")) or not line.strip():
                break
            parts.append(line.strip())
        return " ".join(parts)[:500]
    lines = [line.strip() for line in raw if line.strip()]
    tool = [line for line in lines if line.startswith(("ERROR", "error:", "fatal:"))]
    # a stage that died before nerlab's logging took over (an import error, a missing interpreter): the exception
    # line of its traceback says why, DVC's "failed to run" line only that it did
    crashed = [line for line in lines if re.match(r"^[A-Za-z_.]*(Error|Exception|Interrupt)\b.*:", line)
               or ": not found" in line or "command not found" in line]
    last = (tool or lines or ["no output"])[-1]
    if crashed and crashed[-1] != last:
        last = f"{last} ({crashed[-1]})"
    return last[:500]


def _guarded(cmd: list[str], cwd: Path, env: dict, log) -> int:
    """Run ``cmd`` under the guard (its process group dies with this process); its output goes to ``log``."""
    proc = subprocess.Popen([sys.executable, "-c", GUARD, str(os.getpid()), *cmd], cwd=cwd, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        return proc.wait()
    except BaseException:
        os.killpg(proc.pid, 9)
        raise


def headline(workspace: Path, target: str | None) -> dict:
    """The first metric of the target stage's first metrics file (e.g. ``micro_f1``), for the summary table."""
    import yaml

    stages = (yaml.safe_load((workspace / "dvc.yaml").read_text()) or {}).get("stages", {})
    name, _, key = (target or "").partition("@")
    stage = stages.get(name) or {}
    stage = stage.get("do", stage)  # a foreach stage: its template, ${key} is the part after '@'
    for item in stage.get("metrics", []) or []:
        path = workspace / (next(iter(item)) if isinstance(item, dict) else item).replace("${key}", key)
        if path.is_file():
            values = _numbers(json.loads(path.read_text()))
            preferred = [k for k in values if "f1" in k] or list(values)
            if preferred:
                return {"metric": f"{path.stem}.{preferred[0]}", "value": values[preferred[0]]}
    return {}


def _numbers(value) -> dict:
    """Every number of a metrics file under its dotted key (``dev.micro_f1``), in file order."""
    return {k: v for k, v in flatten(value).items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def node_label() -> str:
    try:
        import ray

        return f"{socket.gethostname()}:{ray.get_runtime_context().get_node_id()[:8]}"
    except Exception:  # outside Ray (tests of this module)
        return socket.gethostname()


def run(job: Job) -> dict:
    """Run one experiment and push it; the result row for the driver. Raises :class:`TrialFailed`."""
    start = time.monotonic()
    env = {**os.environ, **dict(job.env), "NERLAB_THREADS": str(job.threads),
           "MLFLOW_TRACKING_URI": job.stores.tracking_uri, "DVC_NO_ANALYTICS": "1"}
    # the stages' `python` is this worker's interpreter (its environment has nerlab's dependencies), whatever
    # PATH the node was started with
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]).rstrip(os.pathsep)
    row = {"trial": job.name, "node": node_label(), "pid": os.getpid()}
    if remote_has(job.stores.git_remote, exp_ref(job.baseline, job.name), env):
        return {**row, "status": "landed before", "seconds": 0.0}
    root = Path(job.workdir or tempfile.gettempdir())
    root.mkdir(parents=True, exist_ok=True)
    if job.workdir:  # a trace of every attempt (retries on other nodes show up as more lines)
        with open(root / "attempts.jsonl", "a") as trace:
            trace.write(json.dumps({"trial": job.name, "node": row["node"], "pid": row["pid"],
                                    "time": time.time()}) + "\n")
    workspace = Path(tempfile.mkdtemp(prefix=f"nerlab-trial-{job.name}-", dir=root))
    log_path = workspace.with_suffix(".log")
    try:
        _checked(captured(["git", "clone", "-q", "--no-checkout", job.stores.git_remote, str(workspace)], None, env, 600),
                 "git clone")
        _checked(captured(["git", "fetch", "-q", "origin", f"{BASELINE_REFS}/{job.baseline}"], workspace, env, 600),
                 "git fetch of the baseline")
        _checked(captured(["git", "checkout", "-q", job.baseline], workspace, env), "git checkout")
        env["PYTHONPATH"] = os.pathsep.join([str(workspace / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        dvc = [sys.executable, "-m", "dvc"]
        _checked(captured([*dvc, "remote", "add", "--local", "--default", "--force", DVC_REMOTE, job.stores.dvc_remote],
                      workspace, env), "dvc remote add")
        with open(log_path, "w") as log:
            # the run-cache entries other trials pushed: a stage another trial ran with the same inputs is restored
            # instead of run again. DVC keeps no run-cache entry for a stage with a plain `cache: false` output
            # (nerlab's git-tracked metrics/details/*.json: crf, finetune, evaluate ...), so findings experiments
            # target the model stage itself, which writes the test predictions they need
            _guarded([*dvc, "fetch", "-q", "--run-cache", "-r", DVC_REMOTE,
                      *(["--with-deps", job.target] if job.target else [])], workspace, env, log)
            code = _guarded([*dvc, "exp", "run", "--pull", *job.run_args], workspace, env, log)
        text = log_path.read_text(errors="replace")
        if code != 0:
            raise TrialFailed(f"dvc exp run failed (exit {code}): {last_error(text)}", text[-20000:])
        _checked(captured([*dvc, "exp", "push", "-r", DVC_REMOTE, job.stores.git_remote, job.name], workspace, env, 1800),
                 "dvc exp push")
        captured([*dvc, "push", "-q", "--run-cache", "-r", DVC_REMOTE], workspace, env, 1800)  # for the next trials
        return {**row, "status": "done", "seconds": round(time.monotonic() - start, 1),
                **headline(workspace, job.target)}
    except TrialFailed as err:
        err.node = row["node"]
        raise
    finally:
        if not job.keep:
            shutil.rmtree(workspace, ignore_errors=True)
            log_path.unlink(missing_ok=True)
