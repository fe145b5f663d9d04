"""Paper 002: the sequence head, the multitask loss, topic data, the learning curve's subsets, the report."""

import json
import math
import random
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
from tiny_bert import make_tiny  # noqa: E402

from nerlab.annotate.topic_teacher import TopicTeacher  # noqa: E402
from nerlab.annotate.topics import TOPICS  # noqa: E402
from nerlab.data.sampling import subset  # noqa: E402
from nerlab.errors import DataError, NerlabError  # noqa: E402
from nerlab.evaluation import classification  # noqa: E402
from nerlab.finetune.heads import SequenceHead  # noqa: E402
from nerlab.finetune.labels import LabelSpace  # noqa: E402
from nerlab.finetune.model import TokenTagger  # noqa: E402
from nerlab.finetune.tagger import FinetunedTagger  # noqa: E402
from nerlab.finetune.train import _param_groups, train  # noqa: E402
from nerlab.tags import label_list  # noqa: E402
from defaults import architecture, train_config  # noqa: E402
from defaults import params as project_params  # noqa: E402

LABELS = {"types": ["LOC", "ORG", "PER"], "tags": label_list(["LOC", "ORG", "PER"])}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny(tmp_path_factory.mktemp("tiny"))


def rows_with_topics(n, seed=0):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        name, place = rng.choice(["Anna", "Bob", "Carla"]), rng.choice(["Paris", "Oslo", "Rome"])
        if i % 2:
            tokens, tags, topic = [name, "visited", place, "on", "Monday", "."], \
                ["B-PER", "O", "B-LOC", "O", "O", "O"], "World"
        else:
            tokens, tags, topic = ["Volvo", "hired", name, "in", "New", "York"], \
                ["B-ORG", "O", "B-PER", "O", "B-LOC", "I-LOC"], "Business"
        rows.append({"id": str(i), "doc_id": None, "tokens": tokens, "tags": tags, "topic": topic})
    return rows


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


@pytest.mark.parametrize("bad", [dict(alpha=0.0, beta=0.0), dict(alpha=-1.0), dict(weighting="magic")])
def test_bad_weights_are_rejected(bad):
    with pytest.raises(ValueError):
        architecture(task="joint", **bad)


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
    from nerlab import predict

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


def test_learning_curve_subsets_are_seeded_and_nested():
    rows = list(range(14041))
    sizes = [10, 30, 100, 300, 1000]
    for seed in (42, 43):
        subsets = [set(subset(rows, n, seed)) for n in sizes]
        assert [len(s) for s in subsets] == sizes
        assert all(small < large for small, large in zip(subsets, subsets[1:]))  # the 100 contain the 30
        assert [set(subset(rows, n, seed)) for n in sizes] == subsets  # seeded
    assert set(subset(rows, 100, 42)) != set(subset(rows, 100, 43))


def test_classification_scores():
    gold = ["World", "Sport", "Sport", "Business", "Other"]
    pred = ["World", "Sport", "Other", "Business", "Other"]
    s = classification(gold, pred, list(TOPICS))
    assert s["accuracy"] == pytest.approx(0.8)
    assert s["per_class"]["Sport"] == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2})
    assert s["per_class"]["Technology"]["support"] == 0
    assert s["macro_f1"] == pytest.approx((1 + 2 / 3 + 1 + 2 / 3) / 4)  # classes present in gold
    assert s["weighted_f1"] == pytest.approx((1 + 2 * 2 / 3 + 1 + 2 / 3) / 5)
    counts = s["confusion"]["counts"]
    assert counts[TOPICS.index("Sport")][TOPICS.index("Other")] == 1 and sum(map(sum, counts)) == 5


def test_topics_file_errors_name_file_and_line(tmp_path):
    from nerlab.pipeline.multitask import labelled

    split = {r["id"]: r for r in rows_with_topics(3)}
    path = tmp_path / "train.jsonl"
    good = {"id": "0", "tokens": split["0"]["tokens"], "label": "Sport"}
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "1", "tokens": split["1"]["tokens"],
                                                          "label": "Weather"}) + "\n")
    with pytest.raises(DataError, match=r"train.jsonl:2.*Weather"):
        labelled(path, split)
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "99"}) + "\n")
    with pytest.raises(DataError, match=r"train.jsonl:2.*99"):
        labelled(path, split)
    path.write_text(json.dumps(good) + "\n")
    assert labelled(path, split) == [{**split["0"], "topic": "Sport"}]


