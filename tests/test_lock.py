"""The lock, its platform check and the committed run agree with each other (offline)."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).parents[1]
sys.path.insert(0, str(REPO / "bench"))

from check_platforms import PLATFORMS, PYTHONS, canonical, markdown  # noqa: E402


def locked_versions() -> dict[str, str]:
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    return {canonical(package["name"]): package["version"] for package in lock["package"]}


def test_the_platform_check_is_for_the_committed_lock() -> None:
    checked = json.loads((REPO / "metrics/platforms.json").read_text())
    lock_hash = hashlib.sha256((REPO / "uv.lock").read_bytes()).hexdigest()
    assert checked["lock_sha256"] == lock_hash, "uv.lock changed: rerun `uv run python bench/check_platforms.py`"
    pairs = {(row["platform"], row["python"]) for row in checked["pairs"] if row["variant"] == "default"}
    assert pairs == {(platform, python) for platform in PLATFORMS for python in PYTHONS}
    assert checked["all_resolve"] and all(row["resolves"] for row in checked["pairs"])


def test_the_docs_show_the_committed_platform_table() -> None:
    """The install page's platform table is the committed check's: the docs' build hook makes it from
    metrics/platforms.json with the check's own `markdown`."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("docs_results_hook", REPO / "docs/hooks/results.py")
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    page = (REPO / "docs/install.md").read_text()
    assert "<!-- results:platforms -->" in page.splitlines()
    checked = json.loads((REPO / "metrics/platforms.json").read_text())
    assert markdown(checked["pairs"]) in hook.render(page, REPO)


def test_the_committed_run_used_the_locked_versions() -> None:
    ran_with = json.loads((REPO / "metrics/environment.json").read_text())["packages"]
    locked = locked_versions()
    assert ran_with["tensorflow"] == locked["tensorflow-cpu"] == locked["tensorflow"]
    for name, version in ran_with.items():
        assert locked[canonical(name)] == version, name


def test_tensorflow_wheels_are_chosen_by_platform() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    cpu = project["dependency-groups"]["cpu"]
    assert any(re.match(r"tensorflow-cpu==.*platform_machine == 'x86_64'.*win32", dep) for dep in cpu)
    assert any(re.match(r"tensorflow==.*darwin.*platform_machine != 'x86_64'", dep) for dep in cpu)
    assert project["project"]["optional-dependencies"]["gpu"][0].startswith("tensorflow[and-cuda]==")
    assert {"group": "cpu"} in project["tool"]["uv"]["conflicts"][0]
    assert not any(dep.startswith("tensorflow") for dep in project["project"]["dependencies"])


def test_checkouts_keep_lf_line_endings() -> None:
    assert "* text=auto eol=lf" in (REPO / ".gitattributes").read_text().splitlines()


def test_ci_runs_the_readmes_commands_on_both_pythons() -> None:
    readme, ci = (REPO / "README.md").read_text(), (REPO / ".ci/run").read_text()
    for command in ("uv run dvc repro", "uv run pytest"):
        assert command in readme
    assert re.search(r"^uv run pytest$", ci, re.M)
    # The newest Python runs the fast tier and the real pipeline on the fixture (docs/tests.md).
    newest = r"^UV_PROJECT_ENVIRONMENT=\S+ uv run --python \S+ pytest "
    assert re.search(newest + r'-m "not slow"$', ci, re.M)
    assert re.search(newest + r"tests/test_pipeline\.py$", ci, re.M)
