"""Reader for Hugging Face datasets (``dataset: hf``, params ``data.hf``).

Where the data is (exactly one of):
- ``path``: a hub id (``wnut_17``; online only, through ``datasets.load_dataset`` at the pinned
  ``revision``), or a folder written by ``Dataset.save_to_disk`` / ``DatasetDict.save_to_disk``;
- ``data_files``: split -> a parquet, json/jsonl or csv file (the builder follows the extension).

Columns: ``tokens`` (a list of strings per row) and ``tags`` (a list per row): the names of a
``Sequence(ClassLabel)`` feature become tag strings, string tags are taken as they are, and integer tags
without a ``ClassLabel`` need ``label_names`` (index -> tag). Splits are mapped by ``splits``
(``validation`` -> dev); without a dev split, dev is carved from train as for column files. Tags are then
checked and converted from ``scheme`` to IOB2 like column files' (repairs counted). Bad rows raise one line
naming the source, split and row: a missing column, tokens and tags of different lengths, a token that is
not a non-empty string, an unknown label index, an empty split.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from nerlab.config.errors import DataError, NerlabError
from nerlab.data.columns import Sentence
from nerlab.data.repairs import RepairLog
from nerlab.data.sources import online_allowed, sha256
from nerlab.data.tags import TagError, split_tag, to_iob2

if TYPE_CHECKING:
    from nerlab.config.schema import Hf

log = logging.getLogger(__name__)

BUILDERS = {".parquet": "parquet", ".json": "json", ".jsonl": "json", ".csv": "csv"}


def source_name(cfg: Hf) -> str:
    return cfg.path or ", ".join(f"{k}: {v}" for k, v in sorted(cfg.data_files.items()))


def load(cfg: Hf, online: bool) -> dict:
    """The raw ``datasets`` splits by their own names (``train``, ``validation``, ...)."""
    import datasets

    if bool(cfg.path) == bool(cfg.data_files):
        raise NerlabError("dataset hf: give data.hf.path (a hub id or a save_to_disk folder) or data.hf.data_files "
                          "(split -> parquet/json/jsonl/csv file), one of the two")
    if cfg.data_files:
        files = {split: str(Path(f).expanduser()) for split, f in cfg.data_files.items()}
        missing = [f for f in files.values() if not Path(f).is_file()]
        if missing:
            raise NerlabError(f"data.hf.data_files: not found: {', '.join(missing)}")
        kinds = {BUILDERS.get(Path(f).suffix.lower()) for f in files.values()}
        if None in kinds or len(kinds) != 1:
            raise NerlabError(f"data.hf.data_files: every file must be .parquet, .json, .jsonl or .csv, and all "
                              f"of one kind; got {', '.join(files.values())}")
        try:
            return dict(datasets.load_dataset(kinds.pop(), data_files=files))
        except (ValueError, OSError, IndexError, KeyError, TypeError) as err:  # the builders' many ways to refuse
            raise NerlabError(f"data.hf.data_files ({source_name(cfg)}): could not be read: "
                              f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}") from None
    folder = Path(cfg.path).expanduser()
    if folder.is_dir():
        try:
            loaded = datasets.load_from_disk(str(folder))
        except FileNotFoundError as err:
            raise NerlabError(f"data.hf.path {folder}: not a folder written by save_to_disk ({err})") from None
        except (ValueError, OSError, IndexError, KeyError) as err:  # e.g. a split saved with no rows (0 shards)
            raise NerlabError(f"data.hf.path {folder}: could not be read by datasets.load_from_disk: "
                              f"{type(err).__name__}: {err}") from None
        return dict(loaded) if isinstance(loaded, datasets.DatasetDict) else {"train": loaded}
    if not online_allowed(online):
        raise NerlabError(f"data.hf.path {cfg.path!r} is not a folder here and hub datasets need "
                          "data.online: true (and HF_HUB_OFFLINE unset); or save it with save_to_disk and give "
                          "that folder")
    if not cfg.revision:
        raise NerlabError(f"data.hf.path {cfg.path!r} is a hub id: pin data.hf.revision (a commit sha or tag) so "
                          "the data cannot change under the same params")
    return dict(datasets.load_dataset(cfg.path, cfg.config, revision=cfg.revision))


def fingerprint(cfg: Hf, raw: dict) -> dict[str, str]:
    """sha256 of the source files: the data files, else every file of the saved folder or the hub cache's."""
    if cfg.data_files:
        files = [Path(f).expanduser() for f in cfg.data_files.values()]
    else:
        files = sorted({Path(c["filename"]) for ds in raw.values() for c in ds.cache_files})
        folder = Path(cfg.path).expanduser()
        if folder.is_dir():
            files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {path.name if cfg.data_files else str(path): sha256(path) for path in files}


