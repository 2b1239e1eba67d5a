"""The Keras NBSVM as numpy arrays: the same n-gram ids, the same probabilities, the same explanations."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from test_models import train_params

from imdb_sentiment.ensemble.stacker import Stacker
from imdb_sentiment.members.keras.architectures import HashedNgrams, build_model, fit_feature_priors
from imdb_sentiment.members.keras.nbsvm_arrays import LinearNbsvm, hashed_ngrams
from imdb_sentiment.members.keras.saving import save_model
from imdb_sentiment.members.kinds import (
    INFERENCE_TOLERANCE,
    keras_inference_form,
    keras_probabilities,
    random_padded_reviews,
)
from imdb_sentiment.pipeline.io import PipelineError, save_npz
from imdb_sentiment.scoring.classifier import load_ensemble, save_ensemble
from imdb_sentiment.scoring.explain.methods import NbsvmExplainer, keras_explainer
from imdb_sentiment.text.preprocessing import Preprocessing
from imdb_sentiment.text.vocab import words_by_index

VOCAB_SIZE, MAXLEN = 60, 30


def preprocessing() -> Preprocessing:
    vocab = {"<PAD>": 0, "<BOS>": 1, "<UNK>": 2, "<UNUSED>": 3} | {f"w{i}": i for i in range(4, VOCAB_SIZE)}
    return Preprocessing(vocab, MAXLEN, "pre", "pre")


def trained_nbsvm(max_n: int = 2):
    """An NBSVM with NB ratios from random labels and its learned weights moved off their start."""
    p = train_params("nbsvm")
    p = p.model_copy(update={"nbsvm": p.nbsvm.model_copy(update={"max_n": max_n})})
    rng = np.random.default_rng(3)
    model = build_model(p, rng.normal(size=(VOCAB_SIZE, 8)).astype(np.float32), maxlen=MAXLEN)
    x = random_padded_reviews(VOCAB_SIZE, preprocessing(), rows=64, seed=1)
    y = rng.integers(0, 2, size=len(x))
    fit_feature_priors(model, x, y)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    return model


@pytest.mark.parametrize("max_n", [2, 3])
def test_numpy_ngram_ids_are_the_keras_layers(max_n: int) -> None:
    padded = random_padded_reviews(VOCAB_SIZE, preprocessing(), rows=40, seed=2)
    layer = HashedNgrams(VOCAB_SIZE, 101, max_n, offset=VOCAB_SIZE - 1)
    np.testing.assert_array_equal(
        hashed_ngrams(padded, VOCAB_SIZE, 101, max_n, VOCAB_SIZE - 1), np.asarray(layer(padded))
    )


@pytest.mark.parametrize("max_n", [1, 2])
def test_arrays_score_as_keras_within_the_tolerance(max_n: int) -> None:
    model = trained_nbsvm(max_n)
    padded = random_padded_reviews(VOCAB_SIZE, preprocessing(), rows=300, seed=5)
    keras_p = keras_probabilities(model, padded)
    arrays_p = LinearNbsvm.from_keras(model).predict_padded(padded)
    assert np.max(np.abs(arrays_p - keras_p)) <= INFERENCE_TOLERANCE
    assert np.ptp(keras_p) > 0.05  # trained: the check compares real scores, not a constant


def test_arrays_round_trip_and_bad_files_name_what_is_missing(tmp_path: Path) -> None:
    arrays = LinearNbsvm.from_keras(trained_nbsvm())
    path = tmp_path / "keras.npz"
    path.write_bytes(arrays.to_bytes())
    loaded = LinearNbsvm.load(path)
    np.testing.assert_array_equal(loaded.feature_weights, arrays.feature_weights)
    assert (loaded.bias, loaded.vocab_size, loaded.buckets, loaded.max_n) == (arrays.bias, VOCAB_SIZE, 101, 2)
    save_npz(tmp_path / "other.npz", {"weights": np.zeros(3)})
    with pytest.raises(PipelineError, match=r"other.npz: not an NBSVM's arrays \(missing feature_weights"):
        LinearNbsvm.load(tmp_path / "other.npz")


def test_explanations_of_the_arrays_are_exact_and_equal_the_keras_models() -> None:
    model = trained_nbsvm()
    arrays = LinearNbsvm.from_keras(model)
    words = words_by_index(preprocessing().vocab)
    for ids in (np.array([1, 5, 9, 5, 12], dtype=np.int32), np.arange(1, 50, dtype=np.int32)):  # short, truncated
        from_arrays = NbsvmExplainer(arrays).attribute(ids, preprocessing(), words)
        from_keras = keras_explainer(model).attribute(ids, preprocessing(), words)
        assert (from_arrays.base, from_arrays.terms, from_arrays.method) == (
            from_keras.base,
            from_keras.terms,
            from_keras.method,
        )
        np.testing.assert_array_equal(from_arrays.positions, from_keras.positions)
        log_odds = arrays.log_odds_padded(preprocessing().pad_sequences([ids]))[0]
        assert from_arrays.base + from_arrays.positions.sum() == pytest.approx(log_odds, abs=1e-9)


def test_the_ensemble_holds_the_arrays_and_scores_without_tensorflow(tmp_path: Path) -> None:
    model = trained_nbsvm()
    save_model(model, tmp_path / "model.keras")
    save_ensemble(tmp_path / "ensemble.zip", Stacker(("keras",), (1.0,), 0.0), {"keras": tmp_path / "model.keras"},
                  preprocessing())  # fmt: skip
    with zipfile.ZipFile(tmp_path / "ensemble.zip") as bundle:
        assert "keras.keras" not in bundle.namelist()
        assert json.loads(bundle.read("ensemble.json"))["members"] == {
            "keras": {"kind": "nbsvm_arrays", "file": "keras.npz"}
        }
    texts = ["w5 w9 w12 w5", "w40 w41", ""]
    probabilities = load_ensemble(tmp_path / "ensemble.zip").predict(texts)
    padded = preprocessing().pad(*preprocessing().encode(texts))
    np.testing.assert_allclose(probabilities, keras_probabilities(model, padded), atol=INFERENCE_TOLERANCE, rtol=0)
    script = (
        "import sys; from imdb_sentiment.scoring.classifier import load_ensemble; "
        f"load_ensemble({str(tmp_path / 'ensemble.zip')!r}).predict(['w5 w9']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_keras_model_that_is_not_an_nbsvm_keeps_its_file(tmp_path: Path) -> None:
    model = build_model(train_params("gmp"), np.zeros((VOCAB_SIZE, 4), dtype=np.float32), maxlen=MAXLEN)
    save_model(model, tmp_path / "gmp.keras")
    assert keras_inference_form(tmp_path / "gmp.keras", preprocessing()) is None
