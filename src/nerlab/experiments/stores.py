"""The shared stores a grid's results travel through: a git remote, a DVC remote, an MLflow tracking server.

A user's own are used when given (``--git-remote``, ``--dvc-remote``, ``--tracking-uri``)
or configured (the project's default DVC remote, ``MLFLOW_TRACKING_URI``). Otherwise
nerlab sets up local ones under ``.nerlab/grid/`` in the project: a bare git repository
(``experiments.git``), a directory DVC remote (``dvc-store/``) and an ``mlflow server``
on loopback over the project's own store (``mlflow.db``, ``mlartifacts/``), so runs land
where ``mlflow ui`` already looks. Only the server is torn down afterwards: the bare
repository and the DVC remote hold the results.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from nerlab.config.errors import NerlabError
from nerlab.experiments.trial import DVC_REMOTE, Stores, captured

log = logging.getLogger(__name__)

GRID_DIR = Path(".nerlab/grid")


def git_remote(project: Path, given: str | None) -> str:
    """A git remote's URL: ``given`` (a remote name of the project or a URL), else a bare repository
    ``.nerlab/grid/experiments.git`` (made once)."""
    if given:
        named = captured(["git", "remote", "get-url", given], project)
        return named.stdout.strip() if named.returncode == 0 else given
    bare = (project / GRID_DIR / "experiments.git").resolve()
    if not (bare / "HEAD").is_file():
        bare.parent.mkdir(parents=True, exist_ok=True)
        made = captured(["git", "init", "-q", "--bare", str(bare)], project)
        if made.returncode != 0:
            raise NerlabError(f"{bare}: git init --bare failed: {made.stderr.strip()[-300:]}")
    return str(bare)


def _dvc_remotes(project: Path) -> dict[str, str]:
    out = captured([sys.executable, "-m", "dvc", "remote", "list"], project)
    return dict(line.split(None, 1) for line in out.stdout.splitlines() if len(line.split(None, 1)) == 2)


def dvc_remote(project: Path, given: str | None) -> str:
    """A DVC remote's URL: ``given`` (a remote name or a URL), else the project's default remote, else a
    directory ``.nerlab/grid/dvc-store``. The driver's project gets it as ``nerlab-grid`` in
    ``.dvc/config.local`` (nerlab's entry; the user's config is not touched)."""
    remotes = _dvc_remotes(project)
    if given:
        url = remotes.get(given, given)
    else:
        default = captured([sys.executable, "-m", "dvc", "remote", "default"], project).stdout.strip()
        url = remotes.get(default) if default else None
        if not url:
            store = (project / GRID_DIR / "dvc-store").resolve()
            store.mkdir(parents=True, exist_ok=True)
            url = str(store)
    if remotes.get(DVC_REMOTE) != url:
        added = captured([sys.executable, "-m", "dvc", "remote", "add", "--local", "--force", DVC_REMOTE, url], project)
        if added.returncode != 0:
            raise NerlabError(f"dvc remote add {DVC_REMOTE} {url}: {added.stderr.strip()[-300:]}")
    return url


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, seconds: float, process: subprocess.Popen | None = None, log_path: Path | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise NerlabError(f"mlflow server exited with {process.returncode} (see {log_path})")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise NerlabError(f"mlflow server at {url} not healthy after {seconds:.0f} s (see {log_path})")


@contextmanager
def mlflow_server(project: Path, host: str = "127.0.0.1", backend: str | None = None,
                  artifacts: Path | None = None, seconds: float = 180):
    """``mlflow server`` over the project's store (or ``backend``), on ``host``; stopped on exit."""
    backend = backend or f"sqlite:///{(project / 'mlflow.db').resolve()}"
    artifacts = (artifacts or project / "mlartifacts").resolve()
    port = _free_port(host)
    log_path = (project / GRID_DIR / "mlflow-server.log").resolve()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "mlflow", "server", "--host", host, "--port", str(port),
                                    "--backend-store-uri", backend, "--artifacts-destination", str(artifacts),
                                    "--workers", "1"], stdout=out, stderr=subprocess.STDOUT, cwd=project,
                                   start_new_session=True,
                                   env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"})  # no job workers
    url = f"http://{host}:{port}"
    try:
        wait_healthy(url, seconds, process, log_path)
        log.info("mlflow server %s (store %s, log %s)", url, backend, log_path)
        yield url
    finally:  # the server and its uvicorn workers: the process group it leads
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def ensure_experiment(uri: str, name: str = "nerlab") -> None:
    """The MLflow experiment the stages log to, made on the tracking server first so its artifacts go through
    the server (a stage would otherwise make it with an artifact folder inside its own throw-away clone)."""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    if uri.startswith(("http://", "https://")):
        try:
            wait_healthy(uri.rstrip("/"), 20)
        except NerlabError:
            raise NerlabError(f"MLflow tracking server {uri} not reachable (GET /health failed for 20 s): start it, "
                              "or leave --tracking-uri out for a local one") from None
    try:
        client = MlflowClient(tracking_uri=uri)
        if client.get_experiment_by_name(name) is None:
            client.create_experiment(name)
    except MlflowException as err:
        raise NerlabError(f"MLflow tracking at {uri}: {str(err).splitlines()[0][:300]}") from None


@contextmanager
def opened(project: Path, git: str | None = None, dvc: str | None = None, tracking_uri: str | None = None,
           mlflow_host: str = "127.0.0.1"):
    """The three stores; a local MLflow server is started (and stopped) only when no tracking URI is given."""
    git_url, dvc_url = git_remote(project, git), dvc_remote(project, dvc)
    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        ensure_experiment(uri)
        yield Stores(git_url, dvc_url, uri)
        return
    with mlflow_server(project, mlflow_host) as url:
        ensure_experiment(url)
        yield Stores(git_url, dvc_url, url)
