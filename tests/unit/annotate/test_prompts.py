"""Prompts from the template files, few-shot selection, topic answers, raw-text splitting."""

from pathlib import Path

import pytest

from defaults import PARAMS, params
from nerlab.annotate import prompts
from nerlab.annotate.annotator import few_shot_pool
from nerlab.annotate.parse import TypeNames, parse_answer
from nerlab.annotate.topic_labels import parse_topic
from nerlab.data.pools import partition
from nerlab.data.text import split_sentences, tokenize

ROOT = Path(__file__).resolve().parents[3]
TYPES = ["LOC", "MISC", "ORG", "PER"]


def row(i, tokens, tags):
    return {"id": f"r{i}", "tokens": tokens.split(), "tags": tags.split()}


POOL = [
    row(0, "Orlando Miller hit a homer for Houston on Monday .", "B-PER I-PER O O O O B-LOC O O O"),
    row(1, "Shares of Volvo rose 3 percent in Stockholm trading .", "O O B-ORG O O O O B-LOC O O"),
    row(2, "The German team won the World Cup final in Rome .", "O B-MISC O O O B-MISC I-MISC O O B-LOC O"),
    row(3, "It rained all day long in the north .", "O O O O O O O O O"),
    row(4, "Reuters said the talks would resume next week .", "B-ORG O O O O O O O O"),
]


def entities():
    return prompts.EntityTypes.load(ROOT / "configs/prompts/entities/conll2003.yaml", TYPES)


@pytest.mark.parametrize("name,reasoning", [("standard", False), ("cot", True)])
def test_templates_render_definitions_examples_and_the_sentence(name, reasoning):
    template = prompts.Template.load(name, ROOT / f"configs/prompts/{name}.txt", reasoning)
    msgs = prompts.messages(POOL[4], template, entities(), POOL[:2])
    assert [m["role"] for m in msgs] == ["system", "user"]
    assert "- MISC: miscellaneous" in msgs[0]["content"] and "$" not in msgs[0]["content"] + msgs[1]["content"]
    user = msgs[1]["content"]
    assert user.rstrip().endswith("Reuters said the talks would resume next week .") or "Answer:" in user[-10:]
    assert 'Answer: {"PER": ["Orlando Miller"], "LOC": ["Houston"]}' in user
    assert ("4. Justification: Orlando Miller is PER" in user) == reasoning
    assert ("4. Justification" in msgs[0]["content"]) == reasoning


def test_example_answers_parse_back_to_the_gold_tags():
    template = prompts.Template.load("cot", ROOT / "configs/prompts/cot.txt", True)
    for r in POOL:
        text = prompts.render_example(r, template, entities())
        parsed = parse_answer(text.split("Answer:", 1)[1], TypeNames(TYPES))
        assert parsed.ok and prompts.answer_dict(r) == parsed.spans


def test_random_shots_are_seeded_cover_the_types_and_skip_empty_sentences():
    a = prompts.pick_random(POOL, 3, seed=1, types=TYPES)
    assert a == prompts.pick_random(POOL, 3, seed=1, types=TYPES)
    assert POOL[3] not in a
    covered = {t[2:] for r in a for t in r["tags"] if t != "O"}
    assert covered == set(TYPES)


def test_shots_never_come_from_the_annotated_sample():
    train = [dict(r, id=f"t{i}") for i in range(40) for r in POOL[:1]]
    sample = partition(train, 10, 5, seed=3)["sample"]
    pool = few_shot_pool(train, sample)
    assert len(sample) == 10 and len(pool) == 30
    assert not {r["id"] for r in sample} & {r["id"] for r in pool}


def test_similar_shots_are_the_nearest_pool_sentences():
    similar = prompts.SimilarExamples(POOL, k=1)
    query = row(9, "Shares of Ericsson fell 2 percent in Stockholm .", "O O B-ORG O O O O B-LOC O")
    assert similar.for_rows([query])[0] == [POOL[1]]


