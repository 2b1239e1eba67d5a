"""Score new reviews with a trained model, exactly as the pipeline prepared its inputs.

The default model is the ensemble (``data/ensemble.zip``, self-contained). A Keras model
(``.keras``) from stage train is self-contained too: it carries its vocabulary and padding. Either
loads as a ``Classifier`` (``load_classifier``), from the workspace or as committed at a git
revision or registered version (``load_classifier_at_revision``, ``load_classifier_in_stage``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.scoring.classifier import (
    DEFAULT_MODEL,
    DEFAULT_PARAMS,
    DEFAULT_VOCAB,
    Classifier,
    ModelFiles,
    load_classifier,
)

__all__ = [
    "LABELS",
    "Classifier",
    "ModelFiles",
    "label_of",
    "load_classifier",
    "load_classifier_at_revision",
    "load_classifier_in_stage",
    "model_files_at_revision",
    "model_files_in_stage",
]


# The labels predict and the API give, class 0 then 1, whatever your table's classes are called
# (data.table.labels maps them in this order: negative first).
LABELS: tuple[Literal["negative"], Literal["positive"]] = ("negative", "positive")


def label_of(probability: float, threshold: float = 0.5) -> Literal["positive", "negative"]:
    """'positive' or 'negative', as predict_label decides."""
    return LABELS[1] if probability >= threshold else LABELS[0]


def model_files_at_revision(
    rev: str,
    path: str = DEFAULT_MODEL,
    *,
    vocab_path: str = DEFAULT_VOCAB,
    params_path: str = DEFAULT_PARAMS,
    repo: str | Path = ".",
) -> ModelFiles:
    """The model's files as committed at ``rev``, as bytes: a registered version of the model
    (``v1.0.0`` for the git tag ``imdb-sentiment@v1.0.0``) or any git revision (tag, branch,
    commit), fetched through DVC from the cache or the remote."""
    from imdb_sentiment.sharing.registry import describe, registered, resolve
    from imdb_sentiment.sharing.revisions import UnknownRevision, files_at_revision

    commit = resolve(version=rev, repo=repo)[0] if rev in registered(repo)[0] else rev  # a version: its tag's commit
    needed = [path] if str(path).endswith(".zip") else [path, vocab_path, params_path]
    try:
        with files_at_revision(needed, commit, repo, label=rev) as local:
            return ModelFiles.read(*local)
    except UnknownRevision:
        raise PipelineError(f"no model version or git revision {rev!r} in {repo} ({describe(repo)})") from None


def load_classifier_at_revision(
    rev: str,
    path: str = DEFAULT_MODEL,
    *,
    vocab_path: str = DEFAULT_VOCAB,
    params_path: str = DEFAULT_PARAMS,
    repo: str | Path = ".",
) -> Classifier:
    """``load_classifier`` on the files as committed at ``rev`` (``model_files_at_revision``)."""
    return model_files_at_revision(rev, path, vocab_path=vocab_path, params_path=params_path, repo=repo).classifier


def model_files_in_stage(stage: str, repo: str | Path = ".") -> ModelFiles:
    """The files of the model version that registry stage ``stage`` (e.g. ``prod``) points to."""
    from imdb_sentiment.sharing.registry import resolve

    rev, path = resolve(stage=stage, repo=repo)
    return model_files_at_revision(rev, path, repo=repo)


def load_classifier_in_stage(stage: str, repo: str | Path = ".") -> Classifier:
    """The model version that registry stage ``stage`` (e.g. ``prod``) points to."""
    return model_files_in_stage(stage, repo).classifier