def tag_names(ds, cfg: Hf, where: str) -> list[str] | None:
    """The index -> tag names of the tags column: its ClassLabel's, else ``label_names``; None for string tags."""
    feature = ds.features.get(cfg.tags)
    inner = getattr(feature, "feature", None)  # Sequence(ClassLabel) / List(ClassLabel)
    if inner is None and isinstance(feature, list) and feature:
        inner = feature[0]
    names = getattr(inner, "names", None)
    if names:
        return list(names)
    dtype = getattr(inner, "dtype", "")
    if dtype == "string":
        return None
    if cfg.label_names:
        return list(cfg.label_names)
    if str(dtype).startswith(("int", "uint")):
        raise NerlabError(f"{where}: column {cfg.tags!r} holds integer tags without a ClassLabel: give "
                          "data.hf.label_names (index -> tag, e.g. [O, B-PER, I-PER, ...])")
    return None


def read_split(ds, split: str, cfg: Hf, repairs: RepairLog, types: frozenset[str] | None) -> list[Sentence]:
    """One split's rows as sentences, tags converted to IOB2 (every problem names the source, split and row)."""
    where = f"{source_name(cfg)} [{split}]"
    for column in (cfg.tokens, cfg.tags):
        if column not in ds.column_names:
            raise NerlabError(f"{where}: no column {column!r} (columns: {', '.join(ds.column_names)}); set "
                              f"data.hf.{'tokens' if column == cfg.tokens else 'tags'}")
    if len(ds) == 0:
        raise NerlabError(f"{where}: the split is empty")
    names = tag_names(ds, cfg, where)
    has_id = cfg.id_column and cfg.id_column in ds.column_names
    sentences, seen = [], set()
    for index, row in enumerate(ds):
        at = f"{where} row {index}"
        tokens, raw_tags = row[cfg.tokens], row[cfg.tags]
        if not isinstance(tokens, list) or not isinstance(raw_tags, list):
            raise NerlabError(f"{at}: {cfg.tokens!r} and {cfg.tags!r} must be lists")
        if len(tokens) != len(raw_tags):
            raise NerlabError(f"{at}: {len(tokens)} tokens but {len(raw_tags)} tags")
        bad = [i for i, t in enumerate(tokens) if not isinstance(t, str) or not t.strip()]
        if bad:
            raise NerlabError(f"{at}: token {bad[0]} ({tokens[bad[0]]!r}) is not a non-empty string")
        if not tokens:
            repairs.add("empty_sentence", at, "no tokens")
            continue
        tags = []
        for tag in raw_tags:
            if names is not None and not isinstance(tag, str):
                if not isinstance(tag, int) or not 0 <= tag < len(names):
                    raise NerlabError(f"{at}: tag index {tag!r} has no name ({len(names)} names)")
                tag = names[tag]
            tags.append(str(tag))
        try:
            for tag in tags:
                etype = split_tag(tag)[1]
                if types is not None and etype is not None and etype not in types:
                    raise TagError(f"unknown entity type {etype!r} in tag {tag!r}; known: {', '.join(sorted(types))}")
            tags, fixed = to_iob2(tags, cfg.scheme.upper())
        except TagError as err:
            raise NerlabError(f"{at}: {err}") from None
        if fixed:
            repairs.add("iob2_repair", at, f"{fixed} tag(s) repaired", n=fixed)
        sid = str(row[cfg.id_column]) if has_id else f"{split}-{index:05d}"
        if sid in seen:
            repairs.add("duplicate_id", at, f"{sid} renamed {sid}~{index}")
            sid = f"{sid}~{index}"
        seen.add(sid)
        sentences.append(Sentence(sid, None, list(tokens), tags, {}, index))
    if not sentences:
        raise DataError(where, None, "no sentences with tokens")
    return sentences


def read(cfg: Hf, online: bool, repairs: RepairLog, types: frozenset[str] | None) -> tuple[dict, dict]:
    """(nerlab split -> sentences, sha256 of the sources) of the configured dataset."""
    raw = load(cfg, online)
    wanted = {ours: theirs for ours, theirs in cfg.splits.items() if theirs}
    unknown = {ours: theirs for ours, theirs in wanted.items() if theirs not in raw}
    if "train" in unknown or "test" in unknown:
        raise NerlabError(f"{source_name(cfg)}: no split {', '.join(repr(v) for v in unknown.values())} (it has "
                          f"{', '.join(raw)}); map them with data.hf.splits")
    out = {ours: read_split(raw[theirs], ours, cfg, repairs, types) for ours, theirs in wanted.items()
           if theirs in raw}
    return out, fingerprint(cfg, raw)