def test_topic_teacher_maps_bbc_categories_and_falls_back_to_other():
    texts = {"sport": "the striker scored a goal in the match", "business": "shares rose as the bank cut rates",
             "politics": "the minister won the election vote", "tech": "the software runs on a new phone chip",
             "entertainment": "the film star won an award for the movie"}
    sentences = [{"doc_id": f"{c}-{i}", "category": c, "tokens": (t + f" {w}").split()}
                 for c, t in texts.items() for i, w in enumerate(["today", "again", "now", "here", "too"] * 4)]
    teacher = TopicTeacher(min_confidence=0.4, seed=1).fit(sentences)
    assert teacher.heldout["accuracy"] == 1.0
    labels = teacher.label([{"tokens": "the striker scored a goal".split()}, {"tokens": "shares rose".split()},
                            {"tokens": "WINNIPEG 1996-08-26".split()}])
    assert [label for label, _ in labels] == ["Sport", "Business", "Other"]
    assert TopicTeacher(min_confidence=0.0, seed=1).fit(sentences).label(
        [{"tokens": "the film star".split()}])[0][0] == "Other"  # entertainment -> Other
    again = TopicTeacher(min_confidence=0.4, seed=1).fit(sentences)  # same data, same probabilities, bit for bit
    rows = [{"tokens": s["tokens"]} for s in sentences]
    assert again.label(rows) == teacher.label(rows)


def test_table2_renders_ours_beside_the_papers(tmp_path):
    from nerlab import multitask_tables, variants

    spec = variants.load("paper002")
    folder = tmp_path / "details" / "multitask"
    folder.mkdir(parents=True)
    token = {"task": "token", "token": {"micro_f1": 0.78, "token_accuracy": 0.955}, "seconds_per_epoch": 20,
             "train_sentences": 1000, "encoder_used": "minilm-l6", "train_topics": {"World": 1}}
    joint = {"task": "joint", "weighting": "fixed", "alpha": 1, "beta": 7, "token": {"micro_f1": 0.79, "token_accuracy": 0.96},
             "sequence": {"weighted_f1": 0.7, "accuracy": 0.72, "sentences": 500}}
    (folder / "token.json").write_text(json.dumps(token))
    (folder / "joint.json").write_text(json.dumps(joint))
    exp = {"p002-joint-1to3": {"multitask/joint": {**joint, "beta": 3}}}
    text = multitask_tables.render(spec, exp, tmp_path)
    lines = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| ")}
    assert "| 78.0% (84.3%) | 95.5% (95.4%) | - | - | 20 | 1000 |" in lines["| Single-task 1 (token head)"]
    assert "79.0% (85.0%) | 96.0% (96.6%) | 70.0% (87.0%) | 72.0% (87.0%)" in lines["| Multitask (alpha:beta = 1:7)"]
    assert "not run" in lines["| Single-task 2 (sequence head)"]
    assert "| p002-joint-1to3 (alpha:beta = 1:3) [exp]" in lines
    assert "learning curve not run" in text


