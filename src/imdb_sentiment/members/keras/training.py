"""Deterministic Keras training, with an optional refit on train + validation."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf
from dvclive import Live
from dvclive.keras import DVCLiveCallback

from imdb_sentiment.members.keras.architectures import build_model, fit_feature_priors
from imdb_sentiment.pipeline.params import TrainParams

log = logging.getLogger(__name__)


def set_determinism(seed: int) -> None:
    """Seed Python, NumPy and Keras, and make TensorFlow ops deterministic."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def distribution_strategy() -> tf.distribute.Strategy:
    """MirroredStrategy when several GPUs are visible, else TensorFlow's default strategy."""
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def live_callback(live: Live) -> keras.callbacks.Callback:
    """Per-epoch loss and accuracy to DVCLive, for `dvc plots` and `dvc exp show`."""
    return DVCLiveCallback(live=live)


@dataclass
class TrainingResult:
    model: keras.Model
    history: dict[str, list[float]]  # per epoch of the run with validation
    best_epoch: int  # 1-based epoch with the lowest val_loss
    refit_epochs: int  # epochs of the final refit on train + validation; 0 when none
    val_probabilities: np.ndarray  # of the best epoch's model, before any refit: the ensemble's input


def train(
    p: TrainParams,
    embedding_matrix: np.ndarray,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    strategy: tf.distribute.Strategy | None = None,
) -> TrainingResult:
    """Fit ``p.model`` with validation; with its ``refit_full``, refit on all labelled reviews.

    The refit starts from the same seed and runs for the epoch count that was best on the
    validation split, so the test split plays no part in any choice. Variables are created
    under ``strategy`` (default: ``distribution_strategy()``), so several GPUs share the work.
    """
    settings = p.settings  # the model's own learning rate, batch size and refit
    strategy = strategy or distribution_strategy()
    log.info("training on %d replica(s) with %s", strategy.num_replicas_in_sync, type(strategy).__name__)
    set_determinism(p.seed)
    maxlen = x_train.shape[1]
    with strategy.scope():
        model = build_model(p, embedding_matrix, maxlen)
    fit_feature_priors(model, x_train, y_train)
    stops = list(callbacks)
    if p.early_stopping:
        stops.append(
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=p.early_stopping, restore_best_weights=True)
        )
    fitted = model.fit(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=p.epochs,
        batch_size=settings.batch_size,
        callbacks=stops,
        verbose=2,
    )
    history = {key: [float(v) for v in values] for key, values in fitted.history.items()}
    best_epoch = int(np.argmin(history["val_loss"])) + 1
    val_probabilities = model.predict(x_val, batch_size=settings.batch_size, verbose=0).ravel()
    if not settings.refit_full:
        return TrainingResult(model, history, best_epoch, refit_epochs=0, val_probabilities=val_probabilities)

    log.info("refitting %s on train + validation for %d epochs", p.model, best_epoch)
    set_determinism(p.seed)
    with strategy.scope():
        model = build_model(p, embedding_matrix, maxlen)
    x_all, y_all = np.concatenate([x_train, x_val]), np.concatenate([y_train, y_val])
    fit_feature_priors(model, x_all, y_all)
    model.fit(
        x_all,
        y_all,
        epochs=best_epoch,
        batch_size=settings.batch_size,
        verbose=2,
    )
    return TrainingResult(model, history, best_epoch, refit_epochs=best_epoch, val_probabilities=val_probabilities)


def training_summary(p: TrainParams, result: TrainingResult, train_reviews: int, val_reviews: int) -> dict[str, object]:
    """Stage train's metrics: the best epoch's validation loss and accuracy, and what was fitted."""
    best = result.best_epoch - 1
    return {
        "model": p.model,
        "parameters": int(result.model.count_params()),
        "epochs_run": len(result.history["loss"]),
        "best_epoch": result.best_epoch,
        "refit_full": p.settings.refit_full,  # on or off for this model (train.<model>.refit_full)
        "refit_epochs": result.refit_epochs,
        "val_loss": round(result.history["val_loss"][best], 6),
        "val_accuracy": round(result.history["val_accuracy"][best], 6),
        "train_reviews": train_reviews + (val_reviews if result.refit_epochs else 0),
    }
