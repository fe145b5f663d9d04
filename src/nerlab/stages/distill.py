"""distill stage (paper 003, phases two and three): train on distilled and original data under a blend schedule.

Data: the distilled CoNLL sentences of the annotate stage, plus (``distill.bbc``)
the distilled BBC sentences of annotate_bbc, against ``distill.original_size``
seeded gold train sentences drawn from the sentences the annotate stage did not
annotate (so the two sets never share a sentence). Every epoch trains on what
the blend schedule draws (:mod:`nerlab.models.transformer.blending`); the model after the
last epoch is scored on test by the common evaluator. ``distill.repeats`` runs
with seeds seed, seed+1, ... give the mean and standard deviation in
``metrics/distill.json``; a finished repeat is kept, so an interrupted stage
resumes with the next one (and an interrupted repeat after its last epoch).
"""

from __future__ import annotations

import logging
import shutil
import statistics
import time
from pathlib import Path

from nerlab.config import paths
from nerlab.config.errors import DataError, NerlabError
from nerlab.config.schema import Params, repeat_seed
from nerlab.data import distilled, pools
from nerlab.data.jsonl import read_json, read_jsonl, read_split
from nerlab.data.sampling import subset
from nerlab.evaluation.evaluator import headline
from nerlab.experiments import tracking
from nerlab.experiments.finished import Finished
from nerlab.models.transformer.blending import DISTILLED, ORIGINAL, PAPER_K, PAPER_N, Blend
from nerlab.models.transformer.labels import LabelSpace
from nerlab.models.transformer.recipe import Recipe
from nerlab.reports import metric_files, plots

log = logging.getLogger(__name__)

STATE_DIR = paths.MODELS / ".state" / "distill"  # finished repeats and resumable training state


def annotated_ids(dataset: str) -> set[str]:
    """Every sentence the annotate stage sent to the annotator, whichever prompt."""
    folder = paths.ANNOTATED / dataset
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise NerlabError(f"{folder}: no annotations found; run the annotate stage first (dvc repro annotate)")
    return {row["id"] for path in files for row in read_jsonl(path)}


def check_labels(path: Path, rows: list[dict], tags: list[str]) -> None:
    known = set(tags)
    for number, row in enumerate(rows, start=1):
        bad = sorted(set(row["tags"]) - known)
        if bad:
            raise DataError(path, number, f"tags {bad} are not in the dataset's label set ({len(known)} tags)")


def load_data(params: Params, space: LabelSpace) -> dict:
    dataset, d = params.dataset, params.distill
    pool = pools.read(dataset, "original", read_split(paths.prepared(dataset), "train"))
    shared = annotated_ids(dataset) & {r["id"] for r in pool}
    if shared:  # the partition makes this impossible; a hand-made annotation folder could still break it
        raise NerlabError(f"{len(shared)} sentences of the original pool were annotated too (e.g. {min(shared)}); "
                          "re-run the partition and annotate stages")
    original = subset(pool, d.original_size, params.seed)
    sets = {"distilled_conll": distilled.folder(dataset) / "train.jsonl"}
    if d.bbc:
        sets["distilled_bbc"] = distilled.folder(paths.BBC) / "train.jsonl"
    annotated = {}
    for name, path in sets.items():
        rows = read_jsonl(path)
        check_labels(path, rows, space.tags)
        annotated[name] = rows
    return {"original": original, **annotated}


def mean_std(runs: list[dict]) -> tuple[dict, dict]:
    """Mean and (sample) standard deviation, key by key, of evaluator results with the same schema."""
    def combine(values: list, fn):
        first = values[0]
        if isinstance(first, dict):
            return {k: combine([v[k] for v in values if k in v], fn) for k in first}
        if isinstance(first, (int, float)) and not isinstance(first, bool):
            return fn(values)
        return first
    std = (lambda v: statistics.stdev(v) if len(v) > 1 else 0.0)
    return combine(runs, statistics.fmean), combine(runs, std)


def run_repeat(params: Params, space: LabelSpace, data: dict, test_rows: list[dict], coarse_map: dict | None,
               repeat: int, blend: Blend, ml) -> dict:
    seed = repeat_seed(params.seed, repeat)
    recipe = Recipe.of_section(params, "distill", seed)
    annotated = [r for name, rows in data.items() if name != "original" for r in rows]
    rows = annotated + data["original"]
    sources = [DISTILLED] * len(annotated) + [ORIGINAL] * len(data["original"])
    key = recipe.key("distill", [r["id"] for r in rows], sources)
    finished = Finished(STATE_DIR)
    kept = finished.get(f"repeat-{repeat}", key)
    if kept is not None:
        return kept
    start = time.perf_counter()
    trained = recipe.train_and_score(
        space, rows, [], model_dir=STATE_DIR / "model", state_dir=STATE_DIR / f"train-{repeat}", run_key=key,
        test_rows=test_rows, coarse_map=coarse_map, sources=sources, blend=blend,
        predictions=STATE_DIR / "predictions" / f"repeat-{repeat + 1}.test.jsonl",  # kept with a finished repeat
        on_epoch=lambda epoch, record: ml.metrics(record, step=epoch, prefix=f"repeat{repeat + 1}"))
    history = trained.history
    result = {"seed": seed, "encoder_used": trained.encoder_used, "notes": trained.notes, "test": trained.test,
              "train_seconds": round(trained.train_seconds, 1), "seconds": round(time.perf_counter() - start, 1),
              "sentences_seen": sum(r["train_examples"] for r in history),
              "epochs": [{k: r[k] for k in ("epoch", "w_distilled", "w_original", "distilled_sentences",
                                             "original_sentences", "lr", "train_loss")} for r in history]}
    log.info("repeat %d (seed %d): %s, %.0f s, %d sentences seen", repeat + 1, seed, headline(trained.test),
             result["seconds"], result["sentences_seen"])
    finished.put(f"repeat-{repeat}", key, result)
    return result


