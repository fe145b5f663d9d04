"""Named variant sets (configs/<name>.yaml): valid params, the queue commands, the tables beside the paper's."""

from pathlib import Path

import yaml

from defaults import raw
from nerlab.config.schema import validate

ROOT = Path(__file__).resolve().parents[3]


def test_paper003_variants_are_valid_and_cover_the_tables():
    spec = yaml.safe_load((ROOT / "configs/paper003.yaml").read_text())
    assert len(spec["variants"]) == 38
    for name, overrides in spec["variants"].items():
        mapping = raw()
        for key, value in {**spec.get("common", {}), **overrides}.items():
            *parents, last = key.split(".")
            node = mapping
            for part in parents:
                node = node[part]
            node[last] = value
        validate(mapping)  # every variant is a valid params.yaml (schedule, k, n, train block)
        assert overrides["distill.train.lr_decay"] == (0.95 if name.endswith("-decay") else 1.0)
    columns = [c for table in spec["tables"].values() for c, _ in table]
    for name in columns:
        assert name in spec["variants"] and name + "-decay" in spec["variants"]
        assert len(spec["paper_scores"][name]) == len(spec["paper_rows"]) == 21
    assert set(spec["small"]["only"]) <= set(spec["variants"])
    assert spec["paper_scores"]["p003-E"][0] == 0.869 and spec["paper_scores"]["p003-power-n0_2-decay"][15] == 0.950


def test_small_grid_queue_commands():
    from nerlab.experiments import variants

    spec = yaml.safe_load((ROOT / "configs/paper003.yaml").read_text())
    extra, only = variants.small_grid(spec, ["distill.repeats=3"], None)
    commands = variants.queue_commands(spec, extra, only)
    assert len(commands) == len(spec["small"]["only"])
    d = [c for c in commands if c[c.index("-n") + 1] == "p003-D"][0]
    assert d[d.index("p003-D") + 1] == "distill"  # the target stage
    assert "distill.schedule=simple_mix" in d and "distill.bbc=false" in d and "distill.train.epochs=10" in d
    assert "distill.repeats=3" in d and "distill.repeats=1" not in d  # --set wins over the small grid


def test_tables_render_ours_beside_the_papers():
    from nerlab.reports.paper003 import render

    spec = yaml.safe_load((ROOT / "configs/paper003.yaml").read_text())
    test = {"micro_f1": 0.8, "micro_precision": 0.7, "micro_recall": 0.9,
            "per_type": {"LOC": {"f1": 0.5, "precision": 0.4, "recall": 0.6}}}
    metrics = {"test": {"mean": test, "std": {"micro_f1": 0.01}}, "seconds_per_run": 12.5,
               "sentences_seen_per_run": 4000, "repeats": 2, "annotator": "local:smollm2-135m",
               "encoder_used": "minilm-l6", "notes": ["minilm-l6 stands in for the paper's bert-base-uncased"],
               "sizes": {"original": 1000, "distilled_conll": 27, "distilled_bbc": 3}}
    out = render(spec, {"p003-A": {"distill": metrics}})
    assert "| micro_f1 | - (0.683) | - (0.672) | - (0.713) | - (0.691) | 0.800±0.010 (0.850) |" in out
    assert "| LOC.f1 |" in out and "0.500 (0.873)" in out
    assert "| sentences: original / distilled | - | - | - | - | 1000 / 30 |" in out
    assert "local:smollm2-135m" in out and "stands in for the paper's bert-base-uncased" in out
    assert "### Table 3" in out and "| score | simple mix | simple mix LR decay | ALL |" in out
