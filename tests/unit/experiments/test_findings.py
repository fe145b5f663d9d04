"""Findings: claims, their sides' predictions per seed, the bootstrap verdict and the table."""

import hashlib
import json
import random
from pathlib import Path

import pytest

from nerlab.config.errors import NerlabError
from nerlab.evaluation.significance import holm, paired_bootstrap
from nerlab.experiments import findings, run_stats

ROOT = Path(__file__).resolve().parents[3]


def write_side(folder: Path, gold, runs):
    folder.mkdir(parents=True)
    for i, pred in enumerate(runs, start=1):
        (folder / f"repeat-{i}.test.jsonl").write_text("".join(
            json.dumps({"id": f"s{j}", "tokens": ["x"] * len(g), "gold": g, "pred": p}) + "\n"
            for j, (g, p) in enumerate(zip(gold, pred))))


def degrade(rng, gold, rate):
    return [["O"] * len(g) if rng.random() < rate else list(g) for g in gold]


def test_the_spec_names_every_papers_claim_and_queues_named_experiments():
    spec = findings.load_spec(ROOT / "configs/findings.yaml")
    ids = {c["id"] for c in spec["claims"]}
    assert {"p003-B-vs-A", "p003-E-vs-A", "p003-E-best-vs-p003-all", "p003-E-decay", "p003-C-vs-B",
            "p003-sigmoid-k32-vs-k8", "p002-joint-vs-token-epoch-matched", "p004-bidirectional-vs-causal-1000"} <= ids
    best = [c for c in spec["claims"] if c["id"].startswith("p003-power-best-vs-")]  # a "best of": one claim per rival
    assert len(best) == 6 and all(c["b"] == "p003-power-n0_2" and c["paper_a"] for c in best)
    assert best[0]["claim"] == "n = 0.2 is the best of the power schedules: beats p003-power-n0_1"
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        commands = findings.queue_commands(spec, ["p003-B-vs-A"], ["distill.repeats=4"])
    finally:
        os.chdir(cwd)
    names = [c[c.index("-n") + 1] for c in commands]
    assert names == ["findings-p003-A", "findings-p003-B"]
    power = [c[c.index("-n") + 1] for c in findings.queue_commands(spec, ["p003-power-best"])]  # a "best of" by its id
    assert sorted(power) == sorted(f"findings-p003-power-n{n}" for n in ("0_1", "0_2", "0_5", "1", "2", "5", "10"))
    assert all("distill.repeats=4" in c and "distill.train.epochs=10" in c for c in commands)
    with pytest.raises(NerlabError, match="unknown claims"):
        findings.queue_commands(spec, ["p999"])


def test_every_paper_has_claims_and_seeded_sets_queue_one_experiment_per_seed():
    spec = findings.load_spec(ROOT / "configs/findings.yaml")
    assert {c["paper"] for c in spec["claims"]} == {"000", "002", "003", "004", "lab"}  # lab: our own additions (word features)
    commands = findings.queue_commands(spec, ["p000-crf-vs-linear"])
    names = [c[c.index("-n") + 1] for c in commands]
    assert names == [f"findings-p000-{side}-s{seed}" for side in ("c02", "c03") for seed in (42, 43, 44)]
    for cmd, name in zip(commands, names):
        assert cmd[cmd.index("-n") + 2] == "finetune"  # the set's target stage (no CRF, no evaluate)
        assert f"train_seed={name[-2:]}" in cmd and "finetune.epochs=5" in cmd and "dataset=multiconer2" in cmd
        assert ("head=crf" in cmd) == ("-c03-" in name) and "finetune.batch_size=32" in cmd
        assert "finetune.precision=fp32" in cmd and "inference_precision=fp32" in cmd  # the spec's top-level set
    bf16 = findings.queue_commands(spec, ["lab-bf16-training"])
    assert sum("finetune.precision=bf16" in c for c in bf16) == 3  # a side's own set wins over the top-level one
    crf = findings.queue_commands(spec, ["p000-crf-vs-smallest"])[-1]  # a deterministic side: one experiment
    assert crf[crf.index("-n") + 1] == "findings-p000-feature-crf" and crf[crf.index("-n") + 2] == "crf"
    assert not any(a.startswith("train_seed=") for a in crf)
    margins = [c for c in spec["claims"] if c["expected"] == 0]
    assert margins and all(findings.claim_margin(c, spec) > 0 for c in margins)  # every no-difference claim
    joint = findings.queue_commands(spec, ["p002-joint-3x-vs-token"])
    targets = {c[c.index("-n") + 1]: c[c.index("-n") + 2] for c in joint}
    assert targets["findings-p002-token-s42"] == "multitask@token"
    assert targets["findings-p002-joint-3x-epochs-s44"] == "multitask@joint"
    assert "paper002.train.epochs=12" in next(c for c in joint if "findings-p002-joint-3x-epochs-s43" in c)
    bad = {**spec, "sets": {**spec["sets"], "paper002": {"seeds": [1], "variants": {"p002-token": {}}}}}
    with pytest.raises(NerlabError, match="names no predictions"):
        findings.queue_commands(bad, ["p002-joint-vs-token"])


