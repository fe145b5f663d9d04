"""fetch stage: raw dataset files -> data/prepared/<dataset>/ and metrics/fetch.json."""

from __future__ import annotations

import logging
import time

from nerlab.config import paths
from nerlab.config.schema import Params
from nerlab.data.jsonl import write_json
from nerlab.data.prepare import prepare

log = logging.getLogger(__name__)


def run(params: Params, dataset: str | None = None) -> dict:
    name = dataset or params.dataset
    start = time.perf_counter()
    report = prepare(name, params.data, params.seed, paths.prepared(name))
    report["seconds"] = round(time.perf_counter() - start, 2)
    write_json(paths.METRICS / ("fetch.json" if dataset is None else f"fetch_{name}.json"), report)
    log.info("prepared %s in %s (%.1f s)", name, paths.prepared(name), report["seconds"])
    return report


if __name__ == "__main__":
    from nerlab.runtime import main

    main(run, __doc__, {"--dataset": "prepare this dataset instead of params `dataset` (e.g. bbc_news)"})