def test_missing_definitions_fall_back_to_type_names(tmp_path):
    e = prompts.EntityTypes.load(tmp_path / "mine.yaml", ["GENE"])
    assert e.render() == "- GENE: GENE"


@pytest.mark.parametrize("text,label", [("2", "Business"), ("The answer is 1.", "Sport"), ("Label: 0", "World"),
                                        ("Technology", "Technology"), ("sports", "Sport"), ("4\n", "Other"),
                                        ("7", None), ("I am not sure", None), ("", None), ("3.5 stars", None),
                                        ("0: World\n1: Sport\n", None), ("0: World", "World"),
                                        ("2 (Business)", "Business")])
def test_topic_answers(text, label):
    assert parse_topic(text) == label


def test_sentence_splitting_and_tokens():
    text = "Mr. Smith visited the U.S. on Monday. He met Dr. Jones! \"Fine,\" he said.\nNew paragraph here"
    assert split_sentences(text) == ["Mr. Smith visited the U.S. on Monday.", "He met Dr. Jones!",
                                     "\"Fine,\" he said.", "New paragraph here"]
    assert tokenize("O'Neill's U.S.-based firm, 3.5%")[0] == ["O'Neill's", "U.S.-based", "firm", ",", "3.5", "%"]


def test_teacher_annotations_flow_like_llm_answers():
    from nerlab.annotate.annotator import TeacherAnnotator, distilled_rows
    from nerlab.stages.annotate import quality

    class Echo:  # a "trained model" that predicts the gold tags except for one sentence
        def predict(self, rows):
            return [r["tags"] if i else ["O"] * len(r["tokens"]) for i, r in enumerate(rows)]

    out, usage = TeacherAnnotator(Echo(), "echo").annotate(POOL)
    assert [a.status for a in out] == ["ok"] * 5 and usage.requests == 0 and usage.sentences == 5
    assert parse_answer(out[1].raw, TypeNames(TYPES)).spans == {"ORG": ["Volvo"], "LOC": ["Stockholm"]}
    scores = quality(POOL, out)
    assert scores["per_type"]["PER"]["recall"] == 0.0 and scores["per_type"]["ORG"]["f1"] == 1.0
    kept = distilled_rows(out, POOL, require_entities=True)
    assert [r["id"] for r in kept] == ["r1", "r2", "r4"]  # r0 lost its entities, r3 never had any


def test_a_prompt_not_in_params_is_a_one_line_error():
    from nerlab.annotate.session import Session
    from nerlab.config.errors import NerlabError

    with pytest.raises(NerlabError, match="no 'fancy' prompt"):
        Session(PARAMS, TYPES, POOL).template("fancy")


def test_backends_come_from_one_registry_with_one_interface(monkeypatch):

    from nerlab.annotate import backends
    from nerlab.annotate.session import Session
    from nerlab.config.errors import NerlabError

    assert set(backends.BACKENDS) == {"local", "openai", "teacher", "noise"}
    for name in backends.BACKENDS:
        backend = backends.get(name, PARAMS.annotate)
        assert backend.describe().startswith(f"{name}:") and backend.model
    assert backends.get("local", PARAMS.annotate).runs(["standard", "cot"]) == ["standard", "cot"]
    assert backends.get("teacher", PARAMS.annotate).runs(["standard", "cot"]) == ["teacher"]

    class Echo:  # a trained model that tags every capitalised word as a person
        def predict(self, rows):
            return [["B-PER" if t[0].isupper() else "O" for t in r["tokens"]] for r in rows]

    monkeypatch.setattr("nerlab.models.loaders.load_folder", lambda folder: Echo())
    session = Session(params(annotator="teacher"), TYPES, POOL)
    with session.open() as s:
        annotations, usage = s.entities_for(POOL[:2], "teacher")
        assert [a.status for a in annotations] == ["ok", "ok"] and usage.requests == 0
        with pytest.raises(NerlabError, match="gives no topic labels"):
            s.topics_for(POOL[:2])
