"""What a .keras file carries besides the model: the preprocessing, and what the model was trained on."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from imdb_sentiment.members.keras.saving import PREPROCESSING_ENTRY, carried_preprocessing, save_model
from imdb_sentiment.text.preprocessing import Preprocessing

VOCAB = {"<PAD>": 0, "<BOS>": 1, "<UNK>": 2, "<UNUSED>": 3, "영화": 4, "최고": 5}
MAXLEN = 6


def tiny_keras_model():
    import keras

    inputs = keras.Input((MAXLEN,), dtype="int32")
    pooled = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(len(VOCAB), 2)(inputs))
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(pooled))


@pytest.fixture(scope="module")
def keras_model():
    return tiny_keras_model()


def test_a_keras_file_carries_what_it_was_trained_on(tmp_path: Path, keras_model) -> None:
    from imdb_sentiment.scoring.classifier import ModelFiles, load_classifier

    preprocessing = Preprocessing(VOCAB, MAXLEN, "pre", "pre", "korean", trained_on="Naver movie reviews")
    save_model(keras_model, tmp_path / "model.keras", preprocessing.as_dict())
    with zipfile.ZipFile(tmp_path / "model.keras") as saved:
        carried = json.loads(saved.read(PREPROCESSING_ENTRY))
    assert carried["trained_on"] == "Naver movie reviews" and carried["tokenizer"] == "korean"
    assert Preprocessing.from_dict(carried) == preprocessing
    classifier = load_classifier(tmp_path / "model.keras")
    assert classifier.trained_on == "Naver movie reviews" and classifier.preprocessing == preprocessing
    assert ModelFiles.read(tmp_path / "model.keras").trained_on == "Naver movie reviews"


def test_an_older_keras_file_reads_as_not_saying(tmp_path: Path, keras_model) -> None:
    """A file from before models named their data reads as None (not IMDB: the Korean tokenizer and
    your own tables predate the field), and the rest of what it carries as before."""
    older = {"vocab": VOCAB, "maxlen": MAXLEN, "padding": "pre", "truncating": "post", "tokenizer": "english"}
    save_model(keras_model, tmp_path / "older.keras", older)
    carried = carried_preprocessing(tmp_path / "older.keras")
    assert carried == older
    preprocessing = Preprocessing.from_dict(carried)
    assert preprocessing.trained_on is None and preprocessing.truncating == "post"

    from imdb_sentiment.scoring.classifier import ModelFiles, load_classifier

    assert load_classifier(tmp_path / "older.keras").trained_on is None
    assert ModelFiles.read(tmp_path / "older.keras").trained_on is None
    x = np.ones((1, MAXLEN), dtype=np.int32)  # still a working model
    assert load_classifier(tmp_path / "older.keras").members["keras"].model.predict(x, verbose=0).shape == (1, 1)
