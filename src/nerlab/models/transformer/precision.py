"""Numeric precision of a fine-tuned tagger: ``fp32``, ``bf16`` (autocast) and ``int8`` (inference only).

- ``bf16``: ``torch.autocast`` with bfloat16 on the model's device (CPU and CUDA alike). Autocast runs the
  matrix products (the encoder's Linear layers and attention, the heads' projections) in bf16 and keeps the
  weights in fp32. The parts where bf16 would hurt stay fp32: the CRF (emissions are cast to fp32 before its
  forward algorithm and Viterbi), the BiLSTM (:func:`fp32`), every loss, and AdamW's state (the weights are
  fp32, so is their optimiser state).
- ``int8``: dynamic quantization (``torch.ao.quantization.quantize_dynamic``) of the encoder's Linear layers:
  int8 weights, activations quantized per batch. CPU only (the kernels are fbgemm/x86). The heads stay fp32.
  Only for inference: a quantized tagger is never saved (saved and exported weights are always fp32).

Training takes ``fp32 | bf16`` (``finetune.precision``), inference ``fp32 | bf16 | int8``
(``inference_precision``); whether bf16 and int8 are as good as fp32 is a finding
(``configs/findings.yaml``, family ``lab``), not an assumption.
"""

from __future__ import annotations

import contextlib
import warnings

import torch
from torch import nn

from nerlab.config.errors import NerlabError

TRAIN = ("fp32", "bf16")
INFERENCE = ("fp32", "bf16", "int8")


def autocast(device: torch.device | str, precision: str):
    """The context a forward pass runs in at ``precision`` (bf16: autocast; fp32 and int8: none)."""
    if precision == "bf16":
        return torch.autocast(torch.device(device).type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def fp32(device: torch.device | str):
    """A region that runs in fp32 whatever autocast is around it (the BiLSTM: its recurrences accumulate)."""
    return torch.autocast(torch.device(device).type, enabled=False)


def quantize_encoder(encoder: nn.Module) -> nn.Module:
    """A copy of ``encoder`` whose Linear layers are int8 (dynamic quantization); the original is untouched."""
    if next(encoder.parameters()).device.type != "cpu":
        raise NerlabError("inference_precision int8 runs on the CPU only (dynamic quantization has no CUDA "
                          "kernels): use bf16 on a GPU")
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():  # torch.ao's eager quantization is deprecated in favour of torchao
        warnings.simplefilter("ignore", (DeprecationWarning, UserWarning, FutureWarning))
        return quantize_dynamic(encoder, {nn.Linear}, dtype=torch.qint8)


def is_quantized(module: nn.Module) -> bool:
    return any(type(m).__module__.startswith("torch.ao.nn.quantized") for m in module.modules())
