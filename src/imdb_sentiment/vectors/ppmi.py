"""Count-based word vectors: positive PMI of word co-occurrences, reduced by a truncated SVD.

On a corpus of IMDB's size these beat word2vec on word similarity at the same seconds (Levy,
Goldberg and Dagan 2015, "Improving distributional similarity with lessons learned from word
embeddings": context-distribution smoothing, no eigenvalue weighting, word + context vectors).

The corpus arrives as Arrow batches of token lists. Counts are integers summed batch by batch, so
they do not depend on how the corpus was cut; everything after them is a function of the counts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from imdb_sentiment.pipeline.io import PipelineError

log = logging.getLogger(__name__)
PMI_SLICE = 1 << 22  # values computed at a time: about 100 MiB of float64 temporaries at any size


@dataclass(frozen=True)
class Vocabulary:
    words: list[str]  # most frequent first; ties in the order first seen
    counts: np.ndarray  # int64, per word


def count_vocabulary(batches: Iterable[pa.ListArray], min_count: int) -> Vocabulary:
    """The words seen at least ``min_count`` times, most frequent first (ties: first seen first)."""
    values, counts = [], []
    for batch in batches:
        tallies = pc.value_counts(batch.flatten())  # in the order first seen within the batch
        values.append(tallies.field("values"))
        counts.append(tallies.field("counts").to_numpy())
    if not values:
        return Vocabulary([], np.zeros(0, dtype=np.int64))
    # Numbering the batches' words in the order they first appear gives the corpus' first-seen order.
    encoded = pa.chunked_array(values, type=pa.large_string()).combine_chunks().dictionary_encode()
    totals = np.zeros(len(encoded.dictionary), dtype=np.int64)
    np.add.at(totals, encoded.indices.to_numpy(), np.concatenate(counts).astype(np.int64))
    order = np.argsort(-totals, kind="stable")
    order = order[totals[order] >= min_count]
    return Vocabulary(encoded.dictionary.take(pa.array(order)).to_pylist(), totals[order])


def word_ids(batch: pa.ListArray, vocabulary: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(ids, review of each id) for the batch's tokens in ``vocabulary``; the others are dropped
    before windowing, as word2vec drops words under its min_count."""
    ids = pc.index_in(batch.flatten(), value_set=vocabulary)
    lengths = np.diff(batch.offsets.to_numpy())
    review = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    known = ids.is_valid().to_numpy(zero_copy_only=False)
    return ids.drop_null().to_numpy().astype(np.int32), review[known]


def count_cooccurrences(batches: Iterable[pa.ListArray], words: list[str], window: int) -> sp.csr_matrix:
    """Symmetric int64 counts of word pairs at most ``window`` apart within a review, a pair at
    distance d weighted ``window - d + 1`` (word2vec's shrinking window, in expectation)."""
    size = len(words)
    vocabulary = pa.array(words, type=pa.large_string())
    forward = sp.csr_matrix((size, size), dtype=np.int64)  # (earlier word, later word)
    for batch in batches:
        ids, review = word_ids(batch, vocabulary)
        lefts, rights, weights = [], [], []
        for distance in range(1, window + 1):
            same = review[:-distance] == review[distance:]
            lefts.append(ids[:-distance][same])
            rights.append(ids[distance:][same])
            weights.append(np.full(len(lefts[-1]), window - distance + 1, dtype=np.int32))
        # int32 within a batch (half the memory traffic of int64, and a batch cannot reach 2**31
        # of one pair); the running sum is int64.
        pairs = (np.concatenate(lefts), np.concatenate(rights))
        forward = forward + sp.csr_matrix((np.concatenate(weights), pairs), shape=(size, size))
    return (forward + forward.T).tocsr()


def ppmi(counts: sp.csr_matrix, context_smoothing: float) -> sp.csr_matrix:
    """max(0, log p(w, c) / (p(w) p_a(c))) with the context probabilities raised to
    ``context_smoothing`` and renormalised, which lifts rare contexts' overstated PMI."""
    size = counts.shape[0]
    total = float(counts.sum())
    word = np.asarray(counts.sum(axis=1)).ravel().astype(np.float64)
    context = word**context_smoothing
    context /= context.sum()
    log_word, log_context = np.log(word / total), np.log(context)
    rows = np.repeat(np.arange(size, dtype=np.int32), np.diff(counts.indptr))
    # float32: the SVD's products run at twice the speed, and the vectors come out float32 anyway.
    # Each value is computed in float64 a slice at a time, so that beside the counts (hundreds of
    # millions of pairs at ten times IMDB) only float32 values and a mask are held.
    values = np.empty(counts.nnz, dtype=np.float32)
    kept_per_row = np.zeros(size, dtype=np.int64)
    for start in range(0, counts.nnz, PMI_SLICE):
        part = slice(start, start + PMI_SLICE)
        values[part] = np.log(counts.data[part] / total) - log_word[rows[part]] - log_context[counts.indices[part]]
        kept_per_row += np.bincount(rows[part][values[part] > 0], minlength=size)
    del rows
    positive = values > 0
    indptr = np.concatenate(([0], np.cumsum(kept_per_row)))
    return sp.csr_matrix((values[positive], counts.indices[positive], indptr), shape=counts.shape)


def svd_vectors(matrix: sp.csr_matrix, dim: int, iterations: int, seed: int) -> np.ndarray:
    """Word + context vectors (U + V) of a seeded randomized truncated SVD, rows of unit length."""
    from sklearn.utils.extmath import randomized_svd

    if dim >= min(matrix.shape):
        raise PipelineError(
            f"word2vec.vector_size is {dim} but the corpus has only {min(matrix.shape)} words of min_count; "
            "lower word2vec.vector_size or word2vec.min_count"
        )
    words, _, contexts = randomized_svd(matrix, dim, n_iter=iterations, random_state=seed)
    vectors = words + contexts.T
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def ppmi_svd_vectors(
    batches: Iterable[pa.ListArray],
    *,
    vector_size: int,
    window: int,
    min_count: int,
    context_smoothing: float,
    svd_iterations: int,
    seed: int,
) -> tuple[list[str], np.ndarray]:
    """The corpus' words (most frequent first) and their PPMI-SVD vectors. ``batches`` is read
    twice: once to count words, once to count pairs."""
    batches = _restartable(batches)
    started = time.perf_counter()
    vocabulary = count_vocabulary(batches, min_count)
    log.info("ppmi_svd: %d words of at least %d occurrences (%.0f s)", len(vocabulary.words), min_count,
             time.perf_counter() - started)  # fmt: skip
    counts = count_cooccurrences(batches, vocabulary.words, window)
    log.info("ppmi_svd: %d word pairs within %d words (%.0f s)", counts.nnz, window, time.perf_counter() - started)
    matrix = ppmi(counts, context_smoothing)
    del counts
    vectors = svd_vectors(matrix, vector_size, svd_iterations, seed)
    log.info("ppmi_svd: %d x %d vectors from %d positive PMI pairs (%.0f s)", *vectors.shape, matrix.nnz,
             time.perf_counter() - started)  # fmt: skip
    return vocabulary.words, vectors


def _restartable(batches: Iterable[pa.ListArray]) -> Iterable[pa.ListArray]:
    if isinstance(batches, Iterator):
        raise TypeError("batches is read twice: pass a list (TokenizedReviews.token_lists()), not an iterator")
    return batches
