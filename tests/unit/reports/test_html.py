"""nerlab report --html: one self-contained page with the tables and the figures."""

import json

from nerlab.reports import html


def test_the_page_holds_tables_figures_and_says_what_is_missing(tmp_path):
    metrics = tmp_path / "metrics"
    (metrics / "plots" / "eda").mkdir(parents=True)
    png = b"\x89PNG\r\n\x1a\nfake"
    (metrics / "plots" / "eda" / "lengths.png").write_bytes(png)
    scores = {"micro_f1": 0.8, "macro_f1": 0.7, "weighted_f1": 0.79, "precision": 0.81, "recall": 0.79,
              "md_f1": 0.9, "token_accuracy": 0.95}
    (metrics / "details").mkdir()
    (metrics / "details" / "test.json").write_text(json.dumps({"dataset": "conll2003", "crf": scores}))
    out = html.write(tmp_path / "site" / "results.html", metrics)
    page = out.read_text()
    assert "<table>" in page and "<td>crf</td>" in page and "<td>0.8000</td>" in page
    assert "annotate.json is not there yet" in page and "findings.json is not there yet" in page
    assert "data:image/png;base64," in page and "lengths.png" in page and "<h3>eda</h3>" in page
    assert "http" not in page.split("<body>")[1].replace("http://www.w3.org", "")  # nothing to fetch
