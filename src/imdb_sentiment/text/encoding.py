"""Stage reindex_vocab's row-parallel part: tokenize a part of the reviews table and number its
words, on its own (``vocab.StreamingEncoder.merge`` joins the parts in order)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from imdb_sentiment.sources.reviews import TEST, TRAIN, split_mask
from imdb_sentiment.text.tokenize import tokenizer_named

ENCODED_SPLITS = (TRAIN, TEST)


@dataclass(frozen=True)
class EncodedPart:
    words: list[str]  # the part's words; a word's position is its id in ``splits``
    train_counts: np.ndarray  # each word's occurrences in the part's train reviews
    splits: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # split -> (flat ids, lengths, labels)


def encode_part(batch: pa.RecordBatch, tokenizer: str = "english") -> EncodedPart:
    """Tokenize the train and test rows of a batch (columns split, label, text) with the tokenizer
    named ``tokenizer``, numbering words in the order they are first seen; unlabeled rows are left out."""
    tokens_of = tokenizer_named(tokenizer).tokens
    tokens: list[str] = []
    lengths, labels = {}, {}
    for split in ENCODED_SPLITS:
        rows = batch.filter(split_mask(batch, [split]))
        split_tokens = [tokens_of(text) for text in rows.column("text").to_pylist()]
        lengths[split] = np.fromiter(map(len, split_tokens), dtype=np.int64, count=len(split_tokens))
        labels[split] = rows.column("label").to_numpy(zero_copy_only=False).astype(np.int8)
        tokens.extend(itertools.chain.from_iterable(split_tokens))
    # Arrow's dictionary numbers values in the order they first appear, in C: half a dict's time.
    encoded = pa.array(tokens, type=pa.large_string()).dictionary_encode()
    ids = encoded.indices.to_numpy().astype(np.int32, copy=False)
    ends = np.cumsum([lengths[split].sum() for split in ENCODED_SPLITS])
    flat = dict(zip(ENCODED_SPLITS, np.split(ids, ends[:-1]), strict=True))
    words = encoded.dictionary.to_pylist()
    splits = {split: (flat[split], lengths[split], labels[split]) for split in ENCODED_SPLITS}
    return EncodedPart(words, np.bincount(flat[TRAIN], minlength=len(words)).astype(np.int64), splits)
