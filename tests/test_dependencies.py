"""dvc.yaml's code deps are each stage's import closure inside the package: no stale cache
from an unlisted module, no rerun for a listed one the stage does not import."""

from __future__ import annotations

from pathlib import Path

import yaml

from imdb_sentiment.dependencies import code_closure, differences, pipeline_stages, report, stage_code_deps

REPO = Path(__file__).parents[1]


def test_every_stage_lists_exactly_the_code_it_imports() -> None:
    problems = list(report(differences(pipeline_stages(REPO / "dvc.yaml"), REPO), "dvc.yaml"))
    assert not problems, "\n".join([*problems, "(`uv run python -m imdb_sentiment.dependencies` prints the lists)"])


def test_a_dropped_dependency_is_caught(tmp_path: Path) -> None:
    stages = pipeline_stages(REPO / "dvc.yaml")
    stages["evaluate"]["deps"].remove("src/imdb_sentiment/ngrams.py")
    stages["download"]["deps"].append("src/imdb_sentiment/models.py")
    assert differences(stages, REPO) == {
        "evaluate": (["src/imdb_sentiment/ngrams.py"], []),
        "download": ([], ["src/imdb_sentiment/models.py"]),
    }


def write_package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_closure_follows_function_imports_submodules_and_package_inits(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "stages/stage.py": "import json\nfrom imdb_sentiment import a\n",
            "src/imdb_sentiment/__init__.py": "",
            "src/imdb_sentiment/a.py": "def f():\n    from imdb_sentiment.sub.b import g\n",
            "src/imdb_sentiment/sub/__init__.py": "",
            "src/imdb_sentiment/sub/b.py": "import numpy\nimport imdb_sentiment.c as c\n",
            "src/imdb_sentiment/c.py": "",
            "src/imdb_sentiment/unused.py": "",
        },
    )
    found = {
        path.relative_to(tmp_path).as_posix() for path in code_closure(tmp_path / "stages/stage.py", tmp_path / "src")
    }
    assert found == {
        "src/imdb_sentiment/__init__.py",
        "src/imdb_sentiment/a.py",
        "src/imdb_sentiment/sub/__init__.py",
        "src/imdb_sentiment/sub/b.py",
        "src/imdb_sentiment/c.py",
    }
    assert stage_code_deps("python stages/stage.py --x 1", tmp_path)[0] == "stages/stage.py"


def test_a_members_module_reaches_only_its_own_stages_and_combine_and_evaluate() -> None:
    """The narrow reruns: an edit to the language-model or n-gram code reruns only the stages that
    train or score those members; the Keras code, only train and what scores Keras members."""
    stages = pipeline_stages(REPO / "dvc.yaml")

    def readers(module: str) -> set[str]:
        return {name for name, stage in stages.items() if module in stage["deps"]}

    assert readers("src/imdb_sentiment/ngrams.py") == {"train_ngrams", "train_ending", "combine", "evaluate"}
    assert readers("src/imdb_sentiment/ngram_lm.py") == {"combine", "evaluate"}
    assert readers("src/imdb_sentiment/models.py") == {"train", "combine", "evaluate"}
    assert readers("src/imdb_sentiment/training.py") == {"train"}
    assert not readers("src/imdb_sentiment/explain/methods.py")


def test_the_params_file_is_not_a_stage_dependency() -> None:
    """Stages depend on the params they read (params:), not on params.yaml as a file."""
    for name, stage in yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"].items():
        assert "params.yaml" not in stage["deps"], name
