"""The one evaluator every nerlab model is scored with.

Entity scores are seqeval's strict IOB2 mode: an entity counts only when its
type and both boundaries match, and an ``I-`` that starts an entity in a
prediction is not an entity (models are expected to emit valid IOB2; the
number of sentences that do not is reported as ``invalid_iob2_sentences``).

Keys (one schema for every model, so runs compare key by key):
``micro_f1 macro_f1 weighted_f1 precision recall`` (micro P/R),
``micro_precision micro_recall macro_precision macro_recall weighted_precision weighted_recall``,
``md_precision md_recall md_f1`` (mention detection: spans with the type ignored),
``token_accuracy``, ``per_type`` ({type: precision, recall, f1, support}),
``support`` (gold entities), ``sentences``; with a coarse map, the same under ``coarse``.

Sentence classification (paper 002's topics) is scored by :func:`classification`
(scikit-learn): ``accuracy macro_f1 weighted_f1``, ``per_class`` and the confusion matrix.
"""

from __future__ import annotations

import re
from collections import Counter

from seqeval.metrics import accuracy_score, classification_report
from seqeval.scheme import IOB2

from nerlab.config.errors import NerlabError
from nerlab.data.tags import is_valid_iob2, map_types, spans, split_tag

MISSED = "(missed)"
SPURIOUS = "(spurious)"
MENTION = "ENT"


_IOB2_TAG = re.compile(r"O|[BI]-\S+")


def _check(gold: list[list[str]], pred: list[list[str]], gold_ids: list | None = None,
           pred_ids: list | None = None) -> None:
    """Both sides are the same sentences (ids in the same order, whenever both sides have them), tag for tag,
    in IOB2 (a BIOES or malformed tag is refused here, not deep inside seqeval)."""
    if len(gold) != len(pred):
        raise NerlabError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    if gold_ids is not None and pred_ids is not None:
        for i, (g, p) in enumerate(zip(gold_ids, pred_ids)):
            if g != p:
                raise NerlabError(f"sentence {i + 1}: gold id {g!r} but predicted id {p!r}: the two sides are not "
                                  "the same sentences in the same order")
    for i, (g, p) in enumerate(zip(gold, pred)):
        if len(g) != len(p):
            raise NerlabError(f"sentence {i + 1}: {len(g)} gold tags but {len(p)} predicted")
    for side, sentences in (("gold", gold), ("predicted", pred)):
        bad = [t for t in {t for s in sentences for t in s} if not isinstance(t, str) or not _IOB2_TAG.fullmatch(t)]
        if bad:
            bad = bad[0]
            raise NerlabError(f"{side} tags: {bad!r} is not an IOB2 tag (O, B-TYPE, I-TYPE); convert other schemes "
                              "(BIOES, IOB1) first")


