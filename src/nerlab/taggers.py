"""Trained models by name, loaded behind one interface: ``predict(sentences) -> list of IOB2 tag lists``.

The evaluate stage scores every model listed in params (``evaluate.models``)
through this registry, so adding a model means adding one loader here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from nerlab.errors import NerlabError
from nerlab.paths import MODELS


class Tagger(Protocol):
    def predict(self, sentences: list[dict]) -> list[list[str]]: ...


def _crf(model_dir: Path) -> Tagger:
    from nerlab.crf import CRFTagger

    return CRFTagger.load(model_dir)


def _finetune(model_dir: Path) -> Tagger:
    from nerlab.finetune.tagger import FinetunedTagger

    return FinetunedTagger.load(model_dir)


LOADERS: dict[str, Callable[[Path], Tagger]] = {"crf": _crf, "finetune": _finetune}


def load_folder(folder: str | Path) -> Tagger:
    """A trained model from its folder, whatever its kind (told by the files it holds)."""
    folder = Path(folder)
    if (folder / "tagger.json").is_file():
        return _finetune(folder)
    if (folder / "model.crfsuite").is_file():
        return _crf(folder)
    raise NerlabError(f"{folder} holds no nerlab model (expected tagger.json or model.crfsuite)")


def load(name: str, models_dir: Path = MODELS) -> Tagger:
    if name not in LOADERS:
        raise NerlabError(f"unknown model {name!r} in evaluate.models; known: {', '.join(LOADERS)}")
    return LOADERS[name](models_dir / name)
