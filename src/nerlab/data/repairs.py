"""A counted, located log of the repairs a reader made, written to the stage report."""

from __future__ import annotations

import logging
from collections import Counter

log = logging.getLogger(__name__)

MAX_EXAMPLES = 5


class RepairLog:
    """Counts repairs by kind and keeps the first few locations of each kind."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}

    def add(self, kind: str, where: str, detail: str = "", n: int = 1) -> None:
        self.counts[kind] += n
        shown = self.examples.setdefault(kind, [])
        if len(shown) < MAX_EXAMPLES:
            shown.append(f"{where}: {detail}" if detail else where)

    def merge(self, other: "RepairLog") -> None:
        for kind, n in other.counts.items():
            self.counts[kind] += n
            room = MAX_EXAMPLES - len(self.examples.setdefault(kind, []))
            self.examples[kind].extend(other.examples.get(kind, [])[:room])

    def log_summary(self, name: str) -> None:
        if not self.counts:
            log.info("%s: no repairs needed", name)
        for kind, n in sorted(self.counts.items()):
            log.warning("%s: %d x %s (first: %s)", name, n, kind, self.examples[kind][0])

    def to_dict(self) -> dict:
        return {kind: {"count": n, "examples": self.examples[kind]} for kind, n in sorted(self.counts.items())}
