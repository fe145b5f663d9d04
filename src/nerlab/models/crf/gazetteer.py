"""A gazetteer of the entity strings seen in training, matched longest-first as CRF features.

Training sentences must not see a gazetteer built from their own labels (the CRF
would learn to trust it blindly), so :func:`jackknife_tags` gives each fold the
matches of a gazetteer built from the other folds; at prediction time the
gazetteer holds every training entity.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from nerlab.data.tags import OUTSIDE, spans


class Gazetteer:
    def __init__(self, entries: dict[tuple[str, ...], str], max_len: int):
        self.entries = entries
        self.max_len = max_len

    @classmethod
    def build(cls, sentences: list[dict], max_len: int = 6) -> "Gazetteer":
        counts: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        for s in sentences:
            for span in spans(s["tags"]):
                if span.end - span.start <= max_len:
                    counts[tuple(s["tokens"][span.start:span.end])][span.type] += 1
        return cls({k: c.most_common(1)[0][0] for k, c in counts.items()}, max_len)

    def tags(self, tokens: list[str]) -> list[str]:
        """IOB2 tags of the leftmost-longest gazetteer matches in ``tokens``."""
        out = [OUTSIDE] * len(tokens)
        i = 0
        while i < len(tokens):
            for n in range(min(self.max_len, len(tokens) - i), 0, -1):
                etype = self.entries.get(tuple(tokens[i:i + n]))
                if etype:
                    out[i:i + n] = [f"B-{etype}"] + [f"I-{etype}"] * (n - 1)
                    i += n
                    break
            else:
                i += 1
        return out

    def save(self, path: str | Path) -> None:
        rows = [[list(k), v] for k, v in sorted(self.entries.items())]
        Path(path).write_text(json.dumps({"max_len": self.max_len, "entries": rows}, ensure_ascii=False))

    @classmethod
    def load(cls, path: str | Path) -> "Gazetteer":
        data = json.loads(Path(path).read_text())
        return cls({tuple(k): v for k, v in data["entries"]}, data["max_len"])


def jackknife_tags(sentences: list[dict], folds: int = 2, max_len: int = 6) -> list[list[str]]:
    """Gazetteer tags for each training sentence from a gazetteer of the other folds (folds by document)."""
    keys = [s.get("doc_id") or s["id"] for s in sentences]
    order = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    fold_of = [order[k] % folds for k in keys]
    out: list[list[str]] = [[] for _ in sentences]
    for fold in range(folds):
        gaz = Gazetteer.build([s for s, f in zip(sentences, fold_of) if f != fold], max_len)
        for i, s in enumerate(sentences):
            if fold_of[i] == fold:
                out[i] = gaz.tags(s["tokens"])
    return out
