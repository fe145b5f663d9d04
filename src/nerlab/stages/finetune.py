"""finetune stage: fine-tune a transformer tagger with paper 000's knobs; save it to models/finetune, its test
predictions to data/predictions/finetune/<dataset>/test.jsonl (what nerlab findings bootstraps; scored on test
by the evaluate stage)."""

from __future__ import annotations

import logging

import torch

from nerlab.config import paths
from nerlab.config.schema import Params
from nerlab.data.jsonl import read_json, read_split
from nerlab.data.sampling import subset
from nerlab.evaluation.scoring import predict_and_score
from nerlab.experiments import tracking
from nerlab.models.transformer.labels import LabelSpace
from nerlab.models.transformer.recipe import Recipe
from nerlab.reports import metric_files, plots
from nerlab.serving import mlflow_model

log = logging.getLogger(__name__)

STATE_DIR = paths.MODELS / ".state" / "finetune"  # resumable training state; not a DVC output


def run(params: Params) -> dict:
    dataset, ft = params.dataset, params.finetune
    prepared = paths.prepared(dataset)
    threads = torch.get_num_threads()
    train_rows = subset(read_split(prepared, "train"), ft.train_size, params.seed)
    dev_rows = read_split(prepared, "dev")
    space = LabelSpace.from_labels_json(read_json(prepared / "labels.json"))
    seed = params.model_seed  # the data subset above stays on `seed`
    recipe = Recipe.from_params(params, seed)
    cfg = recipe.cfg
    tracked = {"dataset": dataset, "seed": params.seed, "train_seed": seed, "encoder": params.encoder,
               **params.architecture.model_dump(), "finetune": ft}
    model_dir = paths.MODELS / "finetune"
    with tracking.run(f"finetune:{dataset}", tracked, enabled=params.tracking.enabled) as ml:
        result = recipe.train_and_score(space, train_rows, dev_rows, model_dir=model_dir, state_dir=STATE_DIR,
                                        run_key=repr((dataset, tracked)),
                                        on_epoch=lambda epoch, record: ml.metrics(record, step=epoch))
        # its test predictions, for nerlab findings (an experiment needs this stage only; test scores are the
        # evaluate stage's): a stage with a git-tracked plain output is never in DVC's run cache, so a findings
        # experiment that went through evaluate re-ran the CRF every time
        predict_and_score(result.tagger, read_split(prepared, "test"),
                          predictions=paths.test_predictions("finetune", dataset), batch_size=cfg.eval_batch_size)
        used, notes = result.encoder_used, result.notes
        ml.tags({"encoder_used": used, "encoder_substituted": str(bool(notes))})
        history = result.history
        scored = [r for r in history if "dev_micro_f1" in r]  # the last epoch is always scored
        best = max(scored, key=lambda r: r["dev_micro_f1"]) if cfg.checkpoint == "best" else history[-1]
        summary = {"dataset": dataset, "encoder": params.encoder, "encoder_used": used, "notes": notes,
                   "train_sentences": len(train_rows), "dev_sentences": len(dev_rows), "threads": threads,
                   "train_seconds": round(result.train_seconds, 1),
                   "seconds_per_epoch": round(sum(r["epoch_seconds"] for r in history) / len(history), 2),
                   "train_sentences_per_second": round(sum(r["train_sentences_per_second"] for r in history)
                                                       / len(history), 1),
                   "checkpoint_epoch": best["epoch"], "dev_micro_f1": best.get("dev_micro_f1"),
                   "dev_macro_f1": best.get("dev_macro_f1")}
        summary.update(result.extra)
        metric_files.write("finetune", summary, ("dev_micro_f1", "dev_macro_f1", "seconds_per_epoch"))
        curve = paths.PLOTS / "finetune"
        plots.write_rows(curve / "learning_curve.json", scored)
        epochs = [r["epoch"] for r in history]
        plots.lines(curve / "learning_curve.png", [r["epoch"] for r in scored],
                    {"dev micro-F1": [r["dev_micro_f1"] for r in scored],
                     "dev macro-F1": [r["dev_macro_f1"] for r in scored]},
                    f"{used} ({params.head}) on {dataset}: dev F1 per epoch", "epoch", "F1")
        plots.lines(curve / "schedule.png", epochs,
                    {"learning rate (encoder, end of epoch)": [r["lr"] for r in history],
                     **({"aux weight W": [r["aux_weight"] for r in history]} if recipe.spec.aux != "none" else {})},
                    "schedules", "epoch", "value")
        ml.metrics({k: v for k, v in summary.items() if isinstance(v, (int, float))}, prefix="summary")
        ml.artifact(curve / "learning_curve.png")
        ml.artifact(model_dir / "tagger.json")
        # servable: mlflow models serve -m runs:/<run id>/model
        mlflow_model.log_tagger(model_dir, inference_precision=params.inference_precision)
    return summary


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__)
