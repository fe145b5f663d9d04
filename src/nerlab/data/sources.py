"""Where raw dataset files come from, in order:

1. the data directory named by the environment variable ``NERLAB_DATA_DIR``
   (CI points it at ``../shared/datasets``);
2. the local mirror directory set in params.yaml (``data.mirror``);
3. the public source, when online (``data.online: true`` and ``HF_HUB_OFFLINE`` unset):
   the files are downloaded into the mirror directory (or ``~/.cache/nerlab``).

Offline with nothing found, :class:`~nerlab.config.errors.NerlabError` names the
expected files and the places they were looked for.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from nerlab.config.errors import NerlabError

log = logging.getLogger(__name__)

DATA_DIR_ENV = "NERLAB_DATA_DIR"
DEFAULT_CACHE = Path.home() / ".cache" / "nerlab"

Downloader = Callable[[Path], None]  # writes the dataset's files into the given folder


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _candidates(mirror: str | None) -> list[tuple[str, Path]]:
    found = []
    if os.environ.get(DATA_DIR_ENV):
        found.append((f"${DATA_DIR_ENV}", Path(os.environ[DATA_DIR_ENV]).expanduser()))
    if mirror:
        found.append(("params data.mirror", Path(mirror).expanduser()))
    return found


def online_allowed(online: bool) -> bool:
    return online and os.environ.get("HF_HUB_OFFLINE", "0") in ("", "0", "false", "False")


def resolve(folder: str, files: list[str], mirror: str | None, online: bool,
            download: Downloader | None) -> tuple[Path, str]:
    """Return the folder that holds all ``files`` and a word on where it came from."""
    if Path(folder).is_absolute():  # a user's own files: no search, no download
        missing = [name for name in files if not (Path(folder) / name).is_file()]
        if missing:
            raise NerlabError(f"dataset files not found: {', '.join(str(Path(folder) / m) for m in missing)}")
        return Path(folder), "user path"
    looked = []
    for origin, root in _candidates(mirror):
        base = root / folder
        looked.append(f"{base} ({origin})")
        if all((base / name).is_file() for name in files):
            log.info("dataset files from %s: %s", origin, base)
            return base, origin
        missing = [name for name in files if not (base / name).is_file()]
        log.info("%s lacks %s", base, ", ".join(missing))
    target = (Path(mirror).expanduser() if mirror else DEFAULT_CACHE) / folder
    if all((target / name).is_file() for name in files):  # an earlier download
        return target, "download cache"
    problem = "offline (data.online is false or HF_HUB_OFFLINE is set)"
    if download is not None and online_allowed(online):
        log.info("downloading %s into %s", folder, target)
        target.mkdir(parents=True, exist_ok=True)
        try:
            download(target)
        except Exception as err:  # network, auth, missing package: report it in the message below
            problem = f"download failed: {type(err).__name__}: {err}"
        else:
            if all((target / name).is_file() for name in files):
                return target, "download"
            problem = "download finished but did not produce every file"
    elif download is None:
        problem = "no public source is known for it"
    wanted = ", ".join(files)
    places = "; ".join(looked) or f"nowhere: set {DATA_DIR_ENV} or data.mirror"
    raise NerlabError(
        f"cannot find dataset files {wanted} (folder {folder!r}). Looked in: {places}. "
        f"Public source: {problem}. Put the files in <dir>/{folder}/ and set {DATA_DIR_ENV}=<dir> "
        f"(or data.mirror: <dir> in params.yaml)."
    )
