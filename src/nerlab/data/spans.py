"""Character-span annotations in and out: doccano JSONL and Label Studio JSON (``dataset: spans``,
``nerlab export-annotations``, ``annotate.corrected``).

**In.** doccano's sequence-labelling export, one JSON object per line: ``{"text": ..., "label": [[start, end,
"PER"], ...]}`` (older versions: ``"labels"``, or ``"entities": [{"start_offset", "end_offset", "label"}]``).
Label Studio's JSON export, one array of tasks: ``{"data": {"text": ...}, "annotations": [{"result": [{"type":
"labels", "value": {"start", "end", "labels": ["PER"]}}]}]}``; a task's first annotation that was not cancelled
is read; a task nobody annotated keeps its first prediction (counted), or is skipped when it has none (counted).

Text becomes tokens by the record's own ``tokens`` when it carries them (what nerlab exports: the round trip is
exact), else by :func:`tokenize`: a regular expression (``\\w+(?:['’-]\\w+)*`` or any other single non-space
character): words with their inner apostrophes and hyphens, every punctuation mark alone, as CoNLL-style
English corpora are tokenised; deterministic, and every token keeps its character offsets. A span becomes IOB2
tags on the tokens it overlaps; one that does not start and end on token boundaries is snapped to them
(``span_snapped``), one that covers no token is dropped (``span_empty``), and of overlapping or nested spans the
longer is kept (``span_overlap_dropped``), all counted. A span outside the text, or not a start < end pair, is
an error naming the file and line.

**Out.** :func:`to_doccano` and :func:`to_label_studio` write annotated sentences as the tools' import
formats: doccano labelled JSONL, Label Studio tasks with the annotations as *predictions* (pre-annotations
a person corrects) under the annotator's name. Both carry the sentence id and tokens, so the corrected
export comes back token for token.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from nerlab.config.errors import DataError
from nerlab.data.columns import Sentence
from nerlab.data.repairs import RepairLog
from nerlab.data.tags import Span, tags_from_spans
from nerlab.data.tags import spans as tag_spans

TOKEN = re.compile(r"\w+(?:['’-]\w+)*|\S")
FORMATS = ("doccano", "label-studio")
LABEL_CONFIG = """<View>
  <Labels name="label" toName="text">
{labels}
  </Labels>
  <Text name="text" value="$text"/>
</View>
"""


def tokenize(text: str) -> list[tuple[int, int]]:
    """(start, end) of every token of ``text`` (see the module docstring)."""
    return [m.span() for m in TOKEN.finditer(text)]


def locate(text: str, tokens: list[str], where: str) -> list[tuple[int, int]]:
    """(start, end) of given tokens in ``text``, in order (a record that carries its tokens)."""
    out, at = [], 0
    for token in tokens:
        start = text.find(token, at)
        if start < 0:
            raise DataError(where, None, f"token {token!r} not found in the text after character {at}")
        out.append((start, start + len(token)))
        at = start + len(token)
    return out


def to_tags(offsets: list[tuple[int, int]], spans: list[tuple[int, int, str]], repairs: RepairLog,
            where: str) -> list[str]:
    """IOB2 tags of the tokens at ``offsets`` for character ``spans`` (snapped, overlaps resolved, counted)."""
    chosen: list[tuple[int, int, str]] = []  # token index spans
    covered: set[int] = set()
    for start, end, label in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):  # the longer first
        inside = [i for i, (s, e) in enumerate(offsets) if s < end and e > start]
        if not inside:
            repairs.add("span_empty", where, f"[{start}, {end}) {label} covers no token")
            continue
        first, last = inside[0], inside[-1]
        if offsets[first][0] != start or offsets[last][1] != end:
            repairs.add("span_snapped", where, f"[{start}, {end}) {label} -> [{offsets[first][0]}, "
                        f"{offsets[last][1]})")
        if covered & set(range(first, last + 1)):
            repairs.add("span_overlap_dropped", where, f"[{start}, {end}) {label} overlaps a longer span")
            continue
        covered |= set(range(first, last + 1))
        chosen.append((first, last, label))
    return tags_from_spans(len(offsets), [Span(first, last + 1, label) for first, last, label in chosen])


def _check_spans(spans: list, text: str, path: Path, line: int) -> list[tuple[int, int, str]]:
    out = []
    for item in spans:
        try:
            start, end, label = item
            start, end, label = int(start), int(end), str(label)
        except (TypeError, ValueError):
            raise DataError(path, line, f"span {item!r} is not [start, end, label]") from None
        if not 0 <= start < end <= len(text):
            raise DataError(path, line, f"span [{start}, {end}) {label!r} is outside the text (length {len(text)}) "
                                        "or empty")
        out.append((start, end, label))
    return out


def _doccano(path: Path, text: str) -> list[tuple[int, dict, list]]:
    """(line, record, [start, end, label] spans) per line of a doccano JSONL export."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(path, number, f"not JSON: {err.msg}") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise DataError(path, number, "a doccano record needs a \"text\" string")
        if "entities" in record:
            spans = [[e.get("start_offset"), e.get("end_offset"), e.get("label")] for e in record["entities"]]
        else:
            spans = record.get("label", record.get("labels", []))
        out.append((number, record, spans))
    return out


