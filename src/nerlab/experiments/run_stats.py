"""The per-sentence statistics of a findings run, committed so that the findings rebuild from git alone.

For each experiment a claim's side uses, ``nerlab findings collect`` writes
``metrics/findings/runs/<experiment>.json.gz`` (``<side's experiment name>`` when sides share one run) (gzip of compact JSON, about 26 KB per
CoNLL run): the test sentence ids, their resampling
units (documents, where the corpus has them), the entity types, and for every seed the
true positives, false positives and false negatives per type per sentence (non-zero
entries only, ``[sentence, type, tp, fp, fn]``), with the experiment's params.yaml (its sha256 and its values as dotted keys, for the
verdict's context). Not the predictions: the bootstrap needs only these counts. On a fresh clone,
with no experiment refs, ``collect`` reads these files and writes the same
``metrics/findings.json``, byte for byte.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

from nerlab.config import paths
from nerlab.config.errors import NerlabError
from nerlab.config.params import flatten
from nerlab.config.schema import repeat_seed
from nerlab.evaluation.significance import class_counts, entity_types, type_counts

RUNS = paths.METRICS / "findings" / "runs"


def path_of(experiment: str, root: Path = RUNS) -> Path:
    return root / f"{experiment}.json.gz"


def build(experiment: str, ids: list[str], gold: list, runs: list[list], groups: list | None,
          params: bytes) -> dict:
    """The record of one experiment's seeds (``runs``: one prediction set each) on the test sentences: entity
    tags per token (``gold`` holds tag lists), or one label per sentence (``gold`` holds strings: sentence
    classification, whose "types" are the classes; :func:`nerlab.evaluation.significance.class_counts`)."""
    import numpy as np

    labels = bool(gold) and isinstance(gold[0], str)
    types = sorted(set(gold) | {p for pred in runs for p in pred}) if labels else entity_types(gold, *runs)
    entries = []
    for pred in runs:
        counts = (class_counts if labels else type_counts)(gold, pred, types)  # correct, predicted, gold
        tp, fp, fn = counts[..., 0], counts[..., 1] - counts[..., 0], counts[..., 2] - counts[..., 0]
        rows, cols = np.nonzero(counts.sum(axis=-1))
        entries.append([[int(r), int(c), int(tp[r, c]), int(fp[r, c]), int(fn[r, c])] for r, c in zip(rows, cols)])
    return {"experiment": experiment, "params_sha256": hashlib.sha256(params).hexdigest(),
            "params": flat_params(params), "sentences": len(ids), "ids": list(ids), "groups": groups,
            "types": types, "runs": entries}


def flat_params(params: bytes) -> dict:
    """params.yaml as dotted keys (``finetune.epochs``): what the findings' context compares between sides."""
    import yaml

    return flatten(yaml.safe_load(params) or {})


def write(record: dict, root: Path = RUNS) -> Path:
    path = path_of(record["experiment"], root)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, separators=(",", ":")) + "\n"
    data = gzip.compress(text.encode("utf-8"), mtime=0)  # mtime 0: the same record, the same bytes
    if not path.is_file() or path.read_bytes() != data:  # an unchanged record is not rewritten
        path.write_bytes(data)
    return path


def read(experiment: str, root: Path = RUNS) -> dict | None:
    path = path_of(experiment, root)
    if not path.is_file():
        return None
    try:
        record = json.loads(gzip.decompress(path.read_bytes()))
        assert {"ids", "types", "runs"} <= set(record)
    except (ValueError, AssertionError, OSError, EOFError):
        raise NerlabError(f"{path}: not a findings run record; delete it and collect from the experiment") from None
    return record


def run_seeds(record: dict, seed: int | None) -> list[int | None]:
    """The training seed of each run of a record: the experiment's own (``-S train_seed=<seed>``, one run), or
    for an experiment that runs its repeats itself (``distill.repeats``) the stage's rule, params ``seed`` + the
    repeat's index (:func:`~nerlab.config.schema.repeat_seed`); None where neither says."""
    if seed is not None:
        return [seed] * len(record["runs"])
    base = record.get("params", {}).get("seed")
    return [repeat_seed(base, i) if isinstance(base, int) else None for i in range(len(record["runs"]))]


def merge(records: list[dict], where: str, seeds: list[int | None] | None = None) -> dict:
    """One side from several experiments (one per seed): the same sentences, the runs appended, with each run's
    training seed (:func:`run_seeds`; ``seeds`` gives each record's experiment seed) for seed-paired
    resampling."""
    first = records[0]
    runs, types = [], sorted({t for r in records for t in r["types"]})
    run_seed = [s for record, seed in zip(records, seeds or [None] * len(records)) for s in run_seeds(record, seed)]
    for record in records:
        if record["ids"] != first["ids"]:
            raise NerlabError(f"{where}: the seeds were scored on different test sentences")
        column = [types.index(t) for t in record["types"]]
        runs.extend([[i, column[t], tp, fp, fn] for i, t, tp, fp, fn in run] for run in record["runs"])
    seconds = [x for r in records for x in r.get("seconds", [])]
    return {"ids": first["ids"], "groups": first.get("groups"), "types": types, "runs": runs, "seeds": run_seed,
            "params": first.get("params", {}), **({"seconds": seconds} if seconds else {})}


def counts(side: dict, types: list[str]):
    """(runs, sentences, types, 3) counts of correct, predicted and gold entities, columns in ``types``' order."""
    import numpy as np

    column = [types.index(t) for t in side["types"]]
    out = np.zeros((len(side["runs"]), len(side["ids"]), len(types), 3), dtype=np.int64)
    for k, run in enumerate(side["runs"]):
        for i, t, tp, fp, fn in run:
            out[k, i, column[t]] = (tp, tp + fp, tp + fn)
    return out
