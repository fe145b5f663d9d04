"""Where the pipeline reads and writes, relative to the project root (the stages' working directory)."""

from pathlib import Path

PARAMS = Path("params.yaml")
PREPARED = Path("data/prepared")
PREDICTIONS = Path("data/predictions")
MODELS = Path("models")
METRICS = Path("metrics")
PLOTS = METRICS / "plots"


def prepared(dataset: str) -> Path:
    return PREPARED / dataset
