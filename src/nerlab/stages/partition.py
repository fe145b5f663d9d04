"""partition stage: the seeded sample / teacher / original split of train (see :mod:`nerlab.data.pools`)."""

from __future__ import annotations

import logging

from nerlab.config import paths
from nerlab.config.schema import Params
from nerlab.data import pools
from nerlab.data.jsonl import read_split

log = logging.getLogger(__name__)


def run(params: Params) -> dict:
    dataset, seed = params.dataset, params.seed
    sample_size = params.annotate.sample_size.of(params.annotator)
    parts = pools.partition(read_split(paths.prepared(dataset), "train"), sample_size, params.teacher.size, seed)
    summary = pools.write(dataset, parts, seed)
    log.info("partition of %s train (seed %d): %s", dataset, seed, summary["sizes"])
    return summary


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__)
