"""One train-and-score recipe for every stage that trains a transformer tagger.

``finetune``, ``distill``, ``learning_curve`` and ``multitask`` all go through
:meth:`Recipe.train_and_score`: build the tagger (encoder + seeded heads), train
it with the resumable loop of :mod:`nerlab.finetune.train` (which saves the
chosen checkpoint), **reload the saved model** and score that with the common
evaluator (:func:`nerlab.scoring.predict_and_score`: coarse scores where the
dataset has a coarse map, the predictions file when asked), plus the sequence
head on topic-labelled sentences when the model has one. The stage modules keep
only what differs: their data, their settings block and their reports.

A recipe is made from finetune-shaped params (the ``finetune`` stage's
top-level architecture keys and ``finetune`` block) or from a paper's fixed
recipe block (``distill``, ``paper002``: ``encoder``, ``architecture``, ``train``
over the finetune block); both are checked before any encoder is loaded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from nerlab import encoders
from nerlab.data.jsonl import write_jsonl
from nerlab.errors import NerlabError
from nerlab.evaluation import classification
from nerlab.finetune.blending import Blend
from nerlab.finetune.labels import LabelSpace
from nerlab.finetune.model import Architecture, TokenTagger
from nerlab.finetune.tagger import FinetunedTagger
from nerlab.finetune.train import TrainConfig, fingerprint, train
from nerlab.scoring import predict_and_score

log = logging.getLogger(__name__)

OFFLINE_ENCODER = "minilm-l6"
# A single-task tagger's task and loss weights (only paper 002's multitask stage sets others: Recipe.of_section).
TOKEN_ONLY = {"task": "token", "weighting": "fixed", "alpha": 1.0, "beta": 1.0, "weighting_lr": 0.01}
ARCHITECTURE = ("head", "layers", "blend", "aux", "context", "head_lr_mult", "attention", "word_features")


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
    params: dict  # finetune-shaped: top-level architecture keys, encoder, seed, context, finetune block
    arch: Architecture
    cfg: TrainConfig
    stands_in_for: str | None = None  # the paper's encoder, when a stand-in is used

    @classmethod
    def from_params(cls, params: dict, stands_in_for: str | None = None, where: str = "") -> "Recipe":
        """Checked settings (a bad value is a one-line error naming ``where`` it came from)."""
        try:
            arch, cfg = configs(params)
        except (ValueError, KeyError, TypeError) as err:
            suffix = f" ({where})" if where else ""
            raise NerlabError(f"params.yaml: bad finetune setting: {err}{suffix}") from None
        return cls(params, arch, cfg, stands_in_for)

    @classmethod
    def of_section(cls, params: dict, section: str, seed: int, heads: dict | None = None,
                   where: str = "") -> "Recipe":
        """A paper's fixed recipe: ``params[section]`` gives ``encoder``, ``architecture`` (exactly the keys
        of :data:`ARCHITECTURE`) and ``train`` (over the finetune block); ``heads`` sets paper 002's task
        and loss weights."""
        block = params[section]
        arch = block["architecture"]
        if set(arch) != set(ARCHITECTURE):
            raise NerlabError(f"params.yaml: {section}.architecture must set exactly {', '.join(ARCHITECTURE)}; "
                              f"got {', '.join(arch)}")
        shaped = {**arch, "seed": seed, "encoder": block["encoder"],
                  "finetune": {**params["finetune"], **block["train"]}}
        if heads:
            shaped["heads"] = heads
        return cls.from_params(shaped, block["paper_encoder"], where or section)

    @property
    def seed(self) -> int:
        return self.cfg.seed

    def key(self, stage: str, *parts) -> str:
        """The fingerprint of a run of these settings on the given data (resume and finished-part keys)."""
        return fingerprint(stage, self.params, *parts)

    def build(self, space: LabelSpace) -> tuple[FinetunedTagger, str, list[str]]:
        """A fresh tagger (encoder + seeded heads); the encoder used and the notes every output repeats
        (a substituted encoder, an encoder standing in for the paper's)."""
        p, ft = self.params, self.params["finetune"]
        torch.manual_seed(self.seed)  # the heads are initialised before training starts: seed them too
        tokenizer, encoder, used, note = encoders.load(p["encoder"], OFFLINE_ENCODER if ft["encoder_fallback"] else None)
        attention = p["attention"]
        encoders.set_attention(encoder, attention)
        lora = ft["lora"]
        if int(lora["r"]) > 0:
            encoder = encoders.add_lora(encoder, int(lora["r"]), float(lora["alpha"]), float(lora["dropout"]),
                                        lora["target_modules"])
        notes = [note] if note else []
        if self.stands_in_for and used != self.stands_in_for:
            notes.append(f"{used} stands in for the paper's {self.stands_in_for}")
        for line in notes:
            log.warning("%s", line)
        tagger = FinetunedTagger(TokenTagger(encoder, self.arch, space.tags, space.coarse_tags, space.topics),
                                 tokenizer, space, int(ft["max_length"]), p["context"],
                                 int(ft["max_context_sentences"]), notes, attention)
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
        ``sources``/``blend``: paper 003's blend schedule (see :func:`nerlab.finetune.train.train`).
        """
        tagger, used, notes = self.build(space)
        start = time.perf_counter()
        history = train(tagger, self.cfg, train_rows, dev_rows, model_dir, state_dir, run_key=run_key,
                        on_epoch=on_epoch, sources=sources, blend=blend)["history"]
        seconds = time.perf_counter() - start
        result = Result(FinetunedTagger.load(model_dir), history, used, notes, seconds)
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


def configs(params: dict) -> tuple[Architecture, TrainConfig]:
    """The model and training settings of a params mapping (top-level keys + ``finetune``), nothing defaulted."""
    ft = params["finetune"]
    heads = params["heads"] if "heads" in params else TOKEN_ONLY  # paper 002's tasks: Recipe.of_section
    arch = Architecture(head=params["head"], layers=int(params["layers"]), blend=params["blend"], aux=params["aux"],
                        dropout=float(ft["dropout"]), lstm_hidden=int(ft["lstm_hidden"]),
                        task=heads["task"], weighting=heads["weighting"],
                        alpha=float(heads["alpha"]), beta=float(heads["beta"]),
                        word_features=params["word_features"])
    cfg = TrainConfig(epochs=int(ft["epochs"]), batch_size=int(ft["batch_size"]),
                      eval_batch_size=int(ft["eval_batch_size"]), lr=float(ft["lr"]),
                      weight_decay=float(ft["weight_decay"]), warmup=float(ft["warmup"]),
                      lr_schedule=ft["lr_schedule"], lr_decay=float(ft["lr_decay"]),
                      head_lr_mult=float(params["head_lr_mult"]),
                      label_all_subwords=bool(ft["label_all_subwords"]), checkpoint=ft["checkpoint"],
                      aux_schedule=ft["aux_schedule"], aux_residual=float(ft["aux_residual"]),
                      aux_scale=float(ft["aux_scale"]), bf16=bool(ft["bf16"]),
                      bucket_pool=int(ft["bucket_pool"]), dev_every=int(ft["dev_every"]),
                      weighting_lr=float(heads["weighting_lr"]), seed=int(params["seed"]))
    return arch, cfg
