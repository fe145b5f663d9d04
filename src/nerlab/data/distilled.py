"""Distilled training sets: what the annotate stages write and the distill stage reads.

``data/distilled/<dataset>/train.jsonl`` holds the usable annotations in the
prepared format; ``source.json`` beside it says who annotated them (the backend
and model, the prompt), so every result trained on them can say so.
"""

from __future__ import annotations

from pathlib import Path

from nerlab.config import paths
from nerlab.config.errors import NerlabError
from nerlab.data.jsonl import read_json, write_json, write_jsonl


def folder(dataset: str) -> Path:
    return paths.DISTILLED / dataset


def write(dataset: str, rows: list[dict], annotator: str, prompt: str, note: str = "") -> None:
    write_jsonl(folder(dataset) / "train.jsonl", rows)
    write_json(folder(dataset) / "source.json",
               {"annotator": annotator, "prompt": prompt, "sentences": len(rows), "note": note})


def source(dataset: str) -> dict:
    path = folder(dataset) / "source.json"
    if not path.is_file():
        raise NerlabError(f"{path} not found: run the annotate stages first (dvc repro annotate annotate_bbc)")
    return read_json(path)
