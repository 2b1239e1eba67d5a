"""The named tutorial experiments must stay valid parameter sets for `dvc exp run -S`."""

import sys
from pathlib import Path

import pytest
import yaml

from imdb_sentiment.pipeline.params import (
    EmbeddingParams,
    EnsembleParams,
    PadParams,
    TrainParams,
    VocabParams,
    parse_group,
    read_params_file,
)

REPO = Path(__file__).parents[1]
sys.path.insert(0, str(REPO / "studies"))

from experiments import exp_command, findings  # noqa: E402

SPECS = {
    definitions: yaml.safe_load((REPO / "studies" / definitions).read_text())
    for definitions in ("tutorial_experiments.yaml", "model_selection.yaml", "model_defaults_selection.yaml")
}


@pytest.mark.parametrize(
    ("definitions", "name"),
    [(definitions, name) for definitions, spec in SPECS.items() for name in spec["experiments"]],
)
def test_each_experiment_is_a_valid_parameter_set(definitions: str, name: str) -> None:
    spec = SPECS[definitions]
    params = read_params_file(REPO / "params.yaml")
    for dotted, value in {**spec["common"], **spec["experiments"][name]}.items():
        group, *keys = dotted.split(".")
        target = params[group]
        for key in keys[:-1]:
            target = target[key]
        assert keys[-1] in target, f"{dotted} is not a key of params.yaml"
        target[keys[-1]] = value
    for model in (VocabParams, PadParams, EmbeddingParams, TrainParams, EnsembleParams):
        parse_group(params, model.group, model)


@pytest.mark.parametrize("name", list(SPECS["tutorial_experiments.yaml"]["experiments"]))
def test_tutorial_experiments_pin_the_tutorials_training_settings(name: str) -> None:
    """Whatever a model's defaults become, the tutorial's experiments keep the tutorial's."""
    experiment = SPECS["tutorial_experiments.yaml"]["experiments"][name]
    model = experiment["train.model"]
    keys = ("learning_rate", "batch_size", "refit_full", "embedding_scale")
    pinned = {key: experiment.get(f"train.{model}.{key}") for key in keys}
    assert pinned == {"learning_rate": 0.001, "batch_size": 512, "refit_full": False, "embedding_scale": 1.0}


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
    # A target stops the run after that stage (model selection: train, so test is never read).
    assert exp_command("nbsvm", {"train.model": "nbsvm"}, queue=False, target="train")[-3:] == [
        "-S",
        "train.model=nbsvm",
        "train",
    ]


def test_findings_follow_the_measured_accuracies() -> None:
    rows = {
        "lstm-post": {"test_accuracy": 0.51},
        "lstm-pre": {"test_accuracy": 0.84},
        "cnn-word2vec": {"test_accuracy": 0.85},
        "nbsvm": {"val_accuracy": 0.91},  # validation-only rows carry no test accuracy
    }
    found = findings(rows)
    assert found["lstm_post_near_chance"] is True
    assert found["lstm_pre_at_least_10_points_better"] is True
    assert found["cnn_word2vec_at_least_86"] is False
