"""The fine-tuned tagger: encoder -> last-k layers -> unit gather -> triplet blending -> head (+ aux head),
and optionally a sequence (topic) head on the first token's hidden state (paper 002's multitask model).

``task`` picks the heads: ``token`` (the token head alone), ``sequence`` (the sequence head alone) or
``joint`` (both over one forward pass of the encoder; the losses weighted by :mod:`multitask`).

Units are the positions the heads read: the first subword of each word (the
default, and always at prediction time) or every subword of each word (training
with ``label_all_subwords``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nerlab.finetune.heads import HEADS, SequenceHead
from nerlab.finetune.multitask import TASKS, LossWeighting
from nerlab.finetune.word_features import WordFeatures, dims


@dataclass(frozen=True)
class Architecture:
    """What a tagger is made of (params.yaml's top-level model keys; saved in tagger.json)."""

    head: str
    layers: int  # how many last hidden layers are concatenated
    blend: str  # none | concat | avg: triplet token blending
    aux: str  # none | linear | crf: the coarse-grained auxiliary head
    dropout: float
    lstm_hidden: int
    task: str  # token | sequence | joint (paper 002)
    weighting: str  # joint only: fixed | uncertainty (see multitask)
    alpha: float  # joint only: weight of the sequence loss
    beta: float  # joint only: weight of the token loss
    word_features: str  # none | case | chars | case+chars: see word_features

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        if self.task == "joint":
            LossWeighting(self.weighting, self.alpha, self.beta)  # rejects bad weights now
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {', '.join(HEADS)}, got {self.head!r}")
        if self.aux not in ("none", "linear", "crf"):
            raise ValueError(f"aux must be none, linear or crf, got {self.aux!r}")
        if self.blend not in ("none", "concat", "avg"):
            raise ValueError(f"blend must be none, concat or avg, got {self.blend!r}")
        if self.layers < 1:
            raise ValueError(f"layers must be at least 1, got {self.layers}")
        dims(self.word_features)  # rejects an unknown choice


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
    def __init__(self, encoder: nn.Module, arch: Architecture, labels: list[str], coarse_labels: list[str] | None,
                 topics: list[str] | None = None):
        super().__init__()
        self.encoder = encoder
        self.arch = arch
        case_dim, char_dim = dims(arch.word_features)
        self.word_features = WordFeatures(case_dim, char_dim) if case_dim or char_dim else None
        hidden = encoder.config.hidden_size * arch.layers + (self.word_features.dim if self.word_features else 0)
        unit_dim = hidden * (3 if arch.blend == "concat" else 1)
        self.dropout = nn.Dropout(arch.dropout)
        self.head = self.aux_head = self.topic_head = self.weighting = None
        if arch.task != "sequence":
            self.head = HEADS[arch.head](unit_dim, labels, arch.dropout, arch.lstm_hidden)
            if arch.aux != "none":
                if not coarse_labels:
                    raise ValueError("aux needs coarse labels")
                self.aux_head = HEADS[arch.aux](unit_dim, coarse_labels, arch.dropout, arch.lstm_hidden)
        if arch.task != "token":
            if not topics:
                raise ValueError(f"task {arch.task!r} needs the sequence classes (topics)")
            self.topic_head = SequenceHead(encoder.config.hidden_size, list(topics), arch.dropout,
                                           getattr(encoder, "pooler", None))
        if arch.task == "joint":
            self.weighting = LossWeighting(arch.weighting, arch.alpha, arch.beta)

    def head_parameters(self):
        """Everything but the encoder: the parameters trained at ``head_lr_mult`` x the encoder's rate."""
        return [p for name, p in self.named_parameters() if not name.startswith("encoder.")]

    def hidden(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """One encoder pass: (the last k layers concatenated, the last layer)."""
        out = self.encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                           output_hidden_states=self.arch.layers > 1)
        last = out.last_hidden_state
        if self.arch.layers > 1:
            return torch.cat(out.hidden_states[-self.arch.layers:], dim=-1), last
        return last, last

    def units(self, hidden: torch.Tensor, batch: dict) -> torch.Tensor:
        index = batch["unit_index"]
        gathered = hidden.gather(1, index.unsqueeze(-1).expand(-1, -1, hidden.shape[-1]))
        if self.word_features is not None:  # casing and characters of each unit's word, learned
            extra = self.word_features(batch["case_ids"], batch["char_ids"])
            gathered = torch.cat([gathered, extra.to(gathered.dtype)], -1)
        return blend_triplets(self.dropout(gathered), batch["unit_mask"], self.arch.blend)

    def losses(self, batch: dict) -> dict[str, torch.Tensor]:
        """Each head's loss from one encoder pass: ``token`` (and ``coarse``), ``sequence``."""
        hidden, last = self.hidden(batch)
        out = {}
        if self.head is not None:
            x = self.units(hidden, batch)
            out["token"] = self.head.loss(x, batch["labels"], batch["unit_mask"])
            if self.aux_head is not None:
                out["coarse"] = self.aux_head.loss(x, batch["coarse"], batch["unit_mask"])
        if self.topic_head is not None:
            out["sequence"] = self.topic_head.loss(last, batch["topic"])
        return out

    def loss(self, batch: dict, aux_weight: float = 0.0, aux_scale: float = 1.0) -> tuple[torch.Tensor, dict]:
        """The training loss and its parts. Token side: ``W * coarse + (1 - W) * scale * token`` with an
        auxiliary head, else the token loss; with both heads the :class:`LossWeighting` combines the sequence
        and token sides."""
        parts = self.losses(batch)
        token = parts.get("token")
        if "coarse" in parts:
            token = aux_weight * parts["coarse"] + (1 - aux_weight) * aux_scale * token
        if self.weighting is not None:
            return self.weighting(parts["sequence"], token), parts
        return (token if token is not None else parts["sequence"]), parts

    @torch.inference_mode()
    def decode(self, batch: dict) -> dict:
        """``tags``: label ids per unit (token head); ``topic_probs``: class probabilities (sequence head)."""
        hidden, last = self.hidden(batch)
        out = {}
        if self.head is not None:
            out["tags"] = self.head.decode(self.units(hidden, batch), batch["unit_mask"])
        if self.topic_head is not None:
            out["topic_probs"] = self.topic_head.logits(last).float().softmax(-1)
        return out
