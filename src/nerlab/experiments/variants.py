"""Named variant sets (``configs/<name>.yaml``): queue them as DVC experiments and tabulate the results.

A variant file has ``common`` overrides, ``variants`` (name -> overrides), optionally
``paper_scores`` (paper 000: name -> [dev micro, dev macro, test micro, test macro]) and a
``small`` grid (``set``: overrides, ``only``: variant names) that fits a CPU, and a ``target`` stage
(the experiment runs that stage and what it depends on, not the whole pipeline).
``queue`` turns each variant into ``dvc exp run --queue -n <name> -S key=value ...``;
``report`` reads each experiment's details files at its commit and renders our scores beside the paper's
(``report: distill`` sets render paper 003's Tables 2 and 3, see :mod:`nerlab.reports.paper003`;
``report: multitask`` paper 002's Table 2 and learning curve, see :mod:`nerlab.reports.paper002`).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nerlab.config.errors import NerlabError

CONFIGS = Path("configs")


def load(name: str) -> dict:
    path = CONFIGS / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in CONFIGS.glob("*.yaml"))) or "none"
        raise NerlabError(f"{path} not found; known variant sets: {known}")
    return yaml.safe_load(path.read_text())


_FLOAT_1_2 = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")  # YAML 1.2 core schema


def _float(v: float) -> str:
    """A float that every YAML reader takes for a float: ``5.0e-05``, not ``5e-05`` (text to PyYAML,
    whose YAML 1.1 float needs a dot; the params schema refuses text where a number belongs)."""
    text = repr(v)
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text


def _value(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    if isinstance(v, bool):
        return str(v).lower()
    return _float(v) if isinstance(v, float) else str(v)


def parse_overrides(items: list[str]) -> dict:
    """``--set KEY=VALUE`` items as a mapping (values read as YAML, as ``dvc exp run -S`` does)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise NerlabError(f"--set {item!r}: expected KEY=VALUE")
        # a value of only blanks (a tab separator) stays text: YAML would read it as null
        parsed = value if value and not value.strip() else yaml.safe_load(value)
        if isinstance(parsed, str) and _FLOAT_1_2.fullmatch(parsed):
            parsed = float(parsed)  # 5e-5: a number to DVC (YAML 1.2), text to PyYAML (YAML 1.1)
        out[key] = parsed
    return out


@dataclass(frozen=True)
class Experiment:
    """One DVC experiment: its name, the stage it runs (None: the whole pipeline) and its ``-S`` overrides.
    The same experiment whether it is queued locally (``dvc exp run --queue``) or run on a Ray node."""

    name: str
    target: str | None
    overrides: dict = field(default_factory=dict)

    def run_args(self) -> list[str]:
        """``-n NAME [TARGET] -S key=value ...``: what follows ``dvc exp run``."""
        args = ["-n", self.name, *([self.target] if self.target else [])]
        for key, value in self.overrides.items():
            args += ["-S", f"{key}={_value(value)}"]
        return args

    def queue_command(self) -> list[str]:
        return ["dvc", "exp", "run", "--queue", *self.run_args()]


def queue_command(name: str, target: str | None, overrides: dict) -> list[str]:
    """``dvc exp run --queue -n NAME [TARGET] -S key=value ...``."""
    return Experiment(name, target, overrides).queue_command()


def set_experiments(spec: dict, extra: list[str] = (), only: list[str] | None = None) -> list[Experiment]:
    """Every variant of a set (or ``only`` these) as an experiment: ``common``, its own overrides, then ``extra``."""
    extra_overrides = parse_overrides(list(extra))  # parsed once: they apply to every variant
    unknown = set(only or []) - set(spec["variants"])
    if unknown:
        raise NerlabError(f"unknown variants {sorted(unknown)}; known: {', '.join(spec['variants'])}")
    return [Experiment(name, spec.get("target"), {**spec.get("common", {}), **overrides, **extra_overrides})
            for name, overrides in spec["variants"].items() if not only or name in only]


def queue_commands(spec: dict, extra: list[str] = (), only: list[str] | None = None) -> list[list[str]]:
    return [e.queue_command() for e in set_experiments(spec, extra, only)]


def small_grid(spec: dict, extra: list[str], only: list[str] | None) -> tuple[list[str], list[str]]:
    """The ``small`` grid's overrides (before ``extra``, which wins) and variant names (unless ``only``)."""
    small = spec.get("small")
    if not small:
        raise NerlabError("this variant set has no small grid")
    unknown = set(small.get("only", [])) - set(spec["variants"])
    if unknown:
        raise NerlabError(f"small grid names unknown variants: {sorted(unknown)}")
    overrides = [f"{k}={_value(v)}" for k, v in small.get("set", {}).items()]
    return overrides + list(extra), only or list(small.get("only", [])) or None


