"""topics stage (paper 002): topic labels (World/Sport/Business/Technology/Other) for CoNLL sentences.

Seeded subsets of train and test (``annotate.topics``) are labelled by
``annotate.topics.labeller``: ``llm`` asks the ``llm`` backend (param) with the
paper's prompt at its temperature (0.2) through the same backends and cache;
``bbc`` uses a classifier trained on BBC News categories
(:mod:`nerlab.annotate.topic_classifier`), the offline default because the local
SmolLM2-135M answers "0: World" for nearly every sentence.
Writes ``data/topics/<dataset>/{train,test}.jsonl`` (id, tokens, label; the
sentences whose answer named no label are left out and counted) and the
label distribution as ``metrics/topics.json`` and a plot.
"""

from __future__ import annotations

import logging
from collections import Counter

from nerlab.annotate.labellers import TOPIC_LABELLERS
from nerlab.annotate.topic_labels import TOPICS
from nerlab.config import paths
from nerlab.config.schema import Params
from nerlab.data.jsonl import read_split, write_jsonl
from nerlab.data.sampling import subset
from nerlab.experiments import tracking
from nerlab.reports import metric_files, plots

log = logging.getLogger(__name__)


def run(params: Params) -> dict:
    dataset, cfg, seed = params.dataset, params.annotate.topics, params.seed
    sizes = {"train": cfg.train_size, "test": cfg.test_size}
    splits = {split: subset(read_split(paths.prepared(dataset), split), sizes[split], seed) for split in sizes}
    result = {"dataset": dataset, "labeller": cfg.labeller, "annotator": None, "splits": {}}
    source = TOPIC_LABELLERS[cfg.labeller]
    with tracking.run(f"topics:{dataset}", {"seed": seed, "topics": cfg},
                      enabled=params.tracking.enabled) as ml:
        for split, labelled, extra in source(params, splits, result):
            write_jsonl(paths.TOPICS / dataset / f"{split}.jsonl", labelled)
            counts = Counter(r["label"] for r in labelled)
            result["splits"][split] = {"sentences": len(splits[split]), "labelled": len(labelled), **extra,
                                       "labels": {t: counts.get(t, 0) for t in TOPICS}}
            log.info("topics %s: %s", split, result["splits"][split]["labels"])
        ml.metrics(result)
    plots.bars(paths.PLOTS / "topics" / "labels.png", list(TOPICS),
               {split: [v["labels"][t] for t in TOPICS] for split, v in result["splits"].items()},
               f"LLM topic labels ({result['annotator']})", "sentences")
    plots.write_rows(paths.PLOTS / "topics" / "labels.json",
                     [{"split": split, "topic": t, "sentences": v["labels"][t]}
                      for split, v in result["splits"].items() for t in TOPICS])
    metric_files.write("topics", result, ("teacher_heldout.accuracy",))
    return result


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__)
