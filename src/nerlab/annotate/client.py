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
from dataclasses import dataclass

from nerlab.config.errors import NerlabError

log = logging.getLogger(__name__)

RETRYABLE = {408, 409, 425, 429, 500, 502, 503, 504}


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
        headers = {"Content-Type": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        request = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers=headers, method="POST")
        with _OPENER.open(request, timeout=self.cfg.timeout) as response:
            return json.loads(response.read().decode("utf-8"))

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
                data = self._post(body)
                choice = (data.get("choices") or [{}])[0]
                text = (choice.get("message") or {}).get("content") or choice.get("text") or ""
                usage = data.get("usage") or {}
                return Completion(text, int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0),
                                  attempt, time.perf_counter() - start)
            except urllib.error.HTTPError as err:
                reason = f"HTTP {err.code} {err.reason}"
                if err.code not in RETRYABLE:
                    raise RequestFailed(f"{reason} from {public_url(self.url)}", attempt) from None
                retry_after = err.headers.get("Retry-After") if err.headers else None
            except (urllib.error.URLError, TimeoutError, socket.timeout, ConnectionError) as err:
                reason = f"{type(err).__name__}: {getattr(err, 'reason', err)}"
            except (ValueError, KeyError, IndexError) as err:  # a body that is not the expected JSON
                reason = f"bad response body: {err}"
            if attempt == self.cfg.max_retries:
                raise RequestFailed(f"{reason} from {public_url(self.url)} (after {attempt} retries)", attempt)
            delay = self._delay(attempt, retry_after)
            log.debug("%s; retry %d in %.1f s", reason, attempt + 1, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")
