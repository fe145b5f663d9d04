"""eda stage: statistics (metrics/eda.json) and figures (metrics/plots/eda/) of the prepared dataset."""

from __future__ import annotations

from nerlab import eda, paths
from nerlab.data.jsonl import SPLITS, read_split, write_json


def run(params: dict) -> dict:
    prepared = paths.prepared(params["dataset"])
    splits = {split: read_split(prepared, split) for split in SPLITS}
    stats = eda.run(splits, paths.PLOTS / "eda", top_tags=int(params["eda"]["top_tags"]))
    stats = {"dataset": params["dataset"], **stats}
    write_json(paths.METRICS / "eda.json", stats)
    return stats
