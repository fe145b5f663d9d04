"""eda stage: statistics (metrics/eda.json) and figures (metrics/plots/eda/) of the prepared dataset."""

from __future__ import annotations

from nerlab.config import paths
from nerlab.config.schema import Params
from nerlab.data import statistics
from nerlab.data.jsonl import SPLITS, read_split, write_json


def run(params: Params) -> dict:
    prepared = paths.prepared(params.dataset)
    splits = {split: read_split(prepared, split) for split in SPLITS}
    stats = statistics.run(splits, paths.PLOTS / "eda", top_tags=params.eda.top_tags)
    stats = {"dataset": params.dataset, **stats}
    write_json(paths.METRICS / "eda.json", stats)
    return stats


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__)
