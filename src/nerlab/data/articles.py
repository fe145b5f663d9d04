"""Raw-text articles prepared by the fetch stage (``data/prepared/<dataset>/articles.jsonl``) -> sentences.

The BBC News articles reach every stage this way: ``fetch_bbc`` reads the zip
once (``python stages/fetch_bbc.py``), and ``annotate_bbc`` and ``topics`` read its
output, a declared DVC dependency.
"""

from __future__ import annotations

from nerlab.config import paths
from nerlab.config.errors import NerlabError
from nerlab.data.jsonl import read_jsonl
from nerlab.data.text import split_sentences, tokenize


def read_articles(dataset: str = paths.BBC) -> list[dict]:
    path = paths.prepared(dataset) / "articles.jsonl"
    if not path.is_file():
        raise NerlabError(f"{path} not found: prepare the articles first (dvc repro fetch_bbc)")
    return read_jsonl(path)


def long_sentences(articles: list[dict], min_tokens: int) -> list[dict]:
    """Every sentence of every article (duplicated articles once) with at least ``min_tokens`` tokens."""
    rows = []
    for article in articles:
        if article["duplicate_of"]:
            continue
        for i, sentence in enumerate(split_sentences(article["text"])):
            tokens, _ = tokenize(sentence)
            if len(tokens) >= min_tokens:
                rows.append({"id": f"bbc-{article['id']}-{i:03d}", "doc_id": f"bbc-{article['id']}",
                             "category": article["category"], "tokens": tokens})
    return rows
