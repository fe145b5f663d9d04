"""The seeded three-way partition of a training split for distillation (paper 003, made honest).

One seeded permutation of train is cut into, in this order:

- ``sample``: the sentences the annotator labels (the paper's 1000 GPT-4 sentences);
- ``teacher``: the only gold sentences a teacher model (``annotator: teacher``) is trained on;
- ``original``: the rest, the gold pool the distill stage draws its "original" sentences from.

The parts are disjoint by construction, each keeps corpus order, and the sample is
the same prefix :func:`nerlab.data.sampling.subset` takes, so an annotation sample
of n sentences is the same whatever the other sizes are.
"""

from __future__ import annotations

from pathlib import Path

from nerlab.config import paths
from nerlab.config.errors import NerlabError
from nerlab.data.jsonl import read_json, write_json
from nerlab.data.sampling import permutation

PARTS = ("sample", "teacher", "original")


def partition(rows: list[dict], sample_size: int, teacher_size: int, seed: int) -> dict[str, list[dict]]:
    if sample_size + teacher_size > len(rows):
        raise NerlabError(f"train has {len(rows)} sentences: too few for a sample of {sample_size} and a teacher "
                          f"pool of {teacher_size}")
    order = permutation(len(rows), seed)
    cuts = {"sample": order[:sample_size], "teacher": order[sample_size:sample_size + teacher_size],
            "original": order[sample_size + teacher_size:]}
    return {name: [rows[i] for i in sorted(idx)] for name, idx in cuts.items()}


def path(dataset: str) -> Path:
    return paths.DATA / "partition" / dataset / "ids.json"


def write(dataset: str, parts: dict[str, list[dict]], seed: int) -> dict:
    summary = {"seed": seed, "sizes": {name: len(rows) for name, rows in parts.items()},
               "ids": {name: [r["id"] for r in rows] for name, rows in parts.items()}}
    write_json(path(dataset), summary)
    return summary


def read(dataset: str, part: str, train: list[dict]) -> list[dict]:
    """The ``part`` of ``train`` the partition stage recorded (corpus order)."""
    file = path(dataset)
    if not file.is_file():
        raise NerlabError(f"{file} not found: run the partition stage first (dvc repro partition)")
    ids = set(read_json(file)["ids"][part])
    rows = [r for r in train if r["id"] in ids]
    if len(rows) != len(ids):
        raise NerlabError(f"{file}: {len(ids) - len(rows)} {part} sentence ids are not in the prepared train split; "
                          "re-run the partition stage")
    return rows
