"""Fixtures shared by the whole suite. Helpers (params.yaml settings, the tiny encoder, the DVC graph) live in
``tests/support`` (on the path through pyproject's pytest ``pythonpath``)."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NERLAB_DATA_DIR", ROOT.parent / "shared" / "datasets"))


@pytest.fixture
def shared_datasets() -> Path:
    if not (SHARED / "conll2003" / "eng.train").is_file():
        pytest.skip(f"shared datasets not found in {SHARED}")
    return SHARED


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests never reach a hub: hub libraries stay offline."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory) -> Path:
    """A folder holding a tiny randomly initialised BERT and its word-level tokenizer (one per test module)."""
    from tiny_bert import make_tiny

    folder = tmp_path_factory.mktemp("tiny")
    make_tiny(folder)
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny BERT as (tokenizer, model), built fresh for each test module (tests train it in place)."""
    from tiny_bert import make_tiny

    return make_tiny(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def fake():
    """Start loopback OpenAI-compatible servers (tests/support/fake_llm.py); all are stopped after the test."""
    from fake_llm import FakeLLM

    servers = []

    def make(*args, **kwargs):
        servers.append(FakeLLM(*args, **kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.close()
