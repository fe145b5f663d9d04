"""A command never deletes or overwrites what nerlab did not write (nerlab.config.paths.write_folder)."""

import pytest

from nerlab.config.errors import NerlabError
from nerlab.config.paths import OUTPUT_MARKER, check_replaceable, write_folder


def fill(folder):
    (folder / "out.txt").write_text("new")


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".dvc").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "precious.jsonl").write_text("keep me")
    (tmp_path / "models" / "finetune").mkdir(parents=True)
    (tmp_path / "models" / "finetune" / "tagger.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def everything(root):
    return sorted((str(p.relative_to(root)), p.read_text() if p.is_file() else None) for p in root.rglob("*"))


@pytest.mark.parametrize("target, reason", [
    (".", "working directory"), ("..", "working directory"), ("data", "nerlab did not write it"),
    ("models/finetune", "an input"), ("models", "an input"), ("models/finetune/sub", "an input"),
    ("data/precious.jsonl", "not a folder"),
])
def test_destructive_targets_are_refused_and_nothing_moves(project, target, reason):
    before = everything(project)
    with pytest.raises(NerlabError, match=reason):
        write_folder(target, fill, protect=["models/finetune"])
    assert everything(project) == before


def test_a_project_folder_is_never_replaced(project, tmp_path_factory, monkeypatch):
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    (project / OUTPUT_MARKER).write_text("{}")  # even with a marker
    with pytest.raises(NerlabError, match="holds a project"):
        write_folder(project, fill)
    assert (project / "data" / "precious.jsonl").read_text() == "keep me"


def test_a_new_folder_is_written_with_the_marker_and_replaced_only_by_nerlab(project):
    out = write_folder("export/tagger", fill)
    assert (out / "out.txt").read_text() == "new" and (out / OUTPUT_MARKER).is_file()
    (out / "stale.txt").write_text("old file of the earlier export")
    write_folder("export/tagger", lambda f: (f / "out.txt").write_text("newer"))
    assert (out / "out.txt").read_text() == "newer" and not (out / "stale.txt").exists()
    assert [p.name for p in (project / "export").iterdir()] == ["tagger"]  # no temporary sibling left


def test_an_empty_folder_may_be_written_into(project):
    (project / "empty").mkdir()
    assert (write_folder("empty", fill) / "out.txt").is_file()


def test_a_failed_write_leaves_the_old_folder_as_it_was(project):
    write_folder("export/tagger", fill)

    def broken(folder):
        (folder / "half.txt").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_folder("export/tagger", broken)
    assert (project / "export/tagger/out.txt").read_text() == "new"
    assert sorted(p.name for p in (project / "export").iterdir()) == ["tagger"]


def test_the_check_runs_before_any_work(project):
    with pytest.raises(NerlabError):
        check_replaceable(".")
    assert check_replaceable("brand/new").name == "new"
