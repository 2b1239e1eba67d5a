"""The stacker: a logistic regression on the members' validation log-odds (members.scores),
fitted on those scores only, and its accuracy by cross-validation within validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from imdb_sentiment.members.scores import MemberScores, accuracy
from imdb_sentiment.pipeline.io import PipelineError

EPSILON = 1e-7
# The folds of the stacker's cross-validation within validation (stage combine and the studies alike).
CV_SEED = 0


def check_aligned(members: Mapping[str, MemberScores]) -> tuple[np.ndarray, np.ndarray]:
    """The common (index, labels); fail naming the member whose rows or labels differ, or
    whose scores are not all numbers."""
    names = list(members)
    if not names:
        raise PipelineError("no ensemble members given")
    first = members[names[0]]
    for name in names[1:]:
        other = members[name]
        if other.index.shape != first.index.shape or not np.array_equal(other.index, first.index):
            raise PipelineError(
                f"validation rows of member '{name}' differ from those of '{names[0]}': "
                "their scores are not for the same reviews in the same order"
            )
        if not np.array_equal(other.labels, first.labels):
            raise PipelineError(f"validation labels of member '{name}' differ from those of '{names[0]}'")
    for name, scores in members.items():
        missing = int(np.sum(~np.isfinite(scores.probabilities)))
        if missing:
            raise PipelineError(
                f"member '{name}' gave no probability (NaN) for {missing} validation reviews: its training "
                "diverged (see 'collapsed' in its metrics); lower its learning rate"
            )
    return first.index, first.labels


def log_odds(probabilities: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(probabilities, dtype=np.float64), EPSILON, 1 - EPSILON)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Stacker:
    """p = sigmoid(bias + sum_i weight_i * logit(p_i)) over the named members."""

    members: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float

    def combine(self, probabilities: Mapping[str, np.ndarray]) -> np.ndarray:
        z = self.bias + sum(w * log_odds(probabilities[m]) for m, w in zip(self.members, self.weights, strict=True))
        return 1.0 / (1.0 + np.exp(-np.asarray(z)))

    def as_dict(self) -> dict[str, object]:
        return {"members": list(self.members), "weights": list(self.weights), "bias": self.bias}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Stacker:
        return cls(tuple(data["members"]), tuple(float(w) for w in data["weights"]), float(data["bias"]))


def fit_stacker(members: Mapping[str, MemberScores], c: float) -> Stacker:
    """Logistic regression on the members' validation log-odds (one member: the identity)."""
    from sklearn.linear_model import LogisticRegression

    _, labels = check_aligned(members)
    names = tuple(members)
    if len(names) == 1:
        return Stacker(names, (1.0,), 0.0)
    x = np.column_stack([log_odds(members[m].probabilities) for m in names])
    model = LogisticRegression(C=c).fit(x, labels)
    return Stacker(names, tuple(round(float(w), 8) for w in model.coef_.ravel()), round(float(model.intercept_[0]), 8))


def cross_validated_correct(members: Mapping[str, MemberScores], c: float, folds: int, seed: int) -> np.ndarray:
    """Per validation review, whether the stacker fitted on the other folds labels it right."""
    from sklearn.model_selection import StratifiedKFold

    index, labels = check_aligned(members)
    correct = np.zeros(labels.size, dtype=bool)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fit_rows, held_rows in splitter.split(index, labels):
        part = {name: _rows(scores, fit_rows) for name, scores in members.items()}
        stacker = fit_stacker(part, c)
        p = stacker.combine({name: scores.probabilities[held_rows] for name, scores in members.items()})
        correct[held_rows] = (p >= 0.5) == labels[held_rows]
    return correct


def cross_validated_accuracy(members: Mapping[str, MemberScores], c: float, folds: int, seed: int) -> float:
    """Accuracy of the stacker on validation reviews it was not fitted on (k-fold within validation)."""
    return float(np.mean(cross_validated_correct(members, c, folds, seed)))


def _rows(scores: MemberScores, rows: np.ndarray) -> MemberScores:
    return MemberScores(scores.index[rows], scores.labels[rows], scores.probabilities[rows])


def stacker_summary(stacker: Stacker, members: Mapping[str, MemberScores], c: float, folds: int) -> dict[str, Any]:
    """Stage combine's metrics: the ensemble's validation accuracy (cross-validated within
    validation; with one member, the member's own) and each member's weight and accuracy."""
    _, labels = check_aligned(members)
    per_member = {
        name: {"weight": weight, "val_accuracy": round(accuracy(members[name].probabilities, labels), 6)}
        for name, weight in zip(stacker.members, stacker.weights, strict=True)
    }
    if len(members) > 1:
        val_accuracy = cross_validated_accuracy(members, c, folds, seed=CV_SEED)
        method = f"{folds}-fold cross-validation within validation"
    else:  # one member, passed through
        val_accuracy, method = per_member[stacker.members[0]]["val_accuracy"], "the member's own"
    return {
        "val_accuracy": round(val_accuracy, 6),
        "val_accuracy_method": method,
        "bias": stacker.bias,
        "members": per_member,
    }
