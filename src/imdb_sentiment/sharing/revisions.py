"""Files as they were at a git revision (a commit, branch or tag), fetched through DVC.

DVC reads the revision's dvc.lock and takes each output from the local cache or, failing that,
the DVC remote: a model that was pushed can be used from any clone without rerunning anything.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from imdb_sentiment.pipeline.io import PipelineError


class UnknownRevision(PipelineError):
    """No such git revision in the repository."""


@contextlib.contextmanager
def files_at_revision(
    paths: Sequence[str], rev: str, repo: str | Path = ".", label: str | None = None
) -> Iterator[list[Path]]:
    """Temporary local copies of ``paths`` (relative to ``repo``) as of ``rev`` (``label`` in
    errors, default ``rev``); removed on exit."""
    label = label or rev
    import dvc.api
    from dvc.exceptions import DvcException, PathMissingError
    from dvc.scm import RevError

    with tempfile.TemporaryDirectory(prefix="imdb-sentiment-rev-") as tmp:
        local = []
        for index, path in enumerate(paths):
            target = Path(tmp) / f"{index}-{Path(path).name}"  # keeps the suffix, which says the model's kind
            try:
                with dvc.api.open(path, repo=str(repo), rev=rev, mode="rb") as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out)
            except RevError:
                raise UnknownRevision(f"no git revision {label!r} in {repo}") from None
            except PathMissingError:
                message = f"{path} is not tracked at revision {label!r} (no DVC output or git file)"
                raise PipelineError(message) from None
            except DvcException as exc:  # e.g. in neither the cache nor the remote
                raise PipelineError(f"cannot fetch {path} at revision {label!r}: {exc}") from None
            local.append(target)
        yield local
