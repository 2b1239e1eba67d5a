"""docs "Adding a member", followed step by step: the tutorial's LSTM and CNN and the language-model
member join the fixture ensemble, each with one stage entry and its name in ensemble.members."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from fixture_repo import cli, repro, run, set_params

from imdb_sentiment.dependencies import differences
from imdb_sentiment.members.kinds import kind_of, model_filename
from imdb_sentiment.pipeline.io import read_json

REPO = Path(__file__).parents[1]
ADDED = {"lstm": "train_lstm", "cnn": "train_cnn", "lm": "train_lm"}  # member -> its recipe's stage
MEMBERS = ["keras", "ngrams", "ending", "lm", "lstm", "cnn"]


def recipe_stages() -> dict:
    """The dvc.yaml stages docs/members.md shows under "Adding a member", parsed from the page itself."""
    section = (REPO / "docs/members.md").read_text().split("## Adding a member", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert blocks, "docs/members.md: no yaml block under 'Adding a member'"
    stages: dict = {}
    for block in blocks:
        stages |= yaml.safe_load(block)
    return stages


def test_the_recipes_write_where_combine_looks_and_list_their_code() -> None:
    # fast tier: a new module on train's path must reach the page's recipes too
    stages = recipe_stages()
    assert set(ADDED.values()) == set(stages)
    for member, stage in ADDED.items():
        expected = [f"data/members/{model_filename(member)}", f"data/val_scores/{member}.npz"]
        assert stages[stage]["outs"][:2] == expected, stage
        assert f"python {kind_of(member).stage} " in stages[stage]["cmd"], stage
    assert not differences(stages, REPO), "a recipe's code deps differ from its script's imports"


@pytest.fixture(scope="module")
def with_added_members(trained_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """A copy of the trained fixture repository with the recipes added, as the page says: the stages
    and the names, nothing else."""
    root = tmp_path_factory.mktemp("members")
    shutil.copytree(trained_repo.parent, root, dirs_exist_ok=True)
    repo = root / trained_repo.name
    pipeline = yaml.safe_load((repo / "dvc.yaml").read_text())
    pipeline["stages"] |= recipe_stages()
    (repo / "dvc.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False))
    # the fixture's reviews are short: the CNN's two convolutions fit in them with narrower kernels
    set_params(
        repo / "params.yaml", {"ensemble.members": MEMBERS, "train.cnn.kernel_size": 3, "train.cnn.pool_size": 2}
    )
    return repo, repro(repo)


@pytest.mark.pipeline
def test_only_the_new_members_and_what_follows_run(with_added_members: tuple[Path, set[str]]) -> None:
    repo, ran = with_added_members
    assert ran == {"train_lstm", "train_cnn", "train_lm", "combine", "evaluate"}
    assert read_json(repo / "metrics/lstm.json")["model"] == "lstm"
    assert read_json(repo / "metrics/cnn.json")["model"] == "cnn"
    weights = read_json(repo / "metrics/ensemble.json")["members"]
    assert list(weights) == MEMBERS
    assert set(read_json(repo / "metrics/evaluate.json")["members"]) == set(MEMBERS)
    assert {"train_lstm", "train_cnn"} <= set(read_json(repo / "metrics/run.json")["stages"])


@pytest.mark.pipeline
@pytest.mark.parametrize(
    ("key", "value", "default", "stage"),
    [("train.lstm.units", 4, 8, "train_lstm"), ("lm.discount", 0.5, 0.75, "train_lm")],
)
def test_its_settings_rerun_it_alone(
    with_added_members: tuple[Path, set[str]], key: str, value: float, default: float, stage: str
) -> None:
    repo, _ = with_added_members
    set_params(repo / "params.yaml", {key: value})
    try:
        assert repro(repo) == {stage, "combine", "evaluate"}
    finally:
        set_params(repo / "params.yaml", {key: default})
        repro(repo)


@pytest.mark.pipeline
def test_the_six_member_ensemble_predicts_and_explains(with_added_members: tuple[Path, set[str]]) -> None:
    repo, _ = with_added_members
    done = cli(repo, "predict", "--explain", "--top", "2", "a wonderful, moving film")
    assert done.returncode == 0, done.stderr
    method = done.stdout.splitlines()[1]
    for part in ("lstm: integrated gradients", "cnn: integrated gradients", "lm: exact", "ngrams: exact"):
        assert part in method, method
    assert "up to date" in run(repo, "dvc", "status")
