"""Where the pipeline reads and writes, relative to the project root (the stages' working directory), and how a
command writes a folder without ever destroying one it did not make."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from nerlab.config.errors import NerlabError

PARAMS = Path("params.yaml")
DATA = Path("data")
PREPARED = Path("data/prepared")
PREDICTIONS = Path("data/predictions")
TOPICS = Path("data/topics")  # topic-labelled sentences (paper 002)
ANNOTATED = Path("data/annotated")  # every annotation with its raw answer
DISTILLED = Path("data/distilled")  # the usable annotations as training sets
MODELS = Path("models")
METRICS = Path("metrics")
PLOTS = METRICS / "plots"
LOGS = Path("logs")  # process logs (the local LLM server): kept, not versioned

BBC = "bbc_news"  # the raw-text corpus (paper 003 phase two, paper 002 topics), prepared by fetch_bbc


def prepared(dataset: str) -> Path:
    return PREPARED / dataset


OUTPUT_MARKER = ".nerlab-output"  # in every folder a nerlab command wrote: only such a folder is ever replaced


def check_replaceable(target: str | Path, protect: Iterable[str | Path] = ()) -> Path:
    """``target`` as a folder a command may write: new, empty, or written by nerlab before (it holds
    :data:`OUTPUT_MARKER`), and never the working directory or a folder above it, a project (a folder holding
    ``.git`` or ``.dvc``), or one of ``protect`` (a command's inputs, e.g. the source model) or a folder inside
    or above one of them. Anything else is a one-line error, before any work is done."""
    target = Path(target)
    resolved = target.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise NerlabError(f"{target}: refusing to write over the working directory or a folder above it; "
                          "name a new folder")
    for kept in protect:
        kept = Path(kept).resolve()
        if resolved == kept or kept in resolved.parents or resolved in kept.parents:
            raise NerlabError(f"{target}: refusing to write over or into {kept}, an input of this command; "
                              "name a new folder")
    if resolved.exists():
        if not resolved.is_dir():
            raise NerlabError(f"{target} exists and is not a folder; name a new folder")
        if (resolved / ".git").exists() or (resolved / ".dvc").exists():
            raise NerlabError(f"{target} holds a project (.git or .dvc): refusing to replace it")
        if any(resolved.iterdir()) and not (resolved / OUTPUT_MARKER).is_file():
            raise NerlabError(f"{target} exists and nerlab did not write it (no {OUTPUT_MARKER} in it): refusing "
                              "to replace it; name a new folder or remove it yourself")
    return target


def write_folder(target: str | Path, fill: Callable[[Path], None], protect: Iterable[str | Path] = (),
                 command: str = "nerlab") -> Path:
    """Write folder ``target`` through a temporary sibling that ``fill`` populates, then rename it into place
    (an interrupted write leaves ``target`` as it was). An existing ``target`` is replaced only under the rules
    of :func:`check_replaceable`; the new folder carries :data:`OUTPUT_MARKER`."""
    protect = list(protect)
    target = check_replaceable(target, protect)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)  # our own leftover from an interrupted write of this process id
    tmp.mkdir()
    try:
        fill(tmp)
        (tmp / OUTPUT_MARKER).write_text(json.dumps({"written_by": command, "time": time.strftime("%Y-%m-%dT%H:%M:%S")})
                                         + "\n")
        check_replaceable(target, protect)  # still true after the work
        old = None
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            target.rename(old)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


def test_predictions(model: str, dataset: str) -> Path:
    """Where a model stage (crf, finetune) keeps its test predictions for nerlab findings."""
    return PREDICTIONS / model / dataset / "test.jsonl"
