"""llm_tagger stage (paper 000 config 10): the LLM used directly as the tagger, scored on a dev or test split.

The same session, prompts, parser and evaluator as the annotate stage, on a
seeded subset (``annotate.tagger``) of a held-out split; the few-shot pool is
the training split. Writes the predictions and ``metrics/llm_tagger.json``
(the evaluator's schema, plus the accounting).
"""

from __future__ import annotations

import logging

from nerlab.annotate.annotator import annotation_rows, parse_counts
from nerlab.annotate.session import Session
from nerlab.config import paths
from nerlab.config.schema import Params
from nerlab.data.jsonl import read_json, read_split, write_jsonl
from nerlab.data.sampling import subset
from nerlab.evaluation.evaluator import evaluate, headline
from nerlab.experiments import tracking
from nerlab.reports import metric_files

log = logging.getLogger(__name__)


def run(params: Params) -> dict:
    dataset, cfg = params.dataset, params.annotate.tagger
    prepared = paths.prepared(dataset)
    labels = read_json(prepared / "labels.json")
    rows = subset(read_split(prepared, cfg.split), cfg.size, params.seed)
    session = Session(params, labels["types"], read_split(prepared, "train"), backend=params.llm)
    with tracking.run(f"llm_tagger:{dataset}", {"seed": params.seed, "llm": params.llm,
                                                "tagger": cfg}, enabled=params.tracking.enabled) \
            as ml, session.open() as s:
        annotations, usage = s.entities_for(rows, cfg.prompt, desc=f"LLM tagger ({cfg.split})")
        write_jsonl(paths.PREDICTIONS / "llm_tagger" / dataset / f"{cfg.split}.jsonl", annotation_rows(annotations, rows))
        scores = evaluate([r["tags"] for r in rows], [a.tags for a in annotations], labels.get("coarse_map"))
        result = {"dataset": dataset, "annotator": session.backend.describe(), "prompt": cfg.prompt,
                  "split": cfg.split, "sentences": len(rows), **scores, "parse": parse_counts(annotations),
                  "usage": usage.as_dict(params.annotate.prices.get(session.backend.model))}
        log.info("LLM as tagger on %d %s sentences: %s", len(rows), cfg.split, headline(scores))
        ml.metrics(result)
    metric_files.write("llm_tagger", result, ("micro_f1",))
    return result


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__)
