"""Spot a model that collapsed to one answer, from its validation scores (no TensorFlow)."""

from __future__ import annotations

import numpy as np

CHANCE_LOSS = float(np.log(2))  # binary cross-entropy of always answering 0.5
COLLAPSE_LABEL_SHARE = 0.99
COLLAPSE_LOSS_TOLERANCE = 0.001
COLLAPSE_CAUSES = (
    "a learning rate too high for this model (train.{model}.learning_rate)",
    "'post' padding for an RNN (pad.padding: pre keeps the words next to the LSTM's output)",
)


def collapse_causes(model: str) -> str:
    """The likely causes of a collapse, naming ``model``'s own parameter keys."""
    return "; ".join(cause.format(model=model) for cause in COLLAPSE_CAUSES)


def collapse_signs(val_probabilities: np.ndarray, val_loss: float) -> list[str]:
    """Why a trained model looks collapsed to one answer; empty when it does not.

    Two signs: at least 99% of validation reviews get the same label, or the validation loss
    is within 0.001 of ln 2 (the loss of answering 0.5 to everything).
    """
    signs = []
    if val_probabilities.size:
        positive = float(np.mean(np.nan_to_num(val_probabilities, nan=0.0) >= 0.5))
        share = max(positive, 1 - positive)
        if share >= COLLAPSE_LABEL_SHARE:
            label = "positive" if positive >= 0.5 else "negative"
            signs.append(f"{share:.1%} of validation reviews get the label {label}")
    if not np.isfinite(val_loss):
        signs.append(f"val_loss is {val_loss}")
    elif abs(val_loss - CHANCE_LOSS) <= COLLAPSE_LOSS_TOLERANCE:
        signs.append(f"val_loss {val_loss:.5f} is within {COLLAPSE_LOSS_TOLERANCE} of ln 2 = {CHANCE_LOSS:.5f}")
    return signs


def collapse_warning(model: str, val_probabilities: np.ndarray, val_loss: float, flagged_in: str) -> str | None:
    """The warning for a collapsed model, naming its signs, their likely causes and the metrics
    file that flags it; None when it did not collapse."""
    signs = collapse_signs(val_probabilities, val_loss)
    if not signs:
        return None
    return (
        f"{model} looks collapsed to one answer: {'; '.join(signs)}. Likely causes: {collapse_causes(model)}. "
        f'Flagged as "collapsed": true in {flagged_in}.'
    )
