"""Annotators: an LLM behind the chat client (with the cache), or a trained nerlab model (the teacher).

Both return one :class:`Annotation` per sentence (tags aligned to the
sentence's tokens, the raw answer, a status) and a :class:`Usage` account.
Requests run concurrently up to ``concurrency``; answers already in the cache
are not asked again; a request that fails after its retries marks the
sentence ``failed`` (counted) and the run goes on.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

from nerlab.annotate.align import spans_to_tags, tags_to_spans
from nerlab.annotate.cache import ResponseCache, request_key
from nerlab.annotate.client import BadResponse, ChatClient, RequestFailed
from nerlab.annotate.parse import TypeNames, parse_answer
from nerlab.annotate.topic_labels import parse_topic
from nerlab.config.errors import NerlabError

if TYPE_CHECKING:
    from nerlab.config.schema import Price

log = logging.getLogger(__name__)

BAD_RESPONSE = "unreadable response"  # the error of an answer that is not a chat completion


@dataclass
class Annotation:
    id: str
    tokens: list[str]
    tags: list[str]
    raw: str | None
    status: str  # ok | format_error | failed
    counts: dict = field(default_factory=dict)
    error: str | None = None
    label: str | None = None  # sentence-level answers (topic labels)


@dataclass
class Usage:
    sentences: int = 0
    requests: int = 0  # sent to the backend in this run
    cached: int = 0  # answered from the cache
    retries: int = 0
    failures: int = 0
    format_errors: int = 0
    prompt_tokens: int = 0  # this run's requests and the cached answers' recorded counts
    completion_tokens: int = 0
    wall_seconds: float = 0.0
    backend_seconds: float = 0.0  # summed request times, cached answers included (their first run's time)

    def as_dict(self, prices: Price | None = None) -> dict:
        """Counts, and two speeds: this run's (``sentences_per_second``, cache hits make it high) and the
        backend's, from the recorded time of every answer (``backend_sentences_per_second``)."""
        out = asdict(self)
        out["wall_seconds"] = round(self.wall_seconds, 3)
        out["backend_seconds"] = round(self.backend_seconds, 3)
        out["sentences_per_second"] = round(self.sentences / self.wall_seconds, 3) if self.wall_seconds else None
        out["backend_sentences_per_second"] = (round(self.sentences / self.backend_seconds, 3)
                                               if self.backend_seconds else None)
        per_million = (prices.prompt, prices.completion) if prices is not None else (0.0, 0.0)  # annotate.prices
        out["estimated_cost_usd"] = round(self.prompt_tokens / 1e6 * per_million[0]
                                          + self.completion_tokens / 1e6 * per_million[1], 6)
        return out


def entity_reader(names: TypeNames) -> Callable[[dict, str], Annotation]:
    """Answer text -> entities (tolerant parser) -> tags aligned to the sentence."""

    def read(row: dict, text: str) -> Annotation:
        parsed = parse_answer(text, names)
        tags, stats = spans_to_tags(row["tokens"], parsed.spans)
        counts = dict(stats.counts(), unknown_types=len(parsed.unknown_types))
        return Annotation(row["id"], row["tokens"], tags, text, "ok" if parsed.ok else "format_error", counts)

    return read


def topic_reader(row: dict, text: str) -> Annotation:
    """Answer text -> a topic label (paper 002); no label (or several) is an unreadable answer."""
    label = parse_topic(text)
    return Annotation(row["id"], row["tokens"], ["O"] * len(row["tokens"]), text,
                      "ok" if label else "format_error", {}, label=label)


