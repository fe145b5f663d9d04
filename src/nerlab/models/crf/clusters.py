"""Word clusters from a pretrained encoder's input embeddings, as CRF features.

A word's vector is the mean of its subword input embeddings (no context, no
forward pass). k-means (one model per size in ``sizes``) is fitted on the
training vocabulary; any word, seen or not, gets the cluster of its nearest
centroid. Clusters generalise word identity: an unseen surname falls into the
cluster of the surnames seen in training (the distributional-similarity
features of classic CRF taggers, built here from an encoder that ships offline).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from nerlab.models.transformer import encoders

log = logging.getLogger(__name__)


class WordClusters:
    def __init__(self, encoder: str, centroids: dict[int, np.ndarray]):
        self.encoder = encoder
        self.centroids = centroids
        self._embed = None
        self._cache: dict[str, tuple[int, ...]] = {}

    def _vectors(self, words: list[str]) -> np.ndarray:
        if self._embed is None:
            from transformers import AutoModel, AutoTokenizer

            path = encoders.resolve(self.encoder)
            try:
                tokenizer = AutoTokenizer.from_pretrained(path)
                weights = AutoModel.from_pretrained(path).get_input_embeddings().weight.detach().float().numpy()
            except OSError as err:
                raise encoders.load_error(self.encoder, err) from None
            self._embed = (tokenizer, weights)
        tokenizer, weights = self._embed
        ids = tokenizer(words, add_special_tokens=False)["input_ids"]
        vecs = np.stack([weights[i].mean(0) if i else np.zeros(weights.shape[1], dtype=np.float32) for i in ids])
        return vecs / (np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-9)

    @classmethod
    def fit(cls, words: list[str], encoder: str, sizes: list[int], seed: int) -> "WordClusters":
        from sklearn.cluster import MiniBatchKMeans

        model = cls(encoder, {})
        vocab = sorted({w.lower() for w in words})
        vecs = model._vectors(vocab)
        for k in sizes:
            log.info("k-means with %d clusters over %d word types", k, len(vocab))
            km = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=1, batch_size=4096).fit(vecs)
            model.centroids[k] = km.cluster_centers_.astype(np.float32)
        return model

    def lookup(self, words: list[str]) -> dict[str, tuple[int, ...]]:
        """Cluster ids (one per size) for each lower-cased word."""
        todo = sorted({w.lower() for w in words} - self._cache.keys())
        if todo:
            vecs = self._vectors(todo)
            # nearest centroid: argmin |v - c|^2 = argmax (v.c - |c|^2 / 2)
            ids = [np.argmax(vecs @ c.T - 0.5 * (c * c).sum(1), axis=1) for c in self.centroids.values()]
            for row, word in enumerate(todo):
                self._cache[word] = tuple(int(i[row]) for i in ids)
        return {w.lower(): self._cache[w.lower()] for w in words}

    @property
    def sizes(self) -> list[int]:
        return list(self.centroids)

    def save(self, path: str | Path) -> None:
        np.savez_compressed(path, encoder=np.array(self.encoder), **{f"k{k}": c for k, c in self.centroids.items()})

    @classmethod
    def load(cls, path: str | Path) -> "WordClusters":
        data = np.load(path)
        return cls(str(data["encoder"]), {int(k[1:]): data[k] for k in data.files if k.startswith("k")})
