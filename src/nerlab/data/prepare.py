"""The fetch stage's work: raw files -> ``data/prepared/<dataset>/{train,dev,test}.jsonl``.

Each prepared sentence is ``{"id", "doc_id", "tokens", "tags"}`` plus, where the
dataset has them, ``"pos"``, ``"chunk"`` and ``"coarse_tags"``. ``labels.json``
lists the tag inventory. The returned report records the sha256 of every raw
input, where it came from, the counts per split and every repair.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from nerlab.config.errors import NerlabError
from nerlab.config.schema import Data
from nerlab.data import catalog, hf, sources
from nerlab.data.bbc import read_bbc_zip
from nerlab.data.columns import Sentence
from nerlab.data.jsonl import SPLITS, write_json, write_jsonl
from nerlab.data.repairs import RepairLog
from nerlab.data.sampling import split_off, subset
from nerlab.data.tags import label_list, map_types, spans

log = logging.getLogger(__name__)


def _row(sentence: Sentence, coarse_map: dict[str, str] | None) -> dict:
    row = {"id": sentence.id, "doc_id": sentence.doc_id, "tokens": sentence.tokens, "tags": sentence.tags}
    if coarse_map:
        row["coarse_tags"] = map_types(sentence.tags, coarse_map)
    row.update(sentence.features)
    return row


def _split_stats(rows: list[dict]) -> dict:
    return {"sentences": len(rows), "tokens": sum(len(r["tokens"]) for r in rows),
            "entities": sum(len(spans(r["tags"])) for r in rows),
            "documents": len({r["doc_id"] for r in rows if r["doc_id"] is not None})}


def type_checks(splits: dict[str, list[dict]], declared) -> dict:
    """With no declared entity types (``data.conll.types`` unset) the types are whatever the files hold, so a
    damaged tag invents one (a truncated ``B-PE``, ``B-PER `` with a trailing space in a tab-separated file).
    Counted and logged, not fatal (declare ``types`` to make them errors): types in dev or test that train never
    has, types with a space in them (``B-PER X`` read from a tab-separated file), and rare types (at most 2
    mentions) that look like another type (a prefix of it, or equal to it up to case and spaces)."""
    if declared:
        return {}
    counts = {split: Counter(s.type for r in rows for s in spans(r["tags"])) for split, rows in splits.items()}
    total = sum(counts.values(), Counter())
    found: dict = {}
    for split in ("dev", "test"):
        for etype, n in sorted(counts.get(split, Counter()).items()):
            if etype not in counts["train"]:
                found.setdefault("not_in_train", {})[f"{split}: {etype!r}"] = n
    for etype, n in sorted(total.items()):
        if etype != etype.strip() or any(c.isspace() for c in etype):  # 'B-PER X' in a tab-separated file
            found.setdefault("whitespace_in_type", {})[repr(etype)] = n
        like = sorted(o for o in total if o != etype and total[o] > n and
                      (o.startswith(etype) or o.strip().lower() == etype.strip().lower()))
        if n <= 2 and like:
            found.setdefault("rare_lookalikes", {})[repr(etype)] = {"mentions": n, "like": like}
    for kind, items in found.items():
        log.warning("entity types, %s (declare the types, e.g. data.conll.types, to make these errors): %s",
                    kind.replace("_", " "),
                    "; ".join(f"{k}: {v}" for k, v in items.items()))
    return found


def prepare_tagged(dataset: catalog.TaggedDataset, cfg: Data, seed: int, out_dir: Path) -> dict:
    base, origin = sources.resolve(dataset.folder, list(dataset.files.values()), cfg.mirror, cfg.online,
                                   dataset.download)
    repairs = RepairLog()
    splits: dict[str, list[dict]] = {}
    raw = {}
    for split, filename in dataset.files.items():
        path = base / filename
        log.info("reading %s split from %s", split, path)
        raw[filename] = sources.sha256(path)
        splits[split] = [_row(s, dataset.coarse_map) for s in dataset.read(path, split, repairs)]
    return finish(dataset.name, splits, list(dataset.notes), raw, origin, repairs, cfg, seed, out_dir,
                  dataset.spec.types, dataset.coarse_map)


def prepare_hf(cfg: Data, seed: int, out_dir: Path) -> dict:
    """A Hugging Face dataset (params ``data.hf``; :mod:`nerlab.data.hf`)."""
    repairs = RepairLog()
    types = frozenset(cfg.hf.types) if cfg.hf.types else None
    read, raw = hf.read(cfg.hf, cfg.online, repairs, types)
    splits = {split: [_row(s, None) for s in sentences] for split, sentences in read.items()}
    notes = [f"Hugging Face dataset {hf.source_name(cfg.hf)} (splits {dict(cfg.hf.splits)}), tag scheme "
             f"{cfg.hf.scheme.upper()} converted to IOB2"]
    return finish(catalog.HF, splits, notes, raw, "hf", repairs, cfg, seed, out_dir, types, None)


def finish(name: str, splits: dict[str, list[dict]], notes: list[str], raw: dict, origin: str, repairs: RepairLog,
           cfg: Data, seed: int, out_dir: Path, declared_types, coarse_map: dict | None) -> dict:
    """What every tagged source shares: dev carved from train when missing, train subsampled, the splits,
    ``labels.json`` and the report (sha256 of the sources, counts, repairs, type checks)."""
    if "dev" not in splits:
        splits["train"], splits["dev"] = split_off(splits["train"], cfg.dev_fraction, seed)
        notes.append(f"dev carved from train: {len(splits['dev'])} sentences ({cfg.dev_fraction:.0%}, seed {seed})")
    if cfg.train_size is not None:
        full = len(splits["train"])
        splits["train"] = subset(splits["train"], cfg.train_size, seed)
        notes.append(f"train subsampled to {len(splits['train'])} of {full} sentences (seed {seed})")
    empty = [split for split in SPLITS if not splits.get(split)]
    if empty:
        raise NerlabError(f"{name}: the {' and '.join(empty)} split(s) would be empty "
                          f"({', '.join(f'{k}: {len(v)}' for k, v in splits.items())} sentences after carving dev "
                          "and subsampling train); use more data or a smaller data.dev_fraction")
    repairs.log_summary(name)
    out_dir.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        write_jsonl(out_dir / f"{split}.jsonl", splits[split])
    types = sorted({s.type for rows in splits.values() for r in rows for s in spans(r["tags"])}
                   | set(declared_types or ()))
    labels = {"dataset": name, "notes": notes, "types": types, "tags": label_list(types)}
    if coarse_map:
        coarse = sorted(set(coarse_map.values()))
        labels.update(coarse_types=coarse, coarse_tags=label_list(coarse), coarse_map=coarse_map)
    write_json(out_dir / "labels.json", labels)
    for note in notes:
        log.info("%s: %s", name, note)
    return {"dataset": name, "source": origin, "raw_sha256": raw, "notes": notes,
            "splits": {split: _split_stats(splits[split]) for split in SPLITS}, "repairs": repairs.to_dict(),
            "type_checks": type_checks(splits, declared_types)}


def read_raw_text(dataset: catalog.RawTextDataset, cfg: Data) -> tuple[list[dict], Path, str, RepairLog]:
    """The articles of a raw-text dataset from wherever the source order finds it (and its path, origin, repairs)."""
    base, origin = sources.resolve(dataset.folder, [dataset.file], cfg.mirror, cfg.online, dataset.download)
    path = base / dataset.file
    repairs = RepairLog()
    articles = read_bbc_zip(path, repairs)
    repairs.log_summary(dataset.name)
    return articles, path, origin, repairs


def prepare_raw_text(dataset: catalog.RawTextDataset, cfg: Data, out_dir: Path) -> dict:
    articles, path, origin, repairs = read_raw_text(dataset, cfg)
    write_jsonl(out_dir / "articles.jsonl", articles)
    categories: dict[str, int] = {}
    for article in articles:
        categories[article["category"]] = categories.get(article["category"], 0) + 1
    return {"dataset": dataset.name, "source": origin, "raw_sha256": {dataset.file: sources.sha256(path)},
            "notes": ["raw articles (title + text); sentence splitting happens in the annotate stage"],
            "articles": len(articles), "categories": categories, "repairs": repairs.to_dict()}


def prepare(name: str, cfg: Data, seed: int, out_dir: str | Path) -> dict:
    """Dataset ``name`` prepared into ``out_dir`` (``conll``, ``spans``, ``hf``: the user's, from ``cfg``)."""
    out_dir = Path(out_dir)
    if name == catalog.HF:
        return prepare_hf(cfg, seed, out_dir)
    dataset = catalog.get(name, cfg)
    if isinstance(dataset, catalog.RawTextDataset):
        return prepare_raw_text(dataset, cfg, out_dir)
    return prepare_tagged(dataset, cfg, seed, out_dir)