def annotator_of(dataset: str, bbc: bool) -> tuple[str, list[str]]:
    """Who produced the distilled data, and the notes that come with it (written beside it by the annotate
    stages: a teacher standing in for the LLM)."""
    sources = [distilled.source(name) for name in [dataset] + ([paths.BBC] if bbc else [])]
    names = dict.fromkeys(s["annotator"] for s in sources)
    notes = dict.fromkeys(s["note"] for s in sources if s.get("note"))
    return " / ".join(names), list(notes)


def run(params: Params) -> dict:
    dataset, d = params.dataset, params.distill
    blend = Blend(d.schedule, d.k, d.n)
    recipe = Recipe.of_section(params, "distill", params.seed)
    labels = read_json(paths.prepared(dataset) / "labels.json")
    space = LabelSpace.from_labels_json(labels)
    data = load_data(params, space)
    annotator, annotator_notes = annotator_of(dataset, d.bbc)
    for line in annotator_notes:
        log.warning("%s", line)
    sizes = {name: len(rows) for name, rows in data.items()}
    repeats = d.repeats
    log.info("distill %s: %s, LR decay %s, %s, %d repeat(s)", dataset, blend.label(), recipe.cfg.lr_decay, sizes,
             repeats)
    tracked = {"dataset": dataset, "seed": params.seed, "distill": d, "sizes": sizes}
    with tracking.run(f"distill:{dataset}", tracked, enabled=params.tracking.enabled) as ml:
        test_rows = read_split(paths.prepared(dataset), "test")
        runs = [run_repeat(params, space, data, test_rows, labels.get("coarse_map"), r, blend, ml)
                for r in range(repeats)]
        mean, std = mean_std([r["test"] for r in runs])
        first = runs[0]
        epochs = recipe.cfg.epochs
        summary = {"dataset": dataset, "variant": blend.label(), "schedule": blend.schedule, "k": blend.k,
                   "n": blend.n, "bbc": d.bbc, "lr_decay": recipe.cfg.lr_decay,
                   "epochs": epochs, "repeats": repeats, "seeds": [r["seed"] for r in runs],
                   "annotator": annotator, "encoder_used": first["encoder_used"],
                   "notes": first["notes"] + annotator_notes, "sizes": sizes,
                   "seconds_per_run": round(statistics.fmean(r["seconds"] for r in runs), 1),
                   "sentences_seen_per_run": round(statistics.fmean(r["sentences_seen"] for r in runs)),
                   "test": {"mean": mean, "std": std},
                   "runs": [{k: v for k, v in r.items() if k != "epochs"} for r in runs]}
        ml.tags({"encoder_used": first["encoder_used"], "annotator": summary["annotator"],
                 "variant": blend.label()})
        ml.metrics({"mean": mean, "std": std, "seconds_per_run": summary["seconds_per_run"]}, prefix="test")
        metric_files.write("distill", summary, ("test.mean.micro_f1", "test.std.micro_f1", "seconds_per_run"))
        figures(blend, epochs, first["epochs"])
        ml.artifact(paths.PLOTS / "distill")
    out = paths.PREDICTIONS / "distill" / dataset  # each repeat's test predictions (paired comparisons)
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(STATE_DIR / "predictions", out)
    shutil.rmtree(STATE_DIR, ignore_errors=True)  # finished: nothing left to resume
    log.info("distill %s (%s): test micro-F1 %.4f +- %.4f over %d repeat(s), %.0f s per run", dataset, blend.label(),
             mean["micro_f1"], std["micro_f1"], repeats, summary["seconds_per_run"])
    return summary


def figures(blend: Blend, epochs: int, per_epoch: list[dict]) -> None:
    """This run's weights and drawn sentences per epoch, and paper 003's Figure 3 (w0 of every schedule)."""
    folder = paths.PLOTS / "distill"
    plots.write_rows(folder / "weights.json", per_epoch)
    x = [r["epoch"] for r in per_epoch]
    plots.lines(folder / "weights.png", x,
                {"w0 (distilled)": [r["w_distilled"] for r in per_epoch],
                 "w1 (original)": [r["w_original"] for r in per_epoch]},
                f"{blend.label()}: data weights per epoch", "epoch", "weight")
    plots.lines(folder / "sentences.png", x,
                {"distilled sentences": [r["distilled_sentences"] for r in per_epoch],
                 "original sentences": [r["original_sentences"] for r in per_epoch]},
                f"{blend.label()}: sentences trained on per epoch", "epoch", "sentences")
    curves = [Blend("simple_mix")] + [Blend("sigmoid", k=k) for k in PAPER_K] + [Blend("cosine")] + \
        [Blend("power", n=n) for n in PAPER_N]
    plots.lines(folder / "figure3.png", list(range(epochs)),
                {b.label(): [b.weights(t, epochs)[0] for t in range(epochs)] for b in curves},
                f"paper 003 Figure 3: w0 (distilled weight) per epoch, T = {epochs}", "epoch t", "w0")


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__)
