"""teacher stage: the stand-in annotator for distillation, trained only on its own gold pool.

No LLM that annotates CoNLL well runs offline here, so paper 003's GPT-4
annotator is stood in for by a tagger trained on the partition's ``teacher``
pool (:mod:`nerlab.data.pools`): it never sees the annotation sample nor the
original pool the distill stage trains on. ``teacher.kind`` picks the feature
CRF (the ``crf`` block's features) or the fine-tuned transformer (the finetune
recipe); ``teacher.size`` (how many gold sentences it learns from) is the
quality knob, calibrated so its annotations of the sample score about what
GPT-4's chain-of-thought annotations scored (paper 003 Table 1: micro-F1 0.73;
``python bench/teacher_calibration.py``). The annotate stage measures that
quality. Writes ``models/teacher`` (with ``teacher.json``: kind, pool size and
the note every downstream output repeats) and ``metrics/teacher.json``.
"""

from __future__ import annotations

import logging
import time

from nerlab.config import paths
from nerlab.config.schema import Params
from nerlab.data import pools
from nerlab.data.jsonl import read_json, read_split, write_json
from nerlab.evaluation.scoring import predict_and_score
from nerlab.experiments import tracking
from nerlab.models.crf.crfsuite import CRFTagger
from nerlab.models.transformer.labels import LabelSpace
from nerlab.models.transformer.recipe import Recipe
from nerlab.reports import metric_files

log = logging.getLogger(__name__)

MODEL_DIR = paths.MODELS / "teacher"
STATE_DIR = paths.MODELS / ".state" / "teacher"


def note(kind: str, sentences: int, stands_in_for: str) -> str:
    return (f"a {kind} teacher trained on {sentences} gold train sentences (disjoint from the annotated sample and "
            f"the original pool) stands in for the paper's LLM annotator ({stands_in_for})")


def run(params: Params) -> dict:
    dataset, seed, cfg = params.dataset, params.seed, params.teacher
    kind = cfg.kind  # a model kind of nerlab.models.loaders: crf or finetune
    prepared = paths.prepared(dataset)
    pool = pools.read(dataset, "teacher", read_split(prepared, "train"))
    dev = read_split(prepared, "dev")
    labels = read_json(prepared / "labels.json")
    text = note(kind, len(pool), cfg.stands_in_for)
    log.info("%s", text)
    with tracking.run(f"teacher:{dataset}", {"dataset": dataset, "seed": seed, "teacher": cfg},
                      enabled=params.tracking.enabled) as ml:
        start = time.perf_counter()
        if kind == "crf":
            tagger = CRFTagger(params.crf, seed).fit(pool, MODEL_DIR)
        else:
            recipe = Recipe.from_params(params, seed)
            tagger = recipe.train_and_score(LabelSpace.from_labels_json(labels), pool, dev, model_dir=MODEL_DIR,
                                            state_dir=STATE_DIR, run_key=recipe.key("teacher", [r["id"] for r in pool]),
                                            on_epoch=lambda epoch, record: ml.metrics(record, step=epoch)).tagger
        seconds = time.perf_counter() - start
        dev_scores = predict_and_score(tagger, dev, labels.get("coarse_map")).scores
        meta = {"kind": kind, "sentences": len(pool), "note": text}
        write_json(MODEL_DIR / "teacher.json", meta)
        result = {"dataset": dataset, **meta, "train_seconds": round(seconds, 1), "dev": dev_scores}
        ml.metrics({"train_seconds": seconds, "dev": dev_scores})
    metric_files.write("teacher", result, ("dev.micro_f1", "train_seconds"))
    log.info("teacher (%s, %d sentences): dev micro-F1 %.4f", kind, len(pool), dev_scores["micro_f1"])
    return result


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__)
