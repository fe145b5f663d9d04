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
    return type_counts(gold, pred).sum(axis=1)


def entity_types(*tag_lists) -> list[str]:
    """Every entity type in any of the tag sequences, sorted (seqeval's macro average runs over these)."""
    return sorted({split_tag(tag)[1] for tags in tag_lists for sentence in tags for tag in sentence
                   if tag != "O"})


def type_counts(gold: list[list[str]], pred: list[list[str]], types: list[str] | None = None):
    """Per sentence and entity type: (correct, predicted, gold) entities, strict IOB2; shape (sentences, types, 3).
    ``types`` fixes the columns (default: every type in gold or pred)."""
    import numpy as np

    _check(gold, pred)
    types = types if types is not None else entity_types(gold, pred)
    column = {t: i for i, t in enumerate(types)}
    counts = np.zeros((len(gold), len(types), 3), dtype=np.int64)
    for row, (g, p) in enumerate(zip(gold, pred)):
        gs, ps = strict_spans(g), strict_spans(p)
        for span in gs & ps:
            counts[row, column[span[2]], 0] += 1
        for span in ps:
            counts[row, column[span[2]], 1] += 1
        for span in gs:
            counts[row, column[span[2]], 2] += 1
    return counts


def class_counts(gold: list[str], pred: list[str], classes: list[str] | None = None):
    """Sentence classification as the same counts: per sentence and class (correct, predicted, gold), shape
    (sentences, classes, 3). Summed, micro-F1 is the accuracy and macro-F1 sklearn's macro F1 over the classes."""
    import numpy as np

    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    classes = classes if classes is not None else sorted(set(gold) | set(pred))
    column = {c: i for i, c in enumerate(classes)}
    counts = np.zeros((len(gold), len(classes), 3), dtype=np.int64)
    for row, (g, p) in enumerate(zip(gold, pred)):
        counts[row, column[p], 1] = 1
        counts[row, column[g], 2] = 1
        counts[row, column[g], 0] = int(g == p)
    return counts


def _micro_f1(counts):
    """Micro-F1 from summed counts (last axis: correct, predicted, gold); 0 where nothing was predicted or gold."""
    import numpy as np

    correct, predicted, gold = counts[..., 0], counts[..., 1], counts[..., 2]
    denominator = predicted + gold
    return np.where(denominator > 0, 2 * correct / np.maximum(denominator, 1), 0.0)


METRICS = ("micro", "macro")


def score(counts, metric: str = "micro"):
    """F1 from summed per-type counts (..., types, 3): ``micro`` pools the types, ``macro`` averages their F1
    (seqeval's macro average over the types in gold or predictions)."""
    if metric == "micro":
        return _micro_f1(counts.sum(axis=-2))
    if metric == "macro":
        return _micro_f1(counts).mean(axis=-1)
    raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")


def _units(counts, groups):
    """Counts summed per resampling unit: each sentence, or each group (document) of sentences."""
    import numpy as np

    if groups is None:
        return counts
    keys, index = np.unique(np.asarray(groups), return_inverse=True)
    out = np.zeros((counts.shape[0], len(keys), *counts.shape[2:]), dtype=counts.dtype)
    np.add.at(out, (slice(None), index), counts)
    return out


