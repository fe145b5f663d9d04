"""multitask stage (paper 002, Table 2): token head, sequence (topic) head, or both over one encoder pass.

One DVC stage per entry of ``multitask.tasks`` (``dvc.yaml`` foreach): ``token``
and ``sequence`` are the single-task models, ``joint`` the multitask model with
``alpha * L_sequence + beta * L_token`` (or learned weights), and the
``joint_alpha0`` / ``joint_beta0`` entries check that switching one loss off
gives the single-task scores back. Every entry trains on the same sentences: the
topics stage's labelled train sentences with their gold tags
(``multitask.train_size`` of them, seeded), with paper 002's recipe
(``paper002``). The token head is scored on the whole test split by the common
evaluator, the sequence head on the topics stage's labelled test sentences
(accuracy, macro and weighted F1, confusion matrix = paper Figure 5). Writes
``models/multitask/<task>`` (``nerlab predict`` prints the topic next to the
entities), ``metrics/multitask/<task>.json`` and ``metrics/plots/multitask/<task>/``.
"""

from __future__ import annotations

import logging

from nerlab.annotate.topic_labels import TOPICS
from nerlab.config import paths
from nerlab.config.errors import DataError, NerlabError
from nerlab.config.schema import Params, Task
from nerlab.data.jsonl import read_json, read_jsonl, read_split
from nerlab.data.sampling import subset
from nerlab.evaluation.evaluator import headline
from nerlab.experiments import tracking
from nerlab.models.transformer.labels import LabelSpace
from nerlab.models.transformer.recipe import Recipe
from nerlab.reports import metric_files, plots

log = logging.getLogger(__name__)

STATE_DIR = paths.MODELS / ".state" / "multitask"
TASK_KEYS = tuple(Task.model_fields)  # task, weighting, alpha, beta


def task_settings(params: Params, name: str) -> Task:
    tasks = params.multitask.tasks
    if name not in tasks:
        raise NerlabError(f"--task {name}: not an entry of multitask.tasks (known: {', '.join(tasks)})")
    return tasks[name]


def labelled(path, split_rows: dict[str, dict]) -> list[dict]:
    """The topics file's rows joined with the prepared split (gold tags), checked line by line."""
    if not path.is_file():
        raise NerlabError(f"{path} not found; run the topics stage first (dvc repro topics)")
    out = []
    for number, row in enumerate(read_jsonl(path), start=1):
        if row.get("label") not in TOPICS:
            raise DataError(path, number, f"topic {row.get('label')!r} is not one of {', '.join(TOPICS)}")
        gold = split_rows.get(row.get("id"))
        if gold is None:
            raise DataError(path, number, f"sentence id {row.get('id')!r} is not in the prepared split")
        if gold["tokens"] != row["tokens"]:
            raise DataError(path, number, f"tokens of {row['id']} differ from the prepared split's")
        out.append({**gold, "topic": row["label"]})
    return out


