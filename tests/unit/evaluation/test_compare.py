"""nerlab compare: two model folders tag the same sentences; a paired bootstrap says which is better."""

import json

import pytest

from defaults import crf_config
from nerlab.models.crf.crfsuite import CRFTagger
from toy import crf_rows


def test_compare_command_tells_a_trained_crf_from_a_barely_trained_one(tmp_path, capsys):
    import json

    from nerlab.cli import main
    from nerlab.evaluation.compare import compare

    for name, iterations in (("weak", 1), ("good", 30)):
        config = crf_config(max_iterations=iterations, clusters=False)
        CRFTagger(config, 42).fit(crf_rows(40, 0), tmp_path / name)
    dev = tmp_path / "dev.jsonl"
    dev.write_text("".join(json.dumps(r) + "\n" for r in crf_rows(60, 1)))
    result = compare(tmp_path / "weak", tmp_path / "good", on=str(dev), resamples=200)
    assert result["b"]["micro_f1"] == 1.0 and result["a"]["micro_f1"] < 0.9
    assert result["difference"] == pytest.approx(result["b"]["micro_f1"] - result["a"]["micro_f1"])
    assert 0 < result["low"] <= result["difference"] <= result["high"] and result["b_better"] == "holds"
    same = compare(tmp_path / "good", tmp_path / "good", on=str(dev), resamples=200)
    assert same["difference"] == 0 and same["b_better"] == "inconclusive"
    main(["compare", str(tmp_path / "weak"), str(tmp_path / "good"), "--on", str(dev), "--resamples", "200"])
    out = capsys.readouterr().out
    assert "B better than A: holds" in out and "(60 sentences)" in out


def test_compare_names_what_it_cannot_read(tmp_path):
    from nerlab.config.errors import NerlabError
    from nerlab.evaluation.compare import compare

    with pytest.raises(NerlabError, match="dev.txt: give a split"):
        compare(tmp_path, tmp_path, on="dev.txt")
    with pytest.raises(NerlabError, match="missing.jsonl"):
        compare(tmp_path, tmp_path, on=str(tmp_path / "missing.jsonl"))
    (tmp_path / "dev.jsonl").write_text('{"tokens": ["a"], "tags": ["O"]}\n')
    with pytest.raises(NerlabError, match="holds no nerlab model"):
        compare(tmp_path, tmp_path, on=str(tmp_path / "dev.jsonl"))


def test_models_with_different_label_sets_are_not_compared(tmp_path):
    from nerlab.config.errors import NerlabError
    from nerlab.evaluation.compare import compare

    CRFTagger(crf_config(max_iterations=5, clusters=False), 42).fit(crf_rows(40, 0), tmp_path / "a")
    only_people = [{**r, "tags": [t if t.endswith("PER") else "O" for t in r["tags"]]} for r in crf_rows(40, 0)]
    CRFTagger(crf_config(max_iterations=5, clusters=False), 42).fit(only_people, tmp_path / "b")
    dev = tmp_path / "dev.jsonl"
    dev.write_text("".join(json.dumps(r) + "\n" for r in crf_rows(10, 1)))
    with pytest.raises(NerlabError, match=r"different entity types \(A only: \['LOC'\], B only: \[\]\)"):
        compare(tmp_path / "a", tmp_path / "b", on=str(dev))
    with pytest.raises(NerlabError, match="resamples must be at least 1"):
        compare(tmp_path / "a", tmp_path / "a", on=str(dev), resamples=0)
