"""Every annotator request cached on disk (SQLite), so an interrupted run loses nothing it finished.

The key is a hash of what determines the answer: backend, model, the messages
and the generation settings. API keys never enter the key or the stored
record. Each answer is committed as soon as it arrives; a run killed halfway
and started again re-asks only what is missing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

from nerlab.config.errors import NerlabError


def request_key(**parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _record(raw) -> dict | None:
    """A stored answer as ``{text, prompt_tokens, completion_tokens, seconds}``, or None when it cannot be read."""
    try:
        record = json.loads(raw)
    except (TypeError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return None
    counts = {k: record.get(k, 0) for k in ("prompt_tokens", "completion_tokens")}
    seconds = record.get("seconds", 0.0)
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in counts.values()) or \
            isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return None
    return {"text": record["text"], **counts, "seconds": float(seconds)}


class ResponseCache:
    """Answers by request key. A record that cannot be read is skipped (counted in ``skipped``) and the request
    asked again, whose answer replaces it; a file that is not an SQLite cache is one clear error."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.skipped = 0
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, record TEXT NOT NULL)")
            self._db.commit()
        except sqlite3.DatabaseError as err:
            raise NerlabError(f"{self.path}: not an answer cache ({err}); move it away (its answers will be asked "
                              "again)") from None

    def get(self, key: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT record FROM answers WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            record = _record(row[0])
            if record is None:
                self.skipped += 1
            return record

    def put(self, key: str, record: dict) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?)", (key, json.dumps(record, ensure_ascii=False)))
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
