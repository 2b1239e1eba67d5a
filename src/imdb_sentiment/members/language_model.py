"""Class-conditional n-gram language models: a generative ensemble member (Mesnil et al. 2014).

One language model per class over the reindexed word ids, with interpolated absolute
discounting (discount 0.75, Kneser-Ney's continuation counts for the unigrams). A review's
score is the log-likelihood ratio of the positive and negative models over every word that has
a full context (the ``<BOS>`` marker counts as context), plus the prior log-odds. Where the
discriminative members weigh which n-grams occur, this one weighs how likely each word is
after the words before it, so it errs elsewhere: that is its value in the ensemble.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from imdb_sentiment.members.ngrams import ngram_keys
from imdb_sentiment.pipeline.io import PipelineError, load_npz, save_npz
from imdb_sentiment.text.sequences import select_rows

# The log-likelihood ratio runs to hundreds of nats for a long review; scaled by 0.1 and held to
# +-16 (the log-odds of the 1e-7 the stacker clips probabilities at), it reads as a probability.
LLR_SCALE = 0.1
MAX_LOG_ODDS = 16.0


def _lookup(index: Any, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """values at each wanted key's place in ``index`` (a hashed pandas Index), 0 where absent."""
    at = index.get_indexer(wanted)
    found = (at >= 0).reshape(-1, *([1] * (values.ndim - 1)))
    return np.where(found, values[at], 0.0)


@dataclass
class LanguageModel:
    """N-gram counts of one class: ``keys[n - 1]`` the sorted n-gram keys, ``counts[n - 1]`` theirs."""

    keys: list[np.ndarray]
    counts: list[np.ndarray]
    base: int
    discount: float

    @classmethod
    def fit(cls, ids: np.ndarray, offsets: np.ndarray, order: int, base: int, discount: float) -> LanguageModel:
        keys, counts = [], []  # ngram_keys refuses an order whose keys would not fit in int64
        for n in range(1, order + 1):
            unique, count = np.unique(ngram_keys(ids, offsets, n, base)[1], return_counts=True)
            keys.append(unique)
            counts.append(count.astype(np.uint32))
        return cls(keys, counts, base, discount)

    @cached_property
    def lookups(self) -> list[Any]:
        """The n-gram tables as hashed pandas Indexes, built once: one hash probe per word scored
        instead of a binary search through millions of keys."""
        import pandas as pd

        return [pd.Index(keys) for keys in self.keys]

    @cached_property
    def contexts(self) -> list[tuple[Any, np.ndarray]]:
        """Per order >= 2: the contexts (hashed) and a row of each one's total count and how many
        words followed it."""
        import pandas as pd

        out = []
        for keys, counts in zip(self.keys[1:], self.counts[1:], strict=True):
            context, inverse = np.unique(keys // self.base, return_inverse=True)
            total = np.bincount(inverse, weights=counts.astype(np.float64))
            out.append((pd.Index(context), np.column_stack([total, np.bincount(inverse).astype(np.float64)])))
        return out

    @cached_property
    def continuation(self) -> np.ndarray:
        """P(word) from how many distinct words precede it (Kneser-Ney), add-0.5 smoothed."""
        before = self.keys[1] % self.base if len(self.keys) > 1 else self.keys[0]
        counts = np.bincount(before, minlength=self.base).astype(np.float64) + 0.5
        return counts / counts.sum()

    def log_probabilities(self, keys: np.ndarray) -> np.ndarray:
        """log P(last word | the words before it) for full-order n-gram keys."""
        order = len(self.keys)
        p = self.continuation[keys % self.base]
        for n in range(2, order + 1):
            ngram = keys % self.base**n
            context_keys, stats = self.contexts[n - 2]
            seen, followers = _lookup(context_keys, stats, ngram // self.base).T
            count = _lookup(self.lookups[n - 1], self.counts[n - 1], ngram)
            interpolated = (np.maximum(count - self.discount, 0) + self.discount * followers * p) / np.maximum(seen, 1)
            p = np.where(seen > 0, interpolated, p)
        return np.log(p)


@dataclass
class ClassLanguageModels:
    positive: LanguageModel
    negative: LanguageModel
    prior_log_odds: float

    @property
    def order(self) -> int:
        return len(self.positive.keys)

    def word_ratios(self, ids: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(review row, position of the word within its review, log P+ - log P-) per scored word."""
        rows, keys = ngram_keys(ids, offsets, self.order, self.positive.base)  # in order, row by row
        positions = np.arange(rows.size) - np.searchsorted(rows, rows) + self.order - 1
        ratios = self.positive.log_probabilities(keys) - self.negative.log_probabilities(keys)
        return rows, positions, ratios

    def decision(self, ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Log-odds that each review is positive."""
        rows, _, ratios = self.word_ratios(ids, offsets)
        return self.log_odds(np.bincount(rows, weights=ratios, minlength=offsets.size - 1))

    def log_odds(self, word_ratio_sums: np.ndarray) -> np.ndarray:
        """The log-likelihood ratio (the words' ratios plus the prior's), scaled and held to +-16."""
        return np.clip(LLR_SCALE * (word_ratio_sums + self.prior_log_odds), -MAX_LOG_ODDS, MAX_LOG_ODDS)

    def predict(self, ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Probability that each review is positive."""
        return 1.0 / (1.0 + np.exp(-self.decision(ids, offsets)))

    def save(self, path: str | os.PathLike[str]) -> None:
        arrays: dict[str, np.ndarray] = {}
        for label, model in (("positive", self.positive), ("negative", self.negative)):
            for n, (keys, counts) in enumerate(zip(model.keys, model.counts, strict=True), start=1):
                arrays |= {f"{label}_keys_{n}": keys, f"{label}_counts_{n}": counts}
        settings = [self.positive.base, self.positive.discount, self.prior_log_odds]
        save_npz(path, arrays | {"settings": np.array(settings, dtype=np.float64)})

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ClassLanguageModels:
        data = load_npz(path)
        try:
            base, discount, prior = (float(v) for v in data["settings"])
            order = sum(k.startswith("positive_keys_") for k in data)
            models = [
                LanguageModel(
                    [data[f"{label}_keys_{n}"] for n in range(1, order + 1)],
                    [data[f"{label}_counts_{n}"] for n in range(1, order + 1)],
                    int(base),
                    discount,
                )
                for label in ("positive", "negative")
            ]
        except (KeyError, ValueError) as exc:
            raise PipelineError(f"{path}: not a class language model file ({exc})") from None
        return cls(models[0], models[1], prior)


def fit_class_language_models(
    ids: np.ndarray, offsets: np.ndarray, labels: np.ndarray, *, base: int, order: int, discount: float
) -> ClassLanguageModels:
    """One language model per class from the labelled reviews (packed ids + offsets)."""
    positive_rows, negative_rows = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    if positive_rows.size == 0 or negative_rows.size == 0:
        raise PipelineError("class language models need reviews of both labels")
    positive = LanguageModel.fit(*select_rows(ids, offsets, positive_rows), order, base, discount)
    negative = LanguageModel.fit(*select_rows(ids, offsets, negative_rows), order, base, discount)
    return ClassLanguageModels(positive, negative, float(np.log(positive_rows.size / negative_rows.size)))
