"""Toy sentences (people, places, organisations in two patterns) and a tagger over the tiny BERT to train on them."""

import random

import torch

from defaults import architecture
from nerlab.data.tags import label_list
from nerlab.models.transformer.labels import LabelSpace
from nerlab.models.transformer.model import TokenTagger
from nerlab.models.transformer.tagger import FinetunedTagger

LABELS = {"types": ["LOC", "ORG", "PER"], "tags": label_list(["LOC", "ORG", "PER"])}


def toy_rows(n, seed):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        name, place, org = rng.choice(["Anna", "Bob", "Carla"]), rng.choice(["Paris", "Oslo", "Rome"]), \
            rng.choice(["Acme", "Volvo"])
        if i % 2:
            tokens, tags = [name, "visited", place, "on", "Monday", "."], ["B-PER", "O", "B-LOC", "O", "O", "O"]
        else:
            tokens, tags = [org, "hired", name, "in", "New", "York"], ["B-ORG", "O", "B-PER", "O", "B-LOC", "I-LOC"]
        rows.append({"id": str(i), "doc_id": f"d{i // 4}", "tokens": tokens, "tags": tags})
    return rows


def build(tiny, **arch):
    from transformers import BertModel

    tokenizer, model = tiny
    space = LabelSpace.from_labels_json(LABELS)
    torch.manual_seed(0)  # the same random encoder and heads whatever ran before
    encoder = BertModel(model.config)
    return FinetunedTagger(TokenTagger(encoder, architecture(**arch), space.tags, space.coarse_tags), tokenizer,
                           space, max_length=32)


def crf_rows(n, seed):
    """People who live in or fly to places, in two sentence shapes (enough for a CRF to learn)."""
    rng = random.Random(seed)
    names, places = ["Anna", "Bob", "Carla", "Dieter", "Emil"], ["Paris", "Oslo", "Rome", "Lima"]
    rows = []
    for i in range(n):
        name, place = rng.choice(names), rng.choice(places)
        tokens = ["Yesterday", name, "flew", "to", place, "."] if i % 2 else [name, "lives", "in", place]
        tags = ["O", "B-PER", "O", "O", "B-LOC", "O"] if i % 2 else ["B-PER", "O", "O", "B-LOC"]
        rows.append({"id": str(i), "doc_id": None, "tokens": tokens, "tags": tags})
    return rows


def rows_with_topics(n, seed=0):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        name, place = rng.choice(["Anna", "Bob", "Carla"]), rng.choice(["Paris", "Oslo", "Rome"])
        if i % 2:
            tokens, tags, topic = [name, "visited", place, "on", "Monday", "."], \
                ["B-PER", "O", "B-LOC", "O", "O", "O"], "World"
        else:
            tokens, tags, topic = ["Volvo", "hired", name, "in", "New", "York"], \
                ["B-ORG", "O", "B-PER", "O", "B-LOC", "I-LOC"], "Business"
        rows.append({"id": str(i), "doc_id": None, "tokens": tokens, "tags": tags, "topic": topic})
    return rows
