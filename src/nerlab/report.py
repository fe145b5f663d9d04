"""Markdown tables from the metrics files, for the README and closing notes."""

from __future__ import annotations

from nerlab.data.jsonl import read_json
from nerlab.paths import METRICS

COLUMNS = ("micro_f1", "macro_f1", "weighted_f1", "precision", "recall", "md_f1", "token_accuracy")


def results_table(test: dict) -> str:
    """One row per model in metrics/test.json (and a coarse row where present)."""
    head = "| dataset | model | " + " | ".join(COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    for name, scores in test.items():
        if not isinstance(scores, dict) or "micro_f1" not in scores:
            continue
        lines.append(f"| {test['dataset']} | {name} | " + " | ".join(f"{scores[c]:.4f}" for c in COLUMNS) + " |")
        if "coarse" in scores:
            lines.append(f"| {test['dataset']} | {name} (coarse) | "
                         + " | ".join(f"{scores['coarse'][c]:.4f}" for c in COLUMNS) + " |")
    return "\n".join(lines)


def main() -> None:
    print(results_table(read_json(METRICS / "test.json")))
