"""The findings as a forest plot: one row per claim, our difference with its interval, the paper's difference
marked, the verdict as colour (``metrics/plots/findings/forest.png``, and its rows as a DVC plot)."""

from __future__ import annotations

import json
from pathlib import Path

from nerlab.config import paths

FOLDER = paths.METRICS / "plots" / "findings"
COLOURS = {"holds": "tab:green", "equivalent": "tab:green", "fails": "tab:red", "different": "tab:red",
           "inconclusive": "tab:gray", "not shown equivalent": "tab:gray"}


def rows(findings: list[dict]) -> list[dict]:
    """One row per claim of a difference in F1 (rank and level claims are in the table only): its difference, interval,
    the paper's difference (where it gives both numbers)."""
    out = []
    for f in findings:
        if f.get("kind"):  # a rank or a level, not a difference between two sides: in the table only
            continue
        pa, pb = f["paper_numbers"]["a"], f["paper_numbers"]["b"]
        out.append({"claim": f["id"], "paper": f["paper"], "difference": round(f["difference"], 6),
                    "low": round(f["interval"][0], 6), "high": round(f["interval"][1], 6),
                    "paper_difference": None if pa is None or pb is None else round(pb - pa, 6),
                    "margin": f.get("margin"), "verdict": f["verdict"], "metric": f.get("metric", "micro_f1")})
    return out


def write(findings: list[dict], folder: Path = FOLDER) -> Path:
    """``forest.png`` and ``forest.json`` under ``folder``; returns the PNG's path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = rows(findings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "forest.json").write_text(json.dumps(data, indent=1) + "\n")
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(data) + 1.6))
    for y, row in enumerate(reversed(data)):
        colour = COLOURS.get(row["verdict"], "black")
        ax.errorbar(row["difference"], y, xerr=[[row["difference"] - row["low"]], [row["high"] - row["difference"]]],
                    fmt="o", color=colour, capsize=3)
        if row["paper_difference"] is not None:
            ax.plot(row["paper_difference"], y, marker="x", color="black", markersize=7)
        if row["margin"]:
            ax.plot([-row["margin"], row["margin"]], [y, y], color=colour, alpha=0.25, linewidth=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(data)), [f"{r['claim']} ({r['verdict']})" for r in reversed(data)], fontsize=8)
    ax.set_xlabel("difference b - a in F1 (dot: ours with its 95% interval; x: the paper's; band: equivalence margin)")
    ax.set_title("Findings: the papers' claims (green holds/equivalent, red fails/different, grey inconclusive)",
                 fontsize=9)
    fig.tight_layout()
    path = folder / "forest.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
