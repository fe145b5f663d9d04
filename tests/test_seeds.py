"""train_seed re-seeds the model only; seed stays the data's."""

import pytest

from nerlab.errors import NerlabError
from nerlab.seeds import model_seed


def test_model_seed_is_train_seed_when_set_else_seed():
    assert model_seed({"seed": 42, "train_seed": None}) == 42
    assert model_seed({"seed": 42, "train_seed": 7}) == 7
    for bad in ("7", 1.5, True):
        with pytest.raises(NerlabError, match="train_seed must be an integer"):
            model_seed({"seed": 42, "train_seed": bad})
    with pytest.raises(NerlabError, match="seed must be an integer"):
        model_seed({"seed": "x", "train_seed": None})