def chosen(name: str, extra: list[str] = (), only: list[str] | None = None, small: bool = False) -> list[Experiment]:
    """The experiments ``nerlab queue`` and ``nerlab grid run`` take from a variant set and their options."""
    spec = load(name)
    if small:
        extra, only = small_grid(spec, list(extra), only)
    return set_experiments(spec, extra, only)


def queue(name: str, extra: list[str] = (), only: list[str] | None = None, dry_run: bool = False,
          small: bool = False) -> list[list[str]]:
    return submit([e.queue_command() for e in chosen(name, extra, only, small)], dry_run,
                  "queued; run them with: dvc queue start -j 1   (progress: dvc queue status)")


def dvc() -> str:
    """The dvc executable: on PATH, else beside this Python (``.venv/bin/nerlab`` run without activating the venv)."""
    import shutil

    found = shutil.which("dvc") or shutil.which("dvc", path=str(Path(sys.executable).parent))
    if not found:
        raise NerlabError("dvc not found on PATH nor beside this Python: activate the venv (. .venv/bin/activate)")
    return found


def submit(commands: list[list[str]], dry_run: bool, then: str) -> list[list[str]]:
    """Print each ``dvc exp run --queue`` command and, unless ``dry_run``, run it; then say what comes next."""
    for cmd in commands:
        print(" ".join(cmd))
        if not dry_run:
            subprocess.run([dvc(), *cmd[1:]], check=True)
    if not dry_run:
        print(then)
    return commands


def experiment_revs(repo: str = ".") -> dict[str, str]:
    """Experiment name -> commit, newest first wins, from the experiment refs of every baseline commit
    (``refs/exps/...``; ``dvc exp show`` would list only the current commit's)."""
    out = subprocess.run(["git", "for-each-ref", "refs/exps", "--sort=-committerdate",
                          "--format=%(refname) %(objectname)"], cwd=repo, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise NerlabError(f"git for-each-ref failed: {out.stderr.strip()[-300:]}")
    revs: dict[str, str] = {}
    for line in out.stdout.splitlines():
        ref, sha = line.rsplit(" ", 1)
        revs.setdefault(ref.rsplit("/", 1)[-1], sha)
    return revs


def _details_at(rev: str, name: str, repo: str) -> dict | None:
    """A stage's details (``metrics/details/<name>.json``) at an experiment's commit; before the headline /
    details split the metrics file itself held them."""
    for path in (f"metrics/details/{name}.json", f"metrics/{name}.json"):
        out = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=repo, capture_output=True, text=True, check=False)
        if out.returncode == 0:
            return json.loads(out.stdout)
    return None


def experiments(stages: list[str], repo: str = ".") -> dict[str, dict]:
    """Experiment name -> {stage: its details} for the given stages (``finetune``, ``test``, ``distill``,
    ``multitask/joint``), read from each experiment's commit."""
    found = {}
    for name, rev in experiment_revs(repo).items():
        data = {stage: d for stage in stages if (d := _details_at(rev, stage, repo)) is not None}
        if data:
            found[name] = data
    return found


def report_table(spec: dict, experiments: dict[str, dict]) -> str:
    """Dev/test micro and macro F1 of every variant (the paper's in parentheses where it has them) and the
    training cost per epoch."""
    head = ("| variant | encoder used | dev micro (paper) | dev macro (paper) | test micro (paper) | "
            "test macro (paper) | s/epoch | notes |")
    lines = [f"{spec.get('paper', '')}", "", head, "|---|---|---|---|---|---|---|---|"]
    fmt = lambda ours, paper: f"{'-' if ours is None else f'{ours:.3f}'} ({'-' if paper is None else paper})"  # noqa: E731
    paper_scores = spec.get("paper_scores", {})
    for name in dict.fromkeys([*paper_scores, *spec["variants"]]):
        paper = paper_scores.get(name) or [None] * 4
        exp = experiments.get(name, {})
        ft = exp.get("finetune", {})
        test = exp.get("test", {}).get("finetune", {})
        ours = [ft.get("dev_micro_f1"), ft.get("dev_macro_f1"), test.get("micro_f1"), test.get("macro_f1")]
        notes = "; ".join(ft.get("notes", [])) if ft else ("not run" if name in spec["variants"] else
                                                           "LLM as tagger: see the annotate stage")
        lines.append(f"| {name} | {ft.get('encoder_used', '-')} | " + " | ".join(
            fmt(o, p) for o, p in zip(ours, paper)) + f" | {ft.get('seconds_per_epoch', '-')} | {notes} |")
    return "\n".join(lines)


def report(name: str) -> str:
    spec = load(name)
    kind = spec.get("report")
    stages = {"distill": ["distill"], "multitask": ["multitask/joint"]}.get(kind, ["finetune", "test"])
    found = experiments(stages)
    if kind == "distill":
        from nerlab.reports import paper003

        return paper003.render(spec, found)
    if kind == "multitask":
        from nerlab.reports import paper002

        return paper002.render(spec, found)
    return report_table(spec, found)
