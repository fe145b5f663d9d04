"""Answers are checked before they are cached; a damaged cache, a trickling or dead endpoint, and a model that
answers nothing readable all end in counts or one clear line, never a crash or a poisoned cache."""

import sqlite3
import time

import pytest
from fake_llm import annotator, client, rows

from defaults import PARAMS
from nerlab.annotate.backends import _Chat
from nerlab.annotate.cache import ResponseCache, request_key
from nerlab.annotate.client import BadResponse, RequestFailed, read_completion
from nerlab.config.errors import NerlabError


@pytest.mark.parametrize("body, text", [
    ({"choices": [{"message": {"content": "plain"}}]}, "plain"),
    ({"choices": [{"message": {"content": [{"type": "text", "text": "a"}, {"type": "image_url"}, "b"]}}]}, "ab"),
    ({"choices": [{"text": "legacy"}], "usage": {"prompt_tokens": 3, "completion_tokens": None}}, "legacy"),
    ({"choices": [{"message": {"content": None, "tool_calls": []}}]}, ""),
])
def test_readable_shapes_are_normalised(body, text):
    assert read_completion(body)[0] == text


@pytest.mark.parametrize("body", [
    {"choices": "none"}, {"choices": []}, {"choices": [5]}, {"choices": [{"message": {"content": 42}}]},
    {"choices": [{"message": {"content": [{"type": "text", "text": 7}]}}]}, {"choices": [{"message": "x"}]},
    {"choices": [{"message": {"content": "x"}}], "usage": {"prompt_tokens": "11"}},
    {"choices": [{"message": {"content": "x"}}], "usage": {"prompt_tokens": -1}}, [1, 2], "text", 3,
])
def test_unreadable_shapes_are_bad_responses(body):
    with pytest.raises(BadResponse):
        read_completion(body)


@pytest.mark.parametrize("body", [
    {"choices": [{"message": {"content": 42}}]}, {"choices": "none"}, {"choices": [{"message": {"content": {"a": 1}}}]},
])
def test_an_unreadable_answer_is_a_format_error_and_never_cached(fake, tmp_path, body):
    server = fake(body=body)
    cache = ResponseCache(tmp_path / "c.sqlite")
    out, usage = annotator(client(server.url), cache).annotate(rows(2))
    assert [a.status for a in out] == ["format_error", "format_error"] and usage.format_errors == 2
    assert len(cache) == 0 and usage.failures == 0
    again, _ = annotator(client(server.url), cache).annotate(rows(2))  # asked again: nothing poisoned
    assert len(server.requests) == 4 and [a.status for a in again] == ["format_error"] * 2


def test_content_as_a_list_of_parts_is_read_and_cached(fake, tmp_path):
    server = fake(body={"choices": [{"message": {"content": [{"type": "text", "text": '{"PER": '},
                                                            {"type": "text", "text": '["Ann"]}'}]}}]})
    cache = ResponseCache(tmp_path / "c.sqlite")
    out, _ = annotator(client(server.url), cache).annotate(rows(1))
    assert out[0].status == "ok" and out[0].tags[0] == "B-PER" and len(cache) == 1


@pytest.mark.parametrize("record", ["not json", '{"text": {"a": 1}}', '{"text": "x", "prompt_tokens": "7"}',
                                    '["text"]', '{"text": "x", "seconds": "slow"}', "null"])
def test_a_damaged_cache_record_is_skipped_counted_and_asked_again(fake, tmp_path, record):
    server = fake()
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path)
    messages = [{"role": "user", "content": " ".join(rows(1)[0]["tokens"])}]
    key = request_key(backend="openai", model="test-model", messages=messages,
                      settings={"temperature": 0.0, "max_tokens": 20})
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO answers VALUES (?, ?)", (key, record))
    out, usage = annotator(client(server.url), cache).annotate(rows(1))
    assert out[0].status == "ok" and cache.skipped == 1 and usage.requests == 1 and len(server.requests) == 1
    assert cache.get(key)["text"] == '{"PER": ["Ann"]}'  # the fresh answer replaced the damaged record


def test_a_file_that_is_not_a_cache_is_one_clear_line(tmp_path):
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(NerlabError, match="not an answer cache"):
        ResponseCache(path).get("k")


def test_the_timeout_covers_the_whole_request_not_each_read(fake):
    server = fake(trickle=0.05)  # about 5 s for the ~100-byte answer, one byte at a time
    start = time.monotonic()
    with pytest.raises(RequestFailed, match="timed out"):
        client(server.url, retries=0, timeout=0.5).complete([], {})
    assert time.monotonic() - start < 3


def test_a_dead_endpoint_stops_the_run_after_a_few_failures(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    with pytest.raises(NerlabError, match="3 requests in a row .* failed .*stopped after 3 of 40"):
        annotator(client("http://127.0.0.1:9/v1", retries=0), cache, max_consecutive_failures=3).annotate(rows(40))


def test_a_run_of_mostly_unreadable_answers_fails_the_stage(fake, tmp_path):
    server = fake(answer="I cannot help with that.")
    chat = _Chat(client(server.url, retries=0), ResponseCache(tmp_path / "c.sqlite"), "openai", None,
                 PARAMS.annotate)
    request = (lambda row: [{"role": "user", "content": " ".join(row["tokens"])}],
               annotator(None, None).read, {"max_tokens": 5})
    with pytest.raises(NerlabError, match="4 of 4 answers .* were unreadable"):
        chat._annotate(rows(4), request, "t")
