"""Variable-length id sequences: packing, row selection, length statistics, padding and the validation split."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

Side = Literal["pre", "post"]


def pack(sequences: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Store ragged sequences as one flat int32 array plus int64 offsets (len + 1)."""
    lengths = np.fromiter((len(seq) for seq in sequences), dtype=np.int64, count=len(sequences))
    offsets = np.zeros(len(sequences) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.fromiter((i for seq in sequences for i in seq), dtype=np.int32, count=int(offsets[-1]))
    return flat, offsets


def unpack(flat: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    return [flat[start:end] for start, end in itertools.pairwise(offsets)]


def select_rows(ids: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The packed reviews at ``rows``, in that order, packed again."""
    starts, ends = offsets[rows], offsets[rows + 1]
    lengths = ends - starts
    new_offsets = np.zeros(rows.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    flat = np.concatenate([ids[s:e] for s, e in zip(starts, ends, strict=True)]) if rows.size else ids[:0]
    return flat, new_offsets


def keep_last_words(ids: np.ndarray, offsets: np.ndarray, count: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The packed reviews cut to their last ``count`` words (shorter reviews whole; None: all)."""
    if count is None:
        return ids, offsets
    lengths = np.diff(offsets)
    kept = np.minimum(lengths, count)
    new_offsets = np.concatenate([[0], np.cumsum(kept)]).astype(offsets.dtype)
    within = np.arange(new_offsets[-1]) - np.repeat(new_offsets[:-1], kept)
    return ids[np.repeat(offsets[1:] - kept, kept) + within], new_offsets


@dataclass(frozen=True)
class LengthStats:
    reviews: int
    mean: float
    std: float
    max: int
    maxlen: int
    maxlen_source: str
    coverage: float  # share of reviews no longer than maxlen

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def length_stats(lengths: np.ndarray, maxlen: int | Literal["auto"], std_factor: float) -> LengthStats:
    """The tutorial's rule: maxlen = int(mean + std_factor * std) unless given."""
    if lengths.size == 0:
        raise ValueError("no reviews to compute length statistics on")
    mean, std = float(np.mean(lengths)), float(np.std(lengths))
    chosen = int(mean + std_factor * std) if maxlen == "auto" else int(maxlen)
    if chosen <= 0:
        raise ValueError(f"maxlen must be positive, got {chosen}")
    return LengthStats(
        reviews=int(lengths.size),
        mean=round(mean, 4),
        std=round(std, 4),
        max=int(lengths.max()),
        maxlen=chosen,
        maxlen_source="auto" if maxlen == "auto" else "params",
        coverage=round(float(np.mean(lengths <= chosen)), 6),
    )


def length_histogram(lengths: np.ndarray, bin_width: int = 50) -> list[dict[str, int]]:
    """Review counts per length bin, as rows for ``dvc plots``."""
    edges = np.arange(0, int(lengths.max()) + bin_width + 1, bin_width)
    counts, _ = np.histogram(lengths, bins=edges)
    return [{"length": int(edge), "reviews": int(count)} for edge, count in zip(edges[:-1], counts, strict=True)]


def pad_sequences(
    sequences: Sequence[Sequence[int]] | Sequence[np.ndarray],
    maxlen: int,
    padding: Side = "pre",
    truncating: Side = "pre",
    value: int = 0,
) -> np.ndarray:
    """Same result as ``keras.utils.pad_sequences`` for int sequences, without TensorFlow."""
    if maxlen <= 0:
        raise ValueError(f"maxlen must be positive, got {maxlen}")
    for name, side in (("padding", padding), ("truncating", truncating)):
        if side not in ("pre", "post"):
            raise ValueError(f"{name} must be 'pre' or 'post', got {side!r}")
    out = np.full((len(sequences), maxlen), value, dtype=np.int32)
    for row, seq in enumerate(sequences):
        seq = np.asarray(seq, dtype=np.int32)
        if seq.size == 0:
            continue
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        if padding == "pre":
            out[row, maxlen - kept.size :] = kept
        else:
            out[row, : kept.size] = kept
    return out


def split_indices(n: int, val_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle 0..n-1 with ``seed`` and hold out the first ``val_size`` as validation.

    The train split is stored positive-then-negative, so holding out without a shuffle would
    give a one-class validation set.
    """
    if not 0 < val_size < n:
        raise ValueError(f"split.val_size must be between 1 and {n - 1} (the train size minus one), got {val_size}")
    order = np.random.default_rng(seed).permutation(n)
    return order[val_size:], order[:val_size]


def grouped_split_indices(groups: np.ndarray, val_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Hold out whole groups (movies), shuffled with ``seed``, until about ``val_size`` rows.

    IMDB's test reviews are of other movies than its train reviews; a validation split drawn
    by review shares movies with the train split and flatters models that remember titles and
    names. Groups are added in shuffled order while that brings the size closer to
    ``val_size``; rows within each split are shuffled too.
    """
    n = groups.size
    if not 0 < val_size < n:
        raise ValueError(f"split.val_size must be between 1 and {n - 1} (the train size minus one), got {val_size}")
    rng = np.random.default_rng(seed)
    _, group_of_row, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    order = rng.permutation(sizes.size)
    cumulative = np.cumsum(sizes[order])
    taken = int(np.searchsorted(cumulative, val_size))  # groups before the one that reaches val_size
    if taken == 0 or cumulative[taken] - val_size <= val_size - cumulative[taken - 1]:
        taken += 1
    if taken >= sizes.size:
        raise ValueError(f"split.val_size={val_size} would hold out every one of the {sizes.size} groups")
    is_val = np.isin(group_of_row, order[:taken])
    return rng.permutation(np.flatnonzero(~is_val)), rng.permutation(np.flatnonzero(is_val))
