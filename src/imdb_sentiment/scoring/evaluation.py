"""Test-set metrics from predicted probabilities (scikit-learn)."""

from __future__ import annotations

import numpy as np
from sklearn import metrics


def binary_metrics(y_true: np.ndarray, probabilities: np.ndarray, threshold: float = 0.5) -> dict[str, float | int]:
    """Loss (binary cross-entropy), accuracy, precision, recall, F1 and ROC AUC."""
    y_pred = (probabilities >= threshold).astype(np.int8)
    return {
        "reviews": int(y_true.size),
        "loss": round(float(metrics.log_loss(y_true, probabilities, labels=[0, 1])), 6),
        "accuracy": round(float(metrics.accuracy_score(y_true, y_pred)), 6),
        "precision": round(float(metrics.precision_score(y_true, y_pred, zero_division=0)), 6),
        "recall": round(float(metrics.recall_score(y_true, y_pred, zero_division=0)), 6),
        "f1": round(float(metrics.f1_score(y_true, y_pred, zero_division=0)), 6),
        "roc_auc": round(float(metrics.roc_auc_score(y_true, probabilities)), 6),
    }
