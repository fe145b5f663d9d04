"""The findings' statistics on fixtures whose answer is known: macro-F1 from counts, document resampling, TOST,
two-sided p-values, Holm's correction and the verdicts."""

import random

import numpy as np
import pytest

from nerlab.evaluation.evaluator import score
from nerlab.evaluation.significance import bootstrap_counts, holm, judge, paired_bootstrap, type_counts

GOLD = [["B-PER", "I-PER", "O", "B-LOC"] if i % 2 else ["O", "B-ORG", "O", "B-MISC"] for i in range(300)]


def _system(rng, error_rate, wrong_type=0.0):
    out = []
    for tags in GOLD:
        tags = list(tags)
        for i, tag in enumerate(tags):
            if tag.startswith("B-") and rng.random() < error_rate:
                tags[i] = "O"
                if i + 1 < len(tags) and tags[i + 1].startswith("I-"):
                    tags[i + 1] = "O"
            elif tag == "B-MISC" and rng.random() < wrong_type:
                tags[i] = "B-ORG"
        out.append(tags)
    return out


def test_counts_reproduce_the_evaluators_micro_and_macro():
    pred = _system(random.Random(0), 0.3, wrong_type=0.3)
    counts = type_counts(GOLD, pred).sum(axis=0)
    from nerlab.evaluation.significance import score as from_counts

    expected = score(GOLD, pred)
    assert from_counts(counts, "micro") == pytest.approx(expected["micro_f1"])
    assert from_counts(counts, "macro") == pytest.approx(expected["macro_f1"])


def test_documents_as_units_widen_the_interval_when_their_sentences_move_together():
    rng = random.Random(1)
    # documents of 6 sentences whose errors are shared: one coin per document
    a, b = [], []
    for doc in range(50):
        miss = rng.random() < 0.5
        for _ in range(6):
            a.append(["O", "O"] if miss else ["B-PER", "O"])
            b.append(["B-PER", "O"])
    gold = [["B-PER", "O"]] * 300
    groups = [i // 6 for i in range(300)]
    by_sentence = paired_bootstrap(gold, [a], [b], resamples=2000, seed=0, resample_seeds=False)
    by_document = paired_bootstrap(gold, [a], [b], resamples=2000, seed=0, resample_seeds=False, groups=groups)
    width = lambda r: r["high"] - r["low"]  # noqa: E731
    assert by_document["units"] == 50 and by_document["resampled"] == "documents"
    assert width(by_document) > 1.8 * width(by_sentence)  # about sqrt(6) = 2.4 times wider
    assert by_document["difference"] == by_sentence["difference"]


def test_seed_pairing_cancels_a_seeds_shared_luck():
    """Three seeds of very different quality; b is each seed's a with the same tags (a matched design whose true
    difference is 0 on every seed). Drawn once for both sides the seeds cancel: the interval is exactly 0.
    Drawn per side, the seeds' spread (about 0.1 F1) makes the interval wide and equivalence unproven."""
    rng = random.Random(7)
    runs = [_system(rng, rate) for rate in (0.1, 0.3, 0.5)]
    a = np.stack([type_counts(GOLD, pred) for pred in runs])
    paired = bootstrap_counts(a, a.copy(), resamples=2000, seed=3, margin=0.01, paired_seeds=True)
    apart = bootstrap_counts(a, a.copy(), resamples=2000, seed=3, margin=0.01)
    assert paired["resampled"] == "sentences and seeds, paired" and apart["resampled"] == "sentences and seeds"
    assert (paired["low"], paired["high"]) == (0.0, 0.0) and paired["p_equivalent"] < 0.001
    assert apart["high"] - apart["low"] > 0.1 and apart["p_equivalent"] > 0.05
    # a real per-seed gain of b is kept: b is a's next-better seed; paired, every seed gains
    b = np.stack([type_counts(GOLD, pred) for pred in (_system(rng, 0.05), runs[0], runs[1])])
    gain = bootstrap_counts(a, b, resamples=2000, seed=3, paired_seeds=True)
    unpaired = bootstrap_counts(a, b, resamples=2000, seed=3)
    assert gain["difference"] == unpaired["difference"] > 0.05 and gain["low"] > 0.03 > unpaired["low"]
    with pytest.raises(ValueError, match="as many runs on each side"):
        bootstrap_counts(a, b[:2], resamples=10, paired_seeds=True)


def test_equivalence_needs_the_interval_inside_the_margin():
    rng = random.Random(2)
    weak = [_system(rng, 0.3) for _ in range(3)]
    twin = [_system(rng, 0.3) for _ in range(3)]
    same = paired_bootstrap(GOLD, weak, twin, resamples=2000, seed=0, margin=0.05)
    assert same["p_equivalent"] < 0.05 and -0.05 < same["equivalence_interval"][0] < same["equivalence_interval"][1] < 0.05
    assert judge(same, 0, same["p_equivalent"]) == "equivalent"
    tight = paired_bootstrap(GOLD, weak, twin, resamples=2000, seed=0, margin=0.001)  # a margin too small to show
    assert judge(tight, 0, tight["p_equivalent"]) == "not shown equivalent"
    strong = [_system(rng, 0.02) for _ in range(3)]
    apart = paired_bootstrap(GOLD, weak, strong, resamples=2000, seed=0, margin=0.01)
    assert apart["p_two_sided"] < 0.01 and judge(apart, 0, apart["p_equivalent"]) == "different"
    with pytest.raises(ValueError, match="margin"):
        judge(paired_bootstrap(GOLD, weak, twin, resamples=10), 0, 0.5)


def test_two_sided_p_is_symmetric_and_directional_verdicts_use_it():
    rng = random.Random(3)
    weak, strong = [_system(rng, 0.3)], [_system(rng, 0.05)]
    up = paired_bootstrap(GOLD, weak, strong, resamples=1000, seed=0)
    down = paired_bootstrap(GOLD, strong, weak, resamples=1000, seed=0)
    assert up["p_two_sided"] == down["p_two_sided"] == 2 / 1001
    assert judge(up, 1, up["p_two_sided"]) == "holds" and judge(up, -1, up["p_two_sided"]) == "fails"
    assert judge(up, 1, 0.2) == "inconclusive"  # the same difference after a family correction


def test_holm_matches_the_hand_computed_example():
    # sorted 0.01, 0.03, 0.04 -> 3 * 0.01, max(0.03, 2 * 0.03), max(0.06, 1 * 0.04)
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5]) == [0.5] and holm([]) == []


