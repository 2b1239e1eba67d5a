"""The default model: the ensemble of stage combine, in one self-contained file.

``data/ensemble.zip`` holds everything needed to score raw text: the member models, the
stacker's weights, the vocabulary and the padding the Keras members were trained with.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from imdb_sentiment.ensemble import Stacker
from imdb_sentiment.io import PipelineError, write_zip
from imdb_sentiment.ngram_lm import ClassLanguageModels
from imdb_sentiment.ngrams import NgramModel
from imdb_sentiment.sequences import pack, pad_sequences, unpack
from imdb_sentiment.text import tokenize
from imdb_sentiment.vocab import encode

MANIFEST = "ensemble.json"
MEMBER_FILES = {
    "keras": "keras.keras",
    "ngrams": "ngrams.npz",
    "ending": "ending.npz",
    "lm": "lm.npz",
    "lstm": "lstm.keras",
}
# Members that read the packed ids themselves; the others are Keras models of padded reviews.
PACKED_MEMBERS: dict[str, Any] = {"ngrams": NgramModel, "ending": NgramModel, "lm": ClassLanguageModels}
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Preprocessing:
    """How the pipeline turned text into the Keras members' input."""

    vocab: dict[str, int]
    maxlen: int
    padding: str
    truncating: str

    def encode(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Tokenized and reindexed, packed as flat ids + offsets."""
        return pack([encode(tokenize(text), self.vocab) for text in texts])

    def as_dict(self) -> dict[str, Any]:
        return {"vocab": self.vocab, "maxlen": self.maxlen, "padding": self.padding, "truncating": self.truncating}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Preprocessing:
        return cls(dict(data["vocab"]), int(data["maxlen"]), data["padding"], data["truncating"])

    def pad(self, ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        return pad_sequences(unpack(ids, offsets), self.maxlen, self.padding, self.truncating)  # type: ignore[arg-type]


def keras_probabilities(model: Any, x: np.ndarray, batch_size: int) -> np.ndarray:
    """A Keras model's probabilities for padded reviews, in batches (no tf.data, no progress bar).

    predict_on_batch runs Keras' compiled predict step: one review takes 1 ms instead of the
    10 ms of an eager call, which is what a server's small requests pay.
    """
    batches = [np.asarray(model.predict_on_batch(x[i : i + batch_size])).ravel() for i in range(0, len(x), batch_size)]
    return np.concatenate(batches) if batches else np.zeros(0, dtype=np.float32)


def save_ensemble(
    path: str | os.PathLike[str],
    stacker: Stacker,
    member_paths: Mapping[str, str | os.PathLike[str]],
    preprocessing: Preprocessing,
) -> None:
    """One zip: manifest, vocabulary and each member's own file, byte for byte."""
    entries = {MEMBER_FILES[name]: Path(member_paths[name]).read_bytes() for name in stacker.members}
    padding = preprocessing.as_dict()
    vocab = padding.pop("vocab")  # an entry of its own; the manifest keeps maxlen, padding, truncating
    manifest = {
        "format": FORMAT_VERSION,
        "stacker": stacker.as_dict(),
        "members": {name: MEMBER_FILES[name] for name in stacker.members},
        **padding,
    }
    entries[MANIFEST] = json.dumps(manifest, indent=2).encode()
    entries["vocab.json"] = json.dumps(vocab, ensure_ascii=False).encode()
    write_zip(path, entries)


@dataclass
class EnsembleClassifier:
    """Scores raw text with every member and combines them with the stacker."""

    preprocessing: Preprocessing
    stacker: Stacker
    members: dict[str, Any]  # name -> keras.Model, or a PACKED_MEMBERS model
    batch_size: int = 1024

    def member_probabilities(self, ids: np.ndarray, offsets: np.ndarray) -> dict[str, np.ndarray]:
        """Each member's probability for each packed review."""
        out: dict[str, np.ndarray] = {}
        for name, model in self.members.items():
            if name in PACKED_MEMBERS:
                out[name] = model.predict(ids, offsets)
            else:
                out[name] = keras_probabilities(model, self.preprocessing.pad(ids, offsets), self.batch_size)
        return out

    def predict_encoded(self, ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        return self.stacker.combine(self.member_probabilities(ids, offsets))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Probability that each review is positive."""
        if len(texts) == 0:
            return np.zeros(0, dtype=np.float64)
        return self.predict_encoded(*self.preprocessing.encode(texts))

    def predict_label(self, texts: Sequence[str], threshold: float = 0.5) -> np.ndarray:
        return (self.predict(texts) >= threshold).astype(np.int8)


def load_ensemble(path: str | os.PathLike[str]) -> EnsembleClassifier:
    """Read the zip; Keras members go through a temporary file, as Keras loads from paths."""
    try:
        with zipfile.ZipFile(path) as bundle:
            manifest = json.loads(bundle.read(MANIFEST))
            vocab = json.loads(bundle.read("vocab.json"))
            files = {name: bundle.read(file) for name, file in manifest["members"].items()}
    except FileNotFoundError:
        raise PipelineError(f"no trained model at {path}: run `dvc repro` (or `dvc pull`) first") from None
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise PipelineError(f"{path}: not an ensemble model file ({exc})") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise PipelineError(f"{path}: ensemble format {manifest.get('format')!r}, expected {FORMAT_VERSION}")
    members: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="imdb-ensemble-") as tmp:
        for name, data in files.items():
            member_path = Path(tmp) / MEMBER_FILES[name]
            member_path.write_bytes(data)
            if name in PACKED_MEMBERS:
                members[name] = PACKED_MEMBERS[name].load(member_path)
            else:
                from imdb_sentiment.models import load_model  # imports Keras: only when needed

                members[name] = load_model(member_path)
    preprocessing = Preprocessing.from_dict({**manifest, "vocab": vocab})
    return EnsembleClassifier(preprocessing, Stacker.from_dict(manifest["stacker"]), members)
