from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixture_archive import review_members, write_archive


@pytest.fixture(scope="session")
def fixture_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small archive in the official aclImdb layout (100 pos + 100 neg per split, 60 unsup)."""
    return write_archive(tmp_path_factory.mktemp("archive") / "aclImdb_v1.tar.gz", review_members())
