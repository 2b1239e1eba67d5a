"""The studies' shared judge (studies/judge.py): stage combine's stacker as params.yaml sets it."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from imdb_sentiment.ensemble import stacker
from imdb_sentiment.ensemble.stacker import CV_SEED
from imdb_sentiment.members import scores
from imdb_sentiment.members.scores import MemberScores
from imdb_sentiment.pipeline.io import PipelineError

REPO = Path(__file__).parents[1]
STUDIES = REPO / "studies"
sys.path.insert(0, str(STUDIES))

import judge as judge_module  # noqa: E402
from judge import Gain, Judge, accuracy, read_record, record_path, write_record  # noqa: E402


def write_params(directory: Path, **ensemble_group: object) -> Path:
    """params.yaml as committed, with `ensemble.*` changed."""
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["ensemble"] |= ensemble_group
    path = directory / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


def noisy_members(n: int = 600, seed: int = 0) -> dict[str, MemberScores]:
    """Three weak, partly independent views of the same labels: folds change which reviews they get right."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    index = rng.permutation(3 * n)[:n]
    views = {}
    for name in ("keras", "ngrams", "ending"):
        logit = (2.0 * labels - 1.0) * 0.6 + rng.normal(0, 1.5, n)
        views[name] = MemberScores(index, labels, 1 / (1 + np.exp(-logit)))
    return views


def test_the_judge_reads_the_stacker_settings_and_members_from_params(tmp_path: Path) -> None:
    judge = Judge.from_params(write_params(tmp_path, C=2.5, cv_folds=4, members=["keras", "ending"]))
    assert judge == Judge(members=("keras", "ending"), c=2.5, folds=4, seed=CV_SEED)


def test_the_committed_params_give_the_settings_the_records_were_made_with() -> None:
    """The studies' numbers were measured with C 1.0, 10 folds, seed 0 (the dicts the judge replaced)."""
    judge = Judge.from_params(REPO / "params.yaml")
    assert (judge.c, judge.folds, judge.seed) == (1.0, 10, 0)
    assert judge.members == ("keras", "ngrams", "ending")


def test_the_judge_passes_its_settings_to_the_stackers_cross_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def spy(members, c, folds, seed):
        calls.append((tuple(members), c, folds, seed))
        return np.ones(next(iter(members.values())).labels.size, dtype=bool)

    monkeypatch.setattr(judge_module.stacker, "cross_validated_correct", spy)
    judge = Judge.from_params(write_params(tmp_path, C=0.3, cv_folds=7))
    judge.correct(noisy_members())
    assert calls == [(("keras", "ngrams", "ending"), 0.3, 7, CV_SEED)]


def test_changing_cv_folds_changes_the_folds_used(tmp_path: Path) -> None:
    scores = noisy_members()
    ten = Judge.from_params(write_params(tmp_path, cv_folds=10)).correct(scores)
    three = Judge.from_params(write_params(tmp_path, cv_folds=3)).correct(scores)
    assert np.array_equal(ten, stacker.cross_validated_correct(scores, 1.0, 10, CV_SEED))
    assert np.array_equal(three, stacker.cross_validated_correct(scores, 1.0, 3, CV_SEED))
    assert not np.array_equal(ten, three)


def test_stacked_accuracy_is_the_share_of_reviews_the_stacker_gets_right(tmp_path: Path) -> None:
    judge = Judge.from_params(write_params(tmp_path))
    scores = noisy_members()
    assert judge.stacked_accuracy(scores) == pytest.approx(stacker.cross_validated_accuracy(scores, 1.0, 10, 0))
    assert 0.55 < judge.stacked_accuracy(scores) < 0.95


def test_a_candidate_identical_to_the_base_gains_nothing() -> None:
    judge = Judge(("keras", "ngrams"), 1.0, 10)
    base = {name: score for name, score in noisy_members().items() if name in judge.members}
    same = {name: MemberScores(s.index.copy(), s.labels.copy(), s.probabilities.copy()) for name, s in base.items()}
    gain = judge.gain(same, base)
    assert gain == Gain(0.0, 0.0)
    assert gain.points() == {"gain_points": 0.0, "standard_error_points": 0.0}
    # a base judged once (its correctness) counts the same as its scores
    assert judge.gain(same, judge.correct(base)) == gain


def test_a_gain_is_paired_per_review_and_given_in_points() -> None:
    judge = Judge(("keras",), 1.0, 10)
    without = np.array([True, False, False, True, False, True, True, False])
    with_member = np.array([True, True, False, True, True, True, False, False])
    gain = judge.gain(with_member, without)
    expected = judge_module.paired_gain(with_member, without)
    assert (gain.gain, gain.standard_error) == expected
    assert gain.gain == pytest.approx(1 / 8)
    assert gain.points() == {"gain_points": 12.5, "standard_error_points": round(100 * expected[1], 2)}
    scores = noisy_members()
    two = {name: scores[name] for name in ("keras", "ngrams")}
    # with the third member against without it, on the same folds
    assert judge.gain(scores, two) == Gain(*judge_module.paired_gain(judge.correct(scores), judge.correct(two)))


