"""Paper 003's Tables 2 and 3 from the distill stage's experiments: ours (mean +- std) beside the paper's.

The layout is the paper's: one row per score (micro, macro and weighted
averages, then each type's F1, precision and recall), two columns per group or
strategy (without and with LR decay). Each cell reads ``ours+-std (paper)``. The
cost of a run (seconds, sentences seen), the repeats, the annotator that made
the distilled data and the encoder used close each table.
"""

from __future__ import annotations

DECAY_SUFFIX = "-decay"


def _get(scores: dict, row: str):
    """A score by its row name: ``micro_f1``, ``macro_precision``, ``LOC.f1`` ..."""
    if "." in row:
        kind, metric = row.split(".", 1)
        return scores.get("per_type", {}).get(kind, {}).get(metric)
    return scores.get(row)


def _cell(mean, std, paper) -> str:
    ours = "-" if mean is None else f"{mean:.3f}" + (f"±{std:.3f}" if std else "")
    return f"{ours} ({'-' if paper is None else f'{paper:.3f}'})"


def render(spec: dict, experiments: dict[str, dict]) -> str:
    rows = spec["paper_rows"]
    lines = [spec.get("paper", ""), ""]
    for title, columns in spec["tables"].items():
        names = [(name + suffix, f"{label}{' LR decay' if suffix else ''}")
                 for name, label in columns for suffix in ("", DECAY_SUFFIX)]
        found = {name: experiments.get(name, {}).get("distill") for name, _ in names}
        lines += [f"### {title}", "", "| score | " + " | ".join(label for _, label in names) + " |",
                  "|---|" + "---|" * len(names)]
        for row in rows:
            cells = []
            for name, _ in names:
                result = found[name] or {}
                test = result.get("test", {})
                paper = spec.get("paper_scores", {}).get(name)
                cells.append(_cell(_get(test.get("mean", {}), row), _get(test.get("std", {}), row),
                                   paper[rows.index(row)] if paper else None))
            lines.append(f"| {row} | " + " | ".join(cells) + " |")
        for key, label in (("seconds_per_run", "seconds per run"), ("sentences_seen_per_run", "sentences seen per run"),
                           ("repeats", "repeats (seeds)"), ("sizes", "sentences: original / distilled")):
            values = []
            for name, _ in names:
                result = found[name]
                value = None if result is None else result.get(key)
                if key == "sizes" and value:
                    value = f"{value.get('original', 0)} / {sum(v for k, v in value.items() if k != 'original')}"
                values.append("-" if value is None else str(value))
            lines.append(f"| {label} | " + " | ".join(values) + " |")
        ran = [r for r in found.values() if r]
        annotators = sorted({r.get("annotator", "?") for r in ran})
        encoders = sorted({r.get("encoder_used", "?") for r in ran})
        notes = sorted({n for r in ran for n in r.get("notes", []) if isinstance(r.get("notes"), list)})
        paper_encoder = spec.get("paper_encoder")
        if paper_encoder and any(e != paper_encoder for e in encoders) and not notes:  # dvc exp show drops lists
            notes = [f"stands in for the paper's {paper_encoder}"]
        if any(a.startswith("teacher:") for a in annotators) and not any("teacher" in n for n in notes):
            notes.append("a teacher model stands in for the paper's GPT-4 annotator")
        lines += ["", f"{len(ran)} of {len(names)} columns run. Distilled data by: {', '.join(annotators) or '-'}; "
                      f"encoder: {', '.join(encoders) or '-'}" + (f" ({'; '.join(notes)})" if notes else "")
                  + ". Paper: bert-base-uncased, GPT-4 annotations, 5 seeds.", ""]
    return "\n".join(lines)
