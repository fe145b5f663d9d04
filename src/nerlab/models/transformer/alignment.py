"""Words <-> subwords.

A sentence's words are tokenized once (fast tokenizer, ``is_split_into_words``),
giving each word its subword pieces. An :class:`Example` is one model input:
special tokens around [left context] + the window's words + [right context],
with the position of each word's pieces, so the model can read each word at its
first subword (or, for training with ``label_all_subwords``, at every subword).

Sentences longer than the budget are split into overlapping windows of whole
words and merged back: each word takes the prediction of the window in which
it sits farthest from an edge. Nothing is truncated, except the pieces of a
single word longer than the whole budget (its first piece, which carries the
prediction, is always kept; such words are counted).

``context="document"``: neighbouring sentences of the same document fill the
budget left and right of the sentence (FLERT); they are input only, never in
the loss or the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nerlab.models.transformer.word_features import case_id, char_ids

CONTEXTS = ("none", "document")  # param context: document = neighbouring sentences as extra input (FLERT)


@dataclass
class Example:
    sentence: int  # index of the sentence in the corpus
    input_ids: list[int]
    words: list[int]  # sentence word index of each target word in this window
    starts: list[int]  # position in input_ids of each target word's first piece
    pieces: list[list[int]]  # positions of all pieces of each target word
    window: tuple[int, int] = (0, 0)  # word range [start, end) of the sentence covered by this window
    labels: list[int] = field(default_factory=list)  # per target word
    coarse: list[int] = field(default_factory=list)
    topic: int = -100  # the sentence's class id (sequence head); -100: none
    case: list[int] = field(default_factory=list)  # per target word: its casing class (word_features)
    chars: list[list[int]] = field(default_factory=list)  # per target word: its bytes (word_features)


class Aligner:
    def __init__(self, tokenizer, max_length: int = 128, context: str = "none", overlap: float = 0.5):
        if context not in ("none", "document"):
            raise ValueError(f"context must be 'none' or 'document', got {context!r}")
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.context = context
        self.overlap = overlap
        probe = tokenizer(["a"], is_split_into_words=True, add_special_tokens=True)  # where do specials go?
        word_ids = probe.word_ids()
        first = word_ids.index(0)
        last = len(word_ids) - 1 - word_ids[::-1].index(0)
        self.prefix = list(probe["input_ids"][:first])
        self.suffix = list(probe["input_ids"][last + 1:])
        self.budget = max_length - len(self.prefix) - len(self.suffix)
        if self.budget < 1:
            raise ValueError(f"max_length {max_length} leaves no room for words")
        self.long_words = 0

    def word_pieces(self, words: list[str]) -> list[list[int]]:
        """Subword ids of each word; a word the tokenizer drops entirely becomes the unknown token."""
        if not words:
            return []
        enc = self.tokenizer(words, is_split_into_words=True, add_special_tokens=False)
        pieces: list[list[int]] = [[] for _ in words]
        for piece, word in zip(enc["input_ids"], enc.word_ids()):
            if word is not None:
                pieces[word].append(piece)
        unk = self.tokenizer.unk_token_id if self.tokenizer.unk_token_id is not None else 0
        return [p or [unk] for p in pieces]

    def _windows(self, pieces: list[list[int]]) -> list[tuple[int, int]]:
        """Word ranges [start, end) whose pieces fit the budget, overlapping by about ``overlap`` of it."""
        sizes = [min(len(p), self.budget) for p in pieces]
        windows, start = [], 0
        while True:
            end, used = start, 0
            while end < len(sizes) and used + sizes[end] <= self.budget:
                used += sizes[end]
                end += 1
            windows.append((start, end))
            if end >= len(sizes):
                return windows
            back, kept = end, 0  # step back from the end while the overlap stays under its share
            while back - 1 > start and kept + sizes[back - 1] <= self.overlap * self.budget:
                back -= 1
                kept += sizes[back]
            start = max(back, start + 1)

    def encode(self, index: int, words: list[str], left: list[str] = (), right: list[str] = ()) -> list[Example]:
        """Model inputs for one sentence (one or more windows), with document context if given."""
        pieces = self.word_pieces(words)
        for p in pieces:
            if len(p) > self.budget:
                self.long_words += 1
                del p[self.budget:]
        total = sum(map(len, pieces))
        if total <= self.budget:
            spans = [(0, len(words))]
        else:
            spans = self._windows(pieces)
        examples = []
        for start, end in spans:
            body = [t for p in pieces[start:end] for t in p]
            left_ids, right_ids = [], []
            if self.context == "document" and len(spans) == 1:
                room = self.budget - len(body)
                right_all = [t for p in self.word_pieces(list(right)) for t in p]
                left_all = [t for p in self.word_pieces(list(left)) for t in p]
                take_left = min(len(left_all), max(room // 2, room - len(right_all)))
                left_ids = left_all[len(left_all) - take_left:] if take_left else []
                right_ids = right_all[: room - len(left_ids)]
            offset = len(self.prefix) + len(left_ids)
            starts, all_pos = [], []
            for p in pieces[start:end]:
                starts.append(offset)
                all_pos.append(list(range(offset, offset + len(p))))
                offset += len(p)
            ids = self.prefix + left_ids + body + right_ids + self.suffix
            examples.append(Example(index, ids, list(range(start, end)), starts, all_pos, (start, end),
                                    case=[case_id(w) for w in words[start:end]],
                                    chars=[char_ids(w) for w in words[start:end]]))
        return examples


def merge_windows(examples: list[Example], predictions: list[list[int]], n_words: int) -> list[int]:
    """Per-word predictions for one sentence from its windows' predictions (most central window wins)."""
    best: list[tuple[int, int]] = [(-1, 0)] * n_words  # (distance to the nearest window edge, label)
    for example, labels in zip(examples, predictions):
        start, end = example.window
        for word, label in zip(example.words, labels):
            margin = min(word - start, end - 1 - word)
            if margin > best[word][0]:
                best[word] = (margin, label)
    return [label for _, label in best]


def document_context(sentences: list[dict], index: int, max_sentences: int = 8) -> tuple[list[str], list[str]]:
    """Words of up to ``max_sentences`` neighbouring sentences of the same document, left and right."""
    doc = sentences[index].get("doc_id")
    if doc is None:
        return [], []
    left: list[str] = []
    for j in range(index - 1, max(-1, index - 1 - max_sentences), -1):
        if sentences[j].get("doc_id") != doc:
            break
        left = sentences[j]["tokens"] + left
    right: list[str] = []
    for j in range(index + 1, min(len(sentences), index + 1 + max_sentences)):
        if sentences[j].get("doc_id") != doc:
            break
        right = right + sentences[j]["tokens"]
    return left, right
