"""README "Adding a member", followed step by step: the tutorial's LSTM joins the fixture ensemble."""

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
LSTM_FILES = ["data/members/lstm.keras", "data/val_scores/lstm.npz"]


def readme_member_stage() -> dict:
    """The dvc.yaml stage README "Adding a member" shows, parsed from the README itself."""
    section = (REPO / "README.md").read_text().split("### Adding a member", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert block, "README: no yaml block under 'Adding a member'"
    return yaml.safe_load(block.group(1))


@pytest.fixture(scope="module")
def with_lstm_member(trained_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """A copy of the trained fixture repository with the README's LSTM member added, run once."""
    root = tmp_path_factory.mktemp("members")
    shutil.copytree(trained_repo.parent, root, dirs_exist_ok=True)
    repo = root / trained_repo.name
    pipeline = yaml.safe_load((repo / "dvc.yaml").read_text())
    pipeline["stages"] |= readme_member_stage()
    combine = pipeline["stages"]["combine"]
    combine["cmd"] += " --member lstm " + " ".join(LSTM_FILES)
    combine["deps"] += LSTM_FILES
    (repo / "dvc.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False))
    set_params(repo / "params.yaml", {"ensemble.members": ["keras", "ngrams", "lm", "lstm"]})
    return repo, repro(repo)


def test_only_the_new_member_and_what_follows_run(with_lstm_member: tuple[Path, set[str]]) -> None:
    repo, ran = with_lstm_member
    assert ran == {"train_lstm", "combine", "evaluate"}
    assert read_json(repo / "metrics/lstm.json")["model"] == "lstm"
    weights = read_json(repo / "metrics/ensemble.json")["members"]
    assert list(weights) == ["keras", "ngrams", "lm", "lstm"]
    assert set(read_json(repo / "metrics/evaluate.json")["members"]) == {"keras", "ngrams", "lm", "lstm"}
    assert "train_lstm" in read_json(repo / "metrics/run.json")["stages"]


def test_its_settings_rerun_it_alone(with_lstm_member: tuple[Path, set[str]]) -> None:
    repo, _ = with_lstm_member
    set_params(repo / "params.yaml", {"train.lstm.units": 4})
    try:
        assert repro(repo) == {"train_lstm", "combine", "evaluate"}
    finally:
        set_params(repo / "params.yaml", {"train.lstm.units": 8})
        repro(repo)


def test_the_three_member_ensemble_predicts_and_explains(with_lstm_member: tuple[Path, set[str]]) -> None:
    repo, _ = with_lstm_member
    done = cli(repo, "predict", "--explain", "--top", "2", "a wonderful, moving film")
    assert done.returncode == 0, done.stderr
    method = done.stdout.splitlines()[1]
    assert "lstm: integrated gradients" in method and "ngrams: exact" in method, method
    assert "up to date" in run(repo, "dvc", "status")
