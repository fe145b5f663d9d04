from nerlab.evaluation import evaluate
from nerlab.report import results_table


def test_table_has_a_row_per_model_and_coarse_rows():
    gold = [["B-Artist", "O", "B-Athlete"]]
    scores = evaluate(gold, gold, {"Artist": "PER", "Athlete": "PER"})
    table = results_table({"dataset": "multiconer2", "splits": {"test": 1}, "crf": scores}).splitlines()
    assert table[0].startswith("| dataset | model | micro_f1")
    assert table[2].startswith("| multiconer2 | crf | 1.0000")
    assert table[3].startswith("| multiconer2 | crf (coarse) | 1.0000")