def bootstrap_counts(a, b, resamples: int = 10000, seed: int = 0, confidence: float = 0.95,
                     resample_seeds: bool = True, metric: str = "micro", groups=None,
                     margin: float | None = None, chunk: int = 500, paired_seeds: bool = False) -> dict:
    """Paired bootstrap of ``score(B) - score(A)`` from per-sentence, per-type counts.

    ``a`` and ``b`` have shape (runs, sentences, types, 3), one run per seed, on the same sentences. Each
    resample draws the units (sentences, or whole groups such as documents when ``groups`` gives each
    sentence's group) with replacement once and scores every run of both sides on that draw (the pairing);
    with ``resample_seeds`` each side's runs are drawn with replacement too, so the interval carries the
    seeds' spread as well as the test set's sampling. With ``paired_seeds`` (run i of both sides trained with
    the same seed: the same initialisation and batch order) one draw of run indices serves both sides, so a
    seed's shared luck cancels as a sentence's does (the matched design); otherwise each side's runs are drawn
    on their own. The statistic is the mean score of B's drawn runs minus A's.

    Returns the observed difference, the percentile interval at ``confidence``, two-sided and one-sided
    bootstrap p-values ((k + 1) / (R + 1), so never 0) and, with ``margin``, the two one-sided tests (TOST)
    of equivalence: ``p_equivalent`` = max(P(diff <= -margin), P(diff >= margin)) and the
    (1 - 2 alpha) interval that lies inside (-margin, margin) exactly when p_equivalent < alpha.
    """
    import numpy as np

    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != 4 or b.ndim != 4 or a.shape[1:] != b.shape[1:] or not len(a) or not len(b):
        raise ValueError(f"each side needs counts of shape (runs >= 1, sentences, types, 3), got {a.shape} "
                         f"and {b.shape}")
    if resamples < 1:
        raise ValueError(f"resamples must be >= 1, got {resamples}")
    if paired_seeds and len(a) != len(b):
        raise ValueError(f"paired seeds need as many runs on each side, got {len(a)} and {len(b)}")
    units_a, units_b = _units(a, groups), _units(b, groups)
    n_units = units_a.shape[1]
    rng = np.random.default_rng(seed)
    flat_a = units_a.transpose(1, 0, 2, 3).reshape(n_units, -1).astype(np.float64)
    flat_b = units_b.transpose(1, 0, 2, 3).reshape(n_units, -1).astype(np.float64)
    diffs = np.empty(resamples)
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        weights = rng.multinomial(n_units, np.full(n_units, 1 / n_units), size=size).astype(np.float64)

        drawn = rng.integers(0, len(a), size=(size, len(a))) if paired_seeds and resample_seeds else None

        def side(flat, runs):  # (size,) mean score over the side's (drawn) runs
            summed = (weights @ flat).reshape(size, runs, *a.shape[2:])
            f1 = score(summed, metric)  # (size, runs)
            if resample_seeds:
                picks = drawn if drawn is not None else rng.integers(0, runs, size=f1.shape)
                f1 = np.take_along_axis(f1, picks, axis=1)
            return f1.mean(axis=1)

        diffs[start:start + size] = side(flat_b, len(b)) - side(flat_a, len(a))
    f1_a, f1_b = score(a.sum(axis=1), metric), score(b.sum(axis=1), metric)
    tail = (1 - confidence) / 2
    low, high = np.quantile(diffs, [tail, 1 - tail])
    std = (lambda x: float(np.std(x, ddof=1)) if len(x) > 1 else 0.0)
    p = (lambda k: float((k + 1) / (resamples + 1)))
    below, above = int((diffs <= 0).sum()), int((diffs >= 0).sum())
    out = {"metric": metric, "difference": float(f1_b.mean() - f1_a.mean()), "low": float(low), "high": float(high),
           "confidence": confidence, "resamples": resamples, "sentences": a.shape[1], "units": n_units,
           "resampled": ("documents" if groups is not None else "sentences")
           + ((" and seeds, paired" if paired_seeds else " and seeds") if resample_seeds else ""),
           "a": {"runs": len(a), "mean": float(f1_a.mean()), "std": std(f1_a), "per_run": f1_a.tolist()},
           "b": {"runs": len(b), "mean": float(f1_b.mean()), "std": std(f1_b), "per_run": f1_b.tolist()},
           "p_b_not_better": p(below), "p_b_not_worse": p(above), "p_two_sided": min(1.0, 2 * p(min(below, above)))}
    if margin is not None:
        if margin <= 0:
            raise ValueError(f"margin must be > 0, got {margin}")
        alpha = 1 - confidence
        eq_low, eq_high = np.quantile(diffs, [alpha, 1 - alpha])
        out.update(margin=margin, p_equivalent=max(p(int((diffs <= -margin).sum())), p(int((diffs >= margin).sum()))),
                   equivalence_interval=[float(eq_low), float(eq_high)])
    return out


