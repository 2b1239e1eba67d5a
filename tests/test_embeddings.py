from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors

from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.text.vocab import SPECIAL_TOKENS
from imdb_sentiment.vectors.embeddings import (
    build_embedding_matrix,
    check_readback,
    keyed_vectors,
    load_word_vectors,
    nearest_neighbors,
    save_word_vectors,
    train_word2vec,
    vector_quality,
)
from imdb_sentiment.vectors.export import embedding_to_keyed_vectors

SENTENCES = [["good", "great", "film"], ["bad", "awful", "film"], ["great", "good", "fun"]] * 30


@pytest.fixture(scope="module")
def small_vectors() -> KeyedVectors:
    return train_word2vec(SENTENCES, vector_size=8, window=2, min_count=1, epochs=3, sg=0, sample=1e-3, seed=1)


@pytest.mark.parametrize("name", ["vectors.bin", "vectors.bin.gz", "vectors.txt", "vectors.txt.gz"])
def test_load_any_word2vec_file(tmp_path: Path, small_vectors: KeyedVectors, name: str) -> None:
    path = tmp_path / name
    binary = ".bin" in name
    small_vectors.save_word2vec_format(str(path), binary=binary)  # written by gensim itself
    loaded = load_word_vectors(path)
    assert loaded.index_to_key == small_vectors.index_to_key
    np.testing.assert_allclose(loaded["great"], small_vectors["great"], rtol=1e-5)
    assert len(load_word_vectors(path, limit=2)) == 2


def test_word2vec_training_is_deterministic(tmp_path: Path, small_vectors: KeyedVectors) -> None:
    again = train_word2vec(SENTENCES, vector_size=8, window=2, min_count=1, epochs=3, sg=0, sample=1e-3, seed=1)
    save_word_vectors(small_vectors, tmp_path / "a.bin")
    save_word_vectors(again, tmp_path / "b.bin")
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()


def test_word2vec_from_a_corpus_file_is_deterministic_too(tmp_path: Path) -> None:
    settings = dict(vector_size=8, window=2, min_count=1, epochs=3, sg=1, sample=1e-3, seed=1, corpus_file=True)
    for name in ("a.bin", "b.bin"):
        save_word_vectors(train_word2vec(SENTENCES, **settings), tmp_path / name)
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()


def test_vector_quality_on_the_standard_sets() -> None:
    """Vectors that place each WordSim-353 pair at its human similarity correlate perfectly;
    vectors with none of the sets' words give None, not NaN (which is not JSON)."""
    from gensim.test.utils import datapath

    pairs = [line.split("\t") for line in Path(datapath("wordsim353.tsv")).read_text().splitlines()[2:]]
    distinct = {(a.lower(), b.lower(), float(score)) for a, b, score in pairs if a.lower() != b.lower()}
    first = {}
    for a, b, score in sorted(distinct):
        first.setdefault(a, (b, score))
    words, vectors = [], []
    for a, (b, score) in list(first.items())[:40]:  # disjoint pairs: a on the x axis, b at an angle set by score
        if b in words or a in words or b in first:
            continue
        angle = (10 - score) / 10 * np.pi / 2
        words += [a, b]
        vectors += [[1.0, 0.0], [np.cos(angle), np.sin(angle)]]
    kv = KeyedVectors(vector_size=2)
    kv.add_vectors(words, np.array(vectors, dtype=np.float32))
    quality = vector_quality(kv)
    assert quality["wordsim353_spearman"] > 0.3 and 0 < quality["wordsim353_oov"] < 1
    empty = KeyedVectors(vector_size=2)
    empty.add_vectors(["zzzq", "qqqz"], np.eye(2, dtype=np.float32))
    assert vector_quality(empty)["wordsim353_spearman"] is None and vector_quality(empty)["analogy_accuracy"] is None


def test_missing_vectors_file(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match=r"embedding\.path .*nope\.bin: no such file"):
        load_word_vectors(tmp_path / "nope.bin")


def test_a_file_that_is_not_word2vec(tmp_path: Path) -> None:
    path = tmp_path / "vectors.txt"
    path.write_text("this is not\na word2vec file\n")
    with pytest.raises(PipelineError, match=r"vectors\.txt is not a text word2vec file"):
        load_word_vectors(path)
    binary = tmp_path / "vectors.bin"
    binary.write_bytes(b"\x00\x01garbage")
    with pytest.raises(PipelineError, match=r"vectors\.bin is not a binary word2vec file"):
        load_word_vectors(binary)


def test_embedding_matrix_rows(small_vectors: KeyedVectors) -> None:
    words = [*SPECIAL_TOKENS, "great", "unknownword", "film"]
    matrix, found = build_embedding_matrix(words, small_vectors, dim=8, seed=3)
    assert matrix.shape == (7, 8) and matrix.dtype == np.float32
    assert found == 2
    np.testing.assert_array_equal(matrix[0], 0)
    np.testing.assert_array_equal(matrix[4], small_vectors["great"])
    np.testing.assert_array_equal(matrix[6], small_vectors["film"])
    assert np.abs(matrix[5]).max() <= 0.05 and np.abs(matrix[5]).sum() > 0
    again, _ = build_embedding_matrix(words, small_vectors, dim=8, seed=3)
    np.testing.assert_array_equal(matrix, again)


