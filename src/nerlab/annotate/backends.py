"""Annotator backends by name (param ``annotator``): one registry, one small interface.

Every backend says what answers (:meth:`Backend.describe`), which annotation
runs it makes for the prompts asked (:meth:`Backend.runs`), and opens into an
:class:`Opened` annotator with ``entities(rows, prompt)`` and ``topics(rows)``:

- ``local``: nerlab's llama.cpp server process (started on open, always stopped
  on close) behind the OpenAI-compatible chat client;
- ``openai``: any OpenAI-compatible endpoint, the same client;
- ``teacher``: a trained nerlab model folder (CRF or fine-tuned tagger) that tags
  the sentences itself: no prompts, one run, no topic labels.

Adding a backend means adding one class to :data:`REGISTRY`; stage modules never
ask which backend they hold.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from nerlab import paths
from nerlab.annotate.annotator import Annotation, LLMAnnotator, TeacherAnnotator, Usage
from nerlab.annotate.cache import ResponseCache
from nerlab.annotate.client import ChatClient, ClientConfig
from nerlab.data.jsonl import read_json
from nerlab.errors import NerlabError
from nerlab.tracking import project_root


class Prompter(Protocol):
    """What an LLM backend needs from the session: the request for a prompt (message builder, answer reader,
    sampling settings)."""

    def entity_request(self, rows: list[dict], prompt: str) -> tuple[Callable, Callable, dict]: ...

    def topic_request(self) -> tuple[Callable, Callable, dict]: ...


class Opened(Protocol):
    def entities(self, rows: list[dict], prompt: str, desc: str) -> tuple[list[Annotation], Usage]: ...

    def topics(self, rows: list[dict], desc: str) -> tuple[list[Annotation], Usage]: ...


class Backend:
    """The common part: a name, the annotate params block, and what answers."""

    name = ""

    def __init__(self, cfg: dict):
        self.cfg = cfg

    @property
    def model(self) -> str:
        raise NotImplementedError

    def describe(self) -> str:
        return f"{self.name}:{self.model}"

    def runs(self, prompts: list[str]) -> list[str]:
        """The annotation runs made for ``prompts`` (an LLM: one per prompt)."""
        return list(prompts)

    def note(self) -> str:
        """What every output made from this backend's annotations must say ('' when nothing)."""
        return ""

    def open(self, prompter: Prompter) -> contextlib.AbstractContextManager[Opened]:
        raise NotImplementedError


def cache_path(cfg: dict) -> Path:
    """The answer cache lives at the project root (also for ``dvc exp run`` workers in temporary copies)."""
    path = Path(cfg["cache"])
    return path if path.is_absolute() else project_root() / path


class _Chat:
    """An LLM backend opened: requests built by the prompter, answered through the cache and the client."""

    def __init__(self, client: ChatClient, cache: ResponseCache, backend: str, prompter: Prompter, concurrency: int):
        self.client, self.cache, self.backend = client, cache, backend
        self.prompter, self.concurrency = prompter, concurrency

    def _annotate(self, rows: list[dict], request: tuple[Callable, Callable, dict], desc: str):
        build, read, settings = request
        annotations, usage = LLMAnnotator(self.client, self.cache, self.backend, settings, build, read,
                                          self.concurrency).annotate(rows, desc)
        if rows and usage.failures == len(rows):  # nothing came back: a broken endpoint, not a result
            raise NerlabError(f"all {len(rows)} requests to {self.backend}:{self.client.cfg.model} failed "
                              f"(first: {annotations[0].error})")
        return annotations, usage

    def entities(self, rows: list[dict], prompt: str, desc: str = "annotate"):
        return self._annotate(rows, self.prompter.entity_request(rows, prompt), desc)

    def topics(self, rows: list[dict], desc: str = "topics"):
        return self._annotate(rows, self.prompter.topic_request(), desc)


