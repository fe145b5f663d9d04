"""How a two-head (token + sequence) model weighs its two losses (paper 002, equation 3).

- ``fixed``: ``alpha * L_sequence + beta * L_token`` (the paper found about 1:7 best).
- ``uncertainty``: learned weights (Kendall, Gal and Cipolla 2018, the classification form):
  ``exp(-s_seq) * L_sequence + s_seq / 2 + exp(-s_tok) * L_token + s_tok / 2`` with one learned log-variance
  ``s`` per task, starting at 0 (weights 1:1); a task's weight ``exp(-s)`` falls as its loss stays high.
  ``alpha`` and ``beta`` still scale the two losses before the learned weights apply.
"""

from __future__ import annotations

import torch
from torch import nn

WEIGHTINGS = ("fixed", "uncertainty")
TASKS = ("token", "sequence", "joint")


class LossWeighting(nn.Module):
    def __init__(self, mode: str = "fixed", alpha: float = 1.0, beta: float = 1.0):
        super().__init__()
        if mode not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {', '.join(WEIGHTINGS)}, got {mode!r}")
        if alpha < 0 or beta < 0 or alpha + beta == 0:
            raise ValueError(f"alpha and beta must be >= 0 and not both 0, got {alpha} and {beta}")
        self.mode, self.alpha, self.beta = mode, float(alpha), float(beta)
        if mode == "uncertainty":
            self.log_vars = nn.Parameter(torch.zeros(2))  # [sequence, token]

    def forward(self, sequence: torch.Tensor, token: torch.Tensor) -> torch.Tensor:
        sequence, token = self.alpha * sequence, self.beta * token
        if self.mode == "fixed":
            return sequence + token
        s = self.log_vars
        return torch.exp(-s[0]) * sequence + s[0] / 2 + torch.exp(-s[1]) * token + s[1] / 2

    def weights(self) -> dict[str, float]:
        """The weights each loss gets now (for the logs and plots)."""
        if self.mode == "fixed":
            return {"w_sequence": self.alpha, "w_token": self.beta}
        learned = torch.exp(-self.log_vars.detach().float())
        return {"w_sequence": self.alpha * float(learned[0]), "w_token": self.beta * float(learned[1])}
