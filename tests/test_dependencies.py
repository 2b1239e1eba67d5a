"""dvc.yaml's code deps cover each stage's import closure inside the package exactly: a folder
where the stage uses all of it, its files otherwise. No stale cache from an unlisted module, no
rerun for a listed path the stage does not wholly use."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from imdb_sentiment.dependencies import (
    code_closure,
    covering_paths,
    differences,
    pipeline_stages,
    report,
    stage_code_deps,
)

REPO = Path(__file__).parents[1]
CODE = "src/imdb_sentiment"


def test_every_stage_lists_exactly_the_code_it_imports() -> None:
    problems = list(report(differences(pipeline_stages(REPO / "dvc.yaml"), REPO), "dvc.yaml"))
    assert not problems, "\n".join([*problems, "(`uv run python -m imdb_sentiment.dependencies` prints the lists)"])


def test_the_pipeline_reads_as_the_data_flow_in_at_most_250_lines() -> None:
    assert len((REPO / "dvc.yaml").read_text().splitlines()) <= 250


def test_a_dropped_dependency_is_caught() -> None:
    stages = pipeline_stages(REPO / "dvc.yaml")
    stages["evaluate"]["deps"].remove(f"{CODE}/members/ngrams.py")
    found = differences(stages, REPO)
    assert list(found) == ["evaluate"]
    assert found["evaluate"].missing == [f"{CODE}/members/ngrams.py"] and not found["evaluate"].unneeded


def test_a_dropped_folder_is_caught_module_by_module() -> None:
    stages = pipeline_stages(REPO / "dvc.yaml")
    stages["combine"]["deps"].remove(f"{CODE}/ensemble")
    assert differences(stages, REPO)["combine"].missing == [f"{CODE}/ensemble/stacker.py"]


@pytest.mark.parametrize(
    ("stage", "extra"),
    [
        ("download", f"{CODE}/members/keras/architectures.py"),  # a module it does not import
        ("combine", f"{CODE}/members"),  # a folder it uses only part of
        ("split", f"{CODE}/text"),
    ],
)
def test_a_listed_path_the_stage_does_not_wholly_use_is_caught(stage: str, extra: str) -> None:
    stages = pipeline_stages(REPO / "dvc.yaml")
    stages[stage]["deps"].append(extra)
    found = differences(stages, REPO)
    assert list(found) == [stage] and found[stage].unneeded == [extra] and not found[stage].missing


def test_files_where_the_folder_would_do_are_caught() -> None:
    stages = pipeline_stages(REPO / "dvc.yaml")
    deps = stages["download"]["deps"]
    deps.remove(f"{CODE}/sources")
    deps.extend(f"{CODE}/sources/{name}.py" for name in ("archive", "catalog", "reviews", "tables"))
    found = differences(stages, REPO)["download"]
    assert f"{CODE}/sources" in found.expected and not found.missing


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
            "src/imdb_sentiment/__init__.py": '"""Only delegates."""\nfrom imdb_sentiment.c import f\n\nf()\n',
            "src/imdb_sentiment/a.py": "def f():\n    from imdb_sentiment.sub.b import g\n",
            "src/imdb_sentiment/sub/__init__.py": "X = compute()\n",  # code: a dependency
            "src/imdb_sentiment/sub/b.py": "import numpy\nimport imdb_sentiment.c as c\n",
            "src/imdb_sentiment/c.py": "def f():\n    pass\n",
            "src/imdb_sentiment/docs_only/__init__.py": '"""A docstring computes nothing."""\n',
            "src/imdb_sentiment/unused.py": "",
        },
    )
    found = {
        path.relative_to(tmp_path).as_posix() for path in code_closure(tmp_path / "stages/stage.py", tmp_path / "src")
    }
    assert found == {
        "src/imdb_sentiment/a.py",
        "src/imdb_sentiment/sub/__init__.py",
        "src/imdb_sentiment/sub/b.py",
        "src/imdb_sentiment/c.py",
    }
    covered = covering_paths({tmp_path / p for p in found}, tmp_path / "src/imdb_sentiment")
    assert [p.relative_to(tmp_path).as_posix() for p in covered] == [
        "src/imdb_sentiment/a.py",
        "src/imdb_sentiment/c.py",
        "src/imdb_sentiment/sub",  # every file of it is used
    ]
    assert stage_code_deps("python stages/stage.py --x 1", tmp_path)[0] == "stages/stage.py"


def test_the_packages_own_init_only_delegates_to_the_pipeline() -> None:
    """It is no dependency of its own (dvc.yaml does not list it): what it runs is in
    pipeline/cpu_kernels.py, which every stage lists."""
    assert Path(f"{CODE}/__init__.py") not in {
        p.relative_to(REPO) for p in code_closure(REPO / "stages/download.py", REPO / "src")
    }
    assert f"{CODE}/pipeline" in stage_code_deps("python stages/download.py", REPO)


def readers(module: str) -> set[str]:
    """The stages whose listed code covers ``module``: those an edit to it reruns."""
    stages = pipeline_stages(REPO / "dvc.yaml")
    return {
        name
        for name, stage in stages.items()
        if any(module == dep or module.startswith(dep.rstrip("/") + "/") for dep in stage["deps"])
    }


@pytest.mark.parametrize(
    ("module", "stages"),
    [
        # one member's code: that member, combine and evaluate
        ("members/ngrams.py", {"train_ngrams", "train_ending", "combine", "evaluate"}),
        ("members/language_model.py", {"combine", "evaluate"}),  # lm is no default member
        ("members/keras/architectures.py", {"train", "combine", "evaluate"}),
        ("members/keras/training.py", {"train"}),
        ("members/keras/nbsvm_arrays.py", {"train", "combine", "evaluate"}),
        # the stacker: combine and evaluate only
        ("ensemble/stacker.py", {"combine", "evaluate"}),
        # the tokenizer: stage tokenize_reviews, and stage train and the scorers through the preprocessing a
        # model carries; the stages that read the tokens table rerun only if its bytes change
        ("text/tokenize.py", {"tokenize_reviews", "train", "combine", "evaluate"}),
        ("text/tokens.py", {"tokenize_reviews", "reindex_vocab", "train_word2vec"}),
        ("scoring/explain/methods.py", set()),
        ("distributed/sweep.py", set()),
    ],
)
def test_an_edit_reruns_exactly_the_stages_that_run_the_code(module: str, stages: set[str]) -> None:
    assert readers(f"{CODE}/{module}") == stages


def test_the_params_file_is_not_a_stage_dependency() -> None:
    """Stages depend on the params they read (params:), not on params.yaml as a file."""
    for name, stage in yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"].items():
        assert "params.yaml" not in stage["deps"], name
