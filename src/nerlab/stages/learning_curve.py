"""learning_curve stage (paper 002, Figure 2): entity F1 and token accuracy against training-set size.

For every seed in ``learning_curve.seeds`` and size in ``learning_curve.sizes``
a fresh model is trained with paper 002's recipe (``paper002``: BERT-style
linear token head, 4 epochs, Adam(W), lr 5e-5, weight decay 0.01) on a
seeded, nested subset of train (:func:`nerlab.data.sampling.subset`: with one
seed the 30 sentences are inside the 100), and scored on test by the common
evaluator (strict entity micro-F1, seqeval token accuracy). Writes
``metrics/learning_curve.json`` (mean, std, min and max per size, every point),
``metrics/plots/learning_curve/`` (``points.json`` for DVC plots, ``figure2.png``)
and every point's test predictions
(``data/predictions/learning_curve/<dataset>/size<n>/seed<s>.test.jsonl``: what
``nerlab findings`` bootstraps). Each finished point is kept with its predictions,
so an interrupted stage resumes.
"""

from __future__ import annotations

import logging
import shutil
import statistics

from nerlab.config import paths
from nerlab.config.errors import NerlabError
from nerlab.config.schema import Params
from nerlab.data.jsonl import read_json, read_split
from nerlab.data.sampling import subset
from nerlab.experiments import tracking
from nerlab.experiments.finished import Finished
from nerlab.models.transformer.labels import LabelSpace
from nerlab.models.transformer.recipe import Recipe
from nerlab.reports import metric_files, plots

log = logging.getLogger(__name__)

STATE_DIR = paths.MODELS / ".state" / "learning_curve"
PREDICTED = "predictions/size{}/seed{}.test.jsonl"  # under STATE_DIR while the stage runs, then its output
SCORES = ("micro_f1", "token_accuracy", "macro_f1")


def point(params: Params, space: LabelSpace, rows: list[dict], test_rows: list[dict], coarse_map: dict | None,
          size: int, seed: int, finished: Finished, ml) -> dict:
    """Train on ``rows`` with the paper's recipe and ``seed``; score on test."""
    recipe = Recipe.of_section(params, "paper002", seed)
    key = recipe.key("learning_curve", [r["id"] for r in rows])
    name = f"size{size}-seed{seed}"
    kept = finished.get(name, key)
    if kept is not None:
        return kept
    trained = recipe.train_and_score(space, rows, [], model_dir=STATE_DIR / "model",
                                     state_dir=STATE_DIR / f"train-{name}", run_key=key, test_rows=test_rows,
                                     coarse_map=coarse_map, predictions=STATE_DIR / PREDICTED.format(size, seed),
                                     on_epoch=lambda epoch, record: ml.metrics(record, step=epoch, prefix=name))
    scores = trained.test
    result = {"size": size, "seed": seed, **{k: scores[k] for k in SCORES}, "precision": scores["precision"],
              "recall": scores["recall"], "train_seconds": round(trained.train_seconds, 1),
              "final_train_loss": trained.history[-1]["train_loss"], "encoder_used": trained.encoder_used,
              "notes": trained.notes}
    log.info("size %d, seed %d: micro-F1 %.4f, token accuracy %.4f (%.0f s)", size, seed, scores["micro_f1"],
             scores["token_accuracy"], trained.train_seconds)
    finished.put(name, key, result)
    return result


def summarise(points: list[dict], sizes: list[int]) -> dict:
    out = {}
    for size in sizes:
        at = [p for p in points if p["size"] == size]
        row = {"seeds": len(at)}
        for k in SCORES:
            values = [p[k] for p in at]
            row.update({f"{k}_mean": statistics.fmean(values), f"{k}_std": statistics.stdev(values) if len(values) > 1
                        else 0.0, f"{k}_min": min(values), f"{k}_max": max(values)})
        out[str(size)] = row
    return out


def run(params: Params) -> dict:
    dataset, cfg = params.dataset, params.learning_curve
    sizes, seeds = sorted(set(cfg.sizes)), list(cfg.seeds)
    prepared = paths.prepared(dataset)
    train_split, test_rows = read_split(prepared, "train"), read_split(prepared, "test")
    if max(sizes) > len(train_split):
        raise NerlabError(f"learning_curve.sizes: {max(sizes)} sentences asked, train has {len(train_split)}")
    labels = read_json(prepared / "labels.json")
    space = LabelSpace.from_labels_json(labels)
    finished = Finished(STATE_DIR)
    tracked = {"dataset": dataset, "learning_curve": cfg, "paper002": params.paper002}
    with tracking.run(f"learning_curve:{dataset}", tracked, enabled=params.tracking.enabled) as ml:
        points = [point(params, space, subset(train_split, size, seed), test_rows, labels.get("coarse_map"), size, seed,
                        finished, ml)
                  for seed in seeds for size in sizes]
        summary = {"dataset": dataset, "sizes": sizes, "seeds": seeds, "test_sentences": len(test_rows),
                   "encoder_used": points[0]["encoder_used"], "notes": points[0]["notes"],
                   "train_seconds": round(sum(p["train_seconds"] for p in points), 1),
                   "by_size": summarise(points, sizes),
                   "points": [{k: p[k] for k in ("size", "seed", *SCORES)} for p in points]}
        metric_files.write("learning_curve", summary, ("by_size.*.micro_f1_mean",))
        folder = paths.PLOTS / "learning_curve"
        plots.write_rows(folder / "points.json", summary["points"])
        plots.spread_panels(
            folder / "figure2.png", sizes,
            {label: {str(seed): [p[key] for p in points if p["seed"] == seed] for seed in seeds}
             for key, label in (("micro_f1", "entity micro-F1 (test)"), ("token_accuracy", "token accuracy (test)"))},
            f"{summary['encoder_used']} on {dataset}: test scores vs training sentences ({len(seeds)} seeds)",
            "training sentences")
        ml.metrics({"by_size": summary["by_size"]})
        ml.artifact(folder / "figure2.png")
    out = paths.PREDICTIONS / "learning_curve" / dataset
    shutil.rmtree(out, ignore_errors=True)  # the stage's own output (DVC removes it before a run, too)
    shutil.copytree(STATE_DIR / "predictions", out)
    shutil.rmtree(STATE_DIR, ignore_errors=True)  # finished: nothing left to resume
    for size in sizes:
        row = summary["by_size"][str(size)]
        log.info("%5d sentences: micro-F1 %.4f +- %.4f, token accuracy %.4f +- %.4f", size, row["micro_f1_mean"],
                 row["micro_f1_std"], row["token_accuracy_mean"], row["token_accuracy_std"])
    return summary


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__)
