"""NB-weighted logistic regression on binary word n-grams (NBSVM, Wang & Manning 2012).

Works on the pipeline's encoded reviews (flat word ids + offsets). An n-gram is keyed
exactly, not hashed: ids are below ``base`` (the vocabulary size), so the n ids of an n-gram
are the digits of one int64 in base ``base``. Each order keeps its own sorted key table.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from imdb_sentiment.io import PipelineError, load_npz, save_npz
from imdb_sentiment.sequences import keep_last_words

# base ** 3 must fit in an int64 key: vocabularies up to 2 million words for trigrams.
MAX_KEY = np.iinfo(np.int64).max


def ngram_keys(ids: np.ndarray, offsets: np.ndarray, order: int, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Every ``order``-gram inside a review: (review row, int64 key); none spans two reviews."""
    if base**order > MAX_KEY:
        raise ValueError(f"{order}-grams over {base} ids do not fit in int64 keys")
    ids = ids.astype(np.int64, copy=False)
    rows = np.repeat(np.arange(offsets.size - 1), np.diff(offsets))
    count = max(ids.size - order + 1, 0)
    keys = np.zeros(count, dtype=np.int64)
    for j in range(order):
        keys = keys * base + ids[j : j + count]
    inside = rows[:count] == rows[order - 1 : order - 1 + count]
    return rows[:count][inside], keys[inside]


def _unique_pairs(rows: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) pairs once each: binary presence, as NBSVM uses."""
    order = np.lexsort((keys, rows))
    rows, keys = rows[order], keys[order]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (keys[1:] != keys[:-1])
    return rows[first], keys[first]


def build_key_tables(ids: np.ndarray, offsets: np.ndarray, max_n: int, base: int, min_df: int) -> list[np.ndarray]:
    """Sorted keys of the 1..max_n-grams found in at least ``min_df`` reviews, one table per order."""
    tables = []
    for order in range(1, max_n + 1):
        _, keys = _unique_pairs(*ngram_keys(ids, offsets, order, base))
        unique, df = np.unique(keys, return_counts=True)
        tables.append(unique[df >= min_df])
    return tables


def present_features(
    ids: np.ndarray, offsets: np.ndarray, tables: Sequence[Any], base: int
) -> tuple[np.ndarray, np.ndarray]:
    """(review row, column) of every known n-gram present in a review, each pair once.

    Hash lookups (pandas' Index) rather than binary search: millions of keys in random order
    against a table of a million would miss the cache at every step. Looked up first and
    deduplicated after, one order at a time (their columns are disjoint), by sorting
    row * columns + column, which always fits in an int64.
    """
    import pandas as pd

    n_columns = max(sum(table.size for table in tables), 1)
    pairs, start = [], 0
    for order, table in enumerate(tables, start=1):
        rows, keys = ngram_keys(ids, offsets, order, base)
        pos = (table if isinstance(table, pd.Index) else pd.Index(table)).get_indexer(keys)
        known = pos >= 0
        pair = np.sort(rows[known] * n_columns + pos[known] + start)
        first = np.ones(pair.size, dtype=bool)
        first[1:] = pair[1:] != pair[:-1]
        pairs.append(pair[first])
        start += table.size
    unique = np.concatenate(pairs) if pairs else np.zeros(0, dtype=np.int64)
    return unique // n_columns, unique % n_columns


def binary_features(ids: np.ndarray, offsets: np.ndarray, tables: list[np.ndarray], base: int) -> sp.csr_matrix:
    """Reviews x n-grams presence matrix (float32 0/1); n-grams not in the tables are dropped."""
    n_reviews = offsets.size - 1
    rows, cols = present_features(ids, offsets, tables, base)
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    indptr = np.zeros(n_reviews + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_reviews), out=indptr[1:])
    data = np.ones(rows.size, dtype=np.float32)
    return sp.csr_matrix((data, cols, indptr), shape=(n_reviews, sum(t.size for t in tables)))


def nb_log_count_ratios(x: sp.csr_matrix, y: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """r = log((p / |p|_1) / (q / |q|_1)), p and q the smoothed feature counts per class."""
    p = np.asarray(x[y == 1].sum(axis=0)).ravel() + alpha
    q = np.asarray(x[y == 0].sum(axis=0)).ravel() + alpha
    return (np.log(p / p.sum()) - np.log(q / q.sum())).astype(np.float32)


@dataclass
class NgramModel:
    """Key tables, one weight per n-gram (NB ratio x learned coefficient), and a bias; with
    ``last_words``, it reads only each review's last that many words."""

    tables: list[np.ndarray]
    weights: np.ndarray
    bias: float
    base: int
    last_words: int | None = None

    def window(self, ids: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The part of each review the model reads."""
        return keep_last_words(ids, offsets, self.last_words)

    @cached_property
    def lookups(self) -> list[Any]:
        """The tables as hashed pandas Indexes, built once: a request of one review stays cheap."""
        import pandas as pd

        return [pd.Index(table) for table in self.tables]

    def decision(self, ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Log-odds that each review is positive: the sum of its present n-grams' weights."""
        rows, cols = present_features(*self.window(ids, offsets), self.lookups, self.base)
        return np.bincount(rows, weights=self.weights[cols], minlength=offsets.size - 1) + self.bias

    def predict(self, ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Probability that each review is positive."""
        return 1.0 / (1.0 + np.exp(-self.decision(ids, offsets)))

    def save(self, path: str | os.PathLike[str]) -> None:
        arrays = {f"keys_{n}": table for n, table in enumerate(self.tables, start=1)}
        arrays |= {"weights": self.weights, "bias": np.array([self.bias]), "base": np.array([self.base])}
        if self.last_words is not None:
            arrays["last_words"] = np.array([self.last_words])
        save_npz(path, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NgramModel:
        data = load_npz(path)
        try:
            tables = [data[f"keys_{n}"] for n in range(1, 1 + sum(k.startswith("keys_") for k in data))]
            last = int(data["last_words"][0]) if "last_words" in data else None
            model = cls(tables, data["weights"], float(data["bias"][0]), int(data["base"][0]), last)
        except KeyError as exc:
            raise PipelineError(f"{path}: not an n-gram model (missing {exc})") from None
        if model.weights.size != sum(t.size for t in tables):
            raise PipelineError(f"{path}: {model.weights.size} weights for {sum(t.size for t in tables)} n-grams")
        return model


def fit_ngram_model(
    ids: np.ndarray,
    offsets: np.ndarray,
    y: np.ndarray,
    *,
    base: int,
    max_n: int,
    min_df: int,
    c: float,
    last_words: int | None = None,
) -> NgramModel:
    """NB-weight binary 1..max_n-gram features, then L2 logistic regression (liblinear,
    deterministic); with ``last_words``, of each review's last that many words only."""
    from sklearn.linear_model import LogisticRegression

    ids, offsets = keep_last_words(ids, offsets, last_words)
    tables = build_key_tables(ids, offsets, max_n, base, min_df)
    x = binary_features(ids, offsets, tables, base)
    ratios = nb_log_count_ratios(x, y)
    classifier = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=0)
    classifier.fit(x.multiply(ratios).tocsr(), y)
    weights = (ratios * classifier.coef_.ravel()).astype(np.float32)
    return NgramModel(tables, weights, float(classifier.intercept_[0]), base, last_words)
