"""MLflow tracking with one store per project, wherever a stage runs.

The store is ``<project root>/mlflow.db`` (SQLite) with artifacts in
``<project root>/mlartifacts``, both by absolute path. ``dvc exp run --temp`` and
``--queue`` run stages in a copy under ``<project root>/.dvc/tmp/exps/``; the
project root is found above that copy, so their runs land in the same store.
``MLFLOW_TRACKING_URI`` overrides all of this. Browse with
``mlflow ui --backend-store-uri sqlite:///mlflow.db``.
"""

from __future__ import annotations

import logging
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

from nerlab.config.params import flatten

log = logging.getLogger(__name__)

EXPERIMENT = "nerlab"


def project_root(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    parts = here.parts
    for i in range(len(parts) - 2):
        if parts[i] == ".dvc" and parts[i + 1] == "tmp" and parts[i + 2] == "exps":
            return Path(*parts[:i])
    return here


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{project_root() / 'mlflow.db'}"


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=project_root()).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


class Run:
    """The handle a stage logs through; every call is a no-op when tracking is off."""

    def __init__(self, mlflow=None):
        self._mlflow = mlflow

    def metrics(self, values: dict, step: int | None = None, prefix: str = "") -> None:
        if self._mlflow is None:
            return
        flat = {k: float(v) for k, v in flatten(values, prefix).items()
                if isinstance(v, (int, float)) and not isinstance(v, bool)}
        self._mlflow.log_metrics({k.replace("/", "_"): v for k, v in flat.items()}, step=step)

    def tags(self, values: dict) -> None:
        if self._mlflow is not None:
            self._mlflow.set_tags({k: str(v) for k, v in values.items()})

    def artifact(self, path: str | Path) -> None:
        if self._mlflow is not None and Path(path).exists():
            if Path(path).is_dir():
                self._mlflow.log_artifacts(str(path), artifact_path=Path(path).name)
            else:
                self._mlflow.log_artifact(str(path))


@contextmanager
def run(name: str, params: dict, enabled: bool = True):
    """An MLflow run named ``name`` with ``params`` (nested dicts flattened to dotted keys)."""
    if not enabled:
        yield Run()
        return
    import mlflow

    logging.getLogger("alembic").setLevel(logging.WARNING)
    mlflow.set_tracking_uri(tracking_uri())
    root = project_root()
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        artifacts = os.environ.get("NERLAB_MLFLOW_ARTIFACTS") or (root / "mlartifacts").as_uri()
        mlflow.create_experiment(EXPERIMENT, artifact_location=artifacts)
    mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run(run_name=name):
        mlflow.log_params({k: str(v)[:500] for k, v in flatten(params).items()})
        mlflow.set_tags({"stage": name.split(":")[0], "git_commit": _git_commit() or "unknown",
                         "dvc_exp": os.environ.get("DVC_EXP_NAME", "workspace")})
        log.info("MLflow run %s in %s", mlflow.active_run().info.run_id, tracking_uri())
        yield Run(mlflow)
