"""Token-classification heads over a sequence of unit vectors (one per word, or per subword).

- ``linear``: linear, masked cross-entropy; decoding takes the most probable valid IOB2 sequence
  (Viterbi over the log-probabilities with invalid moves forbidden; no learned transitions).
- ``crf``: the same emissions into a CRF layer (pytorch-crf), whose transitions
  forbid every invalid IOB2 move, so Viterbi decoding never outputs one.
- ``bilstm_crf``: a BiLSTM before the emissions, then the CRF.

Under bf16 autocast (:mod:`precision`) the projections run in bf16; the CRF (emissions cast to fp32), the
BiLSTM and the losses run in fp32.

All heads share ``loss(x, labels, mask)`` and ``decode(x, mask)``; a head is
picked by name from :data:`HEADS` (params ``head`` and ``aux``). Adding a head is
one class with ``@HEADS.register("name")`` here and its test: the params schema
takes its allowed values from this registry (``docs/contributing.md``).
"""

from __future__ import annotations

import torch
from torch import nn
from torchcrf import CRF

from nerlab.config.registry import Registry
from nerlab.data.tags import split_tag
from nerlab.models.transformer.precision import fp32

IMPOSSIBLE = -10000.0
HEADS = Registry("head")


def iob2_constraints(labels: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Penalties (0 or IMPOSSIBLE) for starting with each label and for each label -> label move."""
    parsed = [split_tag(label) for label in labels]
    start = torch.tensor([IMPOSSIBLE if p == "I" else 0.0 for p, _ in parsed])
    moves = torch.zeros(len(labels), len(labels))
    for j, (prefix, etype) in enumerate(parsed):
        if prefix != "I":
            continue
        for i, (prev_prefix, prev_type) in enumerate(parsed):
            if prev_prefix == "O" or prev_type != etype:  # I-X only after B-X or I-X
                moves[i, j] = IMPOSSIBLE
    return start, moves


class ConstrainedCRF(CRF):
    """pytorch-crf's CRF whose start and transition scores carry fixed IOB2 penalties.

    The learned parameters live under ``free_*``; pytorch-crf's code reads
    ``start_transitions`` and ``transitions``, which add the penalties.
    """

    def __init__(self, labels: list[str]):
        super().__init__(len(labels), batch_first=True)
        start, moves = iob2_constraints(labels)
        self.free_start = self._parameters.pop("start_transitions")
        self.free_transitions = self._parameters.pop("transitions")
        self.register_buffer("start_penalty", start)
        self.register_buffer("move_penalty", moves)

    @property
    def start_transitions(self) -> torch.Tensor:
        return self.free_start + self.start_penalty

    @property
    def transitions(self) -> torch.Tensor:
        return self.free_transitions + self.move_penalty


@HEADS.register("linear")
class LinearHead(nn.Module):
    """Emissions = a linear layer over the unit vectors (already dropped out by the tagger), initialised as
    transformers initialises its token-classification layer (normal, std 0.02; zero bias)."""

    def __init__(self, in_dim: int, labels: list[str], dropout: float = 0.1, lstm_hidden: int = 256):
        super().__init__()
        self.labels = labels
        self.dropout = nn.Dropout(dropout)  # used on features a head computes itself (the BiLSTM's output)
        self.proj = nn.Linear(self.features_dim(in_dim, lstm_hidden), len(labels))
        nn.init.normal_(self.proj.weight, std=0.02)
        nn.init.zeros_(self.proj.bias)

    def features_dim(self, in_dim: int, lstm_hidden: int) -> int:
        return in_dim

    def features(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return x

    def emissions(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.proj(self.features(x, mask))

    def loss(self, x: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        scores = self.emissions(x, mask)
        return nn.functional.cross_entropy(scores[mask].float(), labels[mask])

    def _decoder(self, device) -> CRF:
        """A CRF whose only transition scores are the IOB2 constraints (not a submodule: nothing saved)."""
        decoder = self.__dict__.get("_iob2_decoder")
        if decoder is None:
            decoder = CRF(len(self.labels), batch_first=True).requires_grad_(False)
            start, moves = iob2_constraints(self.labels)
            with torch.no_grad():
                decoder.start_transitions.copy_(start)
                decoder.transitions.copy_(moves)
                decoder.end_transitions.zero_()
            object.__setattr__(self, "_iob2_decoder", decoder)
        return decoder.to(device)

    def decode(self, x: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """The most probable *valid* IOB2 sequence: Viterbi over the log-probabilities with invalid moves
        forbidden (the argmax wherever the argmax is valid)."""
        log_probs = self.emissions(x, mask).float().log_softmax(-1)
        return self._decoder(log_probs.device).decode(log_probs, mask=mask)


@HEADS.register("crf")
class CRFHead(LinearHead):
    def __init__(self, in_dim: int, labels: list[str], dropout: float = 0.1, lstm_hidden: int = 256):
        super().__init__(in_dim, labels, dropout, lstm_hidden)
        self.crf = ConstrainedCRF(labels)

    def loss(self, x: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        scores = self.emissions(x, mask).float()
        return -self.crf(scores, labels.clamp(min=0), mask=mask, reduction="token_mean")

    def decode(self, x: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        return self.crf.decode(self.emissions(x, mask).float(), mask=mask)


@HEADS.register("bilstm_crf")
class BiLSTMCRFHead(CRFHead):
    def features_dim(self, in_dim: int, lstm_hidden: int) -> int:
        self.lstm = nn.LSTM(in_dim, lstm_hidden, batch_first=True, bidirectional=True)
        return 2 * lstm_hidden

    def features(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        lengths = mask.sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(x.float(), lengths, batch_first=True, enforce_sorted=False)
        with fp32(x.device):  # the recurrence accumulates over the sentence: fp32 under any autocast
            out, _ = self.lstm(packed)
        return self.dropout(nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0])


class SequenceHead(nn.Module):
    """Sentence classification from the first token's hidden state (BERT's [CLS]): linear, tanh, dropout,
    linear to the classes -- BertForSequenceClassification's pooler + classifier. The first linear layer
    starts from the encoder's pretrained pooler when it has one (as that class does)."""

    def __init__(self, hidden: int, classes: list[str], dropout: float = 0.1, pooler: nn.Module | None = None):
        super().__init__()
        self.classes = classes
        self.dense = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(dropout)
        self.proj = nn.Linear(hidden, len(classes))
        nn.init.normal_(self.proj.weight, std=0.02)
        nn.init.zeros_(self.proj.bias)
        dense = getattr(pooler, "dense", None)
        if isinstance(dense, nn.Linear) and dense.weight.shape == self.dense.weight.shape:
            with torch.no_grad():
                self.dense.weight.copy_(dense.weight)
                self.dense.bias.copy_(dense.bias)
        else:
            nn.init.normal_(self.dense.weight, std=0.02)
            nn.init.zeros_(self.dense.bias)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """``hidden``: (batch, positions, dim) encoder output; only position 0 is read."""
        return self.proj(self.dropout(torch.tanh(self.dense(hidden[:, 0]))))

    def loss(self, hidden: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cross-entropy over the sentences that carry a label (-100: none); 0 (with a gradient path) when
        none does."""
        logits = self.logits(hidden).float()
        if not bool((labels != -100).any()):
            return logits.sum() * 0.0
        return nn.functional.cross_entropy(logits, labels, ignore_index=-100)
