"""Paper 003's data blending: how much distilled and how much original data each epoch trains on.

A schedule gives, for epoch t of T (t counted from 0), the weight w0 of the
distilled set; the original set gets w1 = 1 - w0 (ALL: w0 = w1 = 1). With
x = t / (T - 1):

- ``distilled``  w0 = 1                        (group B, C; "pure distilled")
- ``original``   w0 = 0                        (group A; "pure original")
- ``simple_mix`` w0 = 1 if t < T/2 else 0      (groups D, E: distilled first, then original)
- ``all``        w0 = w1 = 1                   (both sets in full every epoch)
- ``sigmoid``    w0 = 1 - 1 / (1 + e^(-k (x - 0.5)))
- ``cosine``     w0 = 0.5 (1 + cos(pi x))
- ``power``      w0 = 1 - x^n

How a weight becomes training data (the paper does not say; this is nerlab's
reading, one mechanism for every schedule): epoch t trains on
``round(w0 * |distilled|)`` distilled sentences and ``round(w1 * |original|)``
original ones, each drawn without replacement with the epoch's seed, so a
sentence's chance to be seen in an epoch is its set's weight, the epoch's
size follows the weights, and w = 1 is the whole set. The drawn sentences are
then batched like every other training run (length-bucketed pools, dynamic
padding).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from nerlab.config.registry import Registry
from nerlab.models.transformer.batching import LengthBucketBatches

DISTILLED, ORIGINAL = 0, 1
SOURCES = ("distilled", "original")
PAPER_K = (2, 4, 8, 16, 32)  # the sigmoid steepness values of paper 003
PAPER_N = (0.1, 0.2, 0.5, 1, 2, 5, 10)  # the power exponents of paper 003

# name -> w0(x, epoch, epochs, k, n): the distilled set's weight (param ``distill.schedule``)
SCHEDULES = Registry("blend schedule")
SCHEDULES.register("distilled")(lambda x, t, T, k, n: 1.0)
SCHEDULES.register("original")(lambda x, t, T, k, n: 0.0)
SCHEDULES.register("simple_mix")(lambda x, t, T, k, n: 1.0 if t < T / 2 else 0.0)
SCHEDULES.register("all")(lambda x, t, T, k, n: 1.0)  # and w1 = 1 too (Blend.weights)
SCHEDULES.register("sigmoid")(lambda x, t, T, k, n: 1.0 - 1.0 / (1.0 + math.exp(-k * (x - 0.5))))
SCHEDULES.register("cosine")(lambda x, t, T, k, n: 0.5 * (1.0 + math.cos(math.pi * x)))
SCHEDULES.register("power")(lambda x, t, T, k, n: 1.0 - x ** n)


@dataclass(frozen=True)
class Blend:
    """A schedule with its shape parameters (checked by the params schema: a known name, k > 0, n > 0)."""

    schedule: str = "all"
    k: float = 8.0  # sigmoid steepness
    n: float = 1.0  # power exponent

    def weights(self, epoch: int, epochs: int) -> tuple[float, float]:
        """(w0, w1): the weights of the distilled and the original set at ``epoch`` (0-based) of ``epochs``."""
        if self.schedule == "all":
            return 1.0, 1.0
        w0 = self.distilled_weight(epoch, epochs)
        return w0, 1.0 - w0

    def distilled_weight(self, epoch: int, epochs: int) -> float:
        x = epoch / (epochs - 1) if epochs > 1 else 0.0
        return SCHEDULES[self.schedule](x, epoch, epochs, self.k, self.n)

    def label(self) -> str:
        return {"sigmoid": f"sigmoid(k={self.k:g})", "power": f"power(n={self.n:g})"}.get(self.schedule,
                                                                                           self.schedule)

    def counts(self, sizes: tuple[int, int], epoch: int, epochs: int) -> tuple[int, int]:
        """How many distilled and original sentences epoch ``epoch`` draws."""
        return tuple(min(size, round(w * size)) for w, size in zip(self.weights(epoch, epochs), sizes))


def draw(sources: list[int], blend: Blend, epoch: int, epochs: int, seed: int) -> list[int]:
    """The sentence indices epoch ``epoch`` trains on (``sources[i]``: 0 distilled, 1 original), sorted."""
    by_source = [[i for i, s in enumerate(sources) if s == src] for src in (DISTILLED, ORIGINAL)]
    counts = blend.counts((len(by_source[0]), len(by_source[1])), epoch, epochs)
    rng = random.Random(f"{seed}/blend/{epoch}")
    chosen = []
    for members, count in zip(by_source, counts):
        chosen += members if count == len(members) else rng.sample(members, count)
    return sorted(chosen)


class BlendedBatches(LengthBucketBatches):
    """Length-bucketed batches over the sentences a blend schedule draws for the current epoch.

    ``sentence_of[i]`` is the sentence of example ``i`` (a long sentence has several
    windows, all trained together); ``sources[s]`` is sentence ``s``'s source. ``drawn``
    counts, per source, the sentences whose batches were actually handed out this epoch.
    """

    def __init__(self, lengths: list[int], sentence_of: list[int], sources: list[int], blend: Blend, epochs: int,
                 batch_size: int, seed: int, pool: int = 50):
        super().__init__(lengths, batch_size, seed, pool)
        self.sentence_of, self.sources, self.blend, self.epochs = sentence_of, sources, blend, epochs
        self.drawn = [0, 0]
        self._first = {}  # sentence -> its first example
        for i, s in enumerate(sentence_of):
            self._first.setdefault(s, i)

    def epoch_indices(self, epoch: int) -> list[int]:
        chosen = set(draw(self.sources, self.blend, epoch, self.epochs, self.seed))
        return [i for i, s in enumerate(self.sentence_of) if s in chosen]

    def __iter__(self) -> Iterator[list[int]]:
        self.drawn = [0, 0]
        for batch in super().__iter__():
            for i in batch:
                if self._first[self.sentence_of[i]] == i:
                    self.drawn[self.sources[self.sentence_of[i]]] += 1
            yield batch
