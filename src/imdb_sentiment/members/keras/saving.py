"""The .keras file: written deterministically, with what scoring raw text needs inside it.

Keras stamps each .keras file with the time of saving (in metadata.json and a zip entry) and
numbers shared objects by their memory address (config.json), so the same weights would give a
new file, and a new dvc.lock hash, on every run. ``save_model`` fixes both. The vocabulary,
maxlen and padding, and what the model was trained on, travel in an extra entry (Keras ignores
it: ``Preprocessing.as_dict()`` as JSON), so the one file is enough.
Keras is imported only by the functions that need it: reading the extra entry stays light.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import IO, Any

from imdb_sentiment.pipeline.io import ZIP_EPOCH, PipelineError, atomic_output

FIXED_SAVE_DATE = "1980-01-01@00:00:00"
SHARED_OBJECT_ID = "shared_object_id"
PREPROCESSING_ENTRY = "imdb_sentiment_preprocessing.json"


def load_model(path: str | os.PathLike[str]) -> Any:
    """A trained keras.Model from a .keras file (with the project's layers registered)."""
    from imdb_sentiment.pipeline.logs import hide_tensorflow_noise

    hide_tensorflow_noise()  # before TensorFlow's import: its C++ start-up lines would bury ours
    import keras

    import imdb_sentiment.members.keras.architectures  # noqa: F401  (registers the project's layers for deserialisation)

    try:
        return keras.saving.load_model(path)
    except (OSError, ValueError) as exc:
        raise PipelineError(f"cannot load the model {path}: {exc}. Run `dvc repro` to train it.") from exc


def carried_preprocessing(path: str | os.PathLike[str] | IO[bytes]) -> dict[str, Any] | None:
    """The vocabulary, maxlen, padding and ``trained_on`` stage train saved inside a .keras file
    (or its bytes), if any."""
    try:
        with zipfile.ZipFile(path) as saved:
            if PREPROCESSING_ENTRY not in saved.namelist():
                return None
            data: dict[str, Any] = json.loads(saved.read(PREPROCESSING_ENTRY))
            return data
    except zipfile.BadZipFile:
        raise PipelineError(f"{path}: not a .keras model file (not a zip archive)") from None


def renumber_shared_objects(config: Any, numbers: dict[Any, int] | None = None) -> Any:
    """``config`` with each distinct shared_object_id (an id() of the saving process) replaced
    by 1, 2, ... in order of appearance: the same sharing, independent of memory addresses."""
    numbers = {} if numbers is None else numbers
    if isinstance(config, dict):
        return {
            key: numbers.setdefault(value, len(numbers) + 1)
            if key == SHARED_OBJECT_ID
            else renumber_shared_objects(value, numbers)
            for key, value in config.items()
        }
    if isinstance(config, list):
        return [renumber_shared_objects(value, numbers) for value in config]
    return config


def save_model(model: Any, path: str | os.PathLike[str], preprocessing: dict[str, Any] | None = None) -> None:
    """Save a keras.Model as .keras, atomically, with fixed timestamps: the same weights give the
    same bytes. ``preprocessing`` (``Preprocessing.as_dict()``: vocabulary, maxlen, padding,
    truncating, tokenizer, trained_on) goes in as PREPROCESSING_ENTRY."""
    with atomic_output(path) as tmp:
        model.save(tmp)
        with zipfile.ZipFile(tmp) as saved:
            members = [(info, saved.read(info)) for info in saved.infolist()]
        with zipfile.ZipFile(tmp, "w") as fixed:
            for info, data in members:
                if info.filename == "metadata.json":
                    data = json.dumps({**json.loads(data), "date_saved": FIXED_SAVE_DATE}).encode()
                elif info.filename == "config.json":
                    data = json.dumps(renumber_shared_objects(json.loads(data))).encode()
                entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
                entry.compress_type, entry.external_attr = info.compress_type, info.external_attr
                fixed.writestr(entry, data)
            if preprocessing is not None:
                entry = zipfile.ZipInfo(PREPROCESSING_ENTRY, date_time=ZIP_EPOCH)
                entry.compress_type = zipfile.ZIP_DEFLATED
                fixed.writestr(entry, json.dumps(preprocessing, ensure_ascii=False, sort_keys=True).encode())
