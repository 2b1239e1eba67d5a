"""The n-gram member: exact keys, binary features, NB ratios, a model that learns and round-trips."""

from pathlib import Path

import numpy as np
import pytest

from imdb_sentiment.members import ngrams
from imdb_sentiment.members.ngrams import (
    NgramModel,
    binary_features,
    build_key_tables,
    fit_ngram_model,
    nb_log_count_ratios,
    ngram_keys,
)
from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.text.sequences import keep_last_words, pack, select_rows


def test_keys_never_span_two_reviews() -> None:
    ids, offsets = pack([[1, 5, 6], [1, 7]])
    rows, keys = ngram_keys(ids, offsets, 2, base=10)
    assert rows.tolist() == [0, 0, 1] and keys.tolist() == [15, 56, 17]
    rows, keys = ngram_keys(ids, offsets, 3, base=10)
    assert rows.tolist() == [0] and keys.tolist() == [156]


def test_keys_refuse_a_base_that_overflows() -> None:
    ids, offsets = pack([[1, 2, 3]])
    with pytest.raises(ValueError, match="int64"):
        ngram_keys(ids, offsets, 3, base=3_000_000)


@pytest.mark.parametrize("largest_key", [50, 2**62])  # packed into one int64 / too large: lexsort
def test_unique_pairs_are_each_row_and_key_once_sorted(largest_key: int) -> None:
    rng = np.random.default_rng(0)
    rows = np.sort(rng.integers(0, 40, 5_000))
    keys = rng.integers(0, largest_key, 5_000, dtype=np.int64)
    unique_rows, unique_keys = ngrams._unique_pairs(rows, keys)
    expected = sorted(set(zip(rows.tolist(), keys.tolist(), strict=True)))
    assert list(zip(unique_rows.tolist(), unique_keys.tolist(), strict=True)) == expected


def test_features_are_binary_and_skip_unknown_ngrams() -> None:
    ids, offsets = pack([[1, 4, 4, 4], [1, 5]])
    tables = build_key_tables(ids, offsets, max_n=2, base=10, min_df=1)
    assert tables[0].tolist() == [1, 4, 5] and tables[1].tolist() == [14, 15, 44]
    x = binary_features(*pack([[1, 4, 4, 9]]), tables, base=10)
    assert x.shape == (1, 6) and x.toarray().tolist() == [[1, 1, 0, 1, 0, 1]]  # 4 once; 9 and 49 unknown


def test_min_df_drops_rare_ngrams() -> None:
    ids, offsets = pack([[1, 4], [1, 4], [1, 5]])
    tables = build_key_tables(ids, offsets, max_n=2, base=10, min_df=2)
    assert tables[0].tolist() == [1, 4] and tables[1].tolist() == [14]


def test_max_features_keeps_the_most_frequent_ties_to_the_lower_order_then_key() -> None:
    ids, offsets = pack([[1, 4, 5], [1, 4, 6], [1, 7]])
    # df: 1 -> 3, 4 -> 2, then 5, 6, 7, 14 (bigram 1 4: 2), 45, 46, 17 once
    tables = build_key_tables(ids, offsets, max_n=2, base=10, min_df=1, max_features=4)
    assert tables[0].tolist() == [1, 4, 5] and tables[1].tolist() == [14]
    uncapped = build_key_tables(ids, offsets, max_n=2, base=10, min_df=1, max_features=9)  # all 9 fit
    assert [t.tolist() for t in uncapped] == [[1, 4, 5, 6, 7], [14, 17, 45, 46]]


def test_chunks_of_reviews_give_the_same_tables_and_features(monkeypatch: pytest.MonkeyPatch) -> None:
    """The n-gram work goes a chunk of reviews at a time; where the chunks are cut changes nothing."""
    import imdb_sentiment.members.ngrams as ngrams

    ids, offsets, labels = synthetic(300, seed=4)
    whole_tables = build_key_tables(ids, offsets, max_n=3, base=50, min_df=2, max_features=500)
    whole = binary_features(ids, offsets, whole_tables, base=50)
    model = fit_ngram_model(ids, offsets, labels, base=50, max_n=3, min_df=2, c=1.0, max_features=500)
    scores = model.decision(ids, offsets)
    monkeypatch.setattr(ngrams, "CHUNK_ROWS", 7)
    assert np.array_equal(model.decision(ids, offsets), scores)
    tables = build_key_tables(ids, offsets, max_n=3, base=50, min_df=2, max_features=500)
    assert all(np.array_equal(a, b) for a, b in zip(tables, whole_tables, strict=True))
    chunked = binary_features(ids, offsets, tables, base=50)
    assert (chunked != whole).nnz == 0 and chunked.shape == whole.shape and chunked.dtype == whole.dtype


def test_nb_ratios_sign_follows_the_class() -> None:
    ids, offsets = pack([[2], [2], [3]])
    tables = build_key_tables(ids, offsets, max_n=1, base=10, min_df=1)
    ratios = nb_log_count_ratios(binary_features(ids, offsets, tables, 10), np.array([1, 1, 0]))
    assert ratios[0] > 0 > ratios[1]


def synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reviews of neutral ids 10..49 with one label-bearing bigram: (20, 21) positive, (21, 20) negative."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    reviews = []
    for label in labels:
        words = list(rng.integers(10, 50, 12))
        words[5:5] = [20, 21] if label else [21, 20]
        reviews.append([1, *words])
    ids, offsets = pack(reviews)
    return ids, offsets, labels


def test_the_model_learns_word_order_from_bigrams(tmp_path: Path) -> None:
    ids, offsets, labels = synthetic(400, seed=0)
    model = fit_ngram_model(ids, offsets, labels, base=50, max_n=2, min_df=1, c=1.0)
    test_ids, test_offsets, test_labels = synthetic(200, seed=1)
    assert np.mean((model.predict(test_ids, test_offsets) >= 0.5) == test_labels) > 0.95
    model.save(tmp_path / "ngrams.npz")
    loaded = NgramModel.load(tmp_path / "ngrams.npz")
    np.testing.assert_array_equal(loaded.predict(test_ids, test_offsets), model.predict(test_ids, test_offsets))
    unigrams = fit_ngram_model(ids, offsets, labels, base=50, max_n=1, min_df=1, c=1.0)
    assert np.mean((unigrams.predict(test_ids, test_offsets) >= 0.5) == test_labels) < 0.75  # order is invisible


def test_select_rows_keeps_the_given_order() -> None:
    ids, offsets = pack([[1, 2], [1, 3, 3], [1]])
    picked = select_rows(ids, offsets, np.array([2, 0]))
    assert picked[0].tolist() == [1, 1, 2] and picked[1].tolist() == [0, 1, 3]


def test_loading_something_else_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, x=np.zeros(3))
    with pytest.raises(PipelineError, match=r"other\.npz: not an n-gram model"):
        NgramModel.load(path)


def test_keep_last_words_cuts_each_review_to_its_end() -> None:
    ids, offsets = pack([[1, 2, 3, 4], [], [5], [6, 7, 8]])
    kept, kept_offsets = keep_last_words(ids, offsets, 2)
    assert kept.tolist() == [3, 4, 5, 7, 8] and kept_offsets.tolist() == [0, 2, 2, 3, 5]
    same, same_offsets = keep_last_words(ids, offsets, 10)
    assert same.tolist() == ids.tolist() and same_offsets.tolist() == offsets.tolist()


def test_an_ending_model_reads_only_the_last_words(tmp_path: Path) -> None:
    """The label-bearing bigram sits at words 6-7 of 15: out of reach of the last 5 words."""
    ids, offsets, labels = synthetic(400, seed=0)
    whole = fit_ngram_model(ids, offsets, labels, base=50, max_n=2, min_df=1, c=1.0)
    ending = fit_ngram_model(ids, offsets, labels, base=50, max_n=2, min_df=1, c=1.0, last_words=5)
    test_ids, test_offsets, test_labels = synthetic(200, seed=1)
    assert np.mean((whole.predict(test_ids, test_offsets) >= 0.5) == test_labels) > 0.95
    assert np.mean((ending.predict(test_ids, test_offsets) >= 0.5) == test_labels) < 0.7
    reviews_ending_well = [[1, 20, 21, *range(30, 40), 20, 21], [1, 21, 20, *range(30, 40), 20, 21]]
    moved_ids, moved_offsets = pack(reviews_ending_well)
    tail = fit_ngram_model(ids, offsets, labels, base=50, max_n=2, min_df=1, c=1.0, last_words=12)
    first, second = tail.predict(moved_ids, moved_offsets)
    assert first == second  # their first three words differ, their last 12 do not
    ending.save(tmp_path / "ending.npz")
    loaded = NgramModel.load(tmp_path / "ending.npz")
    assert loaded.last_words == 5
    np.testing.assert_array_equal(loaded.predict(test_ids, test_offsets), ending.predict(test_ids, test_offsets))


@pytest.mark.parametrize("refit_full", [True, False])
def test_fit_and_score_returns_the_refit_and_the_train_fits_validation_scores(refit_full: bool) -> None:
    """The stacker's input is the train-split fit's validation scores, whatever model is kept."""
    import functools

    from imdb_sentiment.members.packed import PackedTrain, fit_and_score

    ids, offsets, labels = synthetic(600, seed=2)
    order = np.random.default_rng(3).permutation(600)
    data = PackedTrain(ids, offsets, labels, train_rows=order[:400], val_rows=order[400:], base=50)
    fit = functools.partial(fit_ngram_model, base=50, max_n=2, min_df=1, c=1.0)
    model, val_probabilities = fit_and_score(fit, data, refit_full)

    alone = fit(*select_rows(ids, offsets, data.train_rows), labels[data.train_rows])
    np.testing.assert_array_equal(val_probabilities, alone.predict(*select_rows(ids, offsets, data.val_rows)))
    if refit_full:
        both = np.concatenate([data.train_rows, data.val_rows])
        alone = fit(*select_rows(ids, offsets, both), labels[both])
    np.testing.assert_array_equal(model.weights, alone.weights)
    assert model.bias == alone.bias and all(map(np.array_equal, model.tables, alone.tables))
