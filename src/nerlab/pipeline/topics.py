"""topics stage (paper 002): LLM topic labels (World/Sport/Business/Technology/Other) for CoNLL sentences.

Seeded subsets of train and test (``annotate.topics``) are labelled with the
paper's prompt at its temperature (0.2) through the same backends and cache.
Writes ``data/topics/<dataset>/{train,test}.jsonl`` (id, tokens, label; the
sentences whose answer named no label are left out and counted) and the
label distribution as ``metrics/topics.json`` and a plot.
"""

from __future__ import annotations

import logging
from collections import Counter

from nerlab import paths, plots, tracking
from nerlab.annotate.session import Session
from nerlab.annotate.topics import TOPICS
from nerlab.data.jsonl import read_split, write_json, write_jsonl
from nerlab.data.sampling import subset
from nerlab.errors import NerlabError

log = logging.getLogger(__name__)

TOPIC_DIR = paths.DATA / "topics"


def run(params: dict) -> dict:
    if params["annotator"] == "teacher":
        raise NerlabError("topics needs an LLM annotator (local or openai), not a teacher model")
    dataset = params["dataset"]
    cfg = params["annotate"]["topics"]
    seed = int(params["seed"])
    session = Session(params, [], [])
    result = {"dataset": dataset, "annotator": session.info.describe(), "splits": {}}
    with tracking.run(f"topics:{dataset}", {"seed": seed, "annotator": params["annotator"], "topics": cfg},
                      enabled=params.get("tracking", {}).get("enabled", True)) as ml, \
            session.open() as s:
        for split in ("train", "test"):
            rows = subset(read_split(paths.prepared(dataset), split), int(cfg[f"{split}_size"]), seed)
            annotations, usage = s.topics_for(rows, desc=f"topics ({split})")
            labelled = [{"id": a.id, "tokens": a.tokens, "label": a.label, "raw": a.raw} for a in annotations
                        if a.label]
            write_jsonl(TOPIC_DIR / dataset / f"{split}.jsonl", labelled)
            counts = Counter(r["label"] for r in labelled)
            result["splits"][split] = {"sentences": len(rows), "labelled": len(labelled),
                                       "unreadable": sum(a.status == "format_error" for a in annotations),
                                       "failed": usage.failures, "labels": {t: counts.get(t, 0) for t in TOPICS},
                                       "usage": usage.as_dict()}
            log.info("topics %s: %s", split, result["splits"][split]["labels"])
        ml.metrics(result)
    plots.bars(paths.PLOTS / "topics" / "labels.png", list(TOPICS),
               {split: [v["labels"][t] for t in TOPICS] for split, v in result["splits"].items()},
               f"LLM topic labels ({result['annotator']})", "sentences")
    plots.write_rows(paths.PLOTS / "topics" / "labels.json",
                     [{"split": split, "topic": t, "sentences": v["labels"][t]}
                      for split, v in result["splits"].items() for t in TOPICS])
    write_json(paths.METRICS / "topics.json", result)
    return result
