"""The local backend for real: a llama.cpp server process (xllamacpp) with SmolLM2-135M on loopback."""

import subprocess
import time

import pytest

from defaults import local_config
from nerlab.annotate.annotator import LLMAnnotator, entity_reader
from nerlab.annotate.cache import ResponseCache
from nerlab.annotate.client import ChatClient, ClientConfig, RequestFailed
from nerlab.annotate.parse import TypeNames
from nerlab.annotate.server import _healthy, local_server
from nerlab.config.errors import NerlabError
from nerlab.models.transformer.gguf import resolve_model

HELLO = [{"role": "user", "content": "Name one city in France."}]


def chat(base, timeout=60.0, retries=0):
    return ChatClient(ClientConfig(base, "smollm2-135m", None, timeout=timeout, max_retries=retries, backoff=0.01))


def test_the_offline_model_is_found_inside_its_package():
    path = resolve_model("smollm2-135m")
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000


def test_server_answers_concurrently_then_stops(tmp_path, monkeypatch):
    spawned = []
    real_popen = subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: spawned.append(real_popen(*a, **k)) or spawned[-1])
    with local_server(local_config(ctx_per_slot=1024), 2, tmp_path / "server.log") as base:
        assert base.startswith("http://127.0.0.1:") and _healthy(base)
        done = chat(base).complete(HELLO, {"max_tokens": 12, "temperature": 0.0, "seed": 1})
        assert done.text.strip() and done.prompt_tokens > 5 and 0 < done.completion_tokens <= 12
        rows = [{"id": str(i), "tokens": f"Paris is in France number {i}".split()} for i in range(3)]
        build = lambda row: [{"role": "user", "content": "Entities in: " + " ".join(row["tokens"])}]  # noqa: E731
        annotator = LLMAnnotator(chat(base), ResponseCache(tmp_path / "c.sqlite"), "local",
                                 {"max_tokens": 24, "temperature": 0.0}, build,
                                 entity_reader(TypeNames(["LOC", "PER"])), concurrency=2)
        out, usage = annotator.annotate(rows)
        assert usage.requests == 3 and usage.failures == 0 and len(out) == 3
        assert all(a.raw for a in out)  # whatever a 135M model says, it is kept verbatim
    assert spawned and spawned[0].poll() is not None  # the process is gone
    assert not _healthy(base)


def test_timeouts_against_the_real_server(tmp_path):
    with local_server(local_config(ctx_per_slot=1024), 1, tmp_path / "server.log") as base:
        with pytest.raises(RequestFailed, match="(?i)timed out"):
            chat(base, timeout=0.05).complete(HELLO, {"max_tokens": 200, "temperature": 0.0})


def test_server_stops_when_the_work_fails(tmp_path):
    with pytest.raises(RuntimeError):
        with local_server(local_config(ctx_per_slot=512), 1, tmp_path / "server.log") as base:
            raise RuntimeError("annotation crashed")
    time.sleep(0.2)
    assert not _healthy(base)


def test_a_model_that_cannot_load_is_a_clear_error(tmp_path):
    bogus = tmp_path / "broken.gguf"
    bogus.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(NerlabError, match="exited with code .* before answering"):
        with local_server(local_config(model=str(bogus), startup_timeout=60), 1, tmp_path / "server.log"):
            pass
    with pytest.raises(NerlabError, match="not found"):
        resolve_model(str(tmp_path / "missing.gguf"))
