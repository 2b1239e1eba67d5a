"""Score new reviews with a trained model, exactly as the pipeline prepared its inputs.

The default model is the ensemble (``data/ensemble.zip``, self-contained). A bare Keras model
(``.keras``) also works, with the vocabulary and padding of the run beside it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from imdb_sentiment.classifier import EnsembleClassifier, load_ensemble
from imdb_sentiment.io import PipelineError, read_json
from imdb_sentiment.params import PadParams, load_params
from imdb_sentiment.sequences import pad_sequences
from imdb_sentiment.text import tokenize
from imdb_sentiment.vocab import encode

DEFAULT_MODEL = "data/ensemble.zip"
DEFAULT_VOCAB = "data/vocab.json"
DEFAULT_PARAMS = "params.yaml"


@dataclass
class Classifier:
    """A trained model with the tokenizer, vocabulary and padding of the run that trained it."""

    model: object  # keras.Model; typed loosely so importing this module stays light
    vocab: dict[str, int]
    maxlen: int
    padding: str
    truncating: str
    batch_size: int = 1024

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Token ids as the model saw them in training: tokenized, reindexed, padded."""
        ids = [encode(tokenize(text), self.vocab) for text in texts]
        return pad_sequences(ids, self.maxlen, self.padding, self.truncating)  # type: ignore[arg-type]

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Probability that each review is positive, in batches."""
        if len(texts) == 0:
            return np.zeros(0, dtype=np.float32)
        out = [
            np.asarray(self.model(self.encode(texts[i : i + self.batch_size]), training=False)).ravel()  # type: ignore[operator]
            for i in range(0, len(texts), self.batch_size)
        ]
        return np.concatenate(out)

    def predict_label(self, texts: Sequence[str], threshold: float = 0.5) -> np.ndarray:
        """1 for positive, 0 for negative."""
        return (self.predict(texts) >= threshold).astype(np.int8)


def load_classifier(
    path: str | os.PathLike[str] = DEFAULT_MODEL,
    *,
    vocab_path: str | os.PathLike[str] = DEFAULT_VOCAB,
    params_path: str | os.PathLike[str] = DEFAULT_PARAMS,
) -> Classifier | EnsembleClassifier:
    """Load a model with ``.predict(texts)``: the ensemble (.zip) as it is, or a Keras model
    (.keras), whose maxlen comes from the model and vocabulary and padding from beside it."""
    if not Path(path).is_file():
        raise PipelineError(f"no trained model at {path}: run `dvc repro` (or `dvc pull`) first")
    if str(path).endswith(".zip"):
        return load_ensemble(path)
    from imdb_sentiment.models import load_model  # imports Keras: only when a model is loaded

    model = load_model(path)
    vocab = read_json(vocab_path)
    pad = load_params(PadParams, params_path)
    maxlen = model.input_shape[1]
    return Classifier(model=model, vocab=vocab, maxlen=int(maxlen), padding=pad.padding, truncating=pad.truncating)
