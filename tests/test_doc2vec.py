"""PV-DBOW: deterministic training, and an inferred vector that depends on its text alone."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "studies"))  # doc2vec is a study's, not the product's

from doc2vec import DocVectorClassifier, fit_doc_vector_classifier, infer_vectors, train_doc2vec

SETTINGS = {"vector_size": 8, "epochs": 5, "negative": 3, "sample": 0.0, "min_count": 1, "seed": 1}


def corpus(n: int, seed: int) -> tuple[list[list[str]], np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    neutral = [f"w{i}" for i in range(30)]
    docs = [list(rng.choice(neutral, 10)) + (["great", "superb"] if y else ["awful", "dull"]) * 3 for y in labels]
    return docs, labels


def test_training_is_deterministic_and_inference_ignores_order(tmp_path) -> None:
    docs, labels = corpus(200, seed=0)
    first, second = train_doc2vec(docs, **SETTINGS), train_doc2vec(docs, **SETTINGS)
    np.testing.assert_array_equal(first.dv.vectors, second.dv.vectors)
    batch = infer_vectors(first, docs[:5], epochs=5)
    alone = infer_vectors(first, docs[3:4], epochs=5)
    np.testing.assert_array_equal(batch[3], alone[0])

    head = fit_doc_vector_classifier(first, first.dv.vectors, labels, c=1.0, infer_epochs=5)
    new_docs, new_labels = corpus(100, seed=1)
    assert np.mean((head.predict(new_docs) >= 0.5) == new_labels) > 0.9
    head.save(tmp_path / "d2v.model")
    loaded = DocVectorClassifier.load(tmp_path / "d2v.model")
    np.testing.assert_array_equal(loaded.predict(new_docs), head.predict(new_docs))
