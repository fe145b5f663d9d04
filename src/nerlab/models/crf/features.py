"""Hand-made token features for the CRF baseline (paper 000, section 5.1, and what a strong CRF adds).

Paper 000's features: the previous/next word, whether it is a digit, the POS of
the neighbours, the last characters of the word and of its neighbours. Added:
word shape and casing, prefixes and suffixes, a +-``window`` token window,
chunk tags, and document features (CoNLL-2003 has documents): how the
lower-cased word is written elsewhere in the same document, away from
sentence starts and all-caps headlines, which recovers the casing that
headlines and sentence starts hide.

Every group can be switched off in params.yaml (``crf.features``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from nerlab.config.schema import CrfFeatures

_SHAPE_SUBS = ((re.compile(r"[A-Z]"), "X"), (re.compile(r"[a-z]"), "x"), (re.compile(r"[0-9]"), "d"))


def word_shape(word: str) -> str:
    for pattern, char in _SHAPE_SUBS:
        word = pattern.sub(char, word)
    return word


def short_shape(word: str) -> str:
    """Shape with repeated characters collapsed: 'Xxxxx' -> 'Xx', 'dd-dd' -> 'd-d'."""
    return re.sub(r"(.)\1+", r"\1", word_shape(word))


def _casing(word: str) -> str:
    if word.isdigit():
        return "digit"
    if any(c.isdigit() for c in word):
        return "has_digit"
    if word.isupper():
        return "upper"
    if word.istitle():
        return "title"
    if word.islower():
        return "lower"
    if any(c.isalpha() for c in word):
        return "mixed"
    return "other"


def _is_headline(tokens: list[str]) -> bool:
    letters = [t for t in tokens if any(c.isalpha() for c in t)]
    return bool(letters) and all(t.isupper() for t in letters)


def document_casing(sentences: list[dict]) -> dict[str | None, dict[str, str]]:
    """Per document: lower-cased word -> its most frequent casing in informative positions.

    Informative: not the first token of a sentence and not in an all-caps sentence.
    """
    counts: dict[str | None, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for sentence in sentences:
        doc = sentence.get("doc_id")
        if doc is None or _is_headline(sentence["tokens"]):
            continue
        for token in sentence["tokens"][1:]:
            if any(c.isalpha() for c in token):
                counts[doc][token.lower()][_casing(token)] += 1
    return {doc: {w: c.most_common(1)[0][0] for w, c in words.items()} for doc, words in counts.items()}


def _word_features(word: str, prefix: str, cfg: CrfFeatures) -> dict:
    feats = {f"{prefix}lower": word.lower(), f"{prefix}isdigit": word.isdigit(),
             f"{prefix}suffix3": word[-3:], f"{prefix}casing": _casing(word)}
    if cfg.shape:
        feats[f"{prefix}shortshape"] = short_shape(word)
    return feats


def sentence_features(sentence: dict, cfg: CrfFeatures, doc_casing: dict[str, str] | None = None,
                      clusters: dict[str, tuple[int, ...]] | None = None,
                      gaz_tags: list[str] | None = None) -> list[dict]:
    tokens = sentence["tokens"]
    pos = sentence.get("pos") if cfg.pos else None
    chunk = sentence.get("chunk") if cfg.pos else None
    headline = _is_headline(tokens)
    n = len(tokens)
    out = []
    for i, word in enumerate(tokens):
        feats: dict = {"bias": 1.0, "word": word, "lower": word.lower(), "isdigit": word.isdigit(),
                       "casing": _casing(word), "first": i == 0, "headline": headline,
                       "hyphen": "-" in word, "len": min(len(word), 10)}
        for k in range(1, cfg.affix_len + 1):
            feats[f"prefix{k}"] = word[:k]
            feats[f"suffix{k}"] = word[-k:]
        if cfg.shape:
            feats["shape"] = word_shape(word)
            feats["shortshape"] = short_shape(word)
        if pos:
            feats["pos"] = pos[i]
            feats["pos2"] = pos[i][:2]
        if chunk:
            feats["chunk"] = chunk[i]
        if doc_casing is not None:
            feats["doc_casing"] = doc_casing.get(word.lower(), "unseen")
        for offset in range(1, cfg.window + 1):
            for sign, name in ((-1, "-"), (1, "+")):
                j = i + sign * offset
                tag = f"{name}{offset}:"
                if 0 <= j < n:
                    feats.update(_word_features(tokens[j], tag, cfg))
                    if pos:
                        feats[f"{tag}pos"] = pos[j]
                    if chunk and offset == 1:
                        feats[f"{tag}chunk"] = chunk[j]
                    if doc_casing is not None and offset == 1:
                        feats[f"{tag}doc_casing"] = doc_casing.get(tokens[j].lower(), "unseen")
                else:
                    feats[f"{tag}pad"] = True
        if clusters is not None:
            for j in range(max(0, i - cfg.cluster_window), min(n, i + cfg.cluster_window + 1)):
                for level, cid in enumerate(clusters[tokens[j].lower()]):
                    feats[f"{j - i}:cluster{level}"] = str(cid)
        if gaz_tags is not None:
            feats["gaz"] = gaz_tags[i]
            feats["-1:gaz"] = gaz_tags[i - 1] if i > 0 else "pad"
            feats["+1:gaz"] = gaz_tags[i + 1] if i < n - 1 else "pad"
        if i > 0:
            feats["-1:0:lower"] = f"{tokens[i - 1].lower()}|{word.lower()}"
        if i < n - 1:
            feats["0:+1:lower"] = f"{word.lower()}|{tokens[i + 1].lower()}"
        out.append(feats)
    return out


def corpus_features(sentences: list[dict], cfg: CrfFeatures, clusters=None,
                    gaz_tags: list[list[str]] | None = None) -> list[list[dict]]:
    """Features for every sentence; document features come from the sentences' own documents.

    ``clusters``: a :class:`~nerlab.models.crf.clusters.WordClusters` (or None for no cluster features);
    ``gaz_tags``: gazetteer tags per sentence (or None for no gazetteer features).
    """
    casing = document_casing(sentences) if cfg.document else {}  # no documents: no document features
    ids = clusters.lookup([t for s in sentences for t in s["tokens"]]) if clusters is not None else None
    return [sentence_features(s, cfg, casing.get(s.get("doc_id"), {}) if cfg.document and s.get("doc_id") else None,
                              ids, gaz_tags[k] if gaz_tags is not None else None)
            for k, s in enumerate(sentences)]


def feature_groups(sentences: list[dict], cfg: CrfFeatures, clusters: bool, gazetteer: bool) -> dict[str, str]:
    """Which feature groups this corpus gets, and why a group is off: POS/chunk need their columns
    (``data.conll.feature_cols``), document casing needs documents (``-DOCSTART-`` or ``doc_prefix``); casing
    features on a corpus without upper-case letters (lower-cased text, a script without case) are constant, so
    harmless but empty. Logged and saved by the crf stage."""
    has = {key: any(s.get(key) for s in sentences) for key in ("pos", "chunk", "doc_id")}
    cased = any(c.isupper() for s in sentences for t in s["tokens"] for c in t)

    def state(enabled: bool, present: bool, missing: str) -> str:
        return "off in params" if not enabled else ("on" if present else f"off: {missing}")

    return {"word, affixes, neighbours": "on",
            "shape": state(cfg.shape, True, ""),
            "casing": "on" if cased else "on, but constant: the corpus has no upper-case letters",
            "pos": state(cfg.pos, has["pos"], "no POS column"),
            "chunk": state(cfg.pos, has["chunk"], "no chunk column"),
            "document casing": (state(cfg.document, has["doc_id"], "no documents") if cased or not has["doc_id"]
                                else "on, but constant: the corpus has no upper-case letters"),
            "word clusters": "on" if clusters else "off in params",
            "gazetteer": "on" if gazetteer else "off in params"}
