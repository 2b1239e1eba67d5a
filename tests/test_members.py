"""README "Adding a member", followed step by step: the tutorial's LSTM and the language-model member join the
fixture ensemble."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from fixture_repo import cli, repro, run, set_params

from imdb_sentiment.io import read_json

pytestmark = pytest.mark.pipeline

REPO = Path(__file__).parents[1]
# each added member's stage and the files stage combine is given for it (README: --member NAME MODEL SCORES)
ADDED = {
    "lstm": ("train_lstm", ["data/members/lstm.keras", "data/val_scores/lstm.npz"]),
    "lm": ("train_lm", ["data/members/lm.npz", "data/val_scores/lm.npz"]),
}
MEMBERS = ["keras", "ngrams", "ending", "lm", "lstm"]


def readme_member_stages() -> dict:
    """The dvc.yaml stages README "Adding a member" shows, parsed from the README itself."""
    section = (REPO / "README.md").read_text().split("### Adding a member", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert blocks, "README: no yaml block under 'Adding a member'"
    stages: dict = {}
    for block in blocks:
        stages |= yaml.safe_load(block)
    return stages


def test_the_readme_stages_write_the_files_combine_is_given() -> None:
    stages = readme_member_stages()
    assert {stage for stage, _ in ADDED.values()} == set(stages)
    for stage, files in ADDED.values():
        assert stages[stage]["outs"][:2] == files, stage
        assert all(file in stages[stage]["cmd"] for file in files), stage


@pytest.fixture(scope="module")
def with_added_members(trained_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """A copy of the trained fixture repository with the README's two recipes added, run once."""
    root = tmp_path_factory.mktemp("members")
    shutil.copytree(trained_repo.parent, root, dirs_exist_ok=True)
    repo = root / trained_repo.name
    pipeline = yaml.safe_load((repo / "dvc.yaml").read_text())
    pipeline["stages"] |= readme_member_stages()
    combine = pipeline["stages"]["combine"]
    for name, (_, files) in ADDED.items():
        combine["cmd"] += f" --member {name} " + " ".join(files)
        combine["deps"] += files
    (repo / "dvc.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False))
    set_params(repo / "params.yaml", {"ensemble.members": MEMBERS})
    return repo, repro(repo)


def test_only_the_new_members_and_what_follows_run(with_added_members: tuple[Path, set[str]]) -> None:
    repo, ran = with_added_members
    assert ran == {"train_lstm", "train_lm", "combine", "evaluate"}
    assert read_json(repo / "metrics/lstm.json")["model"] == "lstm"
    weights = read_json(repo / "metrics/ensemble.json")["members"]
    assert list(weights) == MEMBERS
    assert set(read_json(repo / "metrics/evaluate.json")["members"]) == set(MEMBERS)
    assert "train_lstm" in read_json(repo / "metrics/run.json")["stages"]


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


def test_the_five_member_ensemble_predicts_and_explains(with_added_members: tuple[Path, set[str]]) -> None:
    repo, _ = with_added_members
    done = cli(repo, "predict", "--explain", "--top", "2", "a wonderful, moving film")
    assert done.returncode == 0, done.stderr
    method = done.stdout.splitlines()[1]
    assert "lstm: integrated gradients" in method and "lm: exact" in method and "ngrams: exact" in method, method
    assert "up to date" in run(repo, "dvc", "status")
