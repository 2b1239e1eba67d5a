"""A git + DVC repository of this project on the fixture archive, with tiny params, for tests."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).parents[1]
OWN_DATA = Path("reviews")  # where your own review files go (data.table.path), as git has it
TINY_PARAMS: dict[str, Any] = {
    "vocab.num_words": 60,
    "split.val_size": 50,
    "word2vec.vector_size": 16,
    "word2vec.min_count": 1,
    "word2vec.epochs": 2,
    "embedding.dim": 16,
    "train.epochs": 6,
    **{f"train.{model}.batch_size": 32 for model in ("nbsvm", "fasttext", "cnn_wide", "cnn", "lstm", "gmp")},
    "train.fasttext.buckets": 1009,
    "train.fasttext.ngram_dim": 8,
    "train.nbsvm.buckets": 1009,
}


def set_params(path: Path, changes: dict[str, Any]) -> None:
    params = yaml.safe_load(path.read_text())
    for dotted, value in changes.items():
        target = params
        *parents, last = dotted.split(".")
        for key in parents:
            target = target[key]
        target[last] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def run(repo: Path, *args: str) -> str:
    done = subprocess.run(args, cwd=repo, env=repo_env(repo), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def cli(repo: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m imdb_sentiment ARGS` in ``repo``, as a user runs it; its exit status is not checked."""
    command = [sys.executable, "-m", "imdb_sentiment", *args]
    return subprocess.run(command, cwd=repo, env=repo_env(repo), input=stdin, capture_output=True, text=True)


def repo_env(repo: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["IMDB_ARCHIVE"] = str(repo.parent / "aclImdb_v1.tar.gz")
    env["PYTHONUNBUFFERED"] = "1"  # stage logs arrive as they happen
    return env


def sigint_as_in_a_terminal() -> None:
    """A ``preexec_fn`` for a child the test interrupts with SIGINT (Ctrl-C). A shell's background
    job starts with SIGINT ignored, and a child inherits that: Python would then never raise
    KeyboardInterrupt, and the test would see a run that ignored Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stages_run(output: str) -> set[str]:
    """The stages a `dvc repro` output says it ran."""
    return set(re.findall(r"Running stage '(\w+)'", output))


def repro(repo: Path, *flags: str) -> set[str]:
    """Run `dvc repro`; return the stages that actually ran."""
    return stages_run(run(repo, "dvc", "repro", *flags))


@contextlib.contextmanager
def params_changed(repo: Path, changes: dict[str, Any]) -> Iterator[None]:
    """Run the body with ``changes`` in params.yaml; then restore the committed params and
    outputs (DVC's run cache brings them back) and check the repo is up to date again."""
    set_params(repo / "params.yaml", changes)
    try:
        yield
    finally:
        run(repo, "git", "checkout", "params.yaml")
        repro(repo)
    assert "up to date" in run(repo, "dvc", "status")


def commit_all(repo: Path, message: str) -> None:
    """Commit everything in ``repo`` as the tests' author."""
    run(repo, "git", "add", "-A")
    run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message)


def make_repo(root: Path, archive: Path) -> Path:
    repo = root / "repo"
    repo.mkdir()
    shutil.copy(archive, root / "aclImdb_v1.tar.gz")
    for name in ("dvc.yaml", "params.yaml", ".gitignore", ".dvcignore"):
        shutil.copy(REPO / name, repo / name)
    for folder in ("stages", "src"):
        shutil.copytree(REPO / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    (repo / OWN_DATA).mkdir(parents=True)
    for name in (".gitignore", "README.md"):  # the folder as git has it (stage download depends on it)
        shutil.copy(REPO / OWN_DATA / name, repo / OWN_DATA / name)
    set_params(repo / "params.yaml", TINY_PARAMS)
    run(repo, "git", "init", "-q")
    run(repo, "dvc", "init", "-q")
    commit_all(repo, "fixture pipeline")
    return repo


REGISTRY_REVIEW = "a great film, wonderful and moving, though the plot was dull"


def commit_and_register(repo: Path, version: str) -> None:
    """Commit the run, then register it as the model's ``version`` (git tag imdb-sentiment@<version>)."""
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", f"model {version}")
    run(repo, "gto", "register", "imdb-sentiment", "--version", version)


def make_registered_repo(trained_repo: Path, clone: Path) -> dict[str, float]:
    """A clone of ``trained_repo`` (sharing its DVC cache) with two registered model versions:
    v1.0.0 as trained, v2.0.0 with ``ngrams.C: 0.01`` and ``ensemble.C: 0.01`` (HEAD and workspace;
    the stacker's C moves the fixture's near-certain scores visibly); stage prod -> v1.0.0.
    Returns each version's score of REGISTRY_REVIEW, read from the workspace when it was current."""
    from imdb_sentiment.scoring.predict import load_classifier

    run(trained_repo.parent, "git", "clone", "-q", str(trained_repo), str(clone))
    (clone.parent / "aclImdb_v1.tar.gz").symlink_to(trained_repo.parent / "aclImdb_v1.tar.gz")
    run(clone, "dvc", "cache", "dir", "--local", str(trained_repo / ".dvc" / "cache"))
    run(clone, "git", "config", "user.name", "t")  # gto's tags are annotated: they need an author
    run(clone, "git", "config", "user.email", "t@t")
    scores = {}
    for version, changes in (("v1.0.0", {}), ("v2.0.0", {"ngrams.C": 0.01, "ensemble.C": 0.01})):
        set_params(clone / "params.yaml", changes)
        run(clone, "dvc", "repro")  # v1: nothing to compute, every output comes from the shared cache
        commit_and_register(clone, version)
        scores[version] = float(load_classifier(clone / "data/ensemble.zip").predict([REGISTRY_REVIEW])[0])
    run(clone, "gto", "assign", "imdb-sentiment", "--version", "v1.0.0", "--stage", "prod")
    return scores
