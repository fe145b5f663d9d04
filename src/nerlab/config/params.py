"""params.yaml read as DVC reads it (YAML 1.2 floats), and the audit of which values a stage reads."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import yaml

from nerlab.config.errors import NerlabError
from nerlab.config.paths import PARAMS


class DuplicateKey(yaml.YAMLError):
    def __init__(self, key, first: int, again: int):
        super().__init__(f"duplicate key {key!r} (first at line {first}); DVC refuses such a file too")
        self.line = again


class ParamsLoader(yaml.SafeLoader):
    """PyYAML's safe loader, with YAML 1.2 floats as DVC reads and writes params.yaml: ``5e-05`` is a number
    (YAML 1.1, PyYAML's default, wants a dot and reads it as text, which the schema would refuse; ``dvc exp
    run -S lr=5.0e-5`` writes ``5e-05``). A key given twice in one mapping is an error naming both lines
    (PyYAML alone keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    first = seen.setdefault(key, line)
                except TypeError:  # an unhashable key: PyYAML's own error follows
                    continue
                if first != line:
                    raise DuplicateKey(key, first, line)
        return super().construct_mapping(node, deep)


ParamsLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


def load_params(path: str | Path = PARAMS) -> dict:
    path = Path(path)
    if not path.is_file():
        raise NerlabError(f"{path} not found: run stages from the project root")
    try:
        params = yaml.load(path.read_text(encoding="utf-8"), Loader=ParamsLoader)  # noqa: S506 (a SafeLoader)
    except DuplicateKey as err:
        raise NerlabError(f"{path}:{err.line}: {err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise NerlabError(f"{path}{line}: not valid YAML: {getattr(err, 'problem', err)}") from None
    if not isinstance(params, dict):
        raise NerlabError(f"{path}: expected a mapping of parameters")
    return params


class AuditedParams(dict):
    """A dict-valued setting (``multitask.tasks``, ``annotate.prompts``) that remembers which keys were read
    (``d["a"]``, ``.get``): typed sections inside record their own fields, nested dicts are wrapped."""

    def __init__(self, data: dict, prefix: str = "", read: set | None = None):
        super().__init__(data)
        self.prefix = prefix
        self.read = read if read is not None else set()
        for key, value in data.items():
            if isinstance(value, dict):
                dict.__setitem__(self, key, AuditedParams(value, f"{prefix}{key}.", self.read))

    def _note(self, key, value):
        if not isinstance(value, dict) and not hasattr(type(value), "model_fields"):  # a Section records itself
            self.read.add(f"{self.prefix}{key}")
        return value

    def __getitem__(self, key):
        return self._note(key, dict.__getitem__(self, key))

    def get(self, key, default=None):
        return self._note(key, dict.get(self, key, default)) if key in self else default


class _Audit:
    """The leaf keys read so far (``None``: not auditing). Typed params (:class:`nerlab.config.schema.Section`)
    record into it when a stage runs under ``NERLAB_PARAMS_AUDIT``."""

    read: set[str] | None = None


AUDIT = _Audit()


def audit_reads(argv: list[str] | None = None) -> None:
    """When ``NERLAB_PARAMS_AUDIT`` names a folder, record every params value read from now on and write the
    keys there as ``<argv>.json`` when the process exits."""
    folder = os.environ.get("NERLAB_PARAMS_AUDIT")
    if not folder:
        return
    import atexit
    import json

    argv = list(sys.argv if argv is None else argv)
    AUDIT.read = read = set()
    name = "_".join(Path(a).stem if i == 0 else a for i, a in enumerate(argv)).replace("/", "_")

    def dump():
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.json").write_text(json.dumps({"argv": argv, "read": sorted(read)}))

    atexit.register(dump)


def flatten(value, prefix: str = "") -> dict:
    """Nested mappings (or typed params sections) as dotted keys: ``{"finetune": {"epochs": 5}}`` ->
    ``{"finetune.epochs": 5}``; what MLflow params, the findings' context and the grid's summary read."""
    if hasattr(value, "model_dump"):  # a typed params section
        value = value.model_dump()
    if isinstance(value, dict):
        return {k: v for key, inner in value.items()
                for k, v in flatten(inner, f"{prefix}.{key}" if prefix else str(key)).items()}
    return {prefix: value}
