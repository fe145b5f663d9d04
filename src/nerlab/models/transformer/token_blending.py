"""Triplet token blending (paper 000): each unit joined with, or averaged over, its neighbours."""

from __future__ import annotations

import torch

BLENDS = ("none", "concat", "avg")  # param blend


def blend_triplets(x: torch.Tensor, mask: torch.Tensor, mode: str) -> torch.Tensor:
    """Join (concat) or average (avg) each unit with its previous and next unit; zero past the edges."""
    if mode == "none":
        return x
    m = mask.unsqueeze(-1).to(x.dtype)
    x = x * m
    prev = torch.nn.functional.pad(x, (0, 0, 1, 0))[:, :-1]
    nxt = torch.nn.functional.pad(x, (0, 0, 0, 1))[:, 1:]
    if mode == "concat":
        return torch.cat([prev, x, nxt], dim=-1)
    prev_m = torch.nn.functional.pad(m, (0, 0, 1, 0))[:, :-1]
    next_m = torch.nn.functional.pad(m, (0, 0, 0, 1))[:, 1:]
    return (prev + x + nxt) / (prev_m + m + next_m).clamp(min=1)
