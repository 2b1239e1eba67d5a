"""The README and the docs site: the README's size and commands, the results tables that the build hook
makes from metrics/*.json, and the site's strict build (offline, a few seconds)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).parents[1]
README = REPO / "README.md"
DOCS = REPO / "docs"


def load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_results_hook", DOCS / "hooks" / "results.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = load_hook()


def nav_pages() -> list[str]:
    """The pages mkdocs.yml's nav lists (docs/-relative)."""
    return re.findall(r"^\s+- [^:]+: (\S+\.md)$", (REPO / "mkdocs.yml").read_text(), re.M)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def test_the_readme_is_short_and_shows_the_commands() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= 250
    for command in (
        "uv run dvc repro",
        "IMDB_ARCHIVE=",
        "uv run pytest",
        'uv run pytest -m "not slow"',
        "python -m imdb_sentiment predict",
        "--file",
        "--explain",
        "python -m imdb_sentiment serve",
        "dvc metrics diff",
        "dvc exp show",
        "dvc exp push",
        "python -m imdb_sentiment sweep",
        "dvc push --run-cache",
        "gto register",
        "--rev",
        "--stage",
        "uv run mkdocs serve",
    ):
        assert command in text, command


def test_the_readme_describes_the_product_not_its_history() -> None:
    text = README.read_text()
    assert not re.search(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b", text), "a commit hash"
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), "a date"
    assert "earlier runs" not in text.lower()


def test_the_readme_states_the_committed_accuracy() -> None:
    accuracy = read_json(REPO / "metrics/evaluate.json")["accuracy"]
    assert f"**{100 * accuracy:.2f}%**" in README.read_text()


def test_the_readme_lists_every_docs_page() -> None:
    pages = nav_pages()
    assert {"index.md", "install.md", "members.md", "serving.md", "sharing.md", "troubleshooting.md"} <= set(pages)
    assert "results.md" in pages
    for page in pages:
        assert (DOCS / page).is_file(), page
        assert f"(docs/{page}" in README.read_text(), page


def test_every_placeholder_names_a_table_and_every_table_is_shown() -> None:
    used = {name for page in DOCS.glob("*.md") for name in hook.PLACEHOLDER.findall(page.read_text())}
    assert used == set(hook.PLACEHOLDERS)


def test_the_evaluate_table_shows_the_committed_accuracies() -> None:
    evaluate = read_json(REPO / "metrics/evaluate.json")
    table = hook.results("evaluate")
    assert f"| **ensemble** | {100 * evaluate['accuracy']:.2f}% |" in table
    for name, member in evaluate["members"].items():
        assert f"| member `{name}` | {100 * member['accuracy']:.2f}% |" in table


def test_the_ensemble_table_shows_each_weight() -> None:
    ensemble = read_json(REPO / "metrics/ensemble.json")
    table = hook.results("ensemble")
    for name, member in ensemble["members"].items():
        assert f"| `{name}` | {member['weight']:.3f} | {100 * member['val_accuracy']:.2f}% |" in table


@pytest.mark.parametrize(
    ("table", "record", "keys", "value", "shown"),
    [
        ("evaluate", "metrics/evaluate.json", ["accuracy"], 0.87654, "| **ensemble** | 87.65% |"),
        ("ensemble", "metrics/ensemble.json", ["members", "keras", "weight"], 0.123456, "| `keras` | 0.123 |"),
        ("data", "metrics/data.json", ["counts", "train/pos"], 12345, "| `train/pos` | 12,345 |"),
        ("bench", "metrics/bench.json", ["cold_repro_s"], 321.0, "| 321 s |"),
        ("serve", "metrics/bench.json", ["serve", "batch32", "reviews_per_s"], 4321.0, "| 4,321 |"),
        ("experiments", "metrics/experiments.json", ["experiments", "lstm-pre", "test_accuracy"], 0.5, "| 50.00% |"),
        ("model_defaults", "metrics/model_defaults.json", ["models", "lstm", "test_accuracy"], 0.777, "| 77.70% |"),
        ("member_cv", "metrics/studies/member_cv.json", ["members", "lm", "accuracy_out_of_fold"], 0.5, "| 50.00% |"),
    ],
)
def test_a_changed_record_changes_its_table(
    tmp_path: Path, table: str, record: str, keys: list[str], value: float, shown: str
) -> None:
    if not (REPO / record).exists():
        pytest.skip(f"{record} is not committed")
    shutil.copytree(REPO / "metrics", tmp_path / "metrics")
    data = read_json(tmp_path / record)
    *parents, last = keys
    node = data
    for key in parents:
        node = node[key]
    assert shown not in hook.results(table, tmp_path)
    node[last] = value
    (tmp_path / record).write_text(json.dumps(data))
    assert shown in hook.results(table, tmp_path)


def test_a_missing_record_names_the_study_to_run(tmp_path: Path) -> None:
    (tmp_path / "metrics").mkdir()
    note = hook.render("Before.\n\n<!-- results:member_cv -->\n\nAfter.\n", tmp_path)
    assert "metrics/studies/member_cv.json" in note
    assert "`uv run python studies/member_cv.py`" in note
    assert note.startswith("Before.") and note.endswith("After.\n")


def test_a_missing_part_of_a_record_names_the_command(tmp_path: Path) -> None:
    (tmp_path / "metrics/studies").mkdir(parents=True)
    (tmp_path / "metrics/studies/ensemble_candidates.json").write_text(json.dumps({"validation_split": {}}))
    assert "--only keras-members" in hook.results("keras_members", tmp_path)


def test_malformed_json_fails_the_build(tmp_path: Path) -> None:
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics/evaluate.json").write_text('{"accuracy": 0.92,')
    with pytest.raises(ValueError, match=r"evaluate\.json: malformed JSON"):
        hook.render("<!-- results:evaluate -->\n", tmp_path)


def test_a_record_of_another_shape_fails_the_build(tmp_path: Path) -> None:
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics/evaluate.json").write_text(json.dumps({"accuracy": 0.92}))
    with pytest.raises(ValueError, match="not the record"):
        hook.results("evaluate", tmp_path)


def test_an_unknown_placeholder_fails_the_build() -> None:
    with pytest.raises(KeyError, match="no such table"):
        hook.render("<!-- results:evaluation -->\n")


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    done = subprocess.run(build, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    accuracy = read_json(REPO / "metrics/evaluate.json")["accuracy"]
    results = (site / "results" / "index.html").read_text()
    assert f"{100 * accuracy:.2f}%" in results
    for page in site.rglob("*.html"):
        assert "<!-- results:" not in page.read_text(), page
    assert not (site / "hooks").exists()
