"""The tagger as an MLflow pyfunc model, served by `mlflow models serve` over HTTP on loopback."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from defaults import train_config
from nerlab.models.transformer.precision import is_quantized
from nerlab.models.transformer.tagger import FinetunedTagger
from nerlab.models.transformer.train import train
from toy import build, toy_rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_logged_model_is_served_over_http(tiny, tmp_path, monkeypatch):
    import mlflow

    from nerlab.serving import mlflow_model

    tagger = build(tiny, head="crf")
    cfg = train_config(epochs=20, batch_size=8, lr=3e-3, warmup=0.0, seed=0)
    train(tagger, cfg, toy_rows(48, 1), toy_rows(8, 2), tmp_path / "model", tmp_path / "state", run_key="toy")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.create_experiment("t", artifact_location=(tmp_path / "artifacts").as_uri())
    mlflow.set_experiment("t")
    assert mlflow_model.log_tagger(tmp_path / "model") is None  # no active run (tracking off): nothing logged
    with mlflow.start_run() as run:
        mlflow_model.log_tagger(tmp_path / "model", inference_precision="int8")
    model_uri = f"runs:/{run.info.run_id}/model"
    monkeypatch.delenv(mlflow_model.PRECISION_ENV, raising=False)
    loaded = mlflow.pyfunc.load_model(model_uri)
    assert [c.name for c in loaded.metadata.get_input_schema().inputs] == ["text"]
    served = loaded.unwrap_python_model().tagger  # runs at the logged precision; the logged weights are fp32
    assert served.precision == "int8" and is_quantized(served.model.encoder)
    assert not is_quantized(FinetunedTagger.load(tmp_path / "model").model)
    port = free_port()
    # as in an activated venv: mlflow starts `uvicorn` by name, so the venv's bin must be on PATH (CI runs .venv/bin/python only)
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "PATH": path, mlflow_model.PRECISION_ENV: "fp32"}  # override
    server = subprocess.Popen([sys.executable, "-m", "mlflow", "models", "serve", "-m", model_uri, "--env-manager",
                               "local", "-h", "127.0.0.1", "-p", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode(errors="replace")[-2000:]
                assert time.monotonic() < deadline, "mlflow models serve did not answer /ping in 120 s"
                time.sleep(0.5)
        body = json.dumps({"dataframe_records": [{"text": "Bob visited Oslo on Monday."},
                                                 {"text": "Acme hired Carla in New York"}]}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", body,
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = answer["predictions"]
    first = json.loads(rows[0]["entities"])
    assert {(e["text"], e["type"]) for e in first} == {("Bob", "PER"), ("Oslo", "LOC")}
    assert ("New York", "LOC") in {(e["text"], e["type"]) for e in json.loads(rows[1]["entities"])}
    assert json.loads(rows[0]["tokens"])[:3] == ["Bob", "visited", "Oslo"]
