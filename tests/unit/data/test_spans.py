"""dataset: spans -- doccano JSONL and Label Studio JSON shaped like the tools' documented exports; snapping,
overlaps and bad spans; nerlab's own export read back token for token."""

import json

import pytest

from defaults import fetch_config
from nerlab.config.errors import DataError
from nerlab.data import spans
from nerlab.data.jsonl import read_split
from nerlab.data.prepare import prepare
from nerlab.data.repairs import RepairLog

# doccano 1.x sequence labelling export (JSONL): id, text, label [[start, end, type]], plus the user's metadata
DOCCANO = [
    {"id": 1, "text": "Ann Lee flew to Paris.", "label": [[0, 7, "PER"], [16, 21, "LOC"]], "Comments": []},
    {"id": 2, "text": "EU rejects German call", "label": [[0, 2, "ORG"], [11, 17, "MISC"]]},
]
# Label Studio JSON export: tasks with annotations[].result[].value {start, end, text, labels}
LABEL_STUDIO = [
    {"id": 11, "data": {"text": "Bob met Carl in Rome"}, "annotations": [
        {"id": 5, "completed_by": 1, "was_cancelled": False, "result": [
            {"value": {"start": 0, "end": 3, "text": "Bob", "labels": ["PER"]}, "id": "a1", "from_name": "label",
             "to_name": "text", "type": "labels", "origin": "manual"},
            {"value": {"start": 16, "end": 20, "text": "Rome", "labels": ["LOC"]}, "id": "a2",
             "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual"}]}],
     "predictions": []},
    {"id": 12, "data": {"text": "Nobody reviewed this"}, "annotations": [],
     "predictions": [{"model_version": "m", "result": [
         {"value": {"start": 0, "end": 6, "labels": ["PER"]}, "from_name": "label", "to_name": "text",
          "type": "labels"}]}]},
    {"id": 13, "data": {"text": "Nothing at all"}, "annotations": [], "predictions": []},
]


def write(path, records, jsonl=True):
    path.write_text("".join(json.dumps(r) + "\n" for r in records) if jsonl else json.dumps(records, indent=2))
    return path


def test_doccano_jsonl_becomes_iob2_on_regex_tokens(tmp_path):
    repairs = RepairLog()
    read = spans.read(write(tmp_path / "d.jsonl", DOCCANO), "train", repairs)
    assert read[0].id == "1" and read[0].tokens == ["Ann", "Lee", "flew", "to", "Paris", "."]
    assert read[0].tags == ["B-PER", "I-PER", "O", "O", "B-LOC", "O"]
    assert read[1].tags == ["B-ORG", "O", "B-MISC", "O"] and not repairs.counts


def test_label_studio_json_reads_annotations_then_predictions(tmp_path):
    repairs = RepairLog()
    read = spans.read(write(tmp_path / "ls.json", LABEL_STUDIO, jsonl=False), "train", repairs)
    assert [s.id for s in read] == ["11", "12"]  # the task with nothing is skipped
    assert read[0].tags == ["B-PER", "O", "O", "O", "B-LOC"] and read[1].tags == ["B-PER", "O", "O"]
    assert repairs.counts == {"not_reviewed": 1, "unannotated_task_skipped": 1}
    assert read[0].line == 2  # the line where the task starts, for messages


def test_off_boundary_spans_are_snapped_and_overlaps_keep_the_longer(tmp_path):
    records = [{"text": "The United Nations met", "label": [[5, 16, "ORG"], [4, 18, "ORG"], [4, 10, "LOC"]]},
               {"text": "Hi   there", "label": [[2, 4, "PER"]]}]
    repairs = RepairLog()
    read = spans.read(write(tmp_path / "s.jsonl", records), "train", repairs)
    assert read[0].tags == ["O", "B-ORG", "I-ORG", "O"]  # [4, 18) kept; [5, 16) and [4, 10) overlap it
    assert repairs.counts["span_snapped"] == 1 and repairs.counts["span_overlap_dropped"] == 2
    assert repairs.counts["span_empty"] == 1 and read[1].tags == ["O", "O"]  # whitespace only: no token


