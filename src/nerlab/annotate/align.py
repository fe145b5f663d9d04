"""Spans named by an annotator -> IOB2 tags over the sentence's own tokens.

Matching: a span is split into tokens the way the dataset tokenises (on
whitespace, and punctuation split off when that is how the sentence has it)
and compared case-insensitively with every window of the sentence; every
occurrence is a candidate (the paper's answers list a name once even when it
occurs twice).

Overlaps (nested or crossing answers, or one string given two types): the
longest candidate wins; among equally long ones, the one named first in the
answer; a candidate overlapping an accepted one is dropped and counted.
Spans found nowhere in the sentence are hallucinations: dropped and counted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

_PUNCT = re.compile(r"\w+(?:[.'’&-]\w+)*\.?|[^\w\s]", re.U)


@dataclass
class AlignStats:
    spans: int = 0  # spans the answer named (known types)
    matched: int = 0  # spans found in the sentence
    hallucinated: int = 0  # spans not found
    overlaps_dropped: int = 0  # occurrences dropped by the overlap rule
    entities: int = 0  # entities in the output tags
    unmatched: list[str] = field(default_factory=list)

    def counts(self) -> Counter:
        return Counter(spans=self.spans, matched=self.matched, hallucinated=self.hallucinated,
                       overlaps_dropped=self.overlaps_dropped, entities=self.entities)


def _variants(span: str) -> list[list[str]]:
    span = span.strip().strip("\"'`").strip()
    if not span:
        return []
    ws = span.lower().split()
    fine = [t.lower() for t in _PUNCT.findall(span)]
    return [ws] if ws == fine else [ws, fine]


def _occurrences(lowered: list[str], needle: list[str]) -> list[int]:
    n = len(needle)
    return [i for i in range(len(lowered) - n + 1) if lowered[i:i + n] == needle]


def spans_to_tags(tokens: list[str], spans: dict[str, list[str]]) -> tuple[list[str], AlignStats]:
    lowered = [t.lower() for t in tokens]
    stats = AlignStats()
    candidates = []  # (length, answer order, start, type)
    order = 0
    for etype, names in spans.items():
        for name in names:
            stats.spans += 1
            found = False
            for needle in _variants(name):
                starts = _occurrences(lowered, needle)
                if starts:
                    found = True
                    candidates += [(len(needle), order, s, etype) for s in starts]
                    break
            order += 1
            if found:
                stats.matched += 1
            else:
                stats.hallucinated += 1
                stats.unmatched.append(name)
    tags = ["O"] * len(tokens)
    taken = [False] * len(tokens)
    seen = set()
    for length, _, start, etype in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if (start, length) in seen:  # the same window named twice (same or other type): first answer wins
            stats.overlaps_dropped += 1
            continue
        seen.add((start, length))
        if any(taken[start:start + length]):
            stats.overlaps_dropped += 1
            continue
        for i in range(start, start + length):
            taken[i] = True
            tags[i] = ("B-" if i == start else "I-") + etype
        stats.entities += 1
    return tags, stats


def tags_to_spans(tokens: list[str], tags: list[str]) -> dict[str, list[str]]:
    """The inverse, for few-shot answers and teacher models: ``{type: [span text, ...]}`` in sentence order."""
    from nerlab.data.tags import spans as tag_spans

    out: dict[str, list[str]] = {}
    for span in tag_spans(tags):
        out.setdefault(span.type, []).append(" ".join(tokens[span.start:span.end]))
    return out
