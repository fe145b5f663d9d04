"""A tolerant parser for LLM answers: the ``type -> list of spans`` dictionary, however it comes back.

Accepted, in this order (the first that yields entities or an explicit empty
answer wins):

1. a JSON object or Python dict literal (single quotes, trailing commas, a
   string instead of a list), inside a code fence or after a reasoning
   preamble; the *last* such object in the text is the answer (chain-of-thought
   answers reason first, then give the dictionary);
2. a list of ``[span, type]`` pairs or ``{"text"/"entity"/"span": ..., "type"/"label": ...}`` objects;
3. lines such as ``PER: Orlando Miller, Todd Stottlemyre``, ``- LOC: Houston``
   or ``Houston (LOC)`` / ``Houston - LOC``.

Type names are matched case-insensitively against the dataset's types and
their aliases (``PERSON`` -> ``PER``). Unknown types are dropped and counted.
A text with none of the above is a format failure.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field

_FENCE = re.compile(r"```(?:json|python|py|javascript)?\s*(.*?)```", re.S | re.I)
_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_SPAN_KEYS = ("text", "entity", "span", "mention", "name", "value")
_TYPE_KEYS = ("type", "label", "entity_type", "category", "tag")


@dataclass
class Parsed:
    """Spans per known type, in answer order; what was dropped; ``ok`` is False for a format failure."""

    spans: dict[str, list[str]] = field(default_factory=dict)
    ok: bool = True
    unknown_types: list[str] = field(default_factory=list)
    how: str = ""

    @property
    def n_spans(self) -> int:
        return sum(len(v) for v in self.spans.values())


class TypeNames:
    """Maps whatever the model wrote as a type name to one of the dataset's types (or None)."""

    def __init__(self, types: list[str], aliases: dict[str, list[str]] | None = None):
        self.types = list(types)
        self.index = {t.lower(): t for t in types}
        for t, names in (aliases or {}).items():
            for name in names:
                self.index.setdefault(str(name).lower(), t)

    def __call__(self, name) -> str | None:
        key = re.sub(r"[\s_\-]+", " ", str(name).strip().strip("'\"*`").lower())
        return self.index.get(key) or self.index.get(key.replace(" ", "")) or self.index.get(key.rstrip("s"))


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (list, tuple, set)):
        out = []
        for v in value:
            out += _as_list(v) if isinstance(v, (list, tuple)) else [str(v)] if str(v).strip() else []
        return out
    if isinstance(value, dict):  # {"span": reason} written as a mapping
        return [str(k) for k in value]
    return [str(value)]


def _literal(text: str):
    text = text.strip()
    for attempt in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return json.loads(attempt)
        except (ValueError, RecursionError):
            pass
        try:
            return ast.literal_eval(attempt)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            pass
    return None


def _bracketed(text: str, open_ch: str, close_ch: str) -> list[str]:
    """Every balanced top-level ``open_ch ... close_ch`` block, quotes respected, in order."""
    blocks, depth, start, quote, escape = [], 0, None, None, False
    for i, ch in enumerate(text):
        if quote:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == quote:
                quote = None
            continue
        if ch in "\"'" and depth > 0:
            # an apostrophe inside a word (O'Neil) is not a quote
            if ch == "'" and 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum():
                continue
            quote = ch
        elif ch == open_ch:
            if depth == 0:
                start = i
            depth += 1
        elif ch == close_ch and depth > 0:
            depth -= 1
            if depth == 0:
                blocks.append(text[start:i + 1])
    return blocks


def _from_mapping(obj: dict, names: TypeNames, parsed: Parsed) -> bool:
    if not obj:
        return True  # an explicit empty answer
    known = False
    for key, value in obj.items():
        etype = names(key)
        if etype is None:
            if isinstance(value, dict) and _from_mapping(value, names, parsed):  # {"entities": {...}}
                known = True
                continue
            if isinstance(value, list) and value and _from_pairs(value, names, parsed):
                known = True
                continue
            parsed.unknown_types.append(str(key))
            continue
        known = True
        parsed.spans.setdefault(etype, []).extend(_as_list(value))
    return known


