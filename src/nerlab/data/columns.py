"""Reader for column files (CoNLL-style): one token per line, blank lines between sentences.

One reader serves CoNLL-2003, MultiCoNER II and any column file a user brings;
a :class:`ColumnSpec` says where the token and tag are, which scheme the tags
use, and how documents and sentence headers are marked.

Bad input raises :class:`~nerlab.config.errors.DataError` naming the file and line,
except the repairs listed in :mod:`nerlab.data.tags` and below, which are made,
counted and located in a :class:`~nerlab.data.repairs.RepairLog`:

- ``iob2_repair``: an ``I-`` that does not continue an entity becomes ``B-``; in BIOES files also an
  ``I-``/``E-`` that continues nothing (it becomes ``B-``) and an entity not closed by ``E-`` (see
  :func:`nerlab.data.tags.to_iob2`);
- ``empty_sentence``: a sentence header with no token lines (nothing to keep);
- ``duplicate_id``: a sentence id seen before gets the suffix ``~2``, ``~3``...
- ``bom_removed``: a UTF-8 byte-order mark before the first line is dropped (it is not part of a token);
- ``cr_line_ends``: lines ended by a lone CR (old Mac files) are read as lines, not as one long line.

Lines starting with ``comment_prefix`` (e.g. ``#``) are comments and skipped, except a
``header_prefix`` line (e.g. ``# id``), whose next word is the sentence's id, and a
``doc_prefix`` line (e.g. ``# newdoc``, CoNLL-U), which starts a new document as a
``docstart`` token line does. Columns a format leaves empty (``_``) are ordinary
columns: point ``token_col``/``tag_col`` past them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nerlab.config.errors import DataError, NerlabError
from nerlab.data.repairs import RepairLog
from nerlab.data.tags import TagError, split_tag, to_iob2


@dataclass(frozen=True)
class ColumnSpec:
    token_col: int = 0
    tag_col: int = -1
    n_cols: int | str | None = None  # None: every line as many columns as the first; "any": each line its own
    # ("any": MeCab-style output, where unknown words lack the reading columns; tag_col -1 is then the last)
    sep: str | None = None  # None: any run of whitespace
    scheme: str = "IOB2"
    docstart: str | None = "-DOCSTART-"  # token that starts a new document
    header_prefix: str | None = None  # e.g. "# id " (MultiCoNER): the next word is the sentence id
    comment_prefix: str | None = None  # e.g. "#": other lines starting with it are comments
    doc_prefix: str | None = None  # e.g. "# newdoc": a line starting with it starts a new document
    feature_cols: dict[str, int] = field(default_factory=dict)  # e.g. {"pos": 1, "chunk": 2}
    types: frozenset[str] | None = None  # allowed entity types; None: any


@dataclass
class Sentence:
    id: str
    doc_id: str | None
    tokens: list[str]
    tags: list[str]
    features: dict[str, list[str]]
    line: int  # line of the first token, 1-based


BOM = b"\xef\xbb\xbf"


def _decode_lines(path: Path, repairs: RepairLog) -> list[str]:
    if not path.exists():
        raise DataError(path, None, "file not found")
    raw = path.read_bytes()
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
        repairs.add("bom_removed", f"{path}:1", "UTF-8 byte-order mark dropped")
    if not raw.strip():
        raise DataError(path, None, "file is empty")
    lone_cr = raw.replace(b"\r\n", b"").count(b"\r")
    if lone_cr:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        repairs.add("cr_line_ends", str(path), f"{lone_cr} line(s) ended by a lone CR", n=lone_cr)
    lines = []
    for number, chunk in enumerate(raw.split(b"\n"), start=1):
        try:
            lines.append(chunk.decode("utf-8").rstrip("\r"))
        except UnicodeDecodeError as err:
            bad = chunk[err.start]
            raise DataError(
                path, number,
                f"byte 0x{bad:02X} at column {err.start + 1} is not UTF-8; "
                "convert the file to UTF-8 (for example: iconv -f latin1 -t utf-8)",
            ) from None
    return lines


def read_columns(path: str | Path, spec: ColumnSpec, split: str, repairs: RepairLog) -> list[Sentence]:
    """Read every sentence of ``path``, tags converted to IOB2."""
    path = Path(path)
    lines = _decode_lines(path, repairs)
    sentences: list[Sentence] = []
    seen_ids: dict[str, int] = {}
    n_cols = spec.n_cols
    if n_cols not in (None, "any") and (not isinstance(n_cols, int) or n_cols < 1):
        raise NerlabError(f"n_cols must be a positive number, null or 'any'; got {n_cols!r}")
    needed = max(abs(c) + (c >= 0) for c in [spec.token_col, spec.tag_col, *spec.feature_cols.values()])
    doc_index = 0 if spec.docstart or spec.doc_prefix else None
    state = {"tokens": [], "tags": [], "feats": {k: [] for k in spec.feature_cols}, "first": None,
             "id": None, "header_line": None}

    def flush() -> None:
        if not state["tokens"]:
            if state["id"] is not None:
                repairs.add("empty_sentence", f"{path}:{state['header_line']}", f"sentence {state['id']} has no tokens")
            state["id"] = None
            return
        sid = state["id"] or f"{split}-{len(sentences):05d}"
        if sid in seen_ids:
            seen_ids[sid] += 1
            new = f"{sid}~{seen_ids[sid]}"
            repairs.add("duplicate_id", f"{path}:{state['header_line'] or state['first']}", f"{sid} renamed {new}")
            sid = new
        else:
            seen_ids[sid] = 1
        try:
            tags, fixed = to_iob2(state["tags"], spec.scheme)
        except TagError as err:  # prefixes valid in general but not in this scheme
            raise DataError(path, state["first"], str(err)) from None
        if fixed:
            repairs.add("iob2_repair", f"{path}:{state['first']}", f"{fixed} tag(s) repaired (an I- starting an entity; "
                        f"BIOES: an I-/E- continuing nothing, an entity not closed by E-)", n=fixed)
        doc_id = None if doc_index is None else f"{split}-doc{doc_index:04d}"
        sentences.append(Sentence(sid, doc_id, state["tokens"], tags, state["feats"], state["first"]))
        state.update(tokens=[], tags=[], feats={k: [] for k in spec.feature_cols}, first=None, id=None,
                     header_line=None)

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            flush()
            continue
        if spec.doc_prefix and line.startswith(spec.doc_prefix):
            flush()
            doc_index += 1
            continue
        if spec.header_prefix and line.startswith(spec.header_prefix):
            flush()
            rest = line[len(spec.header_prefix):].split()
            if not rest:
                raise DataError(path, number, f"sentence header {line!r} has no id")
            state["id"], state["header_line"] = rest[0], number
            continue
        if spec.comment_prefix and line.startswith(spec.comment_prefix):
            continue
        cols = line.split(spec.sep) if spec.sep else line.split()
        if n_cols == "any":
            if len(cols) < needed:
                raise DataError(path, number, f"found {len(cols)} column(s) but the column settings need {needed}: "
                                              f"{line!r}")
        elif n_cols is None:
            n_cols = len(cols)
            if n_cols < needed:
                raise DataError(path, number, f"found {n_cols} column(s) but the column settings need {needed}")
        if n_cols != "any" and len(cols) != n_cols:
            raise DataError(path, number, f"expected {n_cols} columns, found {len(cols)}: {line!r}")
        token, tag = cols[spec.token_col], cols[spec.tag_col]
        if spec.docstart and token == spec.docstart:
            flush()
            doc_index += 1
            continue
        try:
            _, etype = split_tag(tag)
        except TagError as err:
            hint = ""
            if line.lstrip().startswith("#") and not spec.comment_prefix:
                hint = ("; the line starts with '#': if it is a comment (MultiCoNER, CoNLL-U), set "
                        "data.conll.comment_prefix: '#' (and data.conll.header_prefix for '# id ...' lines)")
            raise DataError(path, number, f"{err}{hint}") from None
        if spec.types is not None and etype is not None and etype not in spec.types:
            raise DataError(path, number, f"unknown entity type {etype!r} in tag {tag!r}; "
                                          f"known types: {', '.join(sorted(spec.types))}")
        if state["first"] is None:
            state["first"] = number
        state["tokens"].append(token)
        state["tags"].append(tag)
        for name, col in spec.feature_cols.items():
            state["feats"][name].append(cols[col])
    flush()
    if not sentences:
        raise DataError(path, None, "no sentences found (is this a column file with blank lines between sentences?)")
    if doc_index == 0:  # no document markers in this file: sentences stand alone
        for sentence in sentences:
            sentence.doc_id = None
    return sentences
