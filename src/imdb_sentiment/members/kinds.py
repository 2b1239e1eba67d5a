"""The member registry: every kind of ensemble member, defined once.

A kind says how its members are trained (the stage script and its params group), saved (the
file suffix of the model a member stage writes), loaded, scored (from packed reviews) and
explained (the explainer class of ``imdb_sentiment.scoring.explain.methods`` named here, which the
explainer looks up: scoring never imports explanation code). A kind may have an inference form:
a lighter model that scores the same, which stage combine writes into the ensemble instead (the
Keras NBSVM as numpy arrays, so the default ensemble scores without TensorFlow).

``ensemble.members`` names members. A name is a kind's name (``keras``: stage train's model of
``train.model``; ``ngrams``; ``ending``; ``lm``) or a Keras architecture of ``train.model``
(``lstm``, ``cnn``, ...), a Keras member trained by a stage of its own. Every member's stage
writes its model to ``data/members/<name><suffix>`` (stage train: ``data/model.keras``) and its
validation scores to ``data/val_scores/<name>.npz``, which is how stage combine finds them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from imdb_sentiment.members.keras.nbsvm_arrays import LinearNbsvm
from imdb_sentiment.members.language_model import ClassLanguageModels
from imdb_sentiment.members.ngrams import NgramModel
from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.pipeline.model_names import KERAS_MODELS
from imdb_sentiment.text.preprocessing import Preprocessing

# Rows per call into a Keras model; the packed members score all rows at once.
KERAS_BATCH = 1024
# An inference form scores within this of the model it replaces (probabilities), or combine stops.
INFERENCE_TOLERANCE = 1e-6


class PackedModel(Protocol):
    """A member model that reads packed reviews (flat ids + offsets) itself."""

    def predict(self, ids: np.ndarray, offsets: np.ndarray) -> np.ndarray: ...


def keras_probabilities(model: Any, x: np.ndarray, batch_size: int = KERAS_BATCH) -> np.ndarray:
    """A Keras model's probabilities for padded reviews, in batches (no tf.data, no progress bar).

    predict_on_batch runs Keras' compiled predict step: one review takes 1 ms instead of the
    10 ms of an eager call, which is what a server's small requests pay.
    """
    batches = [np.asarray(model.predict_on_batch(x[i : i + batch_size])).ravel() for i in range(0, len(x), batch_size)]
    return np.concatenate(batches) if batches else np.zeros(0, dtype=np.float32)


def _load_keras(path: str | os.PathLike[str]) -> Any:
    from imdb_sentiment.members.keras.saving import load_model  # imports Keras: only when a Keras member is loaded

    return load_model(path)


def _score_keras(model: Any, ids: np.ndarray, offsets: np.ndarray, preprocessing: Preprocessing) -> np.ndarray:
    return keras_probabilities(model, preprocessing.pad(ids, offsets))


def _score_packed(model: PackedModel, ids: np.ndarray, offsets: np.ndarray, preprocessing: Preprocessing) -> np.ndarray:
    return model.predict(ids, offsets)


def _score_nbsvm_arrays(
    model: LinearNbsvm, ids: np.ndarray, offsets: np.ndarray, preprocessing: Preprocessing
) -> np.ndarray:
    return model.predict(ids, offsets, preprocessing)


@dataclass(frozen=True)
class MemberKind:
    name: str
    description: str
    stage: str  # the script that trains it
    params_group: str  # its settings in params.yaml (a Keras member: train.<its architecture>)
    suffix: str  # of its model file
    load: Callable[[str | os.PathLike[str]], Any]
    score: Callable[[Any, np.ndarray, np.ndarray, Preprocessing], np.ndarray]  # (model, ids, offsets, ...) -> p
    explainer: str  # its class (or factory) in imdb_sentiment.scoring.explain.methods
    # (model file, its preprocessing) -> (kind, bytes) of a lighter model that scores the same, or None
    inference_form: Callable[[Path, Preprocessing], tuple[MemberKind, bytes] | None] | None = None


NBSVM_ARRAYS = MemberKind(
    "nbsvm_arrays",
    "the Keras NBSVM as numpy arrays (in an ensemble only: stage combine's form of a keras member)",
    "stages/train.py",
    "train",
    ".npz",
    LinearNbsvm.load,
    _score_nbsvm_arrays,
    "NbsvmExplainer",
)


def keras_inference_form(path: Path, preprocessing: Preprocessing) -> tuple[MemberKind, bytes] | None:
    """A Keras NBSVM as ``NBSVM_ARRAYS``, checked against Keras on random reviews; None for any other model."""
    from imdb_sentiment.members.keras.nbsvm_arrays import is_nbsvm

    model = _load_keras(path)
    if not is_nbsvm(model):
        return None
    arrays = LinearNbsvm.from_keras(model)
    padded = random_padded_reviews(len(preprocessing.vocab), preprocessing)
    difference = float(np.max(np.abs(arrays.predict_padded(padded) - keras_probabilities(model, padded))))
    if difference > INFERENCE_TOLERANCE:
        raise PipelineError(
            f"{path}: the NBSVM's numpy arrays score up to {difference:.2g} away from Keras' probabilities "
            f"(expected at most {INFERENCE_TOLERANCE:g}); the model's layers no longer match nbsvm.LinearNbsvm"
        )
    return NBSVM_ARRAYS, arrays.to_bytes()


def random_padded_reviews(vocab_size: int, preprocessing: Preprocessing, rows: int = 256, seed: int = 0) -> np.ndarray:
    """Reviews of random word ids and lengths (from one word to longer than maxlen), padded: a check
    of two scorers' arithmetic that needs no data."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 2 * preprocessing.maxlen, size=rows)
    return preprocessing.pad_sequences([rng.integers(1, vocab_size, size=int(n)) for n in lengths])


