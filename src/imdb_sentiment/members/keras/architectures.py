"""Keras models: the tutorial's three (lstm, cnn, gmp) and the accuracy-oriented ones.

Every model reads padded token ids and starts from an ``embedding`` layer whose weights are
set from the embedding matrix of the build_embedding stage. The deterministic .keras file
(saving, loading) is ``model_file``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers, ops

from imdb_sentiment.members.keras.nbsvm_arrays import (
    EMBEDDING_LAYER,
    NB_FEATURES,
    NB_RATIOS,
    NB_WEIGHTS,
    NGRAM_LAYER,
    OUTPUT_LAYER,
)
from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.pipeline.params import TrainParams


@keras.saving.register_keras_serializable(package="imdb_sentiment")
class HashedNgrams(layers.Layer):
    """Ids of the n-grams (n = 2..max_n) of each review, hashed into ``buckets``.

    An n-gram that touches <PAD> gets id 0, which the following masked Embedding ignores.
    Hashing happens inside the model, so evaluation and prediction feed plain token ids.
    """

    def __init__(self, vocab_size: int, buckets: int, max_n: int, offset: int = 0, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.buckets = buckets
        self.max_n = max_n
        self.offset = offset  # added to every valid id, to place n-grams after the words

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
            hashed = ops.mod(key, self.buckets - 1) + 1 + self.offset
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
            "offset": self.offset,
        }


@keras.saving.register_keras_serializable(package="imdb_sentiment")
class UniqueIds(layers.Layer):
    """Each row's ids sorted, with repeats replaced by 0: a binarised bag of features."""

    def call(self, ids):
        ordered = ops.sort(ids, axis=-1)
        repeated = ops.equal(ordered[:, 1:], ordered[:, :-1])
        rest = ops.where(repeated, ops.zeros_like(ordered[:, 1:]), ordered[:, 1:])
        return ops.concatenate([ordered[:, :1], rest], axis=1)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return input_shape


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
    ngram_ids = HashedNgrams(inp.vocab_size, f.buckets, f.max_n, name=NGRAM_LAYER)(inp.ids)
    ngrams = layers.Embedding(f.buckets, f.ngram_dim, mask_zero=True, name="ngram_embedding")(ngram_ids)
    x = layers.Concatenate()([unigrams, layers.GlobalAveragePooling1D()(ngrams)])
    return layers.Dropout(f.dropout)(x)


def build_nbsvm(inp: ModelInput, p: TrainParams) -> keras.KerasTensor:
    """NBSVM-style linear model on binarised word and n-gram features (Wang & Manning 2012).

    Each feature f present in a review adds r_f * w_f to the score: r_f is the naive-Bayes
    log-count ratio of f, fixed from the training labels by ``fit_feature_priors``, and w_f is
    learned. The mean word vector joins the score, so the word Embedding is trained too.
    """
    n = p.nbsvm
    tokens = inp.ids
    if n.max_n >= 2:
        ngrams = HashedNgrams(inp.vocab_size, n.buckets, n.max_n, offset=inp.vocab_size - 1, name=NGRAM_LAYER)(inp.ids)
        tokens = layers.Concatenate()([inp.ids, ngrams])
    features = UniqueIds(name=NB_FEATURES)(tokens)
    n_features = inp.vocab_size + n.buckets - 1
    ratios = layers.Embedding(n_features, 1, trainable=False, name=NB_RATIOS)(features)
    weights = layers.Embedding(
        n_features, 1, embeddings_initializer=keras.initializers.Constant(n.weight_init), name=NB_WEIGHTS
    )(features)
    score = layers.Flatten()(layers.Dot(axes=1)([ratios, weights]))
    words = layers.Dropout(n.dropout)(layers.GlobalAveragePooling1D()(inp.embedded))
    return layers.Concatenate()([score, words])


BUILDERS: dict[str, Callable[[ModelInput, TrainParams], keras.KerasTensor]] = {
    "lstm": build_lstm,
    "cnn": build_cnn,
    "gmp": build_gmp,
    "cnn_wide": build_cnn_wide,
    "fasttext": build_fasttext,
    "nbsvm": build_nbsvm,
}
# Averaging models must not count <PAD>; the tutorial's models see padding, as in the
# tutorial (that is why 'pre' beats 'post' for its LSTM).
MASKED_MODELS = frozenset({"fasttext", "nbsvm"})


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
    # Adam moves each weight by about the learning rate per step: word2vec's vectors (norm ~4)
    # barely change, where Keras' default initialisation (+-0.05) is reshaped within an epoch.
    # Scaled down, the vectors keep their geometry and are fine-tuned like a fresh embedding.
    embedding.set_weights([embedding_matrix * np.float32(p.settings.embedding_scale)])
    features = BUILDERS[p.model](ModelInput(ids, embedded, vocab_size), p)
    output = layers.Dense(1, activation="sigmoid", name=OUTPUT_LAYER)(features)
    model = keras.Model(ids, output, name=p.model)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=p.settings.learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def embedding_weights(model: keras.Model) -> np.ndarray:
    return np.asarray(model.get_layer(EMBEDDING_LAYER).get_weights()[0])


def fit_feature_priors(model: keras.Model, x: np.ndarray, y: np.ndarray, batch_size: int = 1024) -> None:
    """Set the naive-Bayes log-count ratios of an nbsvm model from training data; no-op otherwise."""
    if NB_RATIOS not in {layer.name for layer in model.layers}:
        return
    n_features = model.get_layer(NB_RATIOS).input_dim
    extract = keras.Model(model.input, model.get_layer(NB_FEATURES).output)
    counts = np.ones((2, n_features))  # add-one smoothing
    for start in range(0, len(x), batch_size):
        ids = np.asarray(extract(x[start : start + batch_size]))
        for label in (0, 1):
            present = ids[y[start : start + batch_size] == label].ravel()
            counts[label] += np.bincount(present, minlength=n_features)
    ratios = np.log(counts[1] / counts[1].sum()) - np.log(counts[0] / counts[0].sum())
    ratios[0] = 0.0  # id 0 is padding or a repeat: it must not count
    model.get_layer(NB_RATIOS).set_weights([ratios.astype(np.float32)[:, None]])
