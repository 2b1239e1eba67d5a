"""Stage reindex_vocab's row-parallel part: number the words of a part of the tokens table
(imdb_sentiment.text.tokens), on its own (``vocab.StreamingEncoder.merge`` joins the parts in order)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from imdb_sentiment.sources.reviews import TEST, TRAIN, split_mask

ENCODED_SPLITS = (TRAIN, TEST)


@dataclass(frozen=True)
class EncodedPart:
    words: list[str]  # the part's words; a word's position is its id in ``splits``
    train_counts: np.ndarray  # each word's occurrences in the part's train reviews
    splits: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # split -> (flat ids, lengths, labels)


def encode_part(batch: pa.RecordBatch) -> EncodedPart:
    """Number the words of the train and test rows of a batch (columns split, label, tokens) in the
    order they are first seen; unlabeled rows are left out."""
    rows = {split: batch.filter(split_mask(batch, [split])) for split in ENCODED_SPLITS}
    lists = {split: rows[split].column("tokens") for split in ENCODED_SPLITS}
    lengths = {split: np.diff(lists[split].offsets.to_numpy()).astype(np.int64) for split in ENCODED_SPLITS}
    labels = {
        split: rows[split].column("label").to_numpy(zero_copy_only=False).astype(np.int8) for split in ENCODED_SPLITS
    }
    tokens = pa.concat_arrays([lists[split].flatten().cast(pa.large_string()) for split in ENCODED_SPLITS])
    # Arrow's dictionary numbers values in the order they first appear, in C: half a dict's time.
    encoded = tokens.dictionary_encode()
    ids = encoded.indices.to_numpy().astype(np.int32, copy=False)
    ends = np.cumsum([lengths[split].sum() for split in ENCODED_SPLITS])
    flat = dict(zip(ENCODED_SPLITS, np.split(ids, ends[:-1]), strict=True))
    words = encoded.dictionary.to_pylist()
    splits = {split: (flat[split], lengths[split], labels[split]) for split in ENCODED_SPLITS}
    return EncodedPart(words, np.bincount(flat[TRAIN], minlength=len(words)).astype(np.int64), splits)
