"""The fine-tuned tagger on a tiny randomly initialised BERT (no download)."""

import itertools
import random

import pytest
import torch

from defaults import train_config
from nerlab.config.errors import NerlabError
from nerlab.data.tags import is_valid_iob2, label_list
from nerlab.models.transformer.alignment import Aligner, Example, merge_windows
from nerlab.models.transformer.batching import LengthBucketBatches, collate, continuation_map
from nerlab.models.transformer.heads import HEADS, CRFHead, LinearHead, iob2_constraints
from nerlab.models.transformer.schedules import aux_weight, lr_factor
from nerlab.models.transformer.tagger import FinetunedTagger
from nerlab.models.transformer.token_blending import BLENDS, blend_triplets
from nerlab.models.transformer.train import _param_groups, train
from toy import build, toy_rows


# every registered head (a new head is covered by registering it), every blend, every aux head
@pytest.mark.parametrize("head, blend, aux", list(itertools.product(HEADS, BLENDS, ["none", "linear", "crf"])))
def test_every_head_blend_aux_runs_forward_and_backward(tiny, head, blend, aux):
    tagger = build(tiny, head=head, blend=blend, aux=aux, layers=2 if blend == "concat" else 1)
    examples = [e for per in tagger.encode(toy_rows(4, 0), with_labels=True) for e in per]
    batch = tagger.collate(examples)
    loss, parts = tagger.model.loss(batch, aux_weight=0.5)
    assert ("coarse" not in parts) == (aux == "none")
    if aux != "none":
        assert torch.allclose(loss, 0.5 * parts["coarse"] + 0.5 * parts["token"])
    loss.backward()
    grads = [p.grad for p in tagger.model.head.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(p.grad is not None for p in tagger.model.encoder.parameters())


@pytest.mark.parametrize("head", list(HEADS))
def test_each_head_fits_a_toy_pattern(tiny, head, tmp_path):
    tagger = build(tiny, head=head, aux="linear", blend="concat")
    rows = toy_rows(48, 1)
    cfg = train_config(epochs=12, batch_size=8, lr=3e-3, warmup=0.0, head_lr_mult=3, seed=0)
    result = train(tagger, cfg, rows, toy_rows(8, 2), tmp_path / "model", tmp_path / "state", run_key="toy")
    assert result["best_dev_micro_f1"] > 0.9, result["history"][-1]
    loaded = FinetunedTagger.load(tmp_path / "model", device="cpu")
    test = toy_rows(8, 3)
    pred = loaded.predict(test, progress=False)
    assert all(is_valid_iob2(p) for p in pred)
    assert sum(p == r["tags"] for p, r in zip(pred, test)) >= 6
    assert not (tmp_path / "state").exists()  # finished runs leave no resume state


def test_crf_decoding_never_outputs_invalid_iob2():
    labels = label_list(["LOC", "PER"])
    head = CRFHead(8, labels)
    with torch.no_grad():  # push hard towards invalid moves: I-LOC everywhere
        head.proj.bias.zero_()
        head.proj.bias[labels.index("I-LOC")] = 50.0
        head.crf.free_transitions.fill_(5.0)
    x = torch.randn(6, 9, 8)
    mask = torch.ones(6, 9, dtype=torch.bool)
    mask[3:, 5:] = False
    for seq in head.decode(x, mask):
        assert is_valid_iob2([labels[i] for i in seq])
    start, moves = iob2_constraints(labels)
    assert start[labels.index("I-PER")] < -1000 and moves[labels.index("O"), labels.index("I-PER")] < -1000
    assert moves[labels.index("B-PER"), labels.index("I-PER")] == 0


def test_linear_decoding_is_the_best_valid_sequence():
    labels = label_list(["LOC", "PER"])
    head = LinearHead(len(labels), labels)
    with torch.no_grad():  # emissions = the input itself
        head.proj.weight.copy_(torch.eye(len(labels)) * 10)
        head.proj.bias.zero_()
    i = {t: k for k, t in enumerate(labels)}

    def scores(*rows):
        x = torch.full((1, len(rows), len(labels)), 0.0)
        for pos, row in enumerate(rows):
            for tag, value in row.items():
                x[0, pos, i[tag]] = value
        return x

    valid = scores({"B-PER": 1}, {"I-PER": 1}, {"O": 1})  # the argmax is valid: kept as it is
    mask = torch.ones(1, 3, dtype=torch.bool)
    assert head.decode(valid, mask) == [[i["B-PER"], i["I-PER"], i["O"]]]
    # argmax says O I-PER: the best valid path is O O (I-PER may not follow O) unless B-PER is close behind
    x = scores({"O": 1}, {"I-PER": 1, "O": 0.5})
    assert head.decode(x, torch.ones(1, 2, dtype=torch.bool)) == [[i["O"], i["O"]]]
    x = scores({"O": 1}, {"I-PER": 1, "B-PER": 0.9})
    assert head.decode(x, torch.ones(1, 2, dtype=torch.bool)) == [[i["O"], i["B-PER"]]]
    rand = torch.randn(5, 7, len(labels)) * 5
    for seq in head.decode(rand, torch.ones(5, 7, dtype=torch.bool)):
        assert is_valid_iob2([labels[k] for k in seq])
    assert not any(name.startswith("_iob2") for name in head.state_dict())  # nothing extra is saved


def test_aux_weight_schedules():
    assert aux_weight(0, 10) == pytest.approx(1.0) and aux_weight(9, 10) == pytest.approx(0.1)
    assert aux_weight(3, 7) == pytest.approx(1 - 0.9 * 0.5)
    assert aux_weight(3, 7, "exponential", 0.1) == pytest.approx(0.1 ** 0.5)
    assert aux_weight(3, 7, "cosine", 0.1) == pytest.approx(0.1 + 0.9 * 0.5)
    assert aux_weight(9, 10, "cosine", 0.2) == pytest.approx(0.2)
    with pytest.raises(ValueError):
        aux_weight(0, 3, "step")


def test_lr_factor_warmup_and_decay():
    ends = list(range(10, 101, 10))  # 10 epochs of 10 steps
    assert lr_factor(0, ends, 0.1, 1.0) == pytest.approx(0.1)
    assert lr_factor(9, ends, 0.1, 1.0) == pytest.approx(1.0)
    assert lr_factor(25, ends, 0.0, 0.95) == pytest.approx(0.95 ** 2)
    assert lr_factor(10, ends, 0.1, 1.0, "linear") == pytest.approx(1.0)
    assert lr_factor(55, ends, 0.1, 1.0, "linear") == pytest.approx(0.5)
    assert lr_factor(99, ends, 0.0, 1.0, "linear") == pytest.approx(0.01)
    uneven = [3, 4, 10]  # epochs of 3, 1 and 6 steps (a blend schedule): the decay follows the epoch
    assert [lr_factor(s, uneven, 0.0, 0.5) for s in (0, 2, 3, 4, 9)] == [1.0, 1.0, 0.5, 0.25, 0.25]


def test_param_groups_carry_the_head_multiplier(tiny):
    tagger = build(tiny, head="bilstm_crf", aux="crf")
    groups = _param_groups(tagger.model, lr=2e-5, head_mult=100, weight_decay=0.01)
    head_ids = {id(p) for p in tagger.model.head_parameters()}
    for g in groups:
        is_head = all(id(p) in head_ids for p in g["params"])
        assert g["lr"] == pytest.approx(2e-5 * (100 if is_head else 1))
        assert g["name"] == ("head" if is_head else "encoder")
    n_grouped = sum(len(g["params"]) for g in groups)
    assert n_grouped == sum(1 for p in tagger.model.parameters() if p.requires_grad)
    assert any(id(p) in head_ids for p in tagger.model.aux_head.parameters())


def test_alignment_round_trip(tiny):
    tokenizer, _ = tiny
    aligner = Aligner(tokenizer, max_length=32)
    words = ["Anna", "xxx", "visited", "Paris"]
    (example,) = aligner.encode(0, words)
    assert example.input_ids[0] == tokenizer.cls_token_id and example.input_ids[-1] == tokenizer.sep_token_id
    assert [len(p) for p in example.pieces] == [1, 3, 1, 1]
    assert [example.input_ids[s] for s in example.starts] == [p[0] for p in aligner.word_pieces(words)]
    assert example.pieces[1] == [2, 3, 4]


def test_long_sentences_are_windowed_and_merged(tiny):
    tokenizer, _ = tiny
    aligner = Aligner(tokenizer, max_length=12)  # 10 pieces per window
    words = ["anna", "xxx", "visited", "paris"] * 6  # 36 pieces
    examples = aligner.encode(0, words)
    assert len(examples) > 3
    assert all(len(e.input_ids) <= 12 for e in examples)
    covered = sorted({w for e in examples for w in e.words})
    assert covered == list(range(len(words)))  # nothing truncated
    preds = [[w for w in e.words] for e in examples]  # predict the word index itself
    assert merge_windows(examples, preds, len(words)) == list(range(len(words)))


def test_document_context_is_input_only(tiny):
    tagger = build(tiny)
    tagger.context = "document"
    tagger.aligner = Aligner(tagger.tokenizer, 32, "document")
    rows = toy_rows(4, 0)
    plain = build(tiny).encode(rows, with_labels=True)
    with_context = tagger.encode(rows, with_labels=True)
    for (a,), (b,) in zip(plain, with_context):
        assert len(b.input_ids) > len(a.input_ids)
        assert b.labels == a.labels and len(b.starts) == len(a.starts)
        assert [b.input_ids[s] for s in b.starts] == [a.input_ids[s] for s in a.starts]


def test_label_all_subwords_continues_entities():
    labels = label_list(["PER"])
    e = Example(0, [2, 5, 6, 7, 3], [0, 1], [1, 2], [[1], [2, 3]], (0, 2), [labels.index("O"), labels.index("B-PER")],
                [0, 0])
    batch = collate([e], 0, all_subwords=True, continuation=continuation_map(labels),
                    coarse_continuation=[0])
    assert batch["unit_index"].tolist() == [[1, 2, 3]]
    assert [labels[i] for i in batch["labels"][0].tolist()] == ["O", "B-PER", "I-PER"]


def test_length_buckets_cover_everything_once_and_reshuffle():
    lengths = [random.Random(i).randint(5, 60) for i in range(203)]
    sampler = LengthBucketBatches(lengths, batch_size=8, seed=1, pool=4)
    first = list(sampler)
    assert sorted(i for b in first for i in b) == list(range(203))
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in first) / len(first)
    assert spread < 15  # batches hold similar lengths
    sampler.set_epoch(1)
    assert list(sampler) != first


