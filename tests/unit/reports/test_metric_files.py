"""Headline metrics vs details: the metric holds only the picked numbers, the details everything."""

import json

from nerlab.reports import metric_files


def test_pick_follows_dotted_keys_and_wildcards():
    summary = {"dataset": "conll2003", "notes": ["x"], "crf": {"micro_f1": 0.8, "per_type": {"LOC": 0.9}},
               "finetune": {"micro_f1": 0.7, "macro_f1": 0.6}, "splits": {"test": 3453},
               "prompts": {"standard": {"quality": {"micro_f1": 0.1}}, "cot": {"quality": {"micro_f1": 0.2}}}}
    assert metric_files.pick(summary, ("*.micro_f1", "*.macro_f1")) == {
        "crf": {"micro_f1": 0.8}, "finetune": {"micro_f1": 0.7, "macro_f1": 0.6}}
    assert metric_files.pick(summary, ("prompts.*.quality.micro_f1",)) == {
        "prompts": {"standard": {"quality": {"micro_f1": 0.1}}, "cot": {"quality": {"micro_f1": 0.2}}}}
    assert metric_files.pick(summary, ("dataset", "notes", "missing.key", "crf")) == {}  # numbers only


def test_write_keeps_the_details_beside_the_headline(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    summary = {"task": "joint", "token": {"micro_f1": 0.79, "per_type": {}}, "sequence": {"accuracy": 0.72}}
    headline = metric_files.write("multitask/joint", summary, ("token.micro_f1", "sequence.accuracy"))
    assert json.loads((tmp_path / "metrics/multitask/joint.json").read_text()) == headline == {
        "token": {"micro_f1": 0.79}, "sequence": {"accuracy": 0.72}}
    assert metric_files.read("multitask/joint") == summary
