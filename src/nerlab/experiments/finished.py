"""Results of the finished parts of a long stage (one trained model each: a repeat, a curve point).

A stage that trains many models keeps each result under ``models/.state/<stage>/``
with the fingerprint of its settings, so a stage interrupted and started again
skips what was finished (and a part trained halfway resumes after its last
epoch, see :mod:`nerlab.models.transformer.train`). Results of other settings are ignored.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)


class Finished:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def get(self, name: str, key: str) -> dict | None:
        path = self._path(name)
        if not path.is_file():
            return None
        try:
            saved = json.loads(path.read_text())
        except json.JSONDecodeError:  # a write cut short: train that part again
            log.warning("%s is unreadable; training that part again", path)
            return None
        if saved.get("key") != key:
            return None
        log.info("%s finished before: kept", name)
        return saved["result"]

    def put(self, name: str, key: str, result: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self._path(name).with_suffix(".tmp")
        tmp.write_text(json.dumps({"key": key, "result": result}))
        tmp.replace(self._path(name))
