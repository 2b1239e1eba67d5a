"""Export a trained embedding as word2vec text vectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gensim.models import KeyedVectors

from imdb_sentiment.text.vocab import SPECIAL_TOKENS
from imdb_sentiment.vectors.embeddings import keyed_vectors


def embedding_to_keyed_vectors(words: Sequence[str], matrix: np.ndarray) -> KeyedVectors:
    """The rows of an embedding matrix as gensim vectors, without <PAD>/<BOS>/<UNK>/<UNUSED>."""
    if len(words) != matrix.shape[0]:
        raise ValueError(f"{len(words)} words but the embedding has {matrix.shape[0]} rows")
    keep = [i for i, word in enumerate(words) if word not in SPECIAL_TOKENS]
    return keyed_vectors([words[i] for i in keep], matrix[keep].astype(np.float32))
