"""Paper 002's model: the sequence (topic) head and the weighted multitask loss."""

import math

import pytest
import torch

from defaults import architecture, train_config
from nerlab.annotate.topic_labels import TOPICS
from nerlab.config.errors import NerlabError
from nerlab.data.tags import label_list
from nerlab.models.transformer.heads import SequenceHead
from nerlab.models.transformer.labels import LabelSpace
from nerlab.models.transformer.model import TokenTagger
from nerlab.models.transformer.tagger import FinetunedTagger
from nerlab.models.transformer.train import _param_groups, train
from toy import rows_with_topics

LABELS = {"types": ["LOC", "ORG", "PER"], "tags": label_list(["LOC", "ORG", "PER"])}


def build(tiny, task="joint", seed=0, **weights) -> FinetunedTagger:
    from transformers import BertModel

    tokenizer, model = tiny
    space = LabelSpace.from_labels_json(LABELS).with_topics(list(TOPICS))
    torch.manual_seed(seed)
    encoder = BertModel(model.config)
    arch = architecture(head="linear", task=task, **weights)
    return FinetunedTagger(TokenTagger(encoder, arch, space.tags, space.coarse_tags, space.topics), tokenizer,
                           space, max_length=32)


def batch_of(tagger, rows):
    return tagger.collate([e for per in tagger.encode(rows, with_labels=True) for e in per])


def test_fixed_weighting_is_alpha_sequence_plus_beta_token(tiny):
    tagger = build(tiny, weighting="fixed", alpha=2.0, beta=7.0)
    tagger.model.eval()  # no dropout: the parts and the total come from the same numbers
    loss, parts = tagger.model.loss(batch_of(tagger, rows_with_topics(4)))
    assert set(parts) == {"token", "sequence"}
    assert torch.allclose(loss, 2.0 * parts["sequence"] + 7.0 * parts["token"])


def test_uncertainty_weighting_learns_weights_with_their_own_rate(tiny):
    tagger = build(tiny, weighting="uncertainty", alpha=1.0, beta=1.0)
    with torch.no_grad():
        tagger.model.weighting.log_vars.copy_(torch.tensor([0.5, -1.0]))
    tagger.model.eval()
    loss, parts = tagger.model.loss(batch_of(tagger, rows_with_topics(4)))
    expected = (math.exp(-0.5) * parts["sequence"] + 0.25 + math.exp(1.0) * parts["token"] - 0.5)
    assert torch.allclose(loss, expected)
    assert tagger.model.weighting.weights() == pytest.approx({"w_sequence": math.exp(-0.5), "w_token": math.exp(1.0)})
    groups = {g["name"]: g for g in _param_groups(tagger.model, 5e-5, 1.0, 0.01, weighting_lr=0.01)}
    assert groups["weighting"]["lr"] == 0.01 and groups["weighting"]["weight_decay"] == 0.0
    assert groups["weighting"]["params"] == [tagger.model.weighting.log_vars]


def encoder_grads(tagger, rows):
    tagger.model.eval()
    tagger.model.zero_grad()
    loss, _ = tagger.model.loss(batch_of(tagger, rows))
    loss.backward()
    return {n: p.grad.clone() for n, p in tagger.model.encoder.named_parameters() if p.grad is not None}


def test_alpha_zero_trains_exactly_what_the_token_only_model_trains(tiny):
    """alpha = 0: the encoder gets the token-only model's gradient; beta = 0: the sequence-only model's."""
    rows = rows_with_topics(6)
    token_only, joint = build(tiny, task="token"), build(tiny, weighting="fixed", alpha=0.0, beta=1.0)
    joint.model.encoder.load_state_dict(token_only.model.encoder.state_dict())
    joint.model.head.load_state_dict(token_only.model.head.state_dict())
    a, b = encoder_grads(token_only, rows), encoder_grads(joint, rows)
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-7) for k in a)
    assert all(p.grad is None or not p.grad.any() for p in joint.model.topic_head.parameters())

    seq_only, joint = build(tiny, task="sequence"), build(tiny, weighting="fixed", alpha=1.0, beta=0.0)
    assert seq_only.model.head is None and not seq_only.has_tags
    joint.model.encoder.load_state_dict(seq_only.model.encoder.state_dict())
    joint.model.topic_head.load_state_dict(seq_only.model.topic_head.state_dict())
    a, b = encoder_grads(seq_only, rows), encoder_grads(joint, rows)
    assert all(torch.allclose(a[k], b[k], atol=1e-7) for k in a)