def test_accuracy_uses_the_pipelines_threshold_and_is_rounded_as_the_records_keep_it() -> None:
    labels = np.array([1, 0, 0, 1, 1, 0])
    probabilities = np.array([0.9, 0.2, 0.5, 0.4, 0.5, 0.49])  # 0.5 is positive
    assert accuracy(probabilities, labels) == round(scores.accuracy(probabilities, labels), 4) == 0.6667


def test_accuracy_is_the_member_scores_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(judge_module.scores, "accuracy", lambda probabilities, labels: 0.123456)
    assert accuracy(np.array([0.9]), np.array([1])) == 0.1235


def test_no_study_writes_its_own_accuracy_or_stacker_settings() -> None:
    """The accuracy helper and the judge replace the hand-written expression and the CV dicts."""
    for script in sorted(STUDIES.glob("*.py")):
        text = script.read_text()
        assert not re.search(r">=\s*0\.5\)\s*==", text), f"{script.name}: use judge.accuracy"
        assert not re.search(r"^CV\s*=", text, re.MULTILINE), f"{script.name}: use judge.Judge"
        if script.name != "selection_record.py":  # the one writer of metrics/model_selection.json (#28's choices)
            assert "model_selection.json" not in text.replace("studies/model_selection.json", ""), script.name


def test_the_pipelines_validation_scores_are_loaded_for_the_default_members(tmp_path: Path) -> None:
    judge = Judge(("keras", "ending"), 1.0, 10)
    scores = noisy_members()
    for name, member in scores.items():
        member.save(tmp_path / f"{name}.npz")
    loaded = judge.pipeline_scores(directory=tmp_path)
    assert list(loaded) == ["keras", "ending"]
    assert np.array_equal(loaded["ending"].probabilities, scores["ending"].probabilities)
    assert list(judge.pipeline_scores(["ngrams", "keras"], directory=tmp_path)) == ["ngrams", "keras"]
    with pytest.raises(PipelineError, match=r"lm\.npz not found"):
        judge.pipeline_scores(["lm"], directory=tmp_path)


def test_records_are_one_file_per_study_written_whole(tmp_path: Path) -> None:
    assert read_record("view_candidates", tmp_path) == {}
    path = write_record("view_candidates", {"candidates": {"first-40": {"val_accuracy": 0.759}}}, tmp_path)
    assert path == record_path("view_candidates", tmp_path) == tmp_path / "view_candidates.json"
    assert read_record("view_candidates", tmp_path) == {"candidates": {"first-40": {"val_accuracy": 0.759}}}
    assert [p.name for p in tmp_path.iterdir()] == ["view_candidates.json"]  # no temporary file left
    assert record_path("member_cv") == REPO / "metrics" / "studies" / "member_cv.json"


def test_the_committed_records_are_split_by_study() -> None:
    # metrics/model_selection.json is not a study's record: studies/selection_record.py assembles it
    # from the records below and the pipeline's runs (the speed choices and what each cost)
    assembled = json.loads((REPO / "metrics" / "model_selection.json").read_text())
    assert {"before", "after", "candidate_runs", "choices", "cold_run"} <= set(assembled)
    records = {path.stem: json.loads(path.read_text()) for path in (REPO / "metrics" / "studies").glob("*.json")}
    assert set(records) == {
        "ensemble_candidates",
        "view_candidates",
        "member_cv",
        "training_candidates",
        "model_selection",
        "word2vec_candidates",
        "train_step_cost",
        "nsmc_candidates",  # bench/nsmc.py --try: the Korean recipe's settings, chosen on validation
    }
    assert {"stacked_val_accuracy", "keras_members", "language_models"} <= set(records["ensemble_candidates"])
    assert "views" not in records["ensemble_candidates"]
    assert set(records["view_candidates"]) == {"protocol", "baselines", "candidates", "settings", "validation_split"}
    assert {"members", "gains", "baseline"} <= set(records["member_cv"])
    assert all("val_accuracy_per_epoch" in row for row in records["training_candidates"].values())
    assert set(records["model_selection"]) == {"experiments", "findings"}
    tries = records["nsmc_candidates"]["candidates"].values()
    assert all({"changes", "val_accuracy", "members_val_accuracy"} <= set(entry) for entry in tries)
    assert not any("test" in key for entry in tries for key in entry)  # chosen on validation: no test figure kept


def test_the_experiments_runner_writes_a_studys_record_unless_it_runs_the_tutorial() -> None:
    from experiments import default_out

    assert default_out(STUDIES / "tutorial_experiments.yaml") == REPO / "metrics" / "experiments.json"
    assert default_out("studies/model_selection.yaml") == REPO / "metrics" / "studies" / "model_selection.json"
