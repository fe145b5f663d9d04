"""A person's corrections of the annotator's work (``annotate.corrected``): the loop is

    nerlab export-annotations --format label-studio --to sample.json   # the distilled set as pre-annotations
    (correct them in Label Studio or doccano, export)
    dvc exp run -S annotate.corrected=/path/to/export.json             # the distilled set is the corrected one

The export is read like any span file (:mod:`nerlab.data.spans`; its records carry the sentence ids and
tokens nerlab wrote). A sentence of the sample found in it takes its corrected tags; one not in it keeps the
annotator's (counted). What changed is counted in spans (added, removed: a relabelled span is one of each)
and sentences, and goes with the file's sha256 into ``source.json`` of the distilled set and into Table 1
(``metrics/annotate.json``: the corrected tags scored against gold beside the annotator's own score).
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from nerlab.annotate.annotator import Annotation
from nerlab.config.errors import NerlabError
from nerlab.data import sources
from nerlab.data.repairs import RepairLog
from nerlab.data.spans import read as read_spans
from nerlab.data.tags import spans

log = logging.getLogger(__name__)


def apply(annotations: list[Annotation], path: str | Path) -> tuple[list[Annotation], dict]:
    """The annotations with a person's corrections from ``path``, and what changed."""
    path = Path(path).expanduser()
    repairs = RepairLog()
    corrected = {s.id: s for s in read_spans(path, "corrected", repairs)}
    by_id = {a.id: a for a in annotations}
    foreign = sorted(set(corrected) - set(by_id))
    if foreign:
        raise NerlabError(f"{path}: {len(foreign)} sentence id(s) not in the annotated sample (first: "
                          f"{foreign[0]!r}); correct the file nerlab export-annotations wrote for this dataset")
    out, added, removed, changed = [], 0, 0, 0
    for a in annotations:
        fixed = corrected.get(a.id)
        if fixed is None:
            out.append(a)
            continue
        if fixed.tokens != a.tokens:
            raise NerlabError(f"{path}:{fixed.line}: sentence {a.id!r} has other tokens than the annotated one "
                              "(edit the labels, not the text)")
        before = {(s.start, s.end, s.type) for s in spans(a.tags)}
        after = {(s.start, s.end, s.type) for s in spans(fixed.tags)}
        added, removed = added + len(after - before), removed + len(before - after)
        changed += before != after
        out.append(dataclasses.replace(a, tags=list(fixed.tags), status="ok"))
    summary = {"file": str(path), "sha256": sources.sha256(path), "sentences_in_file": len(corrected),
               "sentences_not_in_file": len(annotations) - len(corrected), "sentences_changed": changed,
               "spans_added": added, "spans_removed": removed, "repairs": repairs.to_dict()}
    log.info("corrections from %s: %d of %d sentences, %d changed (%d spans added, %d removed)", path,
             len(corrected), len(annotations), changed, added, removed)
    return out, summary


def note(annotator: str, summary: dict) -> str:
    return (f"annotated by {annotator}, corrected by a person ({summary['file']}): {summary['spans_added']} "
            f"span(s) added and {summary['spans_removed']} removed in {summary['sentences_changed']} sentence(s)")