def test_blend_triplets():
    x = torch.arange(1, 4, dtype=torch.float).view(1, 3, 1)
    mask = torch.ones(1, 3, dtype=torch.bool)
    assert blend_triplets(x, mask, "avg").flatten().tolist() == pytest.approx([1.5, 2.0, 2.5])
    assert blend_triplets(x, mask, "concat")[0, 0].tolist() == [0.0, 1.0, 2.0]


def test_predict_command_on_a_sentence(tiny, tmp_path, capsys):
    import json

    from nerlab.cli import main

    tagger = build(tiny, head="crf")
    cfg = train_config(epochs=20, batch_size=8, lr=3e-3, warmup=0.0, seed=0)
    train(tagger, cfg, toy_rows(48, 1), toy_rows(8, 2), tmp_path / "model", tmp_path / "state", run_key="toy")
    main(["predict", "--model", str(tmp_path / "model"), "--format", "jsonl", "Bob visited Oslo on Monday."])
    result = json.loads(capsys.readouterr().out)
    assert result["tokens"] == ["Bob", "visited", "Oslo", "on", "Monday", "."]
    assert {(e["text"], e["type"]) for e in result["entities"]} == {("Bob", "PER"), ("Oslo", "LOC")}
    oslo = next(e for e in result["entities"] if e["type"] == "LOC")
    assert result["text"][oslo["start"]:oslo["end"]] == "Oslo"
    main(["predict", "--model", str(tmp_path / "model"), "Acme hired Carla in New York"])
    assert "New York [LOC]" in capsys.readouterr().out


