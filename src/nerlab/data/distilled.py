"""Distilled training sets: what the annotate stages write and the distill stage reads.

``data/distilled/<dataset>/train.jsonl`` holds the usable annotations in the
prepared format; ``source.json`` beside it says who annotated them (the backend
and model, the prompt), so every result trained on them can say so.
"""

from __future__ import annotations

from pathlib import Path

from nerlab.config import paths
from nerlab.config.errors import NerlabError
from nerlab.data.jsonl import read_json, write_json, write_jsonl


def folder(dataset: str) -> Path:
    return paths.DISTILLED / dataset


def write(dataset: str, rows: list[dict], annotator: str, prompt: str, note: str = "",
          corrected: dict | None = None) -> None:
    """``corrected``: what a person's corrections changed (:mod:`nerlab.annotate.corrected`), when there are any."""
    write_jsonl(folder(dataset) / "train.jsonl", rows)
    provenance = {"annotator": annotator, "prompt": prompt, "sentences": len(rows), "note": note}
    if corrected:
        provenance["corrected"] = {k: v for k, v in corrected.items() if k not in ("quality", "repairs")}
    write_json(folder(dataset) / "source.json", provenance)


def source(dataset: str) -> dict:
    path = folder(dataset) / "source.json"
    if not path.is_file():
        raise NerlabError(f"{path} not found: run the annotate stages first (dvc repro annotate annotate_bbc)")
    return read_json(path)


def export(dataset: str, fmt: str, to: str | Path) -> list[Path]:
    """The distilled set (the annotate stage's usable annotations of the sample) as pre-annotations for a
    person to correct: ``label-studio`` tasks with the annotations as predictions (and the labelling config
    beside them, ``<to>.label_config.xml``), or ``doccano`` labelled JSONL. A file that exists is never
    replaced. Returns the paths written."""
    import json

    from nerlab.data.jsonl import read_jsonl
    from nerlab.data.spans import FORMATS, label_config, to_doccano, to_label_studio
    from nerlab.data.tags import spans

    if fmt not in FORMATS:
        raise NerlabError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    to = Path(to)
    written = [to] + ([to.with_name(to.name + ".label_config.xml")] if fmt == "label-studio" else [])
    existing = [str(p) for p in written if p.exists()]
    if existing:
        raise NerlabError(f"{', '.join(existing)} exists: nerlab does not replace a file it may not have written; "
                          "choose another --to")
    about = source(dataset)
    rows = list(read_jsonl(folder(dataset) / "train.jsonl"))
    model = f"{about['annotator']} ({about['prompt']})"
    to.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "doccano":
        to.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in to_doccano(rows)), encoding="utf-8")
    else:
        to.write_text(json.dumps(to_label_studio(rows, model), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        types = sorted({s.type for r in rows for s in spans(r["tags"])})
        written[1].write_text(label_config(types), encoding="utf-8")
    return written
