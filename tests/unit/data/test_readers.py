"""Readers on real lines of each format, and every kind of bad input."""

import zipfile

import pytest

from defaults import PARAMS, conll_section, fetch_config
from nerlab.config.errors import DataError, NerlabError
from nerlab.data import catalog
from nerlab.data.bbc import read_bbc_zip
from nerlab.data.columns import ColumnSpec, read_columns
from nerlab.data.repairs import RepairLog
from nerlab.data.sources import resolve

CONLL_LINES = """-DOCSTART- -X- O O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC
call NN I-NP O
. . O O

Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- O O

Rare NNP I-NP I-ORG
Hendrix NNP I-NP B-ORG
Song NNP I-NP I-ORG
"""

MULTICONER_LINES = """# id 309f5b26-951e-472b-948e-47632249862b\tdomain=en
robert _ _ B-OtherPER
gottschalk _ _ I-OtherPER
1939 _ _ O
founder _ _ O
of _ _ O
panavision _ _ B-ORG


# id bb81b9a7-e73d-4977-b6a8-0f7937123dfe\tdomain=en
during _ _ O
the _ _ O
tongzhi _ _ B-OtherPER
emperor _ _ I-OtherPER

"""


def write(tmp_path, text, name="f.txt", mode="w"):
    path = tmp_path / name
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_conll2003_lines(tmp_path):
    repairs = RepairLog()
    sents = read_columns(write(tmp_path, CONLL_LINES), catalog.CONLL2003.spec, "train", repairs)
    assert [s.tokens for s in sents] == [["EU", "rejects", "German", "call", "."], ["Peter", "Blackburn"],
                                         ["Rare", "Hendrix", "Song"]]
    assert sents[0].tags == ["B-ORG", "O", "B-MISC", "O", "O"]
    assert sents[1].tags == ["B-PER", "I-PER"]
    assert sents[2].tags == ["B-ORG", "B-ORG", "I-ORG"]  # IOB1 B- splits adjacent same-type entities
    assert sents[0].features["pos"] == ["NNP", "VBZ", "JJ", "NN", "."]
    assert sents[0].features["chunk"][0] == "I-NP"
    assert [s.doc_id for s in sents] == ["train-doc0001", "train-doc0001", "train-doc0002"]
    assert [s.id for s in sents] == ["train-00000", "train-00001", "train-00002"]
    assert sents[1].line == 9
    assert not repairs.counts


def test_multiconer_lines(tmp_path):
    repairs = RepairLog()
    sents = read_columns(write(tmp_path, MULTICONER_LINES), catalog.MULTICONER2.spec, "train", repairs)
    assert [s.id for s in sents] == ["309f5b26-951e-472b-948e-47632249862b", "bb81b9a7-e73d-4977-b6a8-0f7937123dfe"]
    assert sents[0].tags == ["B-OtherPER", "I-OtherPER", "O", "O", "O", "B-ORG"]
    assert all(s.doc_id is None for s in sents)
    assert not repairs.counts


def test_custom_bioes_file_with_tabs(tmp_path):
    text = "Ann\tS-PER\nmet\tO\nNew\tB-LOC\nYork\tE-LOC\n\n"
    spec = ColumnSpec(token_col=0, tag_col=1, sep="\t", scheme="BIOES", docstart=None)
    sents = read_columns(write(tmp_path, text), spec, "test", RepairLog())
    assert sents[0].tags == ["B-PER", "O", "B-LOC", "I-LOC"]


def test_wrong_column_count(tmp_path):
    path = write(tmp_path, "EU NNP I-NP I-ORG\nrejects VBZ O\n")
    with pytest.raises(DataError, match=r"f\.txt:2: expected 4 columns, found 3"):
        read_columns(path, catalog.CONLL2003.spec, "train", RepairLog())


def test_unknown_tag_string(tmp_path):
    path = write(tmp_path, "EU NNP I-NP ORG\n")
    with pytest.raises(DataError, match=r"f\.txt:1: not a tag: 'ORG'"):
        read_columns(path, catalog.CONLL2003.spec, "train", RepairLog())


def test_unknown_entity_type(tmp_path):
    path = write(tmp_path, "EU NNP I-NP I-ORG\nrejects VBZ I-VP B-FOO\n")
    with pytest.raises(DataError, match=r"f\.txt:2: unknown entity type 'FOO'"):
        read_columns(path, catalog.CONLL2003.spec, "train", RepairLog())


