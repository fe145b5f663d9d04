"""Where the pipeline reads and writes, relative to the project root (the stages' working directory)."""

from pathlib import Path

PARAMS = Path("params.yaml")
DATA = Path("data")
PREPARED = Path("data/prepared")
PREDICTIONS = Path("data/predictions")
MODELS = Path("models")
METRICS = Path("metrics")
PLOTS = METRICS / "plots"
LOGS = Path("logs")  # process logs (the local LLM server): kept, not versioned


def prepared(dataset: str) -> Path:
    return PREPARED / dataset
