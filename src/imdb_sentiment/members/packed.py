"""What the stages of the members that read packed reviews share (train_ngrams and train_ending,
and train_lm where a pipeline adds it): reading the encoded train reviews with their split, then
fitting on the train split, scoring the validation reviews, and refitting on both."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from imdb_sentiment.pipeline.io import PipelineError, load_npz, read_json
from imdb_sentiment.text.sequences import select_rows

log = logging.getLogger(__name__)
Model = TypeVar("Model", bound=Any)  # has predict(ids, offsets) -> probabilities


@dataclass(frozen=True)
class PackedTrain:
    ids: np.ndarray
    offsets: np.ndarray
    labels: np.ndarray
    train_rows: np.ndarray
    val_rows: np.ndarray
    base: int  # vocabulary size: every id is below it


def load_packed_train(
    train: str | os.PathLike[str], index: str | os.PathLike[str], vocab: str | os.PathLike[str]
) -> PackedTrain:
    encoded, split = load_npz(train), load_npz(index)
    ids, base = encoded["ids"], len(read_json(vocab))
    if ids.size and int(ids.max()) >= base:
        raise PipelineError(f"{train}: word id {int(ids.max())} is outside the vocabulary of {base} ({vocab})")
    return PackedTrain(ids, encoded["offsets"], encoded["labels"], split["train"], split["val"], base)


def fit_and_score(
    fit: Callable[[np.ndarray, np.ndarray, np.ndarray], Model], data: PackedTrain, refit_full: bool
) -> tuple[Model, np.ndarray]:
    """The model (refitted on train + validation when ``refit_full``) and the validation
    probabilities of its train-split fit, the stacker's input."""
    model = fit(*select_rows(data.ids, data.offsets, data.train_rows), data.labels[data.train_rows])
    val_probabilities = model.predict(*select_rows(data.ids, data.offsets, data.val_rows))
    if refit_full:
        rows = np.concatenate([data.train_rows, data.val_rows])
        model = fit(*select_rows(data.ids, data.offsets, rows), data.labels[rows])
        log.info("refitted on train + validation: %d reviews", rows.size)
    return model, val_probabilities