def test_iob2_repair_counted_with_location(tmp_path):
    text = "# id a\tdomain=en\nthe _ _ O\nbeatles _ _ I-MusicalGRP\n\n# id b\tdomain=en\nx _ _ I-Artist\n\n"
    repairs = RepairLog()
    sents = read_columns(write(tmp_path, text), catalog.MULTICONER2.spec, "train", repairs)
    assert sents[0].tags == ["O", "B-MusicalGRP"] and sents[1].tags == ["B-Artist"]
    assert repairs.counts["iob2_repair"] == 2
    assert repairs.examples["iob2_repair"][0].startswith(f"{tmp_path / 'f.txt'}:2")


def test_empty_sentence_and_duplicate_id_are_counted(tmp_path):
    text = "# id a\tdomain=en\n\n# id b\tdomain=en\nx _ _ O\n\n# id b\tdomain=en\ny _ _ O\n\n"
    repairs = RepairLog()
    sents = read_columns(write(tmp_path, text), catalog.MULTICONER2.spec, "train", repairs)
    assert [s.id for s in sents] == ["b", "b~2"]
    assert [s.tokens for s in sents] == [["x"], ["y"]]  # nothing dropped but the empty one
    assert repairs.counts == {"empty_sentence": 1, "duplicate_id": 1}
    assert repairs.to_dict()["duplicate_id"]["examples"][0].endswith("f.txt:6: b renamed b~2")


def test_non_utf8_byte(tmp_path):
    path = write(tmp_path, "EU NNP I-NP I-ORG\nM\xfcller NNP I-NP I-PER\n".encode("latin-1"), mode="wb")
    with pytest.raises(DataError, match=r"f\.txt:2: byte 0xFC at column 2 is not UTF-8"):
        read_columns(path, catalog.CONLL2003.spec, "train", RepairLog())


def test_empty_and_missing_files(tmp_path):
    with pytest.raises(DataError, match="file is empty"):
        read_columns(write(tmp_path, "\n\n"), catalog.CONLL2003.spec, "train", RepairLog())
    with pytest.raises(DataError, match="file not found"):
        read_columns(tmp_path / "nope.txt", catalog.CONLL2003.spec, "train", RepairLog())
    with pytest.raises(DataError, match="no sentences found"):
        read_columns(write(tmp_path, "-DOCSTART- -X- O O\n\n"), catalog.CONLL2003.spec, "train", RepairLog())


def test_bbc_zip_latin1_byte_is_a_counted_repair(tmp_path):
    path = tmp_path / "bbc.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("bbc/sport/199.txt", "Title here\n\nIt cost \xa35m.\n".encode("latin-1"))
        archive.writestr("bbc/tech/001.txt", "Phones\n\nNew phones arrive.\n")
        archive.writestr("bbc/tech/002.txt", "Phones\n\nNew phones arrive.\n")
    repairs = RepairLog()
    articles = read_bbc_zip(path, repairs)
    assert [a["id"] for a in articles] == ["sport-199", "tech-001", "tech-002"]
    assert articles[0]["title"] == "Title here" and articles[0]["text"] == "It cost \u00a35m."
    assert articles[2]["duplicate_of"] == "tech-001"
    assert repairs.counts == {"latin1_decoded": 1, "duplicate_text_kept": 1}


def test_missing_dataset_offline_names_files_and_places(tmp_path, monkeypatch):
    monkeypatch.setenv("NERLAB_DATA_DIR", str(tmp_path))
    with pytest.raises(NerlabError) as err:
        resolve("conll2003", ["eng.train", "eng.testa"], mirror=None, online=False, download=None)
    message = str(err.value)
    assert "eng.train, eng.testa" in message and str(tmp_path / "conll2003") in message
    assert "NERLAB_DATA_DIR" in message


def test_an_unknown_dataset_is_a_one_line_error():
    with pytest.raises(NerlabError, match="unknown dataset"):
        catalog.get("wnut17")


