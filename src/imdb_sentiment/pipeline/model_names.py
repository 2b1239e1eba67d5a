"""The names of stage train's Keras architectures (``train.model``), for code that must not import
pydantic or Keras to know them (scoring a review loads neither); models.BUILDERS builds each."""

from __future__ import annotations

from typing import Literal, get_args

KerasModel = Literal["nbsvm", "fasttext", "cnn_wide", "cnn", "lstm", "gmp"]
KERAS_MODELS: tuple[str, ...] = get_args(KerasModel)
