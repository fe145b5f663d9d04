"""Exploratory data analysis of a prepared dataset: the statistics and figures of papers 000 and 002.

- sentence-length distribution per split (paper 000, Fig. 1);
- most frequent tags in train (paper 000, Fig. 2) and the token-label distribution (paper 002, Fig. 1);
- entity-type frequencies per split, fine and (when present) coarse;
- entity-length distribution;
- the share of dev/test mentions never seen in train (surface form, and surface form with type).
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from nerlab.data.jsonl import SPLITS
from nerlab.data.tags import spans
from nerlab.reports import plots

log = logging.getLogger(__name__)


def _mentions(rows: list[dict], key: str = "tags") -> list[tuple[str, str]]:
    return [(" ".join(r["tokens"][s.start:s.end]).lower(), s.type) for r in rows for s in spans(r[key])]


def unseen_rate(train: list[dict], other: list[dict]) -> dict:
    seen_surface = {m for m, _ in _mentions(train)}
    seen_typed = set(_mentions(train))
    mentions = _mentions(other)
    n = max(1, len(mentions))
    return {"mentions": len(mentions),
            "unseen_surface_rate": sum(m not in seen_surface for m, _ in mentions) / n,
            "unseen_surface_type_rate": sum(mt not in seen_typed for mt in mentions) / n}


def statistics(splits: dict[str, list[dict]]) -> dict:
    stats: dict = {"splits": {}}
    coarse = any("coarse_tags" in r for r in splits["train"][:1])
    for split, rows in splits.items():
        lengths = [len(r["tokens"]) for r in rows]
        entry = {
            "sentences": len(rows), "tokens": sum(lengths),
            "sentence_length_mean": sum(lengths) / max(1, len(lengths)),
            "sentence_length_max": max(lengths, default=0),
            "tags": dict(Counter(t for r in rows for t in r["tags"]).most_common()),
            "entity_types": dict(Counter(t for _, t in _mentions(rows)).most_common()),
            "entity_length": dict(sorted(Counter(s.end - s.start for r in rows for s in spans(r["tags"])).items())),
        }
        if coarse:
            entry["coarse_entity_types"] = dict(Counter(t for _, t in _mentions(rows, "coarse_tags")).most_common())
        stats["splits"][split] = entry
    stats["unseen_in_train"] = {split: unseen_rate(splits["train"], splits[split]) for split in ("dev", "test")}
    return stats


def write_figures(splits: dict[str, list[dict]], stats: dict, out_dir: str | Path, top_tags: int) -> list[Path]:
    """PNG figures and DVC plot data (JSON rows) under ``out_dir``; returns the PNG paths."""
    out = Path(out_dir)
    lengths = {split: [len(r["tokens"]) for r in rows] for split, rows in splits.items()}
    plots.histogram(out / "sentence_lengths.png", lengths, "Sentence length distribution", "tokens per sentence")
    plots.write_rows(out / "sentence_lengths.json", [
        {"split": split, "length": length, "sentences": n}
        for split, vals in lengths.items() for length, n in sorted(Counter(vals).items())])

    train_tags = stats["splits"]["train"]["tags"]
    frequent = [t for t in train_tags if t != "O"][:top_tags]
    plots.bars(out / "top_tags.png", frequent, {"train": [train_tags[t] for t in frequent]},
               f"Most frequent tags in train (top {len(frequent)}, O excluded)", "tokens")
    plots.write_rows(out / "top_tags.json", [{"tag": t, "tokens": train_tags[t]} for t in frequent])

    all_tags = sorted({t for s in stats["splits"].values() for t in s["tags"]}, key=lambda t: (t != "O", t))
    shares = {split: [s["tags"].get(t, 0) / max(1, s["tokens"]) for t in all_tags]
              for split, s in stats["splits"].items()}
    plots.bars(out / "label_distribution.png", all_tags, shares, "Token label distribution", "share of tokens")
    plots.write_rows(out / "label_distribution.json", [
        {"split": split, "label": t, "share": v} for split, vals in shares.items() for t, v in zip(all_tags, vals)])

    pngs = [out / "sentence_lengths.png", out / "top_tags.png", out / "label_distribution.png"]
    kinds = [("entity_types", "Entity types per split")]
    if "coarse_entity_types" in stats["splits"]["train"]:
        kinds.append(("coarse_entity_types", "Coarse entity types per split"))
    for key, title in kinds:
        types = list(stats["splits"]["train"][key])
        series = {split: [s[key].get(t, 0) for t in types] for split, s in stats["splits"].items()}
        plots.bars(out / f"{key}.png", types, series, title, "mentions")
        plots.write_rows(out / f"{key}.json", [
            {"split": split, "type": t, "mentions": v} for split, vals in series.items() for t, v in zip(types, vals)])
        pngs.append(out / f"{key}.png")

    ent_len = {split: [int(k) for k, n in s["entity_length"].items() for _ in range(n)]
               for split, s in stats["splits"].items()}
    plots.histogram(out / "entity_lengths.png", ent_len, "Entity length distribution", "tokens per entity")
    plots.write_rows(out / "entity_lengths.json", [
        {"split": split, "length": int(k), "mentions": n}
        for split, s in stats["splits"].items() for k, n in s["entity_length"].items()])
    pngs.append(out / "entity_lengths.png")
    return pngs


def run(splits: dict[str, list[dict]], out_dir: str | Path, top_tags: int = 30) -> dict:
    assert set(splits) == set(SPLITS), splits.keys()
    stats = statistics(splits)
    write_figures(splits, stats, out_dir, top_tags)
    for split, rate in stats["unseen_in_train"].items():
        log.info("%s: %.1f%% of %d mentions unseen in train (surface form)", split,
                 100 * rate["unseen_surface_rate"], rate["mentions"])
    return stats
