import pytest

from nerlab.data.tags import (
    Span,
    TagError,
    is_valid_iob2,
    label_list,
    map_types,
    repair_iob2,
    spans,
    tags_from_spans,
    to_iob2,
)


@pytest.mark.parametrize("iob1, iob2", [
    (["I-PER", "I-PER", "O"], ["B-PER", "I-PER", "O"]),                     # entity at sentence start
    (["O", "I-LOC", "I-LOC"], ["O", "B-LOC", "I-LOC"]),                     # entity after O
    (["I-PER", "B-PER", "I-PER"], ["B-PER", "B-PER", "I-PER"]),             # B- splits two adjacent PERs
    (["I-ORG", "I-LOC"], ["B-ORG", "B-LOC"]),                               # type change starts an entity
    (["I-MISC", "I-MISC", "O", "I-MISC"], ["B-MISC", "I-MISC", "O", "B-MISC"]),
    ([], []),
])
def test_iob1_to_iob2_corner_cases(iob1, iob2):
    tags, repairs = to_iob2(iob1, "IOB1")
    assert tags == iob2
    assert repairs == 0  # IOB1's I- at an entity start is the scheme, not an error


def test_iob2_repair_is_counted():
    tags, repairs = repair_iob2(["O", "I-PER", "I-PER", "B-LOC", "I-ORG"])
    assert tags == ["O", "B-PER", "I-PER", "B-LOC", "B-ORG"]
    assert repairs == 2


def test_valid_iob2_is_untouched():
    tags = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"]
    assert repair_iob2(tags) == (tags, 0)
    assert is_valid_iob2(tags)
    assert not is_valid_iob2(["I-PER"])


def test_bioes_to_iob2():
    tags, repairs = to_iob2(["S-PER", "O", "B-ORG", "I-ORG", "E-ORG", "S-LOC", "S-LOC"], "BIOES")
    assert tags == ["B-PER", "O", "B-ORG", "I-ORG", "I-ORG", "B-LOC", "B-LOC"]
    assert repairs == 0


@pytest.mark.parametrize("tags, expected, repairs", [
    (["S-PER", "I-PER"], ["B-PER", "B-PER"], 1),            # S- closes the entity: I- continues nothing
    (["S-PER", "E-PER"], ["B-PER", "B-PER"], 1),
    (["E-LOC"], ["B-LOC"], 1),
    (["B-ORG", "O"], ["B-ORG", "O"], 1),                     # never closed with E-
    (["B-ORG", "I-ORG"], ["B-ORG", "I-ORG"], 1),             # open at the end of the sentence
    (["B-ORG", "E-LOC"], ["B-ORG", "B-LOC"], 2),             # another type: unclosed + continues nothing
    (["B-ORG", "E-ORG", "I-ORG"], ["B-ORG", "I-ORG", "B-ORG"], 1),  # one wrong tag, one repair
    (["U-PER", "B-LOC", "L-LOC"], ["B-PER", "B-LOC", "I-LOC"], 0),   # BILOU letters
])
def test_bioes_transitions_are_checked_and_repairs_counted(tags, expected, repairs):
    assert to_iob2(tags, "BIOES") == (expected, repairs)


@pytest.mark.parametrize("bad", ["PER", "B_PER", "X-PER", "B-", "o"])
def test_bad_tag_strings(bad):
    with pytest.raises(TagError):
        to_iob2([bad], "IOB2")


def test_prefix_not_in_scheme():
    with pytest.raises(TagError, match="E-"):
        to_iob2(["E-PER"], "IOB2")


def test_spans_and_back():
    tags = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"]
    found = spans(tags)
    assert found == [Span(0, 2, "PER"), Span(3, 4, "LOC"), Span(4, 6, "LOC")]
    assert tags_from_spans(6, found) == tags


def test_map_types_and_label_list():
    assert map_types(["B-Artist", "I-Artist", "O"], {"Artist": "PER"}) == ["B-PER", "I-PER", "O"]
    assert label_list(["PER", "LOC"]) == ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
