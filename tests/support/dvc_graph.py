"""What dvc.yaml declares and what each stage's code reads: the helpers of test_dvc_deps and the e2e params audit.

A stage's code is its module (``python -m nerlab.stages.<stage>``) and, transitively, every ``nerlab``
module it imports (module level or inside a function: AST, not execution). A
src file is covered when it is a declared dep or lies under a declared folder.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from nerlab.config.params import load_params

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"


def stages(dvc_yaml: dict) -> dict[str, dict]:
    """Every stage, ``foreach`` stages expanded (``name@key``, ``${key}`` substituted)."""
    out = {}
    for name, spec in dvc_yaml["stages"].items():
        if "foreach" not in spec:
            out[name] = spec
            continue
        params = load_params(ROOT / "params.yaml")
        path = re.fullmatch(r"\$\{(.+)\}", spec["foreach"]).group(1)
        items = params
        for part in path.split("."):
            items = items[part]
        for key in items:
            text = yaml.safe_dump(spec["do"]).replace("${key}", str(key))
            out[f"{name}@{key}"] = yaml.safe_load(text)
    return out


def module_file(module: str) -> Path | None:
    base = SRC / Path(*module.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "nerlab":
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names if module_file(f"{node.module}.{a.name}"))
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "nerlab")
    return out


def closure(script: Path) -> set[Path]:
    """The src files ``script`` reaches through nerlab imports (package ``__init__`` files included)."""
    seen: set[Path] = set()
    todo = [script]
    while todo:
        for module in imported_modules(todo.pop()):
            parts = module.split(".")
            for i in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__ too
                found = module_file(".".join(parts[:i]))
                if found and found not in seen:
                    seen.add(found)
                    todo.append(found)
    return seen


def scripts(stage: dict) -> list[Path]:
    """The stage's entry files: ``python -m nerlab.stages.<stage>`` (or a ``python FILE.py``)."""
    modules = [module_file(m) for m in re.findall(r"python3?\s+-m\s+([\w.]+)", stage["cmd"])]
    files = [ROOT / s for s in re.findall(r"python3?\s+(\S+\.py)", stage["cmd"])]
    return [f for f in modules if f is not None] + files


def covered(path: str, deps: list[str]) -> bool:
    return any(path == d.rstrip("/") or path.startswith(d.rstrip("/") + "/") for d in deps)


def undeclared(stage: dict) -> list[str]:
    """The files the stage's code reads (its scripts and their src closure) that no declared dep covers;
    a package ``__init__.py`` without code is exempt."""
    deps = [str(d) for d in stage.get("deps", [])]
    files = set()
    for script in scripts(stage):
        files.add(script)
        files |= closure(script)
    missing = []
    for f in sorted(files):
        rel = str(f.relative_to(ROOT))
        if f.name == "__init__.py" and _no_code(f):
            continue
        if not covered(rel, deps):
            missing.append(rel)
    return missing


def _no_code(path: Path) -> bool:
    """A package ``__init__`` with only a docstring and constants (``__version__``) runs nothing a stage uses."""
    body = ast.parse(path.read_text()).body
    return all(isinstance(n, (ast.Expr, ast.Assign)) and isinstance(n.value, ast.Constant) for n in body)


def declared_params(stage: dict) -> list[str]:
    out = []
    for entry in stage.get("params", []):
        out.extend([entry] if isinstance(entry, str) else [k for v in entry.values() for k in v])
    return out


# params that change no output of any stage, so declaring them would re-run stages for nothing:
# tracking.enabled only switches MLflow logging on or off.
NO_OUTPUT_PARAMS = ("tracking.enabled",)


def undeclared_params(stage: dict, read: list[str], exempt: tuple[str, ...] = ()) -> list[str]:
    declared = declared_params(stage) + list(exempt)
    return [key for key in read if not any(key == d or key.startswith(d + ".") for d in declared)]
