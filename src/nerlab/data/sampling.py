"""Seeded, nested subsampling: the first n of one seeded permutation, kept in corpus order.

Because every size takes a prefix of the same permutation, a smaller subset is
contained in every larger one with the same seed (the 30 are inside the 100).
"""

from __future__ import annotations

import random
from typing import TypeVar

T = TypeVar("T")


def permutation(n: int, seed: int) -> list[int]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return order


def subset(rows: list[T], size: int | None, seed: int) -> list[T]:
    """``size`` rows drawn with ``seed`` (all rows when size is None or too large), in corpus order."""
    if size is None or size >= len(rows):
        return list(rows)
    if size < 0:
        raise ValueError(f"subset size must be positive, got {size}")
    keep = sorted(permutation(len(rows), seed)[:size])
    return [rows[i] for i in keep]


def split_off(rows: list[T], fraction: float, seed: int) -> tuple[list[T], list[T]]:
    """Split rows into (rest, held_out) with ``fraction`` of them held out, seeded, corpus order kept."""
    if not 0 < fraction < 1:
        raise ValueError(f"a held-out fraction must be between 0 and 1, got {fraction}")
    n_out = max(1, round(len(rows) * fraction))
    out = set(permutation(len(rows), seed)[:n_out])
    return [r for i, r in enumerate(rows) if i not in out], [r for i, r in enumerate(rows) if i in out]
