"""`predict --rev` / `serve --rev`: the model as committed at a git revision, fetched through DVC."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fixture_repo import repo_env, run, set_params

from imdb_sentiment.io import PipelineError

REVIEW = "a great film, wonderful and moving, though the plot was dull"


def commit_and_tag(repo: Path, tag: str) -> None:
    run(repo, "git", "add", "-A")
    run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", tag)
    run(repo, "git", "tag", tag)


def predict(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "imdb_sentiment", "predict", *args]
    return subprocess.run(command, cwd=repo, env=repo_env(repo), capture_output=True, text=True)


def test_each_revision_scores_with_its_own_model(trained_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """v1.0.0: the trained fixture pipeline. v2.0.0: the n-gram member refit with another C. Each
    --rev must score like the model that revision's dvc.lock names, whatever the workspace holds."""
    from imdb_sentiment.predict import load_classifier, load_classifier_at_revision

    clone = tmp_path_factory.mktemp("revisions") / "repo"
    run(trained_repo.parent, "git", "clone", "-q", str(trained_repo), str(clone))
    (clone.parent / "aclImdb_v1.tar.gz").symlink_to(trained_repo.parent / "aclImdb_v1.tar.gz")
    run(clone, "dvc", "cache", "dir", "--local", str(trained_repo / ".dvc" / "cache"))
    run(clone, "dvc", "repro")  # nothing to compute: every output comes from the shared cache
    commit_and_tag(clone, "v1.0.0")
    v1 = load_classifier(clone / "data/ensemble.zip").predict([REVIEW])[0]

    set_params(clone / "params.yaml", {"ngrams.C": 0.01})
    run(clone, "dvc", "repro")
    commit_and_tag(clone, "v2.0.0")
    v2 = load_classifier(clone / "data/ensemble.zip").predict([REVIEW])[0]
    assert abs(v1 - v2) > 1e-3  # the two versions are different models

    run(clone, "git", "checkout", "-q", "v1.0.0")  # the workspace's own files stay as they are: v2's
    for rev, expected in (("v1.0.0", v1), ("v2.0.0", v2)):
        assert load_classifier_at_revision(rev, repo=clone).predict([REVIEW])[0] == pytest.approx(expected, abs=1e-6)
        done = predict(clone, "--rev", rev, REVIEW)
        assert done.returncode == 0, done.stderr
        assert float(done.stdout.split()[0]) == pytest.approx(expected, abs=1e-4)

    missing = predict(clone, "--rev", "v3.0.0", REVIEW)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: no git revision 'v3.0.0' in . (tags: v1.0.0, v2.0.0)"
    with pytest.raises(PipelineError, match=r"not tracked at revision 'v1\.0\.0'"):
        load_classifier_at_revision("v1.0.0", "data/nothing.zip", repo=clone)