def _from_pairs(items: list, names: TypeNames, parsed: Parsed) -> bool:
    found = False
    for item in items:
        span = etype_name = None
        if isinstance(item, dict):
            span = next((item[k] for k in _SPAN_KEYS if k in item), None)
            etype_name = next((item[k] for k in _TYPE_KEYS if k in item), None)
            if span is None and len(item) == 1:  # [{"PER": "John"}]
                (etype_name, span), = item.items()
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            a, b = item
            span, etype_name = (a, b) if names(b) else (b, a)
        if span is None or etype_name is None:
            continue
        found = True
        etype = names(etype_name)
        if etype is None:
            parsed.unknown_types.append(str(etype_name))
        else:
            parsed.spans.setdefault(etype, []).extend(_as_list(span))
    return found


_LINE_TYPE_FIRST = re.compile(r"^\s*(?:[-*•]|\d+[.)])?\s*\**([A-Za-z][\w /-]{0,30}?)\**\s*[:=]\s*(.+)$")
_LINE_SPAN_FIRST = re.compile(r"^\s*(?:[-*•]|\d+[.)])?\s*[\"']?(.+?)[\"']?\s*(?:\(([A-Za-z][\w /-]*)\)|[-–:]\s*([A-Za-z][\w/-]*))\s*$")


def _from_lines(text: str, names: TypeNames, parsed: Parsed) -> bool:
    found = False
    for line in text.splitlines():
        line = line.strip().strip("\"'`").strip()  # a whole line in quotes or backticks
        m = _LINE_TYPE_FIRST.match(line)
        if m and names(m.group(1)):
            value = m.group(2).strip()
            literal = _literal(value) if value[:1] in "[(\"'" else None
            spans = _as_list(literal) if literal is not None else [s.strip(" \"'") for s in value.split(",")]
            spans = [s for s in spans if s and s.lower() not in ("none", "n/a", "-", "[]")]
            parsed.spans.setdefault(names(m.group(1)), []).extend(spans)
            found = True
            continue
        m = _LINE_SPAN_FIRST.match(line)
        if m:
            etype = names(m.group(2) or m.group(3))
            if etype:
                parsed.spans.setdefault(etype, []).append(m.group(1).strip(" \"'"))
                found = True
    return found


MAX_CHARS = 20_000  # longer answers are read from their end (where a reasoning answer puts its dictionary)


def parse_answer(text: str | None, names: TypeNames) -> Parsed:
    """The entities an answer names, per type (see the module doc for what is accepted). Never raises: an
    answer nested too deeply for the JSON/literal readers is a format failure like any unreadable one."""
    if not text or not text.strip():
        return Parsed(ok=False, how="empty")
    try:
        return _parse(text[-MAX_CHARS:], names)
    except (RecursionError, MemoryError):
        return Parsed(ok=False, how="too deeply nested")


def _parse(text: str, names: TypeNames) -> Parsed:
    body = _THINK.sub(" ", text)
    fenced = _FENCE.findall(body)
    regions = [*fenced[::-1], body] if fenced else [body]
    for region in regions:
        for block in reversed(_bracketed(region, "{", "}")):
            obj = _literal(block)
            if isinstance(obj, dict):
                parsed = Parsed(how="dict")
                if _from_mapping(obj, names, parsed):
                    return parsed
        for block in reversed(_bracketed(region, "[", "]")):
            obj = _literal(block)
            if isinstance(obj, list):
                parsed = Parsed(how="pairs")
                if not obj or _from_pairs(obj, names, parsed):
                    return parsed
    parsed = Parsed(how="lines")
    if _from_lines(body, names, parsed):
        return parsed
    unknown = Parsed(ok=False, how="unparsed")
    for block in _bracketed(body, "{", "}"):  # a dictionary whose keys are all unknown types
        obj = _literal(block)
        if isinstance(obj, dict):
            _from_mapping(obj, names, unknown)
    return unknown