def bootstrap_ranks(counts, claimed: list[int], top: int, resamples: int = 10000, seed: int = 0,
                    confidence: float = 0.95, groups=None, chunk: int = 500) -> dict:
    """Are the ``claimed`` types (column indices) among the ``top`` types by F1 (rank 1 = the best)?

    ``counts`` has shape (runs, sentences, types, 3). A type's F1 is its mean over the runs; its rank is 1 + the
    number of types with a higher F1. Each resample draws the units (sentences, or ``groups``) with replacement
    and ranks the types on the draw. The statistic is the worst (largest) rank among the claimed types; it is
    reported as ``difference`` = top + 0.5 - worst rank (positive exactly when every claimed type is in the
    top), with its percentile interval and bootstrap p-values ((k + 1) / (R + 1)) as :func:`bootstrap_counts`
    gives them, so a rank claim is judged and Holm-corrected like a directional one."""
    import numpy as np

    counts = np.asarray(counts)
    if counts.ndim != 4 or not len(counts):
        raise ValueError(f"counts need shape (runs >= 1, sentences, types, 3), got {counts.shape}")
    if not claimed or not 1 <= top <= counts.shape[2]:
        raise ValueError(f"need claimed types and 1 <= top <= {counts.shape[2]}, got {claimed} and {top}")

    def worst_rank(f1):  # (..., types) -> (..., ) the largest rank among the claimed types
        ranks = (f1[..., None, :] > f1[..., claimed, None]).sum(axis=-1) + 1
        return ranks.max(axis=-1), ranks

    def statistic(summed):  # (..., runs, types, 3) -> top + 0.5 - worst rank of the runs' mean per-type F1
        return top + 0.5 - worst_rank(_micro_f1(summed).mean(axis=-2))[0]

    out = _one_side(counts, statistic, resamples, seed, confidence, groups, chunk)
    f1 = _micro_f1(counts.sum(axis=1)).mean(axis=0)
    ranks = worst_rank(f1)[1]
    return {**out, "ranks": [int(r) for r in ranks], "f1": [float(f1[i]) for i in claimed], "types": counts.shape[2],
            "worst_rank_interval": [float(top + 0.5 - out["high"]), float(top + 0.5 - out["low"])],
            "p_not_top": out["p_not_positive"]}


def bootstrap_level(counts, bound: float, resamples: int = 10000, seed: int = 0, confidence: float = 0.95,
                    metric: str = "micro", groups=None, chunk: int = 500) -> dict:
    """Is one side's score below ``bound`` ("F1 is about 0")? The statistic is bound - the runs' mean score,
    resampled over units (sentences, or ``groups``): positive when the score is below the bound, judged like a
    directional claim (:func:`judge` with expected +1) from the same bootstrap p-values."""
    import numpy as np

    out = _one_side(np.asarray(counts), lambda summed: bound - score(summed, metric).mean(axis=-1), resamples, seed,
                    confidence, groups, chunk)
    scores = score(np.asarray(counts).sum(axis=1), metric)
    return {**out, "metric": metric, "bound": bound, "mean": float(scores.mean()), "per_run": scores.tolist(),
            "std": float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0}


def _one_side(counts, statistic, resamples: int, seed: int, confidence: float, groups, chunk: int) -> dict:
    """The bootstrap of ``statistic`` (summed counts (..., runs, types, 3) -> (...,)) over one side's units: the
    observed value as ``difference``, the percentile interval and (k + 1) / (R + 1) p-values of its sign."""
    import numpy as np

    if counts.ndim != 4 or not len(counts):
        raise ValueError(f"counts need shape (runs >= 1, sentences, types, 3), got {counts.shape}")
    units = _units(counts, groups)
    n_units = units.shape[1]
    rng = np.random.default_rng(seed)
    flat = units.transpose(1, 0, 2, 3).reshape(n_units, -1).astype(np.float64)
    stats = np.empty(resamples)
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        weights = rng.multinomial(n_units, np.full(n_units, 1 / n_units), size=size).astype(np.float64)
        stats[start:start + size] = statistic((weights @ flat).reshape(size, counts.shape[0], *counts.shape[2:]))
    observed = float(statistic(counts.sum(axis=1)))
    tail = (1 - confidence) / 2
    low, high = np.quantile(stats, [tail, 1 - tail])
    p = (lambda k: float((k + 1) / (resamples + 1)))
    below, above = int((stats <= 0).sum()), int((stats >= 0).sum())
    return {"difference": observed, "low": float(low), "high": float(high), "confidence": confidence,
            "resamples": resamples, "sentences": counts.shape[1], "units": n_units,
            "resampled": "documents" if groups is not None else "sentences", "runs": len(counts),
            "p_not_positive": p(below), "p_two_sided": min(1.0, 2 * p(min(below, above)))}