def test_queued_or_running_experiments_are_not_queued_again():
    status = ("Task     Name                      Created    Status\n"
              "7950d69  findings-p000-linear-s42  02:40 AM   Running\n"
              "b916b1e  findings-p000-linear-s43  02:40 AM   Queued\n"
              "015efc5  findings-p003-A-decay     01:13 AM   Success\n\nWorker status: 1 active, 0 idle\n")
    assert findings.queued_names(status) == {"findings-p000-linear-s42", "findings-p000-linear-s43"}


def _side(name, runs):  # prediction files -> the run statistics collect keeps in git
    ids, gold, preds = runs
    return run_stats.build(name, ids, gold, preds, None, b"params")


def test_a_claim_from_prediction_files(tmp_path):
    import fsspec

    rng = random.Random(3)
    gold = [["B-PER", "O", "B-LOC"] for _ in range(300)]
    write_side(tmp_path / "a", gold, [degrade(rng, gold, 0.5) for _ in range(3)])
    write_side(tmp_path / "b", gold, [degrade(rng, gold, 0.1) for _ in range(3)])
    fs = fsspec.filesystem("file")
    runs_a, runs_b = findings.read_runs(fs, str(tmp_path / "a")), findings.read_runs(fs, str(tmp_path / "b"))
    assert len(runs_a[2]) == 3 and runs_a[0][:2] == ["s0", "s1"]
    a, b = run_stats.merge([_side("A", runs_a)], "A"), run_stats.merge([_side("B", runs_b)], "B")
    spec = {"resamples": 500, "confidence": 0.95, "bootstrap_seed": 1}
    claim = {"id": "c", "paper": "003", "claim": "b beats a", "a": "A", "b": "B", "expected": 1, "paper_a": 0.85,
             "paper_b": 0.87}
    found = findings.evaluate_claim(claim, a, b, spec)
    assert found["verdict"] == "holds" and found["interval"][0] > 0 and found["ours"]["b"]["runs"] == 3
    assert found["ours"]["b"]["mean"] > found["ours"]["a"]["mean"] and "nerlab findings" in found["command"]
    direct = paired_bootstrap(runs_a[1], runs_a[2], runs_b[2], 500, 1, 0.95)  # the statistics lose nothing
    assert (found["difference"], found["interval"]) == (direct["difference"], [direct["low"], direct["high"]])
    table = findings.render([found])
    assert "| 003 | b beats a | A | B |" in table and "| 0.0040 (0.0040) | holds | 3 / 3 |" in table  # 2 / 501
    assert findings.evaluate_claim({**claim, "expected": -1}, a, b, spec)["verdict"] == "fails"
    assert found["p_holm"] == found["p"] == found["p_two_sided"] and found["test"] == "two-sided"
    # a family: Holm's adjustment across one paper's claims, verdicts at the adjusted p
    same = findings.evaluate_claim({**claim, "id": "same", "expected": 0, "margin": 0.05}, a, a, spec)
    assert same["test"] == "equivalence (TOST)" and same["verdict"] == "equivalent" and same["margin"] == 0.05
    family = findings.judge_family([dict(found), dict(same), {**found, "id": "other", "paper": "002"}], 0.05)
    assert [f["p_holm"] for f in family[:2]] == pytest.approx(holm([found["p"], same["p"]]))
    assert family[2]["p_holm"] == family[2]["p"] and family[0]["family_size"] == 2
    with pytest.raises(NerlabError, match="no margin is declared"):
        findings.evaluate_claim({**claim, "expected": 0}, a, b, spec)
    one = [_side(f"A-s{i}", findings.read_runs(fs, str(tmp_path / "a" / f"repeat-{i}.test.jsonl"))) for i in (1, 2, 3)]
    assert run_stats.counts(run_stats.merge(one, "A"), ["LOC", "PER"]).tolist() == \
        run_stats.counts(a, ["LOC", "PER"]).tolist()  # one experiment per seed gives the same side
    with pytest.raises(NerlabError, match="different test sentences"):
        run_stats.merge([one[0], {**one[1], "ids": one[1]["ids"][:-1]}], "A")
    write_side(tmp_path / "c", gold[:-1], [gold[:-1]])
    with pytest.raises(NerlabError, match="different test sentences"):
        findings.evaluate_claim(claim, a, run_stats.merge([_side("C", findings.read_runs(fs, str(tmp_path / "c")))],
                                                          "C"), spec)