def test_bootstrap_counts_checks_shapes():
    with pytest.raises(ValueError, match="shape"):
        bootstrap_counts(np.zeros((1, 5, 2, 3)), np.zeros((1, 4, 2, 3)))


def test_ranks_of_types_whose_order_is_known():
    """Four types whose systems err 5%, 20%, 40% and 60% of the time: PER ranks first, MISC last; the claim that
    PER and LOC are the top 2 holds, that MISC is in the top 2 fails."""
    from nerlab.evaluation.significance import bootstrap_ranks

    rng = np.random.default_rng(0)
    n, rates = 400, [0.2, 0.6, 0.4, 0.05]  # LOC, MISC, ORG, PER
    counts = np.zeros((2, n, 4, 3), dtype=np.int64)
    counts[..., 2] = 1  # one gold entity of each type per sentence
    for t, rate in enumerate(rates):
        right = rng.random((2, n)) > rate
        counts[:, :, t, 0] = right
        counts[:, :, t, 1] = 1  # a prediction every time, right or wrong
    top2 = bootstrap_ranks(counts, [3, 0], 2, resamples=2000, seed=1)
    assert top2["ranks"] == [1, 2] and top2["difference"] == 0.5 and top2["p_two_sided"] < 0.01
    assert top2["worst_rank_interval"] == [2.0, 2.0]
    misc = bootstrap_ranks(counts, [1], 2, resamples=2000, seed=1)
    assert misc["ranks"] == [4] and misc["difference"] == -1.5 and misc["p_two_sided"] < 0.01
    assert judge(misc, 1, misc["p_two_sided"]) == "fails" and judge(top2, 1, top2["p_two_sided"]) == "holds"
    with pytest.raises(ValueError, match="top"):
        bootstrap_ranks(counts, [0], 5)


def test_class_counts_give_accuracy_and_sklearns_macro_f1():
    from sklearn.metrics import f1_score

    from nerlab.evaluation.significance import class_counts, score

    rng = random.Random(3)
    gold = [rng.choice("ABCD") for _ in range(200)]
    pred = [g if rng.random() < 0.7 else rng.choice("ABCD") for g in gold]
    counts = class_counts(gold, pred).sum(axis=0)
    assert score(counts, "micro") == pytest.approx(sum(g == p for g, p in zip(gold, pred)) / 200)
    assert score(counts, "macro") == pytest.approx(f1_score(gold, pred, average="macro"))


def test_a_level_claim_knows_a_score_near_zero_from_one_that_is_not():
    from nerlab.evaluation.significance import bootstrap_level

    near_zero = np.stack([type_counts(GOLD, _system(random.Random(s), 0.995)) for s in range(3)])
    good = np.stack([type_counts(GOLD, _system(random.Random(s), 0.2)) for s in range(3)])
    low = bootstrap_level(near_zero, 0.05, resamples=2000)
    high = bootstrap_level(good, 0.05, resamples=2000)
    assert low["mean"] < 0.05 and low["difference"] == pytest.approx(0.05 - low["mean"])
    assert judge(low, 1, low["p_two_sided"]) == "holds" and judge(high, 1, high["p_two_sided"]) == "fails"
    assert low["low"] > 0 and high["high"] < 0 and low["runs"] == 3
