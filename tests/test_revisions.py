"""The model registry: versions and stages tagged with GTO, and `predict --rev/--stage` fetching
them through DVC; plain git revisions work too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fixture_repo import repo_env, run, set_params

from imdb_sentiment.io import PipelineError

REVIEW = "a great film, wonderful and moving, though the plot was dull"


def commit_and_register(repo: Path, version: str) -> None:
    """Commit the run, then register it as the model's ``version`` (git tag imdb-sentiment@<version>)."""
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", f"model {version}")
    run(repo, "gto", "register", "imdb-sentiment", "--version", version)


def predict(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "imdb_sentiment", "predict", *args]
    return subprocess.run(command, cwd=repo, env=repo_env(repo), capture_output=True, text=True)


def test_each_revision_scores_with_its_own_model(trained_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """v1.0.0: the trained fixture pipeline. v2.0.0: the n-gram member refit with another C. Each
    --rev must score like the model that version's commit names, whatever the workspace holds."""
    from imdb_sentiment.predict import load_classifier, load_classifier_at_revision

    clone = tmp_path_factory.mktemp("revisions") / "repo"
    run(trained_repo.parent, "git", "clone", "-q", str(trained_repo), str(clone))
    (clone.parent / "aclImdb_v1.tar.gz").symlink_to(trained_repo.parent / "aclImdb_v1.tar.gz")
    run(clone, "dvc", "cache", "dir", "--local", str(trained_repo / ".dvc" / "cache"))
    run(clone, "git", "config", "user.name", "t")  # gto's tags are annotated: they need an author
    run(clone, "git", "config", "user.email", "t@t")
    run(clone, "dvc", "repro")  # nothing to compute: every output comes from the shared cache
    commit_and_register(clone, "v1.0.0")
    v1 = load_classifier(clone / "data/ensemble.zip").predict([REVIEW])[0]

    set_params(clone / "params.yaml", {"ngrams.C": 0.01})
    run(clone, "dvc", "repro")
    commit_and_register(clone, "v2.0.0")
    run(clone, "gto", "assign", "imdb-sentiment", "--version", "v1.0.0", "--stage", "prod")
    assert {"imdb-sentiment@v1.0.0", "imdb-sentiment@v2.0.0", "imdb-sentiment#prod#1"} <= set(
        run(clone, "git", "tag").split()
    )
    v2 = load_classifier(clone / "data/ensemble.zip").predict([REVIEW])[0]
    assert abs(v1 - v2) > 1e-3  # the two versions are different models

    run(clone, "git", "checkout", "-q", "imdb-sentiment@v1.0.0")  # the workspace keeps v2's files
    for rev, expected in (("v1.0.0", v1), ("v2.0.0", v2)):
        assert load_classifier_at_revision(rev, repo=clone).predict([REVIEW])[0] == pytest.approx(expected, abs=1e-6)
        done = predict(clone, "--rev", rev, REVIEW)
        assert done.returncode == 0, done.stderr
        assert float(done.stdout.split()[0]) == pytest.approx(expected, abs=1e-4)

    prod = predict(clone, "--stage", "prod", REVIEW)
    assert prod.returncode == 0, prod.stderr
    assert float(prod.stdout.split()[0]) == pytest.approx(v1, abs=1e-4)
    commit = run(clone, "git", "rev-parse", "HEAD").strip()  # any git revision works too
    assert load_classifier_at_revision(commit, repo=clone).predict([REVIEW])[0] == pytest.approx(v1, abs=1e-6)

    registry = "versions of imdb-sentiment: v1.0.0, v2.0.0; stages: prod"
    missing = predict(clone, "--rev", "v3.0.0", REVIEW)
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"error: no model version or git revision 'v3.0.0' in . ({registry})"
    no_stage = predict(clone, "--stage", "staging", REVIEW)
    assert no_stage.stderr.strip() == f"error: no stage 'staging' of imdb-sentiment in the registry ({registry})"
    artifact = run(clone, "dvc", "artifacts", "get", ".", "imdb-sentiment", "--rev", "v2.0.0", "-o", "v2.zip")
    assert "v2.zip" in artifact
    assert load_classifier(clone / "v2.zip").predict([REVIEW])[0] == pytest.approx(v2, abs=1e-6)
    with pytest.raises(PipelineError, match=r"not tracked at revision 'v1\.0\.0'"):
        load_classifier_at_revision("v1.0.0", "data/nothing.zip", repo=clone)
