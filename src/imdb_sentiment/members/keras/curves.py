"""Static PNG plots, for readers without `dvc plots`."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # no display on CI or servers
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from imdb_sentiment.pipeline.io import atomic_output


def plot_training_curves(history: dict[str, list[float]], path: str | os.PathLike[str], title: str) -> None:
    """The tutorial's two figures side by side: loss and accuracy, train vs validation."""
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    epochs = range(1, len(history["loss"]) + 1)
    for axis, metric in zip(axes, ("loss", "accuracy"), strict=True):
        axis.plot(epochs, history[metric], "o-", label=f"training {metric}")
        axis.plot(epochs, history[f"val_{metric}"], "s-", label=f"validation {metric}")
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel(metric)
        axis.legend()
    figure.suptitle(title)
    figure.tight_layout()
    with atomic_output(path) as tmp:
        figure.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    plt.close(figure)
