"""evaluate stage: every trained model on the test split, one evaluator, one schema (metrics/test.json)."""

from __future__ import annotations

import logging

from nerlab.config import paths
from nerlab.config.schema import Params
from nerlab.data.jsonl import SPLITS, count_rows, read_json, read_split
from nerlab.evaluation.evaluator import MISSED, SPURIOUS, headline, span_confusion
from nerlab.evaluation.scoring import predict_and_score
from nerlab.experiments import tracking
from nerlab.models import loaders
from nerlab.reports import metric_files, plots

log = logging.getLogger(__name__)


def confusion_figures(name: str, gold: list[list[str]], pred: list[list[str]]) -> None:
    counts = span_confusion(gold, pred)
    types = sorted({g for g, _ in counts if g != SPURIOUS} | {p for _, p in counts if p != MISSED})
    rows, cols = types + [SPURIOUS], types + [MISSED]
    matrix = [[counts.get((r, c), 0) for c in cols] for r in rows]
    out = paths.PLOTS / "confusion"
    plots.heatmap(out / f"{name}.png", rows, cols, matrix, f"{name}: span confusion on test",
                  "predicted type", "gold type")
    plots.write_rows(out / f"{name}.json", [{"actual": g, "predicted": p}
                                            for (g, p), n in sorted(counts.items()) for _ in range(n)])


def run(params: Params) -> dict:
    dataset = params.dataset
    prepared = paths.prepared(dataset)
    test = read_split(prepared, "test")
    labels = read_json(prepared / "labels.json")
    gold = [s["tags"] for s in test]
    result: dict = {"dataset": dataset,
                    "splits": {s: count_rows(prepared / f"{s}.jsonl") for s in SPLITS},
                    "notes": labels.get("notes", [])}
    result["inference_precision"] = params.inference_precision
    with tracking.run(f"evaluate:{dataset}", {"dataset": dataset, "evaluate": params.evaluate,
                                              "inference_precision": params.inference_precision},
                      enabled=params.tracking.enabled) as mlrun:
        for name in params.evaluate.models:
            out = paths.PREDICTIONS / dataset / f"{name}.test.jsonl"
            model = loaders.load(name, precision=params.inference_precision)
            scored = predict_and_score(model, test, labels.get("coarse_map"), out)
            scores = {**scored.scores, **scored.speed}
            log.info("%s test: %s", name, headline(scores))
            result[name] = scores
            confusion_figures(name, gold, scored.predicted)
            mlrun.metrics(scores, prefix=f"test.{name}")
            mlrun.artifact(paths.PLOTS / "confusion" / f"{name}.png")
    metric_files.write("test", result, ("*.micro_f1", "*.macro_f1"))
    return result


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__)
