"""The BBC topic classifier: paper 002's topic labels offline."""

from nerlab.annotate.topic_classifier import TopicClassifier


def test_topic_teacher_maps_bbc_categories_and_falls_back_to_other():
    texts = {"sport": "the striker scored a goal in the match", "business": "shares rose as the bank cut rates",
             "politics": "the minister won the election vote", "tech": "the software runs on a new phone chip",
             "entertainment": "the film star won an award for the movie"}
    sentences = [{"doc_id": f"{c}-{i}", "category": c, "tokens": (t + f" {w}").split()}
                 for c, t in texts.items() for i, w in enumerate(["today", "again", "now", "here", "too"] * 4)]
    teacher = TopicClassifier(min_confidence=0.4, seed=1).fit(sentences)
    assert teacher.heldout["accuracy"] == 1.0
    labels = teacher.label([{"tokens": "the striker scored a goal".split()}, {"tokens": "shares rose".split()},
                            {"tokens": "WINNIPEG 1996-08-26".split()}])
    assert [label for label, _ in labels] == ["Sport", "Business", "Other"]
    assert TopicClassifier(min_confidence=0.0, seed=1).fit(sentences).label(
        [{"tokens": "the film star".split()}])[0][0] == "Other"  # entertainment -> Other
    again = TopicClassifier(min_confidence=0.4, seed=1).fit(sentences)  # same data, same probabilities, bit for bit
    rows = [{"tokens": s["tokens"]} for s in sentences]
    assert again.label(rows) == teacher.label(rows)
