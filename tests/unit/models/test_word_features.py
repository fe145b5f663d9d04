"""Case- and character-aware word inputs: classes, shapes, every head, save and reload."""


import pytest
import torch

from defaults import train_config
from nerlab.models.transformer.tagger import FinetunedTagger
from nerlab.models.transformer.train import train
from nerlab.models.transformer.word_features import CASES, MAX_CHARS, WordFeatures, case_id, char_ids, dims
from toy import build, toy_rows


def test_casing_classes_and_bytes():
    names = {w: CASES[case_id(w)] for w in ("paris", "EU", "Paris", "McDonald", "1996", "F1", ".", "-", "éclair")}
    assert names == {"paris": "lower", "EU": "upper", "Paris": "title", "McDonald": "mixed", "1996": "digits",
                     "F1": "has_digit", ".": "punct", "-": "punct", "éclair": "lower"}
    assert char_ids("ab") == [98, 99] and len(char_ids("x" * 50)) == MAX_CHARS and char_ids("") == [1]
    assert dims("none") == (0, 0) and dims("case+chars") == (16, 50)
    with pytest.raises(ValueError, match="word_features must be one of"):
        dims("shape")


def test_the_module_gives_one_vector_per_unit_and_zeros_for_padding():
    wf = WordFeatures(16, 50)
    case = torch.tensor([[3, 1, 0]])
    chars = torch.zeros((1, 3, MAX_CHARS), dtype=torch.long)
    chars[0, 0, :5] = torch.tensor(char_ids("Paris"))
    chars[0, 1, :2] = torch.tensor(char_ids("in"))
    out = wf(case, chars)
    assert out.shape == (1, 3, 66) and torch.isfinite(out).all()
    assert torch.all(out[0, 2] == 0)  # a padding unit: zero case embedding, zero char features


@pytest.mark.parametrize("head, blend, aux, subwords", [("linear", "none", "none", False), ("crf", "concat", "linear", False),
                                                        ("bilstm_crf", "avg", "crf", True)])
def test_every_head_trains_saves_and_reloads_with_word_features(tiny, tmp_path, head, blend, aux, subwords):
    tagger = build(tiny, head=head, blend=blend, aux=aux, word_features="case+chars")
    assert tagger.model.word_features is not None and tagger.model.word_features.dim == 66
    examples = [e for per in tagger.encode(toy_rows(4, 0), with_labels=True) for e in per]
    batch = tagger.collate(examples)
    assert batch["case_ids"].shape == batch["unit_index"].shape
    assert batch["char_ids"].shape == (*batch["unit_index"].shape, MAX_CHARS)
    before = [p.detach().clone() for p in tagger.model.word_features.parameters()]
    cfg = train_config(epochs=12, batch_size=8, lr=3e-3, warmup=0.0, seed=0, label_all_subwords=subwords)
    train(tagger, cfg, toy_rows(48, 1), toy_rows(8, 2), tmp_path / "model", tmp_path / "state", run_key="toy")
    assert all(not torch.equal(a, b) for a, b in zip(before, tagger.model.word_features.parameters()))  # learned
    loaded = FinetunedTagger.load(tmp_path / "model", device="cpu")
    assert loaded.model.arch.word_features == "case+chars"
    rows = toy_rows(8, 3)
    assert loaded.predict(rows, progress=False) == tagger.predict(rows, progress=False)


def test_case_alone_and_chars_alone(tiny):
    for choice, dim in (("case", 16), ("chars", 50)):
        tagger = build(tiny, word_features=choice)
        batch = tagger.collate([e for per in tagger.encode(toy_rows(2, 0), with_labels=True) for e in per])
        assert tagger.model.word_features.dim == dim
        loss, _ = tagger.model.loss(batch)
        loss.backward()
