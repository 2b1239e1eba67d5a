"""The model registry: versions and stages tagged with GTO, and `predict --rev/--stage` fetching
them through DVC; plain git revisions work too."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_repo import REGISTRY_REVIEW as REVIEW
from fixture_repo import cli, run

from imdb_sentiment.pipeline.io import PipelineError


def test_each_revision_scores_with_its_own_model(registered_repo: tuple[Path, dict[str, float]]) -> None:
    """v1.0.0: the trained fixture pipeline. v2.0.0 (HEAD, and the workspace): the n-gram member
    and the stacker refit with another C. Each --rev must score like the model that version's commit names."""
    from imdb_sentiment.scoring.predict import load_classifier, load_classifier_at_revision

    clone, scores = registered_repo
    v1, v2 = scores["v1.0.0"], scores["v2.0.0"]
    assert abs(v1 - v2) > 1e-3  # the two versions are different models
    assert {"imdb-sentiment@v1.0.0", "imdb-sentiment@v2.0.0", "imdb-sentiment#prod#1"} <= set(
        run(clone, "git", "tag").split()
    )
    for rev, expected in (("v1.0.0", v1), ("v2.0.0", v2)):
        assert load_classifier_at_revision(rev, repo=clone).predict([REVIEW])[0] == pytest.approx(expected, abs=1e-6)
        done = cli(clone, "predict", "--rev", rev, REVIEW)
        assert done.returncode == 0, done.stderr
        assert float(done.stdout.split()[0]) == pytest.approx(expected, abs=1e-4)

    prod = cli(clone, "predict", "--stage", "prod", REVIEW)
    assert prod.returncode == 0, prod.stderr
    assert float(prod.stdout.split()[0]) == pytest.approx(v1, abs=1e-4)
    commit = run(clone, "git", "rev-parse", "HEAD~1").strip()  # any git revision works too: v1's commit
    assert load_classifier_at_revision(commit, repo=clone).predict([REVIEW])[0] == pytest.approx(v1, abs=1e-6)

    registry = "versions of imdb-sentiment: v1.0.0, v2.0.0; stages: prod"
    missing = cli(clone, "predict", "--rev", "v3.0.0", REVIEW)
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"error: no model version or git revision 'v3.0.0' in . ({registry})"
    no_stage = cli(clone, "predict", "--stage", "staging", REVIEW)
    assert no_stage.stderr.strip() == f"error: no stage 'staging' of imdb-sentiment in the registry ({registry})"
    artifact = run(clone, "dvc", "artifacts", "get", ".", "imdb-sentiment", "--rev", "v2.0.0", "-o", "v2.zip")
    assert "v2.zip" in artifact
    assert load_classifier(clone / "v2.zip").predict([REVIEW])[0] == pytest.approx(v2, abs=1e-6)
    with pytest.raises(PipelineError, match=r"not tracked at revision 'v1\.0\.0'"):
        load_classifier_at_revision("v1.0.0", "data/nothing.zip", repo=clone)