def test_random_embedding_matrix() -> None:
    matrix, found = build_embedding_matrix(["<PAD>", "a", "b"], None, dim=4, seed=0)
    assert found == 0 and matrix.shape == (3, 4)
    np.testing.assert_array_equal(matrix[0], 0)


def test_dimension_mismatch_names_both(small_vectors: KeyedVectors) -> None:
    with pytest.raises(PipelineError, match=r"embedding\.dim is 300 but the word vectors have dimension 8"):
        build_embedding_matrix(["<PAD>", "great"], small_vectors, dim=300, seed=0)


def test_export_skips_special_tokens_and_loads_in_gensim(tmp_path: Path) -> None:
    words = [*SPECIAL_TOKENS, "love", "boring", "great"]
    matrix = np.random.default_rng(0).normal(size=(7, 5)).astype(np.float32)
    path = tmp_path / "word2vec.txt"
    save_word_vectors(embedding_to_keyed_vectors(words, matrix), path)
    header = path.read_text().splitlines()[0]
    assert header == "3 5"
    loaded = KeyedVectors.load_word2vec_format(str(path), binary=False)
    assert loaded.index_to_key == ["love", "boring", "great"]
    np.testing.assert_allclose(loaded["boring"], matrix[5], rtol=1e-6)
    neighbors = nearest_neighbors(loaded, ["love", "absent"], topn=2)
    assert list(neighbors["love"]) == [w for w, _ in loaded.similar_by_word("love", topn=2)]
    assert neighbors["absent"] is None


@pytest.mark.parametrize("name", ["vectors.txt", "vectors.bin"])
def test_readback_check_passes_what_was_written_and_names_a_damaged_file(
    tmp_path: Path, small_vectors: KeyedVectors, name: str
) -> None:
    path = tmp_path / name
    save_word_vectors(small_vectors, path)
    check_readback(small_vectors, path)
    check_readback(small_vectors, path, rows=2)
    other = KeyedVectors(vector_size=small_vectors.vector_size)
    other.add_vectors(small_vectors.index_to_key, small_vectors.vectors + np.float32(1e-3))
    with pytest.raises(PipelineError, match=rf"{name} does not read back as the 6 x 8 vectors written"):
        check_readback(other, path)
    fewer = KeyedVectors(vector_size=small_vectors.vector_size)
    fewer.add_vectors(small_vectors.index_to_key[:-1], small_vectors.vectors[:-1])
    with pytest.raises(PipelineError, match="does not read back"):  # the header counts one word more
        check_readback(fewer, path)


def test_analogies_are_answered_as_gensim_answers_them() -> None:
    """The batched 3CosAdd gives gensim's evaluate_word_analogies' count, on vectors where some
    questions come out right (a shared offset between the pairs) and some words are missing."""
    from gensim.test.utils import datapath

    from imdb_sentiment.vectors.embeddings import ANALOGIES, analogy_results

    lines = [line.split() for line in Path(datapath(ANALOGIES)).read_text().splitlines() if not line.startswith(":")]
    words = sorted({word.lower() for line in lines[:3000] for word in line})[:-40]  # the last 40: out of vocabulary
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(words), 16)).astype(np.float32)
    offset = rng.normal(size=16).astype(np.float32)
    position = {word: i for i, word in enumerate(words)}
    for a, b, c, d in lines[:3000:7]:  # make a seventh of the questions answerable: d = c + (b - a)
        if all(w.lower() in position for w in (a, b, c, d)):
            vectors[position[b.lower()]] = vectors[position[a.lower()]] + offset
            vectors[position[d.lower()]] = vectors[position[c.lower()]] + offset
    kv = KeyedVectors(vector_size=16)
    kv.add_vectors(words, vectors)
    _, sections = kv.evaluate_word_analogies(datapath(ANALOGIES), restrict_vocab=len(words))
    total = next(s for s in sections if s["section"] == "Total accuracy")
    answered = len(total["correct"]) + len(total["incorrect"])
    assert analogy_results(kv, datapath(ANALOGIES), len(words)) == (len(total["correct"]), answered)
    assert 0 < len(total["correct"]) < answered


def test_vectors_made_elsewhere_save_and_load_in_their_order(tmp_path: Path) -> None:
    words = ["the", "film", "great"]
    vectors = np.arange(6, dtype=np.float32).reshape(3, 2)
    path = tmp_path / "vectors.bin"
    save_word_vectors(keyed_vectors(words, vectors), path)
    loaded = load_word_vectors(path)
    assert loaded.index_to_key == words
    np.testing.assert_array_equal(loaded.vectors, vectors)
