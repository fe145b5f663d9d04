"""Properties (Hypothesis): random bytes and random structures never raise anything but a NerlabError, never
hang, and never change a valid input. Covers the column reader, the tag repairs, the answer parser and the cache."""

import json
import sqlite3
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nerlab.annotate.cache import ResponseCache, request_key
from nerlab.annotate.client import BadResponse, read_completion
from nerlab.annotate.parse import TypeNames, parse_answer
from nerlab.config.errors import NerlabError
from nerlab.data.columns import ColumnSpec, read_columns
from nerlab.data.repairs import RepairLog
from nerlab.data.tags import TagError, is_valid_iob2, repair_iob2, to_iob2

FAST = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
TYPES = ["PER", "LOC", "ORG"]
tag = st.one_of(st.just("O"), st.builds(lambda p, t: f"{p}-{t}", st.sampled_from("BI"), st.sampled_from(TYPES)))
valid_sentence = st.lists(tag, min_size=1, max_size=12).map(lambda tags: repair_iob2(tags)[0])
word = st.text(alphabet=string.ascii_letters + "éß.,'-", min_size=1, max_size=8)


@FAST
@given(st.binary(max_size=400))
def test_any_bytes_are_read_or_refused_with_a_nerlab_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("f") / "x.txt"
    path.write_bytes(data)
    spec = ColumnSpec(token_col=0, tag_col=-1, docstart="-DOCSTART-", comment_prefix="#")
    try:
        sentences = read_columns(path, spec, "train", RepairLog())
    except NerlabError:
        return
    for s in sentences:
        assert len(s.tokens) == len(s.tags) and is_valid_iob2(s.tags)


@FAST
@given(st.lists(st.lists(st.tuples(word, tag), min_size=1, max_size=8), min_size=1, max_size=6))
def test_a_valid_iob2_file_reads_back_unchanged(tmp_path_factory, sentences):
    sentences = [list(zip([w for w, _ in s], repair_iob2([t for _, t in s])[0])) for s in sentences]
    path = tmp_path_factory.mktemp("f") / "x.txt"
    path.write_text("".join("".join(f"{w} {t}\n" for w, t in s) + "\n" for s in sentences), encoding="utf-8")
    repairs = RepairLog()
    read = read_columns(path, ColumnSpec(token_col=0, tag_col=-1, docstart=None), "train", repairs)
    assert [list(zip(s.tokens, s.tags)) for s in read] == sentences and not repairs.to_dict()


@FAST
@given(valid_sentence)
def test_repairs_never_change_valid_iob2(tags):
    assert repair_iob2(tags) == (tags, 0) and to_iob2(tags, "IOB2")[0] == tags


@FAST
@given(st.lists(st.one_of(tag, st.builds(lambda p, t: f"{p}-{t}", st.sampled_from("SE"), st.sampled_from(TYPES))),
                max_size=12), st.sampled_from(["IOB1", "IOB2", "BIOES"]))
def test_any_tag_sequence_converts_to_valid_iob2_or_a_tag_error(tags, scheme):
    try:
        out, _ = to_iob2(tags, scheme)
    except TagError:
        return
    assert len(out) == len(tags) and is_valid_iob2(out)


json_value = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                          lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=4), max_leaves=20)


@FAST
@given(st.one_of(st.text(max_size=300), json_value.map(json.dumps), st.none()))
def test_the_parser_reads_any_answer_without_raising(answer):
    parsed = parse_answer(answer, TypeNames(TYPES))
    assert isinstance(parsed.spans, dict) and all(t in TYPES for t in parsed.spans)


@FAST
@given(json_value)
def test_any_response_body_is_read_or_a_bad_response(body):
    try:
        text, prompt, completion = read_completion(body)
    except BadResponse:
        return
    assert isinstance(text, str) and prompt >= 0 and completion >= 0


@FAST
@given(st.one_of(st.text(max_size=80), json_value.map(json.dumps)))
def test_any_cache_record_is_read_or_skipped(tmp_path_factory, record):
    path = tmp_path_factory.mktemp("c") / "c.sqlite"
    cache = ResponseCache(path)
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO answers VALUES (?, ?)", ("k", record))
    got = cache.get("k")
    assert got is None and cache.skipped == 1 or isinstance(got["text"], str)
    cache.put("k", {"text": "fine", "prompt_tokens": 1, "completion_tokens": 2, "seconds": 0.5})
    assert cache.get("k") == {"text": "fine", "prompt_tokens": 1, "completion_tokens": 2, "seconds": 0.5}
    cache.close()


@pytest.mark.parametrize("messages", [[{"role": "user", "content": "x"}], []])
def test_cache_keys_are_stable(messages):
    assert request_key(a=1, messages=messages) == request_key(messages=messages, a=1)
