"""Training at fp32 | bf16 and inference at fp32 | bf16 | int8 (nerlab.models.transformer.precision)."""

import pytest
import torch
from torch import nn

from defaults import raw, typed
from nerlab.config.errors import NerlabError
from nerlab.config.schema import validate
from nerlab.models import loaders
from nerlab.models.transformer.heads import HEADS
from nerlab.models.transformer.labels import LabelSpace
from nerlab.models.transformer.precision import is_quantized
from nerlab.models.transformer.recipe import Recipe
from nerlab.models.transformer.tagger import FinetunedTagger
from nerlab.models.transformer.train import train
from nerlab.serving import mlflow_model
from toy import LABELS, toy_rows


def tiny_params(folder, head="crf", inference="fp32", **finetune):
    mapping = raw(encoder=str(folder), head=head, head_lr_mult=1, inference_precision=inference)
    mapping["finetune"].update(epochs=2, batch_size=4, lr=1e-3, warmup=0.0, max_length=32, checkpoint="last",
                               **finetune)
    return typed(mapping)


class LinearOutputs:
    """The dtypes the encoder's Linear layers produce while it is hooked."""

    def __init__(self, module: nn.Module):
        self.dtypes: set[torch.dtype] = set()
        self.handles = [m.register_forward_hook(self._hook) for m in module.modules() if isinstance(m, nn.Linear)]

    def _hook(self, module, args, out):
        self.dtypes.add(out.dtype)

    def close(self):
        for h in self.handles:
            h.remove()


@pytest.fixture(scope="module")
def saved(tiny_folder, tmp_path_factory):
    """A tiny CRF tagger trained at fp32 and saved."""
    folder = tmp_path_factory.mktemp("model")
    recipe = Recipe.from_params(tiny_params(tiny_folder), seed=3)
    recipe.train_and_score(LabelSpace.from_labels_json(LABELS), toy_rows(24, 1), toy_rows(6, 2),
                           model_dir=folder, state_dir=folder.parent / "state", run_key="p")
    return folder


@pytest.mark.parametrize("head", ["crf", "bilstm_crf"])
def test_bf16_training_autocasts_the_encoder_and_keeps_weights_crf_and_losses_fp32(tiny_folder, tmp_path, head):
    recipe = Recipe.from_params(tiny_params(tiny_folder, head=head, precision="bf16"), seed=3)
    tagger, _, _ = recipe.build(LabelSpace.from_labels_json(LABELS))
    hooked = LinearOutputs(tagger.model.encoder)
    losses = []
    history = train(tagger, recipe.cfg, toy_rows(24, 1), toy_rows(6, 2), tmp_path / "m", tmp_path / "s", "k",
                    on_epoch=lambda epoch, record: losses.append(record["train_loss"]))["history"]
    hooked.close()
    assert torch.bfloat16 in hooked.dtypes  # the encoder's products ran in bf16
    assert len(history) == 2 and all(torch.isfinite(torch.tensor(v)) for v in losses)
    assert {p.dtype for p in tagger.model.parameters()} == {torch.float32}  # master weights (and AdamW state)
    reloaded = FinetunedTagger.load(tmp_path / "m")
    assert {p.dtype for p in reloaded.model.parameters()} == {torch.float32}  # saved fp32


def test_fp32_training_never_autocasts(tiny_folder, tmp_path):
    recipe = Recipe.from_params(tiny_params(tiny_folder, precision="fp32"), seed=3)
    tagger, _, _ = recipe.build(LabelSpace.from_labels_json(LABELS))
    hooked = LinearOutputs(tagger.model.encoder)
    train(tagger, recipe.cfg, toy_rows(8, 1), toy_rows(4, 2), tmp_path / "m", tmp_path / "s", "k")
    hooked.close()
    assert hooked.dtypes == {torch.float32}


def test_bilstm_and_crf_run_in_fp32_under_bf16_autocast():
    labels = ["O", "B-PER", "I-PER"]
    head = HEADS["bilstm_crf"](8, labels, 0.0, 4).eval()
    x, mask = torch.randn(2, 5, 8), torch.ones(2, 5, dtype=torch.bool)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert head.features(x, mask).dtype == torch.float32
        emissions = head.emissions(x, mask)
        loss = head.loss(x, torch.zeros(2, 5, dtype=torch.long), mask)
    assert emissions.dtype == torch.bfloat16  # the projection is autocast ...
    assert loss.dtype == torch.float32  # ... the CRF's forward algorithm is not


def test_inference_precisions_tag_every_word_and_int8_quantizes_only_a_loaded_copy(saved):
    rows = toy_rows(10, 5)
    fp32 = FinetunedTagger.load(saved)
    reference = fp32.predict(rows)
    for precision in ("bf16", "int8"):
        tagger = loaders.load_folder(saved, precision)
        hooked = LinearOutputs(tagger.model)
        predicted = tagger.predict(rows)
        hooked.close()
        assert [len(p) for p in predicted] == [len(r["tokens"]) for r in rows]
        agree = sum(a == b for p, q in zip(predicted, reference) for a, b in zip(p, q))
        assert agree / sum(len(p) for p in reference) > 0.9  # a rounding of the same model, not another model
        if precision == "bf16":
            assert torch.bfloat16 in hooked.dtypes and not is_quantized(tagger.model)
        else:
            assert is_quantized(tagger.model.encoder) and not is_quantized(tagger.model.head)
            with pytest.raises(NerlabError, match="int8 tagger is for inference only"):
                tagger.save(saved.parent / "int8-copy")
    assert not is_quantized(FinetunedTagger.load(saved).model)  # the saved weights stay fp32


def test_the_recipe_scores_at_inference_precision(tiny_folder, tmp_path):
    recipe = Recipe.from_params(tiny_params(tiny_folder, inference="int8"), seed=3)
    assert recipe.inference_precision == "int8"
    assert recipe.key("a") != Recipe.from_params(tiny_params(tiny_folder), seed=3).key("a")  # finished parts
    out = recipe.train_and_score(LabelSpace.from_labels_json(LABELS), toy_rows(8, 1), toy_rows(4, 2),
                                 model_dir=tmp_path / "m", state_dir=tmp_path / "s", run_key="k",
                                 test_rows=toy_rows(6, 3))
    assert out.tagger.precision == "int8" and is_quantized(out.tagger.model) and out.test is not None


@pytest.mark.parametrize("where, value, message", [
    ("finetune.precision", "fp16", "finetune.precision"),
    ("inference_precision", "int4", "inference_precision"),
])
def test_precisions_outside_the_choices_are_one_line(where, value, message):
    mapping = raw()
    if "." in where:
        mapping["finetune"]["precision"] = value
    else:
        mapping[where] = value
    with pytest.raises(NerlabError, match=message):
        validate(mapping)


def test_serving_takes_the_logged_precision_unless_the_machine_overrides_it(monkeypatch):
    class Context:
        model_config = {"inference_precision": "bf16"}

    monkeypatch.delenv(mlflow_model.PRECISION_ENV, raising=False)
    assert mlflow_model.serving_precision(Context()) == "bf16"
    assert mlflow_model.serving_precision(object()) == "fp32"
    monkeypatch.setenv(mlflow_model.PRECISION_ENV, "int8")
    assert mlflow_model.serving_precision(Context()) == "int8"
    monkeypatch.setenv(mlflow_model.PRECISION_ENV, "fp16")
    with pytest.raises(ValueError, match="NERLAB_INFERENCE_PRECISION"):
        mlflow_model.serving_precision(Context())
