"""A trained model on a labelled split: predict, score with the common evaluator, keep the predictions.

Every stage that scores a model goes through :func:`predict_and_score` (the
evaluate stage for each model in ``evaluate.models``, and the training recipe of
:mod:`nerlab.models.transformer.recipe`), so every score carries the same schema, the
coarse scores where the dataset has a coarse map, and the same predictions file
(one JSON line per sentence: ``id tokens gold pred``), written only after the
predictions were checked against the gold sentences.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from nerlab.config.errors import NerlabError
from nerlab.data.jsonl import write_jsonl
from nerlab.evaluation.evaluator import evaluate


@dataclass
class Scored:
    scores: dict  # the evaluator's schema
    predicted: list[list[str]]
    seconds: float  # prediction time

    @property
    def speed(self) -> dict:
        return {"predict_seconds": round(self.seconds, 2),
                "sentences_per_second": round(len(self.predicted) / max(self.seconds, 1e-9), 1)}


def predict_and_score(tagger, rows: list[dict], coarse_map: dict[str, str] | None = None,
                      predictions: str | Path | None = None, batch_size: int | None = None) -> Scored:
    """The evaluator's scores of ``tagger`` on ``rows`` (their ``tags`` are gold), and the seconds it predicted."""
    start = time.perf_counter()
    pred = tagger.predict(rows) if batch_size is None else tagger.predict(rows, batch_size)
    seconds = time.perf_counter() - start
    if len(pred) != len(rows):
        raise NerlabError(f"{len(rows)} sentences to score but {len(pred)} predicted")
    for row, tags in zip(rows, pred):
        if len(tags) != len(row["tokens"]):
            raise NerlabError(f"sentence {row['id']}: {len(row['tokens'])} tokens but {len(tags)} predicted tags")
    scores = evaluate([r["tags"] for r in rows], pred, coarse_map)
    if predictions is not None:
        write_jsonl(predictions, ({"id": r["id"], "tokens": r["tokens"], "gold": r["tags"], "pred": p}
                                  for r, p in zip(rows, pred)))
    return Scored(scores, pred, seconds)