def test_topics_stage_with_llm_labeller_keeps_readable_answers(tmp_path, monkeypatch):
    """The llm labeller's plumbing, through a backend registered under a new name (the real backends are
    tested with the real server elsewhere)."""
    import contextlib

    from nerlab.annotate import backends
    from nerlab.annotate.annotator import Usage, topic_reader
    from nerlab.data.jsonl import write_jsonl
    from nerlab.pipeline import topics

    monkeypatch.chdir(tmp_path)
    for split in ("train", "test"):
        write_jsonl(Path(f"data/prepared/toy/{split}.jsonl"), rows_with_topics(6))
    answers = iter(["1", "0: World", "0 1 2 3 4", "Business", "nonsense", "2"] * 2)

    class Scripted:
        def topics(self, rows, desc=""):
            return [topic_reader(r, next(answers)) for r in rows], Usage(sentences=len(rows))

    class FakeBackend(backends.Backend):
        name, model = "fake", "llm"

        @contextlib.contextmanager
        def open(self, prompter):
            yield Scripted()

    monkeypatch.setitem(backends.REGISTRY, "fake", FakeBackend)
    params = project_params(dataset="toy", seed=1, annotator="teacher", llm="fake", tracking={"enabled": False})
    params["annotate"].update(shot_selection="random", definitions="-",
                              topics={**params["annotate"]["topics"], "labeller": "llm", "train_size": 6, "test_size": 6})
    result = topics.run(params)
    assert result["annotator"] == "fake:llm"
    train = result["splits"]["train"]
    assert train["labelled"] == 4 and train["unreadable"] == 2
    assert train["labels"] == {"World": 1, "Sport": 1, "Business": 2, "Technology": 0, "Other": 0}
    assert len(Path("data/topics/toy/train.jsonl").read_text().splitlines()) == 4
    with pytest.raises(NerlabError, match="labeller"):
        topics.run({**params, "annotate": {**params["annotate"],
                                           "topics": {**params["annotate"]["topics"], "labeller": "magic"}}})


def test_multitask_stage_without_labelled_topics_is_a_clear_error(tmp_path, monkeypatch):
    from nerlab.data.jsonl import write_jsonl
    from nerlab.pipeline import multitask

    monkeypatch.chdir(tmp_path)
    rows = rows_with_topics(4)
    for split in ("train", "test"):
        write_jsonl(Path(f"data/prepared/toy/{split}.jsonl"), rows)
        write_jsonl(Path(f"data/topics/toy/{split}.jsonl"),
                    [{"id": r["id"], "tokens": r["tokens"], "label": r["topic"]} for r in rows] if split == "train" else [])
    params = {"dataset": "toy", "seed": 1, "multitask": {"train_size": 4, "weighting_lr": 0.01,
                                                          "tasks": {"joint": {"task": "joint", "wrong": 1}}}}
    with pytest.raises(NerlabError, match="multitask.tasks.joint"):
        multitask.run(params, "joint")
    params["multitask"]["tasks"]["joint"] = {"task": "joint"}
    with pytest.raises(NerlabError, match="no topic-labelled test sentences"):
        multitask.run(params, "joint")
    with pytest.raises(NerlabError, match="no multitask.tasks.other"):
        multitask.run(params, "other")


@pytest.mark.parametrize("section, key, value", [("multitask", "train_size", -5), ("multitask", "train_size", "all"),
                                                 ("topics", "train_size", "x"), ("topics", "min_tokens", "many")])
def test_bad_paper002_sizes_are_one_line_errors(tmp_path, monkeypatch, section, key, value):
    from nerlab.data.jsonl import write_jsonl
    from nerlab.pipeline import multitask, topics

    monkeypatch.chdir(tmp_path)
    rows = rows_with_topics(4)
    for split in ("train", "test"):
        write_jsonl(Path(f"data/prepared/toy/{split}.jsonl"), rows)
        write_jsonl(Path(f"data/topics/toy/{split}.jsonl"),
                    [{"id": r["id"], "tokens": r["tokens"], "label": r["topic"]} for r in rows])
    params = {"dataset": "toy", "seed": 1, "annotator": "local", "tracking": {"enabled": False}, "data": {},
              "annotate": {"topics": {"labeller": "bbc", "train_size": 4, "test_size": 4, "min_confidence": 0.4,
                                      "min_tokens": 3}},
              "multitask": {"train_size": 4, "weighting_lr": 0.01, "tasks": {"joint": {"task": "joint"}}}}
    if section == "multitask":
        params["multitask"][key] = value
        with pytest.raises(NerlabError, match="multitask.train_size"):
            multitask.run(params, "joint")
    else:
        params["annotate"]["topics"][key] = value
        with pytest.raises(NerlabError, match="annotate.topics"):
            topics.run(params)
