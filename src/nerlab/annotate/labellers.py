"""Topic labellers (param ``annotate.topics.labeller``): who gives paper 002's sentence topics.

- ``llm``: the ``llm`` backend with the paper's prompt, through the same backends and cache;
- ``bbc``: a classifier trained on BBC News categories (:mod:`nerlab.annotate.topic_classifier`),
  the offline default because the local SmolLM2-135M answers "0: World" for nearly every sentence.

Each labeller yields ``(split, labelled rows, counts)`` per split and fills ``result``'s
``annotator`` (and what else it measured). Adding one is a registered function here.
"""

from __future__ import annotations

from nerlab.annotate.session import Session
from nerlab.annotate.topic_classifier import TopicClassifier
from nerlab.config.registry import Registry
from nerlab.data.articles import long_sentences, read_articles

TOPIC_LABELLERS = Registry("topic labeller")


@TOPIC_LABELLERS.register("llm")
def llm_labels(params, splits: dict[str, list[dict]], result: dict):
    """Yield (split, labelled rows, counts) from the ``llm`` backend."""
    session = Session(params, [], [], backend=params.llm)
    result["annotator"] = session.backend.describe()
    with session.open() as s:
        for split, rows in splits.items():
            annotations, usage = s.topics_for(rows, desc=f"topics ({split})")
            labelled = [{"id": a.id, "tokens": a.tokens, "label": a.label, "raw": a.raw} for a in annotations
                        if a.label]
            yield split, labelled, {"unreadable": sum(a.status == "format_error" for a in annotations),
                                    "failed": usage.failures, "usage": usage.as_dict()}


@TOPIC_LABELLERS.register("bbc")
def bbc_labels(params, splits: dict[str, list[dict]], result: dict):
    cfg = params.annotate.topics
    classifier = TopicClassifier(cfg.min_confidence, params.seed)
    classifier.fit(long_sentences(read_articles(), cfg.min_tokens))
    result["annotator"] = classifier.describe()
    result["teacher_heldout"] = classifier.heldout
    for split, rows in splits.items():
        labelled = [{"id": r["id"], "tokens": r["tokens"], "label": label, "raw": f"p={p:.3f}"}
                    for r, (label, p) in zip(rows, classifier.label(rows))]
        yield split, labelled, {"unreadable": 0, "failed": 0}