def test_bom_and_lone_cr_line_ends_are_counted_repairs(tmp_path):
    text = "Ann PER\rmet O\r\rBob PER\r"
    spec = ColumnSpec(token_col=0, tag_col=1, scheme="IOB1", docstart=None)
    repairs = RepairLog()
    path = write(tmp_path, b"\xef\xbb\xbf" + text.replace("PER", "I-PER").encode(), mode="wb")
    sents = read_columns(path, spec, "train", repairs)
    assert [s.tokens for s in sents] == [["Ann", "met"], ["Bob"]] and sents[0].tags == ["B-PER", "O"]
    counts = repairs.to_dict()
    assert counts["bom_removed"]["count"] == 1 and counts["cr_line_ends"]["count"] == 4


def test_comment_lines_and_header_ids_in_a_user_corpus(tmp_path):
    spec = catalog.custom_dataset(conll_section(**{"train": str(write(tmp_path, MULTICONER_LINES)), "test": str(tmp_path / "f.txt"),
                                   "token_col": 0, "tag_col": -1, "comment_prefix": "#",
                                   "header_prefix": "# id ", "docstart": None})).spec
    sents = read_columns(tmp_path / "f.txt", spec, "train", RepairLog())
    assert [s.id for s in sents] == ["309f5b26-951e-472b-948e-47632249862b", "bb81b9a7-e73d-4977-b6a8-0f7937123dfe"]
    no_ids = ColumnSpec(token_col=0, tag_col=-1, docstart=None, comment_prefix="#")
    sents = read_columns(write(tmp_path, "# a comment\nAnn _ _ B-PER\n# another\nmet _ _ O\n\n", "c.txt"), no_ids,
                         "train", RepairLog())
    assert sents[0].tokens == ["Ann", "met"]
    with pytest.raises(DataError, match="not a tag"):  # without the setting, a comment is a bad line
        read_columns(tmp_path / "c.txt", ColumnSpec(token_col=0, tag_col=-1, docstart=None), "train", RepairLog())


def test_document_boundaries_from_comment_lines(tmp_path):
    text = ("# newdoc id = a\n# sent_id = 1\nAnn _ _ B-PER\nmet _ _ O\n\n# sent_id = 2\nBob _ _ B-PER\n\n"
            "# newdoc id = b\n# sent_id = 3\nOslo _ _ B-LOC\n\n")
    spec = catalog.custom_dataset(conll_section(**{"train": str(write(tmp_path, text, "u.txt")), "test": str(tmp_path / "u.txt"),
                                   "token_col": 0, "tag_col": -1, "comment_prefix": "#", "doc_prefix": "# newdoc",
                                   "header_prefix": "# sent_id = ", "docstart": None})).spec
    sents = read_columns(tmp_path / "u.txt", spec, "train", RepairLog())
    assert [s.id for s in sents] == ["1", "2", "3"] and [s.tokens for s in sents] == [["Ann", "met"], ["Bob"], ["Oslo"]]
    assert [s.doc_id for s in sents] == ["train-doc0001", "train-doc0001", "train-doc0002"]
    plain = ColumnSpec(token_col=0, tag_col=-1, docstart=None, comment_prefix="#")
    assert {s.doc_id for s in read_columns(tmp_path / "u.txt", plain, "train", RepairLog())} == {None}


def test_dev_carved_from_a_tiny_train_is_refused(tmp_path):
    from nerlab.data.prepare import prepare

    paths = {s: str(write(tmp_path, "Ann B-PER\nmet O\n\n", f"{s}.txt")) for s in ("train", "test")}
    cfg = fetch_config(online=False, conll=conll_section(**paths, tag_col=1, docstart=None))
    with pytest.raises(NerlabError, match="train split"):
        prepare("conll", cfg, PARAMS.seed, tmp_path / "out")


MECAB_LINES = ("2005\tZDIGIT\t名詞\t数\t*\t*\t*\t*\t*\tB-DAT\n"
               "年\tOTHER\t名詞\t接尾\t助数詞\t*\t*\t*\t年\tネン\tネン\tI-DAT\n"
               "ノルウェー\tKATAK\t名詞\t固有名詞\t地域\t国\t*\t*\tノルウェー\tノルウェー\tノルウェー\tB-LOC\n"
               "\n")


