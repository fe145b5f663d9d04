"""Benchmark: per-trial overhead of `nerlab grid run` (Ray) against the serial DVC queue, same tiny grid.

Both sides run the same DVC experiments (the `crf` stage with N values of crf.c1) from the same commit
of a fresh project on the end-to-end test's toy dataset:

- serial: `nerlab queue gridbench` + `dvc exp run --run-all -j 1` in the project;
- Ray: `nerlab grid run gridbench` in a clone sharing the DVC cache: a local Ray on loopback, the local
  stores (bare git repository, directory DVC remote, an `mlflow server`), a fresh clone per trial,
  `dvc exp push` and `dvc exp pull` of every experiment.

    python bench/grid_overhead.py                 # 4 trials
    python bench/grid_overhead.py --trials 6 --cpus-per-trial 2

Prints wall seconds per trial for each side and the ratio. On 2 cores expect no speed-up: the grid's
extra work (Ray start, clone, push, pull, the MLflow server) is overhead, and a CPU-bound trial cannot
run faster beside another.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/support"))  # the end-to-end test's toy project (also used by the grid test)

from toy_project import DVC, make_project, run  # noqa: E402


def timed(cmd: list[str], cwd: Path, env: dict) -> float:
    start = time.monotonic()
    run(cmd, cwd, env)
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--cpus-per-trial", type=float, default=1)
    args = parser.parse_args()
    nerlab = str(Path(sys.executable).parent / "nerlab")
    with tempfile.TemporaryDirectory(prefix="nerlab-grid-bench-") as tmp:
        tmp_path = Path(tmp)
        project, env, _ = make_project(tmp_path)
        env.pop("MLFLOW_TRACKING_URI")  # the grid side starts its own server over the project's store
        c1 = [round(0.05 * 2 ** i, 4) for i in range(args.trials)]
        (project / "configs/gridbench.yaml").write_text(yaml.safe_dump(
            {"paper": "grid bench", "target": "crf", "variants": {f"t{i}": {"crf.c1": v} for i, v in enumerate(c1)}}))
        run([*DVC, "repro", "crf"], project, env)
        run(["git", "add", "-A"], project, env)
        run(["git", "commit", "-qm", "baseline"], project, env)
        clone = tmp_path / "clone"
        run(["git", "clone", "-q", str(project), str(clone)], tmp_path, env)
        run([*DVC, "cache", "dir", "--local", str(project / ".dvc/cache")], clone, env)

        serial = timed([nerlab, "queue", "gridbench"], project, env)
        serial += timed([*DVC, "exp", "run", "--run-all", "-j", "1"], project, env)
        ray = timed([nerlab, "grid", "run", "gridbench", "--cpus-per-trial", str(args.cpus_per_trial)], clone,
                    {**env, "NERLAB_VERBOSE": os.environ.get("NERLAB_VERBOSE", "")})
    n = args.trials
    print(f"| path | trials | wall s | s per trial |\n|---|---|---|---|\n"
          f"| serial DVC queue (dvc exp run --run-all -j 1) | {n} | {serial:.1f} | {serial / n:.1f} |\n"
          f"| nerlab grid run (local Ray, {args.cpus_per_trial:g} CPU per trial) | {n} | {ray:.1f} | {ray / n:.1f} |\n"
          f"ratio Ray / serial: {ray / serial:.2f}x wall ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
