"""The Keras NBSVM (``train.model=nbsvm``) as arrays that numpy scores, without TensorFlow.

The model is linear in what it reads. Its log-odds are

    k_nb * sum_f r_f * w_f  +  k_words . mean(word vectors)  +  b

over the distinct features f of the padded review (its word ids and hashed n-gram ids), and
since the mean and the dot product commute, the second term is the mean over its words of one
number per word, ``vector . k_words``. So two vectors and a bias hold the whole model:
``feature_weights[f] = k_nb * r_f * w_f`` and ``word_scores[word] = vector . k_words``. Stage
combine writes them into the ensemble instead of the .keras file (``members.KERAS``'s
``inference_form``); scoring them is float64, within 1e-6 of Keras' float32 probabilities
(checked there, and on the test reviews by ``bench/inference.py``).

The layer names are the ones ``models`` gives the Keras layers: they are defined here, where code
that never imports Keras finds them too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from imdb_sentiment.pipeline.io import PipelineError, load_npz, npz_bytes
from imdb_sentiment.text.preprocessing import Preprocessing
from imdb_sentiment.text.sequences import unpack
from imdb_sentiment.text.vocab import PAD_ID

# Layer names that other code looks layers up by (the export below, feature priors, explanations).
EMBEDDING_LAYER = "embedding"
NGRAM_LAYER = "ngrams"
NB_FEATURES = "nb_features"
NB_RATIOS = "nb_ratios"
NB_WEIGHTS = "nb_weights"
OUTPUT_LAYER = "positive"

# Padded rows per numpy pass: bounds the memory of the n-gram ids (about 14 KiB a row at maxlen 600).
SCORE_BATCH = 1024
_ARRAYS = ("feature_weights", "word_scores", "bias", "hashing")


def hashed_ngrams(padded: np.ndarray, vocab_size: int, buckets: int, max_n: int, offset: int) -> np.ndarray:
    """``models.HashedNgrams`` in numpy: the ids of each row's n-grams (n = 2..max_n), hashed into
    ``buckets`` and shifted by ``offset``; 0 where an n-gram touches <PAD>. Same int64 arithmetic."""
    ids = padded.astype(np.int64)
    length = ids.shape[1]
    per_n = []
    for n in range(2, max_n + 1):
        width = max(length - n + 1, 0)
        key = np.full((ids.shape[0], width), n, dtype=np.int64)
        valid = np.ones(key.shape, dtype=bool)
        for position in range(n):
            token = ids[:, position : position + width]
            key = key * vocab_size + token
            valid &= token > 0
        per_n.append(np.where(valid, np.mod(key, buckets - 1) + 1 + offset, 0))
    return np.concatenate(per_n, axis=1) if per_n else np.zeros((ids.shape[0], 0), dtype=np.int64)


@dataclass(frozen=True)
class LinearNbsvm:
    """The NBSVM's log-odds as ``feature_weights`` (one per word id and hashed n-gram id),
    ``word_scores`` (one per word id) and ``bias``; ``max_n`` < 2 means words only."""

    feature_weights: np.ndarray  # float64, [vocab_size + buckets - 1]; index 0 (padding) is unused
    word_scores: np.ndarray  # float64, [vocab_size]
    bias: float
    vocab_size: int
    buckets: int
    max_n: int

    @property
    def ngram_offset(self) -> int:
        return self.vocab_size - 1  # n-gram ids follow the word ids, as in models.build_nbsvm

    def ngram_ids(self, padded: np.ndarray) -> np.ndarray:
        if self.max_n < 2:
            return np.zeros((padded.shape[0], 0), dtype=np.int64)
        return hashed_ngrams(padded, self.vocab_size, self.buckets, self.max_n, self.ngram_offset)

    def log_odds_padded(self, padded: np.ndarray) -> np.ndarray:
        """Log-odds of padded rows (``Preprocessing.pad``'s), as the Keras model computes them."""
        out = np.empty(padded.shape[0], dtype=np.float64)
        for first in range(0, padded.shape[0], SCORE_BATCH):
            rows = padded[first : first + SCORE_BATCH]
            features = np.sort(np.concatenate([rows.astype(np.int64), self.ngram_ids(rows)], axis=1), axis=1)
            features[:, 1:][features[:, 1:] == features[:, :-1]] = 0  # a feature counts once (binary NB)
            nb = np.where(features > 0, self.feature_weights[features], 0.0).sum(axis=1)
            present = rows != PAD_ID
            words = np.where(present, self.word_scores[rows], 0.0).sum(axis=1)
            out[first : first + rows.shape[0]] = nb + words / np.maximum(present.sum(axis=1), 1) + self.bias
        return out

    def predict_padded(self, padded: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.log_odds_padded(padded)))

    def predict(self, ids: np.ndarray, offsets: np.ndarray, preprocessing: Preprocessing) -> np.ndarray:
        """Probability that each packed review is positive."""
        return self.predict_padded(preprocessing.pad_sequences(unpack(ids, offsets)))

    @classmethod
    def from_keras(cls, model: Any) -> LinearNbsvm:
        """The arrays of a trained Keras NBSVM (``models.build_nbsvm``)."""
        kernel, bias = (np.asarray(w, dtype=np.float64).ravel() for w in model.get_layer(OUTPUT_LAYER).get_weights())
        ratios = np.asarray(model.get_layer(NB_RATIOS).get_weights()[0], dtype=np.float64).ravel()
        weights = np.asarray(model.get_layer(NB_WEIGHTS).get_weights()[0], dtype=np.float64).ravel()
        embedding = np.asarray(model.get_layer(EMBEDDING_LAYER).get_weights()[0], dtype=np.float64)
        names = {layer.name for layer in model.layers}
        if NGRAM_LAYER in names:
            ngrams = model.get_layer(NGRAM_LAYER)
            buckets, max_n = int(ngrams.buckets), int(ngrams.max_n)
        else:
            buckets, max_n = ratios.size - embedding.shape[0] + 1, 1
        return cls(
            kernel[0] * ratios * weights, embedding @ kernel[1:], float(bias[0]), embedding.shape[0], buckets, max_n
        )

    def to_bytes(self) -> bytes:
        return npz_bytes(self.arrays())

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "feature_weights": self.feature_weights,
            "word_scores": self.word_scores,
            "bias": np.array([self.bias]),
            "hashing": np.array([self.vocab_size, self.buckets, self.max_n], dtype=np.int64),
        }

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LinearNbsvm:
        data = load_npz(path)
        missing = [name for name in _ARRAYS if name not in data]
        if missing:
            raise PipelineError(f"{path}: not an NBSVM's arrays (missing {', '.join(missing)})")
        vocab_size, buckets, max_n = (int(v) for v in data["hashing"])
        model = cls(data["feature_weights"], data["word_scores"], float(data["bias"][0]), vocab_size, buckets, max_n)
        if model.word_scores.size != vocab_size or model.feature_weights.size != vocab_size + buckets - 1:
            raise PipelineError(
                f"{path}: {model.feature_weights.size} feature weights and {model.word_scores.size} word scores "
                f"for a vocabulary of {vocab_size} and {buckets} buckets"
            )
        return model


def is_nbsvm(model: Any) -> bool:
    """Whether a Keras model is the NBSVM of ``models.build_nbsvm``."""
    return NB_RATIOS in {layer.name for layer in model.layers}
