"""fetch stage: raw dataset files -> data/prepared/<dataset>/ and metrics/fetch.json."""

from __future__ import annotations

import logging
import time

from nerlab import paths
from nerlab.data.jsonl import write_json
from nerlab.data.prepare import FetchConfig, prepare

log = logging.getLogger(__name__)


def run(params: dict, dataset: str | None = None) -> dict:
    name = dataset or params["dataset"]
    start = time.perf_counter()
    cfg = FetchConfig.from_params({**params["data"], "seed": params["seed"]})
    report = prepare(name, cfg, paths.prepared(name))
    report["seconds"] = round(time.perf_counter() - start, 2)
    write_json(paths.METRICS / ("fetch.json" if dataset is None else f"fetch_{name}.json"), report)
    log.info("prepared %s in %s (%.1f s)", name, paths.prepared(name), report["seconds"])
    return report
