"""Paper 002's Table 2 (token / sequence / multitask) and Figure 2's points, ours beside the paper's.

Table 2's rows are the multitask stage's entries in the workspace
(``metrics/details/multitask/<task>.json``) and the variant set's experiments (``dvc exp
show``: e.g. other alpha:beta ratios of the joint stage). Each cell reads
``ours (paper)``; sequence F1 is the weighted F1 (the paper's F1 sits next to
its accuracy, as a weighted average does). The learning curve's table gives
mean +- std over seeds per training-set size (``metrics/details/learning_curve.json``).
"""

from __future__ import annotations

import json
from pathlib import Path

from nerlab.config import paths

COLUMNS = ("token F1", "token accuracy", "sequence F1", "sequence accuracy")


def _scores(result: dict) -> list:
    token, seq = result.get("token") or {}, result.get("sequence") or {}
    return [token.get("micro_f1"), token.get("token_accuracy"), seq.get("weighted_f1"), seq.get("accuracy")]


def _cell(ours, paper) -> str:
    text = "-" if ours is None else f"{100 * ours:.1f}%"
    return text + ("" if paper is None else f" ({100 * paper:.1f}%)")


def _read(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def _label(result: dict) -> str:
    if result.get("task") != "joint":
        return ""
    if result.get("weighting") == "uncertainty":
        final = result.get("final_weights") or {}
        learned = f", final {final['w_sequence']:.2f}:{final['w_token']:.2f}" if final else ""
        return f" (learned weights{learned})"
    return f" (alpha:beta = {result.get('alpha'):g}:{result.get('beta'):g})"


def table2(spec: dict, workspace: dict[str, dict], experiments: dict[str, dict]) -> list[str]:
    paper = spec.get("paper_scores", {})
    lines = ["| model | " + " | ".join(f"{c} (paper)" for c in COLUMNS) + " | s/epoch | train sentences |",
             "|---|" + "---|" * (len(COLUMNS) + 2)]
    rows = [(label.format(detail=_label(workspace[task]) if task in workspace else ""), workspace.get(task),
             paper.get(task)) for task, label in spec["rows"].items()]
    rows += [(f"{name}{_label(result)} [exp]", result, None) for name, result in experiments.items()]
    for label, result, scores in rows:
        if result is None:
            lines.append(f"| {label} | " + " | ".join(_cell(None, p) for p in (scores or [None] * 4)) + " | - | not run |")
            continue
        lines.append(f"| {label} | " + " | ".join(_cell(o, p) for o, p in zip(_scores(result), scores or [None] * 4))
                     + f" | {result.get('seconds_per_epoch', '-')} | {result.get('train_sentences', '-')} |")
    return lines


def curve(spec: dict, result: dict | None) -> list[str]:
    if result is None:
        return ["(learning curve not run: dvc repro learning_curve)"]
    paper = {int(k): v for k, v in (spec.get("paper_curve") or {}).items()}
    lines = ["| training sentences | entity micro-F1 (mean ± std) | token accuracy (mean ± std) | seeds | paper F1 / acc |",
             "|---|---|---|---|---|"]
    for size in result["sizes"]:
        row = result["by_size"][str(size)]
        ref = paper.get(size)
        lines.append(f"| {size} | {row['micro_f1_mean']:.4f} ± {row['micro_f1_std']:.4f} | "
                     f"{row['token_accuracy_mean']:.4f} ± {row['token_accuracy_std']:.4f} | {row['seeds']} | "
                     f"{'-' if not ref else ' / '.join(ref)} |")
    return lines


def render(spec: dict, experiments: dict[str, dict], metrics_dir: Path = paths.METRICS) -> str:
    details = metrics_dir / "details"
    workspace = {p.stem: _read(p) for p in sorted((details / "multitask").glob("*.json"))}
    exps = {name: data["multitask/joint"] for name, data in experiments.items()
            if name in spec.get("variants", {}) and data.get("multitask/joint")}
    topics = _read(details / "topics.json") or {}
    first = next(iter(workspace.values()), None) or {}
    notes = "; ".join(first.get("notes") or [])
    lines = [spec.get("paper", ""), "", "### Table 2", ""] + table2(spec, workspace, exps)
    lines += ["", f"Topic labels by: {topics.get('annotator', '-')}; train topics: {first.get('train_topics', '-')}; "
                  f"encoder: {first.get('encoder_used', '-')}" + (f" ({notes})" if notes else "")
              + ". Token scores on the whole test split, sequence scores on the labelled test sentences "
                f"({(first.get('sequence') or {}).get('sentences', '-')}).",
              "", "### Figure 2 (learning curve)", ""] + curve(spec, _read(details / "learning_curve.json"))
    return "\n".join(lines) + "\n"