def _entity_scores(gold: list[list[str]], pred: list[list[str]]) -> dict:
    report = classification_report(gold, pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    out = {}
    for avg in ("micro", "macro", "weighted"):
        row = report.get(f"{avg} avg", {"precision": 0.0, "recall": 0.0, "f1-score": 0.0})
        out[f"{avg}_precision"] = float(row["precision"])
        out[f"{avg}_recall"] = float(row["recall"])
        out[f"{avg}_f1"] = float(row["f1-score"])
    out["per_type"] = {
        name: {"precision": float(row["precision"]), "recall": float(row["recall"]),
               "f1": float(row["f1-score"]), "support": int(row["support"])}
        for name, row in sorted(report.items()) if not name.endswith(" avg")
    }
    return out


def _untyped(tags: list[str]) -> list[str]:
    return [tag if tag == "O" else f"{split_tag(tag)[0]}-{MENTION}" for tag in tags]


def score(gold: list[list[str]], pred: list[list[str]]) -> dict:
    """Entity-level (strict IOB2), mention-detection and token-level scores."""
    entity = _entity_scores(gold, pred)
    mention = _entity_scores([_untyped(s) for s in gold], [_untyped(s) for s in pred])
    result = {
        "micro_f1": entity["micro_f1"], "macro_f1": entity["macro_f1"], "weighted_f1": entity["weighted_f1"],
        "precision": entity["micro_precision"], "recall": entity["micro_recall"],
        "md_precision": mention["micro_precision"], "md_recall": mention["micro_recall"],
        "md_f1": mention["micro_f1"],
        "token_accuracy": float(accuracy_score(gold, pred)) if gold else 0.0,
    }
    for avg in ("micro", "macro", "weighted"):
        result[f"{avg}_precision"] = entity[f"{avg}_precision"]
        result[f"{avg}_recall"] = entity[f"{avg}_recall"]
    result["support"] = sum(len(spans(s)) for s in gold)
    result["sentences"] = len(gold)
    result["invalid_iob2_sentences"] = sum(not is_valid_iob2(s) for s in pred)
    result["per_type"] = entity["per_type"]
    return result


def evaluate(gold: list[list[str]], pred: list[list[str]], coarse_map: dict[str, str] | None = None,
             gold_ids: list | None = None, pred_ids: list | None = None) -> dict:
    """:func:`score`, plus the same scores on coarse types under ``coarse`` when a map is given. With both
    ``gold_ids`` and ``pred_ids`` the two sides must be the same sentences in the same order."""
    _check(gold, pred, gold_ids, pred_ids)
    result = score(gold, pred)
    if coarse_map:
        result["coarse"] = score([map_types(s, coarse_map) for s in gold], [map_types(s, coarse_map) for s in pred])
    return result


def span_confusion(gold: list[list[str]], pred: list[list[str]]) -> Counter[tuple[str, str]]:
    """Counts of (gold type, predicted type) over spans with identical boundaries.

    A gold span with no predicted span of the same boundaries is (type, MISSED);
    a predicted span with no gold span of the same boundaries is (SPURIOUS, type).
    """
    _check(gold, pred)
    counts: Counter[tuple[str, str]] = Counter()
    for g, p in zip(gold, pred):
        gold_spans = {(s.start, s.end): s.type for s in spans(g)}
        pred_spans = {(s.start, s.end): s.type for s in spans(p)}
        for bounds, gtype in gold_spans.items():
            counts[(gtype, pred_spans.get(bounds, MISSED))] += 1
        for bounds, ptype in pred_spans.items():
            if bounds not in gold_spans:
                counts[(SPURIOUS, ptype)] += 1
    return counts


def classification(gold: list[str], pred: list[str], classes: list[str]) -> dict:
    """Accuracy, macro and weighted F1 (scikit-learn), per-class P/R/F1/support and the confusion matrix
    (rows: gold class, columns: predicted class, both in the order of ``classes``)."""
    from sklearn.metrics import accuracy_score as accuracy
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predicted")
    if not gold:
        raise ValueError("no sentences to score")
    p, r, f, n = precision_recall_fscore_support(gold, pred, labels=classes, zero_division=0)
    out = {"accuracy": float(accuracy(gold, pred)), "sentences": len(gold)}
    for avg in ("macro", "weighted"):
        ap, ar, af, _ = precision_recall_fscore_support(gold, pred, labels=[c for c in classes if c in gold],
                                                        average=avg, zero_division=0)
        out.update({f"{avg}_precision": float(ap), f"{avg}_recall": float(ar), f"{avg}_f1": float(af)})
    out["per_class"] = {c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                            "support": int(n[i])} for i, c in enumerate(classes)}
    out["confusion"] = {"classes": list(classes),
                        "counts": confusion_matrix(gold, pred, labels=classes).tolist()}
    return out


def headline(result: dict) -> str:
    """One log line: the numbers people look at first."""
    return (f"micro-F1 {result['micro_f1']:.4f}  macro-F1 {result['macro_f1']:.4f}  "
            f"P {result['precision']:.4f}  R {result['recall']:.4f}  MD-F1 {result['md_f1']:.4f}  "
            f"token acc {result['token_accuracy']:.4f}")
