"""A Hugging Face dataset on disk through the whole default DAG (`dvc repro`: fetch -> crf -> annotate ->
finetune -> evaluate and the paper stages) with dataset: hf and data.hf.path a save_to_disk folder the test
writes from the toy corpus; a second `dvc repro` is a no-op."""

import json

import pytest
import yaml

from toy_project import DVC, make_project, run


@pytest.mark.slow
def test_a_saved_hf_dataset_runs_the_whole_dag(tmp_path):
    import datasets

    from nerlab.data.columns import ColumnSpec, read_columns
    from nerlab.data.repairs import RepairLog

    project, env, params = make_project(tmp_path)
    spec = ColumnSpec(token_col=0, tag_col=3, n_cols=4, scheme="IOB1")
    names = ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
    features = datasets.Features({"tokens": datasets.Sequence(datasets.Value("string")),
                                  "ner_tags": datasets.Sequence(datasets.ClassLabel(names=names))})
    splits = {}
    for ours, theirs in (("train", "train"), ("dev", "validation"), ("test", "test")):
        sentences = read_columns(params["data"]["conll"][ours], spec, ours, RepairLog())  # IOB2 after reading
        splits[theirs] = datasets.Dataset.from_dict(
            {"tokens": [s.tokens for s in sentences], "ner_tags": [[names.index(t) for t in s.tags] for s in sentences]},
            features=features)
    datasets.DatasetDict(splits).save_to_disk(tmp_path / "toy-hf")
    params["dataset"] = "hf"
    params["data"]["hf"]["path"] = str(tmp_path / "toy-hf")
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

    out = run([*DVC, "repro"], project, env)
    for stage in ("fetch", "partition", "teacher", "eda", "crf", "annotate", "annotate_bbc", "topics", "llm_tagger",
                  "finetune", "distill", "learning_curve", "multitask@joint", "evaluate"):
        assert f"Running stage '{stage}'" in out
    fetched = json.loads((project / "metrics/fetch.json").read_text())
    assert fetched["dataset"] == "hf" and {s: v["sentences"] for s, v in fetched["splits"].items()} == \
        {"train": 80, "dev": 20, "test": 20}
    assert fetched["raw_sha256"] and not fetched["repairs"]
    test = json.loads((project / "metrics/details/test.json").read_text())
    assert test["dataset"] == "hf" and test["crf"]["micro_f1"] > 0.5 and "micro_f1" in test["finetune"]
    assert json.loads((project / "data/distilled/hf/source.json").read_text())["sentences"] > 0
    assert "Running stage" not in run([*DVC, "repro"], project, env)  # twice: a no-op
