"""annotate_bbc stage (paper 003 phase two): distilled BBC News sentences.

The fetch_bbc stage's articles are split into sentences (``nerlab.data.text``), sentences of at least
``annotate.bbc.min_tokens`` tokens are kept, a seeded sample of
``max_sentences`` (per annotator: the paper's scale for the teacher, a few for a
local LLM) is annotated with ``annotate.bbc.prompt``, and answers that could not
be read or that name no entity are dropped (the paper: "removing samples with
formatting issues or lacking entities", 966 entries). BBC News has no gold
entities: nothing is scored here, the teacher or LLM labels stand as they are. Writes
``data/distilled/bbc_news/train.jsonl`` (prepared format + category) and
``metrics/annotate_bbc.json`` with the counts per category at every step.
"""

from __future__ import annotations

import logging
from collections import Counter

from nerlab.annotate.annotator import annotation_rows, distilled_rows, parse_counts
from nerlab.annotate.session import Session
from nerlab.config import paths
from nerlab.config.schema import Params
from nerlab.data import distilled
from nerlab.data.articles import long_sentences, read_articles
from nerlab.data.jsonl import read_json, read_split, write_jsonl
from nerlab.data.sampling import subset
from nerlab.experiments import tracking
from nerlab.reports import metric_files, plots

log = logging.getLogger(__name__)


def run(params: Params) -> dict:
    cfg = params.annotate.bbc
    candidates = long_sentences(read_articles(), cfg.min_tokens)
    sample = subset(candidates, cfg.max_sentences.of(params.annotator), params.seed)
    prepared = paths.prepared(params.dataset)  # the dataset's entity types and its few-shot pool
    labels = read_json(prepared / "labels.json")
    session = Session(params, labels["types"], read_split(prepared, "train"))
    out_dir = paths.ANNOTATED / paths.BBC
    with tracking.run("annotate_bbc", {"seed": params.seed, "annotator": params.annotator, "annotate.bbc": cfg},
                      enabled=params.tracking.enabled) \
            as ml, session.open() as s:
        log.info("annotating %d of %d long BBC sentences (>= %s tokens) with %s", len(sample), len(candidates),
                 cfg.min_tokens, session.backend.describe())
        annotations, usage = s.entities_for(sample, cfg.prompt, desc="annotate BBC")
        write_jsonl(out_dir / f"{cfg.prompt}.jsonl", annotation_rows(annotations))
        kept = distilled_rows(annotations, sample, require_entities=True, keep=("id", "doc_id", "category"))
        note = session.backend.note()
        distilled.write(paths.BBC, kept, session.backend.describe(), cfg.prompt, note)
        count = lambda rows: dict(sorted(Counter(r["category"] for r in rows).items()))
        result = {"annotator": session.backend.describe(), **({"note": note} if note else {}),
                  "prompt": cfg.prompt, "min_tokens": cfg.min_tokens,
                  "long_sentences": len(candidates), "annotated": len(sample), "kept": len(kept),
                  "dropped_format": sum(a.status != "ok" for a in annotations),
                  "dropped_no_entity": sum(a.status == "ok" and all(t == "O" for t in a.tags) for a in annotations),
                  "per_category": {"long": count(candidates), "annotated": count(sample), "kept": count(kept)},
                  "parse": parse_counts(annotations), "usage": usage.as_dict(params.annotate.prices.get(
                      session.backend.model))}
        ml.metrics(result)
    cats = sorted(result["per_category"]["long"])
    plots.bars(paths.PLOTS / "annotate" / "bbc_categories.png", cats,
               {k: [result["per_category"][k].get(c, 0) for c in cats] for k in ("annotated", "kept")},
               "distilled BBC sentences per category", "sentences")
    metric_files.write("annotate_bbc", result, ("kept",))
    log.info("BBC: kept %d of %d annotated sentences %s", len(kept), len(sample), result["per_category"]["kept"])
    return result


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__)
