"""Decoder-only backbones (paper 004): the causal mask kept or removed, LoRA, and the offline SmolLM2 GGUF."""


import pytest
import torch

from defaults import architecture, train_config
from nerlab.config.errors import NerlabError
from nerlab.models.transformer import encoders
from nerlab.models.transformer.labels import LabelSpace
from nerlab.models.transformer.model import TokenTagger
from nerlab.models.transformer.tagger import FinetunedTagger
from nerlab.models.transformer.train import train
from tiny_bert import make_tiny
from toy import LABELS, toy_rows


def tiny_llama(implementation="sdpa"):
    from transformers import LlamaConfig, LlamaModel

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=40, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                         attn_implementation=implementation)
    return LlamaModel(config).eval()


def hidden(model, ids, mask):
    with torch.no_grad():
        return model(input_ids=ids, attention_mask=mask).last_hidden_state


def later_token_effect(model, padded: bool) -> float:
    """How much changing the last real token moves the hidden states of the tokens before it."""
    ids = torch.tensor([[5, 6, 7, 8, 9, 10], [5, 6, 7, 8, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]])
    if not padded:
        ids, mask = ids[:1], mask[:1]
    changed = ids.clone()
    last = 3 if padded else 5
    changed[-1, last] = 20
    before, after = hidden(model, ids, mask), hidden(model, changed, mask)
    return (before[-1, :last] - after[-1, :last]).abs().max().item()


@pytest.mark.parametrize("implementation", ["sdpa", "eager"])
@pytest.mark.parametrize("padded", [False, True])
def test_causal_keeps_the_mask_and_bidirectional_removes_it(implementation, padded):
    model = tiny_llama(implementation)
    encoders.set_attention(model, "causal")
    assert later_token_effect(model, padded) == 0.0  # an earlier token never sees a later one
    encoders.set_attention(model, "bidirectional")
    assert later_token_effect(model, padded) > 1e-4  # now it does
    encoders.set_attention(model, "causal")  # and back
    assert later_token_effect(model, padded) == 0.0


def test_the_taggers_own_forward_pass_is_bidirectional():
    """The same proof through the path training and prediction use (TokenTagger.hidden, then .units)."""
    model = tiny_llama()
    encoders.set_attention(model, "bidirectional")
    space = LabelSpace.from_labels_json(LABELS)
    tagger = TokenTagger(model, architecture(head="linear", dropout=0.0), space.tags, None).eval()
    ids = torch.tensor([[5, 6, 7, 8]])
    batch = dict(attention_mask=torch.ones_like(ids), unit_index=torch.tensor([[0, 1, 2, 3]]),
                 unit_mask=torch.ones(1, 4, dtype=torch.bool))
    units = lambda input_ids: tagger.units(tagger.hidden({**batch, "input_ids": input_ids})[0], batch)  # noqa: E731
    with torch.no_grad():
        a = units(ids)
        b = units(torch.tensor([[5, 6, 7, 30]]))
    assert (a[0, 0] - b[0, 0]).abs().max() > 1e-4


def test_causal_attention_on_an_encoder_is_a_clear_error(tmp_path):
    _, bert = make_tiny(tmp_path / "tiny")
    encoders.set_attention(bert, "bidirectional")  # what an encoder does anyway
    with pytest.raises(NerlabError, match="needs a decoder-only backbone"):
        encoders.set_attention(bert, "causal")
    with pytest.raises(NerlabError, match="attention must be one of"):
        encoders.set_attention(bert, "sideways")


def test_lora_trains_only_adapters_and_saves_a_merged_model(tmp_path):
    tokenizer, _ = make_tiny(tmp_path / "tiny")  # any tokenizer whose ids fit the tiny vocabulary
    model = tiny_llama()
    encoders.set_attention(model, "bidirectional")
    model = encoders.add_lora(model, r=4, alpha=8, dropout=0.0, targets=["q_proj", "v_proj"])
    space = LabelSpace.from_labels_json(LABELS)
    tagger = FinetunedTagger(TokenTagger(model, architecture(head="crf"), space.tags, None), tokenizer, space,
                             max_length=32, attention="bidirectional")
    trainable = {n for n, p in tagger.model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n or not n.startswith("encoder.") for n in trainable)
    frozen = {n: p.detach().clone() for n, p in tagger.model.named_parameters() if "base_layer" in n}
    cfg = train_config(epochs=3, batch_size=8, lr=1e-2, warmup=0.0, checkpoint="last", seed=0)
    history = train(tagger, cfg, toy_rows(24, 1), toy_rows(6, 2), tmp_path / "m", tmp_path / "s", "lora")["history"]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert all(torch.equal(p, frozen[n]) for n, p in tagger.model.named_parameters() if n in frozen)
    rows = toy_rows(6, 3)
    before = tagger.predict(rows, progress=False)
    loaded = FinetunedTagger.load(tmp_path / "m", device="cpu")  # merged weights: no peft needed to load
    assert not hasattr(loaded.model.encoder, "merge_and_unload")
    assert loaded.attention == "bidirectional" and loaded.model.encoder.config.is_causal is False
    assert loaded.predict(rows, progress=False) == before


@pytest.mark.slow
def test_smollm2_gguf_loads_as_a_llama_backbone_with_word_level_pieces(tmp_path):
    tokenizer, model, used, note = encoders.load("smollm2-135m")
    assert type(model).__name__ == "LlamaModel" and used == "smollm2-135m" and not note
    assert encoders.is_causal(model)
    pieces = tokenizer(["EU", "rejects", "German", "call"], is_split_into_words=True, add_special_tokens=False)
    assert tokenizer.convert_ids_to_tokens(pieces["input_ids"]) == ["ĠEU", "Ġrejects", "ĠGerman", "Ġcall"]
    encoders.set_attention(model, "causal")
    ids = torch.tensor([tokenizer("EU rejects German call to boycott")["input_ids"]])
    changed = ids.clone()
    changed[0, -1] = tokenizer("lamb")["input_ids"][-1]
    mask = torch.ones_like(ids)
    assert torch.equal(hidden(model, ids, mask)[0, :-1], hidden(model, changed, mask)[0, :-1])
    encoders.set_attention(model, "bidirectional")
    assert not torch.allclose(hidden(model, ids, mask)[0, :-1], hidden(model, changed, mask)[0, :-1])
    # dequantised, it saves and loads back like any transformers model (a trained tagger must be saveable)
    from transformers import AutoModel

    model.save_pretrained(tmp_path / "saved")
    reloaded = AutoModel.from_pretrained(tmp_path / "saved")
    encoders.set_attention(reloaded, "bidirectional")
    assert torch.allclose(hidden(model, ids, mask), hidden(reloaded, ids, mask), atol=1e-5)
