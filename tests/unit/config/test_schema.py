"""params.yaml's schema: the committed file passes; every class of bad value is one clear line."""

import copy
import typing
from pathlib import Path

import pytest
import yaml

from nerlab.config.errors import NerlabError
from nerlab.config.params import load_params
from nerlab.config.schema import validate

ROOT = Path(__file__).resolve().parents[3]
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
    ({"data__train_size": -3}, "data.train_size: Input should be greater than or equal to 1"),
    ({"data__train_size": True}, "data.train_size: Input should be a valid integer"),
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
    ({"distill__n": 0}, "distill.n: Input should be greater than 0"),
    ({"distill__repeats": 0}, "distill.repeats: Input should be greater than or equal to 1"),
    ({"distill__train__dev_every": 0, "distill__train__checkpoint": "best"}, "checkpoint: best needs dev scores"),
    ({"paper002__train__checkpoint": DELETE}, "paper002.train over finetune: checkpoint: best needs dev scores"),
    ({"annotate__shot_selection": "nearest"}, "annotate.shot_selection: Input should be 'random' or 'similar'"),
    ({"annotator": "gpt"}, "annotator: Input should be"),
    ({"llm": "teacher"}, "llm: Input should be"),
    ({"annotate__sample_size": {"teacher": 5}}, "annotate.sample_size.local: required key is missing"),
    ({"annotate__topics__labeller": "human"}, "annotate.topics.labeller: Input should be"),
    ({"annotate__topics__train_size": "x"}, "annotate.topics.train_size: Input should be a valid integer"),
    ({"annotate__topics__min_tokens": "many"}, "annotate.topics.min_tokens: Input should be a valid integer"),
    ({"teacher__kind": "bert"}, "teacher.kind: Input should be 'crf' or 'finetune'"),
    ({"teacher__size": 0}, "teacher.size: Input should be greater than or equal to 1"),
    ({"learning_curve__seeds": [1, 1]}, "learning_curve.seeds: seeds must be distinct, got [1, 1]"),
    ({"learning_curve__sizes": [0, 10]}, "learning_curve.sizes.0: Input should be greater than or equal to 1"),
    ({"multitask__train_size": -5}, "multitask.train_size: Input should be greater than or equal to 1"),
    ({"multitask__train_size": "all"}, "multitask.train_size: Input should be a valid integer"),
    ({"multitask__tasks__joint__alpha": 0, "multitask__tasks__joint__beta": 0}, "alpha and beta must not both be 0"),
    ({"multitask__tasks__joint__alpha": -1}, "multitask.tasks.joint.alpha: Input should be greater than or equal to 0"),
    ({"multitask__tasks__joint__weighting": "learned"}, "multitask.tasks.joint.weighting: Input should be"),
    ({"finetune__lr_schedule": "cosine"}, "finetune.lr_schedule: Input should be 'linear' or 'constant'"),
    ({"finetune__aux_schedule": "step"}, "finetune.aux_schedule: Input should be"),
    ({"word_features": "bytes"}, "word_features: Input should be"),
    ({"layers": 0}, "layers: Input should be greater than or equal to 1"),
    ({"dataset": "conll"}, "dataset conll needs data.conll.train and data.conll.test paths"),
    ({"annotate__openai__base_url": "https://user:sk-SENTINEL@api.example.com/v1"}, "holds a credential"),
    ({"annotate__openai__base_url": "https://api.example.com/v1?api_key=sk-SENTINEL"}, "holds a credential"),
    ({"annotate__openai__base_url": "api.example.com/v1"}, "must be an http(s) address"),
    ({"annotate__max_unreadable": 1.5}, "annotate.max_unreadable: Input should be less than or equal to 1"),
    ({"annotate__max_consecutive_failures": 0}, "annotate.max_consecutive_failures: Input should be greater"),
    ({"encoder": "minilm-l7"}, "encoder: unknown encoder alias 'minilm-l7' (did you mean minilm-l6?)"),
    ({"distill__encoder": "mpnet-bse"}, "distill.encoder: unknown encoder alias 'mpnet-bse' (did you mean mpnet-base?)"),
])
def test_each_bad_value_is_one_line_naming_the_key(changes, expected):
    message = problems(**changes)
    assert expected in message, message
    assert "SENTINEL" not in message  # a credential is never echoed
    assert "Traceback" not in message and message.startswith("params.yaml: ")


def test_choices_come_from_the_registries(monkeypatch):
    """A registered head, annotator backend, blend schedule, topic labeller or model kind is a valid value with no
    edit to the schema; the schema's choices are exactly the registries' names."""
    from nerlab.annotate.backends import BACKENDS, llm_names
    from nerlab.annotate.labellers import TOPIC_LABELLERS
    from nerlab.config import schema
    from nerlab.models.loaders import LOADERS
    from nerlab.models.transformer.blending import SCHEDULES
    from nerlab.models.transformer.heads import HEADS

    def choices(model, field):
        return set(typing.get_args(model.model_fields[field].annotation))

    assert choices(schema.Architecture, "head") == set(HEADS) == {"linear", "crf", "bilstm_crf"}
    assert choices(schema.Architecture, "aux") == {"none", *HEADS}
    assert choices(schema.Params, "annotator") == set(BACKENDS) and choices(schema.Params, "llm") == set(llm_names())
    assert set(schema.PerAnnotator.model_fields) == set(BACKENDS)
    assert choices(schema.Distill, "schedule") == set(SCHEDULES)
    assert choices(schema.Topics, "labeller") == set(TOPIC_LABELLERS)
    assert choices(schema.Teacher, "kind") == set(LOADERS)
    for encoder in ("bert-base-cased", "xlm-roberta-large", "microsoft/deberta-v3-large", "./my-encoder"):
        assert validate({**PARAMS, "encoder": encoder}).encoder == encoder  # hub ids and folders pass


def test_a_head_registered_in_one_place_is_a_valid_choice(tmp_path):
    """Adding a head: one registered class (in a fresh process, so the registry and the schema are built anew)."""
    import subprocess
    import sys

    script = tmp_path / "add_head.py"
    script.write_text(
        "from nerlab.models.transformer.heads import HEADS, LinearHead\n"
        "HEADS.register('linear2')(type('Linear2', (LinearHead,), {}))\n"
        "from nerlab.config.params import load_params\n"
        "from nerlab.config.schema import validate\n"
        f"params = load_params({str(ROOT / 'params.yaml')!r})\n"
        "params['head'] = 'linear2'\n"
        "print(validate(params).head)\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "linear2"


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


def test_a_key_given_twice_is_an_error_naming_both_lines(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\nfinetune:\n  lr: 1.0e-5\n  epochs: 3\n  lr: 5.0e-5\n")
    with pytest.raises(NerlabError, match=r"params.yaml:5: duplicate key 'lr' \(first at line 3\)"):
        load_params(path)
    path.write_text("seed: 1\nseed: 2\n")
    with pytest.raises(NerlabError, match=r"params.yaml:2: duplicate key 'seed' \(first at line 1\)"):
        load_params(path)
    assert load_params(ROOT / "params.yaml")["seed"] == PARAMS["seed"]  # the committed file has none


def test_the_accepted_base_urls(tmp_path):
    for url in ("https://api.openai.com/v1", "http://127.0.0.1:8080/v1",
                "https://my.azure.example/openai?api-version=2024-06-01"):
        mapping = copy.deepcopy(PARAMS)
        mapping["annotate"]["openai"]["base_url"] = url
        assert validate(mapping).annotate.openai.base_url == url
