"""Word vectors: train word2vec with gensim, load any word2vec file, build the embedding matrix."""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors, Word2Vec

from imdb_sentiment.io import PipelineError, atomic_output

log = logging.getLogger(__name__)

# Keras' default Embedding initialiser draws from this range; rows without a vector do too.
RANDOM_INIT_SCALE = 0.05
_BINARY_SUFFIXES = (".bin", ".bin.gz", ".bin.bz2")


def crc32_hash(text: str) -> int:
    """A hash that, unlike Python's salted ``hash``, is the same in every process."""
    return zlib.crc32(text.encode("utf-8"))


def train_word2vec(
    sentences: Iterable[Sequence[str]],  # restartable: read once for the vocabulary, once per epoch
    *,
    vector_size: int,
    window: int,
    min_count: int,
    epochs: int,
    sg: int,
    seed: int,
) -> KeyedVectors:
    """gensim word2vec, deterministic: one worker (threads reorder updates), fixed seed and hash."""
    model = Word2Vec(
        sentences=sentences,
        vector_size=vector_size,
        window=window,
        min_count=min_count,
        epochs=epochs,
        sg=sg,
        seed=seed,
        workers=1,
        hashfxn=crc32_hash,
    )
    return model.wv


def save_word_vectors(vectors: KeyedVectors, path: str | os.PathLike[str]) -> None:
    """Save in the standard word2vec format (binary for ``.bin``), readable by any tool."""
    with atomic_output(path) as tmp:
        vectors.save_word2vec_format(str(tmp), binary=is_binary_path(path))


def is_binary_path(path: str | os.PathLike[str]) -> bool:
    return str(path).endswith(_BINARY_SUFFIXES)


def load_word_vectors(path: str | os.PathLike[str], limit: int | None = None) -> KeyedVectors:
    """Load a word2vec file: binary (``.bin``, ``.bin.gz``) or text (anything else, gz too)."""
    file = Path(path)
    if not file.is_file():
        raise PipelineError(f"embedding.path {file}: no such file; expected word2vec vectors (.bin, .bin.gz or text)")
    binary = is_binary_path(file)
    try:
        return KeyedVectors.load_word2vec_format(str(file), binary=binary, limit=limit)
    except (ValueError, UnicodeDecodeError, EOFError, OSError, IndexError) as exc:
        kind = "binary" if binary else "text"
        raise PipelineError(
            f"{file} is not a {kind} word2vec file (header '<words> <dim>', then one vector a word): {exc}"
        ) from exc


def build_embedding_matrix(
    words: Sequence[str],
    vectors: KeyedVectors | None,
    dim: int,
    seed: int,
) -> tuple[np.ndarray, int]:
    """Row i holds the vector of ``words[i]``; row 0 (<PAD>) is zeros.

    Words the vectors lack get seeded uniform random rows. Returns the matrix (float32) and
    how many of ``words`` were found in ``vectors``.
    """
    if vectors is not None and vectors.vector_size != dim:
        raise PipelineError(
            f"embedding.dim is {dim} but the word vectors have dimension {vectors.vector_size}; "
            "set embedding.dim to match"
        )
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-RANDOM_INIT_SCALE, RANDOM_INIT_SCALE, size=(len(words), dim)).astype(np.float32)
    matrix[0] = 0.0
    found = 0
    if vectors is not None:
        for index, word in enumerate(words):
            if index > 0 and word in vectors.key_to_index:
                matrix[index] = vectors[word]
                found += 1
    return matrix, found


def nearest_neighbors(
    vectors: KeyedVectors, probe_words: Iterable[str], topn: int
) -> dict[str, dict[str, float] | None]:
    """``similar_by_word`` for each probe (neighbour -> cosine similarity, closest first).

    None for probe words the vectors lack.
    """
    return {
        word: {other: round(float(score), 4) for other, score in vectors.similar_by_word(word, topn=topn)}
        if word in vectors.key_to_index
        else None
        for word in probe_words
    }