@pytest.mark.parametrize(("record", "message"), [
    ({"text": "short", "label": [[0, 9, "PER"]]}, r"s.jsonl:2: span \[0, 9\) 'PER' is outside the text"),
    ({"text": "short", "label": [[3, 3, "PER"]]}, r"s.jsonl:2: span \[3, 3\) 'PER' is outside the text .* or empty"),
    ({"text": "short", "label": [["a", 2]]}, r"s.jsonl:2: span \['a', 2\] is not \[start, end, label\]"),
    ({"label": []}, r"s.jsonl:2: a doccano record needs a \"text\" string"),
])
def test_bad_spans_name_the_file_and_line(tmp_path, record, message):
    path = write(tmp_path / "s.jsonl", [DOCCANO[0], record])
    with pytest.raises(DataError, match=message):
        spans.read(path, "train", RepairLog())


def test_label_studio_errors_name_the_tasks_line(tmp_path):
    tasks = [LABEL_STUDIO[0], {**LABEL_STUDIO[0], "annotations": [{"result": [
        {"type": "labels", "value": {"start": 0, "end": 99, "labels": ["PER"]}}]}]}]
    path = write(tmp_path / "ls.json", tasks, jsonl=False)
    line = path.read_text().splitlines().index("  {", 2) + 1  # the second task's opening brace
    with pytest.raises(DataError, match=rf"ls.json:{line}: span \[0, 99\)"):
        spans.read(path, "train", RepairLog())
    with pytest.raises(DataError, match="unknown entity type"):
        spans.read(write(tmp_path / "d.jsonl", DOCCANO), "train", RepairLog(), frozenset({"PER", "LOC"}))


ROWS = [{"id": "s1", "tokens": ["U.S.", "envoy", "Kim", "Jong-un", "'s", "visit", "(", "N.Y.", ")"],
         "tags": ["B-LOC", "O", "B-PER", "I-PER", "O", "O", "O", "B-LOC", "O"]},
        {"id": "s2", "tokens": ["Nothing", "here"], "tags": ["O", "O"]}]


@pytest.mark.parametrize("fmt", spans.FORMATS)
def test_an_export_reads_back_token_for_token(tmp_path, fmt):
    path = tmp_path / ("x.jsonl" if fmt == "doccano" else "x.json")
    if fmt == "doccano":
        write(path, spans.to_doccano(ROWS))
    else:  # a person accepts every prediction in Label Studio: the export then holds them as annotations
        tasks = spans.to_label_studio(ROWS, "teacher:models/teacher")
        assert tasks[0]["predictions"][0]["model_version"] == "teacher:models/teacher"
        assert tasks[0]["predictions"][0]["result"][0]["value"] == {"start": 0, "end": 4, "text": "U.S.",
                                                                    "labels": ["LOC"]}
        exported = [{"id": i, "data": t["data"], "annotations": [{"result": t["predictions"][0]["result"]}]}
                    for i, t in enumerate(tasks)]
        write(path, exported, jsonl=False)
    repairs = RepairLog()
    back = spans.read(path, "train", repairs)
    assert [(s.id, s.tokens, s.tags) for s in back] == [(r["id"], r["tokens"], r["tags"]) for r in ROWS]
    assert not repairs.counts
    assert 'Label value="LOC"' in spans.label_config(["LOC", "PER"])


def test_a_spans_dataset_runs_through_fetch(tmp_path):
    train = write(tmp_path / "train.jsonl", DOCCANO * 20)
    test = write(tmp_path / "test.json", LABEL_STUDIO, jsonl=False)
    cfg = fetch_config(spans=fetch_config().spans.model_copy(update={"train": str(train), "test": str(test)}))
    report = prepare("spans", cfg, 1, tmp_path / "out")
    assert {s: v["sentences"] for s, v in report["splits"].items()} == {"train": 38, "dev": 2, "test": 2}
    assert report["repairs"]["duplicate_id"]["count"] == 38  # ids 1 and 2, twenty times: renamed, counted
    assert read_split(tmp_path / "out", "test")[0]["tags"] == ["B-PER", "O", "O", "O", "B-LOC"]
    assert set(report["raw_sha256"]) == {"train.jsonl", "test.json"}
