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
from typing import TYPE_CHECKING, Any

import numpy as np

from imdb_sentiment.distributed.cluster import LocalRunner, Part, Runner, row_ranges, rows_label, run_parts
from imdb_sentiment.pipeline.io import PipelineError, load_npz, save_npz
from imdb_sentiment.text.sequences import keep_last_words

if TYPE_CHECKING:
    import scipy.sparse as sp

# Below this many n-gram keys, a binary search in a sorted table beats building (and importing
# pandas for) a hash index: a request of a few reviews needs neither.
SMALL_LOOKUP = 50_000

# base ** 3 must fit in an int64 key: vocabularies up to 2 million words for trigrams.
MAX_KEY = np.iinfo(np.int64).max
CHUNK_ROWS = 25_000  # reviews whose n-grams are keyed at once: about 1 GiB of int64 arrays for IMDB's lengths


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


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``values`` sorted, each once. Sort and mask, not a bare np.unique: numpy 2.4 answers that from
    a hash table, 8 s for 6 million int64 keys here against 0.1 s."""
    ordered = np.sort(values)
    first = np.ones(ordered.size, dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _unique_pairs(rows: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) pairs once each, sorted by row then key: binary presence, as NBSVM uses."""
    if rows.size == 0:
        return rows, keys
    span = int(keys.max()) + 1
    if int(keys.min()) >= 0 and int(rows.min()) >= 0 and (int(rows.max()) + 1) * span <= MAX_KEY:
        # One int64 per pair: sorting it is twenty times faster than a two-key lexsort.
        pairs = sorted_unique(rows.astype(np.int64) * span + keys)
        return pairs // span, pairs % span
    order = np.lexsort((keys, rows))
    rows, keys = rows[order], keys[order]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (keys[1:] != keys[:-1])
    return rows[first], keys[first]


