"""Sentence topic labels (paper 002): World / Sport / Business / Technology / Other, read from an LLM answer."""

from __future__ import annotations

import re

TOPICS = ("World", "Sport", "Business", "Technology", "Other")
_NUMBER = re.compile(r"(?<![\d.])([0-4])(?!\d|\.\d)")
_NAMES = {"world": 0, "sport": 1, "sports": 1, "business": 2, "technology": 3, "tech": 3, "other": 4}


def parse_topic(text: str | None) -> str | None:
    """The label an answer gives, by number (0-4) or by name; None when it names none, or several
    (a model that echoes the category list has not answered)."""
    if not text:
        return None
    found = {TOPICS[int(n)] for n in _NUMBER.findall(text)}
    found |= {TOPICS[_NAMES[w]] for w in re.findall(r"[a-z]+", text.lower()) if w in _NAMES}
    return found.pop() if len(found) == 1 else None
