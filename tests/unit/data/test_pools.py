"""The sample / teacher / original partition, and a teacher that never sees the sample or the original pool."""

from pathlib import Path

import pytest

from defaults import typed
from nerlab.config.errors import NerlabError
from nerlab.config.params import load_params
from nerlab.data.jsonl import write_json, write_jsonl
from nerlab.data.pools import partition
from nerlab.data.sampling import subset
from nerlab.data.tags import label_list

ROOT = Path(__file__).resolve().parents[3]
NAMES, PLACES = ["Anna", "Bob", "Carla", "Dieter", "Emil"], ["Paris", "Oslo", "Rome", "Lima"]


def rows(n):
    out = []
    for i in range(n):
        tokens = [NAMES[i % 5], "visited", PLACES[i % 4], "on", "day", str(i), "."]
        out.append({"id": f"s{i}", "doc_id": f"d{i // 10}", "tokens": tokens,
                    "tags": ["B-PER", "O", "B-LOC", "O", "O", "O", "O"]})
    return out


@pytest.mark.parametrize("seed", [1, 42])
def test_parts_are_disjoint_cover_train_and_keep_the_annotation_sample(seed):
    train = rows(100)
    parts = partition(train, 30, 25, seed)
    ids = {name: [r["id"] for r in part] for name, part in parts.items()}
    assert [len(v) for v in ids.values()] == [30, 25, 45]
    assert not set(ids["sample"]) & set(ids["teacher"]) and not set(ids["sample"]) & set(ids["original"])
    assert not set(ids["teacher"]) & set(ids["original"])
    assert sorted(sum(ids.values(), [])) == sorted(r["id"] for r in train)
    assert parts["sample"] == subset(train, 30, seed)  # the same sample whatever the teacher pool
    assert partition(train, 30, 10, seed)["sample"] == parts["sample"]
    for part in parts.values():  # corpus order
        assert [r["id"] for r in part] == sorted((r["id"] for r in part), key=lambda i: int(i[1:]))


def test_too_few_sentences_is_a_one_line_error():
    with pytest.raises(NerlabError, match="too few"):
        partition(rows(10), 8, 5, 1)


def test_teacher_learns_only_from_its_pool_and_distill_draws_only_from_the_original_pool(tmp_path, monkeypatch):
    from nerlab.models.crf.crfsuite import CRFTagger
    from nerlab.stages import partition as partition_stage
    from nerlab.stages import teacher

    monkeypatch.chdir(tmp_path)
    train = rows(120)
    prepared = Path("data/prepared/toy")
    write_jsonl(prepared / "train.jsonl", train)
    write_jsonl(prepared / "dev.jsonl", rows(10))
    write_json(prepared / "labels.json", {"types": ["LOC", "PER"], "tags": label_list(["LOC", "PER"])})
    raw = load_params(ROOT / "params.yaml")
    raw.update(seed=3, annotator="teacher", tracking={"enabled": False})
    raw["annotate"]["sample_size"]["teacher"] = 40
    raw["teacher"]["size"] = 30
    raw["crf"]["features"]["clusters"]["sizes"] = []
    raw["crf"]["max_iterations"] = 5
    raw["distill"].update(original_size=20, bbc=False)
    params = typed(raw, dataset="toy")
    parts = partition_stage.run(params)["ids"]

    seen = []
    fit = CRFTagger.fit
    monkeypatch.setattr(CRFTagger, "fit", lambda self, sentences, folder: (seen.extend(sentences),
                                                                           fit(self, sentences, folder))[1])
    result = teacher.run(params)
    trained_on = {r["id"] for r in seen}
    assert trained_on == set(parts["teacher"]) and len(trained_on) == 30 == result["sentences"]
    assert not trained_on & set(parts["sample"]) and not trained_on & set(parts["original"])
    assert "stands in for the paper's LLM annotator" in result["note"]
    assert (Path("models/teacher") / "teacher.json").is_file()

    from nerlab.annotate.backends import get
    from nerlab.models.transformer.labels import LabelSpace
    from nerlab.stages import distill

    assert get("teacher", params.annotate).note() == result["note"]
    Path("data/annotated/toy").mkdir(parents=True)
    write_jsonl(Path("data/annotated/toy/teacher.jsonl"), [r for r in train if r["id"] in parts["sample"]])
    write_jsonl(Path("data/distilled/toy/train.jsonl"), [])
    data = distill.load_data(params, LabelSpace.from_labels_json({"types": ["LOC", "PER"],
                                                                   "tags": label_list(["LOC", "PER"])}))
    assert len(data["original"]) == 20 and {r["id"] for r in data["original"]} <= set(parts["original"])