def chunk(ids: np.ndarray, offsets: np.ndarray, first: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    return ids[offsets[first] : offsets[end]], offsets[first : end + 1] - offsets[first]


def packed_parts(ids: np.ndarray, offsets: np.ndarray, rows: int) -> list[Part]:
    """The packed reviews in consecutive parts of ``rows`` reviews, the tasks of a row-parallel step:
    each result is a sum over a part's own reviews, so it does not see the cut, and the memory
    follows the part."""
    return [
        Part(rows_label(first, end), chunk(ids, offsets, first, end))
        for first, end in row_ranges(offsets.size - 1, rows)
    ]


def _local(work: Runner | None) -> Runner:
    return work if work is not None else LocalRunner(CHUNK_ROWS)


def part_frequencies(
    packed: tuple[np.ndarray, np.ndarray], orders: int, base: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """A part's document frequencies of its 1..``orders``-grams: (sorted keys, counts) per order."""
    frequencies = []
    for order in range(1, orders + 1):
        _, keys = _unique_pairs(*ngram_keys(*packed, order, base))
        frequencies.append(np.unique(keys, return_counts=True))
    return frequencies


def _add_frequencies(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Parts' (keys, counts) summed: integers, so the sum is the same whatever the cut."""
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if len(parts) == 1:
        return parts[0]
    unique, position = np.unique(np.concatenate([keys for keys, _ in parts]), return_inverse=True)
    counts = np.zeros(unique.size, dtype=np.int64)
    np.add.at(counts, position, np.concatenate([df for _, df in parts]))
    return unique, counts


def document_frequencies(
    ids: np.ndarray, offsets: np.ndarray, orders: int, base: int, work: Runner | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Sorted keys of every n-gram of each order 1..``orders`` and the number of reviews each is found in."""
    work = _local(work)
    results = run_parts(
        work, part_frequencies, packed_parts(ids, offsets, work.partition_rows), {"orders": orders, "base": base}
    )
    return [_add_frequencies([result[order] for result in results]) for order in range(orders)]


def build_key_tables(
    ids: np.ndarray,
    offsets: np.ndarray,
    max_n: int,
    base: int,
    min_df: int,
    max_features: int | None = None,
    work: Runner | None = None,
) -> list[np.ndarray]:
    """Sorted keys of the 1..max_n-grams found in at least ``min_df`` reviews, one table per order;
    with ``max_features``, only that many of them: the most frequent, ties to the lower order,
    then the lower key."""
    keys, dfs = [], []
    for unique, df in document_frequencies(ids, offsets, max_n, base, work):
        kept = df >= min_df
        keys.append(unique[kept])
        dfs.append(df[kept])
    total = sum(table.size for table in keys)
    if max_features is None or total <= max_features:
        return keys
    orders = np.concatenate([np.full(table.size, order) for order, table in enumerate(keys)])
    all_keys, all_dfs = np.concatenate(keys), np.concatenate(dfs)
    ranked = np.lexsort((all_keys, orders, -all_dfs))[:max_features]
    chosen = np.zeros(total, dtype=bool)
    chosen[ranked] = True
    return [all_keys[chosen & (orders == order)] for order in range(len(keys))]


def key_positions(table: Any, keys: np.ndarray) -> np.ndarray:
    """Each key's position in ``table`` (-1 if absent): a pandas Index's hash lookup, or for a
    sorted array, a binary search when there are few keys and a hash index built here when not."""
    if isinstance(table, np.ndarray):
        if keys.size >= SMALL_LOOKUP:
            import pandas as pd

            return np.asarray(pd.Index(table).get_indexer(keys))
        if table.size == 0:
            return np.full(keys.size, -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(table, keys), table.size - 1)
        return np.where(table[pos] == keys, pos, -1)
    return np.asarray(table.get_indexer(keys))


def present_pairs(ids: np.ndarray, offsets: np.ndarray, tables: Sequence[Any], base: int) -> tuple[np.ndarray, int]:
    """Every known n-gram present in a review, each once: (review row, column) packed as
    ``row * n_columns + column`` (which always fits in an int64); and ``n_columns``.

    Hash lookups (pandas' Index) rather than binary search for many keys: millions of keys in
    random order against a table of a million would miss the cache at every step (``key_positions``).
    Looked up first and deduplicated after by sorting the packed pairs, one order at a time
    (their columns are disjoint).
    """
    n_columns = max(sum(table.size for table in tables), 1)
    pairs, start = [], 0
    for order, table in enumerate(tables, start=1):
        rows, keys = ngram_keys(ids, offsets, order, base)
        pos = key_positions(table, keys)
        known = pos >= 0
        pairs.append(sorted_unique(rows[known] * n_columns + pos[known] + start))
        start += table.size
    return (np.concatenate(pairs) if pairs else np.zeros(0, dtype=np.int64)), n_columns


def part_features(packed: tuple[np.ndarray, np.ndarray], lookups: Sequence[Any], base: int) -> sp.csr_matrix:
    """A part's reviews x n-grams presence matrix (float32 0/1)."""
    pairs, n_columns = present_pairs(*packed, lookups, base)
    # Row by row, columns ascending (CSR): the packed pairs sorted across the orders
    rows, cols = np.divmod(np.sort(pairs), n_columns)
    n_rows = packed[1].size - 1
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    data = np.ones(rows.size, dtype=np.float32)
    import scipy.sparse as sp

    return sp.csr_matrix((data, cols, indptr), shape=(n_rows, sum(t.size for t in lookups)))


def binary_features(
    ids: np.ndarray, offsets: np.ndarray, tables: list[np.ndarray], base: int, work: Runner | None = None
) -> sp.csr_matrix:
    """Reviews x n-grams presence matrix (float32 0/1); n-grams not in the tables are dropped.
    Built a part of reviews at a time: the same matrix, in the memory of one part's n-grams."""
    import pandas as pd
    import scipy.sparse as sp

    work = _local(work)
    lookups = [pd.Index(table) for table in tables]
    parts = run_parts(
        work, part_features, packed_parts(ids, offsets, work.partition_rows), {"lookups": lookups, "base": base}
    )
    if not parts:
        return sp.csr_matrix((0, sum(t.size for t in tables)), dtype=np.float32)
    return sp.vstack(parts, format="csr") if len(parts) > 1 else parts[0]


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

    def decision(self, ids: np.ndarray, offsets: np.ndarray, work: Runner | None = None) -> np.ndarray:
        """Log-odds that each review is positive: the sum of its present n-grams' weights."""
        ids, offsets = self.window(ids, offsets)
        work = _local(work)
        tasks = packed_parts(ids, offsets, work.partition_rows)
        scores = run_parts(work, part_decision, tasks, {"model": self})
        return (np.concatenate(scores) if scores else np.zeros(0)) + self.bias

    def predict(self, ids: np.ndarray, offsets: np.ndarray, work: Runner | None = None) -> np.ndarray:
        """Probability that each review is positive."""
        return 1.0 / (1.0 + np.exp(-self.decision(ids, offsets, work)))

    def __getstate__(self) -> dict[str, Any]:
        # Sent to workers without the hashed lookups: each worker builds them once, where it scores.
        return {key: value for key, value in self.__dict__.items() if key != "lookups"}

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
        if any(t.size > 1 and not bool(np.all(t[1:] > t[:-1])) for t in tables):
            raise PipelineError(f"{path}: its n-gram key tables are not sorted (not written by NgramModel.save)")
        return model


def part_decision(packed: tuple[np.ndarray, np.ndarray], model: NgramModel) -> np.ndarray:
    """A part's sums of present n-grams' weights, each review's own (bias not added)."""
    few = packed[0].size * len(model.tables) < SMALL_LOOKUP  # a request: no hash index needed
    pairs, n_columns = present_pairs(*packed, model.tables if few else model.lookups, model.base)
    rows, cols = np.divmod(pairs, n_columns)  # present_pairs' order: the float sums depend on it
    return np.bincount(rows, weights=model.weights[cols], minlength=packed[1].size - 1)


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
    max_features: int | None = None,
    work: Runner | None = None,
) -> NgramModel:
    """NB-weight binary 1..max_n-gram features, then L2 logistic regression (liblinear,
    deterministic); with ``last_words``, of each review's last that many words only."""
    from sklearn.linear_model import LogisticRegression

    ids, offsets = keep_last_words(ids, offsets, last_words)
    tables = build_key_tables(ids, offsets, max_n, base, min_df, max_features, work)
    x = binary_features(ids, offsets, tables, base, work)
    ratios = nb_log_count_ratios(x, y)
    classifier = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=0)
    classifier.fit(x.multiply(ratios).tocsr(), y)
    weights = (ratios * classifier.coef_.ravel()).astype(np.float32)
    return NgramModel(tables, weights, float(classifier.intercept_[0]), base, last_words)
