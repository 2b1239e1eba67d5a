"""The named tutorial experiments must stay valid parameter sets for `dvc exp run -S`."""

import sys
from pathlib import Path

import pytest
import yaml

from imdb_sentiment.params import EmbeddingParams, PadParams, TrainParams, VocabParams, parse_group, read_params_file

REPO = Path(__file__).parents[1]
sys.path.insert(0, str(REPO / "bench"))

from experiments import exp_command, findings  # noqa: E402

SPEC = yaml.safe_load((REPO / "bench" / "tutorial_experiments.yaml").read_text())


@pytest.mark.parametrize("name", list(SPEC["experiments"]))
def test_each_experiment_is_a_valid_parameter_set(name: str) -> None:
    params = read_params_file(REPO / "params.yaml")
    for dotted, value in {**SPEC["common"], **SPEC["experiments"][name]}.items():
        group, *keys = dotted.split(".")
        target = params[group]
        for key in keys[:-1]:
            target = target[key]
        assert keys[-1] in target, f"{dotted} is not a key of params.yaml"
        target[keys[-1]] = value
    for model in (VocabParams, PadParams, EmbeddingParams, TrainParams):
        parse_group(params, model.group, model)


def test_exp_command_sets_every_param() -> None:
    command = exp_command("lstm-pre", {"train.model": "lstm", "pad.padding": "pre"}, queue=True)
    assert command == [
        "dvc",
        "exp",
        "run",
        "-n",
        "lstm-pre",
        "--queue",
        "-S",
        "train.model=lstm",
        "-S",
        "pad.padding=pre",
    ]


def test_findings_follow_the_measured_accuracies() -> None:
    rows = {
        "lstm-post": {"test_accuracy": 0.51},
        "lstm-pre": {"test_accuracy": 0.84},
        "cnn-word2vec": {"test_accuracy": 0.85},
    }
    found = findings(rows)
    assert found["lstm_post_near_chance"] is True
    assert found["lstm_pre_at_least_10_points_better"] is True
    assert found["cnn_word2vec_at_least_86"] is False
