"""The named datasets, read from ../shared/datasets (skipped where it is absent): counts match their README."""

import json

from defaults import fetch_config
from nerlab.data.jsonl import read_json, read_split
from nerlab.data.prepare import prepare
from nerlab.data.tags import is_valid_iob2


def test_conll2003(shared_datasets, tmp_path, monkeypatch):
    monkeypatch.setenv("NERLAB_DATA_DIR", str(shared_datasets))
    report = prepare("conll2003", fetch_config(online=False), 42, tmp_path)
    assert {s: v["sentences"] for s, v in report["splits"].items()} == {"train": 14041, "dev": 3250, "test": 3453}
    assert {s: v["entities"] for s, v in report["splits"].items()} == {"train": 23499, "dev": 5942, "test": 5648}
    assert {s: v["documents"] for s, v in report["splits"].items()} == {"train": 946, "dev": 216, "test": 231}
    assert report["raw_sha256"]["eng.train"] == "eac0822f501353f265383ddf1edb0dcd42a1b6eefd3e383d7074db98c38eb41c"
    train = read_split(tmp_path, "train")
    assert train[0]["tokens"][:2] == ["EU", "rejects"] and train[0]["tags"][0] == "B-ORG"
    assert all(is_valid_iob2(r["tags"]) for r in train)
    assert read_json(tmp_path / "labels.json")["types"] == ["LOC", "MISC", "ORG", "PER"]


def test_conll2003_subsample(shared_datasets, tmp_path, monkeypatch):
    monkeypatch.setenv("NERLAB_DATA_DIR", str(shared_datasets))
    report = prepare("conll2003", fetch_config(online=False, train_size=1000), 1, tmp_path)
    assert report["splits"]["train"]["sentences"] == 1000 and report["splits"]["test"]["sentences"] == 3453


def test_multiconer2(shared_datasets, tmp_path, monkeypatch):
    monkeypatch.setenv("NERLAB_DATA_DIR", str(shared_datasets))
    report = prepare("multiconer2", fetch_config(online=False, dev_fraction=0.05), 42, tmp_path)
    splits = report["splits"]
    assert splits["train"]["sentences"] + splits["dev"]["sentences"] == 16778
    assert splits["dev"]["sentences"] == 839 and splits["test"]["sentences"] == 871
    assert splits["train"]["entities"] + splits["dev"]["entities"] == 25449 and splits["test"]["entities"] == 1296
    assert report["repairs"]["duplicate_id"]["count"] == 11
    assert any("test = the official en-dev" in note for note in report["notes"])
    labels = read_json(tmp_path / "labels.json")
    assert len(labels["types"]) == 33 and labels["coarse_types"] == ["CW", "GRP", "LOC", "MED", "PER", "PROD"]
    row = read_split(tmp_path, "test")[0]
    assert len(row["coarse_tags"]) == len(row["tags"])


def test_bbc_news(shared_datasets, tmp_path, monkeypatch):
    monkeypatch.setenv("NERLAB_DATA_DIR", str(shared_datasets))
    report = prepare("bbc_news", fetch_config(online=False), 42, tmp_path)
    assert report["articles"] == 2225
    assert report["categories"] == {"business": 510, "entertainment": 386, "politics": 417, "sport": 511, "tech": 401}
    assert report["repairs"]["latin1_decoded"]["count"] == 1
    assert report["repairs"]["duplicate_text_kept"]["count"] == 98
    articles = [json.loads(line) for line in (tmp_path / "articles.jsonl").read_text().splitlines()]
    assert "\u00a3" in next(a for a in articles if a["id"] == "sport-199")["text"]
