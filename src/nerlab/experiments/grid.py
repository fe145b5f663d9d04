"""``nerlab grid run``: a variant set or the findings' sides as DVC experiments on a Ray cluster.

The unit of work is a DVC experiment, the same one ``nerlab queue`` / ``nerlab findings
queue`` would queue (same baseline commit, same ``-S`` overrides, same name), so ``dvc
exp show``, ``dvc metrics diff`` and ``nerlab findings collect`` read the results as
they read the local queue's. Each becomes one Ray task (``num_cpus``/``num_gpus`` per
trial, ``max_retries`` for lost nodes, no retry of its own errors) that runs
:func:`nerlab.experiments.trial.run` on whichever node Ray picks; results come back
through the shared stores (:mod:`nerlab.experiments.stores`) and the driver pulls each
finished experiment into the project (``dvc exp pull``) as it lands.

Without ``--address`` the driver starts a local Ray on this machine, every process on
127.0.0.1 (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``: Ray's single-machine mode, in which
it binds to loopback instead of the machine's outward address).

Re-running the same command skips experiments already in the project and pulls those
already in the git remote (a driver killed after they finished), so an interrupted
grid resumes where it stopped.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from nerlab.config.errors import NerlabError
from nerlab.experiments import stores as shared
from nerlab.experiments import trial
from nerlab.experiments.variants import Experiment

log = logging.getLogger(__name__)

PASSED_ENV = ("NERLAB_DATA_DIR", "NERLAB_MLFLOW_ARTIFACTS", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
FINDINGS_OUTPUTS = ("metrics/findings.json", "metrics/findings/", "metrics/plots/findings/")
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


@dataclass(frozen=True)
class Options:
    address: str | None = None  # None: a local Ray on this machine
    cpus_per_trial: float = 1
    gpus_per_trial: float = 0
    max_retries: int = 3  # re-runs of a trial whose node or worker died
    git_remote: str | None = None
    dvc_remote: str | None = None
    tracking_uri: str | None = None
    mlflow_host: str = "127.0.0.1"
    workdir: str | None = None  # where nodes clone (default: their temp dir)
    ray_seconds: float = 60  # how long to wait for a cluster at --address to answer


def baseline(project: Path) -> str:
    """HEAD, refusing a working tree whose tracked files changed (the findings' outputs aside): nodes run a
    commit, not this tree."""
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=project,
                            capture_output=True, text=True, check=False)
    if status.returncode != 0:
        raise NerlabError(f"{project}: not a git repository ({status.stderr.strip()[-200:]})")
    # the findings' own files (no stage reads them) may differ: collect, grid, collect is the usual loop
    changed = [line[3:] for line in status.stdout.splitlines() if not line[3:].startswith(FINDINGS_OUTPUTS)]
    if changed:
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        raise NerlabError(f"uncommitted changes ({shown}): every node runs a commit; commit or stash them first")
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True,
                          check=True).stdout.strip()


def _git(project: Path, *args: str) -> subprocess.CompletedProcess:
    return trial.captured(["git", *args], project)


def _dvc(project: Path, *args: str) -> subprocess.CompletedProcess:
    return trial.captured([sys.executable, "-m", "dvc", *args], project)


def local_names(project: Path, sha: str) -> set[str]:
    """Experiments of this baseline already in the project."""
    prefix = trial.exp_ref(sha, "")
    out = _git(project, "for-each-ref", "--format=%(refname)", prefix)
    return {ref[len(prefix):] for ref in out.stdout.split()}


def publish_baseline(project: Path, sha: str, stores: trial.Stores, targets: set[str | None]) -> None:
    """The baseline commit to the git remote (a ref of nerlab's, not a branch) and the outputs of the experiments'
    target stages and everything upstream to the DVC remote, so nodes start from it and pull the stages the
    experiments leave unchanged instead of re-running them."""
    pushed = _git(project, "push", "-q", stores.git_remote, f"{sha}:{trial.BASELINE_REFS}/{sha}")
    if pushed.returncode != 0:
        raise NerlabError(f"git push of {sha[:8]} to {stores.git_remote} failed: {pushed.stderr.strip()[-300:]}")
    stages = [] if None in targets else ["--with-deps", *sorted(targets)]
    outputs = _dvc(project, "push", "-q", "--run-cache", "-r", trial.DVC_REMOTE, *stages)
    if outputs.returncode != 0:  # some outputs not in this cache: nodes re-run those stages
        log.warning("dvc push to %s: %s (nodes will run what they cannot pull)", stores.dvc_remote,
                    trial.last_error(outputs.stdout + outputs.stderr))


def pull(project: Path, stores: trial.Stores, sha: str, name: str) -> None:
    """One experiment of this baseline into the project, by its full ref: the git remote may hold experiments of
    the same name from other baselines (the same grid run again after a commit), which a bare name makes
    ambiguous."""
    ref = trial.exp_ref(sha, name)
    out = _dvc(project, "exp", "pull", "-r", trial.DVC_REMOTE, stores.git_remote, ref)
    if out.returncode != 0:
        raise NerlabError(f"dvc exp pull {ref}: {trial.last_error(out.stdout + out.stderr)}")


def _git_identity(project: Path) -> dict[str, str]:
    """The user's git identity for the experiments' commits (a fresh node may have none)."""
    name = _git(project, "config", "user.name").stdout.strip() or "nerlab grid"
    email = _git(project, "config", "user.email").stdout.strip() or "nerlab@localhost"
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email}


def reachable(address: str, seconds: float) -> None:
    """Fail in one line when nothing listens at HOST:PORT within ``seconds`` (ray.init would retry for minutes)."""
    import socket

    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise NerlabError(f"--address {address!r}: expected auto or HOST:PORT")
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection((host, int(port)), timeout=5):
                return
        except OSError as err:
            if time.monotonic() >= deadline:
                raise NerlabError(f"no Ray cluster at {address} ({err.strerror or err}) after {seconds:.0f} s: "
                                  "start one (ray start --head) or leave --address out for a local one") from None
            time.sleep(1)


def start_ray(options: Options):
    """Connect to ``options.address`` or start a local Ray on loopback; returns the ray module."""
    if options.address is None:
        os.environ.update(LOOPBACK_ENV)  # read when ray is imported
    import ray

    kwargs = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    try:
        if options.address is None:
            ray.init(num_cpus=os.cpu_count(), **kwargs)
        else:
            ray.init(address=options.address, **kwargs)
    except Exception as err:  # ConnectionError, TimeoutError, ray's own
        raise NerlabError(f"Ray at {options.address or 'a local cluster'} did not come up: {err}") from None
    return ray


def _row_of_error(ray, name: str, err: Exception) -> dict:
    cause = getattr(err, "cause", None) or err
    if isinstance(cause, trial.TrialFailed):
        return {"trial": name, "node": cause.node, "status": "failed", "error": str(cause), "log": cause.log}
    if isinstance(err, (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError)):
        return {"trial": name, "status": "lost", "error": f"{type(err).__name__} after every retry"}
    return {"trial": name, "status": "failed", "error": f"{type(cause).__name__}: {cause}"[:500]}


def _line(row: dict) -> str:
    value = f"{row['metric']}={row['value']:.4f}" if "value" in row else row.get("error", "")
    return f"{row['status']:<13} {row['trial']}  {row.get('node', '-')}  {row.get('seconds', '-')} s  {value}"


def summary(rows: list[dict]) -> str:
    lines = ["| trial | node | status | seconds | headline metric |", "|---|---|---|---|---|"]
    for row in rows:
        metric = f"{row['metric']} = {row['value']:.4f}" if "value" in row else row.get("error", "-")
        lines.append(f"| {row['trial']} | {row.get('node', '-')} | {row['status']} | {row.get('seconds', '-')} | "
                     f"{metric} |")
    return "\n".join(lines)


def _interrupt(*_):
    raise KeyboardInterrupt


def run(experiments: list[Experiment], options: Options, project: Path = Path(".")) -> int:
    """Run the experiments on Ray; every finished one is pulled into the project. The exit code: 0 when all
    landed, 1 when any failed, 130 when interrupted."""
    from tqdm import tqdm

    project = project.resolve()
    names = [e.name for e in experiments]
    if len(set(names)) != len(names):
        raise NerlabError(f"experiment names repeat: {sorted({n for n in names if names.count(n) > 1})}")
    sha = baseline(project)
    if options.address not in (None, "auto"):
        reachable(options.address, options.ray_seconds)  # before anything is pushed or started
    rows: list[dict] = []
    code = 0
    previous = signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    try:
        with shared.opened(project, options.git_remote, options.dvc_remote, options.tracking_uri,
                           options.mlflow_host) as stores:
            publish_baseline(project, sha, stores, {e.target for e in experiments})
            here = local_names(project, sha)
            todo = []
            for e in experiments:
                if e.name in here:
                    rows.append({"trial": e.name, "status": "done before"})
                elif trial.remote_has(stores.git_remote, trial.exp_ref(sha, e.name)):
                    pull(project, stores, sha, e.name)
                    rows.append({"trial": e.name, "status": "pulled"})
                else:
                    todo.append(e)
            for row in rows:
                log.info("%s: %s (not run again)", row["trial"], row["status"])
            if todo:
                code = _run_on_ray(project, sha, todo, stores, options, rows, tqdm)
    except KeyboardInterrupt:
        code = 130
        log.warning("interrupted: finished experiments are in the project; the same command resumes the rest")
    finally:
        signal.signal(signal.SIGTERM, previous)
    _write_summary(project, rows, time.monotonic() - started)
    print(summary(rows))
    failed = [r for r in rows if r["status"] in ("failed", "lost")]
    if failed and code == 0:
        code = 1
    return code


def _run_on_ray(project: Path, sha: str, todo: list[Experiment], stores: trial.Stores, options: Options,
                rows: list[dict], tqdm) -> int:
    ray = start_ray(options)
    signal.signal(signal.SIGTERM, _interrupt)  # ray.init installs its own, which aborts the driver (signal 6)
    try:
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ} | _git_identity(project)
        threads = max(1, int(options.cpus_per_trial))
        task = ray.remote(trial.run).options(num_cpus=options.cpus_per_trial, num_gpus=options.gpus_per_trial,
                                             max_retries=options.max_retries, retry_exceptions=False)
        pending = {}
        for e in todo:
            job = trial.Job(e.name, e.target, tuple(e.run_args()), sha, stores, threads, tuple(env.items()),
                            options.workdir)
            pending[task.remote(job)] = e.name
        log.info("%d trials on Ray (%s), %s CPU and %s GPU each", len(todo), options.address or "local",
                 options.cpus_per_trial, options.gpus_per_trial)
        with tqdm(total=len(todo), desc="grid", unit="trial") as bar:
            try:
                while pending:
                    done, _ = ray.wait(list(pending), num_returns=1)
                    name = pending.pop(done[0])
                    try:
                        row = ray.get(done[0])
                        pull(project, stores, sha, name)
                    except NerlabError as err:
                        row = {"trial": name, "status": "failed", "error": str(err)}
                    except Exception as err:  # the trial's own error or a lost node: recorded, the grid goes on
                        row = _row_of_error(ray, name, err)
                    rows.append(row)
                    if row.get("log"):
                        _save_log(project, name, row.pop("log"))
                    bar.write(_line(row))
                    bar.update(1)
            except KeyboardInterrupt:
                for ref in pending:
                    ray.cancel(ref, force=True)
                rows.extend({"trial": name, "status": "interrupted"} for name in pending.values())
                raise
    finally:
        ray.shutdown()
    return 0


def _save_log(project: Path, name: str, text: str) -> None:
    path = project / shared.GRID_DIR / "logs" / f"{name}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _write_summary(project: Path, rows: list[dict], seconds: float) -> None:
    path = project / shared.GRID_DIR / "last_run.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"seconds": round(seconds, 1), "trials": rows}, indent=1) + "\n")
