"""Word vectors: train word2vec with gensim, load any word2vec file, build the embedding matrix."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from imdb_sentiment.pipeline.io import PipelineError, atomic_output

log = logging.getLogger(__name__)

# Keras' default Embedding initialiser draws from this range; rows without a vector do too.
RANDOM_INIT_SCALE = 0.05
_BINARY_SUFFIXES = (".bin", ".bin.gz", ".bin.bz2")


def crc32_hash(text: str) -> int:
    """A hash that, unlike Python's salted ``hash``, is the same in every process."""
    return zlib.crc32(text.encode("utf-8"))


class EpochProgress(CallbackAny2Vec):
    """One log line per epoch (gensim's own INFO lines, one a second, are turned down meanwhile)."""

    def __init__(self, epochs: int) -> None:
        self.epochs, self.epoch = epochs, 0
        self.started = self.epoch_started = time.perf_counter()

    def on_epoch_begin(self, model: Word2Vec) -> None:
        self.epoch_started = time.perf_counter()

    def on_epoch_end(self, model: Word2Vec) -> None:
        self.epoch += 1
        now = time.perf_counter()
        log.info("word2vec epoch %d/%d: %.0f s (%.0f s in all)", self.epoch, self.epochs, now - self.epoch_started,
                 now - self.started)  # fmt: skip


@contextlib.contextmanager
def gensim_quiet(level: int = logging.WARNING) -> Iterator[None]:
    """gensim's loggers at ``level`` for the duration: its lifecycle records and per-second progress
    lines would be 170 lines for one stage."""
    logger = logging.getLogger("gensim")
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


def train_word2vec(
    sentences: Iterable[Sequence[str]],  # restartable: read once for the vocabulary, once per epoch
    *,
    vector_size: int,
    window: int,
    min_count: int,
    epochs: int,
    sg: int,
    sample: float,
    seed: int,
    corpus_file: bool = False,
) -> KeyedVectors:
    """gensim word2vec, deterministic: one worker (threads reorder updates), fixed seed and hash.

    ``corpus_file``: the sentences are written to a temporary file of one sentence a line, which
    gensim reads in C++ (no Python iterator feeding a worker thread); still one worker.
    """
    settings = dict(vector_size=vector_size, window=window, min_count=min_count, epochs=epochs, sg=sg,
                    sample=sample, seed=seed, workers=1, hashfxn=crc32_hash,
                    callbacks=[EpochProgress(epochs)])  # fmt: skip
    with gensim_quiet():
        if not corpus_file:
            return Word2Vec(sentences=sentences, **settings).wv
        with tempfile.TemporaryDirectory(prefix="imdb-word2vec-") as tmp:
            path = Path(tmp) / "corpus.txt"
            with path.open("w", encoding="utf-8") as out:
                for sentence in sentences:
                    out.write(" ".join(sentence) + "\n")
            return Word2Vec(corpus_file=str(path), **settings).wv


def keyed_vectors(words: Sequence[str], vectors: np.ndarray) -> KeyedVectors:
    """gensim's container for vectors made elsewhere (ppmi_svd's, an exported embedding's), in row order."""
    keyed = KeyedVectors(vectors.shape[1], dtype=vectors.dtype)  # (count= would pre-fill None keys)
    keyed.add_vectors(words, vectors)
    return keyed


def save_word_vectors(vectors: KeyedVectors, path: str | os.PathLike[str]) -> None:
    """Save in the standard word2vec format (binary for ``.bin``), readable by any tool."""
    # ERROR: gensim warns when vectors have no word counts (an exported embedding), then writes them
    # in their own order, which is the order wanted.
    with atomic_output(path) as tmp, gensim_quiet(logging.ERROR):
        vectors.save_word2vec_format(str(tmp), binary=is_binary_path(path))


def check_readback(vectors: KeyedVectors, path: str | os.PathLike[str], rows: int = 1000) -> None:
    """Raise PipelineError unless gensim reads ``path`` back as ``vectors``: the header's count and
    size, and the first ``rows`` words and vectors exactly. The first rows only: a whole text
    file parses a float at a time (seconds for 30,000 words), and the tests read one whole."""
    with open(path, "rb") as file:
        header = file.readline().split()
    head = load_word_vectors(path, limit=min(rows, len(vectors)))
    if header != [str(len(vectors)).encode(), str(vectors.vector_size).encode()] or not (
        head.index_to_key == vectors.index_to_key[: len(head)]
        and np.array_equal(head.vectors, vectors.vectors[: len(head)])
    ):
        raise PipelineError(f"{path} does not read back as the {len(vectors)} x {vectors.vector_size} vectors written")


def is_binary_path(path: str | os.PathLike[str]) -> bool:
    return str(path).endswith(_BINARY_SUFFIXES)