def test_run_statistics_round_trip_through_git_files(tmp_path):
    rng = random.Random(4)
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]] * 50
    preds = [degrade(rng, gold, 0.3) for _ in range(2)]
    record = run_stats.build("findings-x-s42", [f"s{i}" for i in range(100)], gold, preds, [i // 5 for i in range(100)],
                             b"seed: 42\n")
    path = run_stats.write(record, tmp_path)
    assert path.name == "findings-x-s42.json.gz" and run_stats.read("findings-x-s42", tmp_path) == record
    assert run_stats.write(record, tmp_path).read_bytes() == path.read_bytes()  # the same record, the same bytes
    assert all(tp + fn == (2 if i % 2 == 0 else 1) or tp + fn == 1 for run in record["runs"]
               for i, _, tp, fp, fn in run)  # tp + fn: the gold entities of each type
    assert record["params_sha256"] == hashlib.sha256(b"seed: 42\n").hexdigest()
    assert run_stats.read("nothing", tmp_path) is None
    (tmp_path / "broken.json.gz").write_text("{")
    with pytest.raises(NerlabError, match="broken.json.gz: not a findings run record"):
        run_stats.read("broken", tmp_path)


def test_collect_rebuilds_findings_from_committed_statistics_alone(tmp_path, monkeypatch):
    """A fresh clone: no experiment refs, only metrics/findings/runs/*.json -> the same findings.json bytes."""
    rng = random.Random(5)
    gold = [["B-PER", "O", "B-LOC"] for _ in range(200)]
    spec = {"resamples": 300, "confidence": 0.95, "bootstrap_seed": 0, "margin": 0.1,
            "sets": {"s": {"seeds": [1, 2], "variants": {"va": {"predictions": "p"}, "vb": {"predictions": "p"}},
                           "budget": ["train_size", "epochs", "batch"], "steps_from": ["train_size", "epochs", "batch"],
                           "substitutions": ["MiniLM-L6 for BERT"], "caveat": "a fixture"}},
            "claims": [{"id": "c1", "paper": "x", "set": "s", "a": "va", "b": "vb", "expected": 1, "claim": "b > a"},
                       {"id": "c2", "paper": "x", "set": "s", "a": "va", "b": "va", "expected": 0, "claim": "a = a"}]}
    for side, rate in (("va", 0.4), ("vb", 0.1)):
        for seed in (1, 2):
            ids = [f"s{i}" for i in range(200)]
            params = f"dataset: toy\nhead: {side}\ntrain_seed: {seed}\ntrain_size: 100\nepochs: 3\nbatch: 16\n"
            run_stats.write(run_stats.build(f"findings-{side}-s{seed}", ids, gold, [degrade(rng, gold, rate)], None,
                                            params.encode()), tmp_path / run_stats.RUNS)
    monkeypatch.setattr(findings.variants, "experiment_revs", lambda repo: {})
    first = findings.collect(spec, str(tmp_path), dataset="conll2003")
    assert [f["verdict"] for f in first] == ["holds", "equivalent"] and first[0]["family_size"] == 2
    assert first[0]["resampled"] == "sentences and seeds, paired"  # both sides ran seeds 1 and 2
    assert first[0]["context"] == {"dataset": "toy", "differs": {"head": ["va", "vb"]},
                                   "budget": {"train_size": 100, "epochs": 3, "batch": 16, "optimiser_steps": 21},
                                   "substitutions": ["MiniLM-L6 for BERT"], "caveat": "a fixture"}
    assert "- **c1**: toy; differs: head va -> vb; budget: train_size 100, epochs 3, batch 16, optimiser_steps 21; " \
           "substitutions: MiniLM-L6 for BERT; caveat: a fixture" in findings.render(first)
    findings.write(first, tmp_path / "one.json")
    findings.write(findings.collect(spec, str(tmp_path), dataset="conll2003"), tmp_path / "two.json")
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()
    forest = json.loads((tmp_path / "plots/findings/forest.json").read_text())  # the forest plot's rows
    assert [(r["claim"], r["verdict"], r["margin"]) for r in forest] == [("c1", "holds", None), ("c2", "equivalent", 0.1)]
    assert (tmp_path / "plots/findings/forest.png").stat().st_size > 5000
    doc = tmp_path / "findings.md"
    doc.write_text(f"intro\n{findings.BEGIN}\nold hand-copied numbers\n{findings.END}\noutro\n")
    findings.into(doc, first)
    assert doc.read_text() == f"intro\n{findings.BEGIN}\n{findings.render(first)}\n{findings.END}\noutro\n"
    doc.write_text(f"# x\n{findings.SUMMARY_BEGIN}\nold\n{findings.SUMMARY_END}\n")  # the README's summary
    findings.into(doc, first)
    assert "| x | 2 | 1 | 0 | 0 | 1 | 0 | 0 | 0 |" in doc.read_text()
    doc.write_text("no markers")
    with pytest.raises(NerlabError, match="needs one"):
        findings.into(doc, first)
    (tmp_path / run_stats.RUNS / "findings-vb-s2.json.gz").unlink()  # one seed of b still to run
    partial = findings.collect(spec, str(tmp_path), dataset="conll2003")
    assert [f["id"] for f in partial] == ["c1", "c2"] and partial[0]["planned_runs"] == {"a": 2, "b": 2}
    assert partial[0]["ours"]["b"]["runs"] == 1 and "| 2 / 1 of 2 |" in findings.render(partial)
    assert "planned_runs" not in partial[1] and "| 2 / 2 |" in findings.render(partial)
    (tmp_path / run_stats.RUNS / "findings-vb-s1.json.gz").unlink()  # no run of b: c1 cannot be judged
    assert [f["id"] for f in findings.collect(spec, str(tmp_path), dataset="conll2003")] == ["c2"]


def test_a_grid_leaves_out_the_experiments_whose_statistics_are_committed(tmp_path):
    spec = findings.load_spec(ROOT / "configs/findings.yaml")
    every = [e.name for e in findings.side_experiments(spec, ["p000-crf-vs-smallest"])]
    assert every == ["findings-p000-c02-s42", "findings-p000-c02-s43", "findings-p000-c02-s44",
                     "findings-p000-feature-crf"]
    for name in ("findings-p000-c02-s42", "findings-p000-feature-crf"):
        (tmp_path / f"{name}.json.gz").write_bytes(b"")
    left = findings.side_experiments(spec, ["p000-crf-vs-smallest"], committed=tmp_path)
    assert [e.name for e in left] == ["findings-p000-c02-s43", "findings-p000-c02-s44"]
    assert [e.name for e in findings.side_experiments(spec, ["p000-crf-vs-smallest"], seeds=[42],
                                                      committed=tmp_path)] == []


def test_runs_are_paired_by_training_seed_only_when_both_sides_ran_the_same_seeds():
    assert findings.seed_order([42, 43, 44], [44, 42, 43]) == [1, 2, 0]  # b's runs put in a's seed order
    assert findings.seed_order([42, 43], [42, 43, 44]) is None  # a seed still to run on one side
    assert findings.seed_order([42, None], [42, 43]) is None and findings.seed_order([42], [42]) is None
    assert findings.seed_order([42, 42], [42, 42]) is None and findings.seed_order(None, [1, 2]) is None
    record = {"runs": [[], [], []], "params": {"seed": 40}}
    assert run_stats.run_seeds(record, 7) == [7, 7, 7]  # one experiment per seed (-S train_seed)
    assert run_stats.run_seeds(record, None) == [40, 41, 42]  # distill.repeats: seed + repeat
    assert run_stats.run_seeds({"runs": [[]]}, None) == [None]
    one = {"ids": ["s0"], "types": ["PER"], "runs": [[[0, 0, 1, 0, 0]]]}
    assert run_stats.merge([one, one], "A", [44, 42])["seeds"] == [44, 42]


def test_a_top_level_set_that_is_not_a_mapping_is_one_clear_error(tmp_path):
    spec = tmp_path / "findings.yaml"
    spec.write_text("set: [finetune.precision, fp32]\nsets: {}\nclaims: []\n")
    with pytest.raises(NerlabError, match=r"findings.yaml: the top-level set must map params to values"):
        findings.load_spec(spec)
    spec.write_text("set:\nsets: {}\nclaims: []\n")  # empty: no overrides
    assert findings.load_spec(spec)["claims"] == []


def test_dvc_is_found_beside_python_when_the_venv_is_not_activated(monkeypatch, tmp_path):
    import sys

    from nerlab.config.errors import NerlabError
    from nerlab.experiments import variants

    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: `.venv/bin/nerlab` run without activating
    beside = Path(sys.executable).parent / "dvc"
    if beside.is_file():
        assert variants.dvc() == str(beside)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(NerlabError, match="activate the venv"):
        variants.dvc()


def test_queued_floats_stay_numbers_for_every_yaml_reader():
    """`-S distill.train.lr=5e-05` would land in params.yaml as text for PyYAML (YAML 1.1) and be refused."""
    import yaml

    from nerlab.experiments import variants

    cmd = variants.queue_command("x", None, {"distill.train.lr": 5e-05, "finetune.lr": 0.001, "n": 3})
    assert "distill.train.lr=5.0e-05" in cmd and "finetune.lr=0.001" in cmd and "n=3" in cmd
    assert isinstance(yaml.safe_load("5.0e-05"), float)
    assert variants.parse_overrides(["finetune.lr=5e-5", "name=abc", "e=1e3"]) == \
        {"finetune.lr": 5e-05, "name": "abc", "e": 1000.0}


def test_a_blank_override_value_stays_text():
    """`--set data.conll.sep=<tab>`: YAML reads a lone tab as null; the separator must survive."""
    from nerlab.experiments import variants

    assert variants.parse_overrides(["data.conll.sep=\t", "x=", "y=null"]) == \
        {"data.conll.sep": "\t", "x": None, "y": None}


def test_a_rank_claim_is_judged_rendered_and_kept_out_of_the_forest(tmp_path):
    """PER tagged perfectly, LOC with 50% misses: 'PER is the best type' holds, 'LOC is' fails."""
    rng = random.Random(6)
    gold = [["B-PER", "O", "B-LOC"] for _ in range(300)]
    pred = [["B-PER", "O", "B-LOC" if rng.random() > 0.5 else "O"] for _ in range(300)]
    side = run_stats.merge([run_stats.build("findings-v-s1", [f"s{i}" for i in range(300)], gold, [pred], None,
                                            b"head: crf\n")], "v")
    spec = {"resamples": 500, "confidence": 0.95, "bootstrap_seed": 0}
    claim = {"id": "r", "paper": "000", "set": "s", "a": "v", "b": "v", "kind": "rank", "types": ["PER"], "top": 1,
             "claim": "PER has the highest F1"}
    per = findings.evaluate_rank_claim(claim, side, spec)
    loc = findings.evaluate_rank_claim({**claim, "id": "l", "types": ["LOC"]}, side, spec)
    assert (per["verdict"], per["ranks"], per["of"]) == ("holds", [1], 2) and loc["verdict"] == "fails"
    table = findings.render([per, loc])
    assert "| 000 | PER has the highest F1 | types | v | top 1 of 2 | PER #1 (1.000) | - | worst rank 1 |" in table
    findings.write([per, loc], tmp_path / "f.json")
    assert json.loads((tmp_path / "plots/findings/forest.json").read_text()) == []  # ranks: the table only
    with pytest.raises(NerlabError, match="no type ORG"):
        findings.evaluate_rank_claim({**claim, "types": ["ORG"]}, side, spec)


def test_sides_that_run_as_one_experiment_share_it_and_keep_their_own_records():
    spec = {"sets": {"c": {"target": "learning_curve", "variants": {
        "n10": {"run_as": "curve", "predictions": "p/size10"}, "n30": {"run_as": "curve", "predictions": "p/size30"},
        "odd": {"run_as": "curve", "set": {"x": 1}, "predictions": "p/size30"}}}},
        "claims": [{"id": "flat", "paper": "002", "set": "c", "a": "n10", "b": "n30", "expected": 0},
                   {"id": "odd", "paper": "002", "set": "c", "a": "n10", "b": "odd", "expected": 1}]}
    assert findings.records(spec, "n10", "c") == [("findings-n10", "findings-curve", None)]
    assert [e.name for e in findings.side_experiments(spec, ["flat"])] == ["findings-curve"]  # one run, two sides
    with pytest.raises(NerlabError, match="runs as findings-curve with other overrides"):
        findings.side_experiments(spec, ["odd"])


def test_a_level_claim_says_whether_a_score_is_about_zero():
    gold = [["B-PER", "O", "B-LOC"] for _ in range(300)]
    rng = random.Random(8)
    side = run_stats.merge([run_stats.build(f"findings-n10-s{s}", [f"s{i}" for i in range(300)], gold,
                                            [[["O", "O", "B-LOC" if rng.random() < 0.02 else "O"] for _ in gold]],
                                            None, b"x: 1\n") for s in (1, 2)], "n10")
    spec = {"resamples": 500, "confidence": 0.95, "bootstrap_seed": 0}
    claim = {"id": "z", "paper": "002", "set": "c", "a": "n10", "b": "n10", "kind": "level", "below": 0.05,
             "expected": 1, "paper_b": 0.0, "claim": "F1 is about 0"}
    found = findings.evaluate_level_claim(claim, side, spec, "micro")
    assert found["verdict"] == "holds" and found["ours"]["b"]["runs"] == 2 and found["f1_interval"][1] < 0.05
    assert "| 002 | F1 is about 0 | below 0.05 | n10 | - |" in findings.render([found])


def test_sentence_labels_become_class_counts():
    record = run_stats.build("findings-seq-s1", ["a", "b", "c"], ["World", "Sport", "World"],
                             [["World", "World", "Sport"]], None, b"x: 1\n")
    assert record["types"] == ["Sport", "World"]
    counts = run_stats.counts(run_stats.merge([record], "seq"), record["types"])
    assert counts[0].sum(axis=0).tolist() == [[0, 1, 1], [1, 2, 2]]  # accuracy 1/3: one World right


def test_a_time_claim_is_a_ratio_with_an_interval():
    gold = [["B-PER"]] * 5
    side = {name: run_stats.merge([{**run_stats.build(f"findings-{name}-s{i}", list("abcde"), gold, [gold], None,
                                                      b"x: 1\n"), "seconds": [secs]}
                                   for i, secs in enumerate(times)], name)
            for name, times in (("causal", [100.0, 104.0, 98.0]), ("bidir", [150.0, 149.0, 158.0]))}
    claim = {"id": "t", "paper": "004", "set": "s", "a": "causal", "b": "bidir", "kind": "time", "expected": 1,
             "claim": "bidirectional trains longer"}
    found = findings.evaluate_time_claim(claim, side["causal"], side["bidir"], {"confidence": 0.95})
    assert found["verdict"] == "holds" and 1.45 < found["ratio"] < 1.6 and found["ratio_interval"][0] > 1
    assert "| 004 | bidirectional trains longer | causal | bidir | 101 s | 152 s | - | x1.51 |" in \
        findings.render([found])
    with pytest.raises(NerlabError, match="no training seconds"):
        findings.evaluate_time_claim(claim, {**side["causal"], "seconds": []}, side["bidir"], {"confidence": 0.95})
    with pytest.raises(NerlabError, match="claim t: a time ratio needs at least 2 runs per side, got 1 and 3"):
        findings.evaluate_time_claim(claim, {**side["causal"], "seconds": [100.0]}, side["bidir"],
                                     {"confidence": 0.95})


def test_a_time_claim_waits_for_two_runs_a_side(tmp_path, monkeypatch, caplog):
    gold = [["B-PER"]] * 5
    spec = {"resamples": 100, "confidence": 0.95, "bootstrap_seed": 0, "margin": 0.1,
            "sets": {"s": {"seeds": [1, 2], "variants": {"va": {"predictions": "p"}, "vb": {"predictions": "p"}}}},
            "claims": [{"id": "t", "paper": "x", "set": "s", "a": "va", "b": "vb", "kind": "time", "expected": -1,
                        "claim": "b is faster"}]}
    for side, secs in (("va", 100.0), ("vb", 80.0)):
        for seed in (1, 2):
            record = run_stats.build(f"findings-{side}-s{seed}", list("abcde"), gold, [gold], None, b"x: 1\n")
            run_stats.write({**record, "seconds": [secs + seed]}, tmp_path / run_stats.RUNS)
    monkeypatch.setattr(findings.variants, "experiment_revs", lambda repo: {})
    assert [f["verdict"] for f in findings.collect(spec, str(tmp_path), dataset="conll2003")] == ["holds"]
    (tmp_path / run_stats.RUNS / "findings-vb-s2.json.gz").unlink()  # one run of b so far: not judged yet
    assert findings.collect(spec, str(tmp_path), dataset="conll2003") == []
    assert "claim t: a time ratio needs 2 runs per side (a 2, b 1 so far)" in caplog.text


def test_a_claim_kind_without_its_keys_is_one_line():
    claim = {"id": "k", "paper": "000", "set": "s", "a": "v", "b": "v", "expected": 1, "claim": "x"}
    with pytest.raises(NerlabError, match="claim k \\(kind rank\\) needs types, top"):
        findings.evaluate_rank_claim({**claim, "kind": "rank"}, {}, {})
    with pytest.raises(NerlabError, match="claim k \\(kind level\\) needs below"):
        findings.evaluate_level_claim({**claim, "kind": "level"}, {}, {}, "micro")
