"""Is one system better than another on the same test sentences? A paired bootstrap, with a verdict.

Counts follow the common evaluator exactly (seqeval's strict IOB2 entities, see
:mod:`nerlab.evaluation.evaluator`): per sentence, the correct, predicted and gold
entities; summed over any resample of sentences they give its micro-F1 (a test
checks they reproduce the evaluator's score, invalid IOB2 included).
"""

from __future__ import annotations

from nerlab.data.tags import split_tag
from nerlab.evaluation.evaluator import _check


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
                     resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
                     resample_seeds: bool = True) -> dict:
    """Paired bootstrap over test sentences of the micro-F1 difference ``B - A``.

    ``runs_a`` and ``runs_b`` hold one prediction set per seed (any number, on the same sentences as ``gold``).
    Each resample draws the sentences with replacement once and scores every run of both sides on that same
    draw (the pairing); with ``resample_seeds`` it also draws each side's runs with replacement, so the
    interval carries the training randomness between seeds as well as the test set's sampling. The
    statistic is mean micro-F1 of B's (drawn) runs minus that of A's. Returns the observed difference, the
    percentile interval at ``confidence``, the per-seed means and standard deviations, and the share of
    resamples in which B is not better (a one-sided p-value for "B > A").
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

    def side(counts):  # (resamples,) mean micro-F1 over the side's (drawn) runs
        f1 = _micro_f1(np.einsum("rn,knc->rkc", weights, counts))  # (resamples, runs)
        if resample_seeds:
            f1 = np.take_along_axis(f1, rng.integers(0, f1.shape[1], size=f1.shape), axis=1)
        return f1.mean(axis=1)

    diffs = side(b) - side(a)
    f1_a, f1_b = _micro_f1(a.sum(axis=1)), _micro_f1(b.sum(axis=1))
    tail = (1 - confidence) / 2
    low, high = np.quantile(diffs, [tail, 1 - tail])
    std = (lambda x: float(np.std(x, ddof=1)) if len(x) > 1 else 0.0)
    return {"difference": float(f1_b.mean() - f1_a.mean()), "low": float(low), "high": float(high),
            "confidence": confidence, "resamples": resamples, "sentences": n,
            "resampled": "sentences and seeds" if resample_seeds else "sentences",
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
