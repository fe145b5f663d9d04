from nerlab.evaluation.evaluator import evaluate
from nerlab.reports.tables import results_table


def test_table_has_a_row_per_model_and_coarse_rows():
    gold = [["B-Artist", "O", "B-Athlete"]]
    scores = evaluate(gold, gold, {"Artist": "PER", "Athlete": "PER"})
    table = results_table({"dataset": "multiconer2", "splits": {"test": 1}, "crf": scores}).splitlines()
    assert table[0].startswith("| dataset | model | micro_f1")
    assert table[2].startswith("| multiconer2 | crf | 1.0000")
    assert table[3].startswith("| multiconer2 | crf (coarse) | 1.0000")


def test_paper000_variants_queue_and_report(monkeypatch):
    from pathlib import Path

    from nerlab.experiments import variants

    monkeypatch.chdir(Path(__file__).resolve().parents[3])
    spec = variants.load("paper000")
    commands = variants.queue_commands(spec, extra=["finetune.epochs=1"])
    names = [c[c.index("-n") + 1] for c in commands]
    assert names == [f"p000-c{i:02d}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 9, 11)]
    c11 = commands[-1]
    for setting in ("head=bilstm_crf", "layers=3", "blend=concat", "aux=crf", "head_lr_mult=10",
                    "finetune.dropout=0.2", "finetune.epochs=1", "dataset=multiconer2", "encoder=xlm-roberta-large"):
        assert setting in c11, setting
    assert "finetune.epochs=20" not in c11  # --set overrides, it does not duplicate
    experiments = {"p000-c04": {
        "finetune": {"dev_micro_f1": 0.5, "dev_macro_f1": 0.4, "encoder_used": "minilm-l6",
                     "notes": ["encoder 'xlm-roberta-large' ... substituted 'minilm-l6'"]},
        "test": {"finetune": {"micro_f1": 0.45, "macro_f1": 0.35}}}}
    table = variants.report_table(spec, experiments)
    row = next(line for line in table.splitlines() if line.startswith("| p000-c04"))
    assert "0.500 (0.86)" in row and "0.350 (0.59)" in row and "substituted" in row
    assert "LLM as tagger" in next(line for line in table.splitlines() if line.startswith("| p000-c10"))


def test_predict_on_a_file_that_is_not_utf8_is_a_one_line_error(tmp_path, caplog):
    import pytest

    from nerlab.cli import main

    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Paris is fine .\nZ\xfcrich is not .\n".encode("latin-1"))
    with pytest.raises(SystemExit) as caught:
        main(["predict", "--model", str(tmp_path), "--file", str(bad)])
    assert caught.value.code == 1
    assert f"{bad}:2: not UTF-8 text (byte 0xFC)" in caplog.text
