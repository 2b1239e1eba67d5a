import numpy as np
import pytest

from imdb_sentiment.text.sequences import (
    grouped_split_indices,
    length_histogram,
    length_stats,
    pack,
    pad_sequences,
    split_indices,
    unpack,
)


def random_sequences(seed: int = 0, count: int = 50) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [list(rng.integers(1, 100, size=int(rng.integers(0, 30)))) for _ in range(count)]


def test_pack_unpack_round_trip() -> None:
    sequences = random_sequences()
    flat, offsets = pack(sequences)
    assert flat.dtype == np.int32 and offsets[-1] == sum(len(s) for s in sequences)
    assert [list(s) for s in unpack(flat, offsets)] == sequences


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("maxlen", [1, 10, 40])
def test_pad_sequences_matches_keras(padding: str, truncating: str, maxlen: int) -> None:
    keras = pytest.importorskip("keras")
    sequences = random_sequences(seed=maxlen)
    ours = pad_sequences(sequences, maxlen, padding, truncating)  # type: ignore[arg-type]
    theirs = keras.utils.pad_sequences(sequences, maxlen=maxlen, padding=padding, truncating=truncating)
    assert ours.dtype == np.int32
    np.testing.assert_array_equal(ours, theirs)


def test_pad_sequences_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="maxlen"):
        pad_sequences([[1]], 0)
    with pytest.raises(ValueError, match="padding"):
        pad_sequences([[1]], 3, padding="middle")  # type: ignore[arg-type]


def test_length_stats_auto_maxlen() -> None:
    lengths = np.array([10, 20, 30, 40, 1000])
    stats = length_stats(lengths, "auto", 2.0)
    expected = int(lengths.mean() + 2 * lengths.std())
    assert stats.maxlen == expected and stats.max == 1000 and stats.reviews == 5
    assert stats.coverage == pytest.approx(np.mean(lengths <= expected))
    assert stats.mean == pytest.approx(220.0)


def test_length_stats_fixed_maxlen() -> None:
    stats = length_stats(np.array([5, 10, 15]), 10, 2.0)
    assert stats.maxlen == 10 and stats.maxlen_source == "params"
    assert stats.coverage == pytest.approx(2 / 3, abs=1e-6)


def test_length_histogram_counts_every_review() -> None:
    lengths = np.array([1, 49, 50, 120])
    rows = length_histogram(lengths, bin_width=50)
    assert sum(r["reviews"] for r in rows) == 4
    assert rows[0] == {"length": 0, "reviews": 2}


def test_split_is_a_seeded_partition() -> None:
    train, val = split_indices(100, 30, seed=1)
    assert len(val) == 30 and len(train) == 70
    assert sorted([*train, *val]) == list(range(100))
    _again_train, again_val = split_indices(100, 30, seed=1)
    np.testing.assert_array_equal(val, again_val)
    assert not np.array_equal(val, split_indices(100, 30, seed=2)[1])


def test_split_shuffles_a_positive_then_negative_train_set() -> None:
    labels = np.array([1] * 500 + [0] * 500)
    _, val = split_indices(labels.size, 200, seed=0)
    assert 0.4 < labels[val].mean() < 0.6


@pytest.mark.parametrize("val_size", [0, -1, 100, 101])
def test_split_rejects_impossible_sizes(val_size: int) -> None:
    with pytest.raises(ValueError, match=r"split\.val_size"):
        split_indices(100, val_size, seed=0)


def test_grouped_split_holds_out_whole_movies_near_the_asked_size() -> None:
    rng = np.random.default_rng(0)
    movies = np.array([f"tt{m}" for m in rng.integers(0, 300, size=3000)])
    train, val = grouped_split_indices(movies, 1000, seed=3)
    assert sorted([*train, *val]) == list(range(3000))
    assert not set(movies[train]) & set(movies[val])  # no movie on both sides
    assert abs(val.size - 1000) <= 30  # within one movie's size of the asked number
    np.testing.assert_array_equal(val, grouped_split_indices(movies, 1000, seed=3)[1])
    assert not np.array_equal(np.sort(val), np.sort(grouped_split_indices(movies, 1000, seed=4)[1]))


def test_grouped_split_shuffles_rows_within_each_side() -> None:
    movies = np.repeat(np.arange(100).astype(str), 10)
    train, val = grouped_split_indices(movies, 300, seed=0)
    assert val.size == 300 and train.size == 700
    assert not np.all(np.diff(val) > 0) and not np.all(np.diff(train) > 0)


@pytest.mark.parametrize("val_size", [0, 1000])
def test_grouped_split_rejects_impossible_sizes(val_size: int) -> None:
    with pytest.raises(ValueError, match=r"split\.val_size"):
        grouped_split_indices(np.repeat(np.arange(100).astype(str), 10), val_size, seed=0)


def test_grouped_split_cannot_hold_out_every_movie() -> None:
    with pytest.raises(ValueError, match="every one of the 2 groups"):
        grouped_split_indices(np.array(["a"] * 5 + ["b"] * 5), 8, seed=0)
