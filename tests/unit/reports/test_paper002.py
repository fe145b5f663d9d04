"""Paper 002's Table 2: ours beside the paper's, from the workspace and the experiments."""

import json


def test_table2_renders_ours_beside_the_papers(tmp_path):
    from nerlab.experiments import variants
    from nerlab.reports import paper002

    spec = variants.load("paper002")
    folder = tmp_path / "details" / "multitask"
    folder.mkdir(parents=True)
    token = {"task": "token", "token": {"micro_f1": 0.78, "token_accuracy": 0.955}, "seconds_per_epoch": 20,
             "train_sentences": 1000, "encoder_used": "minilm-l6", "train_topics": {"World": 1}}
    joint = {"task": "joint", "weighting": "fixed", "alpha": 1, "beta": 7, "token": {"micro_f1": 0.79, "token_accuracy": 0.96},
             "sequence": {"weighted_f1": 0.7, "accuracy": 0.72, "sentences": 500}}
    (folder / "token.json").write_text(json.dumps(token))
    (folder / "joint.json").write_text(json.dumps(joint))
    exp = {"p002-joint-1to3": {"multitask/joint": {**joint, "beta": 3}}}
    text = paper002.render(spec, exp, tmp_path)
    lines = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| ")}
    assert "| 78.0% (84.3%) | 95.5% (95.4%) | - | - | 20 | 1000 |" in lines["| Single-task 1 (token head)"]
    assert "79.0% (85.0%) | 96.0% (96.6%) | 70.0% (87.0%) | 72.0% (87.0%)" in lines["| Multitask (alpha:beta = 1:7)"]
    assert "not run" in lines["| Single-task 2 (sequence head)"]
    assert "| p002-joint-1to3 (alpha:beta = 1:3) [exp]" in lines
    assert "learning curve not run" in text
