"""The distill stage: its data (original pool disjoint from the annotated sample) and its mean +- std."""

import json

import pytest

from defaults import raw, typed
from nerlab.config.errors import DataError
from nerlab.data.tags import label_list
from toy import toy_rows


def test_original_sample_is_disjoint_from_the_annotated_sample(tmp_path, monkeypatch):
    from nerlab.config.errors import NerlabError
    from nerlab.data import pools
    from nerlab.models.transformer.labels import LabelSpace
    from nerlab.stages import distill

    monkeypatch.chdir(tmp_path)
    rows = toy_rows(40, 0)
    prepared = tmp_path / "data/prepared/toy"
    prepared.mkdir(parents=True)
    (prepared / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    annotated = tmp_path / "data/annotated/toy"
    annotated.mkdir(parents=True)
    (annotated / "cot.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:15]))
    distilled = tmp_path / "data/distilled/toy"
    distilled.mkdir(parents=True)
    (distilled / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:10]))
    space = LabelSpace.from_labels_json({"types": ["LOC", "ORG", "PER"], "tags": label_list(["LOC", "ORG", "PER"])})
    parts = {"sample": rows[:15], "teacher": rows[15:18], "original": rows[18:]}
    pools.write("toy", parts, 1)
    mapping = raw(seed=1)
    mapping["distill"].update(original_size=20, bbc=False)
    params = typed(mapping, dataset="toy")
    data = distill.load_data(params, space)
    assert len(data["original"]) == 20 and len(data["distilled_conll"]) == 10
    assert {r["id"] for r in data["original"]} <= {r["id"] for r in rows[18:]}
    pools.write("toy", {"sample": rows[:10], "teacher": [], "original": rows[10:]}, 1)  # a stale partition
    with pytest.raises(NerlabError, match="original pool were annotated too"):
        distill.load_data(params, space)
    pools.write("toy", parts, 1)
    (distilled / "train.jsonl").write_text(json.dumps({"id": "x", "tokens": ["a"], "tags": ["B-FOO"]}) + "\n")
    with pytest.raises(DataError, match=r"train.jsonl:1.*B-FOO"):
        distill.load_data(params, space)


def test_mean_std_follow_the_evaluator_schema():
    from nerlab.stages.distill import mean_std

    mean, std = mean_std([{"micro_f1": 0.8, "per_type": {"LOC": {"f1": 0.5}}, "sentences": 10},
                          {"micro_f1": 0.6, "per_type": {"LOC": {"f1": 0.7}}, "sentences": 10}])
    assert mean["micro_f1"] == pytest.approx(0.7) and mean["per_type"]["LOC"]["f1"] == pytest.approx(0.6)
    assert std["micro_f1"] == pytest.approx(0.1414, abs=1e-4) and std["sentences"] == 0
