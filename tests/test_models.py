import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest

from imdb_sentiment.members.keras.architectures import (
    NB_RATIOS,
    HashedNgrams,
    UniqueIds,
    build_model,
    embedding_weights,
    fit_feature_priors,
)
from imdb_sentiment.members.keras.saving import load_model, renumber_shared_objects, save_model
from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.pipeline.params import TrainParams, parse_group, read_params_file

REPO_PARAMS = Path(__file__).parents[1] / "params.yaml"
MODELS = ["nbsvm", "fasttext", "cnn_wide", "cnn", "lstm", "gmp"]


def train_params(model: str) -> TrainParams:
    raw = read_params_file(REPO_PARAMS)["train"]
    raw["model"] = model
    raw["fasttext"]["buckets"] = 101
    raw["nbsvm"]["buckets"] = 101
    return parse_group({"train": raw}, "train", TrainParams)


@pytest.mark.parametrize("model_name", MODELS)
def test_every_model_builds_and_keeps_the_initial_embedding(model_name: str) -> None:
    matrix = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    p = train_params(model_name)
    model = build_model(p, matrix, maxlen=41)
    # scaled by the model's own train.<model>.embedding_scale, geometry kept
    np.testing.assert_array_equal(embedding_weights(model), matrix * np.float32(p.settings.embedding_scale))
    x = np.random.default_rng(1).integers(0, 50, size=(3, 41)).astype(np.int32)
    probabilities = model.predict(x, verbose=0)
    assert probabilities.shape == (3, 1) and ((probabilities > 0) & (probabilities < 1)).all()


def test_embedding_scale_scales_the_initial_vectors() -> None:
    matrix = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    raw = read_params_file(REPO_PARAMS)["train"]
    raw["gmp"]["embedding_scale"] = 0.25
    model = build_model(parse_group({"train": {**raw, "model": "gmp"}}, "train", TrainParams), matrix, maxlen=41)
    np.testing.assert_allclose(embedding_weights(model), matrix / 4)


def test_cnn_rejects_too_short_reviews_clearly() -> None:
    with pytest.raises(PipelineError, match="needs reviews padded to at least 41 ids, but maxlen is 40"):
        build_model(train_params("cnn"), np.zeros((50, 6), dtype=np.float32), maxlen=40)


def test_tutorial_models_have_the_tutorial_layers() -> None:
    matrix = np.zeros((50, 6), dtype=np.float32)
    layer_types = {
        name: [type(layer).__name__ for layer in build_model(train_params(name), matrix, maxlen=60).layers[2:]]
        for name in ("lstm", "cnn", "gmp")
    }
    assert layer_types["lstm"] == ["LSTM", "Dense", "Dense"]
    assert layer_types["cnn"] == ["Conv1D", "MaxPooling1D", "Conv1D", "GlobalMaxPooling1D", "Dense", "Dense"]
    assert layer_types["gmp"] == ["GlobalMaxPooling1D", "Dense", "Dense"]


def test_hashed_ngrams_ignore_padding() -> None:
    layer = HashedNgrams(vocab_size=10, buckets=7, max_n=3)
    ids = np.array([[0, 0, 1, 5, 6], [1, 5, 6, 7, 8]], dtype=np.int32)
    out = keras.ops.convert_to_numpy(layer(ids))
    assert out.shape == (2, 4 + 3)
    bigrams, trigrams = out[:, :4], out[:, 4:]
    assert list(bigrams[0, :2]) == [0, 0] and (bigrams[0, 2:] > 0).all()
    assert list(trigrams[0, :2]) == [0, 0] and trigrams[0, 2] > 0
    assert (out[1] > 0).all() and (out < 7).all()
    assert bigrams[0, 3] == bigrams[1, 1], "the same pair (5, 6) hashes to the same bucket"


def test_saved_model_loads_with_its_custom_layer(tmp_path: Path) -> None:
    matrix = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    model = build_model(train_params("fasttext"), matrix, maxlen=20)
    save_model(model, tmp_path / "model.keras")
    loaded = load_model(tmp_path / "model.keras")
    x = np.random.default_rng(1).integers(0, 50, size=(4, 20)).astype(np.int32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)