def time_ratio(seconds_a: list[float], seconds_b: list[float], confidence: float = 0.95) -> dict:
    """How many times longer B takes than A: Welch's t-test on the log seconds of each side's runs (times are
    positive and their spread grows with them), the ratio exp(mean log B - mean log A) with its interval, and the
    two-sided p (``difference`` is the log ratio, so a ratio claim is judged like a directional one)."""
    import numpy as np
    from scipy import stats

    a, b = np.log(np.asarray(seconds_a, dtype=float)), np.log(np.asarray(seconds_b, dtype=float))
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"a time ratio needs at least 2 runs per side, got {len(a)} and {len(b)}")
    test = stats.ttest_ind(b, a, equal_var=False)
    low, high = test.confidence_interval(confidence)
    diff = float(b.mean() - a.mean())
    return {"difference": diff, "low": float(low), "high": float(high), "ratio": float(np.exp(diff)),
            "ratio_interval": [float(np.exp(low)), float(np.exp(high))], "confidence": confidence,
            "p_two_sided": float(test.pvalue), "runs": [len(a), len(b)],
            "seconds": {"a": [float(x) for x in seconds_a], "b": [float(x) for x in seconds_b]}}


def paired_bootstrap(gold: list[list[str]], runs_a: list[list[list[str]]], runs_b: list[list[list[str]]],
                     resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
                     resample_seeds: bool = True, metric: str = "micro", groups=None,
                     margin: float | None = None) -> dict:
    """:func:`bootstrap_counts` from tag sequences: ``runs_a`` and ``runs_b`` hold one prediction set per seed
    (any number, on the same sentences as ``gold``)."""
    import numpy as np

    if not runs_a or not runs_b:
        raise ValueError("each side needs at least one run")
    types = entity_types(gold, *runs_a, *runs_b)
    a = np.stack([type_counts(gold, p, types) for p in runs_a])
    b = np.stack([type_counts(gold, p, types) for p in runs_b])
    return bootstrap_counts(a, b, resamples, seed, confidence, resample_seeds, metric, groups, margin)


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjustment of a family's p-values (statsmodels' ``multipletests``), in the given order."""
    if not pvalues:
        return []
    from statsmodels.stats.multitest import multipletests

    return [float(p) for p in multipletests(pvalues, method="holm")[1]]


def judge(result: dict, expected: int, p_adjusted: float, alpha: float = 0.05, family: int = 1) -> str:
    """A verdict from the claim's own test at its family-adjusted p-value.

    Directional claims (``expected`` +1 "B > A", -1 "B < A"): ``holds`` when the adjusted two-sided p is below
    ``alpha`` and the difference has the expected sign, ``fails`` when it is below alpha with the other sign,
    else ``inconclusive``. A claim of no difference (``expected`` 0; ``p_adjusted`` is the TOST p):
    ``equivalent`` when the adjusted TOST p is below alpha, else ``different`` when the two-sided p times the
    family size (Bonferroni, as the claim's second test) is below alpha, else ``not shown equivalent``."""
    if expected == 0:
        if "p_equivalent" not in result:
            raise ValueError("a no-difference claim needs an equivalence margin")
        if p_adjusted < alpha:
            return "equivalent"
        return "different" if result["p_two_sided"] * family < alpha else "not shown equivalent"
    if expected not in (1, -1):
        raise ValueError(f"expected must be +1, -1 or 0, got {expected}")
    if p_adjusted >= alpha:
        return "inconclusive"
    return "holds" if (result["difference"] > 0) == (expected == 1) else "fails"


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
