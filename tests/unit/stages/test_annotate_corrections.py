"""The correction loop through the real annotate stage (annotator noise: no model to train): export the
distilled sample, read it back unchanged (nothing moves), then a person changes 3 spans and Table 1 moves by
exactly those spans, with the provenance in source.json."""

import json

import pytest

from defaults import ROOT, raw, typed
from nerlab.config.errors import NerlabError
from nerlab.data import distilled, pools
from nerlab.data.tags import label_list
from nerlab.evaluation.evaluator import evaluate
from toy import toy_rows


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = toy_rows(60, 0)
    prepared = tmp_path / "data/prepared/conll2003"
    prepared.mkdir(parents=True)
    (prepared / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (prepared / "labels.json").write_text(json.dumps({"types": ["LOC", "ORG", "PER"],
                                                      "tags": label_list(["LOC", "ORG", "PER"])}))
    pools.write("conll2003", {"sample": rows[:30], "teacher": [], "original": rows[30:]}, 1)
    return rows[:30]


def run(**annotate):
    from nerlab.stages import annotate as stage

    mapping = raw(annotator="noise", tracking={"enabled": False})
    mapping["annotate"].update(definitions=str(ROOT / "configs/prompts/entities"), **annotate)
    mapping["annotate"]["noise"]["target"] = {"PER": {"precision": 0.8, "recall": 0.7},
                                              "LOC": {"precision": 0.9, "recall": 0.8}}
    return stage.run(typed(mapping, dataset="conll2003"))


def test_export_correct_and_reimport(project, tmp_path):
    first = run()
    annotated = [json.loads(line) for line in open("data/distilled/conll2003/train.jsonl")]
    assert len(annotated) == 30 and "corrected" not in first
    written = distilled.export("conll2003", "label-studio", tmp_path / "out/tasks.json")
    assert [p.name for p in written] == ["tasks.json", "tasks.json.label_config.xml"]
    with pytest.raises(NerlabError, match="exists: nerlab does not replace"):
        distilled.export("conll2003", "label-studio", tmp_path / "out/tasks.json")
    tasks = json.loads(written[0].read_text())
    assert tasks[0]["predictions"][0]["model_version"] == "noise:GPT-4 CoT (paper 003 Table 1) (noise)"

    # a person accepts every pre-annotation: the export holds them as annotations; nothing moves
    reviewed = [{"id": i, "data": t["data"], "annotations": [{"result": t["predictions"][0]["result"]}]}
                for i, t in enumerate(tasks)]
    unchanged = tmp_path / "unchanged.json"
    unchanged.write_text(json.dumps(reviewed))
    same = run(corrected=str(unchanged))
    assert same["corrected"]["spans_added"] == same["corrected"]["spans_removed"] == 0
    assert same["corrected"]["quality"] == same["prompts"]["noise"]["quality"]
    assert [json.loads(line) for line in open("data/distilled/conll2003/train.jsonl")] == annotated

    # three changes: a span relabelled, a span deleted, a missing gold span added
    expected = [dict(r) for r in annotated]
    edits = 0
    for task, row in zip(reviewed, expected):
        result = task["annotations"][0]["result"]
        if edits == 0 and result:  # relabel the first span
            result[0]["value"]["labels"] = ["ORG" if result[0]["value"]["labels"] != ["ORG"] else "PER"]
            edits = 1
        elif edits == 1 and result:  # delete a span
            result.pop()
            edits = 2
        elif edits == 2 and len(row["tokens"]) > 1 and all(
                r["value"]["start"] != 0 for r in result) and row["tags"][0] == "O" and row["tags"][1] == "O":
            text = task["data"]["text"]
            result.append({"type": "labels", "from_name": "label", "to_name": "text",
                           "value": {"start": 0, "end": len(row["tokens"][0]), "text": text[:len(row["tokens"][0])],
                                     "labels": ["PER"]}})
            edits = 3
    assert edits == 3
    corrected_file = tmp_path / "corrected.json"
    corrected_file.write_text(json.dumps(reviewed))
    from nerlab.data import spans
    from nerlab.data.repairs import RepairLog

    fixed = {s.id: s.tags for s in spans.read(corrected_file, "x", RepairLog())}
    result = run(corrected=str(corrected_file))
    c = result["corrected"]
    assert (c["spans_added"], c["spans_removed"], c["sentences_changed"]) == (2, 2, 3)
    gold = [r["tags"] for r in project]
    assert c["quality"] == evaluate(gold, [fixed[r["id"]] for r in project])  # exactly those spans moved
    assert c["quality"] != result["prompts"]["noise"]["quality"]
    source = json.loads(open("data/distilled/conll2003/source.json").read())
    assert source["corrected"]["spans_added"] == 2 and source["corrected"]["sha256"]
    assert "corrected by a person" in source["note"]
    assert [json.loads(line)["tags"] for line in open("data/distilled/conll2003/train.jsonl")] == \
        [fixed[r["id"]] for r in project]
    metrics = json.loads(open("metrics/annotate.json").read())
    assert metrics["corrected"]["quality"]["micro_f1"] == c["quality"]["micro_f1"]

    reviewed[0]["data"]["id"] = "not-in-the-sample"
    corrected_file.write_text(json.dumps(reviewed))
    with pytest.raises(NerlabError, match="not in the annotated sample"):
        run(corrected=str(corrected_file))
