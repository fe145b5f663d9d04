"""Annotation prompts from editable template files, entity definitions per dataset, and few-shot examples.

A template file has a ``[system]`` and a ``[user]`` section (either may be
absent) with ``$definitions``, ``$examples`` and ``$sentence`` placeholders
(``string.Template``, so JSON braces in the text need no escaping).

Few-shot examples come from the training split, never from the sentences
being annotated: ``random`` draws ``k`` sentences with a fixed seed (the same
examples for every sentence, which also lets the server reuse the cached
prompt prefix), preferring sentences that together cover every entity type;
``similar`` picks, per sentence, the ``k`` pool sentences nearest in embedding
space (mean-pooled MiniLM vectors, cosine), paper 003's future-work idea.

Example answers are the gold spans as the dictionary. Chain-of-thought
examples also show the four steps, written from the gold annotation: the
sentence as context, the gold names as candidates, their types, and each
type's definition as the justification.
"""

from __future__ import annotations

import json
import logging
import random
import string
from dataclasses import dataclass
from pathlib import Path

import yaml

from nerlab.annotate.align import tags_to_spans
from nerlab.config.errors import NerlabError

log = logging.getLogger(__name__)


SHOT_SELECTIONS = ("random", "similar")  # param annotate.shot_selection


@dataclass(frozen=True)
class Template:
    name: str
    system: str
    user: str
    reasoning: bool  # chain-of-thought examples

    @classmethod
    def load(cls, name: str, path: str | Path, reasoning: bool = False) -> "Template":
        path = Path(path)
        if not path.is_file():
            raise NerlabError(f"prompt template {path} not found (annotate.prompts.{name}.template)")
        sections, current = {"system": [], "user": []}, "user"
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() in ("[system]", "[user]"):
                current = line.strip()[1:-1]
                continue
            sections[current].append(line)
        return cls(name, "\n".join(sections["system"]).strip(), "\n".join(sections["user"]).strip(), reasoning)


@dataclass(frozen=True)
class EntityTypes:
    types: list[str]
    definitions: dict[str, str]
    aliases: dict[str, list[str]]

    @classmethod
    def load(cls, path: str | Path, types: list[str]) -> "EntityTypes":
        path = Path(path)
        if not path.is_file():  # a user's own dataset without a definitions file: the bare type names
            log.warning("no entity definitions at %s: the prompts name the types without definitions", path)
            return cls(list(types), {t: t for t in types}, {t: [] for t in types})
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        missing = [t for t in types if t not in data]
        if missing:
            raise NerlabError(f"{path}: no definition for {', '.join(missing)}")
        return cls(list(types), {t: str(data[t].get("definition", "")) for t in types},
                   {t: list(data[t].get("aliases", [])) for t in types})

    def render(self) -> str:
        return "\n".join(f"- {t}: {self.definitions[t]}" for t in self.types)


def answer_dict(row: dict) -> dict[str, list[str]]:
    return tags_to_spans(row["tokens"], row["tags"])


def _reasoning(row: dict, entities: EntityTypes) -> str:
    spans = answer_dict(row)
    names = [(name, t) for t, found in spans.items() for name in found]
    if not names:
        return ("1. Context: " + " ".join(row["tokens"]) + "\n2. Candidate entities: none\n3. Types: none\n"
                "4. Justification: the sentence names no person, organisation, location or other entity.")
    return "\n".join([
        "1. Context: " + " ".join(row["tokens"]),
        "2. Candidate entities: " + ", ".join(n for n, _ in names),
        "3. Types: " + "; ".join(f"{n} -> {t}" for n, t in names),
        "4. Justification: " + "; ".join(f"{n} is {t} ({entities.definitions[t].split(' - ')[0].split(',')[0]})"
                                         for n, t in names),
    ])


def render_example(row: dict, template: Template, entities: EntityTypes) -> str:
    answer = json.dumps(answer_dict(row), ensure_ascii=False)
    body = _reasoning(row, entities) + "\nAnswer: " + answer if template.reasoning else "Answer: " + answer
    return "Sentence: " + " ".join(row["tokens"]) + "\n" + body + "\n"


def messages(row: dict, template: Template, entities: EntityTypes | None, examples: list[dict]) -> list[dict]:
    fill = {"definitions": entities.render() if entities else "", "sentence": " ".join(row["tokens"]),
            "examples": "\n".join(render_example(e, template, entities) for e in examples)}
    out = []
    if template.system:
        out.append({"role": "system", "content": string.Template(template.system).safe_substitute(fill)})
    out.append({"role": "user", "content": string.Template(template.user).safe_substitute(fill)})
    return out


def pick_random(pool: list[dict], k: int, seed: int, types: list[str], min_tokens: int = 6) -> list[dict]:
    """``k`` seeded examples with entities, chosen so that together they cover as many types as possible."""
    rng = random.Random(seed)
    candidates = [r for r in pool if len(r["tokens"]) >= min_tokens and any(t != "O" for t in r["tags"])]
    rng.shuffle(candidates)
    chosen, covered = [], set()
    for row in candidates:  # first pass: each example adds a type not yet shown
        if len(chosen) == k:
            break
        new = {t[2:] for t in row["tags"] if t != "O"} - covered
        if new:
            chosen.append(row)
            covered |= new
    for row in candidates:
        if len(chosen) == k:
            break
        if row not in chosen:
            chosen.append(row)
    return chosen


class SimilarExamples:
    """Per-sentence examples: the pool's nearest neighbours by mean-pooled encoder embeddings."""

    def __init__(self, pool: list[dict], k: int, encoder: str = "minilm-l6", batch_size: int = 64):
        self.pool, self.k = pool, k
        self.encoder_name, self.batch_size = encoder, batch_size
        self._model = None
        self.vectors = self.embed(pool)

    def embed(self, rows: list[dict]):
        import torch

        from nerlab.models.transformer import encoders

        if self._model is None:
            self._tokenizer, self._model, _, _ = encoders.load(self.encoder_name)
            self._model.eval()
        out = []
        with torch.inference_mode():
            for i in range(0, len(rows), self.batch_size):
                texts = [" ".join(r["tokens"]) for r in rows[i:i + self.batch_size]]
                enc = self._tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
                hidden = self._model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                vec = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                out.append(torch.nn.functional.normalize(vec, dim=-1))
        return torch.cat(out) if out else torch.zeros(0, 1)

    def for_rows(self, rows: list[dict]) -> list[list[dict]]:
        scores = self.embed(rows) @ self.vectors.T
        best = scores.topk(min(self.k, len(self.pool)), dim=-1).indices.tolist()
        return [[self.pool[j] for j in reversed(idx)] for idx in best]  # most similar last, next to the question
