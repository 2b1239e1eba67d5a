"""The judge the model-selection studies share: stage combine's stacker, as params.yaml sets it.

A candidate member is judged as stage combine would use it: the stacker (a logistic regression on
the members' log-odds, inverse strength `ensemble.C`) is cross-validated within validation in
`ensemble.cv_folds` stratified folds (seed `imdb_sentiment.ensemble.stacker.CV_SEED`, as combine's), and
the candidate's gain is the paired per-review difference in the stacker's correctness with and
without it. The default members are `ensemble.members`; their validation scores are the
pipeline's own (data/val_scores/<member>.npz). Each study keeps its record in
metrics/studies/<study>.json.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imdb_sentiment.ensemble import stacker
from imdb_sentiment.ensemble.stacker import CV_SEED
from imdb_sentiment.members import scores
from imdb_sentiment.members.scores import MemberScores
from imdb_sentiment.pipeline.io import read_json, write_json
from imdb_sentiment.pipeline.params import EnsembleParams, load_params

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PARAMS = REPO / "params.yaml"
VAL_SCORES = REPO / "data" / "val_scores"
RECORDS = REPO / "metrics" / "studies"


def paired_gain(with_member: np.ndarray, without: np.ndarray) -> tuple[float, float]:
    """Accuracy gain of one per-review correctness vector over another on the same reviews, and
    its standard error (of the mean paired difference): only the reviews they disagree on count."""
    difference = with_member.astype(np.float64) - without.astype(np.float64)
    return float(difference.mean()), float(difference.std(ddof=1) / np.sqrt(difference.size))


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """A member's accuracy on its own (threshold 0.5), rounded as the records keep it."""
    return round(scores.accuracy(probabilities, labels), 4)


@dataclass(frozen=True)
class Gain:
    """A candidate's accuracy gain over a base on the same reviews, with its standard error (shares)."""

    gain: float
    standard_error: float

    def points(self) -> dict[str, float]:
        """The record's form: percentage points, two decimals."""
        return {"gain_points": round(100 * self.gain, 2), "standard_error_points": round(100 * self.standard_error, 2)}


@dataclass(frozen=True)
class Judge:
    """Stage combine's stacker settings and default members, as params.yaml gives them."""

    members: tuple[str, ...]  # ensemble.members: the default ensemble
    c: float  # ensemble.C
    folds: int  # ensemble.cv_folds
    seed: int = CV_SEED

    @classmethod
    def from_params(cls, params_file: str | os.PathLike[str] = PARAMS) -> Judge:
        p = load_params(EnsembleParams, params_file)
        return cls(tuple(p.members), p.C, p.cv_folds, CV_SEED)

    def pipeline_scores(
        self, names: Iterable[str] | None = None, directory: str | os.PathLike[str] = VAL_SCORES
    ) -> dict[str, MemberScores]:
        """The pipeline's own validation scores of `names` (default: the default members), in that order."""
        return {name: MemberScores.load(Path(directory) / f"{name}.npz") for name in (names or self.members)}

    def correct(self, members: Mapping[str, MemberScores]) -> np.ndarray:
        """Per review, whether the stacker over `members`, fitted on the other folds, labels it right."""
        return stacker.cross_validated_correct(members, self.c, self.folds, self.seed)

    def stacked_accuracy(self, members: Mapping[str, MemberScores]) -> float:
        """The stacker's cross-validated accuracy over `members` (unrounded)."""
        return float(np.mean(self.correct(members)))

    def gain(
        self, with_member: np.ndarray | Mapping[str, MemberScores], without: np.ndarray | Mapping[str, MemberScores]
    ) -> Gain:
        """Paired gain of one set of members over another: each given as its members' scores or as
        their per-review correctness (`correct`), so that a base judged once is not refitted."""
        return Gain(*paired_gain(self._correct(with_member), self._correct(without)))

    def _correct(self, judged: np.ndarray | Mapping[str, MemberScores]) -> np.ndarray:
        return self.correct(judged) if isinstance(judged, Mapping) else np.asarray(judged)


def record_path(study: str, directory: str | os.PathLike[str] = RECORDS) -> Path:
    return Path(directory) / f"{study}.json"


def read_record(study: str, directory: str | os.PathLike[str] = RECORDS) -> dict[str, Any]:
    """The study's record so far; empty if it has none yet."""
    path = record_path(study, directory)
    return read_json(path) if path.exists() else {}


def write_record(study: str, record: Mapping[str, Any], directory: str | os.PathLike[str] = RECORDS) -> Path:
    """Write the study's record atomically (never a half-written file); return its path."""
    path = record_path(study, directory)
    write_json(path, record)
    return path
