"""Is trained model B better than model A? Both tag the same prepared sentences; a paired bootstrap answers.

Any two model folders (``models/crf``, ``models/finetune``, or one an experiment made, fetched with
``dvc get . models/crf --rev EXP -o DIR``) are loaded through :func:`nerlab.models.loaders.load_folder`, scored by
the common evaluator and compared by :func:`nerlab.evaluation.significance.paired_bootstrap` over sentences.
"""

from __future__ import annotations

import logging
from pathlib import Path

from nerlab.config import paths
from nerlab.config.errors import NerlabError
from nerlab.data.jsonl import read_split
from nerlab.data.tags import split_tag
from nerlab.evaluation.evaluator import evaluate
from nerlab.evaluation.significance import paired_bootstrap, verdict
from nerlab.models import loaders

log = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")


def sentences_for(on: str, dataset: str) -> tuple[Path, list[dict]]:
    """The sentences named by ``on``: a split of the prepared dataset (``dev``...) or a prepared jsonl file."""
    path = Path(on) if on not in SPLITS else paths.prepared(dataset) / f"{on}.jsonl"
    if path.suffix != ".jsonl":
        raise NerlabError(f"{on}: give a split ({', '.join(SPLITS)}) or a prepared .jsonl file")
    return path, read_split(path.parent, path.name.removesuffix(".jsonl"))


def entity_types(labels: list[str]) -> set[str]:
    return {split_tag(label)[1] for label in labels if label != "O"}


def compare(folder_a: str | Path, folder_b: str | Path, on: str = "dev", dataset: str = "conll2003",
            resamples: int = 1000, seed: int = 0, confidence: float = 0.95, precision: str = "fp32") -> dict:
    """Micro/macro-F1 of both models on the same sentences, and the bootstrap interval of B - A micro-F1;
    ``precision``: how fine-tuned models run (fp32 | bf16 | int8)."""
    if resamples < 1:
        raise NerlabError(f"resamples must be at least 1, got {resamples}")
    path, sentences = sentences_for(on, dataset)
    gold = [s["tags"] for s in sentences]
    taggers = {"a": loaders.load_folder(folder_a, precision), "b": loaders.load_folder(folder_b, precision)}
    types = {side: entity_types(getattr(t, "labels", [])) for side, t in taggers.items()}
    if types["a"] != types["b"]:
        raise NerlabError(f"the models know different entity types (A only: {sorted(types['a'] - types['b'])}, "
                          f"B only: {sorted(types['b'] - types['a'])}): their scores are not comparable; compare "
                          "models trained on the same label set")
    predictions, scores = {}, {}
    for side, folder in (("a", folder_a), ("b", folder_b)):
        log.info("model %s: %s tags %d sentences of %s", side.upper(), folder, len(sentences), path)
        predictions[side] = taggers[side].predict(sentences)
        scores[side] = evaluate(gold, predictions[side])
    result = paired_bootstrap(gold, [predictions["a"]], [predictions["b"]], resamples, seed, confidence,
                              resample_seeds=False)
    return {"on": str(path), "a": {"model": str(folder_a), "micro_f1": scores["a"]["micro_f1"],
                                   "macro_f1": scores["a"]["macro_f1"]},
            "b": {"model": str(folder_b), "micro_f1": scores["b"]["micro_f1"], "macro_f1": scores["b"]["macro_f1"]},
            "difference": result["difference"], "low": result["low"], "high": result["high"],
            "confidence": confidence, "resamples": resamples, "sentences": result["sentences"], "precision": precision,
            "p_b_not_better": result["p_b_not_better"],
            "b_better": verdict(result["low"], result["high"], 1)}


def render(result: dict) -> str:
    a, b = result["a"], result["b"]
    pct = round(100 * result["confidence"])
    return "\n".join([
        f"on {result['on']} ({result['sentences']} sentences)",
        f"A {a['model']}: micro-F1 {a['micro_f1']:.4f}, macro-F1 {a['macro_f1']:.4f}",
        f"B {b['model']}: micro-F1 {b['micro_f1']:.4f}, macro-F1 {b['macro_f1']:.4f}",
        f"B - A micro-F1 {result['difference']:+.4f}, paired bootstrap {pct}% [{result['low']:+.4f}, "
        f"{result['high']:+.4f}] ({result['resamples']} resamples), p(B not better) {result['p_b_not_better']:.3f}",
        f"B better than A: {result['b_better']}",
    ])
