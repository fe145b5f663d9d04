"""One annotation session: the backend opened once, prompts built, answers read, everything cached.

The stages (``annotate``, ``annotate_bbc``, ``topics``, ``llm_tagger``) each
open a session from params and ask it for entity annotations under a named
prompt, or for topic labels.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from nerlab import paths
from nerlab.annotate import prompts
from nerlab.annotate.annotator import Annotation, LLMAnnotator, Usage, entity_reader
from nerlab.annotate.backends import info, open_client, teacher
from nerlab.annotate.cache import ResponseCache
from nerlab.annotate.parse import TypeNames
from nerlab.annotate.topics import topic_reader
from nerlab.errors import NerlabError
from nerlab.tracking import project_root

log = logging.getLogger(__name__)


def cache_path(cfg: dict) -> Path:
    """The cache lives at the project root (also for ``dvc exp run`` workers in temporary copies)."""
    path = Path(cfg["cache"])
    return path if path.is_absolute() else project_root() / path


class Session:
    def __init__(self, params: dict, types: list[str], pool: list[dict]):
        self.cfg = params["annotate"]
        self.annotator = params["annotator"]
        if self.cfg["shot_selection"] not in ("random", "similar"):
            raise NerlabError(f"params.yaml: annotate.shot_selection must be random or similar, "
                              f"got {self.cfg['shot_selection']!r}")
        self.seed = int(params["seed"])
        self.info = info(self.annotator, self.cfg)
        self.types = list(types)
        self.pool = pool  # few-shot examples come from here (never the sentences annotated)
        definitions = Path(self.cfg["definitions"]) / f"{params['dataset']}.yaml"
        self.entities = prompts.EntityTypes.load(definitions, self.types) if types else None
        self._client = self._teacher = self._similar = None
        self.cache = None

    @contextlib.contextmanager
    def open(self) -> Iterator["Session"]:
        if self.annotator == "teacher":
            self._teacher = teacher(self.cfg["teacher"])
            yield self
            return
        self.cache = ResponseCache(cache_path(self.cfg))
        try:
            with open_client(self.annotator, self.cfg, paths.LOGS) as client:
                self._client = client
                yield self
        finally:
            self.cache.close()

    def template(self, name: str) -> prompts.Template:
        spec = self.cfg["prompts"].get(name)
        if spec is None:
            raise NerlabError(f"params.yaml: no prompt {name!r} under annotate.prompts "
                              f"(known: {', '.join(self.cfg['prompts'])})")
        return prompts.Template.load(name, spec["template"], bool(spec.get("reasoning", False)))

    def _settings(self, name: str) -> dict:
        spec = self.cfg["prompts"][name]
        return {"temperature": float(spec.get("temperature", self.cfg["temperature"])),
                "max_tokens": int(spec["max_tokens"]), "seed": self.seed}

    def _examples(self, rows: list[dict]) -> dict[str, list[dict]]:
        k = int(self.cfg["shots"])
        if self.cfg["shot_selection"] == "similar":
            if self._similar is None:
                self._similar = prompts.SimilarExamples(self.pool, k)
            return {r["id"]: ex for r, ex in zip(rows, self._similar.for_rows(rows))}
        fixed = prompts.pick_random(self.pool, k, self.seed, self.types)
        return {r["id"]: fixed for r in rows}

    def entities_for(self, rows: list[dict], prompt: str, desc: str = "annotate") -> tuple[list[Annotation], Usage]:
        if self._teacher is not None:
            return self._teacher.annotate(rows, desc)
        template = self.template(prompt)
        examples = self._examples(rows)
        build = lambda row: prompts.messages(row, template, self.entities, examples[row["id"]])  # noqa: E731
        reader = entity_reader(TypeNames(self.types, self.entities.aliases))
        return LLMAnnotator(self._client, self.cache, self.annotator, self._settings(prompt), build, reader,
                            int(self.cfg["concurrency"])).annotate(rows, desc)

    def topics_for(self, rows: list[dict], desc: str = "topics") -> tuple[list[Annotation], Usage]:
        template = self.template("topic")
        build = lambda row: prompts.messages(row, template, self.entities, [])  # noqa: E731
        return LLMAnnotator(self._client, self.cache, self.annotator, self._settings("topic"), build, topic_reader,
                            int(self.cfg["concurrency"])).annotate(rows, desc)
