from pathlib import Path
from typing import Any

import pytest
import yaml

from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.pipeline.params import (
    EmbeddingParams,
    EnsembleParams,
    LengthParams,
    PadParams,
    SplitParams,
    TrainParams,
    VocabParams,
    Word2VecParams,
    load_params,
    parse_group,
    read_params_file,
)

REPO_PARAMS = Path(__file__).parents[1] / "params.yaml"


def with_change(group: str, key: str, value: Any) -> dict[str, Any]:
    params = read_params_file(REPO_PARAMS)
    target = params[group]
    *parents, last = key.split(".")
    for parent in parents:
        target = target[parent]
    target[last] = value
    return params


def test_repository_params_are_valid() -> None:
    for model in (VocabParams, LengthParams, PadParams, SplitParams, Word2VecParams, EmbeddingParams, TrainParams):
        load_params(model, REPO_PARAMS)


def test_a_member_of_fixed_architecture_keeps_every_other_setting() -> None:
    """Stage train_lstm: train.model's choice swapped for lstm, nothing else."""
    p = load_params(TrainParams, REPO_PARAMS)
    lstm = p.for_model("lstm")
    assert lstm.model == "lstm" and lstm.settings == p.lstm
    assert lstm.model_dump(exclude={"model"}) == p.model_dump(exclude={"model"})
    with pytest.raises(ValueError, match="model"):
        p.for_model("transformer")


@pytest.mark.parametrize(
    ("model", "key", "value", "message"),
    [
        (
            TrainParams,
            "model",
            "transformer",
            r"train\.model: Input should be 'nbsvm', 'fasttext', 'cnn_wide', 'cnn', 'lstm' or 'gmp'",
        ),
        (PadParams, "padding", "middle", r"pad\.padding: Input should be 'pre' or 'post' \(found 'middle'\)"),
        (PadParams, "truncating", "both", r"pad\.truncating: Input should be 'pre' or 'post'"),
        (SplitParams, "val_size", 0, r"split\.val_size: Input should be greater than 0"),
        (VocabParams, "num_words", 4, r"vocab\.num_words: Input should be greater than or equal to 5"),
        (LengthParams, "maxlen", 0, r"length\.maxlen"),
        (LengthParams, "maxlen", "long", r"length\.maxlen.*found 'long'"),
        (TrainParams, "epochs", 0, r"train\.epochs: Input should be greater than 0"),
        (
            TrainParams,
            "cnn.batch_size",
            "512",
            r"train\.cnn\.batch_size: Input should be a valid integer \(found '512'\)",
        ),
        (TrainParams, "gmp.learning_rate", 0, r"train\.gmp\.learning_rate: Input should be greater than 0"),
        (TrainParams, "cnn.embedding_scale", 0, r"train\.cnn\.embedding_scale: Input should be greater than 0"),
        (TrainParams, "lstm.refit_full", "no", r"train\.lstm\.refit_full: Input should be a valid boolean"),
        (
            TrainParams,
            "learning_rate",
            0.001,
            r"train\.learning_rate is now per model: set train\.<model>\.learning_rate",
        ),
        (TrainParams, "lstm.units", 1.5, r"train\.lstm\.units: Input should be a valid integer"),
        (
            EmbeddingParams,
            "source",
            "glove",
            r"embedding\.source: Input should be 'random', 'word2vec' or 'pretrained'",
        ),
        (EmbeddingParams, "source", "pretrained", r"embedding\.source is 'pretrained' but embedding\.path is empty"),
        (TrainParams, "unknown_key", 1, r"train\.unknown_key: Extra inputs are not permitted"),
        (EnsembleParams, "members", [], r"ensemble\.members: List should have at least 1 item"),
        (EnsembleParams, "members", ["lstm", "lstm"], r"ensemble\.members lists a member twice"),
    ],
)
def test_invalid_values_name_the_key(model: type, key: str, value: Any, message: str) -> None:
    with pytest.raises(PipelineError, match=message):
        parse_group(with_change(model.group, key, value), model.group, model)


def test_a_missing_key(tmp_path: Path) -> None:
    params = read_params_file(REPO_PARAMS)
    del params["pad"]["truncating"]
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    with pytest.raises(PipelineError, match=r"params\.yaml: invalid parameters\n  pad\.truncating: Field required"):
        load_params(PadParams, path)


def test_a_missing_group() -> None:
    with pytest.raises(PipelineError, match="missing parameter group 'split'"):
        parse_group({}, "split", SplitParams)


def test_a_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="not found"):
        load_params(PadParams, tmp_path / "params.yaml")
    (tmp_path / "params.yaml").write_text("pad: [unclosed")
    with pytest.raises(PipelineError, match="not valid YAML"):
        load_params(PadParams, tmp_path / "params.yaml")
