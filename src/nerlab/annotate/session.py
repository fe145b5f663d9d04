"""One annotation session: the backend opened once, prompts built, answers read, everything cached.

The stages (``annotate``, ``annotate_bbc``, ``topics``, ``llm_tagger``) each
open a session from params and ask it for entity annotations under a named
prompt, or for topic labels.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from nerlab.annotate import backends, prompts
from nerlab.annotate.annotator import Annotation, Usage, entity_reader, topic_reader
from nerlab.annotate.parse import TypeNames
from nerlab.config.errors import NerlabError

if TYPE_CHECKING:
    from nerlab.config.schema import Params

log = logging.getLogger(__name__)


class Session:
    """The backend named by ``backend`` (default: the ``annotator`` param; :mod:`nerlab.annotate.backends`) plus
    the prompt side it may need: templates, few-shot examples from ``pool``, entity definitions and sampling
    settings."""

    def __init__(self, params: Params, types: list[str], pool: list[dict], backend: str | None = None):
        self.cfg = params.annotate
        self.seed = params.seed
        self.backend = backends.get(backend or params.annotator, self.cfg)
        self.types = list(types)
        self.pool = pool  # few-shot examples come from here (never the sentences annotated)
        definitions = Path(self.cfg.definitions) / f"{params.dataset}.yaml"
        self.entities = prompts.EntityTypes.load(definitions, self.types) if types else None
        self._opened = self._similar = None

    @contextlib.contextmanager
    def open(self) -> Iterator["Session"]:
        with self.backend.open(self) as opened:
            self._opened = opened
            try:
                yield self
            finally:
                self._opened = None

    def entities_for(self, rows: list[dict], prompt: str, desc: str = "annotate") -> tuple[list[Annotation], Usage]:
        return self._opened.entities(rows, prompt, desc)

    def topics_for(self, rows: list[dict], desc: str = "topics") -> tuple[list[Annotation], Usage]:
        return self._opened.topics(rows, desc)

    # the prompt side (backends.Prompter), used by the LLM backends

    def template(self, name: str) -> prompts.Template:
        prompts_ = self.cfg.prompts
        if name not in prompts_:  # the schema checks the named ones; "topic" is asked for by the topics stage
            raise NerlabError(f"annotate.prompts has no {name!r} prompt (known: {', '.join(prompts_)})")
        spec = prompts_[name]
        return prompts.Template.load(name, spec.template, spec.reasoning)

    def _settings(self, name: str) -> dict:
        spec = self.cfg.prompts[name]
        own = spec.temperature  # optional: a prompt's own temperature, else annotate.temperature
        return {"temperature": self.cfg.temperature if own is None else own, "max_tokens": spec.max_tokens,
                "seed": self.seed}

    def _examples(self, rows: list[dict]) -> dict[str, list[dict]]:
        k = self.cfg.shots
        if self.cfg.shot_selection == "similar":
            if self._similar is None:
                self._similar = prompts.SimilarExamples(self.pool, k)
            return {r["id"]: ex for r, ex in zip(rows, self._similar.for_rows(rows))}
        fixed = prompts.pick_random(self.pool, k, self.seed, self.types)
        return {r["id"]: fixed for r in rows}

    def entity_request(self, rows: list[dict], prompt: str) -> tuple[Callable, Callable, dict]:
        template = self.template(prompt)
        examples = self._examples(rows)
        build = lambda row: prompts.messages(row, template, self.entities, examples[row["id"]])  # noqa: E731
        return build, entity_reader(TypeNames(self.types, self.entities.aliases)), self._settings(prompt)

    def topic_request(self) -> tuple[Callable, Callable, dict]:
        template = self.template("topic")
        build = lambda row: prompts.messages(row, template, self.entities, [])  # noqa: E731
        return build, topic_reader, self._settings("topic")
