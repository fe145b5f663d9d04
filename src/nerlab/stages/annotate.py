"""annotate stage: an LLM (or teacher) annotates a seeded sample of training sentences under each prompt.

Writes, per prompt, every sentence's annotation with its raw answer and
status (``data/annotated/<dataset>/<prompt>.jsonl``); the distilled set from
``annotate.distill_prompt`` as prepared jsonl (``data/distilled/<dataset>/train.jsonl``,
sentences whose request failed or whose answer could not be read are left
out and counted); and paper 003's Table 1 (annotation quality vs gold through
the common evaluator) with the accounting per prompt in ``metrics/annotate.json``.
"""

from __future__ import annotations

import logging

from nerlab.annotate import corrected
from nerlab.annotate.annotator import Annotation, annotation_rows, distilled_rows, few_shot_pool, parse_counts
from nerlab.annotate.session import Session
from nerlab.config import paths
from nerlab.config.schema import Params
from nerlab.data import distilled, pools
from nerlab.data.jsonl import read_json, read_split, write_jsonl
from nerlab.evaluation.evaluator import evaluate, headline
from nerlab.experiments import tracking
from nerlab.reports import metric_files, plots

log = logging.getLogger(__name__)


def quality(gold: list[dict], annotations: list[Annotation]) -> dict:
    """Table 1: the annotations scored against gold by the common evaluator (failed sentences count as all-O)."""
    return evaluate([g["tags"] for g in gold], [a.tags for a in annotations])


def run(params: Params) -> dict:
    dataset, cfg = params.dataset, params.annotate
    prepared = paths.prepared(dataset)
    labels = read_json(prepared / "labels.json")
    train = read_split(prepared, "train")
    sample = pools.read(dataset, "sample", train)
    session = Session(params, labels["types"], few_shot_pool(train, sample))
    names = session.backend.runs(cfg.run_prompts)
    note = session.backend.note()
    result = {"dataset": dataset, "annotator": session.backend.describe(), "sample_size": len(sample),
              "shots": cfg.shots, "shot_selection": cfg.shot_selection, "prompts": {}}
    if note:
        result["note"] = note
        log.warning("%s", note)
    out_dir = paths.ANNOTATED / dataset
    tracked = {"dataset": dataset, "seed": params.seed, "annotator": params.annotator, "annotate": cfg}
    with tracking.run(f"annotate:{dataset}", tracked, enabled=params.tracking.enabled) as ml, \
            session.open() as s:
        ml.tags({"annotator_model": session.backend.describe()})
        for name in names:
            log.info("annotating %d %s sentences with %s (prompt %s)", len(sample), dataset, session.backend.describe(),
                     name)
            annotations, usage = s.entities_for(sample, name, desc=f"annotate ({name})")
            write_jsonl(out_dir / f"{name}.jsonl", annotation_rows(annotations, sample))
            scores = quality(sample, annotations)
            entry = {"quality": scores, "parse": parse_counts(annotations),
                     "usage": usage.as_dict(cfg.prices.get(session.backend.model))}
            result["prompts"][name] = entry
            log.info("%s: %s; %s", name, headline(scores), entry["usage"])
            ml.metrics(entry, prefix=f"annotate.{name}")
            if name == cfg.distill_prompt or len(names) == 1:
                source_note = note
                if cfg.corrected:  # a person's corrections of these annotations (nerlab export-annotations)
                    annotations, fixed = corrected.apply(annotations, cfg.corrected)
                    fixed["quality"] = quality(sample, annotations)
                    result["corrected"] = fixed
                    source_note = "; ".join(filter(None, [corrected.note(session.backend.describe(), fixed), note]))
                    log.info("corrected: %s", headline(fixed["quality"]))
                    ml.metrics({"quality": fixed["quality"]}, prefix="annotate.corrected")
                kept = distilled_rows(annotations, sample)
                distilled.write(dataset, kept, session.backend.describe(), name, source_note,
                                corrected=result.get("corrected"))
                result["distilled"] = {"prompt": name, "sentences": len(kept),
                                       "dropped": len(sample) - len(kept)}
    per_type_figure(result)
    metric_files.write("annotate", result, ("prompts.*.quality.micro_f1", "corrected.quality.micro_f1",
                                            "distilled.sentences"))
    return result


def per_type_figure(result: dict) -> None:
    prompts = result["prompts"]
    types = sorted({t for p in prompts.values() for t in p["quality"]["per_type"]})
    rows = [{"prompt": name, "type": t, "f1": p["quality"]["per_type"].get(t, {}).get("f1", 0.0)}
            for name, p in prompts.items() for t in types]
    plots.write_rows(paths.PLOTS / "annotate" / "per_type_f1.json", rows)
    plots.bars(paths.PLOTS / "annotate" / "per_type_f1.png", types,
               {name: [p["quality"]["per_type"].get(t, {}).get("f1", 0.0) for t in types]
                for name, p in prompts.items()},
               f"annotation quality vs gold ({result['annotator']}, {result['sample_size']} sentences)", "F1")


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__)
