"""Dynamic padding and length-bucketed batches.

Training batches come from pools of ``pool`` x batch-size examples, shuffled
with the epoch's seed and sorted by length inside each pool, so a batch holds
examples of similar length (little padding) while the order stays random.
Inference batches are simply sorted by length.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import torch

from nerlab.models.transformer.alignment import Example
from nerlab.models.transformer.word_features import MAX_CHARS


def continuation_map(labels: list[str]) -> list[int]:
    """For each label id, the id a non-first subword of the same word gets (B-X -> I-X)."""
    index = {label: i for i, label in enumerate(labels)}
    return [index.get("I-" + label[2:], i) if label.startswith("B-") else i for i, label in enumerate(labels)]


def collate(examples: list[Example], pad_id: int, all_subwords: bool = False,
            continuation: list[int] | None = None, coarse_continuation: list[int] | None = None) -> dict:
    """Pad a batch to its own longest input and longest unit sequence; one sentence class (topic) each."""
    batch_len = max(len(e.input_ids) for e in examples)
    units, labels, coarse, cases, chars = [], [], [], [], []
    for e in examples:
        n_pieces = [len(piece) for piece in e.pieces] if all_subwords else [1] * len(e.starts)
        cases.append([c for c, n in zip(e.case or [0] * len(n_pieces), n_pieces) for _ in range(n)])
        chars.append([w for w, n in zip(e.chars or [[]] * len(n_pieces), n_pieces) for _ in range(n)])
        if all_subwords:
            u = [pos for piece in e.pieces for pos in piece]
            lab = [lab if k == 0 else continuation[lab] for piece, lab in zip(e.pieces, e.labels or [0] * len(e.pieces))
                   for k in range(len(piece))]
            crs = [c if k == 0 else coarse_continuation[c]
                   for piece, c in zip(e.pieces, e.coarse or [0] * len(e.pieces)) for k in range(len(piece))]
        else:
            u, lab, crs = e.starts, e.labels or [0] * len(e.starts), e.coarse or [0] * len(e.starts)
        units.append(u)
        labels.append(lab)
        coarse.append(crs)
    n_units = max(len(u) for u in units)
    input_ids = torch.full((len(examples), batch_len), pad_id, dtype=torch.long)
    attention = torch.zeros((len(examples), batch_len), dtype=torch.long)
    unit_index = torch.zeros((len(examples), n_units), dtype=torch.long)
    unit_mask = torch.zeros((len(examples), n_units), dtype=torch.bool)
    label_t = torch.full((len(examples), n_units), -100, dtype=torch.long)
    coarse_t = torch.full((len(examples), n_units), -100, dtype=torch.long)
    case_t = torch.zeros((len(examples), n_units), dtype=torch.long)
    char_t = torch.zeros((len(examples), n_units, MAX_CHARS), dtype=torch.long)
    for i, e in enumerate(examples):
        input_ids[i, : len(e.input_ids)] = torch.tensor(e.input_ids)
        attention[i, : len(e.input_ids)] = 1
        unit_index[i, : len(units[i])] = torch.tensor(units[i])
        unit_mask[i, : len(units[i])] = True
        label_t[i, : len(labels[i])] = torch.tensor(labels[i])
        coarse_t[i, : len(coarse[i])] = torch.tensor(coarse[i])
        case_t[i, : len(cases[i])] = torch.tensor(cases[i], dtype=torch.long)
        for j, word in enumerate(chars[i]):
            char_t[i, j, : len(word)] = torch.tensor(word, dtype=torch.long)
    return {"input_ids": input_ids, "attention_mask": attention, "unit_index": unit_index,
            "unit_mask": unit_mask, "labels": label_t, "coarse": coarse_t, "case_ids": case_t, "char_ids": char_t,
            "topic": torch.tensor([e.topic for e in examples], dtype=torch.long)}


class LengthBucketBatches(torch.utils.data.Sampler):
    """Batches of similar-length examples in random order; a new order every epoch (``set_epoch``)."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int, pool: int = 50):
        self.lengths = lengths
        self.batch_size = batch_size
        self.seed = seed
        self.pool = pool
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def epoch_indices(self, epoch: int) -> list[int]:
        """The examples epoch ``epoch`` trains on: all of them (subclasses choose, see blending)."""
        return list(range(len(self.lengths)))

    def epoch_sizes(self, epochs: int) -> list[int]:
        """Batches in each of ``epochs`` epochs (the LR schedule needs them up front)."""
        return [-(-len(self.epoch_indices(e)) // self.batch_size) for e in range(epochs)]

    def __iter__(self) -> Iterator[list[int]]:
        rng = random.Random(self.seed * 1000 + self.epoch)
        order = self.epoch_indices(self.epoch)
        rng.shuffle(order)
        size = self.batch_size * self.pool
        batches = []
        for start in range(0, len(order), size):
            chunk = sorted(order[start:start + size], key=self.lengths.__getitem__)
            batches += [chunk[i:i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        rng.shuffle(batches)
        return iter(batches)

    def __len__(self) -> int:
        return -(-len(self.epoch_indices(self.epoch)) // self.batch_size)


def sorted_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Inference: indices grouped by length, longest first (peak memory shows up at once)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
