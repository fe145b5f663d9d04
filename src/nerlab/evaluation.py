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

from collections import Counter

from seqeval.metrics import accuracy_score, classification_report
from seqeval.scheme import IOB2

from nerlab.tags import is_valid_iob2, map_types, spans, split_tag

MISSED = "(missed)"
SPURIOUS = "(spurious)"
MENTION = "ENT"


def _check(gold: list[list[str]], pred: list[list[str]]) -> None:
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    for i, (g, p) in enumerate(zip(gold, pred)):
        if len(g) != len(p):
            raise ValueError(f"sentence {i}: {len(g)} gold tags but {len(p)} predicted")


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
    _check(gold, pred)
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


def evaluate(gold: list[list[str]], pred: list[list[str]], coarse_map: dict[str, str] | None = None) -> dict:
    """:func:`score`, plus the same scores on coarse types under ``coarse`` when a map is given."""
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
    from sklearn.metrics import accuracy_score as accuracy, confusion_matrix, precision_recall_fscore_support

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


def strict_spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """Entities as seqeval's strict IOB2 mode reads them: ``B-X`` then ``I-X``...; an ``I-`` that does not
    continue an entity of its type starts nothing."""
    found, start, etype = set(), None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, t = split_tag(tag)
        if start is not None and not (prefix == "I" and t == etype):
            found.add((start, i, etype))
            start, etype = None, None
        if prefix == "B":
            start, etype = i, t
    return found


def sentence_counts(gold: list[list[str]], pred: list[list[str]]):
    """Per sentence: (correct entities, predicted entities, gold entities), strict IOB2. Summed over any set of
    sentences they give that set's micro P/R/F1, which is what the bootstrap resamples."""
    import numpy as np

    _check(gold, pred)
    rows = []
    for g, p in zip(gold, pred):
        gs, ps = strict_spans(g), strict_spans(p)
        rows.append((len(gs & ps), len(ps), len(gs)))
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def _micro_f1(counts):
    """Micro-F1 from summed counts (last axis: correct, predicted, gold); 0 where nothing was predicted or gold."""
    import numpy as np

    correct, predicted, gold = counts[..., 0], counts[..., 1], counts[..., 2]
    denominator = predicted + gold
    return np.where(denominator > 0, 2 * correct / np.maximum(denominator, 1), 0.0)


def paired_bootstrap(gold: list[list[str]], runs_a: list[list[list[str]]], runs_b: list[list[list[str]]],
                     resamples: int = 1000, seed: int = 0, confidence: float = 0.95) -> dict:
    """Paired bootstrap over test sentences of the micro-F1 difference ``B - A``.

    ``runs_a`` and ``runs_b`` hold one prediction set per seed (any number, on the same sentences as ``gold``).
    Each resample draws the sentences with replacement once and scores every run of both sides on that same
    draw; the statistic is mean micro-F1 of B's runs minus mean micro-F1 of A's runs. Returns the observed
    difference, the percentile interval at ``confidence``, the per-seed means and standard deviations, and
    the share of resamples in which B is not better (a one-sided p-value for "B > A").
    """
    import numpy as np

    if not runs_a or not runs_b:
        raise ValueError("each side needs at least one run")
    if resamples < 1:
        raise ValueError(f"resamples must be >= 1, got {resamples}")
    a = np.stack([sentence_counts(gold, p) for p in runs_a])  # (runs, sentences, 3)
    b = np.stack([sentence_counts(gold, p) for p in runs_b])
    n = len(gold)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(resamples, n))
    weights = np.zeros((resamples, n), dtype=np.int64)  # how often each sentence is drawn per resample
    np.add.at(weights, (np.arange(resamples)[:, None], draws), 1)

    def side(counts):  # (resamples,) mean micro-F1 over the side's runs
        summed = np.einsum("rn,knc->rkc", weights, counts)
        return _micro_f1(summed).mean(axis=1)

    diffs = side(b) - side(a)
    f1_a, f1_b = _micro_f1(a.sum(axis=1)), _micro_f1(b.sum(axis=1))
    tail = (1 - confidence) / 2
    low, high = np.quantile(diffs, [tail, 1 - tail])
    std = (lambda x: float(np.std(x, ddof=1)) if len(x) > 1 else 0.0)
    return {"difference": float(f1_b.mean() - f1_a.mean()), "low": float(low), "high": float(high),
            "confidence": confidence, "resamples": resamples, "sentences": n,
            "a": {"runs": len(runs_a), "mean": float(f1_a.mean()), "std": std(f1_a), "per_run": f1_a.tolist()},
            "b": {"runs": len(runs_b), "mean": float(f1_b.mean()), "std": std(f1_b), "per_run": f1_b.tolist()},
            "p_b_not_better": float((diffs <= 0).mean())}


def verdict(low: float, high: float, expected: int) -> str:
    """``holds`` when the interval excludes 0 on the side the claim expects (``expected``: +1 "B > A",
    -1 "B < A"), ``fails`` when it excludes 0 on the other side, else ``inconclusive``. A claim of no
    difference (``expected`` 0) holds while the interval covers 0 and fails when it does not."""
    if expected == 0:
        return "holds" if low <= 0 <= high else "fails"
    if expected not in (1, -1):
        raise ValueError(f"expected must be +1, -1 or 0, got {expected}")
    if low > 0:
        return "holds" if expected == 1 else "fails"
    if high < 0:
        return "holds" if expected == -1 else "fails"
    return "inconclusive"
