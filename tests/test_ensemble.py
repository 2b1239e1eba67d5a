"""Stacking the members: rows must align, the stacker beats its members, the file is self-contained."""

import sys
from pathlib import Path

import numpy as np
import pytest

from imdb_sentiment.ensemble.stacker import (
    check_aligned,
    cross_validated_accuracy,
    cross_validated_correct,
    fit_stacker,
)
from imdb_sentiment.members.scores import MemberScores
from imdb_sentiment.pipeline.io import PipelineError

sys.path.insert(0, str(Path(__file__).parents[1] / "studies"))  # the studies' judge

from judge import paired_gain


def members(n: int = 2000, seed: int = 0) -> dict[str, MemberScores]:
    """Two noisy, partly independent views of the same labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    signal = 2.0 * labels - 1.0
    index = rng.permutation(n * 2)[:n]
    views = {}
    for name in ("a", "b"):
        logit = signal * 1.2 + rng.normal(0, 1.5, n)
        views[name] = MemberScores(index, labels, 1 / (1 + np.exp(-logit)))
    return views


def accuracy(p: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean((p >= 0.5) == labels))


def test_the_stacker_beats_each_member() -> None:
    scores = members()
    stacker = fit_stacker(scores, c=1.0)
    labels = scores["a"].labels
    combined = accuracy(stacker.combine({m: s.probabilities for m, s in scores.items()}), labels)
    assert combined > max(accuracy(s.probabilities, labels) for s in scores.values()) + 0.02
    held_out = cross_validated_accuracy(scores, c=1.0, folds=5, seed=0)
    assert abs(held_out - combined) < 0.02  # two weights cannot overfit 2,000 reviews


def test_a_useful_member_gains_and_a_useless_one_does_not() -> None:
    scores = members()
    two = cross_validated_correct(scores, c=1.0, folds=5, seed=0)
    one = cross_validated_correct({"a": scores["a"]}, c=1.0, folds=5, seed=0)
    gain, se = paired_gain(two, one)
    assert gain == pytest.approx(two.mean() - one.mean())
    assert gain > 3 * se > 0  # b is an independent view: a clear gain
    noise = np.random.default_rng(5).uniform(0.01, 0.99, scores["a"].labels.size)
    scores["noise"] = MemberScores(scores["a"].index, scores["a"].labels, noise)
    gain, se = paired_gain(cross_validated_correct(scores, c=1.0, folds=5, seed=0), two)
    assert abs(gain) < 2 * se + 1e-9  # a member of pure noise: no gain beyond its standard error


def test_one_member_is_passed_through() -> None:
    scores = {"a": members()["a"]}
    stacker = fit_stacker(scores, c=1.0)
    p = scores["a"].probabilities
    np.testing.assert_allclose(stacker.combine({"a": p}), p, rtol=1e-6)


def test_misaligned_rows_are_refused() -> None:
    scores = members()
    b = scores["b"]
    shuffled = np.random.default_rng(1).permutation(b.index.size)
    scores["b"] = MemberScores(b.index[shuffled], b.labels[shuffled], b.probabilities[shuffled])
    with pytest.raises(PipelineError, match="member 'b' differ from those of 'a'"):
        check_aligned(scores)
    scores["b"] = MemberScores(b.index, 1 - b.labels, b.probabilities)
    with pytest.raises(PipelineError, match="labels of member 'b'"):
        fit_stacker(scores, c=1.0)


def test_scores_round_trip_and_bad_files_are_named(tmp_path: Path) -> None:
    a = members()["a"]
    a.save(tmp_path / "a.npz")
    loaded = MemberScores.load(tmp_path / "a.npz")
    np.testing.assert_array_equal(loaded.probabilities, a.probabilities)
    np.savez(tmp_path / "other.npz", index=np.arange(3))
    with pytest.raises(PipelineError, match=r"other\.npz: not a member's validation scores"):
        MemberScores.load(tmp_path / "other.npz")


def test_a_diverged_member_is_named() -> None:
    scores = members()
    a = scores["a"]
    scores["a"] = MemberScores(a.index, a.labels, np.full(a.labels.size, np.nan))
    with pytest.raises(PipelineError, match=r"member 'a' gave no probability \(NaN\) for 2000 validation reviews"):
        fit_stacker(scores, c=1.0)
