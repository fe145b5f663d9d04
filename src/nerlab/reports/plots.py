"""Figures as PNG (matplotlib, headless) and their data as JSON rows for ``dvc plots``."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def write_rows(path: str | Path, rows: list[dict]) -> None:
    """DVC plot data: a JSON list of flat records (DVC reads a top-level list or dict of lists)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _save(fig, path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def bars(path, labels: list[str], series: dict[str, list[float]], title: str, xlabel: str,
         horizontal: bool = True) -> None:
    """Grouped bars: one group per label, one bar per series (for example per split)."""
    n = max(1, len(series))
    height = 0.8 / n
    size = (8, max(3, 0.28 * len(labels) * (1 + 0.3 * (n - 1)) + 1)) if horizontal else (max(6, 0.4 * len(labels)), 5)
    fig, ax = plt.subplots(figsize=size)
    for k, (name, values) in enumerate(series.items()):
        pos = [i + (k - (n - 1) / 2) * height for i in range(len(labels))]
        (ax.barh if horizontal else ax.bar)(pos, values, height, label=name)
    if horizontal:
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
    else:
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right")
        ax.set_ylabel(xlabel)
    if n > 1:
        ax.legend()
    ax.set_title(title)
    _save(fig, path)


def histogram(path, values: dict[str, list[int]], title: str, xlabel: str, density: bool = True) -> None:
    fig, ax = plt.subplots(figsize=(8, 4.5))
    top = max((max(v) for v in values.values() if v), default=1)
    bins = range(0, top + 2)
    for name, vals in values.items():
        ax.hist(vals, bins=bins, histtype="step", linewidth=1.5, density=density, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of items" if density else "count")
    ax.set_title(title)
    ax.legend()
    _save(fig, path)


def lines(path, x: list[float], series: dict[str, list[float]], title: str, xlabel: str, ylabel: str) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, ys in series.items():
        ax.plot(x[: len(ys)], ys, marker="." if len(ys) < 50 else None, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if len(series) > 1:
        ax.legend()
    ax.grid(alpha=0.3)
    _save(fig, path)


def heatmap(path, rows: list[str], cols: list[str], counts: list[list[int]], title: str,
            xlabel: str, ylabel: str) -> None:
    fig, ax = plt.subplots(figsize=(max(5, 0.45 * len(cols) + 2), max(4, 0.4 * len(rows) + 1.5)))
    image = ax.imshow(counts, cmap="Blues")
    ax.set_xticks(range(len(cols)), cols, rotation=60, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    if len(rows) * len(cols) <= 400:
        peak = max((max(r) for r in counts if r), default=0)
        for i, row in enumerate(counts):
            for j, value in enumerate(row):
                if value:
                    ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                            color="white" if value > peak / 2 else "black")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.colorbar(image, ax=ax, shrink=0.8)
    _save(fig, path)


def spread_panels(path, x: list[float], panels: dict[str, dict[str, list[float]]], title: str, xlabel: str,
                  log_x: bool = True) -> None:
    """Side-by-side panels (one per metric): every run as a faint dot and the mean with +-1 std error bars.
    ``panels``: metric name -> run name (e.g. seed) -> one value per x."""
    import statistics

    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.2), squeeze=False)
    for ax, (metric, runs) in zip(axes[0], panels.items()):
        for name, ys in runs.items():
            ax.scatter(x, ys, s=14, alpha=0.45, label=f"seed {name}")
        columns = list(zip(*runs.values()))
        mean = [statistics.fmean(c) for c in columns]
        std = [statistics.stdev(c) if len(c) > 1 else 0.0 for c in columns]
        ax.errorbar(x, mean, yerr=std, color="black", marker="o", capsize=4, label="mean +- std")
        if log_x:
            ax.set_xscale("log")
        ax.set_xticks(x, [str(v) for v in x])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title)
    _save(fig, path)
