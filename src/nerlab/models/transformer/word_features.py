"""Case- and character-aware word inputs, concatenated to the encoder's word units before any head.

An uncased encoder (all-MiniLM-L6-v2, all-mpnet-base-v2) cannot see casing, the
strongest NER cue in newswire. ``word_features`` adds, per word:

- ``case``: a learned embedding of the word's casing class (:data:`CASES`:
  lower, UPPER, Title, mIxed, digits, has a digit, punctuation, other);
- ``chars``: a small character CNN (Chiu & Nichols 2016; Lample et al. 2016 use
  a BiLSTM): byte embeddings, one convolution of width 3, max over the word;
- ``case+chars``: both.

The features are computed from the words themselves (the model's input never
depends on labels), so they work with every head, blend, aux and task, and are
saved and reloaded with the model (the dimensions are part of the architecture).
"""

from __future__ import annotations

import torch
from torch import nn

CASES = ("pad", "lower", "upper", "title", "mixed", "digits", "has_digit", "punct", "other")
CHOICES = ("none", "case", "chars", "case+chars")
CASE_DIM = 16
CHAR_EMBED, CHAR_DIM, MAX_CHARS = 25, 50, 20  # bytes 1..256 (0: padding), filters, bytes kept per word


def dims(choice: str) -> tuple[int, int]:
    """(case embedding size, char CNN size) of a ``word_features`` choice."""
    if choice not in CHOICES:
        raise ValueError(f"word_features must be one of {', '.join(CHOICES)}, got {choice!r}")
    return (CASE_DIM if "case" in choice else 0), (CHAR_DIM if "chars" in choice else 0)


def case_id(word: str) -> int:
    if word.isdigit():
        kind = "digits"
    elif any(c.isdigit() for c in word):
        kind = "has_digit"
    elif not any(c.isalnum() for c in word):
        kind = "punct"
    elif word.islower():
        kind = "lower"
    elif word.isupper():
        kind = "upper"
    elif word[:1].isupper() and (word[1:].islower() or not any(c.isalpha() for c in word[1:])):
        kind = "title"
    elif any(c.isupper() for c in word):
        kind = "mixed"
    else:
        kind = "other"
    return CASES.index(kind)


def char_ids(word: str) -> list[int]:
    """The word's first :data:`MAX_CHARS` UTF-8 bytes, shifted by one (0 is padding)."""
    return [b + 1 for b in word.encode("utf-8")[:MAX_CHARS]] or [1]


class WordFeatures(nn.Module):
    def __init__(self, case_dim: int, char_dim: int):
        super().__init__()
        self.case = nn.Embedding(len(CASES), case_dim, padding_idx=0) if case_dim else None
        if char_dim:
            self.char_embed = nn.Embedding(257, CHAR_EMBED, padding_idx=0)
            self.conv = nn.Conv1d(CHAR_EMBED, char_dim, kernel_size=3, padding=1)
        else:
            self.char_embed = self.conv = None
        self.dim = case_dim + char_dim

    def forward(self, case_ids: torch.Tensor, chars: torch.Tensor) -> torch.Tensor:
        """``case_ids`` (batch, units), ``chars`` (batch, units, MAX_CHARS) -> (batch, units, dim)."""
        out = []
        if self.case is not None:
            out.append(self.case(case_ids))
        if self.conv is not None:
            b, u, c = chars.shape
            x = self.char_embed(chars.view(b * u, c)).transpose(1, 2)  # (b*u, embed, chars)
            h = self.conv(x).masked_fill((chars.view(b * u, 1, c) == 0), float("-inf")).amax(-1)
            out.append(torch.nan_to_num(h, neginf=0.0).view(b, u, -1))  # an all-padding unit gives zeros
        return torch.cat(out, -1)
