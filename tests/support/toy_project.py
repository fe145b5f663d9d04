"""A fresh copy of the project on a toy dataset the tests write: the end-to-end run and the Ray grid start here."""

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from nerlab.config.params import load_params

ROOT = Path(__file__).resolve().parents[2]

NAMES = ["Anna Berg", "Bob Stone", "Carla Diaz", "Dieter Kohl", "Emil Roth", "Fay Lund"]
PLACES = ["Paris", "Oslo", "Rome", "Lima", "New York"]
ORGS = ["Acme Corp", "Reuters", "United Nations", "Volvo"]


def _sentence(rng):
    name, place, org = rng.choice(NAMES), rng.choice(PLACES), rng.choice(ORGS)
    parts = rng.choice([
        [(name, "PER"), ("visited", None), (place, "LOC"), ("on", None), ("Monday", None), (".", None)],
        [(org, "ORG"), ("hired", None), (name, "PER"), ("in", None), (place, "LOC"), (".", None)],
        [("Shares", None), ("of", None), (org, "ORG"), ("rose", None), ("3", None), ("percent", None)],
    ])
    rows = []
    for text, etype in parts:
        for word in text.split():
            rows.append((word, "NNP" if etype else "NN", "I-NP", f"I-{etype}" if etype else "O"))  # IOB1
    return rows


def write_dataset(folder: Path, seed: int = 0) -> dict:
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    paths = {}
    for split, n in (("train", 80), ("dev", 20), ("test", 20)):
        lines = []
        for i in range(n):
            if i % 5 == 0:
                lines += ["-DOCSTART- -X- O O", ""]
            lines += [" ".join(row) for row in _sentence(rng)] + [""]
        paths[split] = str(folder / f"{split}.txt")
        Path(paths[split]).write_text("\n".join(lines) + "\n")
    return paths


def run(cmd, cwd, env):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout + proc.stderr


DVC = [sys.executable, "-m", "dvc"]


def make_project(tmp_path: Path) -> tuple[Path, dict, dict]:
    """(project, env, params): the repository's dvc.yaml, configs and sources with small params over the toy
    dataset, git and DVC initialised, MLflow in the test's own store."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("dvc.yaml", "params.yaml", ".dvcignore", ".gitignore"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "configs", project / "configs")
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    params = load_params(project / "params.yaml")
    params["dataset"] = "conll"
    params["data"]["conll"].update(write_dataset(tmp_path / "mydata"), scheme="IOB1", tag_col=3, n_cols=4,
                                    feature_cols={"pos": 1, "chunk": 2})
    params["crf"]["max_iterations"] = 30
    params["crf"]["features"]["clusters"]["sizes"] = [4]
    params["finetune"].update(epochs=2, batch_size=8)
    ann = params["annotate"]  # the real local LLM server, a few short requests per stage
    ann.update(sample_size={"teacher": 20, "local": 4, "openai": 4, "noise": 20}, shots=1,
               max_unreadable=1.0)  # SmolLM2 with 40 tokens rarely answers in a readable form: the plumbing is tested
    params["teacher"]["size"] = 30
    ann["prompts"]["standard"]["max_tokens"] = 40
    ann["prompts"]["cot"]["max_tokens"] = 60
    ann["bbc"].update(max_sentences={"teacher": 30, "local": 2, "openai": 2, "noise": 30})
    ann["topics"].update(labeller="bbc", train_size=40, test_size=20)
    ann["tagger"].update(size=3)
    params["distill"].update(original_size=20, repeats=1)
    params["distill"]["train"].update(epochs=2, batch_size=8)
    params["paper002"]["train"].update(epochs=2)
    params["learning_curve"].update(sizes=[5, 20], seeds=[1, 2])
    params["multitask"]["train_size"] = 40
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"],
           "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
           "NERLAB_MLFLOW_ARTIFACTS": (tmp_path / "mlartifacts").as_uri(),
           "NERLAB_PARAMS_AUDIT": str(tmp_path / "params_read"),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    dvc = DVC
    run(["git", "init", "-q"], project, env)
    run([*dvc, "init", "-q"], project, env)
    run([*dvc, "config", "core.analytics", "false"], project, env)

    return project, env, params
