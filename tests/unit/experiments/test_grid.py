"""The grid runner's pieces that need no Ray: experiments, refs, error lines, the baseline rule, the stores."""

import subprocess
import sys

import pytest

from nerlab.config.errors import NerlabError
from nerlab.experiments import findings, grid, stores, trial, variants


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"})


def test_an_experiment_is_the_queued_one():
    spec = {"target": "finetune", "common": {"finetune.epochs": 1},
            "variants": {"x": {"head": "crf", "finetune.lr": 5e-05}, "y": {"head": "linear"}}}
    chosen = variants.set_experiments(spec, ["finetune.epochs=2"], ["x"])
    assert chosen == [variants.Experiment("x", "finetune", {"finetune.epochs": 2, "head": "crf", "finetune.lr": 5e-05})]
    assert chosen[0].run_args() == ["-n", "x", "finetune", "-S", "finetune.epochs=2", "-S", "head=crf",
                                    "-S", "finetune.lr=5.0e-05"]
    assert variants.queue_commands(spec, ["finetune.epochs=2"], ["x"]) == [["dvc", "exp", "run", "--queue",
                                                                            *chosen[0].run_args()]]
    with pytest.raises(NerlabError, match="unknown variants"):
        variants.set_experiments(spec, [], ["z"])


def test_findings_sides_are_experiments():
    spec = findings.load_spec()
    chosen = findings.side_experiments(spec, ["p003-B-vs-A"])
    assert [e.queue_command() for e in chosen] == findings.queue_commands(spec, ["p003-B-vs-A"])
    assert all(e.name.startswith(findings.PREFIX) for e in chosen)


def test_exp_ref_is_dvcs():
    sha = "ab" + "c" * 38
    assert trial.exp_ref(sha, "x") == f"refs/exps/ab/{'c' * 38}/x"


@pytest.mark.parametrize(("text", "line"), [
    ("Running stage 'crf':\n07:00:01 ERROR nerlab.runtime: params.yaml: crf.c1: not a number\n"
     "ERROR: failed to reproduce 'crf': exited with 1\n", "params.yaml: crf.c1: not a number"),
    ("07:00:01 ERROR nerlab.runtime: params.yaml: 1 bad setting(s):\n  crf.c1: not a number\n"
     "ERROR: failed to reproduce 'crf'\n", "params.yaml: 1 bad setting(s): crf.c1: not a number"),
    ("fatal: repository 'x' does not exist\n", "fatal: repository 'x' does not exist"),
    ("Traceback (most recent call last):\n  File \"x.py\", line 1\nModuleNotFoundError: No module named 'yaml'\n"
     "ERROR: failed to reproduce 'crf': failed to run: python -m nerlab.stages.crf, exited with 1\n",
     "ERROR: failed to reproduce 'crf': failed to run: python -m nerlab.stages.crf, exited with 1 "
     "(ModuleNotFoundError: No module named 'yaml')"),
    ("one\ntwo\n\n", "two"),
    ("", "no output"),
])
def test_last_error_names_the_cause(text, line):
    assert trial.last_error(text) == line


def test_trial_failed_keeps_its_log_through_pickling():
    import pickle

    err = pickle.loads(pickle.dumps(trial.TrialFailed("bad", "the log")))
    assert str(err) == "bad" and err.log == "the log"


def test_the_baseline_is_a_clean_commit(tmp_path):
    _git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("1")
    _git(tmp_path, "add", "a.txt")
    _git(tmp_path, "commit", "-qm", "one")
    (tmp_path / "untracked.txt").write_text("fine")
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics/findings.json").write_text("{}")
    _git(tmp_path, "add", "metrics/findings.json")
    _git(tmp_path, "commit", "-qm", "findings")
    (tmp_path / "metrics/findings.json").write_text('{"claims": []}')  # collect's output: no stage reads it
    sha = grid.baseline(tmp_path)
    assert len(sha) == 40
    (tmp_path / "a.txt").write_text("2")
    with pytest.raises(NerlabError, match=r"uncommitted changes \(a.txt\)"):
        grid.baseline(tmp_path)


