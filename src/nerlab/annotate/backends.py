"""Annotator backends by name (param ``annotator``): one registry, one small interface.

Every backend says what answers (:meth:`Backend.describe`), which annotation
runs it makes for the prompts asked (:meth:`Backend.runs`), and opens into an
:class:`Opened` annotator with ``entities(rows, prompt)`` and ``topics(rows)``:

- ``local``: nerlab's llama.cpp server process (started on open, always stopped
  on close) behind the OpenAI-compatible chat client;
- ``openai``: any OpenAI-compatible endpoint, the same client;
- ``teacher``: a trained nerlab model folder (CRF or fine-tuned tagger) that tags
  the sentences itself: no prompts, one run, no topic labels;
- ``noise``: the sentences' gold spans perturbed to a target annotator's per-type precision and recall
  (:mod:`nerlab.annotate.noise`, ``annotate.noise``); sentences without gold (BBC News) get the teacher's.

Adding a backend means one class with ``@BACKENDS.register(name)``; the params schema
takes ``annotator`` (and, for backends that answer prompts, ``llm``) from this
registry. Stage modules never ask which backend they hold.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from nerlab.annotate.align import tags_to_spans
from nerlab.annotate.annotator import Annotation, LLMAnnotator, TeacherAnnotator, Usage
from nerlab.annotate.cache import ResponseCache
from nerlab.annotate.client import ChatClient, ClientConfig
from nerlab.annotate.noise import describe, perturb
from nerlab.config import paths
from nerlab.config.errors import NerlabError
from nerlab.config.registry import Registry
from nerlab.data.jsonl import read_json
from nerlab.experiments.tracking import project_root

if TYPE_CHECKING:
    from nerlab.config.schema import Annotate

BACKENDS = Registry("annotator")
log = logging.getLogger(__name__)


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
    prompted = False  # an LLM that answers prompts (can be the `llm` of llm_tagger and topics)

    def __init__(self, cfg: Annotate):
        self.cfg = cfg  # the typed ``annotate`` params block

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


def cache_path(cfg: Annotate) -> Path:
    """The answer cache lives at the project root (also for ``dvc exp run`` workers in temporary copies)."""
    path = Path(cfg.cache)
    return path if path.is_absolute() else project_root() / path


class _Chat:
    """An LLM backend opened: requests built by the prompter, answered through the cache and the client."""

    def __init__(self, client: ChatClient, cache: ResponseCache, backend: str, prompter: Prompter, limits: Annotate):
        self.client, self.cache, self.backend = client, cache, backend
        self.prompter, self.limits = prompter, limits  # concurrency, failure and unreadable-share limits
        self.concurrency = limits.concurrency

    def _annotate(self, rows: list[dict], request: tuple[Callable, Callable, dict], desc: str):
        build, read, settings = request
        annotations, usage = LLMAnnotator(self.client, self.cache, self.backend, settings, build, read,
                                          self.concurrency, self.limits.max_consecutive_failures).annotate(rows, desc)
        if rows and usage.failures == len(rows):  # nothing came back: a broken endpoint, not a result
            raise NerlabError(f"all {len(rows)} requests to {self.backend}:{self.client.cfg.model} failed "
                              f"(first: {annotations[0].error})")
        answered = len(rows) - usage.failures
        if answered and usage.format_errors / answered > self.limits.max_unreadable:
            raise NerlabError(f"{usage.format_errors} of {answered} answers from {self.backend}:"
                              f"{self.client.cfg.model} were unreadable (more than annotate.max_unreadable = "
                              f"{self.limits.max_unreadable:g}): the model does not follow the prompt; nothing was "
                              "written (answers are cached)")
        return annotations, usage

    def entities(self, rows: list[dict], prompt: str, desc: str = "annotate"):
        return self._annotate(rows, self.prompter.entity_request(rows, prompt), desc)

    def topics(self, rows: list[dict], desc: str = "topics"):
        return self._annotate(rows, self.prompter.topic_request(), desc)


class ChatBackend(Backend):
    """An LLM behind the OpenAI-compatible chat client; subclasses say how the client is reached."""

    prompted = True

    def client(self) -> contextlib.AbstractContextManager[ChatClient]:
        raise NotImplementedError

    def client_config(self, base_url: str, model: str, api_key_env: str | None) -> ClientConfig:
        cfg = self.cfg
        return ClientConfig(base_url=base_url, model=model, api_key_env=api_key_env, timeout=cfg.timeout,
                            max_retries=cfg.max_retries, backoff=cfg.backoff)

    @contextlib.contextmanager
    def open(self, prompter: Prompter) -> Iterator[Opened]:
        cache = ResponseCache(cache_path(self.cfg))
        try:
            with self.client() as client:
                yield _Chat(client, cache, self.name, prompter, self.cfg)
        finally:
            cache.close()


@BACKENDS.register("openai")
class OpenAIBackend(ChatBackend):
    name = "openai"

    @property
    def model(self) -> str:
        return self.cfg.openai.model

    @contextlib.contextmanager
    def client(self) -> Iterator[ChatClient]:
        o = self.cfg.openai
        yield ChatClient(self.client_config(o.base_url, self.model, o.api_key_env or None))


@BACKENDS.register("local")
class LocalBackend(ChatBackend):
    name = "local"

    @property
    def model(self) -> str:
        return self.cfg.local.model

    @contextlib.contextmanager
    def client(self) -> Iterator[ChatClient]:
        from nerlab.annotate.server import local_server

        with local_server(self.cfg.local, self.cfg.concurrency, paths.LOGS / "llama-server.log") as base:
            yield ChatClient(self.client_config(base, self.model, None))


class _Teaching:
    def __init__(self, annotator: TeacherAnnotator):
        self.annotator = annotator

    def entities(self, rows: list[dict], prompt: str, desc: str = "annotate"):
        return self.annotator.annotate(rows, desc)

    def topics(self, rows: list[dict], desc: str = "topics"):
        raise NerlabError(f"annotator 'teacher' ({self.annotator.name}) tags entities; it gives no topic labels. "
                          "Use an LLM annotator (local or openai) or annotate.topics.labeller: bbc")


@BACKENDS.register("teacher")
class TeacherBackend(Backend):
    """A trained nerlab model (CRF or fine-tuned tagger) as the annotator: classic knowledge distillation."""

    name = "teacher"

    @property
    def model(self) -> str:
        return self.cfg.teacher

    def runs(self, prompts: list[str]) -> list[str]:
        return [self.name]  # a model answers no prompt: one run, named after the backend

    def note(self) -> str:
        meta = Path(self.model) / "teacher.json"  # written by the teacher stage
        if meta.is_file():
            return str(read_json(meta)["note"])
        return f"a trained model ({self.model}) stands in for the paper's LLM annotator"

    @contextlib.contextmanager
    def open(self, prompter: Prompter) -> Iterator[Opened]:
        from nerlab.models.loaders import load_folder

        yield _Teaching(TeacherAnnotator(load_folder(self.model), self.model))


class _Noising:
    def __init__(self, cfg: Annotate, teacher: Callable[[], TeacherAnnotator]):
        self.cfg, self.teacher = cfg, teacher

    def entities(self, rows: list[dict], prompt: str, desc: str = "annotate"):
        if not all("tags" in r for r in rows):  # no gold to perturb (BBC News): the teacher tags them
            return self.teacher().annotate(rows, desc)
        noise = self.cfg.noise
        start = time.perf_counter()
        tagged, counts = perturb([r["tags"] for r in rows], noise.targets(), noise.boundary_share, noise.swap_share,
                                 noise.seed)
        log.info("noise model (%s): %s", noise.name, "; ".join(f"{k} {c}" for k, c in sorted(counts.items())))
        usage = Usage(sentences=len(rows), wall_seconds=time.perf_counter() - start)
        return [Annotation(r["id"], r["tokens"], tags, json.dumps(tags_to_spans(r["tokens"], tags), ensure_ascii=False),
                           "ok", {"entities": sum(t.startswith("B-") for t in tags)})
                for r, tags in zip(rows, tagged)], usage

    def topics(self, rows: list[dict], desc: str = "topics"):
        raise NerlabError("annotator 'noise' perturbs gold entities; it gives no topic labels. Use an LLM annotator "
                          "(local or openai) or annotate.topics.labeller: bbc")


@BACKENDS.register("noise")
class NoiseBackend(Backend):
    """Gold spans with a target annotator's per-type error pattern: a stand-in for GPT-4 that errs like it."""

    name = "noise"

    @property
    def model(self) -> str:
        return self.cfg.noise.name

    def describe(self) -> str:
        return f"noise:{self.model}"

    def runs(self, prompts: list[str]) -> list[str]:
        return [self.name]  # no prompt: one run

    def note(self) -> str:
        return (f"nerlab's noise model stands in for the paper's annotator: gold spans perturbed (seeded) to "
                f"{self.model}'s per-type precision/recall ({describe(self.cfg.noise.targets())}); sentences "
                f"without gold (BBC News) are tagged by the teacher ({self.cfg.teacher})")

    @contextlib.contextmanager
    def open(self, prompter: Prompter) -> Iterator[Opened]:
        from nerlab.models.loaders import load_folder

        yield _Noising(self.cfg, lambda: TeacherAnnotator(load_folder(self.cfg.teacher), self.cfg.teacher))


def llm_names() -> tuple[str, ...]:
    """The backends that answer prompts (the choices of param ``llm``)."""
    return tuple(name for name, backend in BACKENDS.items() if backend.prompted)


def get(annotator: str, cfg) -> Backend:
    """The backend named by the ``annotator`` (or ``llm``) param, over the typed ``annotate`` params block."""
    return BACKENDS[annotator](cfg)
