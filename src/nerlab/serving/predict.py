"""Tag raw text with a trained model: a simple tokenizer, the model, entities with character offsets; the
sentence's topic too when the model has a sequence head (paper 002's multitask model)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from nerlab.data.tags import spans
from nerlab.data.text import tokenize


def tag_texts(tagger, texts: Iterable[str], batch_size: int = 64) -> list[dict]:
    texts = [t for t in texts if t.strip()]
    tokenized = [tokenize(t) for t in texts]
    rows = [{"id": str(i), "doc_id": None, "tokens": toks} for i, (toks, _) in enumerate(tokenized) if toks]
    with_topics = bool(getattr(tagger, "has_topics", False))
    if with_topics:  # tags and topic from one forward pass
        all_tags, all_topics = tagger.analyse(rows, batch_size) if rows else ([], [])
        all_tags = all_tags if all_tags is not None else [["O"] * len(r["tokens"]) for r in rows]
    else:
        all_tags, all_topics = (tagger.predict(rows) if rows else []), []
    tags, topics = iter(all_tags), iter(all_topics)
    out = []
    for text, (tokens, offsets) in zip(texts, tokenized):
        sentence_tags = next(tags) if tokens else []
        entities = [{"text": text[offsets[s.start][0]:offsets[s.end - 1][1]], "type": s.type,
                     "start": offsets[s.start][0], "end": offsets[s.end - 1][1]} for s in spans(sentence_tags)]
        result = {"text": text, "tokens": tokens, "tags": sentence_tags, "entities": entities}
        if with_topics:
            result["topic"] = next(topics) if tokens else None
        out.append(result)
    return out


def render(results: list[dict], fmt: str) -> str:
    if fmt == "jsonl":
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in results)
    lines = []
    for r in results:
        found = ", ".join(f"{e['text']} [{e['type']}]" for e in r["entities"]) or "(no entities)"
        topic = f"  [topic: {r['topic']}]" if r.get("topic") else ""
        lines.append(f"{r['text']}\n  -> {found}{topic}")
    return "\n".join(lines)
