"""What every member's stage writes for the stacker: the probabilities its train-split model gives
the validation reviews, tagged with their row positions in the train reviews (``index``) and
their labels. Kept apart from the stacker, so that an edit to the stacker reruns no member."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from imdb_sentiment.pipeline.io import PipelineError, load_npz, save_npz


def accuracy(probabilities: np.ndarray, labels: np.ndarray, threshold: float = 0.5) -> float:
    """Share of reviews whose probability falls on their label's side of ``threshold``."""
    return float(np.mean((np.asarray(probabilities) >= threshold) == np.asarray(labels)))


@dataclass(frozen=True)
class MemberScores:
    """One member's validation probabilities, with the rows and labels they belong to."""

    index: np.ndarray  # row positions in the train reviews
    labels: np.ndarray
    probabilities: np.ndarray

    def save(self, path: str | os.PathLike[str]) -> None:
        save_npz(path, {"index": self.index, "labels": self.labels, "probabilities": self.probabilities})

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MemberScores:
        data = load_npz(path)
        missing = {"index", "labels", "probabilities"} - set(data)
        if missing:
            raise PipelineError(f"{path}: not a member's validation scores (missing {', '.join(sorted(missing))})")
        scores = cls(data["index"], data["labels"], data["probabilities"])
        if not scores.index.size == scores.labels.size == scores.probabilities.size:
            raise PipelineError(f"{path}: index, labels and probabilities differ in length")
        return scores


def validation_rows(rows: np.ndarray, labels: np.ndarray, rows_file: str, labels_file: str) -> np.ndarray:
    """The validation reviews' row positions, checked against their labels' count."""
    if rows.size != labels.size:
        raise PipelineError(f"{rows_file}: {rows.size} validation rows, but {labels_file} holds {labels.size}")
    return rows
