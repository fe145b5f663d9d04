"""Trained models by name, loaded behind one interface: ``predict(sentences) -> list of IOB2 tag lists``.

The evaluate stage scores every model listed in params (``evaluate.models``)
through this registry, so adding a model kind means adding one registered loader
here (the params schema takes ``evaluate.models`` and ``teacher.kind`` from it). ``precision``
(``inference_precision``: fp32 | bf16 | int8) is how a fine-tuned model runs; a CRF has one way to run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from nerlab.config.errors import NerlabError
from nerlab.config.paths import MODELS
from nerlab.config.registry import Registry


class Tagger(Protocol):
    def predict(self, sentences: list[dict]) -> list[list[str]]: ...


LOADERS = Registry("model kind")  # param evaluate.models and teacher.kind: the kinds of trained model


@LOADERS.register("crf")
def _crf(model_dir: Path, precision: str = "fp32") -> Tagger:
    from nerlab.models.crf.crfsuite import CRFTagger

    return CRFTagger.load(model_dir)


@LOADERS.register("finetune")
def _finetune(model_dir: Path, precision: str = "fp32") -> Tagger:
    from nerlab.models.transformer.tagger import FinetunedTagger

    return FinetunedTagger.load(model_dir, precision=precision)


def load_folder(folder: str | Path, precision: str = "fp32") -> Tagger:
    """A trained model from its folder, whatever its kind (told by the files it holds)."""
    folder = Path(folder)
    if (folder / "tagger.json").is_file():
        return _finetune(folder, precision)
    if (folder / "model.crfsuite").is_file():
        return _crf(folder)
    raise NerlabError(f"{folder} holds no nerlab model (expected tagger.json or model.crfsuite)")


def load(name: str, models_dir: Path = MODELS, precision: str = "fp32") -> Tagger:
    """The trained model of kind ``name`` (a registered kind, checked by the params schema)."""
    return LOADERS[name](models_dir / name, precision)
