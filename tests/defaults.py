"""Library settings for tests, taken from the project's params.yaml (the one place defaults live), with overrides.

The library's config classes have no defaults of their own (issue: params.yaml and the schema hold them), so a
test that needs, say, a TrainConfig builds it here from params.yaml and changes only what the test is about.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

from nerlab.stage import load_params

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params.yaml")


def params(**overrides) -> dict:
    """A deep copy of params.yaml with top-level keys replaced."""
    return {**copy.deepcopy(PARAMS), **overrides}


def train_config(**overrides):
    from nerlab.finetune.recipe import configs

    return replace(configs(PARAMS)[1], **overrides)


def architecture(**overrides):
    """params.yaml's architecture, but plain word inputs (``word_features: none``) unless a test asks for them:
    the head, export and decoder tests are about other parts (tests/test_word_features.py covers the features)."""
    from nerlab.finetune.recipe import configs

    return replace(configs(PARAMS)[0], **{"word_features": "none", **overrides})


def feature_config(**overrides):
    from nerlab.crf_features import FeatureConfig

    return replace(FeatureConfig.from_params(PARAMS["crf"]["features"]), **overrides)


def crf_config(**overrides):
    from nerlab.crf import CRFConfig

    return replace(CRFConfig.from_params(PARAMS["crf"], int(PARAMS["seed"])), **overrides)


def fetch_config(**overrides):
    from nerlab.data.prepare import FetchConfig

    return replace(FetchConfig.from_params({**PARAMS["data"], "seed": PARAMS["seed"]}), **overrides)


def conll_section(**overrides) -> dict:
    """params.yaml's data.conll with keys replaced (paths, columns)."""
    return {**copy.deepcopy(PARAMS["data"]["conll"]), **overrides}


def local_config(**overrides):
    from nerlab.annotate.server import LocalConfig

    loc = PARAMS["annotate"]["local"]
    return LocalConfig(**{"model": loc["model"], "ctx_per_slot": loc["ctx_per_slot"], "threads": loc["threads"],
                          "startup_timeout": loc["startup_timeout"], "parallel": PARAMS["annotate"]["concurrency"],
                          **overrides})