def _label_studio(path: Path, text: str, repairs: RepairLog) -> list[tuple[int, dict, list]]:
    """(line, record, spans) per task of a Label Studio JSON export (the line where the task starts)."""
    decoder, at = json.JSONDecoder(), text.index("[") + 1
    out, index = [], 0
    while True:
        while at < len(text) and text[at] in " \t\r\n,":
            at += 1
        if at >= len(text) or text[at] == "]":
            break
        line = text.count("\n", 0, at) + 1
        try:
            task, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as err:
            raise DataError(path, text.count("\n", 0, err.pos) + 1, f"not JSON: {err.msg}") from None
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise DataError(path, line, "a Label Studio task needs data.text")
        done = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        if done:
            results = done[0].get("result") or []
        elif task.get("predictions"):
            results = task["predictions"][0].get("result") or []
            repairs.add("not_reviewed", f"{path}:{line}", "no annotation: the task's prediction is kept")
        else:
            repairs.add("unannotated_task_skipped", f"{path}:{line}", "neither an annotation nor a prediction")
            index += 1
            continue
        spans = [[r["value"].get("start"), r["value"].get("end"), (r["value"].get("labels") or [None])[0]]
                 for r in results if r.get("type") == "labels" and isinstance(r.get("value"), dict)]
        record = {"text": data["text"], "id": data.get("id", task.get("id")), "tokens": data.get("tokens")}
        out.append((line, record, spans))
        index += 1
    return out


def read(path: str | Path, split: str, repairs: RepairLog, types: frozenset[str] | None = None) -> list[Sentence]:
    """Every record of a doccano JSONL or Label Studio JSON file (told apart by the first character: ``[``
    is Label Studio's array) as a sentence with IOB2 tags."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, None, "file not found")
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        raise DataError(path, None, "file is empty")
    records = _label_studio(path, text, repairs) if text.lstrip().startswith("[") else _doccano(path, text)
    sentences, seen = [], set()
    for line, record, raw_spans in records:
        body = record["text"]
        where = f"{path}:{line}"
        spans = _check_spans(raw_spans, body, path, line)
        if types is not None:
            unknown = sorted({label for _, _, label in spans} - types)
            if unknown:
                raise DataError(path, line, f"unknown entity type(s) {', '.join(map(repr, unknown))}; known: "
                                            f"{', '.join(sorted(types))}")
        tokens = record.get("tokens")
        offsets = locate(body, tokens, where) if isinstance(tokens, list) and tokens else tokenize(body)
        if not offsets:
            repairs.add("empty_sentence", where, "no tokens")
            continue
        sid = str(record["id"]) if record.get("id") is not None else f"{split}-{len(sentences):05d}"
        if sid in seen:
            repairs.add("duplicate_id", where, f"{sid} renamed {sid}~{line}")
            sid = f"{sid}~{line}"
        seen.add(sid)
        sentences.append(Sentence(sid, None, [body[s:e] for s, e in offsets], to_tags(offsets, spans, repairs, where),
                                  {}, line))
    if not sentences:
        raise DataError(path, None, "no records with text")
    return sentences


def _text_and_spans(tokens: list[str], tags: list[str]) -> tuple[str, list[tuple[int, int, str]]]:
    """The tokens joined by single spaces, and each entity's character span in that text."""
    starts, at = [], 0
    for token in tokens:
        starts.append(at)
        at += len(token) + 1
    return " ".join(tokens), [(starts[s.start], starts[s.end - 1] + len(tokens[s.end - 1]), s.type)
                              for s in tag_spans(tags)]


def to_doccano(rows: list[dict]) -> list[dict]:
    """doccano's labelled JSONL import: one record per sentence (``id``, ``text``, ``label``, ``tokens``)."""
    out = []
    for row in rows:
        text, spans = _text_and_spans(row["tokens"], row["tags"])
        out.append({"id": row["id"], "text": text, "label": [list(s) for s in spans], "tokens": row["tokens"]})
    return out


def to_label_studio(rows: list[dict], model: str) -> list[dict]:
    """Label Studio tasks with the annotations as predictions of ``model`` (pre-annotations to correct)."""
    out = []
    for row in rows:
        text, spans = _text_and_spans(row["tokens"], row["tags"])
        result = [{"id": f"{row['id']}-{k}", "from_name": "label", "to_name": "text", "type": "labels",
                   "value": {"start": s, "end": e, "text": text[s:e], "labels": [label]}}
                  for k, (s, e, label) in enumerate(spans)]
        out.append({"data": {"text": text, "id": row["id"], "tokens": row["tokens"]},
                    "predictions": [{"model_version": model, "result": result}]})
    return out


def label_config(types: list[str]) -> str:
    """A Label Studio labelling config for ``types`` (the ``label``/``text`` names the tasks use)."""
    return LABEL_CONFIG.format(labels="\n".join(f'    <Label value="{t}"/>' for t in types))
