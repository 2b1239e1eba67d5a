from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixture_archive import review_members, write_archive

# Fixtures that run `dvc repro` or start a server: a test that uses one is in the slow tier.
SLOW_FIXTURES = frozenset({"trained_repo", "served_model", "registered_repo", "served_archive", "team"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`-m "not slow"` is the fast tier: every test that runs `dvc repro` (marker `pipeline`) or
    starts a server, through a fixture or itself (marker `slow`), is slow."""
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("pipeline") or uses & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def fixture_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small archive in the official aclImdb layout (100 pos + 100 neg per split, 60 unsup)."""
    return write_archive(tmp_path_factory.mktemp("archive") / "aclImdb_v1.tar.gz", review_members())


@pytest.fixture(scope="session")
def trained_repo(tmp_path_factory: pytest.TempPathFactory, fixture_archive: Path) -> Path:
    """The default pipeline, run once on the fixture archive with tiny params: a trained model
    to explain and serve (tests that change the pipeline use test_pipeline's own repository)."""
    from fixture_repo import make_repo, run

    repo = make_repo(tmp_path_factory.mktemp("trained"), fixture_archive)
    run(repo, "dvc", "repro")
    return repo


@pytest.fixture(scope="session")
def served_model(trained_repo: Path) -> Iterator[int]:
    """`serve` on the fixture ensemble, started as a user would (default host); yields its port."""
    from fixture_server import free_port, start_server

    port = free_port()
    server = start_server(trained_repo / "data/ensemble.zip", port, trained_repo)
    yield port
    server.terminate()
    server.wait(30)


@pytest.fixture(scope="session")
def registered_repo(trained_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    """A clone with model versions v1.0.0 and v2.0.0 registered (HEAD: v2.0.0), stage prod on v1.0.0,
    and each version's score of fixture_repo.REGISTRY_REVIEW."""
    from fixture_repo import make_registered_repo

    clone = tmp_path_factory.mktemp("registry") / "repo"
    return clone, make_registered_repo(trained_repo, clone)
