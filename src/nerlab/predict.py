"""Tag raw text with a trained model: a simple tokenizer, the model, entities with character offsets."""

from __future__ import annotations

import json
from collections.abc import Iterable

from nerlab.tags import spans
from nerlab.text import tokenize


def tag_texts(tagger, texts: Iterable[str], batch_size: int = 64) -> list[dict]:
    texts = [t for t in texts if t.strip()]
    tokenized = [tokenize(t) for t in texts]
    rows = [{"id": str(i), "doc_id": None, "tokens": toks} for i, (toks, _) in enumerate(tokenized) if toks]
    tags = iter(tagger.predict(rows) if rows else [])
    out = []
    for text, (tokens, offsets) in zip(texts, tokenized):
        sentence_tags = next(tags) if tokens else []
        entities = [{"text": text[offsets[s.start][0]:offsets[s.end - 1][1]], "type": s.type,
                     "start": offsets[s.start][0], "end": offsets[s.end - 1][1]} for s in spans(sentence_tags)]
        out.append({"text": text, "tokens": tokens, "tags": sentence_tags, "entities": entities})
    return out


def render(results: list[dict], fmt: str) -> str:
    if fmt == "jsonl":
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in results)
    lines = []
    for r in results:
        found = ", ".join(f"{e['text']} [{e['type']}]" for e in r["entities"]) or "(no entities)"
        lines.append(f"{r['text']}\n  -> {found}")
    return "\n".join(lines)
