"""The chat client, cache and annotator against loopback HTTP servers of the test's own.

Retries (429 and 500 first), failures counted without stopping the run,
resume after a killed run without re-asking, and API keys kept out of every
file, log and message.
"""

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fake_llm import NAMES, SECRET, annotator, client, rows

from defaults import PARAMS
from nerlab.annotate.annotator import entity_reader
from nerlab.annotate.cache import ResponseCache
from nerlab.annotate.client import RequestFailed
from nerlab.config.errors import NerlabError


def test_retries_429_and_500_then_succeeds(fake):
    server = fake(script=[429, 500, 503])
    done = client(server.url).complete([{"role": "user", "content": "hi"}], {"max_tokens": 5})
    assert done.retries == 3 and done.text == '{"PER": ["Ann"]}' and done.prompt_tokens == 11
    assert len(server.requests) == 4 and server.requests[-1]["model"] == "test-model"


def test_gives_up_after_max_retries_and_not_on_4xx(fake):
    server = fake(script=[500] * 10)
    with pytest.raises(RequestFailed) as err:
        client(server.url, retries=2).complete([], {})
    assert err.value.retries == 2 and len(server.requests) == 3 and "HTTP 500" in str(err.value)
    server = fake(script=[400])
    with pytest.raises(RequestFailed):
        client(server.url).complete([], {})
    assert len(server.requests) == 1  # a bad request is not retried


def test_timeouts_are_retried_then_fail(fake):
    server = fake(delay=1.0)
    with pytest.raises(RequestFailed) as err:
        client(server.url, retries=1, timeout=0.2).complete([], {})
    assert "timed out" in str(err.value).lower() and err.value.retries == 1


def test_unreachable_server_fails_cleanly():
    with pytest.raises(RequestFailed):
        client("http://127.0.0.1:9/v1", retries=1).complete([], {})


def test_failed_sentences_are_counted_and_the_run_goes_on(fake, tmp_path):
    server = fake(script=[500, 500, 500])  # the first sentence fails after 2 retries
    out, usage = annotator(client(server.url, retries=2), ResponseCache(tmp_path / "c.sqlite")).annotate(rows(3))
    assert [a.status for a in out] == ["failed", "ok", "ok"]
    assert usage.failures == 1 and usage.retries == 2 and usage.requests == 3
    assert out[1].tags == ["B-PER", "O", "O"] and out[0].tags == ["O", "O", "O"]


def test_cache_answers_repeat_runs_without_requests(fake, tmp_path):
    server = fake()
    cache = ResponseCache(tmp_path / "c.sqlite")
    first, u1 = annotator(client(server.url), cache, concurrency=3).annotate(rows(5))
    second, u2 = annotator(client(server.url), cache, concurrency=3).annotate(rows(5))
    assert len(server.requests) == 5 and u1.requests == 5 and u2.requests == 0 and u2.cached == 5
    assert [a.tags for a in first] == [a.tags for a in second]
    assert u2.prompt_tokens == u1.prompt_tokens == 55  # cached answers keep their token counts
    other = annotator(client(server.url), cache)
    other.settings = {"temperature": 0.5, "max_tokens": 20}  # other generation settings: a new key
    other.annotate(rows(1))
    assert len(server.requests) == 6


KILLED_RUN = """
import sys
from nerlab.annotate.cache import ResponseCache
sys.path.insert(0, {support!r})
from fake_llm import annotator, client, rows
annotator(client({url!r}), ResponseCache({cache!r})).annotate(rows(8))
"""


def test_a_killed_run_resumes_without_re_asking(fake, tmp_path):
    server = fake(delay=0.3)
    cache_file = tmp_path / "c.sqlite"
    code = KILLED_RUN.format(support=str(Path(__file__).resolve().parents[2] / "support"), url=server.url,
                             cache=str(cache_file))
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and (not cache_file.exists() or len(ResponseCache(cache_file)) < 3):
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    finished = len(ResponseCache(cache_file))
    assert 3 <= finished < 8
    asked_before, settle = len(server.requests), time.time() + 10
    while time.time() < settle:  # a request the killed run had in flight may still be reaching the server
        time.sleep(1.0)
        if len(server.requests) == asked_before:
            break
        asked_before = len(server.requests)
    out, usage = annotator(client(server.url), ResponseCache(cache_file)).annotate(rows(8))
    assert usage.cached == finished and usage.requests == 8 - finished
    assert len(server.requests) - asked_before == 8 - finished
    assert all(a.status == "ok" for a in out)