def test_interrupted_training_resumes_after_the_last_finished_epoch(tiny, tmp_path):
    cfg = train_config(epochs=4, batch_size=8, lr=3e-3, warmup=0.0, seed=0)
    rows, dev = toy_rows(16, 1), toy_rows(4, 2)

    def stop_after_two(epoch, record):
        if epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(build(tiny), cfg, rows, dev, tmp_path / "model", tmp_path / "state", "run", stop_after_two)
    assert (tmp_path / "state" / "progress.json").is_file()  # epoch 1 is safe (epoch 2 died before saving)
    seen = []
    result = train(build(tiny), cfg, rows, dev, tmp_path / "model", tmp_path / "state", "run",
                   lambda epoch, record: seen.append(epoch))
    assert seen == [2, 3, 4] and [r["epoch"] for r in result["history"]] == [1, 2, 3, 4]
    assert (tmp_path / "model" / "tagger.json").is_file() and not (tmp_path / "state").exists()
    with pytest.raises(KeyboardInterrupt):  # interrupted again...
        train(build(tiny), cfg, rows, dev, tmp_path / "model", tmp_path / "state", "run", stop_after_two)
    other = []  # ...but a run with other settings never resumes from that state
    train(build(tiny), cfg, rows, dev, tmp_path / "m2", tmp_path / "state", "other run",
          lambda epoch, record: other.append(epoch))
    assert other == [1, 2, 3, 4]


def test_no_training_sentences_saves_no_model(tiny, tmp_path):
    from nerlab.config.errors import NerlabError

    with pytest.raises(NerlabError, match="no training sentences"):
        train(build(tiny), train_config(epochs=1, batch_size=8, seed=0), [], toy_rows(4, 2), tmp_path / "model",
              tmp_path / "state", run_key="empty")
    assert not (tmp_path / "model").exists()


def test_saved_heads_load_as_weights_only(tiny, tmp_path):
    tagger = build(tiny, head="crf")
    tagger.save(tmp_path / "model")
    heads = torch.load(tmp_path / "model" / "heads.pt", weights_only=True)  # plain tensors: no code runs
    assert heads and all(isinstance(v, torch.Tensor) for v in heads.values())

    class Boom:
        def __reduce__(self):
            return (print, ("code ran",))

    torch.save({"x": Boom()}, tmp_path / "model" / "heads.pt")
    with pytest.raises(NerlabError, match="the manifest says"):  # the manifest catches the swap first
        FinetunedTagger.load(tmp_path / "model", device="cpu")
    (tmp_path / "model" / "manifest.json").unlink()  # without it, torch's weights-only load refuses the pickle
    with pytest.raises(NerlabError, match="not a loadable nerlab model .*UnpicklingError"):
        FinetunedTagger.load(tmp_path / "model", device="cpu")