def test_sequence_head_reads_only_the_first_token():
    torch.manual_seed(0)
    head = SequenceHead(8, list(TOPICS)).eval()
    hidden = torch.randn(2, 5, 8)
    later = hidden.clone()
    later[:, 1:] = torch.randn(2, 4, 8)
    first = hidden.clone()
    first[:, 0] = torch.randn(2, 8)
    assert torch.equal(head.logits(hidden), head.logits(later))
    assert not torch.allclose(head.logits(hidden), head.logits(first))
    assert head.logits(hidden).shape == (2, 5)
    layers = [type(m).__name__ for m in head.children()]
    assert layers == ["Linear", "Dropout", "Linear"]  # linear, (tanh), dropout, linear to 5 classes
    assert torch.equal(head.logits(hidden), head.proj(torch.tanh(head.dense(hidden[:, 0]))))


def test_the_tagger_gives_the_sequence_head_the_cls_position(tiny):
    """The topic head receives the encoder's last layer, and position 0 is [CLS] in every input."""
    tagger = build(tiny, weighting="fixed", alpha=1.0, beta=1.0)
    seen = {}
    original = tagger.model.topic_head.logits
    tagger.model.topic_head.logits = lambda hidden: seen.setdefault("hidden", hidden) is not None and original(hidden)
    batch = batch_of(tagger, rows_with_topics(3))
    tagger.model.eval()
    with torch.no_grad():
        tagger.model.loss(batch)
        last = tagger.model.encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    assert torch.equal(seen["hidden"], last)
    assert (batch["input_ids"][:, 0] == tagger.tokenizer.cls_token_id).all()


def test_pooler_weights_start_the_sequence_head(tiny):
    tagger = build(tiny, task="sequence")
    assert torch.equal(tagger.model.topic_head.dense.weight, tagger.model.encoder.pooler.dense.weight)


def test_joint_model_trains_saves_and_predicts_tags_and_topics(tiny, tmp_path):
    from nerlab.serving import predict

    rows = rows_with_topics(24)
    tagger = build(tiny, weighting="uncertainty", alpha=1.0, beta=1.0)
    cfg = train_config(epochs=15, batch_size=4, lr=5e-3, warmup=0.0, checkpoint="last", dev_every=0, head_lr_mult=1.0,
                      weighting_lr=0.05, lr_schedule="constant", grad_clip=0.0)
    history = train(tagger, cfg, rows, [], tmp_path / "model", tmp_path / "state", run_key="t")["history"]
    assert history[-1]["sequence_loss"] < history[0]["sequence_loss"]
    assert history[-1]["w_sequence"] != history[0]["w_sequence"] or history[-1]["w_token"] != 1.0  # learned
    tags, topics = tagger.analyse(rows[:4], progress=False)
    assert topics == [r["topic"] for r in rows[:4]]  # the topic follows the sentence pattern
    loaded = FinetunedTagger.load(tmp_path / "model", device="cpu")
    assert loaded.analyse(rows[:4], progress=False) == (tags, topics)
    out = predict.tag_texts(loaded, ["Bob visited Paris on Monday ."])
    assert out[0]["topic"] == "World"
    assert "[topic: World]" in predict.render(out, "entities")


def test_sequence_only_model_has_no_tags(tiny):
    tagger = build(tiny, task="sequence")
    with pytest.raises(NerlabError, match="sequence head"):
        tagger.predict(rows_with_topics(2))
    assert len(tagger.predict_topics(rows_with_topics(2), progress=False)) == 2
