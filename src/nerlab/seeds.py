"""The model seed of a training stage: ``train_seed`` when set, else ``seed``.

``seed`` draws the data (training subsets, partitions, samples) and, by default,
seeds the model too; ``train_seed`` re-seeds only the model (head initialisation,
dropout, batch order) on the same data, so that repeated runs of one variant
(``nerlab findings``: ``-S train_seed=43``) differ by their training randomness
alone and nothing upstream re-runs.
"""

from __future__ import annotations

from nerlab.errors import NerlabError


def model_seed(params: dict) -> int:
    value = params["train_seed"]
    if value is None:
        value = params["seed"]
        key = "seed"
    else:
        key = "train_seed"
    if isinstance(value, bool) or not isinstance(value, int):
        raise NerlabError(f"params.yaml: {key} must be an integer, got {value!r}")
    return value
