"""The fine-tuned tagger: encoder -> last-k layers -> unit gather -> triplet blending -> head (+ aux head).

Units are the positions the heads read: the first subword of each word (the
default, and always at prediction time) or every subword of each word (training
with ``label_all_subwords``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nerlab.finetune.heads import HEADS


@dataclass(frozen=True)
class Architecture:
    head: str = "linear"
    layers: int = 1  # how many last hidden layers are concatenated
    blend: str = "none"  # none | concat | avg: triplet token blending
    aux: str = "none"  # none | linear | crf: the coarse-grained auxiliary head
    dropout: float = 0.1
    lstm_hidden: int = 256

    def __post_init__(self):
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {', '.join(HEADS)}, got {self.head!r}")
        if self.aux not in ("none", "linear", "crf"):
            raise ValueError(f"aux must be none, linear or crf, got {self.aux!r}")
        if self.blend not in ("none", "concat", "avg"):
            raise ValueError(f"blend must be none, concat or avg, got {self.blend!r}")
        if self.layers < 1:
            raise ValueError(f"layers must be at least 1, got {self.layers}")


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


class TokenTagger(nn.Module):
    def __init__(self, encoder: nn.Module, arch: Architecture, labels: list[str], coarse_labels: list[str] | None):
        super().__init__()
        self.encoder = encoder
        self.arch = arch
        hidden = encoder.config.hidden_size * arch.layers
        unit_dim = hidden * (3 if arch.blend == "concat" else 1)
        self.dropout = nn.Dropout(arch.dropout)
        self.head = HEADS[arch.head](unit_dim, labels, arch.dropout, arch.lstm_hidden)
        self.aux_head = None
        if arch.aux != "none":
            if not coarse_labels:
                raise ValueError("aux needs coarse labels")
            self.aux_head = HEADS[arch.aux](unit_dim, coarse_labels, arch.dropout, arch.lstm_hidden)

    def head_parameters(self):
        """Everything but the encoder: the parameters trained at ``head_lr_mult`` x the encoder's rate."""
        return [p for name, p in self.named_parameters() if not name.startswith("encoder.")]

    def units(self, input_ids, attention_mask, unit_index, unit_mask) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                           output_hidden_states=self.arch.layers > 1)
        if self.arch.layers > 1:
            hidden = torch.cat(out.hidden_states[-self.arch.layers:], dim=-1)
        else:
            hidden = out.last_hidden_state
        gathered = hidden.gather(1, unit_index.unsqueeze(-1).expand(-1, -1, hidden.shape[-1]))
        return blend_triplets(self.dropout(gathered), unit_mask, self.arch.blend)

    def losses(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor | None]:
        x = self.units(batch["input_ids"], batch["attention_mask"], batch["unit_index"], batch["unit_mask"])
        fine = self.head.loss(x, batch["labels"], batch["unit_mask"])
        coarse = self.aux_head.loss(x, batch["coarse"], batch["unit_mask"]) if self.aux_head is not None else None
        return fine, coarse

    @torch.inference_mode()
    def decode(self, batch: dict) -> list[list[int]]:
        x = self.units(batch["input_ids"], batch["attention_mask"], batch["unit_index"], batch["unit_mask"])
        return self.head.decode(x, batch["unit_mask"])