def test_the_same_weights_save_to_the_same_bytes(tmp_path: Path) -> None:
    matrix = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    model = build_model(train_params("nbsvm"), matrix, maxlen=20)
    save_model(model, tmp_path / "first.keras")
    time.sleep(1.1)  # Keras' own save date has one-second resolution
    save_model(model, tmp_path / "second.keras")
    assert (tmp_path / "first.keras").read_bytes() == (tmp_path / "second.keras").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.keras", "second.keras"]
    # Keras' own fields stay: the version it checks on load, and a (fixed) save date.
    metadata = json.loads(zipfile.ZipFile(tmp_path / "first.keras").read("metadata.json"))
    assert metadata == {"keras_version": keras.__version__, "date_saved": "1980-01-01@00:00:00"}


def test_shared_objects_are_numbered_by_appearance_not_memory_address() -> None:
    config = {"layers": [{"dtype": {"shared_object_id": 140073133987024}}, {"dtype": {"shared_object_id": 99}}]}
    config["layers"].append({"dtype": {"shared_object_id": 140073133987024}, "name": "x"})
    assert renumber_shared_objects(config) == {
        "layers": [
            {"dtype": {"shared_object_id": 1}},
            {"dtype": {"shared_object_id": 2}},
            {"dtype": {"shared_object_id": 1}, "name": "x"},
        ]
    }


def test_a_model_saved_in_another_process_has_the_same_bytes(tmp_path: Path) -> None:
    """Memory addresses differ between processes; the saved file must not."""
    script = (
        "import sys, numpy as np; from test_models import train_params; "
        "from imdb_sentiment.members.keras.architectures import build_model; "
        "from imdb_sentiment.members.keras.saving import save_model; "
        "import keras; keras.utils.set_random_seed(0); "
        "m = build_model(train_params('nbsvm'), np.ones((50, 6), np.float32), maxlen=20); save_model(m, sys.argv[1])"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    for name in ("a.keras", "b.keras"):
        subprocess.run([sys.executable, "-c", script, str(tmp_path / name)], env=env, check=True)
    assert (tmp_path / "a.keras").read_bytes() == (tmp_path / "b.keras").read_bytes()


def test_an_unloadable_model_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "model.keras").write_bytes(b"not a zip")
    with pytest.raises(PipelineError, match=r"cannot load the model .*model\.keras.*dvc repro"):
        load_model(tmp_path / "model.keras")


def test_unique_ids_zero_the_repeats() -> None:
    ids = np.array([[5, 3, 5, 0, 3, 9]], dtype=np.int32)
    out = keras.ops.convert_to_numpy(UniqueIds()(ids))
    assert sorted(out[0][out[0] > 0]) == [3, 5, 9]
    assert (out[0] == 0).sum() == 3


def test_nbsvm_priors_favour_the_words_of_each_class() -> None:
    matrix = np.zeros((10, 4), dtype=np.float32)
    model = build_model(train_params("nbsvm"), matrix, maxlen=3)
    x = np.array([[1, 4, 4], [1, 4, 6], [1, 5, 5], [1, 5, 6]], dtype=np.int32)  # 4: positive, 5: negative
    y = np.array([1, 1, 0, 0], dtype=np.int8)
    fit_feature_priors(model, x, y)
    ratios = model.get_layer(NB_RATIOS).get_weights()[0][:, 0]
    assert ratios[0] == 0
    assert ratios[4] > 0 > ratios[5]
    assert ratios[6] == pytest.approx(0, abs=1e-6)  # in both classes
    assert ratios[1] == pytest.approx(0, abs=1e-6)  # <BOS> is everywhere


@pytest.mark.parametrize("model_name", ["nbsvm", "fasttext"])
def test_bag_models_work_on_words_alone(model_name: str) -> None:
    p = train_params(model_name)
    p = p.model_copy(update={model_name: getattr(p, model_name).model_copy(update={"max_n": 1})})
    model = build_model(p, np.zeros((10, 4), dtype=np.float32), maxlen=5)
    x = np.array([[0, 1, 4, 5, 4]], dtype=np.int32)
    fit_feature_priors(model, np.repeat(x, 2, axis=0), np.array([0, 1]))
    assert model.predict(x, verbose=0).shape == (1, 1)


def test_feature_priors_leave_other_models_alone() -> None:
    model = build_model(train_params("fasttext"), np.zeros((10, 4), dtype=np.float32), maxlen=3)
    before = [w.copy() for w in model.get_weights()]
    fit_feature_priors(model, np.ones((2, 3), dtype=np.int32), np.array([0, 1]))
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
