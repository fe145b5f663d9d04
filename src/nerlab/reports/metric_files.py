"""Headline metrics vs details: what `dvc exp show` compares, and everything else beside it.

Each stage writes its full summary to ``metrics/details/<name>.json`` (a plain
DVC out, git-tracked, read by reports and checks) and the few numbers a person
compares to ``metrics/<name>.json`` (its DVC metric): picked from the summary by
dotted keys, where ``*`` stands for every key at that level
(``prompts.*.quality.micro_f1``). So ``dvc exp show`` stays a readable table and
``dvc metrics diff`` still shows what moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from nerlab.config import paths
from nerlab.data.jsonl import read_json, write_json

DETAILS = paths.METRICS / "details"


def details_path(name: str) -> Path:
    """``metrics/details/<name>.json`` (``name`` may hold a folder: ``multitask/joint``)."""
    return DETAILS / f"{name}.json"


def pick(summary: dict, keys: Iterable[str]) -> dict:
    """The nested sub-mapping of ``summary`` at the dotted ``keys`` (missing keys are left out; numbers only)."""
    out: dict = {}

    def put(path: list[str], value) -> None:
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value

    def walk(node, parts: list[str], done: list[str]) -> None:
        if not parts:
            if isinstance(node, (int, float)) and not isinstance(node, bool):
                put(done, node)
            return
        if not isinstance(node, dict):
            return
        head, rest = parts[0], parts[1:]
        for key in (list(node) if head == "*" else [head]):
            if key in node:
                walk(node[key], rest, [*done, str(key)])

    for key in keys:
        walk(summary, key.split("."), [])
    return out


def write(name: str, summary: dict, keys: Iterable[str]) -> dict:
    """Write the details and the headline of one stage; returns the headline."""
    headline = pick(summary, keys)
    write_json(details_path(name), summary)
    write_json(paths.METRICS / f"{name}.json", headline)
    return headline


def read(name: str, metrics: Path = paths.METRICS) -> dict:
    """A stage's details (what reports read)."""
    return read_json(metrics / "details" / f"{name}.json")