def test_api_key_only_in_the_header(fake, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("NERLAB_TEST_KEY", SECRET)
    server = fake(script=[429, 500])
    cache_file = tmp_path / "c.sqlite"
    with caplog.at_level("DEBUG"):
        out, _ = annotator(client(server.url, key_env="NERLAB_TEST_KEY"), ResponseCache(cache_file)).annotate(rows(2))
    assert server.auth[0] == f"Bearer {SECRET}"
    assert SECRET not in caplog.text
    assert SECRET.encode() not in cache_file.read_bytes()
    for wal in tmp_path.glob("c.sqlite*"):
        assert SECRET.encode() not in wal.read_bytes()
    assert SECRET not in json.dumps([a.__dict__ for a in out])
    failing = fake(script=[401])
    with pytest.raises(RequestFailed) as err:
        client(failing.url, key_env="NERLAB_TEST_KEY").complete([], {})
    assert SECRET not in str(err.value)


def test_missing_key_variable_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("NERLAB_NO_SUCH_KEY", raising=False)
    with pytest.raises(NerlabError, match="NERLAB_NO_SUCH_KEY"):
        client("http://127.0.0.1:9/v1", key_env="NERLAB_NO_SUCH_KEY")


class Redirector:
    """An endpoint that answers every POST with a redirect to ``target``."""

    def __init__(self, target, code=307):
        seen = self.auth = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                seen.append(self.headers.get("Authorization"))
                self.send_response(code)
                self.send_header("Location", target)
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.mark.parametrize("code", [301, 302, 307, 308])
def test_a_redirect_is_refused_and_the_key_never_reaches_the_other_host(fake, monkeypatch, code):
    other = fake()  # the host the redirect points at
    hop = Redirector(other.url + "/chat/completions", code)
    monkeypatch.setenv("NERLAB_TEST_KEY", SECRET)
    try:
        with pytest.raises(RequestFailed) as caught:
            client(hop.url, key_env="NERLAB_TEST_KEY").complete([{"role": "user", "content": "hi"}], {})
    finally:
        hop.httpd.shutdown()
    assert hop.auth == [f"Bearer {SECRET}"] and other.auth == [] and other.requests == []
    assert "redirect" in str(caught.value) and SECRET not in str(caught.value)


def test_credentials_in_the_base_url_stay_out_of_errors():
    from nerlab.annotate.client import public_url

    assert public_url("https://user:hunter2@api.example.org:8443/v1/chat?key=abc") == \
        "https://api.example.org:8443/v1/chat"
    with pytest.raises(RequestFailed) as caught:
        client("http://user:hunter2@127.0.0.1:9/v1", retries=0, timeout=1).complete([], {})
    assert "hunter2" not in str(caught.value)


def test_a_key_pasted_into_api_key_env_is_refused_without_echoing_it():
    from defaults import raw
    from nerlab.config.schema import validate

    for backend in ("openai", "teacher"):  # refused whatever the backend: the params would be logged
        mapping = raw(annotator=backend)
        mapping["annotate"]["openai"]["api_key_env"] = SECRET
        with pytest.raises(NerlabError) as caught:
            validate(mapping)
        assert "NAME of an environment variable" in str(caught.value) and SECRET not in str(caught.value)


def test_a_run_where_every_request_failed_is_an_error(tmp_path, fake):
    from nerlab.annotate.backends import _Chat

    server = fake(script=[400] * 3)
    chat = _Chat(client(server.url, retries=0), ResponseCache(tmp_path / "c.sqlite"), "openai", None, PARAMS.annotate)
    request = (lambda row: [{"role": "user", "content": "x"}], entity_reader(NAMES), {"max_tokens": 5})
    with pytest.raises(NerlabError, match="all 3 requests to openai:test-model failed"):
        chat._annotate(rows(3), request, "t")


def test_deeply_nested_answers_are_unreadable_not_fatal(tmp_path, fake):
    from nerlab.annotate.parse import parse_answer

    for text in ["[" * 100_000 + "]" * 100_000, "{" * 50_000, '{"PER": ' + "[" * 5000 + '"Ann"' + "]" * 5000 + "}",
                 "x" * 1_000_000]:
        parsed = parse_answer(text, NAMES)
        assert not parsed.ok or parsed.n_spans >= 0
    # a cached answer that cannot be read is counted as unreadable on every later run, never fatal
    server = fake(answer="[" * 100_000)
    cache = ResponseCache(tmp_path / "c.sqlite")
    for _ in range(2):
        out, usage = annotator(client(server.url), cache).annotate(rows(2))
        assert [a.status for a in out] == ["format_error"] * 2 and usage.format_errors == 2
    assert len(server.requests) == 2  # the second run read both answers from the cache
