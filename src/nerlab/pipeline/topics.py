"""topics stage (paper 002): topic labels (World/Sport/Business/Technology/Other) for CoNLL sentences.

Seeded subsets of train and test (``annotate.topics``) are labelled by
``annotate.topics.labeller``: ``llm`` asks the ``llm`` backend (param) with the
paper's prompt at its temperature (0.2) through the same backends and cache;
``bbc`` uses a classifier trained on BBC News categories
(:mod:`nerlab.annotate.topic_teacher`), the offline default because the local
SmolLM2-135M answers "0: World" for nearly every sentence.
Writes ``data/topics/<dataset>/{train,test}.jsonl`` (id, tokens, label; the
sentences whose answer named no label are left out and counted) and the
label distribution as ``metrics/topics.json`` and a plot.
"""

from __future__ import annotations

import logging
from collections import Counter

from nerlab import metric_files, paths, plots, tracking
from nerlab.annotate.session import Session
from nerlab.annotate.topic_teacher import TopicTeacher
from nerlab.annotate.topics import TOPICS
from nerlab.articles import long_sentences, read_articles
from nerlab.data.jsonl import read_split, write_jsonl
from nerlab.data.sampling import subset
from nerlab.errors import NerlabError

log = logging.getLogger(__name__)

LABELLERS = ("llm", "bbc")


def _llm_labels(params: dict, splits: dict[str, list[dict]], result: dict):
    """Yield (split, labelled rows, counts) from the annotator backend."""
    session = Session(params, [], [], backend=params["llm"])
    result["annotator"] = session.backend.describe()
    with session.open() as s:
        for split, rows in splits.items():
            annotations, usage = s.topics_for(rows, desc=f"topics ({split})")
            labelled = [{"id": a.id, "tokens": a.tokens, "label": a.label, "raw": a.raw} for a in annotations
                        if a.label]
            yield split, labelled, {"unreadable": sum(a.status == "format_error" for a in annotations),
                                    "failed": usage.failures, "usage": usage.as_dict()}


def _bbc_labels(params: dict, splits: dict[str, list[dict]], result: dict):
    cfg = params["annotate"]["topics"]
    try:
        teacher = TopicTeacher(float(cfg["min_confidence"]), int(params["seed"]))
        min_tokens = int(cfg["min_tokens"])
    except (TypeError, ValueError) as err:
        raise NerlabError(f"params.yaml: annotate.topics: {err}") from None
    teacher.fit(long_sentences(read_articles(), min_tokens))
    result["annotator"] = teacher.describe()
    result["teacher_heldout"] = teacher.heldout
    for split, rows in splits.items():
        labelled = [{"id": r["id"], "tokens": r["tokens"], "label": label, "raw": f"p={p:.3f}"}
                    for r, (label, p) in zip(rows, teacher.label(rows))]
        yield split, labelled, {"unreadable": 0, "failed": 0}


def run(params: dict) -> dict:
    dataset = params["dataset"]
    cfg = params["annotate"]["topics"]
    labeller = cfg["labeller"]
    if labeller not in LABELLERS:
        raise NerlabError(f"params.yaml: annotate.topics.labeller must be one of {', '.join(LABELLERS)}, "
                          f"got {labeller!r}")
    seed = int(params["seed"])
    sizes = {split: cfg[f"{split}_size"] for split in ("train", "test")}
    bad = {k: v for k, v in sizes.items() if not isinstance(v, int) or isinstance(v, bool) or v < 1}
    if bad:
        raise NerlabError(f"params.yaml: annotate.topics: sizes must be positive integers, got {bad}")
    splits = {split: subset(read_split(paths.prepared(dataset), split), sizes[split], seed) for split in sizes}
    result = {"dataset": dataset, "labeller": labeller, "annotator": None, "splits": {}}
    source = _llm_labels if labeller == "llm" else _bbc_labels
    with tracking.run(f"topics:{dataset}", {"seed": seed, "topics": cfg},
                      enabled=params["tracking"]["enabled"]) as ml:
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