def test_ragged_columns_read_with_n_cols_any(tmp_path):
    """MeCab-style output (the Hironsan corpus): unknown words lack the reading columns, so lines differ in length."""
    path = write(tmp_path, MECAB_LINES)
    with pytest.raises(DataError, match=r"f.txt:2: expected 10 columns, found 12"):
        read_columns(path, ColumnSpec(tag_col=-1, sep="\t", docstart=None), "train", RepairLog())
    [sent] = read_columns(path, ColumnSpec(tag_col=-1, n_cols="any", sep="\t", docstart=None,
                                           feature_cols={"pos": 2}), "train", RepairLog())
    assert sent.tokens == ["2005", "年", "ノルウェー"]
    assert sent.tags == ["B-DAT", "I-DAT", "B-LOC"]
    assert sent.features["pos"] == ["名詞"] * 3
    short = write(tmp_path, "word\tB-LOC\nalone\n\n", name="short.txt")
    with pytest.raises(DataError, match=r"short.txt:2: found 1 column\(s\) but the column settings need 2"):
        read_columns(short, ColumnSpec(tag_col=-1, n_cols="any", sep="\t", docstart=None, feature_cols={"pos": -2}),
                     "train", RepairLog())


def test_damaged_types_without_declared_types_are_counted(tmp_path, caplog):
    """A truncated `B-PE` and `B-PER ` (trailing space, tab-separated) would invent types: counted and logged."""
    from nerlab.data.prepare import prepare

    good = "".join(f"Ann{i}\tB-PER\nmet\tO\nOslo\tB-LOC\n\n" for i in range(6))
    files = {"train": good + "Bob\tB-PE\n\n", "dev": good + "Ida\tB-PER X\n\n",
             "test": good + "Eve\tB-PER \nin\tO\nRome\tB-GPE\n\n"}
    paths = {s: str(write(tmp_path, text, f"{s}.txt")) for s, text in files.items()}
    cfg = fetch_config(online=False, conll=conll_section(**paths, tag_col=1, sep="\t", docstart=None))
    with caplog.at_level("WARNING"):
        report = prepare("conll", cfg, PARAMS.seed, tmp_path / "out")
    checks = report["type_checks"]
    assert checks["not_in_train"] == {"dev: 'PER X'": 1, "test: 'PER '": 1, "test: 'GPE'": 1}
    assert checks["rare_lookalikes"] == {"'PE'": {"mentions": 1, "like": ["PER"]},
                                         "'PER '": {"mentions": 1, "like": ["PER"]}}
    assert checks["whitespace_in_type"] == {"'PER '": 1, "'PER X'": 1}  # a suffix after a space: a damaged tag
    assert "declare the types, e.g. data.conll.types, to make these errors" in caplog.text
    clean = str(write(tmp_path, good, "clean.txt"))
    declared = fetch_config(online=False, conll=conll_section(**{**paths, "train": clean, "dev": clean, "test": clean},
                                                              tag_col=1, sep="\t", docstart=None, types=["PER", "LOC"]))
    assert prepare("conll", declared, PARAMS.seed, tmp_path / "out2")["type_checks"] == {}


def test_a_comment_line_without_comment_prefix_names_the_option(tmp_path):
    path = write(tmp_path, "# id 123 domain=train\nAnn _ _ B-PER\n\n")
    with pytest.raises(DataError, match="data.conll.comment_prefix") as err:
        read_columns(path, ColumnSpec(token_col=0, tag_col=-1, docstart=None), "train", RepairLog())
    assert str(err.value).startswith(f"{path}:1: ")


def test_splits_in_different_folders_and_through_links(tmp_path):
    from nerlab.data.prepare import prepare

    store = tmp_path / "cache" / "ab" / "cdef"  # where DVC's cache (or any data store) keeps the real file
    store.parent.mkdir(parents=True)
    write(store.parent, "Ann B-PER\nmet O\nBob B-PER\n\n" * 5, "cdef")
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "train.txt").symlink_to(store)  # a link whose target has another name and folder
    (tmp_path / "eval").mkdir()
    test = write(tmp_path / "eval", "Eve B-PER\nsmiled O\n\n" * 3, "test.conll")
    paths = {"train": str(tmp_path / "train" / "train.txt"), "test": str(test)}
    cfg = fetch_config(online=False, conll=conll_section(**paths, tag_col=1, docstart=None))
    report = prepare("conll", cfg, PARAMS.seed, tmp_path / "out")
    assert set(report["raw_sha256"]) == {"train/train.txt", "eval/test.conll"}
    assert report["splits"]["test"]["sentences"] == 3
