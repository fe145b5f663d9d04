"""params.yaml's schema: the committed file passes; every class of bad value is one clear line."""

import copy
from pathlib import Path

import pytest
import yaml

from nerlab.errors import NerlabError
from nerlab.params_schema import validate
from nerlab.stage import load_params

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params.yaml")


def problems(**changes) -> str:
    params = copy.deepcopy(PARAMS)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = params
        for key in parents:
            node = node[key]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    with pytest.raises(NerlabError) as err:
        validate(params)
    return str(err.value)


DELETE = object()


def test_the_committed_params_are_valid(capsys):
    from nerlab.cli import main

    assert validate(PARAMS).finetune.epochs == PARAMS["finetune"]["epochs"]
    main(["params", "check", "--file", str(ROOT / "params.yaml")])
    assert "every setting is valid" in capsys.readouterr().out


@pytest.mark.parametrize("changes, expected", [
    ({"finetune__epoch": 3}, "finetune.epoch: unknown key (did you mean finetune.epochs?)"),
    ({"data__trian_size": 5}, "data.trian_size: unknown key (did you mean data.train_size?)"),
    ({"crf__features__gazeteer": True}, "crf.features.gazeteer: unknown key (did you mean crf.features.gazetteer?)"),
    ({"data__online": "false"}, "data.online: Input should be a valid boolean (got 'false')"),
    ({"head": "crff"}, "head: Input should be 'linear', 'crf' or 'bilstm_crf' (got 'crff')"),
    ({"finetune__lr": "5e-5"}, "finetune.lr: must be a number"),
    ({"finetune__lr": -1e-5}, "finetune.lr: Input should be greater than 0"),
    ({"finetune__epochs": 0}, "finetune.epochs: Input should be greater than or equal to 1"),
    ({"finetune__batch_size": 0}, "finetune.batch_size: Input should be greater than or equal to 1"),
    ({"finetune__dropout": 1.5}, "finetune.dropout: Input should be less than 1"),
    ({"finetune__max_length": 2}, "finetune.max_length: Input should be greater than or equal to 8"),
    ({"finetune__checkpoint": "best", "finetune__dev_every": 0}, "checkpoint: best needs dev scores"),
    ({"seed": DELETE}, "seed: required key is missing"),
    ({"dataset": DELETE}, "dataset: required key is missing"),
    ({"data__dev_fraction": 0}, "data.dev_fraction: Input should be greater than 0"),
    ({"data__dev_fraction": 1.5}, "data.dev_fraction: Input should be less than 1"),
    ({"data__train_size": 0}, "data.train_size: Input should be greater than or equal to 1"),
    ({"data__train_size": 0.5}, "data.train_size: Input should be a valid integer"),
    ({"data__conll__scheme": "BILOU"}, "data.conll.scheme: Input should be"),
    ({"crf__c1": -0.1}, "crf.c1: Input should be greater than or equal to 0"),
    ({"crf__features__window": "two"}, "crf.features.window: Input should be a valid integer (got 'two')"),
    ({"crf__features__clusters__sizes": [1]}, "crf.features.clusters.sizes.0: Input should be greater than or equal to 2"),
    ({"eda": DELETE}, "eda: required key is missing"),
    ({"context": "paragraph"}, "context: Input should be 'none' or 'document'"),
    ({"annotate__distill_prompt": "cott"}, "no prompt 'cott' under annotate.prompts"),
    ({"annotate__tagger__split": "validation"}, "annotate.tagger.split: Input should be 'train', 'dev' or 'test'"),
    ({"seed": True}, "seed: Input should be a valid integer"),
    ({"evaluate__models": ["crf", "bert"]}, "evaluate.models.1: Input should be 'crf' or 'finetune'"),
    ({"multitask__tasks__joint__task": "both"}, "multitask.tasks.joint.task: Input should be"),
    ({"distill__schedule": "linear"}, "distill.schedule: Input should be"),
])
def test_each_bad_value_is_one_line_naming_the_key(changes, expected):
    message = problems(**changes)
    assert expected in message, message
    assert "Traceback" not in message and message.startswith("params.yaml: ")


def test_every_problem_is_listed_at_once():
    message = problems(finetune__epoch=3, head="x", seed=DELETE)
    assert message.startswith("params.yaml: 3 bad setting(s):") and message.count("\n  ") == 3


def test_dvc_style_exponent_floats_are_numbers(tmp_path):
    """`dvc exp run -S distill.train.lr=5.0e-5` writes `lr: 5e-05` (YAML 1.2); PyYAML alone reads that as text."""
    text = (ROOT / "params.yaml").read_text()
    assert yaml.safe_load(text) == PARAMS  # the committed file reads the same with PyYAML alone (YAML 1.1)
    path = tmp_path / "params.yaml"
    path.write_text(text.replace("  lr: 5.0e-5", "  lr: 5e-05", 1))
    params = load_params(path)
    assert params["finetune"]["lr"] == 5e-05 and yaml.safe_load(path.read_text())["finetune"]["lr"] == "5e-05"
    validate(params)  # a number, so valid
    path.write_text(text.replace("  lr: 5.0e-5", "  lr: '5e-05'", 1))
    with pytest.raises(NerlabError, match="finetune.lr: must be a number"):
        validate(load_params(path))  # quoted: text, refused
