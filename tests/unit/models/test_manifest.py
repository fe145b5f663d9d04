"""Saved model folders are checked before native code reads them: a truncated, altered or foreign file is one
line naming it, never a segfault or a traceback."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from defaults import crf_config, train_config
from nerlab.config.errors import NerlabError
from nerlab.models import manifest
from nerlab.models.crf.crfsuite import CRFTagger
from nerlab.models.transformer.tagger import FinetunedTagger
from nerlab.models.transformer.train import train
from toy import build, crf_rows, toy_rows


@pytest.fixture(scope="module")
def crf_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crf") / "model"
    CRFTagger(crf_config(max_iterations=5, clusters=False), 42).fit(crf_rows(20, 0), folder)
    return folder


@pytest.fixture
def crf_copy(crf_folder, tmp_path):
    import shutil

    return shutil.copytree(crf_folder, tmp_path / "crf")


def test_a_saved_crf_lists_its_files_and_loads(crf_copy):
    listed = json.loads((crf_copy / "manifest.json").read_text())["files"]
    assert {"model.crfsuite", "config.json", "gazetteer.json"} <= set(listed)
    assert CRFTagger.load(crf_copy).predict(crf_rows(2, 1))


def test_a_truncated_crfsuite_file_is_one_line_naming_it(crf_copy):
    path = crf_copy / "model.crfsuite"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(NerlabError, match=r"model.crfsuite: \d+ bytes, the manifest says"):
        CRFTagger.load(crf_copy)
    (crf_copy / "manifest.json").unlink()  # a folder from before manifests: the header check still refuses it
    with pytest.raises(NerlabError, match="model.crfsuite: truncated or damaged"):
        CRFTagger.load(crf_copy)


def test_an_altered_byte_is_caught_by_the_checksum(crf_copy):
    path = crf_copy / "model.crfsuite"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(NerlabError, match="sha256 differs"):
        CRFTagger.load(crf_copy)


@pytest.mark.parametrize("damage", ["config_not_json", "config_keys", "pickled_clusters", "foreign_crfsuite",
                                    "missing_file", "manifest_not_json"])
def test_damaged_crf_folders_are_one_line_errors(crf_copy, damage):
    if damage == "config_not_json":
        (crf_copy / "config.json").write_text("{not json")
    elif damage == "config_keys":
        (crf_copy / "config.json").write_text(json.dumps({"crf": {"c1": 1}}))
    elif damage == "pickled_clusters":
        np.save(crf_copy / "clusters.npy", np.array([{"a": 1}], dtype=object))
        (crf_copy / "clusters.npy").rename(crf_copy / "clusters.npz")
    elif damage == "foreign_crfsuite":
        (crf_copy / "model.crfsuite").write_bytes(b"GIF89a" + bytes(100))
    elif damage == "missing_file":
        (crf_copy / "gazetteer.json").unlink()
    else:
        (crf_copy / "manifest.json").write_text("[")
    if damage in ("config_not_json", "config_keys", "pickled_clusters", "foreign_crfsuite"):
        manifest.write(crf_copy)  # the manifest matches: the content itself is what is wrong
    with pytest.raises(NerlabError) as err:
        CRFTagger.load(crf_copy)
    assert str(crf_copy) in str(err.value) and "\n" not in str(err.value)


def test_predict_on_a_truncated_crf_exits_with_one_line_not_a_crash(crf_copy):
    path = crf_copy / "model.crfsuite"
    path.write_bytes(path.read_bytes()[:100])
    (crf_copy / "manifest.json").unlink()
    nerlab = str(Path(sys.executable).parent / "nerlab")
    done = subprocess.run([nerlab, "predict", "--model", str(crf_copy), "Ann met Bob"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "model.crfsuite" in done.stderr and "Traceback" not in done.stderr


def test_a_pickle_in_heads_pt_is_refused_in_one_line(tiny, tmp_path):
    tagger = build(tiny, head="linear")
    train(tagger, train_config(epochs=1, batch_size=8, seed=0), toy_rows(8, 1), toy_rows(4, 2), tmp_path / "m",
          tmp_path / "s", run_key="t")
    assert FinetunedTagger.load(tmp_path / "m").predict(toy_rows(2, 3))
    torch.save({"x": Path("anything")}, tmp_path / "m" / "heads.pt")  # an arbitrary object: a real pickle
    manifest.write(tmp_path / "m")
    with pytest.raises(NerlabError, match="not a loadable nerlab model"):
        FinetunedTagger.load(tmp_path / "m")
    (tmp_path / "m" / "tagger.json").write_text("{")
    with pytest.raises(NerlabError, match="tagger.json: 1 bytes, the manifest says"):
        FinetunedTagger.load(tmp_path / "m")
