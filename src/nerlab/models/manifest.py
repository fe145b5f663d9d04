"""A saved model folder's manifest: every file's size and sha256, checked before native code reads any of them.

CRFsuite trusts its model file (a truncated ``model.crfsuite`` crashes the process), and a damaged
weights file can fail deep inside torch or safetensors. So every folder a model is saved to gets
``manifest.json`` (the nerlab version, and size and sha256 of each file the model wrote), and loading
checks it first: a missing, truncated or altered file is one line naming the file. A folder saved
before manifests existed loads with a warning (its CRFsuite file still gets a structural check).
"""

from __future__ import annotations

import json
import logging
import pickle
import struct
from pathlib import Path

from nerlab import __version__
from nerlab.config.errors import NerlabError
from nerlab.data.sources import sha256

log = logging.getLogger(__name__)

NAME = "manifest.json"
# what reading a damaged file raises (json, pydantic and numpy: ValueError; torch's refusal of a pickle:
# UnpicklingError; a cut file: EOFError, OSError; a missing key: KeyError)
DAMAGE = (ValueError, KeyError, TypeError, AttributeError, OSError, EOFError, RuntimeError, pickle.UnpicklingError)


def damaged(folder: Path, err: BaseException) -> NerlabError:
    """The one line for a model folder whose files cannot be read as a model."""
    detail = str(err).splitlines()[0][:200] if str(err) else ""
    return NerlabError(f"{folder}: not a loadable nerlab model ({type(err).__name__}{': ' + detail if detail else ''})"
                       "; re-train or restore the folder")


def write(folder: str | Path, files: list[str | Path] | None = None) -> dict:
    """Record ``files`` (paths inside ``folder``; default: every file in it but the manifest)."""
    folder = Path(folder)
    chosen = [Path(f) for f in files] if files is not None else \
        [p.relative_to(folder) for p in sorted(folder.rglob("*")) if p.is_file() and p.name != NAME]
    entries = {str(rel): {"size": (folder / rel).stat().st_size, "sha256": sha256(folder / rel)}
               for rel in sorted(chosen, key=str)}
    manifest = {"nerlab_version": __version__, "files": entries}
    (folder / NAME).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def verify(folder: str | Path) -> None:
    """Every file the manifest lists is there, with its size and sha256; else one line naming the file."""
    folder = Path(folder)
    path = folder / NAME
    if not path.is_file():
        log.warning("%s has no %s (saved before manifests): its files are not verified", folder, NAME)
        return
    try:
        entries = json.loads(path.read_text())["files"]
        items = [(str(rel), int(e["size"]), str(e["sha256"])) for rel, e in entries.items()]
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as err:
        raise NerlabError(f"{path}: not a nerlab manifest ({type(err).__name__}); the model folder is damaged") \
            from None
    for rel, size, sha in items:
        file = folder / rel
        if not file.is_file():
            raise NerlabError(f"{file}: missing (listed in {path}); the model folder is incomplete")
        actual = file.stat().st_size
        if actual != size:
            raise NerlabError(f"{file}: {actual} bytes, the manifest says {size} (truncated or replaced); "
                              "re-train or restore the model folder")
        if sha256(file) != sha:
            raise NerlabError(f"{file}: its sha256 differs from the manifest's (altered); re-train or restore the "
                              "model folder")


def check_crfsuite(path: str | Path) -> None:
    """CRFsuite's own header (magic ``lCRF``, the file size, type ``FOMC``, section offsets) against the file,
    so a truncated or foreign file is refused before the C library reads it."""
    path = Path(path)
    data = path.read_bytes()[:48]
    size = path.stat().st_size
    if len(data) < 48 or data[:4] != b"lCRF" or data[8:12] != b"FOMC":
        raise NerlabError(f"{path}: not a CRFsuite model file (bad header)")
    declared = struct.unpack("<I", data[4:8])[0]
    offsets = struct.unpack("<5I", data[28:48])
    if declared != size or any(o > size for o in offsets):
        raise NerlabError(f"{path}: truncated or damaged ({size} bytes, its header says {declared})")
