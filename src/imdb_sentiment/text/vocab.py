"""Vocabulary and the Keras-style "+3" reindexing: <PAD>=0, <BOS>=1, <UNK>=2, <UNUSED>=3."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

PAD, BOS, UNK, UNUSED = "<PAD>", "<BOS>", "<UNK>", "<UNUSED>"
SPECIAL_TOKENS = (PAD, BOS, UNK, UNUSED)
PAD_ID, BOS_ID, UNK_ID = 0, 1, 2
INDEX_OFFSET = len(SPECIAL_TOKENS)  # the most frequent word gets index 4


def known_word_counts(ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """How many of each packed review's ids are vocabulary words (not <BOS>, <UNK> or padding)."""
    known = np.concatenate([[0], np.cumsum(np.asarray(ids) >= INDEX_OFFSET)])
    return (known[offsets[1:]] - known[offsets[:-1]]).astype(np.int64)


def encode(tokens: Sequence[str], vocab: Mapping[str, int]) -> list[int]:
    """Token ids of one review: <BOS> first, words outside the vocabulary as <UNK>."""
    return [BOS_ID, *(vocab.get(token, UNK_ID) for token in tokens)]


def words_by_index(vocab: Mapping[str, int]) -> list[str]:
    """The vocabulary as a list whose position i holds the word with index i."""
    words = [""] * len(vocab)
    for word, index in vocab.items():
        words[index] = word
    if "" in words:
        raise ValueError("vocabulary indices are not contiguous from 0")
    return words


class StreamingEncoder:
    """The vocabulary and every review's ids in one pass over reviews that stream by in parts.

    Each part numbers its own words (``imdb_sentiment.text.encoding.encode_part``, wherever it ran);
    ``merge`` gives each new word a provisional id, in part order, and adds the part's train
    counts (integers: the sum does not depend on the order). At the end words are ranked by train
    count, ties alphabetically (so the vocabulary does not depend on the order reviews are read),
    and the provisional ids are mapped to the final ones: the same result whatever the parts
    (tests/vocab_reference.py defines it).
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._train_counts = np.zeros(0, dtype=np.int64)

    def merge(self, words: Sequence[str], train_counts: np.ndarray) -> np.ndarray:
        """A part's word numbering -> provisional ids; ``train_counts``: each word's count in the
        part's train reviews."""
        ids = self._ids
        mapping = np.fromiter((ids.setdefault(w, len(ids)) for w in words), dtype=np.int32, count=len(words))
        if self._train_counts.size < len(ids):
            self._train_counts = np.pad(self._train_counts, (0, len(ids) - self._train_counts.size))
        self._train_counts[mapping] += train_counts  # a part's words are distinct
        return mapping

    def vocab(self, num_words: int) -> tuple[dict[str, int], np.ndarray]:
        """The vocabulary, and each provisional id's final id (<UNK> beyond ``num_words``)."""
        if num_words <= INDEX_OFFSET:
            raise ValueError(f"vocab.num_words must be greater than {INDEX_OFFSET}, got {num_words}")
        words = list(self._ids)
        counts = np.pad(self._train_counts, (0, len(words) - self._train_counts.size))
        seen = [i for i in np.flatnonzero(counts).tolist() if words[i] not in SPECIAL_TOKENS]
        ranked = sorted(seen, key=lambda i: (-counts[i], words[i]))[: num_words - INDEX_OFFSET]
        vocab = {token: index for index, token in enumerate(SPECIAL_TOKENS)}
        final = np.full(len(words), UNK_ID, dtype=np.int32)
        for rank, provisional in enumerate(ranked):
            vocab[words[provisional]] = rank + INDEX_OFFSET
            final[provisional] = rank + INDEX_OFFSET
        return vocab, final


def finish_encoding(flat: np.ndarray, lengths: np.ndarray, final: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Provisional packed ids -> the packed encoding: final ids, each review led by <BOS>."""
    offsets = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=offsets[1:])
    ids = np.empty(int(offsets[-1]), dtype=np.int32)
    is_bos = np.zeros(ids.size, dtype=bool)
    is_bos[offsets[:-1]] = True
    ids[is_bos] = BOS_ID
    ids[~is_bos] = final[flat]
    return ids, offsets
