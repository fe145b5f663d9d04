"""crf stage: fit the feature CRF on train, score it on dev, save it to models/crf (and its test predictions to
data/predictions/crf/<dataset>/test.jsonl, for nerlab findings), log to MLflow."""

from __future__ import annotations

import logging
import time

from nerlab.config import paths
from nerlab.config.schema import Params
from nerlab.data.jsonl import read_json, read_split
from nerlab.evaluation.evaluator import evaluate, headline
from nerlab.evaluation.scoring import predict_and_score
from nerlab.experiments import tracking
from nerlab.models.crf.crfsuite import CRFTagger
from nerlab.models.crf.features import feature_groups
from nerlab.reports import metric_files, plots

log = logging.getLogger(__name__)


def run(params: Params) -> dict:
    dataset, config, seed = params.dataset, params.crf, params.seed
    prepared = paths.prepared(dataset)
    train, dev = read_split(prepared, "train"), read_split(prepared, "dev")
    labels = read_json(prepared / "labels.json")
    model_dir = paths.MODELS / "crf"
    with tracking.run(f"crf:{dataset}", {"dataset": dataset, "seed": seed, "crf": config},
                      enabled=params.tracking.enabled) as mlrun:
        groups = feature_groups(train, config.features, bool(config.features.clusters.sizes), config.features.gazetteer)
        log.info("CRF feature groups on this corpus: %s", "; ".join(f"{k} {v}" for k, v in groups.items()))
        start = time.perf_counter()
        tagger = CRFTagger(config, seed).fit(train, model_dir)
        fit_seconds = time.perf_counter() - start
        for step, loss in enumerate(tagger.losses, start=1):
            mlrun.metrics({"train_loss": loss}, step=step)
        start = time.perf_counter()
        dev_scores = evaluate([s["tags"] for s in dev], tagger.predict(dev), labels.get("coarse_map"))
        predict_seconds = time.perf_counter() - start
        log.info("CRF dev: %s", headline(dev_scores))
        # its test predictions, for nerlab findings (scored on test by the evaluate stage)
        predict_and_score(tagger, read_split(prepared, "test"), predictions=paths.test_predictions("crf", dataset))
        result = {"dataset": dataset, "train_sentences": len(train), "dev_sentences": len(dev),
                  "fit_seconds": round(fit_seconds, 1),
                  **{k: round(v, 1) for k, v in tagger.timings.items()},
                  "dev_predict_seconds": round(predict_seconds, 1),
                  "iterations": len(tagger.losses), "state_features": tagger.n_features, "feature_groups": groups,
                  "dev": dev_scores}
        metric_files.write("crf", result, ("dev.micro_f1", "dev.macro_f1", "fit_seconds"))
        curve = paths.PLOTS / "crf"
        plots.write_rows(curve / "loss.json", [{"iteration": i, "loss": v} for i, v in enumerate(tagger.losses, 1)])
        plots.lines(curve / "loss.png", list(range(1, len(tagger.losses) + 1)), {"train loss": tagger.losses},
                    "CRF training loss (L-BFGS)", "iteration", "negative log-likelihood + penalty")
        mlrun.metrics({k: v for k, v in result.items() if k != "dev"})
        mlrun.metrics(dev_scores, prefix="dev")
        mlrun.artifact(metric_files.details_path("crf"))
        mlrun.artifact(curve / "loss.png")
        mlrun.artifact(model_dir / "config.json")
    return result


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__)
