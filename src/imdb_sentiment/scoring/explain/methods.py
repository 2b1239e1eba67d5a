"""One explainer per kind of model, each giving an ``Attribution`` of one review's log-odds.

- ``NgramExplainer`` (the n-gram members, ngrams and ending) and ``NbsvmExplainer`` (the Keras NBSVM) are exact:
  both models are linear in their features, so each present feature's weight is its share.
- ``LanguageModelExplainer`` (the class language models) is exact too: the score is a sum over
  words of each word's log-likelihood ratio given the words before it.
- ``IntegratedGradientsExplainer`` for the tutorial's models (lstm, cnn, gmp, cnn_wide), whose
  layers after the embedding read nothing else: each word vector's integrated gradient from a
  review of nothing but padding (Sundararajan et al. 2017). Leaving one word out (occlusion)
  misleads on these: under max pooling a second positive word takes over, and "great" seems
  not to matter.
- ``OcclusionExplainer`` suits any other Keras model (fasttext, whose n-grams read the ids): a
  word's share is how much the log-odds drop when every occurrence of it is left out.

``ids`` is one review encoded as the pipeline does (``<BOS>`` then a word id per token, before
padding); positions count from that ``<BOS>`` as 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from imdb_sentiment.members.keras.nbsvm_arrays import EMBEDDING_LAYER, OUTPUT_LAYER, LinearNbsvm, is_nbsvm
from imdb_sentiment.members.kinds import Member
from imdb_sentiment.members.language_model import ClassLanguageModels
from imdb_sentiment.members.ngrams import NgramModel, key_positions, ngram_keys
from imdb_sentiment.scoring.explain.attribution import Attribution, Feature, spread, term_text
from imdb_sentiment.text.preprocessing import Preprocessing
from imdb_sentiment.text.vocab import BOS_ID, PAD_ID

NGRAM_METHOD = "exact: each present n-gram's weight (NB log-count ratio x learned coefficient)"
NBSVM_METHOD = "exact: each present feature's NB ratio x learned weight, plus its words' word-vector part"
LM_METHOD = "exact: each word's log-likelihood ratio under the two class language models, given the words before it"
OCCLUSION_METHOD = "occlusion: the drop in log-odds when each word is left out of the review"
IG_STEPS = 32
IG_METHOD = f"integrated gradients: each word vector's, from an all-<PAD> review in {IG_STEPS} steps"


def padded_positions(n_ids: int, preprocessing: Preprocessing) -> np.ndarray:
    """For each padded slot, the review position it holds (-1 for padding)."""
    return preprocessing.pad_sequences([np.arange(1, n_ids + 1)])[0] - 1


class MemberExplainer(Protocol):
    """What the ensemble's explainer asks of each member's."""

    method: str

    def attribute(self, ids: np.ndarray, preprocessing: Preprocessing, words: Sequence[str]) -> Attribution: ...


class NgramExplainer:
    method = NGRAM_METHOD

    def __init__(self, model: NgramModel) -> None:
        self.model = model

    def attribute(self, ids: np.ndarray, preprocessing: Preprocessing, words: Sequence[str]) -> Attribution:
        read, _ = self.model.window(ids, np.array([0, ids.size], dtype=np.int64))
        skipped = ids.size - read.size  # with last_words, the words before the ones the model reads
        offsets = np.array([0, read.size], dtype=np.int64)
        features: dict[int, Feature] = {}
        first_column = 0
        for order, table in enumerate(self.model.tables, start=1):
            _, keys = ngram_keys(read, offsets, order, self.model.base)  # keys[j]: the n-gram starting at j
            columns = key_positions(table, keys)
            for start in np.flatnonzero(columns >= 0):
                column = first_column + int(columns[start])
                weight = float(self.model.weights[column])
                features.setdefault(column, (weight, term_text(read[start : start + order], words), []))[2].append(
                    (skipped + int(start), order)
                )
            first_column += table.size
        terms, positions = spread(features.values(), ids.size)
        return Attribution(self.model.bias, terms, positions, self.method)


class LanguageModelExplainer:
    method = LM_METHOD

    def __init__(self, model: ClassLanguageModels) -> None:
        self.model = model

    def attribute(self, ids: np.ndarray, preprocessing: Preprocessing, words: Sequence[str]) -> Attribution:
        offsets = np.array([0, ids.size], dtype=np.int64)
        _, positions, ratios = self.model.word_ratios(ids, offsets)
        llr = float(ratios.sum()) + self.model.prior_log_odds
        log_odds = float(self.model.log_odds(np.array([ratios.sum()]))[0])
        scale = log_odds / llr if llr else 0.0  # the model's own scale; smaller where it holds a review to +-16
        features = [
            (scale * float(ratio), term_text([ids[position]], words), [(int(position), 1)])
            for position, ratio in zip(positions, ratios, strict=True)
        ]
        terms, spread_positions = spread(features, ids.size)
        return Attribution(scale * self.model.prior_log_odds, terms, spread_positions, self.method)


class NbsvmExplainer:
    """score = sum_f feature_weight_f + mean(word scores) + bias, over the distinct features f
    (words and hashed n-grams) of the padded review (``nbsvm.LinearNbsvm``): the NBSVM member,
    whether the ensemble holds it as arrays or as the Keras model."""

    method = NBSVM_METHOD

    def __init__(self, model: LinearNbsvm) -> None:
        self.model = model

    def word_part(self, feature: int, count: int, n_words: int) -> float:
        """A word's share of the mean word vector's score; 0 for an n-gram (ids past the words)."""
        scores = self.model.word_scores
        return float(count * scores[feature] / n_words) if feature < scores.size else 0.0

    def attribute(self, ids: np.ndarray, preprocessing: Preprocessing, words: Sequence[str]) -> Attribution:
        row = preprocessing.pad_sequences([ids])[0]
        positions = padded_positions(ids.size, preprocessing)
        present = np.flatnonzero(row != PAD_ID)
        occurrences: dict[int, list[tuple[int, int]]] = {}  # feature id -> (start slot, n) of each
        for slot in present:
            occurrences.setdefault(int(row[slot]), []).append((int(slot), 1))
        ngram_ids = self.model.ngram_ids(row[None, :])[0]
        offset = 0
        for n in range(2, self.model.max_n + 1):
            count = row.size - n + 1
            for start in np.flatnonzero(ngram_ids[offset : offset + count]):
                occurrences.setdefault(int(ngram_ids[offset + start]), []).append((int(start), n))
            offset += count
        # a distinct feature counts once (binary NB); a word's vector counts at each occurrence
        features = [
            (
                float(self.model.feature_weights[feature]) + self.word_part(feature, len(found), present.size),
                term_text(row[found[0][0] : found[0][0] + found[0][1]], words),
                [(int(positions[start]), n) for start, n in found],
            )
            for feature, found in occurrences.items()
        ]
        terms, spread_positions = spread(features, ids.size)
        return Attribution(self.model.bias, terms, spread_positions, self.method)


class KerasExplainer:
    """Shared by the Keras explainers: the model's log-odds (the output layer before its sigmoid)."""

    def __init__(self, model: Any) -> None:
        import keras  # only where a Keras model is explained

        self.model = model
        output = model.get_layer(OUTPUT_LAYER)
        kernel, bias = output.get_weights()
        self.kernel, self.bias = kernel.ravel().astype(np.float64), float(bias[0])
        self.features = keras.Model(model.input, output.input)

    def log_odds(self, padded: np.ndarray, batch_size: int = 256) -> np.ndarray:
        parts = [
            np.asarray(self.features(padded[i : i + batch_size], training=False))
            for i in range(0, len(padded), batch_size)
        ]
        return np.concatenate(parts).astype(np.float64) @ self.kernel + self.bias


