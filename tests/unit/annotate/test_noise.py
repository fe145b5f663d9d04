"""The noise annotator: gold spans perturbed to a per-type precision/recall, checked where the answer is known
(a synthetic corpus, and paper 003's 1000-sentence CoNLL sample against Table 1's CoT column)."""

import random

import pytest
from pydantic import ValidationError

from defaults import PARAMS, fetch_config
from nerlab.annotate import backends, noise
from nerlab.config.schema import Noise
from nerlab.evaluation.evaluator import evaluate

COT = {"LOC": (0.81, 0.88), "ORG": (0.77, 0.76), "PER": (0.95, 0.96), "MISC": (0.23, 0.52)}


def corpus(n: int, seed: int = 0) -> list[list[str]]:
    """Sentences of 12 tokens with 0-3 spans of 1-3 tokens, LOC/ORG/PER/MISC, never touching each other."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        tags = ["O"] * 12
        for start in rng.sample(range(0, 12, 4), rng.randint(0, 3)):
            kind, length = rng.choice(list(COT)), rng.randint(1, 3)
            tags[start:start + length] = [f"B-{kind}"] + [f"I-{kind}"] * (length - 1)
        rows.append(tags)
    return rows


def measured(gold, pred) -> dict:
    return {k: (v["precision"], v["recall"]) for k, v in evaluate(gold, pred)["per_type"].items()}


def test_every_type_lands_on_its_target():
    gold = corpus(1500)
    pred, counts = noise.perturb(gold, COT, 0.3, 0.3, seed=0)
    got = measured(gold, pred)
    for kind, (precision, recall) in COT.items():
        assert got[kind][0] == pytest.approx(precision, abs=0.05), (kind, got[kind], counts[kind])
        assert got[kind][1] == pytest.approx(recall, abs=0.05), (kind, got[kind], counts[kind])
    assert [len(p) for p in pred] == [len(g) for g in gold]
    assert counts["MISC"]["spurious"] > counts["PER"]["spurious"]  # MISC's precision is the low one


def test_the_same_seed_gives_the_same_annotations_and_another_seed_others():
    gold = corpus(300)
    assert noise.perturb(gold, COT, 0.3, 0.3, 7) == noise.perturb(gold, COT, 0.3, 0.3, 7)
    assert noise.perturb(gold, COT, 0.3, 0.3, 7)[0] != noise.perturb(gold, COT, 0.3, 0.3, 8)[0]


def test_perfect_targets_change_nothing_and_untargeted_types_stay():
    gold = corpus(200)
    assert noise.perturb(gold, {k: (1.0, 1.0) for k in COT}, 0.3, 0.3, 0)[0] == gold
    pred, counts = noise.perturb(gold, {"MISC": (0.5, 0.5)}, 0.0, 0.0, 0)
    assert set(counts) == {"MISC"} and measured(gold, pred)["PER"] == (1.0, 1.0)  # misses and spurious MISC only


def test_the_shares_of_lost_spans_are_checked():
    with pytest.raises(ValidationError, match="add up to at most 1"):
        Noise(name="x", target={"PER": {"precision": 0.9, "recall": 0.9}}, boundary_share=0.7, swap_share=0.5, seed=0)


def test_table1_cot_pattern_on_the_conll_sample(shared_datasets, tmp_path, monkeypatch):
    """On 1000 seeded CoNLL-2003 train sentences (the annotate sample's size), each type within 0.05 of the CoT
    column, and the overall micro-F1 near its 0.73."""
    from nerlab.data.jsonl import read_split
    from nerlab.data.prepare import prepare

    monkeypatch.setenv("NERLAB_DATA_DIR", str(shared_datasets))
    prepare("conll2003", fetch_config(online=False, train_size=1000), 42, tmp_path)
    rows = read_split(tmp_path, "train")
    gold = [r["tags"] for r in rows]
    cfg = PARAMS.annotate.model_copy(update={"teacher": "no-such-model"})
    backend = backends.get("noise", cfg)
    with backend.open(None) as opened:
        annotations, usage = opened.entities(rows, "cot", "annotate")
    pred = [a.tags for a in annotations]
    got = measured(gold, pred)
    for kind, (precision, recall) in COT.items():
        assert got[kind] == pytest.approx((precision, recall), abs=0.05), kind
    assert evaluate(gold, pred)["micro_f1"] == pytest.approx(0.73, abs=0.03)
    assert usage.sentences == 1000 and all(a.status == "ok" for a in annotations)
    assert "noise model stands in" in backend.note() and backend.runs(["standard", "cot"]) == ["noise"]
    with backend.open(None) as opened, pytest.raises(Exception, match="no-such-model"):
        opened.entities([{"id": "bbc-1", "tokens": ["No", "gold"]}], "cot", "bbc")  # no gold: the teacher's turn
