"""A topic labeller without an LLM (paper 002's labels, offline): a classifier trained on BBC News.

BBC News articles carry one of five categories; each maps to one of paper 002's
topics (politics -> World, sport -> Sport, business -> Business, tech ->
Technology, entertainment -> Other). Every sentence of an article is a training
example with its article's topic; a TF-IDF (word 1-2 grams, sublinear) +
logistic-regression pipeline (scikit-learn) learns them. A sentence is labelled
with the most probable topic, or ``Other`` when no topic reaches
``min_confidence`` (the paper's "Other" holds sentences with only dates and
places, such as ``WINNIPEG 1996-08-26``). It is trained on four fifths of the
articles; the held-out fifth measures it before it labels anything. Fitting and
labelling run BLAS on one thread and the solver to a tight tolerance, so the
same data give the same labels run after run.
"""

from __future__ import annotations

import logging
from collections import Counter

from nerlab.annotate.topic_labels import TOPICS
from nerlab.data.sampling import split_off

log = logging.getLogger(__name__)

CATEGORY_TOPIC = {"politics": "World", "sport": "Sport", "business": "Business", "tech": "Technology",
                  "entertainment": "Other"}


def _pipeline(seed: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                         LogisticRegression(C=10.0, max_iter=5000, tol=1e-8, random_state=seed))


def _one_thread():
    """BLAS on one thread: a multi-threaded reduction sums in a varying order, and a sentence whose top
    probability sits at ``min_confidence`` could change its label between runs (it did, 1 of 500)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _text(row: dict) -> str:
    return " ".join(row["tokens"])


class TopicClassifier:
    def __init__(self, min_confidence: float = 0.5, seed: int = 42):
        if not 0 <= min_confidence < 1:
            raise ValueError(f"min_confidence must be in [0, 1), got {min_confidence}")
        self.min_confidence = min_confidence
        self.seed = seed
        self.model = None
        self.heldout: dict = {}

    def fit(self, sentences: list[dict]) -> "TopicClassifier":
        """``sentences``: BBC sentences with ``doc_id``, ``category`` and ``tokens``. Trained on four fifths of
        the articles (seeded); the other fifth measures it (``heldout``)."""
        unknown = {s["category"] for s in sentences} - set(CATEGORY_TOPIC)
        if unknown:
            raise ValueError(f"BBC categories without a topic: {sorted(unknown)}")
        docs = sorted({s["doc_id"] for s in sentences})
        _, held = split_off(docs, 0.2, self.seed)
        held = set(held)
        fit_rows = [s for s in sentences if s["doc_id"] not in held]
        test_rows = [s for s in sentences if s["doc_id"] in held]
        with _one_thread():
            self.model = _pipeline(self.seed).fit([_text(s) for s in fit_rows],
                                                  [CATEGORY_TOPIC[s["category"]] for s in fit_rows])
        gold = [CATEGORY_TOPIC[s["category"]] for s in test_rows]
        pred = self.model.predict([_text(s) for s in test_rows])
        self.heldout = {"sentences": len(test_rows), "articles": len(held), "train_sentences": len(fit_rows),
                        "accuracy": round(sum(g == p for g, p in zip(gold, pred)) / max(1, len(gold)), 4)}
        log.info("topic teacher: trained on %d BBC sentences; held-out accuracy %.4f (%d sentences of %d articles)",
                 len(fit_rows), self.heldout["accuracy"], len(test_rows), len(held))
        return self

    def label(self, rows: list[dict]) -> list[tuple[str, float]]:
        """(topic, probability of the most probable topic) for each row."""
        if self.model is None:
            raise RuntimeError("fit the teacher first")
        with _one_thread():
            probs = self.model.predict_proba([_text(r) for r in rows])
        classes = list(self.model.classes_)
        out = []
        for p in probs:
            best = int(p.argmax())
            out.append((classes[best] if p[best] >= self.min_confidence else "Other", float(p[best])))
        return out

    def describe(self) -> str:
        return f"bbc-classifier (TF-IDF + logistic regression on BBC News; Other below p={self.min_confidence})"


def distribution(labels: list[str]) -> dict[str, int]:
    counts = Counter(labels)
    return {t: counts.get(t, 0) for t in TOPICS}
