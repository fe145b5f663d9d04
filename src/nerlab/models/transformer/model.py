"""The fine-tuned tagger: encoder -> last-k layers -> unit gather -> triplet blending -> head (+ aux head),
and optionally a sequence (topic) head on the first token's hidden state (paper 002's multitask model).

``task`` picks the heads: ``token`` (the token head alone), ``sequence`` (the sequence head alone) or
``joint`` (both over one forward pass of the encoder; the losses weighted by :mod:`loss_weighting`).

Units are the positions the heads read: the first subword of each word (the
default, and always at prediction time) or every subword of each word (training
with ``label_all_subwords``).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.profiler import record_function

from nerlab.config.schema import Architecture, TaskKind, Weighting
from nerlab.models.transformer.heads import HEADS, SequenceHead
from nerlab.models.transformer.loss_weighting import LossWeighting
from nerlab.models.transformer.token_blending import blend_triplets
from nerlab.models.transformer.word_features import WordFeatures, dims


class TaggerSpec(Architecture):
    """What a tagger is made of, saved in ``tagger.json``: the architecture settings (params.yaml's top-level
    keys, or a paper recipe's ``architecture`` block), the head sizes from the training block, and the task
    (paper 002: ``token``, ``sequence`` or ``joint`` with its loss weights). Built by the recipe from
    checked params, never re-checked."""

    dropout: float
    lstm_hidden: int
    task: TaskKind = "token"
    weighting: Weighting = "fixed"  # joint only: fixed | uncertainty (see loss_weighting)
    alpha: float = 1.0  # joint only: weight of the sequence loss
    beta: float = 1.0  # joint only: weight of the token loss


class TokenTagger(nn.Module):
    def __init__(self, encoder: nn.Module, arch: TaggerSpec, labels: list[str], coarse_labels: list[str] | None,
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
        with record_function("nerlab.encoder"):
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
        with record_function("nerlab.heads"):  # word features, blending, heads and their losses
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
        with record_function("nerlab.heads"):
            if self.head is not None:
                out["tags"] = self.head.decode(self.units(hidden, batch), batch["unit_mask"])
            if self.topic_head is not None:
                out["topic_probs"] = self.topic_head.logits(last).float().softmax(-1)
        return out
