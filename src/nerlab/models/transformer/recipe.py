"""One train-and-score recipe for every stage that trains a transformer tagger.

``finetune``, ``distill``, ``learning_curve`` and ``multitask`` all go through
:meth:`Recipe.train_and_score`: build the tagger (encoder + seeded heads), train
it with the resumable loop of :mod:`nerlab.models.transformer.train` (which saves the
chosen checkpoint), **reload the saved model** (at ``inference_precision``) and score that with the common
evaluator (:func:`nerlab.evaluation.scoring.predict_and_score`: coarse scores where the
dataset has a coarse map, the predictions file when asked), plus the sequence
head on topic-labelled sentences when the model has one. The stage modules keep
only what differs: their data, their settings block and their reports.

A recipe is made from the typed params: the ``finetune`` stage's top-level
architecture keys and ``finetune`` block, or a paper's fixed recipe block
(``distill``, ``paper002``: ``encoder``, ``architecture``, ``train`` over the
finetune block). The params schema checked all of it when the stage started.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from nerlab.config.schema import Architecture, Finetune, Params, Task
from nerlab.data.jsonl import write_jsonl
from nerlab.evaluation.evaluator import classification
from nerlab.evaluation.scoring import predict_and_score
from nerlab.models.transformer import encoders
from nerlab.models.transformer.blending import Blend
from nerlab.models.transformer.labels import LabelSpace
from nerlab.models.transformer.model import TaggerSpec, TokenTagger
from nerlab.models.transformer.tagger import FinetunedTagger
from nerlab.models.transformer.train import TrainConfig, fingerprint, train, train_config

log = logging.getLogger(__name__)

OFFLINE_ENCODER = "minilm-l6"
TOKEN_ONLY = Task(task="token")  # a single-task tagger (only paper 002's multitask stage sets another task)


@dataclass
class Result:
    """A trained, saved and reloaded tagger with what its run measured."""

    tagger: FinetunedTagger  # reloaded from the saved folder
    history: list[dict]
    encoder_used: str
    notes: list[str]
    train_seconds: float
    test: dict | None = None  # the evaluator's scores (token head)
    sequence: dict | None = None  # classification scores (sequence head)
    predict_seconds: float | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Recipe:
    """An encoder, the tagger it becomes (:class:`TaggerSpec`) and how it is trained (:class:`TrainConfig`),
    all from checked, typed params."""

    encoder: str
    spec: TaggerSpec
    cfg: TrainConfig
    stands_in_for: str | None = None  # the paper's encoder, when a stand-in is used
    inference_precision: str = "fp32"  # how the saved model is scored (params ``inference_precision``)

    @classmethod
    def of(cls, encoder: str, arch: Architecture, ft: Finetune, seed: int, task: Task = TOKEN_ONLY,
           weighting_lr: float = 0.01, stands_in_for: str | None = None,
           inference_precision: str = "fp32") -> "Recipe":
        spec = TaggerSpec(**{name: getattr(arch, name) for name in Architecture.model_fields},
                          dropout=ft.dropout, lstm_hidden=ft.lstm_hidden, task=task.task, weighting=task.weighting,
                          alpha=task.alpha, beta=task.beta)
        return cls(encoder, spec, train_config(ft, arch.head_lr_mult, weighting_lr, seed), stands_in_for,
                   inference_precision)

    @classmethod
    def from_params(cls, params: Params, seed: int) -> "Recipe":
        """The ``finetune`` stage's recipe: the top-level architecture keys, ``encoder`` and ``finetune``."""
        return cls.of(params.encoder, params.architecture, params.finetune, seed,
                      inference_precision=params.inference_precision)

    @classmethod
    def of_section(cls, params: Params, section: str, seed: int, task: Task = TOKEN_ONLY,
                   weighting_lr: float = 0.01) -> "Recipe":
        """A paper's fixed recipe (``distill``, ``paper002``): its ``encoder``, ``architecture`` and ``train``
        block over ``finetune``; ``task`` and ``weighting_lr``: paper 002's heads and loss weights."""
        block = getattr(params, section)
        return cls.of(block.encoder, block.architecture, params.finetune.over(block.train), seed, task,
                      weighting_lr, block.paper_encoder, params.inference_precision)

    @property
    def seed(self) -> int:
        return self.cfg.seed

    def key(self, stage: str, *parts) -> str:
        """The fingerprint of a run of these settings on the given data (resume and finished-part keys)."""
        return fingerprint(stage, self.encoder, self.spec.model_dump(), self.cfg.model_dump(),
                           self.inference_precision, *parts)

    def build(self, space: LabelSpace) -> tuple[FinetunedTagger, str, list[str]]:
        """A fresh tagger (encoder + seeded heads); the encoder used and the notes every output repeats
        (a substituted encoder, an encoder standing in for the paper's)."""
        cfg = self.cfg
        torch.manual_seed(self.seed)  # the heads are initialised before training starts: seed them too
        tokenizer, encoder, used, note = encoders.load(self.encoder, OFFLINE_ENCODER if cfg.encoder_fallback else None)
        encoders.set_attention(encoder, self.spec.attention)
        lora = cfg.lora
        if lora.r > 0:
            encoder = encoders.add_lora(encoder, lora.r, lora.alpha, lora.dropout, lora.target_modules)
        if cfg.freeze_word_embeddings:  # the largest matrix (MiniLM: 11.7M of 22.7M) gets no gradient nor AdamW step
            encoder.get_input_embeddings().weight.requires_grad_(False)
        notes = [note] if note else []
        if self.stands_in_for and used != self.stands_in_for:
            notes.append(f"{used} stands in for the paper's {self.stands_in_for}")
        for line in notes:
            log.warning("%s", line)
        tagger = FinetunedTagger(TokenTagger(encoder, self.spec, space.tags, space.coarse_tags, space.topics),
                                 tokenizer, space, cfg.max_length, self.spec.context, cfg.max_context_sentences, notes,
                                 self.spec.attention)
        return tagger, used, notes

    def train_and_score(self, space: LabelSpace, train_rows: list[dict], dev_rows: list[dict], *,
                        model_dir: str | Path, state_dir: str | Path, run_key: str,
                        test_rows: list[dict] | None = None, coarse_map: dict[str, str] | None = None,
                        predictions: str | Path | None = None, topic_rows: list[dict] | None = None,
                        topic_classes: list[str] | None = None, topic_predictions: str | Path | None = None,
                        on_epoch: Callable[[int, dict], None] = lambda epoch, record: None,
                        sources: list[int] | None = None, blend: Blend | None = None) -> Result:
        """Build, train (checkpointed, resumable), save to ``model_dir``, reload, score.

        ``test_rows``: the token head is scored on them (``predictions``: where to keep the predictions);
        ``topic_rows`` (with ``topic``): the sequence head is scored on them over ``topic_classes``
        (``topic_predictions``: where to keep its predictions).
        ``sources``/``blend``: paper 003's blend schedule (see :func:`nerlab.models.transformer.train.train`).
        """
        tagger, used, notes = self.build(space)
        start = time.perf_counter()
        history = train(tagger, self.cfg, train_rows, dev_rows, model_dir, state_dir, run_key=run_key,
                        on_epoch=on_epoch, sources=sources, blend=blend)["history"]
        seconds = time.perf_counter() - start
        result = Result(FinetunedTagger.load(model_dir, precision=self.inference_precision), history, used, notes,
                        seconds)
        if tagger.aligner.long_words:
            result.extra["words_longer_than_max_length"] = tagger.aligner.long_words
        if test_rows is not None and result.tagger.has_tags:
            scored = predict_and_score(result.tagger, test_rows, coarse_map, predictions, self.cfg.eval_batch_size)
            result.test, result.predict_seconds = scored.scores, scored.seconds
        if topic_rows is not None and result.tagger.has_topics:
            predicted = result.tagger.predict_topics(topic_rows, self.cfg.eval_batch_size)
            result.sequence = classification([r["topic"] for r in topic_rows], predicted, list(topic_classes or []))
            if topic_predictions is not None:
                write_jsonl(topic_predictions, ({"id": r["id"], "tokens": r["tokens"], "gold": r["topic"], "pred": p}
                                                for r, p in zip(topic_rows, predicted)))
        return result