class OcclusionExplainer(KerasExplainer):
    method = OCCLUSION_METHOD

    def attribute(self, ids: np.ndarray, preprocessing: Preprocessing, words: Sequence[str]) -> Attribution:
        seen = padded_positions(ids.size, preprocessing)
        seen = seen[seen >= 0]  # the positions inside maxlen: only their words can matter
        distinct = np.unique(ids[seen])
        distinct = distinct[distinct != BOS_ID]
        variants = [ids] + [ids[ids != word] for word in distinct]
        log_odds = self.log_odds(preprocessing.pad_sequences(variants))
        drops = log_odds[0] - log_odds[1:]
        features = [
            (float(drop), term_text([word], words), [(int(p), 1) for p in seen[ids[seen] == word]])
            for word, drop in zip(distinct, drops, strict=True)
        ]
        terms, positions = spread(features, ids.size)
        return Attribution(float(log_odds[0] - drops.sum()), terms, positions, self.method)


class IntegratedGradientsExplainer(KerasExplainer):
    """Attributions along the straight path from the all-<PAD> review's embedding to the
    review's (midpoint rule): they add up to log-odds(review) - log-odds(all padding)."""

    method = IG_METHOD

    def __init__(self, model: Any) -> None:
        import keras

        super().__init__(model)
        embedding = model.get_layer(EMBEDDING_LAYER)
        # raises ValueError where a later layer also reads the ids: such a model is not for this method
        self.head = keras.Model(embedding.output, model.get_layer(OUTPUT_LAYER).input)
        self.vectors = np.asarray(embedding.get_weights()[0])

    def attribute(self, ids: np.ndarray, preprocessing: Preprocessing, words: Sequence[str]) -> Attribution:
        import tensorflow as tf

        row = preprocessing.pad_sequences([ids])[0]
        review, baseline = self.vectors[row], self.vectors[np.zeros_like(row)]
        alphas = (np.arange(IG_STEPS, dtype=np.float32) + 0.5) / IG_STEPS
        path = tf.constant(baseline[None] + alphas[:, None, None] * (review - baseline)[None])
        kernel = tf.constant(self.kernel[:, None], tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(path)
            log_odds = tf.matmul(self.head(path, training=False), kernel)
        gradients = tape.gradient(log_odds, path).numpy().mean(axis=0)
        per_slot = ((review - baseline) * gradients).sum(axis=1).astype(np.float64)
        positions = padded_positions(ids.size, preprocessing)
        features = [
            (float(per_slot[slot]), term_text([row[slot]], words), [(int(positions[slot]), 1)])
            for slot in np.flatnonzero(row != PAD_ID)
        ]
        terms, spread_positions = spread(features, ids.size)
        total = float(self.log_odds(row[None])[0])
        return Attribution(total - spread_positions.sum(), terms, spread_positions, self.method)


def keras_explainer(model: Any) -> MemberExplainer:
    """The exact method for the NBSVM, integrated gradients where the layers after the embedding
    read nothing else, occlusion for the rest."""
    if is_nbsvm(model):
        return NbsvmExplainer(LinearNbsvm.from_keras(model))
    try:
        return IntegratedGradientsExplainer(model)
    except ValueError:
        return OcclusionExplainer(model)


def member_explainer(member: Member) -> MemberExplainer:
    """The explainer the member registry names for the member's kind."""
    factory: Callable[[Any], MemberExplainer] = globals()[member.kind.explainer]
    return factory(member.model)
