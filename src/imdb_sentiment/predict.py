"""Score new reviews with a trained model, exactly as the pipeline prepared its inputs.

The default model is the ensemble (``data/ensemble.zip``, self-contained). A Keras model
(``.keras``) from stage train is self-contained too: it carries its vocabulary and padding. Either can be
taken as committed at a git revision (``load_classifier_at_revision``).
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from imdb_sentiment.classifier import EnsembleClassifier, Preprocessing, keras_probabilities, load_ensemble
from imdb_sentiment.io import PipelineError, read_json
from imdb_sentiment.params import PadParams, load_params

DEFAULT_MODEL = "data/ensemble.zip"
DEFAULT_VOCAB = "data/vocab.json"
DEFAULT_PARAMS = "params.yaml"


@dataclass
class Classifier:
    """A Keras model with the tokenizer, vocabulary and padding of the run that trained it."""

    model: object  # keras.Model; typed loosely so importing this module stays light
    preprocessing: Preprocessing
    batch_size: int = 1024

    @property
    def maxlen(self) -> int:
        return self.preprocessing.maxlen

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Token ids as the model saw them in training: tokenized, reindexed, padded."""
        return self.preprocessing.pad(*self.preprocessing.encode(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Probability that each review is positive, in batches."""
        return keras_probabilities(self.model, self.encode(texts), self.batch_size)

    def predict_label(self, texts: Sequence[str], threshold: float = 0.5) -> np.ndarray:
        """1 for positive, 0 for negative."""
        return (self.predict(texts) >= threshold).astype(np.int8)


def label_of(probability: float, threshold: float = 0.5) -> str:
    """'positive' or 'negative', as predict_label decides."""
    return "positive" if probability >= threshold else "negative"


def load_classifier(
    path: str | os.PathLike[str] = DEFAULT_MODEL,
    *,
    vocab_path: str | os.PathLike[str] = DEFAULT_VOCAB,
    params_path: str | os.PathLike[str] = DEFAULT_PARAMS,
) -> Classifier | EnsembleClassifier:
    """Load a model with ``.predict(texts)``: the ensemble (.zip), or a Keras model (.keras) with
    the vocabulary and padding it carries (for an older .keras without them: ``vocab_path`` and
    the padding in ``params_path``)."""
    if not Path(path).is_file():
        raise PipelineError(f"no trained model at {path}: run `dvc repro` (or `dvc pull`) first")
    if str(path).endswith(".zip"):
        return load_ensemble(path)
    from imdb_sentiment.models import load_model  # imports Keras: only when a model is loaded

    model = load_model(path)
    carried = carried_preprocessing(path)
    if carried is not None:
        return Classifier(model=model, preprocessing=carried)
    vocab = read_json(vocab_path)  # a .keras file from before models carried their preprocessing
    pad = load_params(PadParams, params_path)
    preprocessing = Preprocessing(vocab, int(model.input_shape[1]), pad.padding, pad.truncating)
    return Classifier(model=model, preprocessing=preprocessing)


def carried_preprocessing(path: str | os.PathLike[str]) -> Preprocessing | None:
    """The vocabulary, maxlen and padding that stage train saved inside a .keras file, if any."""
    from imdb_sentiment.models import PREPROCESSING_ENTRY

    with zipfile.ZipFile(path) as saved:
        if PREPROCESSING_ENTRY not in saved.namelist():
            return None
        return Preprocessing.from_dict(json.loads(saved.read(PREPROCESSING_ENTRY)))


def load_classifier_at_revision(
    rev: str,
    path: str = DEFAULT_MODEL,
    *,
    vocab_path: str = DEFAULT_VOCAB,
    params_path: str = DEFAULT_PARAMS,
    repo: str | os.PathLike[str] = ".",
) -> Classifier | EnsembleClassifier:
    """``load_classifier`` on the files as committed at ``rev``: a registered version of the model
    (``v1.0.0`` for the git tag ``imdb-sentiment@v1.0.0``) or any git revision (tag, branch,
    commit), fetched through DVC from the cache or the remote."""
    from imdb_sentiment.registry import describe, registered, resolve
    from imdb_sentiment.revisions import UnknownRevision, files_at_revision

    commit = resolve(version=rev, repo=repo)[0] if rev in registered(repo)[0] else rev  # a version: its tag's commit
    needed = [path] if str(path).endswith(".zip") else [path, vocab_path, params_path]
    try:
        with files_at_revision(needed, commit, repo, label=rev) as local:
            if len(local) == 1:
                return load_classifier(local[0])
            return load_classifier(local[0], vocab_path=local[1], params_path=local[2])
    except UnknownRevision:
        raise PipelineError(f"no model version or git revision {rev!r} in {repo} ({describe(repo)})") from None


def load_classifier_in_stage(stage: str, repo: str | os.PathLike[str] = ".") -> Classifier | EnsembleClassifier:
    """The model version that registry stage ``stage`` (e.g. ``prod``) points to."""
    from imdb_sentiment.registry import resolve

    rev, path = resolve(stage=stage, repo=repo)
    return load_classifier_at_revision(rev, path, repo=repo)
