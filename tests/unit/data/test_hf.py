"""dataset: hf -- Hugging Face datasets the tests write: save_to_disk folders and parquet/jsonl files, with
ClassLabel tags, string tags and integer tags named by label_names; and the bad inputs, each one line."""

import json

import datasets
import pytest

from defaults import fetch_config
from nerlab.config.errors import NerlabError
from nerlab.data.jsonl import read_json, read_split
from nerlab.data.prepare import prepare

NAMES = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
ROWS = {
    "train": [(["Ann", "Lee", "visited", "Paris"], [1, 2, 0, 3]), (["Bob", "stayed", "home"], [1, 0, 0]),
              (["New", "York", "is", "big"], [3, 4, 0, 0]), (["Carl", "left"], [1, 0])] * 10,
    "validation": [(["Dana", "lives", "in", "Rome"], [1, 0, 0, 3])] * 4,
    "test": [(["Eve", "saw", "Oslo"], [1, 0, 3]), (["Nothing", "here"], [0, 0])] * 3,
}


def dataset_dict(tags: str = "classlabel") -> datasets.DatasetDict:
    if tags == "classlabel":
        feature = datasets.Sequence(datasets.ClassLabel(names=NAMES))
        convert = (lambda t: t)
    elif tags == "strings":
        feature, convert = datasets.Sequence(datasets.Value("string")), (lambda t: [NAMES[i] for i in t])
    else:  # plain integers
        feature, convert = datasets.Sequence(datasets.Value("int64")), (lambda t: t)
    features = datasets.Features({"id": datasets.Value("string"), "tokens": datasets.Sequence(datasets.Value("string")),
                                  "ner_tags": feature})
    return datasets.DatasetDict({
        split: datasets.Dataset.from_dict({"id": [f"{split}-{i}" for i in range(len(rows))],
                                           "tokens": [r[0] for r in rows], "ner_tags": [convert(r[1]) for r in rows]},
                                          features=features)
        for split, rows in ROWS.items()})


def hf(**overrides):
    base = fetch_config().hf.model_dump()
    return fetch_config(hf=fetch_config().hf.model_copy(update={**base, **overrides}))


def test_a_save_to_disk_folder_with_classlabel_tags(tmp_path):
    dataset_dict().save_to_disk(tmp_path / "saved")
    report = prepare("hf", hf(path=str(tmp_path / "saved"), id_column="id"), 42, tmp_path / "out")
    train = read_split(tmp_path / "out", "train")
    assert train[0] == {"id": "train-0", "doc_id": None, "tokens": ["Ann", "Lee", "visited", "Paris"],
                        "tags": ["B-PER", "I-PER", "O", "B-LOC"]}
    assert {s: v["sentences"] for s, v in report["splits"].items()} == {"train": 40, "dev": 4, "test": 6}
    assert read_json(tmp_path / "out/labels.json")["types"] == ["LOC", "PER"]
    assert report["raw_sha256"] and all(len(h) == 64 for h in report["raw_sha256"].values())


@pytest.mark.parametrize("tags", ["strings", "integers"])
def test_parquet_and_jsonl_files_with_string_or_named_integer_tags(tmp_path, tags):
    data = dataset_dict(tags)
    files = {}
    for split, ds in data.items():
        files[split] = str(tmp_path / f"{split}.parquet")
        ds.to_parquet(files[split])
    cfg = hf(data_files=files, label_names=NAMES if tags == "integers" else None)
    prepare("hf", cfg, 42, tmp_path / "out")
    assert read_split(tmp_path / "out", "test")[0]["tags"] == ["B-PER", "O", "B-LOC"]
    jsonl = tmp_path / "train.jsonl"
    jsonl.write_text("".join(json.dumps({"tokens": t, "ner_tags": [NAMES[i] for i in g]}) + "\n"
                             for t, g in ROWS["train"]))
    report = prepare("hf", hf(data_files={"train": str(jsonl), "test": str(jsonl)}), 1, tmp_path / "j")
    assert report["splits"]["dev"]["sentences"] == 2  # no validation file: dev carved from train (5%)
    assert list(report["raw_sha256"]) == ["train.jsonl"]


def test_iob1_is_converted_and_repairs_are_counted(tmp_path):
    rows = {"train": [(["A", "B"], ["I-PER", "I-PER"])] * 20, "test": [(["C"], ["B-LOC"])] * 2}
    for split, r in rows.items():
        datasets.Dataset.from_dict({"tokens": [x[0] for x in r], "ner_tags": [x[1] for x in r]}).to_parquet(
            tmp_path / f"{split}.parquet")
    files = {s: str(tmp_path / f"{s}.parquet") for s in rows}
    prepare("hf", hf(data_files=files, scheme="IOB1"), 1, tmp_path / "a")
    assert read_split(tmp_path / "a", "test")[0]["tags"] == ["B-LOC"]  # IOB1's B- only between entities
    report = prepare("hf", hf(data_files=files), 1, tmp_path / "b")  # read as IOB2: an I- starting is repaired
    assert report["repairs"]["iob2_repair"]["count"] == 20  # one per train row, counted as read
    assert read_split(tmp_path / "b", "train")[0]["tags"] == ["B-PER", "I-PER"]


def test_bad_inputs_are_one_line_naming_the_source_split_and_row(tmp_path):
    dataset_dict().save_to_disk(tmp_path / "ok")
    with pytest.raises(NerlabError, match=r"\[train\]: no column 'words'"):
        prepare("hf", hf(path=str(tmp_path / "ok"), tokens="words"), 1, tmp_path / "o")
    bad = dataset_dict("strings")
    bad["train"] = datasets.Dataset.from_dict({"tokens": [["a", "b"], ["c"]], "ner_tags": [["O", "O"], ["O", "O"]]})
    bad.save_to_disk(tmp_path / "lengths")
    with pytest.raises(NerlabError, match=r"\[train\] row 1: 1 tokens but 2 tags"):
        prepare("hf", hf(path=str(tmp_path / "lengths")), 1, tmp_path / "o")
    bad["train"] = datasets.Dataset.from_dict({"tokens": [["a", ""]], "ner_tags": [["O", "O"]]})
    bad.save_to_disk(tmp_path / "empty-token")
    with pytest.raises(NerlabError, match=r"\[train\] row 0: token 1 \(''\) is not a non-empty string"):
        prepare("hf", hf(path=str(tmp_path / "empty-token")), 1, tmp_path / "o")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    full = tmp_path / "full.jsonl"
    full.write_text(json.dumps({"tokens": ["a"], "ner_tags": ["O"]}) + "\n")
    with pytest.raises(NerlabError, match=r"empty.jsonl.*could not be read: ValueError: Instruction \"test\" corr"):
        prepare("hf", hf(data_files={"train": str(full), "test": str(empty)}), 1, tmp_path / "o")
    dataset_dict("integers").save_to_disk(tmp_path / "ints")
    with pytest.raises(NerlabError, match="integer tags without a ClassLabel: give data.hf.label_names"):
        prepare("hf", hf(path=str(tmp_path / "ints")), 1, tmp_path / "o")
    with pytest.raises(NerlabError, match="no split 'testing'"):
        prepare("hf", hf(path=str(tmp_path / "ok"), splits={"train": "train", "dev": None, "test": "testing"}), 1,
                tmp_path / "o")
    with pytest.raises(NerlabError, match="one of the two"):
        prepare("hf", hf(), 1, tmp_path / "o")
    with pytest.raises(NerlabError, match="hub datasets need data.online: true"):
        prepare("hf", hf(path="someone/some-ner-set", revision="abc"), 1, tmp_path / "o")
