"""`dvc repro` of the whole pipeline on a small dataset this test writes, in a fresh copy of the project."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dvc_graph import NO_OUTPUT_PARAMS, stages, undeclared_params
from toy_project import DVC, make_project, run


@pytest.mark.slow
def test_dvc_repro_end_to_end(tmp_path):
    project, env, params = make_project(tmp_path)
    dvc = DVC
    first = run([*dvc, "repro"], project, env)
    for stage in ("fetch", "fetch_bbc", "partition", "teacher", "eda", "crf", "annotate", "annotate_bbc", "topics", "llm_tagger", "finetune",
                  "distill",
                  "learning_curve", *(f"multitask@{task}" for task in params["multitask"]["tasks"]), "evaluate"):
        assert f"Running stage '{stage}'" in first

    # every params value a stage read is a declared param of it (dvc.yaml tells the truth about params too)
    graph = stages(yaml.safe_load((project / "dvc.yaml").read_text()))
    audits = {" ".join([Path(a["argv"][0]).stem, *a["argv"][1:]]): a["read"] for a in
              (json.loads(p.read_text()) for p in (tmp_path / "params_read").glob("*.json"))}

    def audit_key(cmd: str) -> str:  # python -m nerlab.stages.<stage> [args] -> "<stage> [args]"
        words = cmd.split()
        return " ".join([words[2].rsplit(".", 1)[-1], *words[3:]])

    unread = {name for name, stage in graph.items() if not audits.get(audit_key(stage["cmd"]))}
    assert not unread, f"no params audit for {unread}"
    undeclared = {name: undeclared_params(stage, audits[audit_key(stage["cmd"])], exempt=NO_OUTPUT_PARAMS)
                  for name, stage in graph.items()}
    assert not any(undeclared.values()), {k: v for k, v in undeclared.items() if v}

    prepared = project / "data/prepared/conll"
    train = [json.loads(line) for line in (prepared / "train.jsonl").read_text().splitlines()]
    assert len(train) == 80 and train[0]["tags"][0].startswith("B-")  # IOB1 -> IOB2
    assert train[0]["doc_id"] == "train-doc0001" and "pos" in train[0]
    fetch = json.loads((project / "metrics/fetch.json").read_text())
    assert set(fetch["raw_sha256"]) == {"train.txt", "dev.txt", "test.txt"}

    test = json.loads((project / "metrics/details/test.json").read_text())
    assert test["dataset"] == "conll" and test["splits"] == {"train": 80, "dev": 20, "test": 20}
    crf = test["crf"]
    for key in ("micro_f1", "macro_f1", "weighted_f1", "precision", "recall", "md_f1", "md_precision",
                "md_recall", "token_accuracy", "per_type"):
        assert key in crf
    assert set(test["finetune"]) == set(crf)  # one schema for every model
    assert (project / "models/finetune/tagger.json").is_file()
    assert json.loads((project / "metrics/details/finetune.json").read_text())["train_sentences"] == 80
    assert crf["micro_f1"] > 0.9  # the toy patterns are easy
    crf_metrics = json.loads((project / "metrics/details/crf.json").read_text())
    assert crf_metrics["lbfgs_seconds"] >= 0 and crf_metrics["iterations"] > 0
    assert (project / "models/crf/model.crfsuite").is_file()
    for png in ("eda/sentence_lengths.png", "eda/top_tags.png", "eda/label_distribution.png",
                "eda/entity_types.png", "crf/loss.png", "confusion/crf.png", "finetune/learning_curve.png",
                "confusion/finetune.png"):
        assert (project / "metrics/plots" / png).stat().st_size > 1000, png

    parts = json.loads((project / "data/partition/conll/ids.json").read_text())
    assert parts["sizes"] == {"sample": 20, "teacher": 30, "original": 30}
    teacher = json.loads((project / "metrics/details/teacher.json").read_text())
    assert teacher["sentences"] == 30 and "stands in for the paper's LLM annotator" in teacher["note"]
    annotate = json.loads((project / "metrics/details/annotate.json").read_text())
    assert annotate["annotator"] == "teacher:models/teacher" and set(annotate["prompts"]) == {"teacher"}
    assert annotate["note"] == teacher["note"] and annotate["sample_size"] == 20
    assert set(annotate["prompts"]["teacher"]["quality"]) >= set(crf) - {"predict_seconds", "sentences_per_second"}
    rows = [json.loads(r) for r in (project / "data/annotated/conll/teacher.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == parts["ids"]["sample"]
    assert json.loads((project / "data/distilled/conll/source.json").read_text())["note"] == teacher["note"]
    bbc = json.loads((project / "metrics/details/annotate_bbc.json").read_text())
    assert bbc["annotated"] == 30 and bbc["long_sentences"] > 1000 and bbc["note"] == teacher["note"]
    topics = json.loads((project / "metrics/details/topics.json").read_text())
    assert topics["splits"]["train"]["labelled"] == 40 and topics["teacher_heldout"]["accuracy"] > 0.7
    tagger = json.loads((project / "metrics/details/llm_tagger.json").read_text())
    assert tagger["sentences"] == 3 and "micro_f1" in tagger
    assert "serving" in (project / "logs/llama-server.log").read_text()
    distill = json.loads((project / "metrics/details/distill.json").read_text())
    assert distill["variant"] == "simple_mix" and distill["sizes"]["original"] == 20 and distill["repeats"] == 1
    assert distill["annotator"] == "teacher:models/teacher" and "micro_f1" in distill["test"]["mean"]
    assert "stands in for the paper's bert-base-uncased" in distill["notes"][0] and teacher["note"] in distill["notes"]
    assert (project / "data/predictions/distill/conll/repeat-1.test.jsonl").is_file()
    weights = json.loads((project / "metrics/plots/distill/weights.json").read_text())
    assert [(w["w_distilled"], w["original_sentences"]) for w in weights] == [(1.0, 0), (0.0, 20)]
    assert (project / "metrics/plots/distill/figure3.png").stat().st_size > 1000
    curve = json.loads((project / "metrics/details/learning_curve.json").read_text())
    assert curve["sizes"] == [5, 20] and curve["by_size"]["20"]["seeds"] == 2 and len(curve["points"]) == 4
    assert (project / "metrics/plots/learning_curve/figure2.png").stat().st_size > 1000
    curve_runs = sorted(p.relative_to(project / "data/predictions/learning_curve/conll")
                        for p in (project / "data/predictions/learning_curve/conll").rglob("*.test.jsonl"))
    assert [str(p) for p in curve_runs] == [f"size{n}/seed{s}.test.jsonl" for n in (20, 5) for s in (1, 2)]
    tasks = {t: json.loads((project / f"metrics/details/multitask/{t}.json").read_text()) for t in params["multitask"]["tasks"]}
    assert "sequence" not in tasks["token"] and "token" not in tasks["sequence"]
    assert tasks["joint"]["train_sentences"] == 40 and {"token", "sequence"} <= set(tasks["joint"])
    assert tasks["joint"]["sequence"]["sentences"] == 20 and "micro_f1" in tasks["joint"]["token"]
    assert set(tasks["joint_learned"]["final_weights"]) == {"w_sequence", "w_token"}
    assert (project / "metrics/plots/multitask/joint/confusion.png").stat().st_size > 1000
    nerlab = str(Path(sys.executable).parent / "nerlab")
    tagged = run([nerlab, "predict", "--model", "models/multitask/joint", "Anna Berg visited Paris on Monday ."],
                 project, env)
    assert "[topic: " in tagged
    table2 = run([nerlab, "report", "paper002"], project, env)
    assert "| Single-task 1 (token head) |" in table2 and "(84.3%)" in table2 and "| 20 |" in table2

    second = run([*dvc, "repro"], project, env)
    assert "Running stage" not in second  # the second repro is a no-op

    shown = run([*dvc, "metrics", "show", "--json"], project, env)
    assert "micro_f1" in shown
    headline = json.loads((project / "metrics/test.json").read_text())  # the metric: only what people compare
    assert set(headline) == {"crf", "finetune"} and set(headline["crf"]) == {"micro_f1", "macro_f1"}
    assert headline["crf"]["micro_f1"] == test["crf"]["micro_f1"]
    # `dvc exp show` has one column per leaf of the metrics files (the same ones `dvc metrics show` reads)
    metrics = json.loads(subprocess.run([*dvc, "metrics", "show", "--json"], cwd=project, env=env,
                                        capture_output=True, text=True, check=True, timeout=600).stdout)

    def leaves(node) -> int:
        return sum(leaves(v) for v in node.values()) if isinstance(node, dict) else 1

    metric_columns = sum(leaves(f["data"]) for f in metrics[""]["data"].values())
    assert 0 < metric_columns <= 40, metric_columns

    import mlflow

    mlflow.set_tracking_uri(env["MLFLOW_TRACKING_URI"])
    runs = mlflow.search_runs(experiment_names=["nerlab"])
    assert {"crf:conll", "finetune:conll", "evaluate:conll", "annotate:conll", "annotate_bbc", "topics:conll",
            "llm_tagger:conll", "distill:conll", "learning_curve:conll", "multitask:joint:conll"} \
        <= set(runs["tags.mlflow.runName"])
    ft_run = runs[runs["tags.mlflow.runName"] == "finetune:conll"].iloc[0]
    assert ft_run["params.head"] == params["head"] and ft_run["tags.encoder_used"] == "minilm-l6"
    history = mlflow.MlflowClient().get_metric_history(ft_run["run_id"], "dev_micro_f1")
    assert [m.step for m in history] == [1, 2]  # per-epoch dev metrics
    crf_run = runs[runs["tags.mlflow.runName"] == "crf:conll"].iloc[0]
    assert float(crf_run["metrics.dev.micro_f1"]) > 0.9 and crf_run["params.crf.c1"] == str(params["crf"]["c1"])

    # a queued two-variant grid of paper 003 runs end to end and the report renders it
    run(["git", "add", "-A"], project, env)
    run(["git", "commit", "-qm", "pipeline"], project, env)
    queued = run([nerlab, "queue", "paper003", "--only", "p003-A", "p003-D", "--set", "distill.train.epochs=2",
                  "--set", "distill.repeats=1", "--set", "distill.original_size=20"], project, env)
    assert queued.count("dvc exp run --queue") == 2
    run([*dvc, "exp", "run", "--run-all", "-j", "1"], project, env)
    table = run([nerlab, "report", "paper003"], project, env)
    header = table.splitlines()[table.splitlines().index("### Table 2: the groups of phase two") + 2]
    cells = dict(zip(header.split(" | ")[1:], next(line for line in table.splitlines()
                                                     if line.startswith("| micro_f1 |")).split(" | ")[1:]))
    assert cells["A (pure original)"].endswith("(0.850)") and not cells["A (pure original)"].startswith("-")
    assert cells["D (simple mix, CoNLL)"].endswith("(0.859)") and not cells["D (simple mix, CoNLL)"].startswith("-")
    assert cells["B (pure CoNLL distilled)"] == "- (0.683)"  # not run
    assert "2 of 10 columns run" in table and "teacher:models/teacher" in table
    assert "stands in for the paper's bert-base-uncased" in table

    # a claim with confidence: both sides as experiments over 2 seeds each, bootstrapped from their predictions
    queued = run([nerlab, "findings", "queue", "--only", "p003-D-vs-A", "--set", "distill.train.epochs=2",
                  "--set", "distill.repeats=2", "--set", "distill.original_size=20"], project, env)
    assert queued.count("dvc exp run --queue -n findings-") == 2
    run([*dvc, "exp", "run", "--run-all", "-j", "1"], project, env)
    shown = run([nerlab, "findings", "collect", "--only", "p003-D-vs-A"], project, env)
    found = json.loads((project / "metrics/findings.json").read_text())["claims"]
    assert [f["id"] for f in found] == ["p003-D-vs-A"] and found[0]["ours"]["a"]["runs"] == 2
    assert found[0]["verdict"] in ("holds", "fails", "inconclusive") and found[0]["resamples"] == 10000
    assert found[0]["resampled"] == "documents and seeds, paired" and found[0]["p_holm"] == found[0]["p"]
    low, high = found[0]["interval"]
    assert low <= high and "| 003 |" in shown
    # reproducible from git alone: with the experiment refs gone, the committed run statistics give the same bytes
    stats = sorted(p.name for p in (project / "metrics/findings/runs").glob("*.json.gz"))
    assert stats == ["findings-p003-A.json.gz", "findings-p003-D.json.gz"]
    before = (project / "metrics/findings.json").read_bytes()
    run([*dvc, "exp", "remove", "--all-commits"], project, env)
    assert not subprocess.run(["git", "for-each-ref", "refs/exps"], cwd=project, capture_output=True, text=True,
                              check=True).stdout.strip()
    run([nerlab, "findings", "collect", "--only", "p003-D-vs-A"], project, env)
    assert (project / "metrics/findings.json").read_bytes() == before
