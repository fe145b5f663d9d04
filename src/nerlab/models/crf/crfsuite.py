"""The feature-engineered CRF tagger (sklearn-crfsuite), trained, saved and loaded as one unit.

A saved model is a folder: ``model.crfsuite`` (CRFsuite's own file),
``clusters.npz`` (word-cluster centroids, when used), ``gazetteer.json`` (when
used) and ``config.json``.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pycrfsuite
import sklearn_crfsuite
from tqdm.auto import tqdm

from nerlab.config.errors import NerlabError
from nerlab.config.schema import Crf
from nerlab.data.tags import repair_iob2
from nerlab.models import manifest
from nerlab.models.crf.clusters import WordClusters
from nerlab.models.crf.features import corpus_features
from nerlab.models.crf.gazetteer import Gazetteer, jackknife_tags

log = logging.getLogger(__name__)


def _progress_trainer(total: int, losses: list[float]):
    """A pycrfsuite trainer that shows a progress bar over L-BFGS iterations and records the loss."""

    class ProgressTrainer(pycrfsuite.Trainer):
        """CRFsuite's own log goes to the debug log; the terminal gets one progress bar."""

        bar = None

        def on_start(self, log_text):
            log.debug("crfsuite: %s", log_text.rstrip())

        on_featgen_progress = on_featgen_end = on_prepared = on_end = \
            lambda self, log_text, *rest: log.debug("crfsuite: %s", log_text.rstrip())

        def on_prepare_error(self, log_text):
            log.error("crfsuite: %s", log_text.rstrip())

        def on_iteration(self, log_text, info):
            if self.bar is None:
                self.bar = tqdm(total=total, desc="CRF L-BFGS iterations", unit="it")
            losses.append(float(info["loss"]))
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{info['loss']:.0f}", active=info.get("active_features"))

        def on_optimization_end(self, log_text):
            log.debug("crfsuite: %s", log_text.rstrip())
            if self.bar is not None:
                self.bar.close()

    return ProgressTrainer


class CRFTagger:
    """The feature CRF: ``config`` is params.yaml's ``crf`` block (typed), ``seed`` seeds the word clusters."""

    def __init__(self, config: Crf, seed: int, crf: sklearn_crfsuite.CRF | None = None,
                 clusters: WordClusters | None = None, gazetteer: Gazetteer | None = None):
        self.config = config
        self.seed = seed
        self.crf = crf
        self.clusters = clusters
        self.gazetteer = gazetteer
        self.losses: list[float] = []
        self.timings: dict[str, float] = {}

    def features(self, sentences: list[dict], desc: str = "features",
                 gaz_tags: list[list[str]] | None = None) -> list[list[dict]]:
        log.info("computing CRF features for %d sentences (%s)", len(sentences), desc)
        if gaz_tags is None and self.gazetteer is not None:
            gaz_tags = [self.gazetteer.tags(s["tokens"]) for s in sentences]
        return corpus_features(sentences, self.config.features, self.clusters, gaz_tags)

    def fit(self, sentences: list[dict], model_dir: str | Path) -> "CRFTagger":
        if not sentences or not any(s["tokens"] for s in sentences):
            raise NerlabError("the CRF got no training sentences (crfsuite would crash on an empty set); "
                              "check data.train_size and the train file")
        model_dir = Path(model_dir)
        model_dir.mkdir(parents=True, exist_ok=True)
        cfg = self.config
        clock = time.perf_counter()
        clusters = cfg.features.clusters
        if clusters.sizes:  # no sizes: no word-cluster features
            words = [t for s in sentences for t in s["tokens"]]
            self.clusters = WordClusters.fit(words, clusters.encoder, list(clusters.sizes), self.seed)
        self.timings["clusters_seconds"] = time.perf_counter() - clock
        clock = time.perf_counter()
        gaz_tags = None
        if cfg.features.gazetteer:
            self.gazetteer = Gazetteer.build(sentences)
            gaz_tags = jackknife_tags(sentences)  # train never sees its own labels through the gazetteer
        X = self.features(sentences, "train", gaz_tags)
        self.timings["features_seconds"] = time.perf_counter() - clock
        self.losses = []
        self.crf = sklearn_crfsuite.CRF(
            algorithm="lbfgs", c1=cfg.c1, c2=cfg.c2, max_iterations=cfg.max_iterations,
            all_possible_transitions=cfg.all_possible_transitions,
            model_filename=str(model_dir / "model.crfsuite"),
            trainer_cls=_progress_trainer(cfg.max_iterations, self.losses),
            verbose=True,  # makes CRFsuite report each iteration to the progress trainer
        )
        log.info("fitting the CRF on %d sentences (c1=%s c2=%s, at most %d iterations)",
                 len(sentences), cfg.c1, cfg.c2, cfg.max_iterations)
        clock = time.perf_counter()
        self.crf.fit(X, [s["tags"] for s in sentences])
        self.timings["lbfgs_seconds"] = time.perf_counter() - clock
        for stale in ("clusters.npz", "gazetteer.json"):
            (model_dir / stale).unlink(missing_ok=True)
        if self.clusters is not None:
            self.clusters.save(model_dir / "clusters.npz")
        if self.gazetteer is not None:
            self.gazetteer.save(model_dir / "gazetteer.json")
        config = {"crf": cfg.model_dump(), "seed": self.seed}
        (model_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        manifest.write(model_dir, [f for f in ("model.crfsuite", "config.json", "clusters.npz", "gazetteer.json")
                                   if (model_dir / f).is_file()])
        return self

    def predict(self, sentences: list[dict]) -> list[list[str]]:
        """IOB2 tags for each sentence; any invalid I- in the output is repaired (documented rule)."""
        X = self.features(sentences, "predict")
        return [repair_iob2(tags)[0] for tags in self.crf.predict(X)]

    @property
    def labels(self) -> list[str]:
        """The tags this model can predict (learned from its training data)."""
        return list(self.crf.classes_)

    @property
    def n_features(self) -> int:
        return len(self.crf.state_features_)

    @classmethod
    def load(cls, model_dir: str | Path) -> "CRFTagger":
        model_dir = Path(model_dir)
        if not (model_dir / "model.crfsuite").is_file():
            raise NerlabError(f"no CRF model in {model_dir} (train it first: dvc repro crf)")
        manifest.verify(model_dir)  # before CRFsuite (C code that trusts its file) reads anything
        manifest.check_crfsuite(model_dir / "model.crfsuite")
        try:
            raw = json.loads((model_dir / "config.json").read_text())
            config, seed = Crf.model_validate(raw["crf"]), int(raw["seed"])
            clusters = WordClusters.load(model_dir / "clusters.npz") if (model_dir / "clusters.npz").is_file() else None
            gazetteer = (Gazetteer.load(model_dir / "gazetteer.json") if (model_dir / "gazetteer.json").is_file()
                         else None)
        except manifest.DAMAGE as err:
            raise manifest.damaged(model_dir, err) from None
        return cls(config, seed, sklearn_crfsuite.CRF(model_filename=str(model_dir / "model.crfsuite")), clusters,
                   gazetteer)
