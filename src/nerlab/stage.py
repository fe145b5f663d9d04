"""What every stage entry point shares: params, logging, threads, and errors without stack traces."""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
from pathlib import Path

import yaml

from nerlab.errors import NerlabError
from nerlab.paths import PARAMS

log = logging.getLogger("nerlab")


class ParamsLoader(yaml.SafeLoader):
    """PyYAML's safe loader, with YAML 1.2 floats as DVC reads and writes params.yaml: ``5e-05`` is a number
    (YAML 1.1, PyYAML's default, wants a dot and reads it as text, which the schema would refuse; ``dvc exp
    run -S lr=5.0e-5`` writes ``5e-05``)."""


ParamsLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


def load_params(path: str | Path = PARAMS) -> dict:
    path = Path(path)
    if not path.is_file():
        raise NerlabError(f"{path} not found: run stages from the project root")
    try:
        params = yaml.load(path.read_text(encoding="utf-8"), Loader=ParamsLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise NerlabError(f"{path}{line}: not valid YAML: {getattr(err, 'problem', err)}") from None
    if not isinstance(params, dict):
        raise NerlabError(f"{path}: expected a mapping of parameters")
    return params


class AuditedParams(dict):
    """params.yaml as a dict that remembers which leaf values were read (``params["a"]["b"]``, ``.get``), for
    the test that checks every value a stage reads is a declared DVC param of it. Sections are wrapped
    when read, so a copy of a section still reports; values read from a copy of the top level are not seen."""

    def __init__(self, data: dict, prefix: str = "", read: set | None = None):
        super().__init__(data)
        self.prefix = prefix
        self.read = read if read is not None else set()
        for key, value in data.items():
            if isinstance(value, dict):
                dict.__setitem__(self, key, AuditedParams(value, f"{prefix}{key}.", self.read))

    def _note(self, key, value):
        if not isinstance(value, dict):
            self.read.add(f"{self.prefix}{key}")
        return value

    def __getitem__(self, key):
        return self._note(key, dict.__getitem__(self, key))

    def get(self, key, default=None):
        return self._note(key, dict.get(self, key, default)) if key in self else default


def audited(params: dict) -> dict:
    """``params`` as :class:`AuditedParams` when ``NERLAB_PARAMS_AUDIT`` names a folder; the leaf keys read are
    written there as ``<argv>.json`` when the process exits."""
    folder = os.environ.get("NERLAB_PARAMS_AUDIT")
    if not folder:
        return params
    import atexit
    import json

    wrapped = AuditedParams(params)
    name = "_".join(Path(a).stem if i == 0 else a for i, a in enumerate(sys.argv)).replace("/", "_")

    def dump():
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.json").write_text(json.dumps({"argv": sys.argv, "read": sorted(wrapped.read)}))

    atexit.register(dump)
    return wrapped


def setup_logging() -> None:
    logging.basicConfig(level=os.environ.get("NERLAB_LOG", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    for noisy in ("accelerate", "alembic", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def thread_count() -> int:
    """The cores this process may use, or ``NERLAB_THREADS`` when set.

    Set it when several stages run at once (``dvc queue start -j 2`` on 2 cores wants
    ``NERLAB_THREADS=1``): oversubscribed torch threads busy-wait and run many times slower.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return int(os.environ.get("NERLAB_THREADS") or cores)


def use_all_cores() -> int:
    """Threads = :func:`thread_count` for every numeric library that reads these settings."""
    cores = thread_count()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(cores) if "NERLAB_THREADS" in os.environ else os.environ.get(var, str(cores))
    if "torch" in sys.modules:  # already imported: tell it directly
        sys.modules["torch"].set_num_threads(cores)
    return cores


def entry(func):
    """Wrap a stage's main(): clear one-line errors (exit 1) instead of stack traces, exit 130 on Ctrl-C."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        setup_logging()
        use_all_cores()
        try:
            return func(*args, **kwargs)
        except NerlabError as err:
            log.error("%s", err)
            sys.exit(1)
        except KeyboardInterrupt:
            log.error("interrupted")
            sys.exit(130)

    return wrapper


def main(run, description: str = "", options: dict[str, str] | None = None) -> None:
    """Body of every ``stages/<stage>.py``: parse optional flags, load params.yaml, call ``run``."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    for flag, text in (options or {}).items():
        parser.add_argument(flag, help=text)
    args = vars(parser.parse_args())
    def checked_run():
        from nerlab.params_schema import validate

        params = load_params()
        validate(params)  # every bad value, one line each, before any data, encoder or server loads
        return run(audited(params), **{k: v for k, v in args.items() if v is not None})

    entry(checked_run)()
