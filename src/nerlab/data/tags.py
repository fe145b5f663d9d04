"""Tag schemes: parsing tag strings, converting IOB1/BIOES to IOB2, repairing IOB2, spans.

IOB2 is nerlab's one internal scheme. Every reader converts to it, every model
predicts it, the evaluator scores it.

The documented repair rule (the same reading conlleval and seqeval's default
mode apply): an ``I-X`` that does not continue an entity of type X (it follows
``O``, the sentence start, or a tag of another type) starts a new entity, so it
becomes ``B-X``. Each such repair is counted by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OUTSIDE = "O"
SCHEMES = ("IOB1", "IOB2", "BIOES")
_TAG_RE = re.compile(r"^([BIESLU])-(.+)$")


class TagError(ValueError):
    """A tag string that no supported scheme can read."""


@dataclass(frozen=True)
class Span:
    """An entity mention: tokens ``start`` (inclusive) to ``end`` (exclusive)."""

    start: int
    end: int
    type: str


def split_tag(tag: str) -> tuple[str, str | None]:
    """``'B-PER' -> ('B', 'PER')``, ``'O' -> ('O', None)``; raise TagError otherwise."""
    if tag == OUTSIDE:
        return OUTSIDE, None
    match = _TAG_RE.match(tag)
    if not match:
        raise TagError(f"not a tag: {tag!r} (expected 'O' or a prefix B-, I-, E-, S- and a type)")
    return match.group(1), match.group(2)


def to_iob2(tags: list[str], scheme: str) -> tuple[list[str], int]:
    """Convert one sentence's tags from ``scheme`` to IOB2.

    Returns the IOB2 tags and the number of repairs made by the rule in the
    module docstring. For IOB1 the rewriting of ``I-`` to ``B-`` at an entity
    start is the scheme's definition, not a repair, so it is not counted.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown tag scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    if scheme == "BIOES":
        return _bioes_to_iob2(tags)
    out: list[str] = []
    repairs = 0
    prev_type: str | None = None  # type of the entity the previous token is inside, if any
    for tag in tags:
        prefix, etype = split_tag(tag)
        if prefix not in ("O", "B", "I"):
            raise TagError(f"tag {tag!r} has prefix {prefix}- which {scheme} does not use")
        if prefix == "I" and etype != prev_type:
            prefix = "B"
            if scheme != "IOB1":
                repairs += 1
        out.append(OUTSIDE if prefix == "O" else f"{prefix}-{etype}")
        prev_type = etype
    return out, repairs


def _bioes_to_iob2(tags: list[str]) -> tuple[list[str], int]:
    """BIOES (also BILOU's U-/L-) to IOB2 with its own transitions checked: an entity opened by ``B-``/``I-``
    must go on with ``I-``/``E-`` of its type and close with ``E-``; ``S-`` and ``E-`` close it. An ``I-`` or
    ``E-`` that continues nothing starts an entity (``B-``), and an entity left open (``B-X O``, ``B-X S-Y``)
    ends where it stops; each is one counted repair."""
    out: list[str] = []
    repairs = 0
    open_type: str | None = None  # the type of an entity opened and not yet closed
    strict = True  # False while the open entity began with a repair (its missing E- is not counted again)
    for tag in tags:
        prefix, etype = split_tag(tag)
        prefix = {"U": "S", "L": "E"}.get(prefix, prefix)
        if prefix not in ("O", "B", "I", "E", "S"):
            raise TagError(f"tag {tag!r} has prefix {prefix}- which BIOES does not use")
        continues = prefix in ("I", "E") and open_type == etype
        if open_type is not None and not continues and strict:
            repairs += 1  # the open entity was never closed with E-
        started_by_repair = prefix in ("I", "E") and not continues
        repairs += started_by_repair  # continues nothing: starts an entity
        out.append(OUTSIDE if prefix == "O" else f"{'I' if continues else 'B'}-{etype}")
        if prefix in ("B", "I"):
            strict = (strict if continues else not started_by_repair)
            open_type = etype
        else:
            open_type, strict = None, True
    if open_type is not None and strict:
        repairs += 1
    return out, repairs


def repair_iob2(tags: list[str]) -> tuple[list[str], int]:
    """Make an IOB2 sequence valid by the documented rule; return tags and repair count."""
    return to_iob2(tags, "IOB2")


def is_valid_iob2(tags: list[str]) -> bool:
    return repair_iob2(tags)[1] == 0


def spans(tags: list[str]) -> list[Span]:
    """Entity spans of a (possibly invalid) IOB2 sequence, read with the repair rule."""
    fixed, _ = repair_iob2(tags)
    found: list[Span] = []
    start, etype = None, None
    for i, tag in enumerate(fixed + [OUTSIDE]):
        prefix, t = split_tag(tag)
        if start is not None and prefix != "I":
            found.append(Span(start, i, etype))
            start, etype = None, None
        if prefix == "B":
            start, etype = i, t
    return found


def tags_from_spans(n_tokens: int, found: list[Span]) -> list[str]:
    """IOB2 tags for non-overlapping spans."""
    tags = [OUTSIDE] * n_tokens
    for span in found:
        tags[span.start] = f"B-{span.type}"
        for i in range(span.start + 1, span.end):
            tags[i] = f"I-{span.type}"
    return tags


def map_types(tags: list[str], mapping: dict[str, str]) -> list[str]:
    """Rename entity types (for example fine -> coarse) keeping the prefixes."""
    out = []
    for tag in tags:
        prefix, etype = split_tag(tag)
        out.append(tag if etype is None else f"{prefix}-{mapping[etype]}")
    return out


def label_list(types: list[str]) -> list[str]:
    """The IOB2 label inventory for entity types: O, then B-/I- per type, sorted."""
    return [OUTSIDE] + [f"{p}-{t}" for t in sorted(types) for p in ("B", "I")]
