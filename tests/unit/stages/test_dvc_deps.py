"""dvc.yaml tells the truth: every file a stage's code reads is a declared dep, and every declared path exists.

The params side (every params value a stage reads is a declared param of it) is
checked where the stages really run: the end-to-end test audits each stage's
reads (``NERLAB_PARAMS_AUDIT``) and compares them with dvc.yaml through
:func:`dvc_graph.undeclared_params`.
"""

import copy

import pytest
import yaml

from dvc_graph import ROOT, closure, covered, stages, undeclared, undeclared_params

DVC = yaml.safe_load((ROOT / "dvc.yaml").read_text())
STAGES = stages(DVC)
OUTS = {str(next(iter(o)) if isinstance(o, dict) else o) for s in STAGES.values()
        for kind in ("outs", "metrics", "plots") for o in s.get(kind, [])}


@pytest.mark.parametrize("name", sorted(STAGES))
def test_every_file_a_stage_reads_is_a_declared_dep(name):
    missing = undeclared(STAGES[name])
    assert not missing, f"stage {name} reads but does not declare: {', '.join(missing)}"


@pytest.mark.parametrize("name", sorted(STAGES))
def test_every_declared_dep_exists_or_is_an_upstream_out(name):
    for dep in STAGES[name].get("deps", []):
        dep = str(dep)
        if "${" in dep or any(covered(dep, [out]) or covered(out, [dep]) for out in OUTS):
            continue  # made by another stage (or per dataset)
        assert (ROOT / dep).exists(), f"stage {name}: declared dep {dep} does not exist"


def test_the_check_fails_when_a_dep_is_removed():
    broken = copy.deepcopy(STAGES["evaluate"])
    broken["deps"] = [d for d in broken["deps"] if d != "src/nerlab/evaluation/scoring.py"]
    assert undeclared(broken) == ["src/nerlab/evaluation/scoring.py"]
    broken = copy.deepcopy(STAGES["distill"])
    broken["deps"] = [d for d in broken["deps"] if d != "src/nerlab/models"]
    assert "src/nerlab/models/transformer/recipe.py" in undeclared(broken)
    script = copy.deepcopy(STAGES["crf"])
    script["deps"] = [d for d in script["deps"] if d != "src/nerlab/stages/crf.py"]
    assert undeclared(script) == ["src/nerlab/stages/crf.py"]


def test_every_stage_runs_as_a_module_of_the_stages_package():
    for name, stage in STAGES.items():
        assert stage["cmd"].startswith("python -m nerlab.stages."), name
        assert (ROOT / "src/nerlab/stages" / (stage["cmd"].split()[2].split(".")[-1] + ".py")).is_file(), name


def test_closure_follows_imports_inside_functions():
    files = {str(f.relative_to(ROOT)) for f in closure(ROOT / "src/nerlab/stages/evaluate.py")}
    assert {"src/nerlab/models/crf/crfsuite.py", "src/nerlab/models/transformer/tagger.py"} <= files  # lazy loaders


def test_no_stage_module_imports_another_stage():
    for path in sorted((ROOT / "src/nerlab/stages").glob("*.py")):
        files = {str(f.relative_to(ROOT)) for f in closure(path)}
        others = {f for f in files if f.startswith("src/nerlab/stages/") and not f.endswith("__init__.py")}
        assert others <= {str(path.relative_to(ROOT))}, path.name


def test_undeclared_params_are_found():
    stage = {"params": ["dataset", "annotate.sample_size", {"other.yaml": ["x"]}]}
    read = ["dataset", "annotate.sample_size", "annotate.shots", "x", "seed"]
    assert undeclared_params(stage, read) == ["annotate.shots", "seed"]


def test_audited_params_record_leaf_reads():
    from nerlab.config.params import AuditedParams

    params = AuditedParams({"a": 1, "b": {"c": 2, "d": {"e": 3}}, "f": 4})
    section = params["b"]
    assert section["c"] == 2 and {**section}["d"]["e"] == 3 and params.get("f") == 4 and params.get("zz") is None
    assert params.read == {"b.c", "b.d.e", "f"}
