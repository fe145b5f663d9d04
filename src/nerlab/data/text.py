"""Raw text -> sentences -> tokens: the simple, documented splitters used for raw text (predict, BBC News).

Tokens: dotted abbreviations (``U.S.``, ``U.S.-based``), runs of word
characters joined across inner ``-``, ``'`` and ``.`` (``O'Neill``,
``well-known``, ``3.5``), every other non-space character on its own. Sentences: paragraph breaks, and ``.``, ``!`` or ``?`` followed by space
and an upper-case letter or a quote, unless the dot ends a one-letter initial
or a common abbreviation (Mr., Dr., St., ...).
"""

from __future__ import annotations

import re

TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}(?:-\w+)*|\w+(?:[-'.]\w+)*|[^\w\s]", re.UNICODE)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "prof", "sir", "gen", "col", "lt", "sgt", "rev", "jr", "sr",
                  "inc", "ltd", "co", "corp", "vs", "no", "mt", "ft", "jan", "feb", "aug", "sept", "oct", "nov", "dec"}


def tokenize(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    matches = list(TOKEN.finditer(text))
    return [m.group() for m in matches], [m.span() for m in matches]


def split_sentences(text: str) -> list[str]:
    out = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        paragraph = paragraph.strip()
        start = 0
        for m in _BOUNDARY.finditer(paragraph):
            before = paragraph[start:m.start()].rstrip("\"')]")
            last = before.rsplit(None, 1)[-1].rstrip(".").lower() if before.split() else ""
            if before.endswith(".") and (len(last) == 1 or last in _ABBREVIATIONS):
                continue
            out.append(paragraph[start:m.start()].strip())
            start = m.end()
        if paragraph[start:].strip():
            out.append(paragraph[start:].strip())
    return [s for s in out if s]
