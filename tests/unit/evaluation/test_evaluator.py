import random

import conlleval
import pytest

from nerlab.annotate.topic_labels import TOPICS
from nerlab.data.tags import repair_iob2
from nerlab.evaluation.evaluator import MISSED, SPURIOUS, classification, evaluate, score, span_confusion

GOLD = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O", "B-MISC", "I-MISC"]]
PRED = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "O", "B-MISC", "O"]]


def test_hand_computed_scores():
    r = score(GOLD, PRED)
    assert r["precision"] == pytest.approx(0.5) and r["recall"] == pytest.approx(0.5)
    assert r["micro_f1"] == pytest.approx(0.5)
    assert r["per_type"]["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert r["per_type"]["ORG"]["precision"] == pytest.approx(0.5)
    assert r["per_type"]["ORG"]["f1"] == pytest.approx(2 / 3)
    assert r["per_type"]["LOC"]["f1"] == 0.0 and r["per_type"]["MISC"]["f1"] == 0.0
    assert r["macro_f1"] == pytest.approx((1 + 0 + 2 / 3 + 0) / 4)
    assert r["weighted_f1"] == pytest.approx((1 + 0 + 2 / 3 + 0) / 4)  # equal supports
    assert r["md_precision"] == pytest.approx(0.75) and r["md_recall"] == pytest.approx(0.75)
    assert r["md_f1"] == pytest.approx(0.75)
    assert r["token_accuracy"] == pytest.approx(6 / 8)
    assert r["support"] == 4 and r["sentences"] == 2 and r["invalid_iob2_sentences"] == 0


def test_strict_mode_does_not_count_an_invalid_entity_start():
    r = score([["B-PER", "I-PER"]], [["I-PER", "I-PER"]])
    assert r["micro_f1"] == 0.0 and r["invalid_iob2_sentences"] == 1


def test_perfect_and_empty_predictions():
    assert score(GOLD, GOLD)["micro_f1"] == 1.0
    empty = score(GOLD, [["O"] * 4, ["O"] * 4])
    assert empty["micro_f1"] == 0.0 and empty["recall"] == 0.0


def test_coarse_scores():
    gold = [["B-Artist", "I-Artist", "O", "B-Athlete"]]
    pred = [["B-Athlete", "I-Athlete", "O", "B-Athlete"]]
    r = evaluate(gold, pred, {"Artist": "PER", "Athlete": "PER"})
    assert r["micro_f1"] == pytest.approx(0.5)
    assert r["coarse"]["micro_f1"] == 1.0 and list(r["coarse"]["per_type"]) == ["PER"]


def test_span_confusion():
    counts = span_confusion(GOLD, PRED)
    assert counts == {("PER", "PER"): 1, ("LOC", "ORG"): 1, ("ORG", "ORG"): 1, ("MISC", MISSED): 1,
                      (SPURIOUS, "MISC"): 1}


def test_length_mismatch_is_an_error():
    from nerlab.config.errors import NerlabError

    with pytest.raises(NerlabError, match="sentence 1: 2 gold tags but 1 predicted"):
        evaluate([["O", "O"]], [["O"]])


def _random_fixture(seed: int, n: int = 300):
    rng = random.Random(seed)
    types = ["PER", "LOC", "ORG", "MISC"]
    gold, pred = [], []
    for _ in range(n):
        length = rng.randint(1, 15)
        g = repair_iob2([rng.choice(["O", "O", "O", f"B-{rng.choice(types)}", f"I-{rng.choice(types)}"])
                         for _ in range(length)])[0]
        p = [t if rng.random() < 0.8 else rng.choice(["O", f"B-{rng.choice(types)}", f"I-{rng.choice(types)}"])
             for t in g]
        gold.append(g)
        pred.append(repair_iob2(p)[0])  # conlleval reads invalid I- as a start; strict mode does not
    return gold, pred


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_conlleval(seed):
    gold, pred = _random_fixture(seed)
    lines = []
    for g, p in zip(gold, pred):
        lines += [f"tok {a} {b}" for a, b in zip(g, p)] + [""]
    ref = conlleval.evaluate(lines)
    ours = score(gold, pred)
    chunks = ref["overall"]["chunks"]["evals"]
    assert ours["precision"] == pytest.approx(chunks["prec"])
    assert ours["recall"] == pytest.approx(chunks["rec"])
    assert ours["micro_f1"] == pytest.approx(chunks["f1"])
    assert ours["token_accuracy"] == pytest.approx(
        sum(a == b for g, p in zip(gold, pred) for a, b in zip(g, p)) / sum(map(len, gold)))
    for etype, row in ref["slots"]["chunks"].items():
        if row["stats"]["gold"]:
            assert ours["per_type"][etype]["f1"] == pytest.approx(row["evals"]["f1"]), etype


def _random_tags(rng, n, types=("PER", "LOC", "ORG")):
    return [rng.choice(["O", "O", "O"] + [f"{p}-{t}" for p in "BI" for t in types]) for _ in range(n)]


def test_sentence_counts_give_the_evaluators_micro_f1_also_on_invalid_iob2():
    import random

    import numpy as np

    from nerlab.evaluation.evaluator import evaluate
    from nerlab.evaluation.significance import _micro_f1, sentence_counts

    rng = random.Random(5)
    for _ in range(20):
        lengths = [rng.randint(1, 12) for _ in range(30)]
        gold = [_random_tags(rng, n) for n in lengths]
        pred = [_random_tags(rng, n) for n in lengths]
        counts = sentence_counts(gold, pred)
        assert np.isclose(_micro_f1(counts.sum(0)), evaluate(gold, pred)["micro_f1"])


def _system(rng, gold, error_rate):
    """Predictions that drop each gold entity (all its tags -> O) with probability error_rate."""
    from nerlab.data.tags import spans

    out = []
    for tags in gold:
        tags = list(tags)
        for span in spans(tags):
            if rng.random() < error_rate:
                tags[span.start:span.end] = ["O"] * (span.end - span.start)
        out.append(tags)
    return out


def test_paired_bootstrap_identical_systems_and_a_clearly_better_one():
    import random

    from nerlab.evaluation.significance import paired_bootstrap, verdict

    rng = random.Random(0)
    gold = [["B-PER", "I-PER", "O", "B-LOC"] if i % 2 else ["O", "B-ORG", "O"] for i in range(400)]
    weak = [_system(rng, gold, 0.4) for _ in range(3)]
    same = paired_bootstrap(gold, weak, weak, resamples=1000, seed=1, resample_seeds=False)
    assert same["difference"] == 0 and same["low"] == 0 == same["high"]  # identical predictions: no difference
    assert verdict(same["low"], same["high"], +1) == "inconclusive"
    same = paired_bootstrap(gold, weak, weak, resamples=1000, seed=1)  # seeds drawn too: around 0, not at it
    assert same["difference"] == 0 and same["low"] < 0 < same["high"] and same["resampled"] == "sentences and seeds"
    assert abs(same["low"] + same["high"]) < 0.5 * (same["high"] - same["low"])
    strong = [_system(rng, gold, 0.05) for _ in range(3)]
    better = paired_bootstrap(gold, weak, strong, resamples=1000, seed=1)
    assert better["low"] > 0.1 and better["b"]["mean"] > better["a"]["mean"]
    assert better["p_b_not_better"] == 1 / 1001  # (k + 1) / (R + 1) with k = 0: never 0
    assert verdict(better["low"], better["high"], +1) == "holds"
    assert verdict(better["low"], better["high"], -1) == "fails"
    assert better["a"]["runs"] == 3 and better["a"]["std"] > 0
    # two systems of the same quality with different errors: the interval covers 0
    other = [_system(rng, gold, 0.4) for _ in range(3)]
    noise = paired_bootstrap(gold, weak, other, resamples=1000, seed=1)
    assert noise["low"] < 0 < noise["high"] and verdict(noise["low"], noise["high"], +1) == "inconclusive"
    # seeds that disagree widen the interval: the training randomness is part of the answer
    unsteady = [_system(rng, gold, rate) for rate in (0.1, 0.3, 0.5)]
    narrow = paired_bootstrap(gold, weak, unsteady, resamples=1000, seed=1, resample_seeds=False)
    wide = paired_bootstrap(gold, weak, unsteady, resamples=1000, seed=1)
    assert wide["high"] - wide["low"] > 2 * (narrow["high"] - narrow["low"])


def test_classification_scores():
    gold = ["World", "Sport", "Sport", "Business", "Other"]
    pred = ["World", "Sport", "Other", "Business", "Other"]
    s = classification(gold, pred, list(TOPICS))
    assert s["accuracy"] == pytest.approx(0.8)
    assert s["per_class"]["Sport"] == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2})
    assert s["per_class"]["Technology"]["support"] == 0
    assert s["macro_f1"] == pytest.approx((1 + 2 / 3 + 1 + 2 / 3) / 4)  # classes present in gold
    assert s["weighted_f1"] == pytest.approx((1 + 2 * 2 / 3 + 1 + 2 / 3) / 5)
    counts = s["confusion"]["counts"]
    assert counts[TOPICS.index("Sport")][TOPICS.index("Other")] == 1 and sum(map(sum, counts)) == 5


def test_the_two_sides_must_be_the_same_sentences_in_the_same_order():
    from nerlab.config.errors import NerlabError

    gold, pred = [["B-PER", "O"], ["O", "B-LOC"]], [["O", "B-LOC"], ["B-PER", "O"]]
    with pytest.raises(NerlabError, match="sentence 1: gold id 'a' but predicted id 'b'"):
        evaluate(gold, pred, gold_ids=["a", "b"], pred_ids=["b", "a"])
    assert evaluate(gold, gold, gold_ids=["a", "b"], pred_ids=["a", "b"])["micro_f1"] == 1.0


@pytest.mark.parametrize("bad", [["S-PER", "O"], ["B-PER", "E-PER"], ["B-PER", "PER"], ["B-PER", None]])
def test_tags_that_are_not_iob2_are_one_line_errors(bad):
    from nerlab.config.errors import NerlabError

    with pytest.raises(NerlabError, match="is not an IOB2 tag"):
        evaluate([["B-PER", "O"]], [bad])
