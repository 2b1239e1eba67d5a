from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import scipy.sparse as sp

from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.sources.reviews import TRAIN, UNLABELED
from imdb_sentiment.text.tokenizing import tokenize_part, tokens_writer
from imdb_sentiment.text.tokens import TokenizedReviews
from imdb_sentiment.vectors import ppmi as ppmi_module
from imdb_sentiment.vectors.ppmi import count_cooccurrences, count_vocabulary, ppmi, ppmi_svd_vectors

TOKENS = pa.list_(pa.large_string())


def batch(*reviews: list[str] | None) -> pa.ListArray:
    return pa.array(list(reviews), type=TOKENS)


def test_cooccurrences_counted_by_hand() -> None:
    """a b a | b c, window 2: a pair d apart weighs 3 - d; pairs never cross reviews."""
    corpus = [batch(["a", "b", "a"], ["b", "c"])]
    words = count_vocabulary(corpus, min_count=1).words
    assert words == ["a", "b", "c"]
    counts = count_cooccurrences(corpus, words, window=2).toarray()
    # (a,b) and (b,a) at distance 1: 2 + 2 each way; (a,a) at distance 2: 1, both ways; (b,c): 2.
    np.testing.assert_array_equal(counts, [[2, 4, 0], [4, 0, 2], [0, 2, 0]])
    assert counts.dtype == np.int64


def test_vocabulary_most_frequent_first_ties_first_seen_across_batches() -> None:
    corpus = [batch(["y", "q", "x"]), batch(["x", "y", "z"], ["q", "z", "z"])]
    vocabulary = count_vocabulary(corpus, min_count=2)
    assert vocabulary.words == ["z", "y", "q", "x"]
    np.testing.assert_array_equal(vocabulary.counts, [3, 2, 2, 2])
    assert count_vocabulary(corpus, min_count=4).words == []


def test_counts_do_not_depend_on_how_the_corpus_is_cut() -> None:
    rng = np.random.default_rng(0)
    reviews = [[f"w{i}" for i in rng.zipf(1.5, size=rng.integers(0, 30)) % 40] for _ in range(60)]
    whole = [batch(*reviews)]
    cut = [batch(*reviews[:7]), batch(*reviews[7:8]), batch(*reviews[8:])]
    assert count_vocabulary(whole, 1).words == count_vocabulary(cut, 1).words
    words = count_vocabulary(whole, 2).words
    np.testing.assert_array_equal(
        count_cooccurrences(whole, words, 3).toarray(), count_cooccurrences(cut, words, 3).toarray()
    )
    settings = dict(vector_size=4, window=3, min_count=2, context_smoothing=0.75, svd_iterations=3, seed=1)
    assert ppmi_svd_vectors(whole, **settings)[1].tobytes() == ppmi_svd_vectors(cut, **settings)[1].tobytes()


def test_ppmi_matches_its_definition() -> None:
    counts = np.array([[2, 4, 0], [4, 0, 2], [0, 2, 6]])
    total, word = counts.sum(), counts.sum(axis=1)
    for smoothing in (1.0, 0.75):
        context = word**smoothing / (word**smoothing).sum()
        with np.errstate(divide="ignore"):
            expected = np.maximum(np.log(counts / total / np.outer(word / total, context)), 0)
        got = ppmi(sp.csr_matrix(counts), smoothing).toarray()
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    # smoothing lifts the rare context's probability, so its PMI falls
    assert ppmi(sp.csr_matrix(counts), 0.75)[0, 1] < ppmi(sp.csr_matrix(counts), 1.0)[0, 1]


def test_ppmi_does_not_depend_on_how_many_values_it_computes_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    upper = sp.random(60, 60, density=0.2, random_state=3, data_rvs=lambda n: rng.integers(1, 50, n))
    counts = (upper + upper.T).astype(np.int64).tocsr()
    whole = ppmi(counts, 0.75)
    monkeypatch.setattr(ppmi_module, "PMI_SLICE", 7)
    sliced = ppmi(counts, 0.75)
    assert 0 < sliced.nnz < counts.nnz  # some pairs are below chance and dropped
    for part in ("data", "indices", "indptr"):
        assert getattr(sliced, part).tobytes() == getattr(whole, part).tobytes()


def test_vectors_are_deterministic_unit_rows_and_similar_words_are_near() -> None:
    rng = np.random.default_rng(1)
    # two topics: words of one topic occur together
    reviews = [[f"{topic}{i}" for i in rng.integers(0, 8, size=12)] for topic in "ab" for _ in range(100)]
    settings = dict(vector_size=3, window=4, min_count=1, context_smoothing=0.75, svd_iterations=5, seed=1)
    words, vectors = ppmi_svd_vectors([batch(*reviews)], **settings)
    assert vectors.dtype == np.float32 and vectors.shape == (16, 3)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, rtol=1e-5)
    assert ppmi_svd_vectors([batch(*reviews)], **settings)[1].tobytes() == vectors.tobytes()
    by_word = dict(zip(words, vectors, strict=True))
    assert by_word["a0"] @ by_word["a1"] > by_word["a0"] @ by_word["b1"] + 0.5


def test_too_many_dimensions_for_the_vocabulary_is_a_clear_error() -> None:
    with pytest.raises(PipelineError, match=r"word2vec\.vector_size is 5 but the corpus has only 3 words"):
        ppmi_svd_vectors([batch(["a", "b", "c", "a"])], vector_size=5, window=2, min_count=1,
                         context_smoothing=0.75, svd_iterations=2, seed=1)  # fmt: skip


def test_a_one_shot_iterator_is_refused() -> None:
    with pytest.raises(TypeError, match="read twice"):
        ppmi_svd_vectors(iter([batch(["a", "b"])]), vector_size=1, window=1, min_count=1,
                         context_smoothing=0.75, svd_iterations=1, seed=1)  # fmt: skip


def test_token_lists_are_the_tokenized_reviews_empty_ones_included(tmp_path: Path) -> None:
    path = tmp_path / "reviews.parquet"
    texts = ["Good film", "", "<br />", "bad, BAD film"]
    table = pa.table({"split": [TRAIN, TRAIN, UNLABELED, "test"], "label": [1, 0, None, 1], "text": texts})
    with tokens_writer(path) as writer:
        writer.write(tokenize_part(table.to_batches()[0]))
    reviews = TokenizedReviews.read(path, (TRAIN, UNLABELED))
    lists = reviews.token_lists()
    words, _ = ppmi_svd_vectors(lists, vector_size=1, window=2, min_count=1, context_smoothing=0.75,
                                svd_iterations=1, seed=1)  # fmt: skip
    assert words == ["good", "film"]  # the stage's own path: the tokens table's lists, counted
    assert [tokens or [] for chunk in lists for tokens in chunk.to_pylist()] == list(reviews)
    assert list(reviews) == [["good", "film"], [], []]
    counts = count_cooccurrences(lists, ["good", "film"], window=2).toarray()
    np.testing.assert_array_equal(counts, [[0, 2], [2, 0]])