def test_local_stores_are_made_once_under_the_project(tmp_path):
    _git(tmp_path, "init", "-q")
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=tmp_path, check=True)
    url = stores.git_remote(tmp_path, None)
    assert url == str((tmp_path / ".nerlab/grid/experiments.git").resolve()) and (tmp_path / url / "HEAD").is_file()
    assert stores.git_remote(tmp_path, None) == url
    assert stores.git_remote(tmp_path, "ssh://host/repo.git") == "ssh://host/repo.git"
    dvc_url = stores.dvc_remote(tmp_path, None)
    assert dvc_url == str((tmp_path / ".nerlab/grid/dvc-store").resolve())
    assert f"url = {dvc_url}" in (tmp_path / ".dvc/config.local").read_text()
    assert not (tmp_path / ".dvc/config").read_text().strip()  # the user's config is not touched


def test_summary_has_one_row_per_trial():
    rows = [{"trial": "a", "node": "h:1", "status": "done", "seconds": 3.2, "metric": "crf.micro_f1", "value": 0.9},
            {"trial": "bad", "node": "h:2", "status": "failed", "error": "params.yaml: crf.c1: not a number"}]
    text = grid.summary(rows)
    assert "| a | h:1 | done | 3.2 | crf.micro_f1 = 0.9000 |" in text
    assert "| bad | h:2 | failed | - | params.yaml: crf.c1: not a number |" in text


def test_headline_metric_of_a_plain_and_a_foreach_stage(tmp_path):
    import json

    import yaml

    (tmp_path / "dvc.yaml").write_text(yaml.safe_dump({"stages": {
        "crf": {"cmd": "x", "metrics": [{"metrics/crf.json": {"cache": False}}]},
        "multitask": {"foreach": ["token"], "do": {"cmd": "y", "metrics": [{"metrics/multitask/${key}.json": {}}]}}}}))
    (tmp_path / "metrics/multitask").mkdir(parents=True)
    (tmp_path / "metrics/crf.json").write_text(json.dumps({"fit_seconds": 3, "dev": {"micro_f1": 0.8, "macro_f1": 1}}))
    (tmp_path / "metrics/multitask/token.json").write_text(json.dumps({"token": {"micro_f1": 0.7}}))
    assert trial.headline(tmp_path, "crf") == {"metric": "crf.dev.micro_f1", "value": 0.8}
    assert trial.headline(tmp_path, "multitask@token") == {"metric": "token.token.micro_f1", "value": 0.7}
    assert trial.headline(tmp_path, None) == {}


def test_an_address_where_nothing_listens_fails_in_one_line():
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(NerlabError, match=f"no Ray cluster at 127.0.0.1:{port}"):
        grid.reachable(f"127.0.0.1:{port}", 1)
    with pytest.raises(NerlabError, match="expected auto or HOST:PORT"):
        grid.reachable("nowhere", 1)


def test_seeds_choose_one_seed_of_every_side():
    spec = findings.load_spec()
    claims = ["p000-crf-vs-smallest"]
    every = [e.name for e in findings.side_experiments(spec, claims)]
    first = [e.name for e in findings.side_experiments(spec, claims, seeds=[42])]
    assert first == [n for n in every if n.endswith("-s42") or n == "findings-p000-feature-crf"]
    assert "findings-p000-feature-crf" in first and len(every) == 4


def test_pull_names_the_experiment_by_its_full_ref(monkeypatch, tmp_path):
    """The git remote may hold the same name from another baseline (the grid run again after a commit): a bare
    name is ambiguous to `dvc exp pull`, the full ref is not."""
    import subprocess

    from nerlab.experiments import grid

    calls = []
    monkeypatch.setattr(grid, "_dvc", lambda project, *args: calls.append(args) or
                        subprocess.CompletedProcess(args, 0, "", ""))
    stores = trial.Stores(git_remote="/r.git", dvc_remote="/d", tracking_uri="http://x")
    sha = "ab" + "c" * 38
    grid.pull(tmp_path, stores, sha, "findings-x-s42")
    assert calls == [("exp", "pull", "-r", trial.DVC_REMOTE, "/r.git", trial.exp_ref(sha, "findings-x-s42"))]
