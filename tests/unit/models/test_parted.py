"""Models shipped in PyPI parts: assembled in order, checksum checked, cached, unzipped, clear errors."""

import hashlib
import io
import zipfile

import pytest

from nerlab.config.errors import NerlabError
from nerlab.models.transformer import parted


def fake_model(tmp_path, monkeypatch, blobs, sha=None, extract=None):
    site = tmp_path / "site"
    for i, blob in enumerate(blobs, start=1):
        info = site / f"fakeparts_part{i}-0.1.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: fakeparts-part{i}\nVersion: 0.1\n")
        (site / f"fakeparts_part{i}" / "data").mkdir(parents=True)
        (site / f"fakeparts_part{i}" / "data" / f"part{i:02d}.bin").write_bytes(blob)
    monkeypatch.syspath_prepend(str(site))
    whole = b"".join(blobs)
    model = parted.PartedModel(
        parts=tuple((f"fakeparts-part{i}", f"fakeparts_part{i}/data/part{i:02d}.bin") for i in range(1, len(blobs) + 1)),
        filename="fake.zip" if extract else "fake.gguf", size=len(whole),
        sha256=sha or hashlib.sha256(whole).hexdigest(), install="pip install fakeparts", extract=extract)
    monkeypatch.setitem(parted.PARTED, "fake-model", model)
    monkeypatch.setenv("NERLAB_CACHE", str(tmp_path / "cache"))
    return whole


def test_parts_are_assembled_in_order_once_and_verified(tmp_path, monkeypatch):
    blobs = [bytes([i]) * (5_000_000 + i) for i in range(1, 4)]  # more than one read chunk each
    whole = fake_model(tmp_path, monkeypatch, blobs)
    path = parted.resolve("fake-model")
    assert path == tmp_path / "cache" / "parted" / "fake.gguf" and path.read_bytes() == whole
    assert not path.with_name("fake.gguf.partial").exists()
    stamp = path.stat().st_mtime_ns
    assert parted.resolve("fake-model") == path and path.stat().st_mtime_ns == stamp  # cached: not rebuilt
    path.write_bytes(whole[:-1])  # a damaged cache file is rebuilt
    assert parted.resolve("fake-model").read_bytes() == whole
    assert not parted.is_parted("smollm2-135m")


def test_a_zipped_model_is_unpacked_to_its_folder(tmp_path, monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("model-x/config.json", '{"model_type": "bert"}')
    data = buffer.getvalue()
    fake_model(tmp_path, monkeypatch, [data[:50], data[50:]], extract="model-x")
    folder = parted.resolve("fake-model")
    assert folder.name == "model-x" and (folder / "config.json").read_text() == '{"model_type": "bert"}'
    assert parted.resolve("fake-model") == folder


def test_a_wrong_checksum_or_a_missing_part_is_a_clear_error(tmp_path, monkeypatch):
    fake_model(tmp_path, monkeypatch, [b"abc", b"def"], sha="0" * 64)
    with pytest.raises(NerlabError, match="expected 6 bytes and 0000"):
        parted.resolve("fake-model")
    assert not list((tmp_path / "cache" / "parted").iterdir())  # nothing half-made is left
    model = parted.PARTED["fake-model"]
    monkeypatch.setitem(parted.PARTED, "fake-model", parted.PartedModel(
        (*model.parts, ("fakeparts-part9", "fakeparts_part9/data/part09.bin")), model.filename, model.size,
        model.sha256, model.install))
    with pytest.raises(NerlabError, match=r"1 of 3 part packages are not installed \(fakeparts-part9\); "
                                          r"install them with: pip install fakeparts"):
        parted.resolve("fake-model")


def test_the_aliases_are_pinned_and_reach_their_users():
    from nerlab.models.transformer import encoders, gguf

    qwen, mpnet = parted.PARTED["qwen2.5-coder-1.5b"], parted.PARTED["mpnet-base"]
    assert len(qwen.parts) == 22 and len(mpnet.parts) == 5 and all(len(m.sha256) == 64 for m in (qwen, mpnet))
    assert gguf.is_gguf("qwen2.5-coder-1.5b") and not gguf.is_gguf("mpnet-base")
    assert mpnet.extract == "all-mpnet-base-v2" and "mpnet-base" not in encoders.ALIASES
