"""Paragraph vectors (PV-DBOW, Le & Mikolov 2014) with gensim, and a logistic regression on them.

Deterministic as word2vec is here: one worker, a fixed seed and a crc32 hash. Reviews that
were not in the training corpus (validation, test, new text) get inferred vectors.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from imdb_sentiment.pipeline.io import PipelineError, atomic_output
from imdb_sentiment.vectors.embeddings import crc32_hash

import numpy as np
from gensim.models.doc2vec import Doc2Vec, TaggedDocument


def train_doc2vec(
    documents: Sequence[Sequence[str]],
    *,
    vector_size: int,
    epochs: int,
    negative: int,
    sample: float,
    min_count: int,
    seed: int,
) -> Doc2Vec:
    """PV-DBOW without word training (dm=0, dbow_words=0): the cheap, strong variant."""
    tagged = [TaggedDocument(list(words), [i]) for i, words in enumerate(documents)]
    return Doc2Vec(
        tagged,
        dm=0,
        dbow_words=0,
        vector_size=vector_size,
        epochs=epochs,
        negative=negative,
        hs=0,
        sample=sample,
        min_count=min_count,
        seed=seed,
        workers=1,
        hashfxn=crc32_hash,
    )


def infer_vectors(model: Doc2Vec, documents: Sequence[Sequence[str]], epochs: int) -> np.ndarray:
    """One inferred vector per document, a function of its words alone.

    gensim starts each inferred vector from a hash of the words but draws negative samples
    from the model's shared random state; reseeding that per document from the same hash
    makes a review score the same alone, in a batch, or after any other review.
    """
    vectors = np.zeros((len(documents), model.vector_size), dtype=np.float32)
    for row, words in enumerate(documents):
        words = list(words)
        model.random.seed(crc32_hash(" ".join(words)))
        vectors[row] = model.infer_vector(words, epochs=epochs)
    return vectors


@dataclass
class DocVectorClassifier:
    """A PV-DBOW model and a logistic regression over its document vectors."""

    doc2vec: Doc2Vec
    coef: np.ndarray
    bias: float
    infer_epochs: int

    def decision(self, documents: Sequence[Sequence[str]]) -> np.ndarray:
        return infer_vectors(self.doc2vec, documents, self.infer_epochs).astype(np.float64) @ self.coef + self.bias

    def predict(self, documents: Sequence[Sequence[str]]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.decision(documents)))

    def save(self, path: str | os.PathLike[str]) -> None:
        """One file: gensim's pickle with every array inside, the classifier as attributes."""
        model = self.doc2vec
        model.sentiment_head = {"coef": self.coef.tolist(), "bias": self.bias, "infer_epochs": self.infer_epochs}
        with atomic_output(path) as tmp:
            model.save(str(tmp), separately=[], pickle_protocol=4)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> DocVectorClassifier:
        try:
            model = Doc2Vec.load(str(path))
            head = model.sentiment_head
        except FileNotFoundError:
            raise PipelineError(f"{path}: no such doc2vec model") from None
        except Exception as exc:  # gensim raises pickle, attribute and value errors alike
            raise PipelineError(f"{path}: not a doc2vec sentiment model ({exc})") from None
        return cls(model, np.asarray(head["coef"], dtype=np.float64), float(head["bias"]), int(head["infer_epochs"]))


def fit_doc_vector_classifier(
    model: Doc2Vec, vectors: np.ndarray, labels: np.ndarray, *, c: float, infer_epochs: int
) -> DocVectorClassifier:
    from sklearn.linear_model import LogisticRegression

    classifier = LogisticRegression(C=c, max_iter=2000).fit(vectors, labels)
    return DocVectorClassifier(
        model, classifier.coef_.ravel().astype(np.float64), float(classifier.intercept_[0]), infer_epochs
    )