class LLMAnnotator:
    """Prompts -> (cache | chat client) -> tolerant parser -> aligned tags."""

    def __init__(self, client: ChatClient, cache: ResponseCache, backend: str, settings: dict,
                 build_messages: Callable[[dict], list[dict]], read: Callable[[dict, str], Annotation],
                 concurrency: int = 1, max_consecutive_failures: int = 0):
        self.client, self.cache, self.backend = client, cache, backend
        self.settings, self.build_messages, self.read = settings, build_messages, read
        self.concurrency = max(1, int(concurrency))
        self.max_consecutive_failures = max_consecutive_failures  # 0: never stop early

    def ask(self, messages: list[dict]) -> tuple[str | None, Counter, str | None]:
        """(answer text or None, request counts, error) for one request, from the cache when it is there.
        A response that is not a readable chat completion is an unreadable answer (``BAD_RESPONSE``), not
        cached; only checked answers are."""
        key = request_key(backend=self.backend, model=self.client.cfg.model, messages=messages,
                          settings=self.settings)
        hit = self.cache.get(key)
        if hit is not None:
            return hit["text"], Counter(cached=1, prompt_tokens=hit["prompt_tokens"],
                                        completion_tokens=hit["completion_tokens"],
                                        backend_seconds=hit["seconds"]), None
        try:
            done = self.client.complete(messages, self.settings)
        except RequestFailed as err:
            return None, Counter(requests=1, retries=err.retries), str(err)
        except BadResponse as err:
            return None, Counter(requests=1, bad_responses=1), f"{BAD_RESPONSE}: {err}"
        self.cache.put(key, {"text": done.text, "prompt_tokens": done.prompt_tokens,
                             "completion_tokens": done.completion_tokens, "seconds": round(done.seconds, 3)})
        return done.text, Counter(requests=1, retries=done.retries, prompt_tokens=done.prompt_tokens,
                                  completion_tokens=done.completion_tokens, backend_seconds=done.seconds), None

    def _one(self, row: dict) -> tuple[Annotation, Counter]:
        text, used, error = self.ask(self.build_messages(row))
        if text is None:
            status = "format_error" if used["bad_responses"] else "failed"
            return Annotation(row["id"], row["tokens"], ["O"] * len(row["tokens"]), None, status, {}, error), used
        return self.read(row, text), used

    def annotate(self, rows: list[dict], desc: str = "annotate") -> tuple[list[Annotation], Usage]:
        """Every row's annotation; after ``max_consecutive_failures`` failed requests in a row the run stops with
        one line (a dead endpoint costs that many requests, not one per sentence)."""
        start = time.perf_counter()
        used = Counter()
        out = []
        streak = 0
        with ThreadPoolExecutor(self.concurrency) as pool:
            try:
                for annotation, counts in tqdm(pool.map(self._one, rows), total=len(rows), desc=desc,
                                               unit="sentence"):
                    out.append(annotation)
                    used.update(counts)
                    streak = streak + 1 if annotation.status == "failed" else 0
                    if self.max_consecutive_failures and streak >= self.max_consecutive_failures:
                        raise NerlabError(
                            f"{streak} requests in a row to {self.backend}:{self.client.cfg.model} failed (last: "
                            f"{annotation.error}); stopped after {len(out)} of {len(rows)} sentences "
                            "(annotate.max_consecutive_failures). Answers so far are cached: fix the endpoint and "
                            "run again")
            except NerlabError:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        if self.cache.skipped:
            log.warning("%d cached answers could not be read and were asked again", self.cache.skipped)
        usage = Usage(sentences=len(rows), wall_seconds=time.perf_counter() - start,
                      failures=sum(a.status == "failed" for a in out),
                      format_errors=sum(a.status == "format_error" for a in out),
                      **{k: used[k] for k in ("requests", "cached", "retries", "prompt_tokens", "completion_tokens",
                                              "backend_seconds")})
        return out, usage


class TeacherAnnotator:
    """A trained nerlab model (CRF or fine-tuned encoder) as the annotator: classic knowledge distillation."""

    def __init__(self, tagger, name: str):
        self.tagger, self.name = tagger, name

    def annotate(self, rows: list[dict], desc: str = "annotate") -> tuple[list[Annotation], Usage]:
        usage = Usage(sentences=len(rows))
        start = time.perf_counter()
        predicted = self.tagger.predict(rows)
        usage.wall_seconds = time.perf_counter() - start
        out = []
        for row, tags in zip(rows, predicted):
            raw = json.dumps(tags_to_spans(row["tokens"], tags), ensure_ascii=False)  # what an LLM would answer
            n = sum(t.startswith("B-") for t in tags)
            out.append(Annotation(row["id"], row["tokens"], list(tags), raw, "ok",
                                  dict(Counter(spans=n, matched=n, entities=n))))
        return out, usage


def parse_counts(annotations: list[Annotation]) -> dict:
    total = Counter()
    for a in annotations:
        total.update(a.counts)
    total["format_errors"] = sum(a.status == "format_error" for a in annotations)
    total["failed"] = sum(a.status == "failed" for a in annotations)
    return dict(total)


# Annotations as rows on disk: what the annotate stages write and train on


def few_shot_pool(train: list[dict], sample: list[dict]) -> list[dict]:
    """Where few-shot examples come from: the training split without the sentences annotated."""
    chosen = {r["id"] for r in sample}
    return [r for r in train if r["id"] not in chosen]


def annotation_rows(annotations: list[Annotation], gold: list[dict] | None = None) -> list[dict]:
    rows = []
    for i, a in enumerate(annotations):
        row = {"id": a.id, "tokens": a.tokens, "tags": a.tags, "status": a.status, "raw": a.raw, "counts": a.counts}
        if a.error:
            row["error"] = a.error
        if a.label is not None:
            row["label"] = a.label
        if gold is not None:
            row["gold"] = gold[i]["tags"]
        rows.append(row)
    return rows


def distilled_rows(annotations: list[Annotation], source: list[dict], require_entities: bool = False,
                   keep: tuple[str, ...] = ("id", "doc_id")) -> list[dict]:
    """Prepared-format rows (the ``keep`` fields, tokens, annotated tags) of the usable annotations."""
    out = []
    for a, row in zip(annotations, source):
        if a.status != "ok" or (require_entities and all(t == "O" for t in a.tags)):
            continue
        out.append({k: row[k] for k in keep if k in row} | {"tokens": a.tokens, "tags": a.tags})
    return out