KERAS = MemberKind(
    "keras",
    "a Keras model of train.model, reading padded ids",
    "stages/train.py",
    "train",
    ".keras",
    _load_keras,
    _score_keras,
    "keras_explainer",
    keras_inference_form,
)
NGRAMS = MemberKind(
    "ngrams",
    "NB-weighted logistic regression on binary word 1..3-grams",
    "stages/train_ngrams.py",
    "ngrams",
    ".npz",
    NgramModel.load,
    _score_packed,
    "NgramExplainer",
)
ENDING = MemberKind(
    "ending",
    "the n-gram model on each review's last words",
    "stages/train_ngrams.py",
    "ending",
    ".npz",
    NgramModel.load,
    _score_packed,
    "NgramExplainer",
)
LANGUAGE_MODEL = MemberKind(
    "lm",
    "one n-gram language model per class, scored by their likelihood ratio",
    "stages/train_lm.py",
    "lm",
    ".npz",
    ClassLanguageModels.load,
    _score_packed,
    "LanguageModelExplainer",
)
KINDS: dict[str, MemberKind] = {kind.name: kind for kind in (KERAS, NGRAMS, ENDING, LANGUAGE_MODEL)}
# Kinds that an ensemble's manifest may name besides KINDS: the inference forms (never a member's name).
INFERENCE_KINDS: dict[str, MemberKind] = {kind.name: kind for kind in (NBSVM_ARRAYS,)}


def member_names() -> tuple[str, ...]:
    """Every name ``ensemble.members`` accepts."""
    return (*KINDS, *(model for model in KERAS_MODELS if model not in KINDS))


def kind_of(member: str) -> MemberKind:
    """The kind of the member named ``member`` in ensemble.members."""
    if member in KINDS:
        return KINDS[member]
    if member in KERAS_MODELS:
        return KERAS
    raise PipelineError(
        f"ensemble.members: {member!r} is not a member; expected one of {', '.join(member_names())} "
        "(keras = stage train's train.model; the other Keras architectures need a stage of their own)"
    )


def manifest_kind(name: str) -> MemberKind:
    """The kind an ensemble's manifest names: a member kind or an inference form."""
    if name in INFERENCE_KINDS:
        return INFERENCE_KINDS[name]
    return kind_of(name)


def check_members(members: Sequence[str]) -> dict[str, MemberKind]:
    """Each named member's kind, in order; the first unknown name is an error naming it."""
    return {name: kind_of(name) for name in members}


def model_filename(member: str) -> str:
    """The file name of a member's model: data/members/<name><suffix>, and its entry in the ensemble."""
    return f"{member}{kind_of(member).suffix}"


def member_files(
    members: Sequence[str], models_dir: Path, scores_dir: Path, named: Mapping[str, str]
) -> dict[str, tuple[Path, Path]]:
    """Each member's model and validation scores; a missing one is an error naming the file."""
    files = {}
    for name in members:
        model = Path(named[name]) if name in named else models_dir / model_filename(name)
        scores = scores_dir / f"{name}.npz"
        for path in (model, scores):
            if not path.is_file():
                raise PipelineError(
                    f"ensemble.members names {name!r}, but {path} does not exist: add the stage that writes it to "
                    "dvc.yaml (docs: Adding a member), or take the name out of ensemble.members"
                )
        files[name] = (model, scores)
    return files


@dataclass(frozen=True)
class Member:
    """A loaded member: its name in the ensemble, its kind and its model."""

    name: str
    kind: MemberKind
    model: Any

    def probabilities(self, ids: np.ndarray, offsets: np.ndarray, preprocessing: Preprocessing) -> np.ndarray:
        """Probability that each packed review is positive."""
        return self.kind.score(self.model, ids, offsets, preprocessing)


def load_member(name: str, kind: MemberKind, path: str | os.PathLike[str]) -> Member:
    return Member(name, kind, kind.load(path))
