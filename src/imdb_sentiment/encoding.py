"""Stage reindex_vocab's row-parallel part: tokenize a part of the reviews table and number its
words, on its own (``vocab.StreamingEncoder.merge`` joins the parts in order)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from imdb_sentiment.reviews import TEST, TRAIN, split_mask
from imdb_sentiment.text import tokenize

ENCODED_SPLITS = (TRAIN, TEST)


@dataclass(frozen=True)
class EncodedPart:
    words: list[str]  # the part's words; a word's position is its id in ``splits``
    train_counts: np.ndarray  # each word's occurrences in the part's train reviews
    splits: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # split -> (flat ids, lengths, labels)


def encode_part(batch: pa.RecordBatch) -> EncodedPart:
    """Tokenize the train and test rows of a batch (columns split, label, text), numbering words in
    the order they are first seen; unlabeled rows are left out."""
    numbering: dict[str, int] = {}
    splits = {}
    for split in ENCODED_SPLITS:
        rows = batch.filter(split_mask(batch, [split]))
        tokens = [tokenize(text) for text in rows.column("text").to_pylist()]
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        ids = (numbering.setdefault(token, len(numbering)) for token in itertools.chain.from_iterable(tokens))
        flat = np.fromiter(ids, dtype=np.int32, count=int(lengths.sum()))
        labels = rows.column("label").to_numpy(zero_copy_only=False).astype(np.int8)
        splits[split] = (flat, lengths, labels)
    train_counts = np.bincount(splits[TRAIN][0], minlength=len(numbering)).astype(np.int64)
    return EncodedPart(list(numbering), train_counts, splits)
