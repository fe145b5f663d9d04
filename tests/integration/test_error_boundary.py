"""No traceback reaches a user without -v: every stage and every CLI command, run on damaged input, ends in one
line (a NerlabError's message, or "unexpected error: ...; the full traceback is in <file>"), and secrets never
reach a file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fake_llm import SECRET

from defaults import RAW

STAGES = ["fetch", "fetch --dataset bbc_news", "partition", "teacher", "eda", "crf", "annotate", "annotate_bbc",
          "topics", "llm_tagger", "finetune", "distill", "learning_curve", "multitask --task joint", "evaluate"]
NERLAB = str(Path(sys.executable).parent / "nerlab")


def scratch(tmp_path, **top) -> Path:
    """A project folder whose params point at a damaged column file and at no data directory."""
    project = tmp_path / "project"
    project.mkdir()
    damaged = tmp_path / "bad.txt"
    damaged.write_bytes(b"Ann B-PER\nmet\x00\xff O X Y\n\n")
    params = json.loads(json.dumps(RAW))
    params.update(dataset="conll", tracking={"enabled": False}, **top)
    params["data"].update(online=False, mirror=None)
    params["data"]["conll"].update(train=str(damaged), test=str(damaged))
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return project


def run(cmd: list[str], cwd: Path, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("NERLAB_DATA_DIR", "NERLAB_VERBOSE")}
    return subprocess.run(cmd, cwd=cwd, env={**environ, "HF_HUB_OFFLINE": "1", **env}, capture_output=True,
                          text=True, timeout=300)


def one_line_failure(done: subprocess.CompletedProcess) -> str:
    assert done.returncode not in (0, -11, 139), done  # failed, and not by a native crash
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if " ERROR " in line or line.startswith("usage:")
              or "error:" in line]
    assert errors, done.stderr[-2000:]
    return errors[-1]


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_fails_on_damaged_input_in_one_line(tmp_path, stage):
    project = scratch(tmp_path)
    line = one_line_failure(run([sys.executable, "-m", f"nerlab.stages.{stage.split()[0]}", *stage.split()[1:]],
                                project))
    if "unexpected error" in line:  # the boundary kept the traceback in a file and said where
        log = Path(line.split("the full traceback is in ")[1].split(";")[0])
        log = log if log.is_absolute() else project / log
        assert "Traceback" in log.read_text()


def test_with_v_the_traceback_is_shown(tmp_path):
    project = scratch(tmp_path)
    done = run([sys.executable, "-m", "nerlab.stages.evaluate", "-v"], project)
    assert done.returncode != 0 and ("Traceback" in done.stderr or " ERROR " in done.stderr)


@pytest.mark.parametrize("args", [
    ["predict", "--model", "nowhere", "Ann met Bob"],
    ["predict", "--model", "MODEL", "--file", "BINARY"],
    ["params", "check", "--file", "BROKEN"],
    ["export", "--model", "MODEL", "--to", "."],
    ["report"], ["report", "annotate"], ["report", "findings"], ["report", "nosuchset"], ["report", "--html", "."],
    ["queue", "nosuchset"], ["findings", "collect", "--only", "no-such-claim"],
    ["compare", "MODEL", "nowhere", "--on", "dev"], ["compare", "MODEL", "MODEL", "--resamples", "0"],
])
def test_every_command_fails_on_damaged_input_in_one_line(tmp_path, args):
    project = scratch(tmp_path)
    model = project / "model"
    model.mkdir()
    (model / "model.crfsuite").write_bytes(b"lCRF" + bytes(60))  # a damaged CRF model
    (project / "binary.txt").write_bytes(b"\x00\x01\xfe\xff" * 10)
    (project / "broken.yaml").write_text("seed: [1,\n")
    (project / "metrics").mkdir()
    (project / "metrics/test.json").write_text("{not json")
    swap = {"MODEL": str(model), "BINARY": str(project / "binary.txt"), "BROKEN": str(project / "broken.yaml")}
    one_line_failure(run([NERLAB, *[swap.get(a, a) for a in args]], project))


def test_predict_reads_binary_standard_input_as_one_line(tmp_path):
    project = scratch(tmp_path)
    done = subprocess.run([NERLAB, "predict", "--model", "models/crf"], cwd=project, input=b"\x00\xff\xfe",
                          capture_output=True, timeout=120)
    assert done.returncode == 1 and b"Traceback" not in done.stderr


def test_a_key_reaches_no_file(tmp_path, fake):
    """The key (in the environment variable params name) is sent to the endpoint, and is in no file after a run:
    not in mlflow.db, the metrics, the logs, the answer cache or the outputs."""
    import shutil

    from defaults import ROOT
    from nerlab.data.jsonl import write_json, write_jsonl
    from nerlab.data.tags import label_list

    server = fake(answer='{"PER": ["Ann"]}')
    project = scratch(tmp_path, llm="openai")
    shutil.copytree(ROOT / "configs", project / "configs")
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["tracking"]["enabled"] = True
    params["annotate"]["openai"].update(base_url=server.url, api_key_env="NERLAB_TEST_KEY", model="m")
    params["annotate"]["tagger"].update(size=3, split="test")
    params["annotate"]["shots"] = 1
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    rows = [{"id": f"s{i}", "doc_id": None, "tokens": ["Ann", "met", "Bob"], "tags": ["B-PER", "O", "B-PER"]}
            for i in range(8)]
    prepared = project / "data/prepared/conll"
    for split in ("train", "dev", "test"):
        write_jsonl(prepared / f"{split}.jsonl", rows)
    write_json(prepared / "labels.json", {"types": ["PER"], "tags": label_list(["PER"])})
    done = run([sys.executable, "-m", "nerlab.stages.llm_tagger"], project, NERLAB_TEST_KEY=SECRET,
               MLFLOW_TRACKING_URI=f"sqlite:///{project / 'mlflow.db'}",
               NERLAB_MLFLOW_ARTIFACTS=(project / "mlartifacts").as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    assert server.auth and all(a == f"Bearer {SECRET}" for a in server.auth)  # it was used
    files = [p for p in project.rglob("*") if p.is_file()]
    assert any(p.name == "mlflow.db" for p in files) and any(p.name.endswith(".sqlite") for p in files)
    leaked = [str(p) for p in files if SECRET.encode() in p.read_bytes()]
    assert not leaked and SECRET not in done.stderr + done.stdout
