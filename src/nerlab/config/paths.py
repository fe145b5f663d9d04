"""Where the pipeline reads and writes, relative to the project root (the stages' working directory)."""

from pathlib import Path

PARAMS = Path("params.yaml")
DATA = Path("data")
PREPARED = Path("data/prepared")
PREDICTIONS = Path("data/predictions")
TOPICS = Path("data/topics")  # topic-labelled sentences (paper 002)
ANNOTATED = Path("data/annotated")  # every annotation with its raw answer
DISTILLED = Path("data/distilled")  # the usable annotations as training sets
MODELS = Path("models")
METRICS = Path("metrics")
PLOTS = METRICS / "plots"
LOGS = Path("logs")  # process logs (the local LLM server): kept, not versioned

BBC = "bbc_news"  # the raw-text corpus (paper 003 phase two, paper 002 topics), prepared by fetch_bbc


def prepared(dataset: str) -> Path:
    return PREPARED / dataset
