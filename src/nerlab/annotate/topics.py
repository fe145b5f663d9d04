"""Sentence topic labels (paper 002): World / Sport / Business / Technology / Other, read from an LLM answer."""

from __future__ import annotations

import re

from nerlab.annotate.annotator import Annotation

TOPICS = ("World", "Sport", "Business", "Technology", "Other")
_NUMBER = re.compile(r"(?<![\d.])([0-4])(?!\d|\.\d)")
_NAMES = {"world": 0, "sport": 1, "sports": 1, "business": 2, "technology": 3, "tech": 3, "other": 4}


def parse_topic(text: str | None) -> str | None:
    """The label an answer gives: the first integer 0-4, else the first category name; None if neither."""
    if not text:
        return None
    m = _NUMBER.search(text)
    if m:
        return TOPICS[int(m.group(1))]
    words = re.findall(r"[a-z]+", text.lower())
    hit = next((w for w in words if w in _NAMES), None)
    return TOPICS[_NAMES[hit]] if hit else None


def topic_reader(row: dict, text: str) -> Annotation:
    label = parse_topic(text)
    return Annotation(row["id"], row["tokens"], ["O"] * len(row["tokens"]), text,
                      "ok" if label else "format_error", {}, label=label)
