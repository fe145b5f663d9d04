"""nerlab export: a standard transformers folder that scores and tags as nerlab does."""

import json

import pytest

from defaults import train_config
from nerlab.config.errors import NerlabError
from nerlab.models.transformer.train import train
from nerlab.serving.export import export, score_gap
from toy import build, toy_rows

SENTENCES = ["Bob visited Oslo on Monday .", "Acme hired Carla in New York", "Volvo hired Anna in Rome .",
             "Carla visited Paris on Monday .", "Anna visited Rome ."]


def trained(tiny, tmp_path, head, **arch):
    tagger = build(tiny, head=head, **arch)
    cfg = train_config(epochs=20, batch_size=8, lr=3e-3, warmup=0.0, seed=0)
    train(tagger, cfg, toy_rows(48, 1), toy_rows(8, 2), tmp_path / "model", tmp_path / "state", run_key="toy")
    return tmp_path / "model"


@pytest.mark.parametrize("head", ["linear", "crf"])
def test_exported_model_scores_and_tags_like_nerlab(tiny, tmp_path, head, capsys):
    from transformers import AutoModelForTokenClassification, pipeline

    from nerlab.cli import main
    from nerlab.models.transformer.tagger import FinetunedTagger
    from nerlab.serving.predict import tag_texts

    model_dir = trained(tiny, tmp_path, head, aux="linear")
    main(["export", "--model", str(model_dir), "--to", str(tmp_path / "hf")])
    assert "not carried over" in capsys.readouterr().out
    record = json.loads((tmp_path / "hf" / "export.json").read_text())
    assert record["head"] == head and any(("CRF" in x) == (head == "crf") for x in record["lost"][1:2])
    hf = AutoModelForTokenClassification.from_pretrained(tmp_path / "hf").eval()
    ours = FinetunedTagger.load(model_dir, device="cpu")
    assert hf.config.id2label[0] == ours.space.tags[0]
    rows = [{"id": str(i), "tokens": s.split()} for i, s in enumerate(SENTENCES)]
    assert score_gap(ours, hf, rows) < 1e-4  # the same scores at every word
    if head == "crf":  # the learned transitions are lost (export.json says so): the scores are what carries over
        return
    tagger = pipeline("token-classification", model=str(tmp_path / "hf"), aggregation_strategy="first")
    for result in tag_texts(ours, SENTENCES):
        theirs = {(e["start"], e["end"], e["entity_group"]) for e in tagger(result["text"])}
        assert theirs == {(e["start"], e["end"], e["type"]) for e in result["entities"]}, result["text"]


def test_models_a_standard_class_cannot_hold_are_refused(tiny, tmp_path):
    model_dir = trained(tiny, tmp_path, "bilstm_crf")
    with pytest.raises(NerlabError, match="head 'bilstm_crf'"):
        export(model_dir, tmp_path / "hf")
    meta = json.loads((model_dir / "tagger.json").read_text())
    meta["architecture"].update(head="linear", layers=3, blend="concat")
    (model_dir / "tagger.json").write_text(json.dumps(meta))
    with pytest.raises(NerlabError, match="last 3 layers.*blend 'concat'"):
        export(model_dir, tmp_path / "hf")
    with pytest.raises(NerlabError, match="no fine-tuned nerlab model"):
        export(tmp_path / "nowhere", tmp_path / "hf")


@pytest.mark.parametrize("target", [".", "..", "models/finetune", "models", "data"])
def test_export_never_writes_over_what_nerlab_did_not_write(tmp_path, monkeypatch, caplog, target):
    from nerlab.cli import main

    project = tmp_path / "project"
    for folder in (".git", ".dvc", "data", "models/finetune"):
        (project / folder).mkdir(parents=True)
    (project / "data" / "train.jsonl").write_text("keep")
    (project / "models/finetune/tagger.json").write_text("{}")
    (project / "params.yaml").write_text("seed: 1\n")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    monkeypatch.chdir(project)
    with pytest.raises(SystemExit) as code:
        main(["export", "--model", "models/finetune", "--to", target])
    assert code.value.code == 1 and "refusing" in caplog.text and "Traceback" not in caplog.text
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before
    assert (project / "data" / "train.jsonl").read_text() == "keep"
