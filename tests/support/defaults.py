"""Library settings for tests, taken from the project's params.yaml (the one place defaults live), with overrides.

The library takes the typed params of :mod:`nerlab.config.schema` and has no defaults of its own, so a test
that needs, say, a training config builds it here from params.yaml and changes only what the test is about.
"""

from __future__ import annotations

import copy
from pathlib import Path

from nerlab.config.params import load_params
from nerlab.config.schema import Params, set_paths, validate

ROOT = Path(__file__).resolve().parents[2]
RAW = load_params(ROOT / "params.yaml")
PARAMS: Params = validate(RAW)


def raw(**overrides) -> dict:
    """A deep copy of params.yaml's mapping with top-level keys replaced."""
    return {**copy.deepcopy(RAW), **overrides}


def params(**overrides) -> Params:
    """params.yaml, validated, with top-level keys replaced (as ``dvc exp run -S key=value`` would)."""
    return validate(raw(**overrides))


def typed(mapping: dict, **unchecked) -> Params:
    """A params mapping validated as a stage gets it, then top-level values the schema would not know set after
    validation: ``dataset`` (a test's own folder under data/prepared), ``llm`` (a backend a test registers)."""
    checked = validate(mapping)
    if not unchecked:
        return checked
    checked = checked.model_copy(update=unchecked)
    set_paths(checked)
    return checked


def train_config(**overrides):
    from nerlab.models.transformer.train import train_config as build

    cfg = build(PARAMS.finetune, PARAMS.head_lr_mult, 0.01, PARAMS.seed)
    return cfg.model_copy(update=overrides)


def architecture(**overrides):
    """params.yaml's architecture as a tagger spec, but plain word inputs (``word_features: none``) unless a test
    asks for them: the head, export and decoder tests are about other parts (word-feature tests cover those)."""
    from nerlab.models.transformer.recipe import Recipe

    spec = Recipe.from_params(PARAMS, PARAMS.seed).spec
    return spec.model_copy(update={"word_features": "none", **overrides})


def feature_config(**overrides):
    return PARAMS.crf.features.model_copy(update=overrides)


def crf_config(clusters: bool = True, **overrides):
    """params.yaml's ``crf`` block with keys replaced; ``clusters=False``: no word-cluster features."""
    crf = PARAMS.crf
    if not clusters:
        features = crf.features.model_copy(update={"clusters": crf.features.clusters.model_copy(update={"sizes": []})})
        overrides = {"features": features, **overrides}
    return crf.model_copy(update=overrides)


def fetch_config(**overrides):
    return PARAMS.data.model_copy(update=overrides)


def conll_section(**overrides):
    """params.yaml's data.conll with keys replaced (paths, columns)."""
    return PARAMS.data.conll.model_copy(update=overrides)


def local_config(**overrides):
    return PARAMS.annotate.local.model_copy(update=overrides)
