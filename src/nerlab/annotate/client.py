"""An OpenAI-compatible chat-completions client: retries with backoff and jitter, secrets kept out of sight.

One code path for every LLM backend: a hosted API (``base_url`` + a key read
from an environment variable), a user's own vLLM / llama.cpp / Ollama server,
or the local server nerlab starts itself. HTTP 429, 5xx, connection errors
and timeouts are retried (``Retry-After`` honoured) with exponential backoff
and jitter; after ``max_retries`` the request fails with :class:`RequestFailed`
and the caller counts it. Error messages carry the status and a short reason,
never the key.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from nerlab.config.errors import NerlabError

log = logging.getLogger(__name__)

RETRYABLE = {408, 409, 425, 429, 500, 502, 503, 504}


class BadResponse(ValueError):
    """A response that arrived but is not a chat completion nerlab can read (counted as a format error, never
    cached, not retried)."""


class RequestFailed(Exception):
    """A request that still failed after every retry (or failed in a way retrying cannot fix)."""

    def __init__(self, message: str, retries: int):
        super().__init__(message)
        self.retries = retries


@dataclass
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    retries: int
    seconds: float


@dataclass(frozen=True)
class ClientConfig:
    base_url: str
    model: str
    api_key_env: str | None  # the *name* of the environment variable holding the key
    timeout: float  # annotate.timeout, annotate.max_retries, annotate.backoff in params.yaml
    max_retries: int
    backoff: float  # seconds before the first retry; doubles each time, +-50 % jitter
    max_backoff: float = 30.0  # fixed, not a param


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """An API endpoint that redirects is refused: following it would send the key to another host (and turn
    the POST into a GET)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to {public_url(newurl)} refused (the API key "
                                     "is never sent to another address; set annotate.openai.base_url to the final "
                                     "address)", headers, fp)


def public_url(url: str) -> str:
    """``url`` without user name, password and query (what may appear in messages and stored fields)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


_OPENER = urllib.request.build_opener(_NoRedirects)


def _count(usage: dict, key: str) -> int:
    value = usage.get(key, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadResponse(f"usage.{key} is not a token count: {value!r}"[:120])
    return value


def read_completion(data) -> tuple[str, int, int]:
    """(text, prompt tokens, completion tokens) of an OpenAI-compatible response, checked and normalised before
    anything is cached: ``content`` as a string, or as a list of parts (the newer chat format: text parts are
    joined, other parts ignored), or the legacy ``text``; ``usage`` counts as non-negative integers (absent: 0).
    Anything else is a :class:`BadResponse`."""
    if not isinstance(data, dict):
        raise BadResponse(f"the body is a {type(data).__name__}, not an object")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise BadResponse(f"choices is not a non-empty list of objects: {str(choices)[:60]!r}")
    choice = choices[0]
    message = choice.get("message")
    if message is not None and not isinstance(message, dict):
        raise BadResponse("message is not an object")
    content = (message or {}).get("content", choice.get("text"))
    if content is None:
        text = ""
    elif isinstance(content, str):
        text = content
    elif isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and part.get("type", "text") == "text":
                if not isinstance(part.get("text"), str):
                    raise BadResponse("a text part without text")
                parts.append(part["text"])
            elif not isinstance(part, dict):
                raise BadResponse(f"a content part is a {type(part).__name__}")
        text = "".join(parts)
    else:
        raise BadResponse(f"content is a {type(content).__name__}, not text")
    usage = data.get("usage") or {}
    if not isinstance(usage, dict):
        raise BadResponse("usage is not an object")
    return text, _count(usage, "prompt_tokens"), _count(usage, "completion_tokens")


class ChatClient:
    def __init__(self, cfg: ClientConfig, sleep=time.sleep):
        self.cfg = cfg
        self._sleep = sleep
        self._key = None
        if cfg.api_key_env:
            self._key = os.environ.get(cfg.api_key_env)
            if not self._key:
                raise NerlabError(f"the API key variable {cfg.api_key_env} is not set "
                                  "(annotate.openai.api_key_env names the environment variable that holds the key)")

    @property
    def url(self) -> str:
        base = self.cfg.base_url.rstrip("/")
        return base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")

    def _post(self, body: dict) -> dict:
        """One request within an overall deadline of ``timeout`` seconds (not only per read: a server that
        trickles its answer byte by byte is cut off too)."""
        headers = {"Content-Type": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        request = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers=headers, method="POST")
        deadline = time.monotonic() + self.cfg.timeout
        worker = ThreadPoolExecutor(1)
        future = worker.submit(self._exchange, request, deadline)
        try:
            raw = future.result(timeout=self.cfg.timeout + 1)
        except FutureTimeout:
            raise TimeoutError(f"timed out: no complete answer within {self.cfg.timeout:g} s") from None
        finally:
            worker.shutdown(wait=False)
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise BadResponse(f"the body is not JSON ({type(err).__name__})") from None

    def _exchange(self, request, deadline: float) -> bytes:
        with _OPENER.open(request, timeout=self.cfg.timeout) as response:
            chunks = []
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"timed out: no complete answer within {self.cfg.timeout:g} s")
                chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), self.cfg.max_backoff)
            except ValueError:
                pass
        return min(self.cfg.backoff * 2 ** attempt, self.cfg.max_backoff) * random.uniform(0.5, 1.5)

    def complete(self, messages: list[dict], settings: dict) -> Completion:
        body = {"model": self.cfg.model, "messages": messages, **settings}
        start = time.perf_counter()
        for attempt in range(self.cfg.max_retries + 1):
            retry_after = None
            try:
                text, prompt_tokens, completion_tokens = read_completion(self._post(body))
                return Completion(text, prompt_tokens, completion_tokens, attempt, time.perf_counter() - start)
            except BadResponse:
                raise
            except urllib.error.HTTPError as err:
                reason = f"HTTP {err.code} {err.reason}"
                if err.code not in RETRYABLE:
                    raise RequestFailed(f"{reason} from {public_url(self.url)}", attempt) from None
                retry_after = err.headers.get("Retry-After") if err.headers else None
            except (urllib.error.URLError, TimeoutError, socket.timeout, ConnectionError) as err:
                reason = f"{type(err).__name__}: {getattr(err, 'reason', err)}"
            if attempt == self.cfg.max_retries:
                raise RequestFailed(f"{reason} from {public_url(self.url)} (after {attempt} retries)", attempt)
            delay = self._delay(attempt, retry_after)
            log.debug("%s; retry %d in %.1f s", reason, attempt + 1, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")