class ChatBackend(Backend):
    """An LLM behind the OpenAI-compatible chat client; subclasses say how the client is reached."""

    def client(self) -> contextlib.AbstractContextManager[ChatClient]:
        raise NotImplementedError

    def client_config(self, base_url: str, model: str, api_key_env: str | None) -> ClientConfig:
        cfg = self.cfg
        return ClientConfig(base_url=base_url, model=model, api_key_env=api_key_env, timeout=float(cfg["timeout"]),
                            max_retries=int(cfg["max_retries"]), backoff=float(cfg["backoff"]))

    @contextlib.contextmanager
    def open(self, prompter: Prompter) -> Iterator[Opened]:
        cache = ResponseCache(cache_path(self.cfg))
        try:
            with self.client() as client:
                yield _Chat(client, cache, self.name, prompter, int(self.cfg["concurrency"]))
        finally:
            cache.close()


class OpenAIBackend(ChatBackend):
    name = "openai"

    @property
    def model(self) -> str:
        return str(self.cfg["openai"]["model"])

    @contextlib.contextmanager
    def client(self) -> Iterator[ChatClient]:
        o = self.cfg["openai"]
        yield ChatClient(self.client_config(o["base_url"], self.model, o.get("api_key_env") or None))


class LocalBackend(ChatBackend):
    name = "local"

    @property
    def model(self) -> str:
        return str(self.cfg["local"]["model"])

    @contextlib.contextmanager
    def client(self) -> Iterator[ChatClient]:
        from nerlab.annotate.server import LocalConfig, local_server

        loc = self.cfg["local"]
        local = LocalConfig(model=self.model, ctx_per_slot=int(loc["ctx_per_slot"]),
                            parallel=int(self.cfg["concurrency"]), threads=int(loc["threads"]),
                            startup_timeout=float(loc["startup_timeout"]))
        with local_server(local, paths.LOGS / "llama-server.log") as base:
            yield ChatClient(self.client_config(base, self.model, None))


class _Teaching:
    def __init__(self, annotator: TeacherAnnotator):
        self.annotator = annotator

    def entities(self, rows: list[dict], prompt: str, desc: str = "annotate"):
        return self.annotator.annotate(rows, desc)

    def topics(self, rows: list[dict], desc: str = "topics"):
        raise NerlabError(f"annotator 'teacher' ({self.annotator.name}) tags entities; it gives no topic labels. "
                          "Use an LLM annotator (local or openai) or annotate.topics.labeller: bbc")


class TeacherBackend(Backend):
    """A trained nerlab model (CRF or fine-tuned tagger) as the annotator: classic knowledge distillation."""

    name = "teacher"

    @property
    def model(self) -> str:
        return str(self.cfg["teacher"])

    def runs(self, prompts: list[str]) -> list[str]:
        return [self.name]  # a model answers no prompt: one run, named after the backend

    def note(self) -> str:
        meta = Path(self.model) / "teacher.json"  # written by the teacher stage
        if meta.is_file():
            return str(read_json(meta)["note"])
        return f"a trained model ({self.model}) stands in for the paper's LLM annotator"

    @contextlib.contextmanager
    def open(self, prompter: Prompter) -> Iterator[Opened]:
        from nerlab.taggers import load_folder

        yield _Teaching(TeacherAnnotator(load_folder(self.model), self.model))


REGISTRY: dict[str, type[Backend]] = {b.name: b for b in (LocalBackend, OpenAIBackend, TeacherBackend)}


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def get(annotator: str, cfg: dict) -> Backend:
    """The backend named by the ``annotator`` param, over the ``annotate`` params block."""
    key_env = cfg["openai"]["api_key_env"]
    if key_env and not _ENV_NAME.fullmatch(str(key_env)):  # checked before anything logs the params
        raise NerlabError("params.yaml: annotate.openai.api_key_env must be the NAME of an environment variable "
                          "(e.g. OPENAI_API_KEY), and this value is not one: if it is the key itself, remove it "
                          "from params.yaml and revoke it")
    if annotator not in REGISTRY:
        raise NerlabError(f"params.yaml: annotator must be one of {', '.join(REGISTRY)}, got {annotator!r}")
    return REGISTRY[annotator](cfg)