def load_word_vectors(path: str | os.PathLike[str], limit: int | None = None) -> KeyedVectors:
    """Load a word2vec file: binary (``.bin``, ``.bin.gz``) or text (anything else, gz too)."""
    file = Path(path)
    if not file.is_file():
        raise PipelineError(f"embedding.path {file}: no such file; expected word2vec vectors (.bin, .bin.gz or text)")
    binary = is_binary_path(file)
    try:
        with gensim_quiet():
            return KeyedVectors.load_word2vec_format(str(file), binary=binary, limit=limit)
    except (ValueError, UnicodeDecodeError, EOFError, OSError, IndexError) as exc:
        kind = "binary" if binary else "text"
        raise PipelineError(
            f"{file} is not a {kind} word2vec file (header '<words> <dim>', then one vector a word): {exc}"
        ) from exc


def build_embedding_matrix(
    words: Sequence[str],
    vectors: KeyedVectors | None,
    dim: int,
    seed: int,
) -> tuple[np.ndarray, int]:
    """Row i holds the vector of ``words[i]``; row 0 (<PAD>) is zeros.

    Words the vectors lack get seeded uniform random rows. Returns the matrix (float32) and
    how many of ``words`` were found in ``vectors``.
    """
    if vectors is not None and vectors.vector_size != dim:
        raise PipelineError(
            f"embedding.dim is {dim} but the word vectors have dimension {vectors.vector_size}; "
            "set embedding.dim to match"
        )
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-RANDOM_INIT_SCALE, RANDOM_INIT_SCALE, size=(len(words), dim)).astype(np.float32)
    matrix[0] = 0.0
    found = 0
    if vectors is not None:
        for index, word in enumerate(words):
            if index > 0 and word in vectors.key_to_index:
                matrix[index] = vectors[word]
                found += 1
    return matrix, found


# gensim's bundled copies of the standard word-similarity and analogy sets (gensim.test.utils.datapath).
SIMILARITY_SETS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
ANALOGIES = "questions-words.txt"
# Analogies are answered among the most frequent words only, as word2vec's compute-accuracy does.
ANALOGY_VOCAB = 30_000


def vector_quality(vectors: KeyedVectors) -> dict[str, float | None]:
    """Spearman correlation with human similarity judgements (WordSim-353, SimLex-999), the share
    of their pairs the vectors lack, and the accuracy on Google's analogies ("king - man + woman").
    None where the vectors hold too few of a set's words to tell."""
    with gensim_quiet():  # its import logs a Dictionary it builds
        from gensim.test.utils import datapath

    def rounded(value: float) -> float | None:
        return None if not np.isfinite(value) else round(float(value), 4)

    quality: dict[str, float | None] = {}
    with gensim_quiet(), np.errstate(all="ignore"):
        for name, file in SIMILARITY_SETS.items():
            try:
                _, spearman, oov_percent = vectors.evaluate_word_pairs(datapath(file))
            except ValueError:  # gensim: not one pair in the vocabulary
                quality[f"{name}_spearman"], quality[f"{name}_oov"] = None, 1.0
                continue
            quality[f"{name}_spearman"] = rounded(spearman.statistic)
            quality[f"{name}_oov"] = rounded(oov_percent / 100)
        correct, answered = analogy_results(vectors, datapath(ANALOGIES), ANALOGY_VOCAB)
        quality["analogy_accuracy"] = rounded(correct / answered) if answered else None
    return quality


def analogy_results(vectors: KeyedVectors, path: str, restrict_vocab: int, batch: int = 512) -> tuple[int, int]:
    """(correct, answered) on an analogy file, as gensim's ``evaluate_word_analogies`` counts them
    (3CosAdd among the first ``restrict_vocab`` words, case-insensitive, questions with a word outside
    them skipped), with the questions answered in matrix products of ``batch`` at a time instead of
    one ``most_similar`` each: a tenth of the time."""
    words = vectors.index_to_key[:restrict_vocab]
    index = {word.upper(): i for i, word in reversed(list(enumerate(words)))}  # the most frequent variant
    questions = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.upper().split()
        if line.startswith(": ") or len(parts) != 4:
            continue
        if all(part in index for part in parts):
            questions.append([index[part] for part in parts])
    if not questions:
        return 0, 0
    asked = np.asarray(questions)
    unit = (
        vectors.vectors[: len(words)]
        / np.maximum(np.linalg.norm(vectors.vectors[: len(words)], axis=1), 1e-12)[:, None]
    )
    correct = 0
    for first in range(0, len(asked), batch):
        a, b, c, expected = asked[first : first + batch].T
        scores = (unit[b] + unit[c] - unit[a]) @ unit.T
        rows = np.arange(scores.shape[0])
        for given in (a, b, c):
            scores[rows, given] = -np.inf
        correct += int(np.sum(np.argmax(scores, axis=1) == expected))
    return correct, len(asked)


def nearest_neighbors(
    vectors: KeyedVectors, probe_words: Iterable[str], topn: int
) -> dict[str, dict[str, float] | None]:
    """``similar_by_word`` for each probe (neighbour -> cosine similarity, closest first).

    None for probe words the vectors lack.
    """
    return {
        word: {other: round(float(score), 4) for other, score in vectors.similar_by_word(word, topn=topn)}
        if word in vectors.key_to_index
        else None
        for word in probe_words
    }
