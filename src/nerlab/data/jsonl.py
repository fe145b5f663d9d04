"""Prepared data on disk: one JSON object per line, read back with file:line errors."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from nerlab.config.errors import DataError

SPLITS = ("train", "dev", "test")


def write_jsonl(path: str | Path, rows: Iterable[dict]) -> int:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def read_jsonl(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise DataError(path, None, "file not found (run the stage that writes it: dvc repro)")
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise DataError(path, number, f"not valid JSON: {err.msg}") from None
    return rows


def read_split(prepared_dir: str | Path, split: str) -> list[dict]:
    """Sentences of one split of a prepared dataset, checked for the fields every model needs."""
    path = Path(prepared_dir) / f"{split}.jsonl"
    rows = read_jsonl(path)
    for number, row in enumerate(rows, start=1):
        if "tokens" not in row or "tags" not in row or len(row["tokens"]) != len(row["tags"]):
            raise DataError(path, number, "a sentence needs 'tokens' and 'tags' of equal length")
    return rows


def count_rows(path: str | Path) -> int:
    """Number of non-empty lines of a jsonl file, without parsing them."""
    with open(path, encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip())


def read_json(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise DataError(path, None, "file not found (run the stage that writes it: dvc repro)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataError(path, err.lineno, f"not valid JSON: {err.msg}") from None


def write_json(path: str | Path, obj: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")
