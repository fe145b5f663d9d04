"""The one train-and-score recipe (finetune, distill, learning_curve, multitask) and the scorer it shares with
the evaluate stage."""

import json
from pathlib import Path

import pytest

from defaults import raw, typed
from nerlab.config.errors import NerlabError
from nerlab.evaluation.evaluator import evaluate
from nerlab.evaluation.scoring import predict_and_score
from nerlab.models.transformer.labels import LabelSpace
from nerlab.models.transformer.recipe import Recipe
from nerlab.models.transformer.tagger import FinetunedTagger
from toy import LABELS, toy_rows


def tiny_params(folder: Path, **finetune):
    mapping = raw(encoder=str(folder), head="linear", head_lr_mult=1)
    mapping["finetune"].update(epochs=3, batch_size=4, lr=1e-3, warmup=0.0, max_length=32, **finetune)
    return typed(mapping)


def test_recipe_scores_the_saved_model_and_keeps_its_predictions(tiny_folder, tmp_path):
    space = LabelSpace.from_labels_json(LABELS)
    train_rows, dev_rows, test_rows = toy_rows(24, 1), toy_rows(8, 2), toy_rows(10, 3)
    recipe = Recipe.from_params(tiny_params(tiny_folder, checkpoint="best", dev_every=1), seed=42)
    coarse = {"LOC": "PLACE", "ORG": "GROUP", "PER": "GROUP"}
    out = recipe.train_and_score(space, train_rows, dev_rows, model_dir=tmp_path / "model",
                                 state_dir=tmp_path / "state", run_key="t", test_rows=test_rows,
                                 coarse_map=coarse, predictions=tmp_path / "pred.jsonl")
    assert (tmp_path / "model" / "tagger.json").is_file() and not (tmp_path / "state").exists()
    reloaded = FinetunedTagger.load(tmp_path / "model")
    predicted = reloaded.predict(test_rows)
    assert out.test == evaluate([r["tags"] for r in test_rows], predicted, coarse)  # the saved model's scores
    assert "coarse" in out.test and out.predict_seconds > 0 and len(out.history) == 3
    kept = [json.loads(line) for line in (tmp_path / "pred.jsonl").read_text().splitlines()]
    assert [(k["id"], k["pred"]) for k in kept] == [(r["id"], p) for r, p in zip(test_rows, predicted)]
    assert out.sequence is None  # no sequence head


def test_frozen_word_embeddings_stay_as_loaded_while_the_rest_trains(tiny_folder, tmp_path):
    import torch

    space = LabelSpace.from_labels_json(LABELS)
    recipe = Recipe.from_params(tiny_params(tiny_folder, freeze_word_embeddings=True, checkpoint="last",
                                            dev_every=0), seed=42)
    tagger, _, _ = recipe.build(space)
    words = tagger.model.encoder.get_input_embeddings().weight
    before = {n: p.detach().clone() for n, p in tagger.model.named_parameters()}
    assert not words.requires_grad and sum(p.requires_grad for p in tagger.model.parameters()) > 10
    recipe.train_and_score(space, toy_rows(24, 1), [], model_dir=tmp_path / "model", state_dir=tmp_path / "state",
                           run_key="t")
    saved = FinetunedTagger.load(tmp_path / "model").model
    after = dict(saved.named_parameters())
    name = next(n for n, p in tagger.model.named_parameters() if p is words)
    assert torch.equal(after[name], before[name])  # the word embeddings: exactly as loaded
    changed = [n for n in before if n != name and not torch.equal(after[n], before[n])]
    assert len(changed) > 10  # the layers, position embeddings and heads trained
    unfrozen = Recipe.from_params(tiny_params(tiny_folder), seed=42)
    assert unfrozen.key("finetune") != recipe.key("finetune")  # a finished run of the other setting is not reused


def test_recipe_from_a_paper_block_lays_its_train_block_over_finetune(tiny_folder):
    mapping = raw(encoder=str(tiny_folder))
    mapping["paper002"].update(encoder=str(tiny_folder), paper_encoder="bert-base-uncased",
                               train={"epochs": 2, "lr_schedule": "linear", "checkpoint": "last", "dev_every": 0})
    params = typed(mapping)
    recipe = Recipe.of_section(params, "paper002", seed=7)
    assert recipe.seed == 7 and recipe.cfg.epochs == 2 and recipe.cfg.lr_schedule == "linear"
    assert recipe.cfg.batch_size == params.finetune.batch_size  # not in the block: the finetune block's
    assert recipe.spec.head == params.paper002.architecture.head and recipe.spec.head_lr_mult == 1
    assert recipe.stands_in_for == "bert-base-uncased" and recipe.key("a", [1]) != recipe.key("b", [1])


def test_scoring_checks_predictions_before_writing(tmp_path):
    class Short:
        def predict(self, rows):
            return [r["tags"][:-1] if r["id"] == "2" else r["tags"] for r in rows]

    rows = toy_rows(4, 0)
    with pytest.raises(NerlabError, match="sentence 2: 6 tokens but 5 predicted tags"):
        predict_and_score(Short(), rows, predictions=tmp_path / "p.jsonl")
    assert not (tmp_path / "p.jsonl").exists()

    class Fewer:
        def predict(self, rows):
            return [r["tags"] for r in rows[1:]]

    with pytest.raises(NerlabError, match="4 sentences to score but 3 predicted"):
        predict_and_score(Fewer(), rows)
    scored = predict_and_score(type("Perfect", (), {"predict": lambda self, rows: [r["tags"] for r in rows]})(),
                               rows, predictions=tmp_path / "ok.jsonl")
    assert scored.scores["micro_f1"] == 1.0 and set(scored.speed) == {"predict_seconds", "sentences_per_second"}
    assert len((tmp_path / "ok.jsonl").read_text().splitlines()) == 4
