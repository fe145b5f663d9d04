"""The topics and multitask stages: topic labels from an LLM backend, topic files checked line by line."""

import json
from pathlib import Path

import pytest

from defaults import raw, typed
from nerlab.config.errors import DataError, NerlabError
from toy import rows_with_topics


def test_topics_file_errors_name_file_and_line(tmp_path):
    from nerlab.stages.multitask import labelled

    split = {r["id"]: r for r in rows_with_topics(3)}
    path = tmp_path / "train.jsonl"
    good = {"id": "0", "tokens": split["0"]["tokens"], "label": "Sport"}
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "1", "tokens": split["1"]["tokens"],
                                                          "label": "Weather"}) + "\n")
    with pytest.raises(DataError, match=r"train.jsonl:2.*Weather"):
        labelled(path, split)
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "99"}) + "\n")
    with pytest.raises(DataError, match=r"train.jsonl:2.*99"):
        labelled(path, split)
    path.write_text(json.dumps(good) + "\n")
    assert labelled(path, split) == [{**split["0"], "topic": "Sport"}]


def test_topics_stage_with_llm_labeller_keeps_readable_answers(tmp_path, monkeypatch):
    """The llm labeller's plumbing, through a backend registered under a new name (the real backends are
    tested with the real server elsewhere)."""
    import contextlib

    from nerlab.annotate import backends
    from nerlab.annotate.annotator import Usage, topic_reader
    from nerlab.data.jsonl import write_jsonl
    from nerlab.stages import topics

    monkeypatch.chdir(tmp_path)
    for split in ("train", "test"):
        write_jsonl(Path(f"data/prepared/toy/{split}.jsonl"), rows_with_topics(6))
    answers = iter(["1", "0: World", "0 1 2 3 4", "Business", "nonsense", "2"] * 2)

    class Scripted:
        def topics(self, rows, desc=""):
            return [topic_reader(r, next(answers)) for r in rows], Usage(sentences=len(rows))

    class FakeBackend(backends.Backend):
        name, model = "fake", "llm"

        @contextlib.contextmanager
        def open(self, prompter):
            yield Scripted()

    monkeypatch.setitem(backends.BACKENDS, "fake", FakeBackend)
    mapping = raw(seed=1, annotator="teacher", tracking={"enabled": False})
    mapping["annotate"].update(shot_selection="random", definitions="-",
                               topics={**mapping["annotate"]["topics"], "labeller": "llm", "train_size": 6,
                                       "test_size": 6})
    result = topics.run(typed(mapping, dataset="toy", llm="fake"))
    assert result["annotator"] == "fake:llm"
    train = result["splits"]["train"]
    assert train["labelled"] == 4 and train["unreadable"] == 2
    assert train["labels"] == {"World": 1, "Sport": 1, "Business": 2, "Technology": 0, "Other": 0}
    assert len(Path("data/topics/toy/train.jsonl").read_text().splitlines()) == 4


def test_multitask_stage_without_labelled_topics_is_a_clear_error(tmp_path, monkeypatch):
    from nerlab.data.jsonl import write_jsonl
    from nerlab.stages import multitask

    monkeypatch.chdir(tmp_path)
    rows = rows_with_topics(4)
    for split in ("train", "test"):
        write_jsonl(Path(f"data/prepared/toy/{split}.jsonl"), rows)
        write_jsonl(Path(f"data/topics/toy/{split}.jsonl"),
                    [{"id": r["id"], "tokens": r["tokens"], "label": r["topic"]} for r in rows] if split == "train" else [])
    mapping = raw(seed=1)
    mapping["multitask"]["train_size"] = 4
    params = typed(mapping, dataset="toy")
    with pytest.raises(NerlabError, match="no topic-labelled test sentences"):
        multitask.run(params, "joint")
    with pytest.raises(NerlabError, match="--task other: not an entry of multitask.tasks"):
        multitask.run(params, "other")
