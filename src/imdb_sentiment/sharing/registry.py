"""The model registry: GTO's git tags (``imdb-sentiment@v1.0.0``, ``imdb-sentiment#prod#1``) on
the artifact that dvc.yaml declares, resolved to a git revision through ``dvc.api``."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from imdb_sentiment.pipeline.io import PipelineError

MODEL_ARTIFACT = "imdb-sentiment"  # dvc.yaml `artifacts:`


def git_tags(repo: str | Path = ".") -> list[str]:
    done = subprocess.run(["git", "tag", "--list"], cwd=repo, capture_output=True, text=True, check=False)
    return sorted(done.stdout.split()) if done.returncode == 0 else []


def registered(repo: str | Path = ".", name: str = MODEL_ARTIFACT) -> tuple[list[str], list[str]]:
    """(versions, stages) of ``name``, from the repository's git tags."""
    tags = git_tags(repo)
    versions = [m.group(1) for tag in tags if (m := re.fullmatch(rf"{re.escape(name)}@(v[^#@]+)", tag))]
    stages = sorted({m.group(1) for tag in tags if (m := re.fullmatch(rf"{re.escape(name)}#([^#]+)#\d+", tag))})
    return versions, stages


def describe(repo: str | Path = ".", name: str = MODEL_ARTIFACT) -> str:
    versions, stages = registered(repo, name)
    return f"versions of {name}: {', '.join(versions) or 'none'}; stages: {', '.join(stages) or 'none'}"


def resolve(
    version: str | None = None, stage: str | None = None, repo: str | Path = ".", name: str = MODEL_ARTIFACT
) -> tuple[str, str]:
    """(git revision, path) of a registered version, or of the version a stage points to."""
    import dvc.api
    from dvc.exceptions import ArtifactNotFoundError

    try:
        found = dvc.api.artifacts_show(name, version=version, stage=stage, repo=str(repo))
    except ArtifactNotFoundError:
        asked = f"version {version!r}" if version else f"stage {stage!r}"
        raise PipelineError(f"no {asked} of {name} in the registry ({describe(repo, name)})") from None
    return found["rev"], found["path"]
