"""The datasets nerlab knows by name, and the user's own: ``conll`` (column files), ``spans`` (doccano /
Label Studio exports) and ``hf`` (a Hugging Face dataset, :mod:`nerlab.data.hf`, read by the fetch stage
itself).

A :class:`TaggedDataset` says where its raw files live (folder + file per split),
how to read them (:class:`~nerlab.data.columns.ColumnSpec`, or another ``reader``), how to get them
online, and what to derive (a carved validation split, coarse tags).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nerlab.config.errors import NerlabError
from nerlab.data import download, taxonomy
from nerlab.data.columns import ColumnSpec, Sentence, read_columns
from nerlab.data.repairs import RepairLog
from nerlab.data.sources import Downloader
from nerlab.data.spans import read as read_spans

if TYPE_CHECKING:
    from nerlab.config.schema import Conll, Data, Spans

Reader = Callable[[Path, str, RepairLog], list[Sentence]]


@dataclass(frozen=True)
class TaggedDataset:
    name: str
    folder: str
    files: dict[str, str]  # split -> file name inside folder; a split not listed is carved from train
    spec: ColumnSpec
    download: Downloader | None = None
    coarse_map: dict[str, str] | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    reader: Reader | None = None  # None: column files read by ``spec``

    def read(self, path: Path, split: str, repairs: RepairLog) -> list[Sentence]:
        if self.reader is not None:
            return self.reader(path, split, repairs)
        return read_columns(path, self.spec, split, repairs)


@dataclass(frozen=True)
class RawTextDataset:
    name: str
    folder: str
    file: str
    download: Downloader | None = None


CONLL2003 = TaggedDataset(
    name="conll2003",
    folder="conll2003",
    files={"train": "eng.train", "dev": "eng.testa", "test": "eng.testb"},
    spec=ColumnSpec(token_col=0, tag_col=3, n_cols=4, scheme="IOB1", docstart="-DOCSTART-",
                    feature_cols={"pos": 1, "chunk": 2}, types=frozenset(taxonomy.CONLL2003_TYPES)),
    download=download.conll2003,
    notes=("tags converted from IOB1 to IOB2; dev = eng.testa, test = eng.testb",),
)

MULTICONER2 = TaggedDataset(
    name="multiconer2",
    folder="multiconer2_en",
    files={"train": "en-train.conll", "test": "en-dev.conll"},
    spec=ColumnSpec(token_col=0, tag_col=3, n_cols=4, scheme="IOB2", docstart=None, header_prefix="# id ",
                    types=frozenset(taxonomy.MULTICONER2_TYPES)),
    download=download.multiconer2,
    coarse_map=taxonomy.MULTICONER2_FINE_TO_COARSE,
    notes=("the labelled MultiCoNER II test set is not available: test = the official en-dev set",
           "dev = a seeded split of the official train set (data.dev_fraction)"),
)

BBC_NEWS = RawTextDataset(name="bbc_news", folder="bbc_news", file="bbc-fulltext.zip", download=download.bbc_news)

NAMED = {d.name: d for d in (CONLL2003, MULTICONER2, BBC_NEWS)}
CUSTOM = "conll"
SPANS = "spans"
HF = "hf"


def _user_files(cfg: Conll | Spans, name: str) -> tuple[Path, dict[str, str]]:
    """The folder holding the user's split files and each split's path inside it."""
    # absolute, but links kept as they are (DVC's cache and many data setups use links: a link is read through,
    # never replaced by its target's folder); the splits may sit in different folders
    paths = {split: Path(os.path.abspath(Path(p).expanduser())) for split, p in
             (("train", cfg.train), ("dev", cfg.dev), ("test", cfg.test)) if p}
    if "train" not in paths or "test" not in paths:
        raise NerlabError(f"dataset {name!r} needs data.{name}.train and data.{name}.test (dev is optional)")
    folder = Path(os.path.commonpath([p.parent for p in paths.values()]))
    return folder, {split: str(p.relative_to(folder)) for split, p in paths.items()}


def spans_dataset(cfg: Spans) -> TaggedDataset:
    """doccano JSONL / Label Studio JSON exports the user brings: params ``data.spans``."""
    folder, files = _user_files(cfg, SPANS)
    types = frozenset(cfg.types) if cfg.types else None
    return TaggedDataset(
        name=SPANS, folder=str(folder), files=files, spec=ColumnSpec(types=types),
        reader=lambda path, split, repairs: read_spans(path, split, repairs, types),
        notes=("character spans (doccano / Label Studio) on regex tokens, as IOB2 (nerlab.data.spans)",),
    )


def custom_dataset(cfg: Conll) -> TaggedDataset:
    """A column dataset the user brings: params ``data.conll`` gives paths and columns."""
    folder, files = _user_files(cfg, CUSTOM)
    spec = ColumnSpec(
        token_col=cfg.token_col,
        tag_col=cfg.tag_col,
        n_cols=cfg.n_cols,
        sep=cfg.sep,
        scheme=cfg.scheme.upper(),
        docstart=cfg.docstart,
        feature_cols=dict(cfg.feature_cols),
        header_prefix=cfg.header_prefix,
        comment_prefix=cfg.comment_prefix,
        doc_prefix=cfg.doc_prefix,
        types=frozenset(cfg.types) if cfg.types else None,
    )
    return TaggedDataset(
        name=CUSTOM,
        folder=str(folder),
        files=files,
        spec=spec,
        notes=(f"user column files, tag scheme {spec.scheme} converted to IOB2",),
    )


def dataset_names() -> tuple[str, ...]:
    """What param ``dataset`` may name: the tagged datasets nerlab knows, then the user's own."""
    return (*(name for name, d in NAMED.items() if isinstance(d, TaggedDataset)), CUSTOM, SPANS, HF)


def get(name: str, cfg: Data | None = None) -> TaggedDataset | RawTextDataset:
    """A dataset by name (``conll`` and ``spans`` from the ``data`` params; ``hf`` is read by
    :func:`nerlab.data.prepare.prepare` itself)."""
    if name in (CUSTOM, SPANS):
        if cfg is None:
            raise NerlabError(f"dataset {name!r} needs the data.{name} settings")
        return custom_dataset(cfg.conll) if name == CUSTOM else spans_dataset(cfg.spans)
    if name not in NAMED:
        raise NerlabError(f"unknown dataset {name!r}; choose one of {', '.join(dataset_names())}")
    return NAMED[name]
