"""One results page: the workspace's tables and figures in a single HTML file, opened without a server.

``nerlab report --html results.html`` gathers what the metrics files hold: the
test scores of every evaluated model, paper 003's Table 1 (the annotator's
quality), the findings with their intervals, and every figure under
``metrics/plots`` (embedded, so the file can be mailed or archived alone). A
section whose metrics file is missing says which stage makes it.
"""

from __future__ import annotations

import base64
import html
from datetime import UTC, datetime
from pathlib import Path

from nerlab.config import paths
from nerlab.data.jsonl import read_json

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .5em}
th{background:#f3f3f3}figure{display:inline-block;margin:.5em;vertical-align:top;max-width:520px}
img{max-width:100%}figcaption{font-size:.8em;color:#555}nav a{margin-right:1em}"""


def _section(title: str, source: Path, render) -> str:
    """A markdown section from ``render(data)``; a note when the metrics file is not there."""
    if not source.is_file():
        return f"## {title}\n\n_{source} is not there yet (dvc repro makes it)._\n"
    return f"## {title}\n\n{render(read_json(source))}\n"


def markdown_page(metrics: Path = paths.METRICS) -> str:
    from nerlab.experiments import findings
    from nerlab.reports import tables

    parts = ["# nerlab results", "",
             f"Made {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from `{metrics}` (nerlab report --html).", ""]
    parts.append(_section("Test scores (evaluate)", metrics / "details" / "test.json", tables.results_table))
    parts.append(_section("Paper 003, Table 1: the annotator's quality (annotate)",
                          metrics / "details" / "annotate.json",
                          tables.annotation_table))
    parts.append(_section("Findings: the papers' claims with 95% intervals (nerlab findings collect)",
                          metrics / "findings.json", lambda data: findings.render(data["claims"])))
    return "\n".join(parts)


def figures(plots: Path) -> str:
    """Every PNG under ``plots``, grouped by folder, as embedded images."""
    if not plots.is_dir():
        return ""
    out, current = [], None
    for png in sorted(plots.rglob("*.png")):
        group = str(png.parent.relative_to(plots))
        if group != current:
            out.append(f"<h3>{html.escape(group)}</h3>")
            current = group
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        out.append(f'<figure><img alt="{html.escape(png.name)}" src="data:image/png;base64,{data}">'
                   f"<figcaption>{html.escape(str(png))}</figcaption></figure>")
    return "<h2>Figures</h2>\n" + "\n".join(out)


def write(out: str | Path, metrics: Path = paths.METRICS) -> Path:
    import markdown

    body = markdown.markdown(markdown_page(metrics), extensions=["tables"])
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>nerlab results</title>"
            f"<style>{STYLE}</style></head><body>{body}\n{figures(metrics / 'plots')}</body></html>\n")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