def run(params: Params, task: str) -> dict:
    dataset, mt = params.dataset, params.multitask
    spec = task_settings(params, task)
    seed = params.seed
    prepared = paths.prepared(dataset)
    train_rows = labelled(paths.TOPICS / dataset / "train.jsonl", {r["id"]: r for r in read_split(prepared, "train")})
    train_rows = subset(train_rows, mt.train_size, seed)
    test_rows = read_split(prepared, "test")
    topic_test = labelled(paths.TOPICS / dataset / "test.jsonl", {r["id"]: r for r in test_rows})
    if spec.task != "token" and not (train_rows and topic_test):
        raise NerlabError(f"{paths.TOPICS / dataset}: no topic-labelled {'train' if not train_rows else 'test'} "
                          "sentences for a sequence head; see metrics/topics.json (labeller, unreadable answers)")
    recipe = Recipe.of_section(params, "paper002", params.model_seed, spec, mt.weighting_lr)
    labels = read_json(prepared / "labels.json")
    space = LabelSpace.from_labels_json(labels).with_topics(list(TOPICS))
    model_dir = paths.MODELS / "multitask" / task
    tracked = {"dataset": dataset, "seed": seed, "train_seed": recipe.seed, "task": task, "heads": spec,
               "paper002": params.paper002, "train_size": len(train_rows), "weighting_lr": mt.weighting_lr}
    log.info("multitask %s: %s on %d topic-labelled sentences (%s)", task, spec.model_dump(), len(train_rows),
             dict(sorted(_counts(train_rows).items())))
    with tracking.run(f"multitask:{task}:{dataset}", tracked, enabled=params.tracking.enabled) as ml:
        trained = recipe.train_and_score(
            space, train_rows, [], model_dir=model_dir, state_dir=STATE_DIR / task,
            run_key=recipe.key("multitask", [r["id"] for r in train_rows]), test_rows=test_rows,
            coarse_map=labels.get("coarse_map"), topic_rows=topic_test, topic_classes=list(TOPICS),
            predictions=paths.PREDICTIONS / "multitask" / dataset / task / "test.jsonl",
            topic_predictions=paths.PREDICTIONS / "multitask" / dataset / task / "topics.test.jsonl",
            on_epoch=lambda epoch, record: ml.metrics(record, step=epoch))
        history = trained.history
        summary = {"dataset": dataset, "task": task, **{k: getattr(spec, k) for k in sorted(TASK_KEYS)},
                   "encoder_used": trained.encoder_used, "notes": trained.notes, "train_sentences": len(train_rows),
                   "train_topics": _counts(train_rows), "epochs": len(history),
                   "train_seconds": round(trained.train_seconds, 1),
                   "seconds_per_epoch": round(sum(r["epoch_seconds"] for r in history) / len(history), 2)}
        if trained.test is not None:
            summary["token"] = trained.test
            log.info("multitask %s, token head on test: %s", task, headline(trained.test))
        if trained.sequence is not None:
            scores = summary["sequence"] = trained.sequence
            log.info("multitask %s, sequence head on %d labelled test sentences: accuracy %.4f, weighted F1 "
                     "%.4f, macro F1 %.4f", task, len(topic_test), scores["accuracy"], scores["weighted_f1"],
                     scores["macro_f1"])
        if history and "w_token" in history[-1]:
            summary["final_weights"] = {k: history[-1][k] for k in ("w_sequence", "w_token")}
        metric_files.write(f"multitask/{task}", summary, ("token.micro_f1", "sequence.accuracy"))
        figures(task, history, summary)
        ml.metrics({k: summary[k] for k in ("token", "sequence") if k in summary})
        ml.artifact(paths.PLOTS / "multitask" / task)
    return summary


def _counts(rows: list[dict]) -> dict[str, int]:
    return {t: sum(r["topic"] == t for r in rows) for t in TOPICS}


def figures(task: str, history: list[dict], summary: dict) -> None:
    """Training losses (and loss weights) per epoch; the topic confusion matrix (paper Figure 5)."""
    folder = paths.PLOTS / "multitask" / task
    keep = ("epoch", "train_loss", "token_loss", "sequence_loss", "w_sequence", "w_token")
    plots.write_rows(folder / "history.json", [{k: r[k] for k in keep if k in r} for r in history])
    x = [r["epoch"] for r in history]
    plots.lines(folder / "losses.png", x, {name: [r[name] for r in history] for name in keep[1:] if name in history[0]},
                f"multitask {task}: training loss and loss weights per epoch", "epoch", "value")
    if "sequence" in summary:
        matrix = summary["sequence"]["confusion"]
        plots.write_rows(folder / "confusion.json",
                         [{"actual": gold, "predicted": pred}
                          for i, gold in enumerate(matrix["classes"]) for j, pred in enumerate(matrix["classes"])
                          for _ in range(matrix["counts"][i][j])])
        plots.heatmap(folder / "confusion.png", matrix["classes"], matrix["classes"], matrix["counts"],
                      f"topic confusion on test ({task}; accuracy {summary['sequence']['accuracy']:.3f})",
                      "predicted", "LLM/teacher label")


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__, {"--task": "an entry of multitask.tasks in params.yaml (token, sequence, joint, ...)"})
