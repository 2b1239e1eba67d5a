"""Keras models: the tutorial's three (lstm, cnn, gmp) and the accuracy-oriented ones.

Every model reads padded token ids and starts from an ``embedding`` layer whose weights are
set from the embedding matrix of the build_embedding stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers, ops

from imdb_sentiment.io import PipelineError
from imdb_sentiment.params import TrainParams

EMBEDDING_LAYER = "embedding"


@keras.saving.register_keras_serializable(package="imdb_sentiment")
class HashedNgrams(layers.Layer):
    """Ids of the n-grams (n = 2..max_n) of each review, hashed into ``buckets``.

    An n-gram that touches <PAD> gets id 0, which the following masked Embedding ignores.
    Hashing happens inside the model, so evaluation and prediction feed plain token ids.
    """

    def __init__(self, vocab_size: int, buckets: int, max_n: int, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.buckets = buckets
        self.max_n = max_n

    def call(self, ids):
        ids = ops.cast(ids, "int64")
        length = ids.shape[1]
        per_n = []
        for n in range(2, self.max_n + 1):
            key = ops.zeros_like(ids[:, : length - n + 1]) + n  # n itself keeps 2- and 3-grams apart
            valid = ops.ones_like(key, dtype="bool")
            for offset in range(n):
                token = ids[:, offset : length - n + 1 + offset]
                key = key * self.vocab_size + token
                valid = ops.logical_and(valid, token > 0)
            hashed = ops.mod(key, self.buckets - 1) + 1
            per_n.append(ops.where(valid, hashed, 0))
        return ops.cast(ops.concatenate(per_n, axis=1), "int32")

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        length = input_shape[1]
        total = None if length is None else sum(length - n + 1 for n in range(2, self.max_n + 1))
        return (input_shape[0], total)

    def get_config(self) -> dict[str, object]:
        return {
            **super().get_config(),
            "vocab_size": self.vocab_size,
            "buckets": self.buckets,
            "max_n": self.max_n,
        }


@dataclass(frozen=True)
class ModelInput:
    """What every builder gets: the raw ids, their embedding, and the vocabulary size."""

    ids: keras.KerasTensor
    embedded: keras.KerasTensor
    vocab_size: int


def build_lstm(inp: ModelInput, p: TrainParams) -> keras.KerasTensor:
    rnn = layers.LSTM(p.lstm.units)
    x = layers.Bidirectional(rnn)(inp.embedded) if p.lstm.bidirectional else rnn(inp.embedded)
    return layers.Dense(p.lstm.dense_units, activation="relu")(x)


def build_cnn(inp: ModelInput, p: TrainParams) -> keras.KerasTensor:
    c = p.cnn
    shortest = (c.kernel_size - 1) + c.pool_size * c.kernel_size
    if inp.ids.shape[1] < shortest:
        raise PipelineError(
            f"train.model=cnn with kernel_size {c.kernel_size} and pool_size {c.pool_size} needs reviews "
            f"padded to at least {shortest} ids, but maxlen is {inp.ids.shape[1]}"
        )
    x = layers.Conv1D(c.filters, c.kernel_size, activation="relu")(inp.embedded)
    x = layers.MaxPooling1D(c.pool_size)(x)
    x = layers.Conv1D(c.filters, c.kernel_size, activation="relu")(x)
    x = layers.GlobalMaxPooling1D()(x)
    return layers.Dense(c.dense_units, activation="relu")(x)


def build_gmp(inp: ModelInput, p: TrainParams) -> keras.KerasTensor:
    x = layers.GlobalMaxPooling1D()(inp.embedded)
    return layers.Dense(p.gmp.dense_units, activation="relu")(x)


def build_cnn_wide(inp: ModelInput, p: TrainParams) -> keras.KerasTensor:
    c = p.cnn_wide
    x = layers.SpatialDropout1D(c.dropout)(inp.embedded)
    pooled = [
        layers.GlobalMaxPooling1D()(layers.Conv1D(c.filters, size, activation="relu")(x)) for size in c.kernel_sizes
    ]
    x = layers.Concatenate()(pooled) if len(pooled) > 1 else pooled[0]
    x = layers.Dropout(c.dropout)(x)
    return layers.Dense(c.dense_units, activation="relu")(x)


def build_fasttext(inp: ModelInput, p: TrainParams) -> keras.KerasTensor:
    """fastText-style bag of n-grams: the mean word vector beside the mean hashed n-gram vector."""
    f = p.fasttext
    unigrams = layers.GlobalAveragePooling1D()(inp.embedded)  # the embedding masks <PAD>
    if f.max_n < 2:
        return layers.Dropout(f.dropout)(unigrams)
    ngram_ids = HashedNgrams(inp.vocab_size, f.buckets, f.max_n, name="ngrams")(inp.ids)
    ngrams = layers.Embedding(f.buckets, f.ngram_dim, mask_zero=True, name="ngram_embedding")(ngram_ids)
    x = layers.Concatenate()([unigrams, layers.GlobalAveragePooling1D()(ngrams)])
    return layers.Dropout(f.dropout)(x)


BUILDERS: dict[str, Callable[[ModelInput, TrainParams], keras.KerasTensor]] = {
    "lstm": build_lstm,
    "cnn": build_cnn,
    "gmp": build_gmp,
    "cnn_wide": build_cnn_wide,
    "fasttext": build_fasttext,
}
# Averaging models must not count <PAD>; the tutorial's models see padding, as in the
# tutorial (that is why 'pre' beats 'post' for its LSTM).
MASKED_MODELS = frozenset({"fasttext"})


def build_model(p: TrainParams, embedding_matrix: np.ndarray, maxlen: int) -> keras.Model:
    """Compile ``p.model`` on an Embedding initialised from ``embedding_matrix``."""
    vocab_size, dim = embedding_matrix.shape
    ids = keras.Input(shape=(maxlen,), dtype="int32", name="token_ids")
    embedding = layers.Embedding(
        vocab_size,
        dim,
        trainable=p.trainable_embedding,
        mask_zero=p.model in MASKED_MODELS,
        name=EMBEDDING_LAYER,
    )
    embedded = embedding(ids)
    # Set after building: a Constant initialiser would copy the whole matrix into the config.
    embedding.set_weights([embedding_matrix])
    features = BUILDERS[p.model](ModelInput(ids, embedded, vocab_size), p)
    output = layers.Dense(1, activation="sigmoid", name="positive")(features)
    model = keras.Model(ids, output, name=p.model)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=p.learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def embedding_weights(model: keras.Model) -> np.ndarray:
    return np.asarray(model.get_layer(EMBEDDING_LAYER).get_weights()[0])
