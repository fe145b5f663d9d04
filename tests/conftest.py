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
