"""partition stage: the seeded sample / teacher / original split of train (see :mod:`nerlab.partition`)."""

from __future__ import annotations

import logging

from nerlab import partition, paths
from nerlab.data.jsonl import read_split

log = logging.getLogger(__name__)


def run(params: dict) -> dict:
    dataset, seed = params["dataset"], int(params["seed"])
    sample_size, teacher_size = partition.sizes(params)
    parts = partition.partition(read_split(paths.prepared(dataset), "train"), sample_size, teacher_size, seed)
    summary = partition.write(dataset, parts, seed)
    log.info("partition of %s train (seed %d): %s", dataset, seed, summary["sizes"])
    return summary
