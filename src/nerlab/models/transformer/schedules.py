"""Schedules over training: the auxiliary-loss weight W and the learning rate.

Auxiliary weight (paper 000, 5.2.1): loss = W * coarse + (1 - W) * scale * fine, with
W = 1 at the first epoch decaying to ``residual`` at the last:

- ``linear``:      W = 1 - (1 - residual) * p
- ``exponential``: W = residual ** p
- ``cosine``:      W = residual + (1 - residual) * (1 + cos(pi * p)) / 2

where p = epoch / (epochs - 1) runs from 0 to 1 (epoch counted from 0).

Learning rate: linear warm-up over the first ``warmup`` fraction of all steps,
then ``linear`` decay to 0 at the last step (the Hugging Face Trainer's default)
or ``constant``, times ``decay ** epoch`` (paper 003: constant, 0.95 per epoch).
"""

from __future__ import annotations

import bisect
import math

AUX_SCHEDULES = ("linear", "exponential", "cosine")


def aux_weight(epoch: int, epochs: int, schedule: str = "linear", residual: float = 0.1) -> float:
    if schedule not in AUX_SCHEDULES:
        raise ValueError(f"aux schedule must be one of {', '.join(AUX_SCHEDULES)}, got {schedule!r}")
    p = min(1.0, epoch / max(1, epochs - 1))
    if schedule == "linear":
        return 1 - (1 - residual) * p
    if schedule == "exponential":
        return residual ** p
    return residual + (1 - residual) * (1 + math.cos(math.pi * p)) / 2


LR_SCHEDULES = ("linear", "constant")


def lr_factor(step: int, epoch_ends: list[int], warmup: float, decay: float, schedule: str = "constant") -> float:
    """The LR multiplier at optimizer step ``step``; ``epoch_ends``: the cumulative step count at the end of
    each epoch (epochs may differ in size, e.g. under a blend schedule)."""
    if schedule not in LR_SCHEDULES:
        raise ValueError(f"lr schedule must be one of {', '.join(LR_SCHEDULES)}, got {schedule!r}")
    total_steps = epoch_ends[-1] if epoch_ends else 0
    warm_steps = int(warmup * total_steps)
    if step < warm_steps:
        shape = (step + 1) / warm_steps
    elif schedule == "linear":
        shape = max(0.0, (total_steps - step) / max(1, total_steps - warm_steps))
    else:
        shape = 1.0
    return shape * decay ** min(bisect.bisect_right(epoch_ends, step), max(0, len(epoch_ends) - 1))
