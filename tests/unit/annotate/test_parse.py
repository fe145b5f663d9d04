"""The tolerant answer parser and the span -> token alignment, over many malformed and adversarial answers."""

import pytest

from nerlab.annotate.align import spans_to_tags, tags_to_spans
from nerlab.annotate.parse import TypeNames, parse_answer
from nerlab.data.tags import is_valid_iob2

NAMES = TypeNames(["LOC", "MISC", "ORG", "PER"], {"PER": ["person"], "LOC": ["location"], "ORG": ["organization"]})
TOKENS = "Houston starter Todd Stottlemyre beat the St. Louis Cardinals in Houston .".split()
GOLD = {"LOC": ["Houston"], "PER": ["Todd Stottlemyre"], "ORG": ["St. Louis Cardinals"]}


@pytest.mark.parametrize("answer", [
    '{"LOC": ["Houston"], "PER": ["Todd Stottlemyre"], "ORG": ["St. Louis Cardinals"]}',
    "{'LOC': ['Houston'], 'PER': ['Todd Stottlemyre'], 'ORG': ['St. Louis Cardinals']}",
    '```json\n{"LOC": ["Houston"], "PER": ["Todd Stottlemyre"], "ORG": ["St. Louis Cardinals"],}\n```',
    'Step 1: baseball. Step 2: candidates {Houston}...\nAnswer: {"LOC": "Houston", "PER": ["Todd Stottlemyre"], '
    '"ORG": ["St. Louis Cardinals"]}',
    '{"location": ["Houston"], "Person": ["Todd Stottlemyre"], "ORGANIZATION": ["St. Louis Cardinals"]}',
    '{"entities": {"LOC": ["Houston"], "PER": ["Todd Stottlemyre"], "ORG": ["St. Louis Cardinals"]}}',
    '[["Houston", "LOC"], ["Todd Stottlemyre", "PER"], ["St. Louis Cardinals", "ORG"]]',
    '[{"text": "Houston", "type": "LOC"}, {"entity": "Todd Stottlemyre", "label": "PER"}, '
    '{"span": "St. Louis Cardinals", "type": "ORG"}]',
    "LOC: Houston\nPER: Todd Stottlemyre\nORG: St. Louis Cardinals",
    "- **LOC**: Houston\n- PER: Todd Stottlemyre\n- ORG: St. Louis Cardinals\n- MISC: none",
    "Houston (LOC)\nTodd Stottlemyre (PER)\nSt. Louis Cardinals (ORG)",
    "<think>the first {guess} was wrong</think> {'LOC': ['houston'], 'PER': ['todd stottlemyre'], "
    "'ORG': ['St. Louis Cardinals']}",
])
def test_many_answer_shapes_give_the_same_tags(answer):
    parsed = parse_answer(answer, NAMES)
    assert parsed.ok, answer
    tags, stats = spans_to_tags(TOKENS, parsed.spans)
    assert tags == ["B-LOC", "O", "B-PER", "I-PER", "O", "O", "B-ORG", "I-ORG", "I-ORG", "O", "B-LOC", "O"]
    assert stats.hallucinated == 0


def test_the_last_dictionary_is_the_answer():
    text = 'Example: {"PER": ["Houston"]}\nReasoning...\nAnswer: {"LOC": ["Houston"]}'
    assert parse_answer(text, NAMES).spans == {"LOC": ["Houston"]}


@pytest.mark.parametrize("answer", ["{}", "Answer: {}", "[]", "```json\n{}\n```"])
def test_explicit_empty_answers_are_ok(answer):
    parsed = parse_answer(answer, NAMES)
    assert parsed.ok and parsed.n_spans == 0


@pytest.mark.parametrize("answer", [None, "", "   ", "I cannot help with that.", '{"LOC": ["Hou', "{{{{", "]]]["])
def test_unreadable_answers_are_format_errors(answer):
    assert not parse_answer(answer, NAMES).ok


def test_unknown_types_are_dropped_and_counted():
    parsed = parse_answer('{"LOC": ["Houston"], "DATE": ["1996"], "Sentence": "x"}', NAMES)
    assert parsed.ok and parsed.spans == {"LOC": ["Houston"]}
    assert sorted(parsed.unknown_types) == ["DATE", "Sentence"]
    only_unknown = parse_answer('{"EVENT": ["World Cup"]}', NAMES)
    assert not only_unknown.ok and only_unknown.unknown_types == ["EVENT"]


def test_apostrophes_and_quotes_inside_spans():
    tokens = "O'Neill joined Toys \"R\" Us".split()
    parsed = parse_answer("{'PER': [\"O'Neill\"], 'ORG': ['Toys \"R\" Us']}", NAMES)
    tags, stats = spans_to_tags(tokens, parsed.spans)
    assert tags == ["B-PER", "O", "B-ORG", "I-ORG", "I-ORG"] and stats.hallucinated == 0


def test_hallucinated_spans_are_dropped_and_counted():
    tags, stats = spans_to_tags(TOKENS, {"LOC": ["Houston", "Dallas"], "PER": ["Nolan Ryan"]})
    assert tags.count("B-LOC") == 2 and stats.hallucinated == 2 and stats.unmatched == ["Dallas", "Nolan Ryan"]


def test_every_occurrence_is_tagged_case_insensitively():
    tags, _ = spans_to_tags(TOKENS, {"LOC": ["HOUSTON"]})
    assert tags[0] == "B-LOC" and tags[10] == "B-LOC"


def test_overlap_rule_longest_first_then_answer_order():
    tokens = "the national basketball of America".split()
    tags, stats = spans_to_tags(tokens, {"LOC": ["America"], "ORG": ["national basketball of America"]})
    assert tags == ["O", "B-ORG", "I-ORG", "I-ORG", "I-ORG"] and stats.overlaps_dropped == 1
    tags, stats = spans_to_tags(["Paris", "Hilton"], {"PER": ["Paris Hilton"], "LOC": ["Paris"]})
    assert tags == ["B-PER", "I-PER"]
    tags, stats = spans_to_tags(["Jordan", "won"], {"LOC": ["Jordan"], "PER": ["Jordan"]})
    assert tags == ["B-LOC", "O"] and stats.overlaps_dropped == 1  # same window, two types: first answer wins


def test_punctuation_split_differently_from_the_sentence():
    tokens = ["He", "visited", "Washington", ",", "D.C.", "."]
    tags, stats = spans_to_tags(tokens, {"LOC": ["Washington, D.C."]})
    assert tags == ["O", "O", "B-LOC", "I-LOC", "I-LOC", "O"] and stats.hallucinated == 0


def test_output_is_always_valid_iob2_and_round_trips():
    spans = {"LOC": ["Houston", "St. Louis"], "ORG": ["St. Louis Cardinals"], "PER": ["Todd", "Todd Stottlemyre"]}
    tags, _ = spans_to_tags(TOKENS, spans)
    assert is_valid_iob2(tags)
    again, stats = spans_to_tags(TOKENS, tags_to_spans(TOKENS, tags))
    assert again == tags and stats.hallucinated == 0


def test_quoted_lines_and_answers_seen_from_a_small_model():
    assert parse_answer("\"MISC: Crohn's\"", NAMES).spans == {"MISC": ["Crohn's"]}
    assert not parse_answer("Sentence: Aggregate 2-2\n\nThe answer is:", NAMES).ok
